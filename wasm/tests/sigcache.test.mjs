// The verified-signature cache (ARCHITECTURE.md, "Verified-signature cache") on every signature
// path of the package: pure wasm (verifySync and verify), node:crypto (verifySync and verify) and
// WebCrypto (verify, two wasm calls around an asynchronous check). A hit skips only the engine:
// a cached token that has since expired, whose key left the key set, that another configuration,
// a revocation or a check refuses, or whose payload differs by one byte gets the same code as
// without the cache. The tokens are the shared vectors of testdata/tokens.jsonl, at their own `now`.
//
// Every verifier here runs without the verdict memo (`verdictMemo: 0`): the memo answers a token
// seen before ahead of the signature cache, which would then count no hit at all; the tests
// below count the signature cache's hits on repeated tokens. memo.test.mjs tests the memo.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as defaultBuild from "cognito-verify-wasm";
import * as es256Build from "cognito-verify-wasm/es256";
import { atTime, countEngineCalls, jsonl, packageFile, propsOf } from "./common.mjs";

const VECTORS = jsonl("tokens.jsonl");
assert.equal(VECTORS.length, 164, "tokens.jsonl: case count");
const vector = (name) => VECTORS.find((c) => c.name === name) ?? assert.fail(`no vector ${name}`);
const VALID = vector("valid_id"); // RS256, key kA; now 1700000000, exp 1700003540
const VALID_ES256 = vector("valid_es256_enabled"); // ES256, key kEC

// Counts the signature checks of each engine, to know when the cache spared one.
const calls = await countEngineCalls();

// Every signature path: its `signatureVerifier`, the call, and the engine that checks a miss.
const PATHS = {
  "wasm verifySync": { verifier: "wasm", sync: true, engine: null },
  "wasm verify": { verifier: "wasm", sync: false, engine: null },
  "node:crypto verifySync": { verifier: "node", sync: true, engine: "node" },
  "node:crypto verify": { verifier: "node", sync: false, engine: "node" },
  "WebCrypto verify": { verifier: "webcrypto", sync: false, engine: "webcrypto" },
};
const BUILDS = { es256: es256Build, default: defaultBuild };

const noFetch = () => Promise.reject(new Error("tests do not fetch"));

/** A verifier of vector `c`'s configuration on `path`, its keys loaded at the vector's time. */
function make(build, path, c, extra = {}) {
  const pools = propsOf(c.config).map((p) => ({ ...p, ...extra }));
  const v = build.CognitoJwtVerifier.create(pools, { fetch: noFetch, signatureVerifier: path.verifier, verdictMemo: 0 });
  atTimeSync(c.now, () => v.cacheJwks(c.jwks));
  return v;
}

function atTimeSync(now, f) {
  const real = Date.now;
  Date.now = () => now * 1000;
  try {
    return f();
  } finally {
    Date.now = real;
  }
}

/** The outcome of verifying `token` at `now` ("valid <sub>" or the code) and the engine calls it made. */
async function run(v, path, token, now) {
  const before = { ...calls };
  const verdict = await atTime(now, async () => {
    try {
      const p = path.sync ? v.verifySync(token) : await v.verify(token);
      return `valid ${p["cognito:username"]}`;
    } catch (e) {
      assert.ok(e instanceof Error && typeof e.code === "string", `not a coded error: ${e}`);
      return e.code;
    }
  });
  const engine = path.engine ? calls[path.engine] - before[path.engine] : 0;
  const other = Object.entries(calls).reduce((n, [k, x]) => n + (k === path.engine ? 0 : x - before[k]), 0);
  assert.equal(other, 0, "an engine other than the path's was asked");
  return { verdict, engine };
}

const stats = (v) => {
  const { hits, misses } = v.signatureCacheStats();
  return { hits, misses };
};

/** `f(build, path, name)` for every build and path (the default build: RS256 vectors only). */
async function everyPath(f) {
  let n = 0;
  for (const [buildName, build] of Object.entries(BUILDS)) {
    for (const [name, path] of Object.entries(PATHS)) {
      await f(build, path, `${buildName} build, ${name}`, buildName);
      n++;
    }
  }
  assert.equal(n, 10);
}

