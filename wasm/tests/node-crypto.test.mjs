// Node's entry checks signatures with node:crypto (the default there) inside one wasm call: the
// same verdicts as the wasm arithmetic (every vector: vectors.test.mjs), keys imported once per
// kid and key-set load, and never a stale key after the set was replaced.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import * as defaultBuild from "cognito-verify-wasm";
import * as es256Build from "cognito-verify-wasm/es256";
import { CLIENT, ISSUER, POOL, tamper } from "./fixtures.mjs";
import { countingNodeCrypto, packageFile } from "./common.mjs";

const pem = (name) => createPrivateKey(readFileSync(new URL(`../../testdata/keys/${name}.pem`, import.meta.url)));
const rsaA = pem("rsa2048_a");
const rsaB = pem("rsa2048_b");
const ec = pem("p256");
const jwkOf = (key, kid, alg) => ({ ...createPublicKey(key).export({ format: "jwk" }), kid, alg, use: "sig" });
const A = jwkOf(rsaA, "kA", "RS256");
const B = jwkOf(rsaB, "kB", "RS256");
const E = jwkOf(ec, "kE", "ES256");

const b64 = (x) => Buffer.from(typeof x === "string" ? x : JSON.stringify(x)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);
function token(kid, alg, key) {
  const body = { sub: "s", iss: ISSUER, aud: CLIENT, token_use: "id", "cognito:username": "alice", exp: now() + 600, iat: now() };
  const input = `${b64({ kid, alg })}.${b64(body)}`;
  const sig = alg === "ES256" ? sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }) : sign("sha256", Buffer.from(input), key);
  return `${input}.${sig.toString("base64url")}`;
}

/** Counts node:crypto key imports and verifications of a build (its platform's nodeCrypto). */
async function counting(dir) {
  const { platform } = await import(packageFile(`${dir}platform.mjs`));
  const real = platform.nodeCrypto;
  const n = { imports: 0, verifies: 0 };
  platform.nodeCrypto = countingNodeCrypto(real, () => n.verifies++, (a) => {
    n.imports++;
    n.moduli?.push(a[0]?.key?.n);
  });
  return { n, restore: () => (platform.nodeCrypto = real) };
}

const props = { userPoolId: POOL, clientId: CLIENT, tokenUse: "id", allowEs256: true, fetch: async () => new Response("", { status: 500 }) };
const outcome = async (f) => {
  try {
    return `valid ${(await f())["cognito:username"]}`;
  } catch (e) {
    return e.code;
  }
};

test("verifySync and verify use node:crypto by default in Node, RS256 and ES256", async () => {
  const { n, restore } = await counting("es256/");
  try {
    // Without the signature cache, every call asks node:crypto; with it (the default), a token
    // seen before does not (sigcache.test.mjs). The verdict memo is off: it would answer the
    // repeats before the signature cache is looked up (memo.test.mjs).
    for (const [signatureCache, verifies] of [[0, 9], [undefined, 6]]) {
      n.verifies = n.imports = 0;
      const v = es256Build.CognitoJwtVerifier.create({ ...props, signatureCache, verdictMemo: 0 });
      v.cacheJwks({ keys: [A, B, E] });
      for (const t of [token("kA", "RS256", rsaA), token("kB", "RS256", rsaB), token("kE", "ES256", ec)]) {
        assert.equal(await outcome(() => v.verifySync(t)), "valid alice");
        assert.equal(await outcome(() => v.verify(t)), "valid alice");
        assert.equal(await outcome(() => v.verifySync(tamper(t))), "invalid_signature");
      }
      assert.equal(n.verifies, verifies, `signatureCache ${signatureCache}`);
      assert.equal(n.imports, 3, "one key import per kid");
    }
  } finally {
    restore();
  }
});

