// The shared vectors of testdata/ through the public JS API: the same verdicts and codes as Rust.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CognitoJwtVerifier, JwtVerificationError } from "cognito-verify-wasm";
import { Keys } from "../pkg/cognito_verify_wasm.js";
import { atTime, claimsOf, jsonl, propsOf, sameVerdict } from "./common.mjs";

const noFetch = () => Promise.reject(new Error("tests do not fetch"));

// Counts the WebCrypto signature checks, to know which path `verify` took.
let webCryptoCalls = 0;
const subtle = globalThis.crypto.subtle;
const realVerify = subtle.verify;
subtle.verify = function (...args) {
  webCryptoCalls++;
  return realVerify.apply(this, args);
};

// Errors found before the signature is looked at (the signature path is never reached).
const BEFORE_SIGNATURE = new Set(["unsupported_algorithm", "missing_kid", "unknown_kid", "unsupported_critical_header"]);
// Errors that may come before or after it (the header or the payload).
const EITHER = new Set(["malformed_token", "token_too_large"]);
// A signature longer than any key's (512 bytes) is rejected as it is decoded, before the check.
const signatureTooLong = (token) => Math.floor(((token.split(".")[2] ?? "").length * 3) / 4) > 512;

// sync: verifySync; async: verify with WebCrypto (the default in Node); wasm: verify, forced wasm.
const SIGNATURE_VERIFIER = { sync: undefined, async: "webcrypto", wasm: "wasm" };

async function run(c, how) {
  return atTime(c.now, async () => {
    const pools = propsOf(c.config);
    const shared = { fetch: noFetch };
    if (SIGNATURE_VERIFIER[how]) shared.signatureVerifier = SIGNATURE_VERIFIER[how];
    const v = CognitoJwtVerifier.create(pools, shared);
    try {
      for (const p of pools) v.cacheJwks(c.jwks, p.userPoolId ?? p.issuer);
      const payload = how === "sync" ? v.verifySync(c.token) : await v.verify(c.token);
      return { valid: true, claims: claimsOf(payload) };
    } catch (e) {
      assert.ok(e instanceof JwtVerificationError, `${c.name}: not a JwtVerificationError: ${e}`);
      assert.ok(e instanceof Error);
      return { valid: false, error: e.code };
    }
  });
}

async function checkAll(path, expected) {
  const cases = jsonl(path);
  assert.equal(cases.length, expected, `${path}: case count`);
  const failures = [];
  let viaWebCrypto = 0;
  for (const c of cases) {
    const verdicts = {};
    for (const how of ["sync", "async", "wasm"]) {
      const before = webCryptoCalls;
      const got = await run(c, how);
      const calls = webCryptoCalls - before;
      verdicts[how] = got;
      if (!sameVerdict(got, c.expect)) {
        failures.push(`${c.name} (${how}): want ${JSON.stringify(c.expect)}, got ${JSON.stringify(got)}`);
      }
      // The signature is checked by WebCrypto exactly once whenever the core gets that far.
      const code = got.valid ? null : got.error;
      const early = code === "invalid_signature" && signatureTooLong(c.token);
      const want = how !== "async" || early || BEFORE_SIGNATURE.has(code) || code === "jwks_unavailable" ? [0] : EITHER.has(code) ? [0, 1] : [1];
      if (!want.includes(calls)) failures.push(`${c.name} (${how}, ${code}): ${calls} WebCrypto calls`);
      if (how === "async") viaWebCrypto += calls;
    }
    // The three paths agree with each other exactly (claims included), not only with the vector.
    const s = JSON.stringify(verdicts.sync);
    if (JSON.stringify(verdicts.async) !== s || JSON.stringify(verdicts.wasm) !== s) {
      failures.push(`${c.name}: paths disagree ${JSON.stringify(verdicts)}`);
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length * 3} failed`);
  console.log(`${path}: ${cases.length} cases passed (verifySync, verify via WebCrypto: ${viaWebCrypto} signatures, verify via wasm)`);
}

test("token vectors (testdata/tokens.jsonl)", () => checkAll("tokens.jsonl", 164));

test("real-world Cognito tokens (testdata/real-world/cases.jsonl)", () =>
  checkAll("real-world/cases.jsonl", 55));

test("JWKS vectors (testdata/jwks.jsonl)", () => {
  const cases = jsonl("jwks.jsonl");
  assert.equal(cases.length, 33);
  for (const c of cases) {
    // Low level: key counts are not part of the public API.
    const keys = new Keys();
    const status = keys.load(c.jwks, false);
    const got = status === 0 ? { ok: true, keys: keys.count(), skipped: keys.skipped() } : { ok: false };
    keys.free();
    // Public API: the same outcome, and the code.
    const v = CognitoJwtVerifier.create({ userPoolId: "us-east-1_x", clientId: "c" });
    try {
      v.cacheJwks(c.jwks);
    } catch (e) {
      assert.ok(e instanceof JwtVerificationError, c.name);
      got.error = e.code;
    }
    assert.deepEqual(got, c.expect, c.name);
  }
  console.log(`jwks.jsonl: ${cases.length} cases passed`);
});