/** Changes one byte of the decoded payload (`alice` -> `alicf`), keeping header and signature. */
function oneByteOff(token) {
  const [h, p, s] = token.split(".");
  const bytes = Buffer.from(p, "base64url");
  const at = bytes.indexOf("alice");
  assert.ok(at > 0);
  bytes[at + 4] ^= 0x03; // 'e' -> 'f'
  return `${h}.${bytes.toString("base64url")}.${s}`;
}

test("default: on with the core's 4,096 entries; signatureCache sets it, 0 turns it off", () => {
  const base = { userPoolId: "us-east-1_TestPool1", clientId: "c" };
  for (const build of Object.values(BUILDS)) {
    const { CognitoJwtVerifier } = build;
    assert.deepEqual(CognitoJwtVerifier.create(base).signatureCacheStats(), { hits: 0, misses: 0, capacity: 4096 });
    assert.equal(CognitoJwtVerifier.create({ ...base, signatureCache: 64 }).signatureCacheStats().capacity, 64);
    // Rounded down to a multiple of the 8 ways of a bucket; fewer than 8 make one bucket.
    assert.equal(CognitoJwtVerifier.create({ ...base, signatureCache: 100 }).signatureCacheStats().capacity, 96);
    assert.equal(CognitoJwtVerifier.create({ ...base, signatureCache: 3 }).signatureCacheStats().capacity, 3);
    assert.equal(CognitoJwtVerifier.create({ ...base, signatureCache: 0 }).signatureCacheStats().capacity, 0);
    // One cache per verifier: given once for several pools, or the same in each.
    const pools = [base, { ...base, userPoolId: "us-east-1_TestPool2" }];
    assert.equal(CognitoJwtVerifier.create(pools, { signatureCache: 16 }).signatureCacheStats().capacity, 16);
    assert.equal(CognitoJwtVerifier.create(pools.map((p) => ({ ...p, signatureCache: 0 }))).signatureCacheStats().capacity, 0);
    assert.throws(() => CognitoJwtVerifier.create([{ ...base, signatureCache: 0 }, pools[1]]), (e) => e.code === "invalid_configuration");
    for (const bad of [-1, 1.5, NaN, Infinity, "4096", true, {}, 2 ** 53]) {
      assert.throws(() => CognitoJwtVerifier.create({ ...base, signatureCache: bad }), (e) => e.code === "invalid_configuration", String(bad));
    }
    // More than wasm memory can hold: refused, and the module still works.
    for (const huge of [2 ** 32 - 1, 2 ** 40]) {
      assert.throws(() => CognitoJwtVerifier.create({ ...base, signatureCache: huge }), (e) => e.code === "invalid_configuration", String(huge));
    }
    assert.equal(CognitoJwtVerifier.create(base).signatureCacheStats().capacity, 4096);
  }
});

test("counters: a miss, then hits that never ask the engine; RS256 and ES256, every path", async () => {
  await everyPath(async (build, path, where, buildName) => {
    for (const c of buildName === "es256" ? [VALID, VALID_ES256] : [VALID]) {
      const v = make(build, path, c);
      const first = await run(v, path, c.token, c.now);
      assert.deepEqual(first, { verdict: "valid alice", engine: path.engine ? 1 : 0 }, `${where} ${c.name}`);
      assert.deepEqual(stats(v), { hits: 0, misses: 1 }, `${where} ${c.name}: after the first`);
      for (let i = 1; i <= 3; i++) {
        assert.deepEqual(await run(v, path, c.token, c.now + i), { verdict: "valid alice", engine: 0 }, `${where} ${c.name}: hit ${i}`);
        assert.deepEqual(stats(v), { hits: i, misses: 1 }, `${where} ${c.name}: after hit ${i}`);
      }
      // Another valid token (signed by the other key of the set) is a miss of its own.
      if (c === VALID) {
        const other = vector("valid_second_key");
        assert.equal((await run(v, path, other.token, other.now)).verdict, "valid alice");
        assert.deepEqual(stats(v), { hits: 3, misses: 2 }, `${where}: second token`);
      }
    }
  });
});

