// Node entry: compiles the module synchronously from the file beside this one.
import { readFileSync } from "node:fs";
import { initSync } from "./cognito_verify_wasm.js";

initSync({ module: readFileSync(new URL("./cognito_verify_wasm_bg.wasm", import.meta.url)) });

export * from "./api.mjs";
