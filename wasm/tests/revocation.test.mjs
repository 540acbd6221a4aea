// Revocation (`revoke`, `revocationStats`): testdata/revocation.jsonl, the table the Rust and C
// tests read too, on every signature path; a full list and a list turned off; revocations
// recorded while verifications are in flight (awaiting a JWKS fetch or WebCrypto), which must
// still deny; a thousand revocations interleaved with verifications; several pools. The list and
// its rules are the core's; these tests check that JS carries them through unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { setImmediate as tick } from "node:timers/promises";
import * as defaultBuild from "cognito-verify-wasm";
import * as es256Build from "cognito-verify-wasm/es256";
import { atTime, atTimeSync, jsonl } from "./common.mjs";
import { CLIENT, JWKS, POOL, freshToken, tamper } from "./fixtures.mjs";

const { CognitoJwtVerifier, JwtRevokedError, JwtVerificationError, ParameterValidationError, RevokeError } = defaultBuild;

const CASES = 23;
/** [name, verifySync?, signatureVerifier]: verifySync in pure wasm and with node:crypto, verify with node:crypto and WebCrypto. */
const PATHS = [
  ["verifySync wasm", true, "wasm"],
  ["verifySync node:crypto", true, "node"],
  ["verify node:crypto", false, "node"],
  ["verify WebCrypto", false, "webcrypto"],
];

const refuse = async () => new Response("", { status: 503 });

/** A table revocation as `revoke`'s argument. */
function revocation(r) {
  if (r.origin_jti !== undefined) return { originJti: r.origin_jti };
  if (r.jti !== undefined) return { jti: r.jti, exp: r.exp };
  return { sub: r.sub, issuedAtOrBefore: r.issued_at_or_before };
}

async function outcome(f) {
  try {
    await f();
    return { valid: true };
  } catch (e) {
    if (e.code === "revoked") assert.ok(e instanceof JwtRevokedError && e instanceof JwtVerificationError, "revoked is a JwtRevokedError");
    return { valid: false, error: e.code };
  }
}

test("revocation.jsonl: the same codes as Rust and C on every signature path", async () => {
  const cases = jsonl("revocation.jsonl");
  assert.equal(cases.length, CASES);
  const failures = [];
  const ran = Object.fromEntries(PATHS.map(([name]) => [name, 0]));
  for (const c of cases) {
    for (const [name, sync, signatureVerifier] of PATHS) {
      const v = CognitoJwtVerifier.create({ userPoolId: c.user_pool_id, clientId: c.client_ids, signatureVerifier, fetch: refuse });
      v.cacheJwks(c.jwks);
      const run = () => outcome(() => (sync ? v.verifySync(c.token) : v.verify(c.token)));
      await atTime(c.now, async () => {
        // Before anything is revoked: the table's verdict, or valid where it is `revoked`.
        const before = await run();
        const unrevoked = c.expect.error === "revoked" ? { valid: true } : c.expect;
        if (JSON.stringify(before) !== JSON.stringify(unrevoked)) {
          failures.push(`${c.name} (${name}, before revoking): want ${JSON.stringify(unrevoked)}, got ${JSON.stringify(before)}`);
        }
        for (const r of c.revocations) v.revoke(revocation(r));
        const got = await run();
        if (JSON.stringify(got) !== JSON.stringify(c.expect)) {
          failures.push(`${c.name} (${name}): want ${JSON.stringify(c.expect)}, got ${JSON.stringify(got)}`);
        }
        // One entry per kind and value (revoking again extends the entry).
        const distinct = new Set(c.revocations.map((r) => Object.keys(r).sort()[0] + "=" + (r.origin_jti ?? r.jti ?? r.sub)));
        assert.equal(v.revocationStats().held, distinct.size, c.name);
      });
      ran[name]++;
    }
  }
  assert.deepEqual(failures, [], `${failures.length} failed`);
  for (const [name] of PATHS) assert.equal(ran[name], CASES, name);
  console.log(`revocation.jsonl: ${CASES} cases x ${PATHS.length} paths passed (${PATHS.map(([n]) => n).join(", ")})`);
});

