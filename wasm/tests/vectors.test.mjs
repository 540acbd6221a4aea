// The shared vectors of testdata/ through the public JS API: the same verdicts and codes as Rust.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as defaultBuild from "cognito-verify-wasm";
import * as es256Build from "cognito-verify-wasm/es256";
import { atTime, claimsOf, countEngineCalls, jsonl, packageFile, propsOf, sameVerdict } from "./common.mjs";

const { JwtVerificationError } = es256Build;
const { Settings } = await import(packageFile("es256/cognito_verify_wasm.js"));

const noFetch = () => Promise.reject(new Error("tests do not fetch"));

// Counts the WebCrypto and node:crypto signature checks, to know which path each call took.
const calls = await countEngineCalls();

// Errors found before the signature is looked at (the engine is never asked).
const BEFORE_SIGNATURE = new Set(["unsupported_algorithm", "missing_kid", "unknown_kid", "unsupported_critical_header", "wrong_issuer", "jwks_unavailable"]);
// Errors of the claims, checked only after the signature was accepted (the engine asked once).
const AFTER_SIGNATURE = new Set(["expired", "not_yet_valid", "issued_in_future", "token_too_old", "wrong_client", "group_not_allowed", "scope_not_allowed", "custom_check_failed"]);

// Each path: the call, its `signatureVerifier`, and which engine checks the signature.
const PATHS = {
  sync: { sync: true, verifier: undefined, engine: "node" }, // the Node default: node:crypto
  async: { sync: false, verifier: undefined, engine: "node" },
  webcrypto: { sync: false, verifier: "webcrypto", engine: "webcrypto" },
  wasmSync: { sync: true, verifier: "wasm", engine: null }, // what browsers and Workers run
  wasm: { sync: false, verifier: "wasm", engine: null },
};

async function run(build, c, how) {
  const path = PATHS[how];
  return atTime(c.now, async () => {
    const pools = propsOf(c.config);
    const shared = { fetch: noFetch };
    if (path.verifier) shared.signatureVerifier = path.verifier;
    const v = build.CognitoJwtVerifier.create(pools, shared);
    try {
      for (const p of pools) v.cacheJwks(c.jwks, p.userPoolId ?? p.issuer);
      const payload = path.sync ? v.verifySync(c.token) : await v.verify(c.token);
      return { valid: true, claims: claimsOf(payload) };
    } catch (e) {
      assert.ok(e instanceof JwtVerificationError || e instanceof build.JwtVerificationError, `${c.name}: not a JwtVerificationError: ${e}`);
      assert.ok(e instanceof Error);
      return { valid: false, error: e.code };
    }
  });
}

/** Whether a vector needs ES256 (the default build has no ES256 keys). */
const needsEs256 = (c) =>
  Boolean(c.config.allow_es256) || JSON.stringify(c.jwks ?? "").includes('"EC"');

async function checkAll(path, expected, build, { rs256Only = false } = {}) {
  const all = jsonl(path);
  assert.equal(all.length, expected, `${path}: case count`);
  const cases = rs256Only ? all.filter((c) => !needsEs256(c)) : all;
  const failures = [];
  const used = { webcrypto: 0, node: 0 };
  for (const c of cases) {
    const verdicts = {};
    for (const how of Object.keys(PATHS)) {
      const before = { ...calls };
      const got = await run(build, c, how);
      verdicts[how] = got;
      if (!sameVerdict(got, c.expect)) {
        failures.push(`${c.name} (${how}): want ${JSON.stringify(c.expect)}, got ${JSON.stringify(got)}`);
      }
      // The signature is checked by the path's engine exactly once whenever the core gets that
      // far, and by no other engine.
      // Others (a malformed payload or signature, a missing claim) may come before or after it.
      const engine = PATHS[how].engine;
      const code = got.valid ? null : got.error;
      const want = !engine || BEFORE_SIGNATURE.has(code) ? [0] : code === null || AFTER_SIGNATURE.has(code) ? [1] : [0, 1];
      for (const e of ["webcrypto", "node"]) {
        const n = calls[e] - before[e];
        if (!(e === engine ? want : [0]).includes(n)) failures.push(`${c.name} (${how}, ${code}): ${n} ${e} calls`);
        used[e] += n;
      }
    }
    // The paths agree with each other exactly (claims included), not only with the vector.
    const s = JSON.stringify(verdicts.sync);
    for (const [how, v] of Object.entries(verdicts)) {
      if (JSON.stringify(v) !== s) failures.push(`${c.name}: ${how} disagrees: ${JSON.stringify(verdicts)}`);
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length * 5} failed`);
  console.log(`${path}${rs256Only ? " (RS256-only build)" : ""}: ${cases.length} cases passed ` +
    `on 5 paths (signatures by node:crypto ${used.node}, by WebCrypto ${used.webcrypto})`);
  return cases.length;
}

test("token vectors (testdata/tokens.jsonl), ES256 build", () => checkAll("tokens.jsonl", 164, es256Build));
test("token vectors (testdata/tokens.jsonl), default RS256-only build", async () =>
  assert.equal(await checkAll("tokens.jsonl", 164, defaultBuild, { rs256Only: true }), 164 - 5));

test("real-world Cognito tokens (testdata/real-world/cases.jsonl), both builds", async () => {
  await checkAll("real-world/cases.jsonl", 55, es256Build);
  assert.equal(await checkAll("real-world/cases.jsonl", 55, defaultBuild, { rs256Only: true }), 55);
});

test("JWKS vectors (testdata/jwks.jsonl)", () => {
  const cases = jsonl("jwks.jsonl");
  assert.equal(cases.length, 33);
  for (const c of cases) {
    // Low level: key counts are not part of the public API.
    const settings = new Settings();
    settings.pool("us-east-1_x", [], undefined);
    settings.clientIds(["c"]);
    const core = settings.build();
    settings.free();
    const status = core.loadJwks(0, new TextEncoder().encode(c.jwks), 0);
    const [keys, skipped] = core.keyStats(0);
    const got = status === 0 ? { ok: true, keys, skipped } : { ok: false };
    core.free();
    // Public API: the same outcome, and the code.
    const v = es256Build.CognitoJwtVerifier.create({ userPoolId: "us-east-1_x", clientId: "c" });
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
