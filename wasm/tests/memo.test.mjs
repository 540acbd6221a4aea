// The verdict memo (ARCHITECTURE.md, "Verdict memo") on every signature path of the package: pure
// wasm (verifySync and verify), node:crypto (verifySync and verify) and WebCrypto (verify). The
// glue looks a token up in its own index (verifier.mjs) and the core re-checks every claim of a
// hit (../src/memo.rs): the same verdict as without the memo at every time around a token's edges,
// after a revocation or a key-set replacement, with `customJwtCheck` run on every hit, a payload
// the caller may change, an index bounded by the memo's entries, and counters of one lookup per
// verification.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import * as defaultBuild from "cognito-verify-wasm";
import * as es256Build from "cognito-verify-wasm/es256";
import { atTime, atTimeSync, countEngineCalls, jsonl, packageFile, propsOf, sameVerdict, claimsOf } from "./common.mjs";
import { CLIENT, ISSUER, JWKS, POOL, freshToken } from "./fixtures.mjs";

const STATE_OF = {
  default: (await import(packageFile("verifier.mjs"))).stateOf,
  es256: (await import(packageFile("es256/verifier.mjs"))).stateOf,
};
const { memoKey } = await import(packageFile("verifier.mjs"));
const BUILDS = { es256: es256Build, default: defaultBuild };
const VECTORS = jsonl("tokens.jsonl");
const REAL_WORLD = jsonl("real-world/cases.jsonl");
assert.equal(VECTORS.length, 164, "tokens.jsonl: case count");
assert.equal(REAL_WORLD.length, 55, "real-world/cases.jsonl: case count");
const vector = (name) => VECTORS.find((c) => c.name === name) ?? assert.fail(`no vector ${name}`);
const VALID = vector("valid_id"); // RS256, key kA; now 1700000000, exp 1700003540
const claimsOfToken = (t) => JSON.parse(Buffer.from(t.split(".")[1], "base64url"));

// Counts the signature checks of each engine: a hit asks none.
const calls = await countEngineCalls();

// Every signature path: its `signatureVerifier`, the call, and the engine of a full verification.
const PATHS = {
  "node:crypto verifySync": { verifier: "node", sync: true, engine: "node" },
  "node:crypto verify": { verifier: "node", sync: false, engine: "node" },
  "WebCrypto verify": { verifier: "webcrypto", sync: false, engine: "webcrypto" },
  "wasm verifySync": { verifier: "wasm", sync: true, engine: null },
  "wasm verify": { verifier: "wasm", sync: false, engine: null },
};

const noFetch = () => Promise.reject(new Error("tests do not fetch"));

/** The code `cacheJwks` threw for a verifier of `make` (a vector of an unusable key set). */
const loadError = new WeakMap();

/** A verifier of vector `c`'s configuration on `path`, its keys loaded at the vector's time. */
function make(build, path, c, extra = {}) {
  const pools = propsOf(c.config);
  const v = build.CognitoJwtVerifier.create(pools, { fetch: noFetch, signatureVerifier: path.verifier, ...extra });
  atTimeSync(c.now, () => {
    for (const p of pools) {
      try {
        v.cacheJwks(c.jwks, p.userPoolId ?? p.issuer);
      } catch (e) {
        loadError.set(v, e.code);
      }
    }
  });
  return v;
}

/** The outcome at `now`: "valid <payload JSON>" or the code; and the engine calls it made. */
async function run(v, path, token, now) {
  const before = { ...calls };
  const verdict = await atTime(now, async () => {
    try {
      return `valid ${JSON.stringify(path.sync ? v.verifySync(token) : await v.verify(token))}`;
    } catch (e) {
      assert.ok(e instanceof Error && typeof e.code === "string", `not a coded error: ${e}`);
      return e.code;
    }
  });
  return { verdict, engine: calls.node + calls.webcrypto - before.node - before.webcrypto };
}

const counters = (v) => {
  const { hits, misses } = v.verdictMemoStats();
  return { hits, misses };
};