const SUB = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const props = { userPoolId: POOL, clientId: CLIENT, tokenUse: "id", fetch: refuse };
function verifier(extra = {}, build = defaultBuild) {
  const v = build.CognitoJwtVerifier.create({ ...props, ...extra });
  v.cacheJwks(JWKS);
  return v;
}
const code = (f) => outcome(f).then((o) => (o.valid ? "valid" : o.error));
const codeSync = (f) => {
  try {
    f();
    return "valid";
  } catch (e) {
    return e.code;
  }
};

test("a full list: the 9th revocation of 8 throws revocation_list_full, and the first 8 still deny", () => {
  for (const build of [defaultBuild, es256Build]) {
    const v = verifier({ revocationCapacity: 8, signatureVerifier: "wasm" }, build);
    const tokens = Array.from({ length: 9 }, (_, i) => freshToken({ origin_jti: `session-${i}` }));
    for (let i = 0; i < 8; i++) v.revoke({ originJti: `session-${i}` });
    assert.deepEqual(v.revocationStats(), { held: 8, capacity: 8, contended: 0 });
    assert.throws(
      () => v.revoke({ originJti: "session-8" }),
      (e) => e instanceof build.RevokeError && e instanceof Error && e.code === "revocation_list_full" && /full/.test(e.message),
    );
    // Revoking again what is held needs no new slot.
    v.revoke({ originJti: "session-3" });
    assert.deepEqual(v.revocationStats(), { held: 8, capacity: 8, contended: 0 });
    for (let i = 0; i < 8; i++) assert.equal(codeSync(() => v.verifySync(tokens[i])), "revoked", `session-${i}`);
    assert.equal(codeSync(() => v.verifySync(tokens[8])), "valid", "the refused revocation was not recorded");
  }
});

test("entries live as long as a token they cover could: maxTokenLifetime, exp and graceSeconds", () => {
  const t0 = Math.floor(Date.now() / 1000);
  const v = verifier({ revocationCapacity: 8, maxTokenLifetime: 60, graceSeconds: 5 });
  atTimeSync(t0, () => {
    for (let i = 0; i < 7; i++) v.revoke({ originJti: `session-${i}` });
    v.revoke({ jti: "one-token", exp: t0 + 10 });
    assert.throws(() => v.revoke({ sub: SUB, issuedAtOrBefore: t0 }), (e) => e.code === "revocation_list_full");
  });
  const held = (t) => atTimeSync(t, () => v.revocationStats().held);
  assert.equal(held(t0 + 15), 8, "jti: exp + graceSeconds");
  assert.equal(held(t0 + 16), 7);
  // The jti's slot is free again: a new revocation takes it.
  atTimeSync(t0 + 16, () => v.revoke({ sub: SUB, issuedAtOrBefore: t0 + 1 }));
  assert.equal(held(t0 + 65), 8, "origin_jti: maxTokenLifetime + graceSeconds after it was revoked");
  assert.equal(held(t0 + 66), 1, "sub: maxTokenLifetime + graceSeconds after issuedAtOrBefore");
  assert.equal(held(t0 + 67), 0);
  assert.deepEqual(atTimeSync(t0 + 67, () => v.revocationStats()), { held: 0, capacity: 8, contended: 0 });
});

test("capacity 0 turns revocation off: revoke throws revocation_disabled, tokens verify as before", async () => {
  const v = verifier({ revocationCapacity: 0 });
  const t = freshToken({ origin_jti: "session-0" });
  assert.deepEqual(v.revocationStats(), { held: 0, capacity: 0, contended: 0 });
  for (const r of [{ originJti: "session-0" }, { jti: "j", exp: 1 }, { sub: SUB, issuedAtOrBefore: 2 }]) {
    assert.throws(() => v.revoke(r), (e) => e instanceof RevokeError && e.code === "revocation_disabled");
  }
  assert.equal(codeSync(() => v.verifySync(t)), "valid");
  assert.equal(await code(() => v.verify(t)), "valid");
  assert.equal(codeSync(() => v.verifySync(tamper(t))), "invalid_signature");
  assert.deepEqual(v.revocationStats(), { held: 0, capacity: 0, contended: 0 });
});