test("a key set replaced between calls never leaves a stale imported key in use", async () => {
  const { n, restore } = await counting("");
  try {
    // No signature cache: a cached token asks node:crypto nothing, and whether the imports below
    // happen would then hang on whether byB's signature is below key A's modulus (its shape).
    const v = defaultBuild.CognitoJwtVerifier.create({ ...props, allowEs256: false, signatureCache: 0 });
    const byA = token("kA", "RS256", rsaA);
    const byB = token("kA", "RS256", rsaB); // kid kA, signed by key B
    v.cacheJwks({ keys: [A] });
    assert.equal(await outcome(() => v.verifySync(byA)), "valid alice");
    assert.equal(await outcome(() => v.verifySync(byB)), "invalid_signature");
    // kA now names key B: the imported key A must not be used again.
    v.cacheJwks({ keys: [{ ...B, kid: "kA" }] });
    assert.equal(await outcome(() => v.verifySync(byA)), "invalid_signature");
    assert.equal(await outcome(() => v.verify(byB)), "valid alice");
    // kA removed.
    v.cacheJwks({ keys: [B] });
    assert.equal(await outcome(() => v.verifySync(byA)), "unknown_kid");
    // Back to key A, at another index of the set.
    v.cacheJwks({ keys: [B, A] });
    assert.equal(await outcome(() => v.verifySync(byA)), "valid alice");
    assert.equal(await outcome(() => v.verifySync(byB)), "invalid_signature");
    assert.equal(n.imports, 3, "one import per load that used kA");
  } finally {
    restore();
  }
});

test("a JWKS naming a kid twice: node:crypto checks with the core's key (the first usable)", async () => {
  const { n, restore } = await counting("");
  try {
    const byA = token("kA", "RS256", rsaA);
    const byB = token("kA", "RS256", rsaB);
    const weak = jwkOf(pem("rsa1024"), "kA", "RS256");
    for (const [keys, used, valid, invalid] of [
      [[{ ...B, kid: "kA" }, A], B, byB, byA],
      [[A, { ...B, kid: "kA" }], A, byA, byB],
      [[weak, A], A, byA, byB], // the first is unusable: the core took the second
    ]) {
      n.verifies = 0;
      n.moduli = [];
      // Neither the signature cache nor the verdict memo: each call below asks node:crypto.
      const v = defaultBuild.CognitoJwtVerifier.create({ ...props, allowEs256: false, signatureCache: 0, verdictMemo: 0 });
      v.cacheJwks({ keys });
      assert.equal(await outcome(() => v.verifySync(valid)), "valid alice");
      assert.equal(await outcome(() => v.verify(valid)), "valid alice");
      assert.equal(await outcome(() => v.verifySync(invalid)), "invalid_signature");
      assert.deepEqual(n.moduli, [used.n], "the core's key imported, once");
      // The valid token twice; the other one too unless its signature is not below the modulus.
      assert.ok(n.verifies === 2 || n.verifies === 3, `${n.verifies} verifications`);
    }
  } finally {
    restore();
  }
});

test("signatures of the wrong length never reach node:crypto; a throwing engine falls back to wasm", async () => {
  const { n, restore } = await counting("");
  try {
    const v = defaultBuild.CognitoJwtVerifier.create({ ...props, allowEs256: false });
    v.cacheJwks({ keys: [A] });
    const t = token("kA", "RS256", rsaA);
    const [h, p, s] = t.split(".");
    const sig = Buffer.from(s, "base64url");
    for (const bad of [sig.subarray(1), Buffer.concat([Buffer.from([0]), sig]), Buffer.alloc(0)]) {
      assert.equal(await outcome(() => v.verifySync(`${h}.${p}.${bad.toString("base64url")}`)), "invalid_signature");
    }
    assert.equal(n.verifies, 0);
  } finally {
    restore();
  }
  const { platform } = await import(packageFile("platform.mjs"));
  const real = platform.nodeCrypto;
  platform.nodeCrypto = { createPublicKey: real.createPublicKey, createVerify: () => { throw new Error("engine failure"); } };
  try {
    const v = defaultBuild.CognitoJwtVerifier.create({ ...props, allowEs256: false });
    v.cacheJwks({ keys: [A] });
    assert.equal(await outcome(() => v.verifySync(token("kA", "RS256", rsaA))), "valid alice");
    assert.equal(await outcome(() => v.verifySync(tamper(token("kA", "RS256", rsaA)))), "invalid_signature");
  } finally {
    platform.nodeCrypto = real;
  }
});

test("the default build is RS256-only: an ES256 key is not usable there", () => {
  const v = defaultBuild.CognitoJwtVerifier.create(props);
  v.cacheJwks({ keys: [A, E] });
  assert.throws(() => v.verifySync(token("kE", "ES256", ec)), (e) => e.code === "unknown_kid");
  assert.equal(v.verifySync(token("kA", "RS256", rsaA))["cognito:username"], "alice");
});