test("capacity 0 never hits, and the engine checks every time", async () => {
  await everyPath(async (build, path, where) => {
    const v = make(build, path, VALID, { signatureCache: 0 });
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await run(v, path, VALID.token, VALID.now), { verdict: "valid alice", engine: path.engine ? 1 : 0 }, where);
    }
    assert.deepEqual(v.signatureCacheStats(), { hits: 0, misses: 0, capacity: 0 }, where);
  });
});

/**
 * Verifies `c.token` at `c.now` with a cached verifier (stored), then runs `later(v)` (which may
 * replace keys) and verifies `token` at `at`: the code must be `want`, the lookup a hit when
 * `hit`, and the same code must come from a verifier without a cache that saw the same history.
 */
async function sameAsUncached({ build, path, where, c = VALID, extra = {}, later = () => {}, token = c.token, at = c.now, want, hit }) {
  const cached = make(build, path, c, extra);
  const uncached = make(build, path, c, { ...extra, signatureCache: 0 });
  for (const v of [cached, uncached]) {
    assert.equal((await run(v, path, c.token, c.now)).verdict, "valid alice", `${where}: first verification`);
  }
  for (const v of [cached, uncached]) atTimeSync(c.now, () => later(v));
  const before = stats(cached);
  const got = await run(cached, path, token, at);
  const without = await run(uncached, path, token, at);
  assert.equal(got.verdict, want, `${where}: with the cache`);
  assert.equal(without.verdict, want, `${where}: without the cache`);
  const after = stats(cached);
  if (hit) {
    assert.deepEqual(after, { hits: before.hits + 1, misses: before.misses }, `${where}: a hit`);
    assert.equal(got.engine, 0, `${where}: the engine was asked on a hit`);
  } else if (hit === false) {
    assert.deepEqual(after, { hits: before.hits, misses: before.misses + 1 }, `${where}: a miss`);
  }
  return { got, without };
}

test("a cached token that has since expired: expired, as without the cache", async () => {
  const exp = JSON.parse(Buffer.from(VALID.token.split(".")[1], "base64url")).exp;
  await everyPath(async (build, path, where) => {
    await sameAsUncached({ build, path, where, at: exp - 1, want: "valid alice", hit: true });
    // At `exp` and after: the signature is found, the clock still says no.
    await sameAsUncached({ build, path, where, at: exp, want: "expired", hit: true });
    await sameAsUncached({ build, path, where, at: exp + 1, want: "expired", hit: true });
    // With a grace period the same token is valid a little longer, and expires after it.
    await sameAsUncached({ build, path, where, extra: { graceSeconds: 30 }, at: exp + 29, want: "valid alice", hit: true });
    await sameAsUncached({ build, path, where, extra: { graceSeconds: 30 }, at: exp + 30, want: "expired", hit: true });
  });
});

test("a cached token whose key left the key set: unknown_kid; a key replaced under its kid: invalid_signature", async () => {
  const others = (c) => ({ keys: c.jwks.keys.filter((k) => k.kid !== "kA") });
  // Key B's material published under kid kA: the old entry is bound to the old key.
  const swapped = (c) => ({ keys: [{ ...c.jwks.keys.find((k) => k.kid === "kB"), kid: "kA" }] });
  await everyPath(async (build, path, where) => {
    await sameAsUncached({ build, path, where, later: (v) => v.cacheJwks(others(VALID)), want: "unknown_kid" });
    await sameAsUncached({ build, path, where, later: (v) => v.cacheJwks(swapped(VALID)), want: "invalid_signature", hit: false });
    // The key back: the entry was never removed, and is found again.
    await sameAsUncached({ build, path, where, later: (v) => { v.cacheJwks(others(VALID)); v.cacheJwks(VALID.jwks); }, want: "valid alice", hit: true });
  });
});