test("the default list: 4096 entries; an empty value is the core's empty_value", () => {
  const v = verifier();
  assert.deepEqual(v.revocationStats(), { held: 0, capacity: 4096, contended: 0 });
  for (const r of [{ originJti: "" }, { jti: "", exp: 1 }, { sub: "", issuedAtOrBefore: 1 }]) {
    assert.throws(() => v.revoke(r), (e) => e instanceof RevokeError && e.code === "empty_value" && e.name === "RevokeError");
  }
  assert.equal(v.revocationStats().held, 0);
});

test("revoke's argument: exactly one kind, of the right types; options checked at create()", () => {
  const v = verifier();
  const bad = [
    undefined, null, "session", 5, [], {}, { foo: "x" },
    { originJti: 5 }, { originJti: null }, { originJti: "a", extra: 1 }, { originJti: "a", exp: 1 },
    { originJti: "a", jti: "b", exp: 1 }, { originJti: "a", sub: "b", issuedAtOrBefore: 1 },
    { jti: "j" }, { jti: "j", exp: -1 }, { jti: "j", exp: "1" }, { jti: "j", exp: NaN }, { jti: "j", exp: Infinity },
    { jti: 1, exp: 1 }, { sub: "s" }, { sub: "s", issuedAtOrBefore: null }, { sub: "s", issuedAtOrBefore: new Date() },
    { sub: "s", exp: 1 }, { issuedAtOrBefore: 1 }, { exp: 1 },
  ];
  for (const r of bad) {
    assert.throws(() => v.revoke(r), (e) => e instanceof ParameterValidationError && e.code === "invalid_configuration" && /revoke/.test(e.message), JSON.stringify(r));
  }
  // Keys whose value is undefined count as absent.
  v.revoke({ originJti: "a", jti: undefined });
  assert.equal(v.revocationStats().held, 1);
  for (const extra of [
    { revocationCapacity: -1 }, { revocationCapacity: 1.5 }, { revocationCapacity: "8" }, { revocationCapacity: 2 ** 22 + 1 },
    { revocationCapacity: Infinity }, { maxTokenLifetime: -5 }, { maxTokenLifetime: "1d" },
  ]) {
    assert.throws(() => CognitoJwtVerifier.create({ ...props, ...extra }), (e) => e.code === "invalid_configuration", JSON.stringify(extra));
  }
  // One list for every pool: its settings are the verifier's, given once or alike in every pool.
  const pool2 = { ...props, userPoolId: "us-east-1_TestPool2" };
  assert.throws(() => CognitoJwtVerifier.create([{ ...props, revocationCapacity: 8 }, pool2]), (e) => e.code === "invalid_configuration");
  assert.throws(() => CognitoJwtVerifier.create([{ ...props, maxTokenLifetime: 60 }, pool2]), (e) => e.code === "invalid_configuration");
  const both = CognitoJwtVerifier.create([props, pool2], { revocationCapacity: 8, maxTokenLifetime: 60 });
  assert.deepEqual(both.revocationStats(), { held: 0, capacity: 8, contended: 0 });
});

test("errors: revoked is a JwtRevokedError, listed among the codes", () => {
  assert.ok(defaultBuild.errorCodeList().includes("revoked"));
  assert.ok(new JwtRevokedError("revoked", "m") instanceof JwtVerificationError);
  assert.ok(!(new RevokeError("revocation_list_full", "m") instanceof JwtVerificationError));
  assert.equal(es256Build.JwtRevokedError.name, "JwtRevokedError");
});

/** A fetch whose answer waits until `open()`; `calls` counts requests. */
function gatedFetch(jwks = JWKS) {
  let open;
  const gate = new Promise((r) => (open = r));
  const f = async () => {
    f.calls++;
    await gate;
    return new Response(JSON.stringify(jwks));
  };
  f.calls = 0;
  f.open = () => open();
  return f;
}

test("revoked while verify() awaits the JWKS fetch: denied (node:crypto, wasm, WebCrypto)", async () => {
  for (const signatureVerifier of ["node", "wasm", "webcrypto"]) {
    const fetch = gatedFetch();
    const v = CognitoJwtVerifier.create({ ...props, signatureVerifier, fetch });
    const t = freshToken({ origin_jti: "session-1" });
    const other = freshToken({ origin_jti: "session-2" });
    const pending = [code(() => v.verify(t)), code(() => v.verify(other))];
    assert.equal(fetch.calls, 1, "the fetch is under way");
    v.revoke({ originJti: "session-1" });
    fetch.open();
    assert.deepEqual(await Promise.all(pending), ["revoked", "valid"], signatureVerifier);
  }
});

