// Bad arguments throw errors with a code and never break the module: after every hostile call a
// valid token still verifies (a trap inside wasm would leave the instance unusable).
import { test } from "node:test";
import assert from "node:assert/strict";
import { CognitoJwtVerifier, JwtVerificationError, errorCodeList } from "cognito-verify-wasm/es256";
import { atTimeSync, jsonl, propsOf } from "./common.mjs";

// A valid ES256 vector and a valid RS256 one: the module must keep accepting them.
const cases = jsonl("tokens.jsonl");
const sanity = ["valid_id", ...cases.filter((c) => c.expect.valid && c.config.allow_es256).map((c) => c.name).slice(0, 1)];
const sanityCases = sanity.map((n) => cases.find((c) => c.name === n));
assert.equal(sanityCases.length, 2);

function stillWorks(label) {
  for (const c of sanityCases) {
    const [props] = propsOf(c.config);
    atTimeSync(c.now, () => {
      const v = CognitoJwtVerifier.create(props);
      v.cacheJwks(c.jwks);
      const p = v.verifySync(c.token);
      assert.equal(typeof p.sub, "string", `${label}: ${c.name}`);
    });
  }
}

const CODES = new Set(errorCodeList());

function expectCode(label, f, code) {
  let threw = null;
  try {
    f();
  } catch (e) {
    threw = e;
  }
  assert.ok(threw, `${label}: did not throw`);
  assert.ok(threw instanceof JwtVerificationError, `${label}: threw ${threw}`);
  assert.ok(CODES.has(threw.code), `${label}: code ${threw.code}`);
  if (code) assert.equal(threw.code, code, label);
  stillWorks(label);
}

async function expectRejection(label, f, code) {
  let threw = null;
  try {
    await f();
  } catch (e) {
    threw = e;
  }
  assert.ok(threw instanceof JwtVerificationError, `${label}: threw ${threw}`);
  if (code) assert.equal(threw.code, code, label);
  stillWorks(label);
}

const POOL = "us-east-1_TestPool1";
const base = { userPoolId: POOL, clientId: "client" };
const cyclic = { keys: [] };
cyclic.self = cyclic;
const huge = "a".repeat(8 * 1024 * 1024);

test("hostile create() arguments", () => {
  let n = 0;
  const bad = [
    undefined, null, 42, "us-east-1_x", [], [null], true, () => {},
    {}, { clientId: "c" }, { userPoolId: POOL },
    { userPoolId: "bad", clientId: "c" }, { userPoolId: "us-east-1_", clientId: "c" },
    { userPoolId: 5, clientId: "c" }, { userPoolId: huge, clientId: "c" },
    { ...base, clientId: [] }, { ...base, clientId: [1] }, { ...base, clientId: "" }, { ...base, clientId: {} },
    { ...base, tokenUse: "foo" }, { ...base, tokenUse: 1 },
    { ...base, groups: 5 }, { ...base, groups: [null] }, { ...base, groups: [] }, { ...base, groups: { oneOf: ["a"] } },
    { ...base, scope: { allOf: [] } }, { ...base, scope: { allOf: "x", anyOf: "y" } },
    { ...base, graceSeconds: -1 }, { ...base, graceSeconds: NaN }, { ...base, graceSeconds: "5" },
    { ...base, graceSeconds: Infinity }, { ...base, maxAgeSeconds: -5 }, { ...base, maxTokenBytes: 1e400 },
    { ...base, customJwtCheck: 3 }, { ...base, jwksCache: "x" }, { ...base, jwksUri: 7 }, { ...base, fetch: "no" },
    { ...base, allowEs256: "yes" }, { clientId: "c", issuer: [] }, { ...base, issuer: [3] },
    { ...base, signatureVerifier: "openssl" }, { ...base, signatureVerifier: 0 },
  ];
  for (const [i, props] of bad.entries()) {
    expectCode(`create #${i}`, () => CognitoJwtVerifier.create(props), "invalid_configuration");
    n++;
  }
  expectCode("duplicate pools", () => CognitoJwtVerifier.create([base, base]), "invalid_configuration");
  expectCode("bad shared props", () => CognitoJwtVerifier.create(base, 5), "invalid_configuration");
  console.log(`${n + 2} hostile create() calls rejected with a code`);
});

