// A WebCrypto verification parses its token once: the first call into wasm sets the parsed token
// aside (the core's PendingToken) and the second finishes it with WebCrypto's answer, with no
// token text crossing again. These tests count the calls into wasm and the token's copies into
// it, and check the table of tokens set aside stays bounded and is emptied whatever WebCrypto
// does (answers, throws, never answers) and however many verifications run at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CognitoJwtVerifier } from "cognito-verify-wasm";
import { CLIENT, JWKS, POOL, freshToken, tamper } from "./fixtures.mjs";
import { packageFile } from "./common.mjs";

const { stateOf } = await import(packageFile("verifier.mjs"));
const { encoder } = await import(packageFile("jwks.mjs"));

// WebCrypto's verify, replaceable per test (`answer`), and counted.
const subtle = globalThis.crypto.subtle;
const realVerify = subtle.verify;
let answer = null;
let webcrypto = 0;
subtle.verify = function (...args) {
  webcrypto++;
  return answer === null ? realVerify.apply(this, args) : answer(...args);
};

// The token's copies into wasm memory (the glue's `put`: `encodeInto` of the shared encoder).
let writes = 0;
const encodeInto = encoder.encodeInto.bind(encoder);
encoder.encodeInto = (s, view) => {
  writes++;
  return encodeInto(s, view);
};

/** A WebCrypto verifier with its calls into wasm counted: `verify` (which parses), `finish`, `release`. */
function counted(props = {}) {
  const v = CognitoJwtVerifier.create({ userPoolId: POOL, clientId: CLIENT, tokenUse: "id", signatureVerifier: "webcrypto", ...props });
  v.cacheJwks(JWKS);
  const core = stateOf(v).core;
  const calls = { verify: 0, finish: 0, release: 0 };
  for (const name of Object.keys(calls)) {
    const f = core[name].bind(core);
    core[name] = (...args) => {
      calls[name]++;
      return f(...args);
    };
  }
  const reset = () => {
    for (const name of Object.keys(calls)) calls[name] = 0;
    webcrypto = 0;
    writes = 0;
  };
  return { v, core, calls, reset };
}

const subs = (n) => Array.from({ length: n }, (_, i) => `${String(i).padStart(8, "0")}-bbbb-cccc-dddd-eeeeeeeeeeee`);

test("a first verification over WebCrypto parses the token once: one verify call, one finish, one copy of the token", async () => {
  for (const props of [{}, { verdictMemo: 0, signatureCache: 0 }]) {
    const { v, core, calls, reset } = counted(props);
    const token = freshToken();
    reset();
    const payload = await v.verify(token);
    assert.equal(payload.sub, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert.deepEqual({ ...calls, webcrypto, writes }, { verify: 1, finish: 1, release: 0, webcrypto: 1, writes: 1 }, JSON.stringify(props));
    assert.equal(core.pendingHeld(), 0);

    // Refused by WebCrypto: the same two calls, and the core's code.
    reset();
    await assert.rejects(v.verify(tamper(freshToken())), { code: "invalid_signature" });
    assert.deepEqual({ ...calls, webcrypto, writes }, { verify: 1, finish: 1, release: 0, webcrypto: 1, writes: 1 });
    assert.equal(core.pendingHeld(), 0);
  }
});

test("a token passed by WebCrypto is remembered: the memo and the signature cache answer it next time", async () => {
  const { v, core, calls, reset } = counted();
  const token = freshToken();
  await v.verify(token);
  assert.equal(v.signatureCacheStats().misses, 1);
  reset();
  // Seen once: verified again in wasm (the core's memo answers it), then the glue's index.
  for (let i = 0; i < 3; i++) assert.equal((await v.verify(token)).sub, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
  assert.equal(webcrypto, 0);
  assert.equal(calls.finish, 0);
  assert.deepEqual(v.verdictMemoStats().hits, 3);
  assert.equal(core.pendingHeld(), 0);
});

test("1,000 concurrent verifications each finish with their own token", async () => {
  const { v, core, calls, reset } = counted({ verdictMemo: 0 });
  const want = subs(1000);
  const tokens = want.map((sub, i) => freshToken({ sub, "cognito:username": `user${i}` }));
  reset();
  const got = await Promise.all(tokens.map((t) => v.verify(t)));
  assert.deepEqual(got.map((p) => p.sub), want);
  assert.deepEqual(got.map((p) => p["cognito:username"]), want.map((_, i) => `user${i}`));
  assert.deepEqual({ ...calls, webcrypto }, { verify: 1000, finish: 1000, release: 0, webcrypto: 1000 });
  assert.equal(core.pendingHeld(), 0);

  // Mixed verdicts at once: each its own code.
  const mixed = tokens.slice(0, 300).map((t, i) => (i % 3 === 0 ? tamper(t) : i % 3 === 1 ? freshToken({ exp: 1 }) : t));
  const codes = await Promise.all(mixed.map((t) => v.verify(t).then(() => "valid", (e) => e.code)));
  assert.deepEqual(codes, mixed.map((_, i) => ["invalid_signature", "expired", "valid"][i % 3]));
  assert.equal(core.pendingHeld(), 0);
});

test("more verifications at once than the table holds: the oldest are verified in wasm, every verdict right", async () => {
  const { v, core, calls, reset } = counted({ verdictMemo: 0, signatureCache: 0 });
  const want = subs(1100);
  const tokens = want.map((sub) => freshToken({ sub }));
  reset();
  const got = await Promise.all(tokens.map((t) => v.verify(t)));
  assert.deepEqual(got.map((p) => p.sub), want);
  // 1,024 slots: the first 76 tokens set aside were pushed out, finished STALE, and verified in wasm.
  assert.equal(calls.finish, 1100);
  assert.equal(calls.verify, 1100 + 76);
  assert.equal(core.pendingHeld(), 0);
});

test("WebCrypto throwing or never answering: verdicts from wasm, the table bounded and emptied", async () => {
  const { v, core, calls, reset } = counted({ verdictMemo: 0 });
  try {
    answer = () => Promise.reject(new Error("engine failure"));
    reset();
    const t = freshToken();
    assert.equal((await v.verify(t)).sub, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    await assert.rejects(v.verify(tamper(t)), { code: "invalid_signature" });
    assert.deepEqual(calls, { verify: 4, finish: 0, release: 2 });
    assert.equal(core.pendingHeld(), 0);

    // Abandoned: promises that never settle keep their slots only until the table needs them.
    answer = () => new Promise(() => {});
    for (const t of subs(1500).map((sub) => freshToken({ sub }))) v.verify(t);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(core.pendingHeld(), 1024);
  } finally {
    answer = null;
  }
  reset();
  const t = freshToken({ sub: "after" });
  assert.equal((await v.verify(t)).sub, "after");
  assert.deepEqual(calls, { verify: 1, finish: 1, release: 0 });
  assert.ok(core.pendingHeld() <= 1024);
});