test("revoked while verify() refetches keys after an unknown kid: denied", async () => {
  const onlyB = { keys: JWKS.keys.filter((k) => k.kid === "kB") };
  const fetch = gatedFetch();
  const v = CognitoJwtVerifier.create({ ...props, signatureVerifier: "node", fetch });
  v.cacheJwks(onlyB);
  const t = freshToken({ jti: "token-1" }); // signed by kA
  const pending = code(() => v.verify(t));
  await tick();
  assert.equal(fetch.calls, 1, "kA is unknown: a fetch is under way");
  v.revoke({ jti: "token-1", exp: Math.floor(Date.now() / 1000) + 3600 });
  fetch.open();
  assert.equal(await pending, "revoked");
});

test("revoked while WebCrypto checks the signature: denied, from a callback or right after the call", async () => {
  const subtle = globalThis.crypto.subtle;
  const realVerify = subtle.verify;
  const v = verifier({ signatureVerifier: "webcrypto" });
  const tokens = Array.from({ length: 20 }, (_, i) => freshToken({ origin_jti: `session-${i % 2}`, jti: `token-${i}` }));
  // Warm the imported key with another token (a token verified already is a signature-cache hit,
  // decided without WebCrypto), then control.
  assert.equal(await code(() => v.verify(freshToken({ origin_jti: "session-warm", jti: "token-warm" }))), "valid");
  let during = null;
  let checks = 0;
  subtle.verify = function (...args) {
    checks++;
    const hook = during;
    during = null;
    hook?.();
    return realVerify.apply(this, args);
  };
  try {
    // Revoked from inside the signature check (an async callback of the verification itself).
    during = () => v.revoke({ jti: "token-0", exp: Math.floor(Date.now() / 1000) + 3600 });
    assert.equal(await code(() => v.verify(tokens[0])), "revoked");
    // 20 in flight; one session revoked once they all passed the checks before the signature.
    const pending = tokens.map((t) => code(() => v.verify(t)));
    v.revoke({ originJti: "session-1" });
    const got = await Promise.all(pending);
    assert.deepEqual(got, tokens.map((_, i) => (i === 0 ? "revoked" : i % 2 === 1 ? "revoked" : "valid")));
    assert.equal(checks, 21, "every signature went through WebCrypto");
  } finally {
    subtle.verify = realVerify;
  }
});

test("verifySync sees a revocation at once: the token just accepted is refused by the next call", () => {
  const t0 = Math.floor(Date.now() / 1000);
  for (const signatureVerifier of ["wasm", "node"]) {
    const v = verifier({ signatureVerifier });
    atTimeSync(t0, () => {
      const t = freshToken();
      assert.equal(codeSync(() => v.verifySync(t)), "valid");
      v.revoke({ sub: SUB, issuedAtOrBefore: t0 });
      assert.equal(codeSync(() => v.verifySync(t)), "revoked");
    });
    // A token issued after the sign-out is accepted.
    atTimeSync(t0 + 1, () => assert.equal(codeSync(() => v.verifySync(freshToken())), "valid"));
  }
});

