// What an entry (node.mjs, browser.mjs, workerd.mjs) provides to api.mjs before any verifier exists:
// the module's `memory` (the glue writes each verification's token into it, verifier.mjs), and in
// Node `nodeCrypto`, which makes "node" the default `signatureVerifier`.
export const platform = { nodeCrypto: null, memory: null };
