// What an entry (node.mjs, browser.mjs, workerd.mjs) provides to api.mjs before any verifier exists:
// Node's entry sets `nodeCrypto`, which makes "node" the default `signatureVerifier`.
export const platform = { nodeCrypto: null };