test("hostile cacheJwks() arguments", () => {
  const v = CognitoJwtVerifier.create(base);
  const bad = [
    [undefined, "malformed_jwks"], [null, "malformed_jwks"], [5, "malformed_jwks"], [true, "malformed_jwks"],
    ["not json", "malformed_jwks"], ["", "malformed_jwks"], [{ keys: 5 }, "malformed_jwks"], [[1, 2], "malformed_jwks"],
    [cyclic, "malformed_jwks"], [{ toJSON() { throw new Error("boom"); } }, "malformed_jwks"],
    [{ big: 10n }, "malformed_jwks"], [huge, "jwks_too_large"], ["\ud800", "malformed_jwks"],
    ['{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"x"}]}', null],
    ['{"keys":[{"kty":"oct","k":"AA","kid":"x"}]}', "unsupported_key"],
    [`{"keys":[${'{"kty":"EC","crv":"P-256","x":"AA","y":"AA","kid":"x"},'.repeat(20)}{}]}`, null],
  ];
  for (const [i, [jwks, code]] of bad.entries()) {
    expectCode(`cacheJwks #${i}`, () => v.cacheJwks(jwks), code);
  }
  expectCode("cacheJwks unknown pool", () => v.cacheJwks({ keys: [] }, "us-east-1_other"), "invalid_configuration");
  expectCode("cacheJwks pool id of wrong type", () => v.cacheJwks({ keys: [] }, 5), "invalid_configuration");
  console.log(`${bad.length + 2} hostile cacheJwks() calls rejected with a code`);
});

const tokens = [
  [undefined, "malformed_token"], [null, "malformed_token"], [123, "malformed_token"], [{}, "malformed_token"],
  [Symbol("t"), "malformed_token"], [["a.b.c"], "malformed_token"], [new String("a.b.c"), "malformed_token"],
  [huge, "token_too_large"], ["", "malformed_token"], ["...", "malformed_token"], ["a.b", "malformed_token"],
  ["\ud800.\udc00.x", "malformed_token"], ["\0.\0.\0", "malformed_token"], ["é.é.é", "malformed_token"],
  [`${"eyJ".repeat(5000)}.e30.AA`, "token_too_large"],
  ["eyJhbGciOiJSUzI1NiJ9.e30.AA", "missing_kid"],
  [`${btoa(JSON.stringify({ alg: "RS256", kid: "k".repeat(1000) })).replace(/=+$/, "")}.e30.AA`, null],
  [`${btoa("[".repeat(1000)).replace(/=+$/, "")}.e30.AA`, "token_too_large"], // a header over 512 bytes
  [`${btoa("[".repeat(400)).replace(/=+$/, "")}.e30.AA`, "malformed_token"], // nested too deep
];

test("hostile verifySync() arguments", () => {
  const v = CognitoJwtVerifier.create(base);
  v.cacheJwks(sanityCases[0].jwks);
  for (const [i, [token, code]] of tokens.entries()) {
    expectCode(`verifySync #${i}`, () => v.verifySync(token), code);
  }
  expectCode("verifySync with per-call props", () => v.verifySync("a.b.c", { clientId: "x" }), "invalid_configuration");
  const empty = CognitoJwtVerifier.create(base);
  expectCode("verifySync without keys", () => empty.verifySync(sanityCases[0].token), "jwks_unavailable");
  console.log(`${tokens.length + 2} hostile verifySync() calls rejected with a code`);
});

test("hostile verify() arguments", async () => {
  const v = CognitoJwtVerifier.create(base, { fetch: async () => new Response("{}", { status: 500 }) });
  v.cacheJwks(sanityCases[0].jwks);
  for (const [i, [token, code]] of tokens.entries()) {
    await expectRejection(`verify #${i}`, () => v.verify(token), code);
  }
  const broken = [
    async () => { throw new TypeError("network down"); },
    async () => new Response("not json"),
    async () => new Response('{"keys":5}'),
    async () => ({ ok: true, text: async () => 5 }),
    async () => null,
    () => { throw new Error("sync throw"); },
  ];
  for (const [i, fetch] of broken.entries()) {
    const w = CognitoJwtVerifier.create(base, { fetch });
    await expectRejection(`verify with broken fetch #${i}`, () => w.verify(sanityCases[0].token), "jwks_unavailable");
    await expectRejection(`hydrate with broken fetch #${i}`, () => w.hydrate(), "jwks_unavailable");
  }
  console.log(`${tokens.length + broken.length * 2} hostile verify() calls rejected with a code`);
});

test("custom checks: thrown errors become custom_check_failed", async () => {
  const c = sanityCases[0];
  const [props] = propsOf(c.config);
  await atTimeSync(c.now, async () => {
    for (const check of [() => { throw new Error("no"); }, () => { throw 5; }]) {
      const v = CognitoJwtVerifier.create({ ...props, customJwtCheck: check });
      v.cacheJwks(c.jwks);
      expectCode("custom check", () => v.verifySync(c.token), "custom_check_failed");
    }
    const seen = [];
    const v = CognitoJwtVerifier.create({ ...props, customJwtCheck: (x) => { seen.push(x); } });
    v.cacheJwks(c.jwks);
    v.verifySync(c.token);
    assert.equal(seen[0].header.kid, seen[0].jwk.kid);
    assert.equal(seen[0].payload.sub, v.verifySync(c.token).sub);
    const a = CognitoJwtVerifier.create({ ...props, customJwtCheck: async () => { throw new Error("async no"); } });
    a.cacheJwks(c.jwks);
    expectCode("async custom check in verifySync", () => a.verifySync(c.token), "invalid_configuration");
  });
});