test("a cached token another configuration or a check refuses: the same code as without the cache", async () => {
  const iat = JSON.parse(Buffer.from(VALID.token.split(".")[1], "base64url")).iat;
  await everyPath(async (build, path, where) => {
    // The same token, then a verifier of another client, token use, group or scope (its own
    // cache, which holds the token after verifying it once with the lenient settings would).
    for (const [extra, want] of [
      [{ clientId: "another-client" }, "wrong_client"],
      [{ tokenUse: "access" }, "wrong_token_use"],
      [{ groups: "auditors" }, "group_not_allowed"],
      [{ scope: "aws.cognito.signin.user.admin" }, "scope_not_allowed"],
    ]) {
      const lenient = make(build, path, VALID);
      assert.equal((await run(lenient, path, VALID.token, VALID.now)).verdict, "valid alice");
      assert.equal((await run(lenient, path, VALID.token, VALID.now)).verdict, "valid alice");
      assert.deepEqual(stats(lenient), { hits: 1, misses: 1 });
      for (const cache of [undefined, 0]) {
        const strict = make(build, path, VALID, { ...extra, signatureCache: cache });
        for (let i = 0; i < 2; i++) assert.equal((await run(strict, path, VALID.token, VALID.now)).verdict, want, `${where} ${JSON.stringify(extra)}`);
        // A refused token is never stored: the strict verifier misses every time.
        assert.deepEqual(stats(strict), cache === 0 ? { hits: 0, misses: 0 } : { hits: 0, misses: 2 }, where);
      }
    }
    // The same verifier with a maximum age: stored while young, too old later, cache or not.
    await sameAsUncached({ build, path, where, extra: { maxAgeSeconds: 600 }, at: iat + 600, want: "valid alice", hit: true });
    await sameAsUncached({ build, path, where, extra: { maxAgeSeconds: 600 }, at: iat + 601, want: "token_too_old", hit: true });
    // Revoked after it was cached (the user signed out everywhere): revoked, cache or not.
    const { sub } = JSON.parse(Buffer.from(VALID.token.split(".")[1], "base64url"));
    await sameAsUncached({
      build, path, where, later: (v) => v.revoke({ sub, issuedAtOrBefore: iat }), want: "revoked", hit: true,
    });
    // A check of the caller's that starts refusing the token (a deny list): run on a hit too.
    const denied = new Set();
    const customJwtCheck = ({ payload }) => {
      if (denied.has(payload.jti)) throw new Error("revoked");
    };
    await sameAsUncached({
      build, path, where, extra: { customJwtCheck },
      later: () => denied.add(JSON.parse(Buffer.from(VALID.token.split(".")[1], "base64url")).jti),
      want: "custom_check_failed", hit: true,
    });
  });
});

test("a token whose signature is cached but whose payload differs by one byte: invalid_signature", async () => {
  const off = oneByteOff(VALID.token);
  assert.equal(Buffer.from(off.split(".")[1], "base64url").length, Buffer.from(VALID.token.split(".")[1], "base64url").length);
  // The same signature under the other key's kid, and one bit of the signature flipped.
  const [h, p, s] = VALID.token.split(".");
  const otherKid = `${Buffer.from(JSON.stringify({ kid: "kB", alg: "RS256" })).toString("base64url")}.${p}.${s}`;
  const sig = Buffer.from(s, "base64url");
  sig[sig.length - 1] ^= 1;
  const flipped = `${h}.${p}.${sig.toString("base64url")}`;
  await everyPath(async (build, path, where) => {
    for (const [name, token] of [["payload one byte off", off], ["other kid", otherKid], ["signature bit flipped", flipped]]) {
      const { got } = await sameAsUncached({ build, path, where: `${where}, ${name}`, token, want: "invalid_signature", hit: false });
      // A miss goes to the engine (which says no) unless the core refuses the signature's shape
      // first (key B's modulus may be below it); a refused token is never stored.
      if (path.engine) assert.ok(name === "other kid" ? got.engine <= 1 : got.engine === 1, `${where}, ${name}: engine calls`);
    }
    const v = make(build, path, VALID);
    for (let i = 0; i < 3; i++) assert.equal((await run(v, path, off, VALID.now)).verdict, "invalid_signature");
    assert.deepEqual(stats(v), { hits: 0, misses: 3 }, `${where}: forged tokens stored`);
  });
});