/** `f(build, path, where, buildName)` for every build and path. */
async function everyPath(f) {
  for (const [buildName, build] of Object.entries(BUILDS)) {
    for (const [name, path] of Object.entries(PATHS)) await f(build, path, `${buildName} build, ${name}`, buildName);
  }
}

/** Times around the edges of `c`'s token: before and at nbf and iat, around exp, max age, later. */
function edges(c) {
  let claims = {};
  try {
    claims = Object(claimsOfToken(c.token));
  } catch {
    // Not a decodable payload: its own time, and a day either side.
  }
  const leeway = c.config.leeway ?? 0;
  const at = [c.now];
  const num = (x) => typeof x === "number" && Number.isSafeInteger(x);
  if (num(claims.nbf)) at.push(claims.nbf - leeway - 1, claims.nbf - leeway);
  if (num(claims.iat)) at.push(claims.iat - leeway - 1, claims.iat - leeway, claims.iat + 1);
  if (num(claims.exp)) at.push(claims.exp + leeway - 1, claims.exp + leeway, claims.exp + leeway + 1);
  if (num(claims.iat) && c.config.max_age != null) at.push(claims.iat + c.config.max_age, claims.iat + c.config.max_age + 1);
  at.push(c.now - 86400, c.now + 86400, c.now);
  return at.filter((t) => t >= 0);
}

const needsEs256 = (c) => Boolean(c.config.allow_es256) || JSON.stringify(c.jwks ?? "").includes('"EC"');

test("every vector: the same verdict with the memo as without, at times around its edges, every path", async () => {
  let compared = 0;
  let hits = 0;
  const failures = [];
  await everyPath(async (build, path, where, buildName) => {
    for (const c of [...VECTORS, ...REAL_WORLD]) {
      if (buildName === "default" && needsEs256(c)) continue;
      // Small tables (the default ones take a quarter of a megabyte of wasm memory per verifier,
      // and this test makes thousands); each verifier is freed at the end of its vector.
      const small = { signatureCache: 64, revocationCapacity: 64 };
      const memo = make(build, path, c, { ...small, verdictMemo: 64 });
      const plain = make(build, path, c, { ...small, verdictMemo: 0 });
      const times = edges(c);
      let everValid = false;
      for (const [i, now] of times.entries()) {
        const got = await run(memo, path, c.token, now);
        const want = await run(plain, path, c.token, now);
        if (got.verdict !== want.verdict) failures.push(`${where} ${c.name} at ${now - c.now}: ${got.verdict} != ${want.verdict}`);
        everValid ||= want.verdict.startsWith("valid");
        if (i === 0) {
          // The vector's verdict: its key set's error (as vectors.test.mjs), else the token's.
          const error = loadError.get(memo) ?? got.verdict;
          const p = got.verdict.startsWith("valid") ? { valid: true, claims: claimsOf(JSON.parse(got.verdict.slice(6))) } : { valid: false, error };
          if (!sameVerdict(p, c.expect)) failures.push(`${where} ${c.name}: ${got.verdict}, want ${JSON.stringify(c.expect)}`);
        }
        // A hit asks no engine.
        if (i > 0 && got.engine > want.engine) failures.push(`${where} ${c.name} at ${now - c.now}: ${got.engine} engine calls`);
        compared++;
      }
      const s = counters(memo);
      hits += s.hits;
      if (c.expect.valid && s.hits !== times.length - 1) {
        failures.push(`${where} ${c.name}: ${JSON.stringify(s)} for ${times.length} verifications of a valid token`);
      }
      if (!everValid && s.hits !== 0) failures.push(`${where} ${c.name}: a refused token was stored`);
      assert.ok(s.hits + s.misses <= times.length, `${where} ${c.name}: one lookup per verification`);
      assert.deepEqual(counters(plain), { hits: 0, misses: 0 });
      for (const v of [memo, plain]) STATE_OF[buildName](v).core.free();
    }
  });
  assert.deepEqual(failures, [], `${failures.length} failures`);
  assert.ok(hits > 0);
  console.log(`memo: ${compared} verdicts compared with and without the memo (tokens.jsonl, real-world), ${hits} hits`);
});

