// The shared vectors of testdata/ through the public JS API: the same verdicts and codes as Rust.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CognitoJwtVerifier, JwtVerificationError } from "cognito-verify-wasm";
import { Keys } from "../pkg/cognito_verify_wasm.js";
import { atTime, claimsOf, jsonl, propsOf, sameVerdict } from "./common.mjs";

const noFetch = () => Promise.reject(new Error("tests do not fetch"));

async function run(c, how) {
  return atTime(c.now, async () => {
    const pools = propsOf(c.config);
    const v = CognitoJwtVerifier.create(pools, { fetch: noFetch });
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
  for (const c of cases) {
    for (const how of ["sync", "async"]) {
      const got = await run(c, how);
      if (!sameVerdict(got, c.expect)) {
        failures.push(`${c.name} (${how}): want ${JSON.stringify(c.expect)}, got ${JSON.stringify(got)}`);
      }
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length * 2} failed`);
  console.log(`${path}: ${cases.length} cases passed (verifySync and verify)`);
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
