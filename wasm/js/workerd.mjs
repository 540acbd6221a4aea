// Cloudflare Workers entry: the runtime (and wrangler) import a .wasm file as a WebAssembly.Module.
import module from "./cognito_verify_wasm_bg.wasm";
import { initSync } from "./cognito_verify_wasm.js";
import { CognitoJwtVerifier as Verifier } from "./api.mjs";
import { platform } from "./platform.mjs";

platform.memory = initSync({ module }).memory;

export * from "./api.mjs";
// Defined here, not only re-exported, so that a bundler honouring `sideEffects: false` keeps this
// module (and the initialisation above) whenever the verifier is used.
export const CognitoJwtVerifier = Verifier;