test("a revocation recorded after a hit: revoked, every path", async () => {
  const { sub, iat, jti, origin_jti: originJti, exp } = claimsOfToken(VALID.token);
  await everyPath(async (build, path, where) => {
    for (const revocation of [{ sub, issuedAtOrBefore: iat }, { jti, exp }, { originJti }, { originJti, sub }]) {
      const v = make(build, path, VALID);
      for (let i = 0; i < 2; i++) assert.match((await run(v, path, VALID.token, VALID.now)).verdict, /^valid/, where);
      assert.deepEqual(counters(v), { hits: 1, misses: 1 }, where);
      atTimeSync(VALID.now, () => v.revoke(revocation));
      const after = await run(v, path, VALID.token, VALID.now + 1);
      assert.deepEqual(after, { verdict: "revoked", engine: 0 }, `${where} ${JSON.stringify(revocation)}`);
      assert.deepEqual(counters(v), { hits: 2, misses: 1 }, `${where}: the revoked token was a hit`);
    }
  });
});

test("keys replaced after a hit: the kid gone is unknown_kid, the keys back verify in full", async () => {
  const withoutKa = { keys: VALID.jwks.keys.filter((k) => k.kid !== "kA") };
  await everyPath(async (build, path, where) => {
    // No signature cache: it would spare the engine when the same keys come back.
    const v = make(build, path, VALID, { signatureCache: 0 });
    for (let i = 0; i < 2; i++) assert.match((await run(v, path, VALID.token, VALID.now)).verdict, /^valid/);
    atTimeSync(VALID.now, () => v.cacheJwks(withoutKa));
    // Verified in full (a miss, the entry's keys replaced), after the kid: no engine asked.
    assert.deepEqual(await run(v, path, VALID.token, VALID.now), { verdict: "unknown_kid", engine: 0 }, where);
    assert.deepEqual(counters(v), { hits: 1, misses: 2 }, where);
    // The same keys again are still a replacement: verified in full by the engine, then hits.
    atTimeSync(VALID.now, () => v.cacheJwks(VALID.jwks));
    const full = await run(v, path, VALID.token, VALID.now);
    assert.match(full.verdict, /^valid/);
    assert.equal(full.engine, path.engine ? 1 : 0, where);
    assert.deepEqual(counters(v), { hits: 1, misses: 3 }, where);
    for (let i = 0; i < 2; i++) assert.deepEqual(await run(v, path, VALID.token, VALID.now), { ...full, engine: 0 }, where);
    assert.deepEqual(counters(v), { hits: 3, misses: 3 }, where);
  });
});

test("customJwtCheck runs on every hit, with the header, a fresh payload and the key's JWK", async () => {
  await everyPath(async (build, path, where) => {
    const seen = [];
    let refuse = false;
    const customJwtCheck = (arg) => {
      seen.push(arg);
      arg.payload.email = "changed@example.com"; // the check's own copy
      if (refuse) throw new Error("no");
    };
    const pools = propsOf(VALID.config).map((p) => ({ ...p, customJwtCheck }));
    const v = build.CognitoJwtVerifier.create(pools, { fetch: noFetch, signatureVerifier: path.verifier });
    atTimeSync(VALID.now, () => v.cacheJwks(VALID.jwks));
    for (let i = 0; i < 4; i++) assert.match((await run(v, path, VALID.token, VALID.now)).verdict, /changed@example.com/, where);
    assert.deepEqual(counters(v), { hits: 3, misses: 1 }, where);
    assert.equal(seen.length, 4, `${where}: the check ran on every call`);
    for (const arg of seen) {
      assert.deepEqual(arg.header, { kid: "kA", alg: "RS256" });
      assert.equal(arg.jwk?.kid, "kA");
      assert.equal(arg.jwk?.n, VALID.jwks.keys.find((k) => k.kid === "kA").n);
    }
    assert.equal(new Set(seen.map((a) => a.payload)).size, 4, `${where}: a payload object per call`);
    refuse = true;
    assert.equal((await run(v, path, VALID.token, VALID.now)).verdict, "custom_check_failed", where);
    refuse = false;
    assert.match((await run(v, path, VALID.token, VALID.now)).verdict, /^valid/, `${where}: refusals are not remembered`);
    assert.deepEqual(counters(v), { hits: 5, misses: 1 }, where);
  });
});

