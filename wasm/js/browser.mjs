// Browser (and default) entry: fetches and compiles the module beside this one with top-level
// await, so importers need no init call. Bundlers that understand `new URL(..., import.meta.url)`
// (Vite, webpack 5, esbuild with a file loader) copy the .wasm file along.
import init from "./cognito_verify_wasm.js";
import { CognitoJwtVerifier as Verifier } from "./api.mjs";
import { platform } from "./platform.mjs";

platform.memory = (await init({ module_or_path: new URL("./cognito_verify_wasm_bg.wasm", import.meta.url) })).memory;

export * from "./api.mjs";
// Defined here, not only re-exported, so that a bundler honouring `sideEffects: false` keeps this
// module (and the initialisation above) whenever the verifier is used.
export const CognitoJwtVerifier = Verifier;