test("a token refused at first sight is not stored: valid later, it is a miss", async () => {
  const nbf = vector("not_yet_valid");
  await everyPath(async (build, path, where) => {
    const v = make(build, path, VALID);
    assert.equal((await run(v, path, VALID.token, 1700003540)).verdict, "expired");
    assert.equal((await run(v, path, VALID.token, VALID.now)).verdict, "valid alice");
    assert.deepEqual(stats(v), { hits: 0, misses: 2 }, where);
    assert.equal((await run(v, path, VALID.token, VALID.now)).verdict, "valid alice");
    assert.deepEqual(stats(v), { hits: 1, misses: 2 }, where);
    // A vector refused for its claims: looked up (a miss) each time, never stored.
    const w = make(build, path, nbf);
    for (let i = 0; i < 2; i++) assert.equal((await run(w, path, nbf.token, nbf.now)).verdict, "not_yet_valid");
    assert.deepEqual(stats(w), { hits: 0, misses: 2 }, where);
  });
});

test("one cache per verifier, shared by its paths and pools; a kid listed twice counts one miss", async () => {
  for (const [buildName, build] of Object.entries(BUILDS)) {
    // WebCrypto for verify, wasm for verifySync: either one's success is the other's hit.
    const v = make(build, PATHS["WebCrypto verify"], VALID);
    assert.deepEqual(await run(v, PATHS["WebCrypto verify"], VALID.token, VALID.now), { verdict: "valid alice", engine: 1 });
    assert.deepEqual(await run(v, PATHS["wasm verifySync"], VALID.token, VALID.now), { verdict: "valid alice", engine: 0 });
    assert.deepEqual(stats(v), { hits: 1, misses: 1 }, buildName);
    // Two pools (the vector's, and another whose issuer the second token names): one cache.
    const second = vector("valid_second_pool");
    const pools = [...propsOf(VALID.config), ...propsOf(second.config).filter((p) => p.userPoolId !== "us-east-1_TestPool1")];
    assert.equal(pools.length, 2, "two pools");
    const both = build.CognitoJwtVerifier.create(pools, { fetch: noFetch, signatureVerifier: "node", verdictMemo: 0 });
    atTimeSync(VALID.now, () => pools.forEach((p, i) => both.cacheJwks([VALID, second][i].jwks, p.userPoolId)));
    for (const c of [VALID, second, VALID, second]) assert.equal((await run(both, PATHS["node:crypto verifySync"], c.token, c.now)).verdict, "valid alice");
    assert.deepEqual(both.signatureCacheStats(), { hits: 2, misses: 2, capacity: 4096 }, buildName);
    // A kid listed twice: the engine checks with the key the core took (its index in the key
    // set), and one lookup is counted, as for any token.
    const twice = { ...VALID, jwks: { keys: [...VALID.jwks.keys, VALID.jwks.keys[0]] } };
    for (const name of ["node:crypto verifySync", "node:crypto verify", "WebCrypto verify"]) {
      const path = PATHS[name];
      const w = make(build, path, twice);
      assert.deepEqual(await run(w, path, VALID.token, VALID.now), { verdict: "valid alice", engine: 1 }, name);
      assert.deepEqual(stats(w), { hits: 0, misses: 1 }, `${buildName} ${name}`);
      assert.deepEqual(await run(w, path, VALID.token, VALID.now), { verdict: "valid alice", engine: 0 }, name);
      assert.deepEqual(stats(w), { hits: 1, misses: 1 }, `${buildName} ${name}`);
    }
  }
});

test("WebCrypto: concurrent verifications of one token agree, each counted once", async () => {
  for (const build of Object.values(BUILDS)) {
    const path = PATHS["WebCrypto verify"];
    const v = make(build, path, VALID);
    const before = calls.webcrypto;
    const verdicts = await atTime(VALID.now, () =>
      Promise.all(Array.from({ length: 16 }, () => v.verify(VALID.token).then((p) => p["cognito:username"]))));
    assert.deepEqual(new Set(verdicts), new Set(["alice"]));
    // All 16 were in flight before the first was stored: each asked WebCrypto, and each counts
    // one lookup (a miss, or a hit when another finished first).
    assert.equal(calls.webcrypto - before, 16);
    const s = stats(v);
    assert.equal(s.hits + s.misses, 16, JSON.stringify(s));
    assert.ok(s.misses >= 1);
    assert.deepEqual(await run(v, path, VALID.token, VALID.now), { verdict: "valid alice", engine: 0 });
    assert.deepEqual(stats(v), { hits: s.hits + 1, misses: s.misses });
  }
});