test("1,000 revocations interleaved with verifications (setImmediate and awaits)", async () => {
  const N = 1000;
  const v = verifier({ signatureVerifier: "webcrypto" });
  const kind = (i) => [{ originJti: `o-${i}` }, { jti: `j-${i}`, exp: now + 3600 }, { sub: `s-${i}`, issuedAtOrBefore: now }][i % 3];
  // A token covered by revocation i (every 25th i), and one nothing covers.
  const watched = Array.from({ length: N / 25 }, (_, k) => 25 * k + 12);
  const tokenOf = new Map(watched.map((i) => [i, freshToken({ origin_jti: `o-${i}`, jti: `j-${i}`, sub: `s-${i}` })]));
  const untouched = freshToken({ origin_jti: "o-x", jti: "j-x", sub: "s-x" });
  // After the tokens were made: each `iat` is at or before it.
  const now = Math.floor(Date.now() / 1000);
  let revoked = 0;
  const revoker = (async () => {
    for (let i = 0; i < N; i++) {
      v.revoke(kind(i));
      revoked = i + 1;
      await tick();
    }
  })();
  const problems = [];
  let verified = 0;
  const checker = async (sync) => {
    let k = 0;
    while (revoked < N) {
      const i = watched[k++ % watched.length];
      const wasRevoked = revoked > i;
      const got = sync ? codeSync(() => v.verifySync(tokenOf.get(i))) : await code(() => v.verify(tokenOf.get(i)));
      // Revoked before the call started: denied. Not yet: valid (sync), either (async: it may land meanwhile).
      if (wasRevoked && got !== "revoked") problems.push(`${i} revoked before, got ${got}`);
      if (!wasRevoked && got !== "valid" && (sync || got !== "revoked")) problems.push(`${i} not revoked, got ${got}`);
      const control = sync ? codeSync(() => v.verifySync(untouched)) : await code(() => v.verify(untouched));
      if (control !== "valid") problems.push(`untouched: ${control}`);
      verified += 2;
      // A signature-cache hit settles without leaving the microtask queue: yield to the revoker.
      await tick();
    }
  };
  await Promise.all([revoker, checker(false), checker(true), checker(false)]);
  assert.deepEqual(problems, []);
  assert.ok(verified > 100, `only ${verified} verifications ran beside the revocations`);
  console.log(`${N} revocations interleaved with ${verified} verifications`);
  assert.deepEqual(v.revocationStats(), { held: N, capacity: 4096, contended: 0 });
  for (const i of watched) assert.equal(codeSync(() => v.verifySync(tokenOf.get(i))), "revoked");
  assert.equal(codeSync(() => v.verifySync(untouched)), "valid");
});

test("several pools: every revocation applies to every pool's tokens, full alike", () => {
  const POOL2 = "us-east-1_TestPool2";
  const ISSUER2 = `https://cognito-idp.us-east-1.amazonaws.com/${POOL2}`;
  const v = CognitoJwtVerifier.create([{ userPoolId: POOL }, { userPoolId: POOL2 }], {
    clientId: CLIENT, tokenUse: "id", fetch: refuse, revocationCapacity: 8, signatureVerifier: "wasm",
  });
  v.cacheJwks(JWKS, POOL);
  v.cacheJwks(JWKS, POOL2);
  const tokens = (claims) => [freshToken(claims), freshToken({ ...claims, iss: ISSUER2 })];
  const user = tokens({});
  const other = tokens({ sub: "other-user" });
  for (const t of [...user, ...other]) assert.equal(codeSync(() => v.verifySync(t)), "valid");
  v.revoke({ sub: SUB, issuedAtOrBefore: Math.floor(Date.now() / 1000) });
  assert.deepEqual(user.map((t) => codeSync(() => v.verifySync(t))), ["revoked", "revoked"]);
  assert.deepEqual(other.map((t) => codeSync(() => v.verifySync(t))), ["valid", "valid"]);
  assert.deepEqual(v.revocationStats(), { held: 1, capacity: 8, contended: 0 });
  const sessions = Array.from({ length: 8 }, (_, i) => tokens({ sub: `u-${i}`, origin_jti: `session-${i}` }));
  for (let i = 0; i < 7; i++) v.revoke({ originJti: `session-${i}` });
  assert.throws(() => v.revoke({ originJti: "session-7" }), (e) => e.code === "revocation_list_full");
  for (let i = 0; i < 7; i++) assert.deepEqual(sessions[i].map((t) => codeSync(() => v.verifySync(t))), ["revoked", "revoked"], `session-${i}`);
  assert.deepEqual(sessions[7].map((t) => codeSync(() => v.verifySync(t))), ["valid", "valid"], "not recorded in any pool");
});

