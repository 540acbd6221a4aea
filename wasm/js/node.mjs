// Node entry: compiles the module synchronously from the file beside this one, and checks
// signatures with node:crypto (synchronous, several times faster than the wasm arithmetic).
import * as nodeCrypto from "node:crypto";
import { readFileSync } from "node:fs";
import { initSync } from "./cognito_verify_wasm.js";
import { CognitoJwtVerifier as Verifier } from "./api.mjs";
import { platform } from "./platform.mjs";

platform.memory = initSync({ module: readFileSync(new URL("./cognito_verify_wasm_bg.wasm", import.meta.url)) }).memory;
platform.nodeCrypto = nodeCrypto;

export * from "./api.mjs";
// Defined here, not only re-exported, so that a bundler honouring `sideEffects: false` keeps this
// module (and the initialisation above) whenever the verifier is used.
export const CognitoJwtVerifier = Verifier;
