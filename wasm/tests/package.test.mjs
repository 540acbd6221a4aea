// The package as published: test.sh installs the `npm pack` tarball into an empty folder and every
// test imports it from there. This checks what the tarball holds and declares.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.resolve("cognito-verify-wasm")));
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

test("the tests run against the installed tarball (when test.sh made one)", { skip: !process.env.COGNITO_VERIFY_WASM_TARBALL && "no tarball (run test.sh)" }, () => {
  assert.ok(!realpathSync(root).includes("/wasm/pkg"), `imported from ${realpathSync(root)}, not from an install`);
  assert.ok(realpathSync(root).includes("node_modules"));
});

// The modules behind api.mjs: build.sh copies each beside it.
const modules = ["errors.mjs", "options.mjs", "jwks.mjs", "engines.mjs", "verifier.mjs", "revocation.mjs", "alb.mjs"];

test("package.json: exports for every runtime, types, engines, no side effects, licences", () => {
  assert.equal(manifest.name, "cognito-verify-wasm");
  assert.equal(manifest.type, "module");
  assert.equal(manifest.sideEffects, false);
  assert.equal(manifest.license, "MIT OR Apache-2.0");
  assert.match(manifest.engines.node, /^>=20/);
  for (const sub of [".", "./es256"]) {
    const e = manifest.exports[sub];
    for (const condition of ["types", "workerd", "worker", "node", "browser", "default"]) {
      assert.ok(e[condition], `${sub}: ${condition}`);
      assert.ok(existsSync(join(root, e[condition])), `${sub}: ${e[condition]} missing from the tarball`);
    }
  }
  for (const f of ["README.md", "LICENSE-MIT", "LICENSE-APACHE", "index.d.ts", "cognito_verify_wasm_bg.wasm", "es256/cognito_verify_wasm_bg.wasm", "platform.mjs", ...modules, ...modules.map((m) => `es256/${m}`)]) {
    assert.ok(existsSync(join(root, f)), `${f} missing from the tarball`);
  }
});

test("both entries of the installed package verify in Node", async () => {
  const { JWKS, POOL, CLIENT, freshToken } = await import("./fixtures.mjs");
  for (const name of ["cognito-verify-wasm", "cognito-verify-wasm/es256"]) {
    const { CognitoJwtVerifier } = await import(name);
    const v = CognitoJwtVerifier.create({ userPoolId: POOL, clientId: CLIENT, tokenUse: "id" });
    v.cacheJwks(JWKS);
    assert.equal(v.verifySync(freshToken())["cognito:username"], "alice", name);
  }
});