test("several pools: graceSeconds is the verifier's, and its one list refuses or records for every pool", () => {
  const POOL2 = "us-east-1_TestPool2";
  const ISSUER2 = `https://cognito-idp.us-east-1.amazonaws.com/${POOL2}`;
  const shared = { clientId: CLIENT, tokenUse: "id", fetch: refuse, revocationCapacity: 8, signatureVerifier: "wasm" };
  // One verifier, one clock tolerance and one list: not a setting of a pool.
  assert.throws(
    () => CognitoJwtVerifier.create([{ userPoolId: POOL, graceSeconds: 30 }, { userPoolId: POOL2, graceSeconds: 0 }], shared),
    (e) => e.code === "invalid_configuration" && /graceSeconds/.test(e.message),
  );
  const t0 = Math.floor(Date.now() / 1000);
  for (const v of [
    CognitoJwtVerifier.create([{ userPoolId: POOL }, { userPoolId: POOL2 }], { ...shared, graceSeconds: 30 }),
    CognitoJwtVerifier.create([{ userPoolId: POOL, graceSeconds: 30 }, { userPoolId: POOL2, graceSeconds: 30 }], shared),
  ]) {
    v.cacheJwks(JWKS, POOL);
    v.cacheJwks(JWKS, POOL2);
    atTimeSync(t0, () => {
      for (let i = 0; i < 8; i++) v.revoke({ jti: `short-${i}`, exp: t0 + 1 });
    });
    const late = [freshToken({ origin_jti: "late" }), freshToken({ origin_jti: "late", iss: ISSUER2 })];
    // The jti entries are held until exp + graceSeconds.
    for (const at of [t0 + 10, t0 + 30]) {
      atTimeSync(at, () => {
        assert.deepEqual(v.revocationStats(), { held: 8, capacity: 8, contended: 0 });
        assert.throws(() => v.revoke({ originJti: "late" }), (e) => e.code === "revocation_list_full");
        assert.deepEqual(late.map((t) => codeSync(() => v.verifySync(t))), ["valid", "valid"], `at t0 + ${at - t0}`);
      });
    }
    // Room again: recorded once, denied in both pools.
    atTimeSync(t0 + 40, () => {
      v.revoke({ originJti: "late" });
      assert.deepEqual(late.map((t) => codeSync(() => v.verifySync(t))), ["revoked", "revoked"]);
      assert.deepEqual(v.revocationStats(), { held: 1, capacity: 8, contended: 0 });
    });
  }
});

test("the README's example runs as written (the pool's keys served by a stand-in fetch)", async () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## Revocation"));
  const code = section.slice(section.indexOf("```js\n") + 6, section.indexOf("```\n", section.indexOf("```js\n") + 6));
  assert.match(code, /^import \{ CognitoJwtVerifier \} from "cognito-verify-wasm";\n/);
  const body = code.replace(/^import .*\n/, "");
  const AsyncFunction = (async () => {}).constructor;
  const run = new AsyncFunction("CognitoJwtVerifier", "accessToken", "console", body);
  const standIn = {
    create: (p, shared) => {
      assert.equal(p.clientId, CLIENT);
      // The tokens of the test pool, whose keys a stand-in fetch serves.
      return CognitoJwtVerifier.create({ ...p, userPoolId: POOL, fetch: async () => new Response(JSON.stringify(JWKS)) }, shared);
    },
  };
  const accessToken = freshToken({ token_use: "access", aud: undefined, client_id: CLIENT, scope: "openid", origin_jti: "o-1", jti: "j-1" });
  const logged = [];
  await run(standIn, accessToken, { log: (x) => logged.push(x) });
  assert.deepEqual(logged, [{ held: 3, capacity: 4096, contended: 0 }, "revoked"]);
});

test("signOut: one user signing out 10,000 times holds 5 entries; another user's sign-out still records a session", () => {
  const N = 10000;
  const t0 = Math.floor(Date.now() / 1000);
  const v = verifier({ signatureVerifier: "wasm" });
  atTimeSync(t0, () => {
    const mine = freshToken({ origin_jti: "alice-session-x" });
    const recorded = { session: 0, subject: 0, other: 0 };
    for (let i = 0; i < N; i++) {
      const r = v.signOut({ sub: SUB, originJti: `alice-session-${i}` });
      if (r.recorded === "session" && Object.keys(r).length === 1) recorded.session++;
      else if (r.recorded === "subject" && r.issuedAtOrBefore === t0 && Object.keys(r).length === 2) recorded.subject++;
      else recorded.other++;
    }
    assert.deepEqual(recorded, { session: 4, subject: N - 4, other: 0 });
    assert.deepEqual(v.revocationStats(), { held: 5, capacity: 4096, contended: 0 });
    // Every token of hers issued until now is denied, whatever its session.
    assert.equal(codeSync(() => v.verifySync(mine)), "revoked");
    // Bob signs out of one session: a session, which denies that session's token and not his other one.
    const bob = freshToken({ sub: "bob", origin_jti: "bob-session-1" });
    const bobOther = freshToken({ sub: "bob", origin_jti: "bob-session-2" });
    assert.deepEqual(v.signOut({ sub: "bob", originJti: "bob-session-1" }), { recorded: "session" });
    assert.equal(codeSync(() => v.verifySync(bob)), "revoked");
    assert.equal(codeSync(() => v.verifySync(bobOther)), "valid");
    assert.deepEqual(v.revocationStats(), { held: 6, capacity: 4096, contended: 0 });
    console.log(`signOut: one user ${N} times: ${recorded.session} sessions, ${recorded.subject} times the user, held 5; another user's sign-out: session, held 6`);
  });
  // A token she gets after signing out is accepted.
  atTimeSync(t0 + 1, () => assert.equal(codeSync(() => v.verifySync(freshToken({ origin_jti: "alice-new" }))), "valid"));
});