test("the caller may change the payload: later verifications are not affected", async () => {
  // A claim named "__proto__" stays an own claim on a hit, as JSON.parse makes it.
  const now = Math.floor(Date.now() / 1000);
  const key = createPrivateKey(readFileSync(new URL("../../testdata/keys/rsa2048_a.pem", import.meta.url)));
  const b64 = (s) => Buffer.from(s).toString("base64url");
  const body = `{"sub":"s","iss":"${ISSUER}","aud":"${CLIENT}","token_use":"id","cognito:username":"alice",` +
    `"cognito:groups":["admin"],"__proto__":{"admin":true},"exp":${now + 600},"iat":${now}}`;
  const input = `${b64('{"kid":"kA","alg":"RS256"}')}.${b64(body)}`;
  const proto = `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
  await everyPath(async (build, path, where) => {
    const v = build.CognitoJwtVerifier.create({ userPoolId: POOL, clientId: CLIENT, signatureVerifier: path.verifier });
    v.cacheJwks(JWKS);
    const token = freshToken({ "cognito:groups": ["admin", "users"], nested: { list: [1, { deep: "x" }] } });
    const verify = (t) => (path.sync ? v.verifySync(t) : v.verify(t));
    const first = await verify(token);
    const pristine = JSON.stringify(first);
    for (let i = 0; i < 3; i++) {
      const p = await verify(token);
      assert.equal(JSON.stringify(p), pristine, `${where}: call ${i}`);
      p["cognito:groups"].push("root");
      p.nested.list[1].deep = "y";
      p.sub = "someone else";
      delete p.exp;
    }
    first.email = "x";
    assert.equal(JSON.stringify(await verify(token)), pristine, where);
    for (let i = 0; i < 2; i++) {
      const p = await verify(proto);
      assert.ok(Object.hasOwn(p, "__proto__"), where);
      assert.equal(Object.getPrototypeOf(p), Object.prototype, where);
      assert.deepEqual(p["__proto__"], { admin: true });
      assert.equal(p.admin, undefined);
    }
    assert.deepEqual(counters(v), { hits: 5, misses: 2 }, where);
  });
});

test("settings: verdictMemo and verdictMemoBytes, verifier-wide; 0 turns the memo off", () => {
  const base = { userPoolId: POOL, clientId: CLIENT };
  for (const build of Object.values(BUILDS)) {
    const { CognitoJwtVerifier } = build;
    assert.deepEqual(CognitoJwtVerifier.create(base).verdictMemoStats(), { hits: 0, misses: 0, capacity: 2048, maxBytes: 4 * 1024 * 1024, bytes: 0 });
    // Rounded down to a multiple of the core's 4 ways: fewer than 4 is off.
    for (const [n, capacity] of [[64, 64], [10, 8], [3, 0], [0, 0]]) {
      assert.equal(CognitoJwtVerifier.create({ ...base, verdictMemo: n }).verdictMemoStats().capacity, capacity, String(n));
    }
    assert.equal(CognitoJwtVerifier.create({ ...base, verdictMemoBytes: 1000 }).verdictMemoStats().maxBytes, 1000);
    const pools = [base, { ...base, userPoolId: "us-east-1_TestPool2" }];
    assert.equal(CognitoJwtVerifier.create(pools, { verdictMemo: 16 }).verdictMemoStats().capacity, 16);
    assert.throws(() => CognitoJwtVerifier.create([{ ...base, verdictMemo: 0 }, pools[1]]), (e) => e.code === "invalid_configuration");
    for (const name of ["verdictMemo", "verdictMemoBytes"]) {
      for (const bad of [-1, 1.5, NaN, Infinity, "2048", true, {}, 2 ** 53]) {
        assert.throws(() => CognitoJwtVerifier.create({ ...base, [name]: bad }), (e) => e.code === "invalid_configuration", `${name} ${String(bad)}`);
      }
    }
    assert.throws(() => CognitoJwtVerifier.create({ ...base, verdictMemo: 2 ** 40 }), (e) => e.code === "invalid_configuration");
    assert.equal(CognitoJwtVerifier.create(base).verdictMemoStats().capacity, 2048);
  }
});

test("counters and the core's recheck: each repeat is one hit, answered in wasm, no engine asked", async () => {
  await everyPath(async (build, path, where, buildName) => {
    const v = make(build, path, VALID);
    const core = STATE_OF[buildName](v).core;
    let rechecks = 0;
    const recheck = core.recheck;
    core.recheck = function (...args) {
      rechecks++;
      return recheck.apply(this, args);
    };
    const index = STATE_OF[buildName](v).memo;
    assert.deepEqual((await run(v, path, VALID.token, VALID.now)).engine, path.engine ? 1 : 0);
    assert.deepEqual(counters(v), { hits: 0, misses: 1 }, where);
    // A token seen once is noted as seen, in the seen table: not indexed, no handle of the core's.
    assert.equal(index.size, 0, where);
    assert.deepEqual(STATE_OF[buildName](v).seen.filter((t) => t !== undefined), [VALID.token], where);
    for (let i = 1; i <= 3; i++) {
      assert.equal((await run(v, path, VALID.token, VALID.now + i)).engine, 0, where);
      assert.deepEqual(counters(v), { hits: i, misses: 1 }, where);
      assert.equal(index.size, 1, where);
    }
    // The second time, the verification call finds the token in the core's memo (which re-checks
    // it) and the glue gets its handle; from then on, one `recheck` call per hit.
    assert.equal(rechecks, 2, `${where}: every hit from the index rechecked by the core`);
    // Refused tokens are counted and never indexed.
    assert.equal((await run(v, path, VALID.token.slice(0, -2) + "AA", VALID.now)).verdict, "invalid_signature");
    assert.deepEqual(counters(v), { hits: 3, misses: 2 }, where);
    assert.equal(STATE_OF[buildName](v).memo.size, 1, where);
    const off = make(build, path, VALID, { verdictMemo: 0, signatureCache: 0 });
    for (let i = 0; i < 2; i++) assert.equal((await run(off, path, VALID.token, VALID.now)).engine, path.engine ? 1 : 0);
    assert.deepEqual(off.verdictMemoStats(), { hits: 0, misses: 0, capacity: 0, maxBytes: 4 * 1024 * 1024, bytes: 0 });
    assert.equal(STATE_OF[buildName](off).memo, null);
  });
});

test("the index is bounded by the memo's entries, oldest first; a reused slot is never answered for", async () => {
  const tokens = Array.from({ length: 20 }, (_, i) => freshToken({ jti: `bounded-${i}`, "cognito:username": `user${i}` }));
  await everyPath(async (build, path, where, buildName) => {
    const v = build.CognitoJwtVerifier.create({ userPoolId: POOL, clientId: CLIENT, signatureVerifier: path.verifier, verdictMemo: 8 });
    v.cacheJwks(JWKS);
    const index = STATE_OF[buildName](v).memo;
    const verify = async (t) => (path.sync ? v.verifySync(t) : await v.verify(t))["cognito:username"];
    const old = [];
    for (const [i, t] of tokens.entries()) {
      // Seen twice: indexed.
      for (let k = 0; k < 2; k++) assert.equal(await verify(t), `user${i}`);
      assert.ok(index.size <= 8, `${where}: ${index.size} indexed`);
      old.push([t, index.get(memoKey(t))]);
      assert.equal(old[i][1]?.token, t);
    }
    assert.deepEqual([...index.values()].map((e) => e.token), tokens.slice(12), `${where}: the 8 newest`);
    const before = counters(v);
    for (const [i, t] of tokens.slice(12).entries()) assert.equal(await verify(t), `user${i + 12}`);
    assert.deepEqual(counters(v), { hits: before.hits + 8, misses: before.misses }, where);
    // The handle of an evicted token, put back: its slot holds another token now, so the core
    // refuses it and the token is verified in full, with its own claims.
    index.set(memoKey(tokens[0]), old[0][1]);
    const stale = counters(v);
    assert.equal(await verify(tokens[0]), "user0", where);
    assert.notEqual(index.get(memoKey(tokens[0]))?.stamp, old[0][1].stamp);
    assert.equal(counters(v).hits + counters(v).misses, stale.hits + stale.misses + 1, `${where}: one lookup`);
    assert.ok(index.size <= 8);
    // Another token under the key of an indexed one (its entry serves only its own token): this
    // one is verified in full and refused; the indexed token is still a hit.
    const [h, p, s] = tokens[19].split(".");
    const forged = `${h}.${p.slice(0, -4)}AAAA.${s}`;
    assert.equal(memoKey(forged), memoKey(tokens[19]));
    const hits = counters(v).hits;
    await assert.rejects(async () => verify(forged), (e) => ["invalid_signature", "malformed_token"].includes(e.code));
    assert.equal(await verify(tokens[19]), "user19");
    assert.equal(counters(v).hits, hits + 1, where);
  });
});

test("a memo small in bytes holds what fits; a hit polls the refresh policy like any verify()", async () => {
  const tokens = Array.from({ length: 6 }, (_, i) => freshToken({ jti: `bytes-${i}` }));
  for (const build of Object.values(BUILDS)) {
    const v = build.CognitoJwtVerifier.create({ userPoolId: POOL, clientId: CLIENT, verdictMemoBytes: 5000 });
    v.cacheJwks(JWKS);
    for (const t of [...tokens, ...tokens]) assert.equal(v.verifySync(t)["cognito:username"], "alice");
    const s = v.verdictMemoStats();
    assert.ok(s.bytes <= 5000 && s.bytes > 0, JSON.stringify(s));
    // Keys past maxKeyAgeSeconds: a hit starts the background fetch, and the keys it installs
    // make the next call a miss, verified in full.
    let fetches = 0;
    const fetch = async () => {
      fetches++;
      return new Response(JSON.stringify(JWKS), { status: 200 });
    };
    const w = build.CognitoJwtVerifier.create({ userPoolId: POOL, clientId: CLIENT, fetch, jwksCache: { maxKeyAgeSeconds: 60 } });
    const t = tokens[0];
    const t0 = Math.floor(Date.now() / 1000);
    await atTime(t0, () => w.verify(t));
    await atTime(t0 + 10, () => w.verify(t));
    assert.equal(fetches, 1);
    assert.deepEqual(counters(w), { hits: 1, misses: 1 });
    await atTime(t0 + 100, () => w.verify(t));
    assert.deepEqual(counters(w), { hits: 2, misses: 1 });
    assert.equal(fetches, 2, "the hit started a refresh");
    await new Promise((r) => setTimeout(r, 20));
    await atTime(t0 + 101, () => w.verify(t));
    assert.deepEqual(counters(w), { hits: 2, misses: 2 }, "keys replaced: a miss");
  }
});

test("WebCrypto: concurrent first verifications of one token each count a miss; then hits", async () => {
  for (const build of Object.values(BUILDS)) {
    const path = PATHS["WebCrypto verify"];
    const v = make(build, path, VALID);
    const verdicts = await atTime(VALID.now, () =>
      Promise.all(Array.from({ length: 16 }, () => v.verify(VALID.token).then((p) => p["cognito:username"]))));
    assert.deepEqual(new Set(verdicts), new Set(["alice"]));
    assert.deepEqual(counters(v), { hits: 0, misses: 16 });
    const again = await run(v, path, VALID.token, VALID.now);
    assert.equal(again.engine, 0);
    assert.match(again.verdict, /"cognito:username":"alice"/);
    assert.deepEqual(counters(v), { hits: 1, misses: 16 });
  }
});
