// Cloudflare Workers entry: the runtime (and wrangler) import a .wasm file as a WebAssembly.Module.
import module from "./cognito_verify_wasm_bg.wasm";
import { initSync } from "./cognito_verify_wasm.js";

initSync({ module });

export * from "./api.mjs";