test("signOut's outcome applied by a replica with revoke({ originJti, sub }) / revoke({ sub, issuedAtOrBefore }) denies the same tokens", () => {
  const t0 = Math.floor(Date.now() / 1000);
  const server = verifier();
  const replica = verifier();
  atTimeSync(t0, () => {
    const tokens = [0, 1, 2, 3, 4, 5].map((i) => freshToken({ origin_jti: `s-${i}` }));
    const bob = freshToken({ sub: "bob", origin_jti: "bob-0" });
    const applied = [];
    for (let i = 0; i < 5; i++) {
      const r = server.signOut({ sub: SUB, originJti: `s-${i}` });
      replica.revoke(r.recorded === "session" ? { originJti: `s-${i}`, sub: SUB } : { sub: SUB, issuedAtOrBefore: r.issuedAtOrBefore });
      applied.push(r.recorded);
    }
    assert.deepEqual(applied, ["session", "session", "session", "session", "subject"]);
    for (const v of [server, replica]) {
      assert.deepEqual([...tokens, bob].map((t) => codeSync(() => v.verifySync(t))), ["revoked", "revoked", "revoked", "revoked", "revoked", "revoked", "valid"]);
      assert.equal(v.revocationStats().held, 5);
    }
    // Sessions a replica applied count against their user there too: its next sign-out of her records her.
    assert.deepEqual(replica.signOut({ sub: SUB, originJti: "s-6" }), { recorded: "subject", issuedAtOrBefore: t0 });
    // `{ originJti, sub }` is a session, `{ originJti }` alone one counted against no user: after
    // 4 of Bob's sessions the first way, his sign-out records him; not after 4 the second way.
    const counted = verifier();
    const uncounted = verifier();
    for (let i = 0; i < 4; i++) {
      counted.revoke({ originJti: `b-${i}`, sub: "bob" });
      uncounted.revoke({ originJti: `b-${i}` });
    }
    assert.equal(counted.signOut({ sub: "bob", originJti: "b-4" }).recorded, "subject");
    assert.equal(uncounted.signOut({ sub: "bob", originJti: "b-4" }).recorded, "session");
  });
});

test("signOut on a nearly full list records the user; arguments checked; errors are RevokeError", () => {
  const t0 = Math.floor(Date.now() / 1000);
  const v = verifier({ revocationCapacity: 8 });
  atTimeSync(t0, () => {
    const got = Array.from({ length: 8 }, (_, i) => v.signOut({ sub: `user-${i}`, originJti: `session-${i}` }).recorded);
    assert.deepEqual(got, ["session", "session", "session", "session", "session", "session", "session", "subject"], "7/8 full: the user");
    assert.throws(() => v.signOut({ sub: "user-9", originJti: "session-9" }), (e) => e instanceof RevokeError && e.code === "revocation_list_full");
    assert.equal(v.revocationStats().held, 8);
  });
  const w = verifier();
  for (const s of [{ sub: "", originJti: "o" }, { sub: "s", originJti: "" }]) {
    assert.throws(() => w.signOut(s), (e) => e instanceof RevokeError && e.code === "empty_value", JSON.stringify(s));
  }
  for (const s of [{ sub: "x".repeat(257), originJti: "o" }, { sub: "s", originJti: "x".repeat(257) }]) {
    assert.throws(() => w.signOut(s), (e) => e instanceof RevokeError && e.code === "value_too_long");
  }
  assert.throws(() => w.revoke({ originJti: "o", sub: "x".repeat(257) }), (e) => e instanceof RevokeError && e.code === "value_too_long");
  assert.throws(() => w.revoke({ originJti: "o", sub: "" }), (e) => e instanceof RevokeError && e.code === "empty_value");
  assert.deepEqual(w.signOut({ sub: "x".repeat(256), originJti: "x".repeat(256) }), { recorded: "session" });
  const bad = [
    undefined, null, "s", 5, [], {}, { sub: "s" }, { originJti: "o" }, { sub: "s", originJti: "o", extra: 1 },
    { sub: 5, originJti: "o" }, { sub: "s", originJti: null }, { sub: "s", origin_jti: "o" }, { sub: "s", originJti: "o", issuedAtOrBefore: 1 },
  ];
  for (const s of bad) {
    assert.throws(() => w.signOut(s), (e) => e instanceof ParameterValidationError && e.code === "invalid_configuration" && /signOut/.test(e.message), JSON.stringify(s));
  }
  for (const r of [{ originJti: "o", sub: 5 }, { originJti: 5, sub: "s" }, { originJti: "o", sub: null }]) {
    assert.throws(() => w.revoke(r), (e) => e instanceof ParameterValidationError && /revoke/.test(e.message), JSON.stringify(r));
  }
  assert.equal(w.revocationStats().held, 1);
  const off = verifier({ revocationCapacity: 0 });
  for (const f of [() => off.signOut({ sub: "s", originJti: "o" }), () => off.signOut({ sub: "", originJti: "" }), () => off.revoke({ originJti: "o", sub: "s" })]) {
    assert.throws(f, (e) => e instanceof RevokeError && e.code === "revocation_disabled");
  }
});

test("signOut with several pools: decided once, on the verifier's one list, for every pool's tokens", () => {
  const POOL2 = "us-east-1_TestPool2";
  const ISSUER2 = `https://cognito-idp.us-east-1.amazonaws.com/${POOL2}`;
  const t0 = Math.floor(Date.now() / 1000);
  // The list holds the jti entries until exp + 30: at t0 + 10 it is 7/8 full, and a sign-out
  // records the user, whichever pool's token the user signed out with.
  const v = CognitoJwtVerifier.create(
    [{ userPoolId: POOL }, { userPoolId: POOL2 }],
    { clientId: CLIENT, tokenUse: "id", fetch: refuse, revocationCapacity: 8, signatureVerifier: "wasm", graceSeconds: 30 },
  );
  v.cacheJwks(JWKS, POOL);
  v.cacheJwks(JWKS, POOL2);
  atTimeSync(t0, () => {
    for (let i = 0; i < 7; i++) v.revoke({ jti: `short-${i}`, exp: t0 + 1 });
  });
  const both = (claims) => [freshToken(claims), freshToken({ ...claims, iss: ISSUER2 })];
  atTimeSync(t0 + 10, () => {
    const before = both({ origin_jti: "other-session" });
    assert.deepEqual(v.signOut({ sub: SUB, originJti: "s-1" }), { recorded: "subject", issuedAtOrBefore: t0 + 10 });
    assert.deepEqual(before.map((t) => codeSync(() => v.verifySync(t))), ["revoked", "revoked"], "the user, in both pools");
    assert.deepEqual(v.revocationStats(), { held: 8, capacity: 8, contended: 0 }, "recorded once");
  });
  // Once the list has room: a session, denied in both pools; Bob's other session valid in both.
  atTimeSync(t0 + 40, () => {
    assert.deepEqual(v.signOut({ sub: "bob", originJti: "bob-1" }), { recorded: "session" });
    assert.deepEqual(both({ sub: "bob", origin_jti: "bob-1" }).map((t) => codeSync(() => v.verifySync(t))), ["revoked", "revoked"]);
    assert.deepEqual(both({ sub: "bob", origin_jti: "bob-2" }).map((t) => codeSync(() => v.verifySync(t))), ["valid", "valid"]);
    assert.deepEqual(v.revocationStats(), { held: 2, capacity: 8, contended: 0 });
  });
});
