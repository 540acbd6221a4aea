// The key-set rules of the JS package: the size limit counts UTF-8 bytes and reaches the core, a
// fetched body is cut off at the limit, the fetch timeout holds even when `fetch` ignores its
// signal, key sets come over https (plain http only to loopback, or when allowed), a document
// with no usable key never replaces keys, and 61 keys or a cognito-local pool are nothing special.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CognitoJwtVerifier } from "cognito-verify-wasm";
import { atTime, atTimeSync, jsonl, propsOf } from "./common.mjs";

const valid = jsonl("tokens.jsonl").find((c) => c.name === "valid_id");
const [props] = propsOf(valid.config);
const JWKS = typeof valid.jwks === "string" ? JSON.parse(valid.jwks) : valid.jwks;
/** The vector's JWKS padded with an ignored member to about `bytes` bytes. */
const padded = (bytes, pad = "x") => {
  const base = JSON.stringify({ ...JWKS, padding: "" });
  return JSON.stringify({ ...JWKS, padding: pad.repeat(Math.ceil((bytes - base.length) / Buffer.byteLength(pad))) });
};
const code = (f) => f().then(() => "ok", (e) => e.code ?? String(e));
const codeSync = (f) => {
  try {
    f();
    return "ok";
  } catch (e) {
    return e.code ?? String(e);
  }
};

test("a 100 KiB key set loads with a raised limit, and is refused at the default 64 KiB", async () => {
  const big = padded(100 * 1024);
  assert.ok(big.length >= 100 * 1024);
  const serve = async () => new Response(big);
  const raised = CognitoJwtVerifier.create(props, { fetch: serve, maxJwksBytes: 128 * 1024 });
  await atTime(valid.now, async () => {
    assert.equal(await code(() => raised.verify(valid.token)), "ok");
    assert.equal(codeSync(() => CognitoJwtVerifier.create(props, { maxJwksBytes: 128 * 1024 }).cacheJwks(big)), "ok");
    assert.equal(codeSync(() => CognitoJwtVerifier.create(props).cacheJwks(big)), "jwks_too_large");
    const v = CognitoJwtVerifier.create(props, { fetch: serve });
    const err = await v.verify(valid.token).catch((e) => e);
    assert.equal(err.code, "jwks_unavailable");
    assert.equal(err.cause?.code, "jwks_too_large");
  });
});

test("the limit counts UTF-8 bytes, not UTF-16 units", () => {
  // 40,000 three-byte characters: 40 K units, 120 KB.
  const text = padded(120 * 1024, "\u20ac");
  assert.ok(text.length < 64 * 1024 && Buffer.byteLength(text) > 64 * 1024);
  assert.equal(codeSync(() => CognitoJwtVerifier.create(props).cacheJwks(text)), "jwks_too_large");
  assert.equal(codeSync(() => CognitoJwtVerifier.create(props, { maxJwksBytes: 200 * 1024 }).cacheJwks(text)), "ok");
});

test("a body larger than the limit is cut off: reading stops there", async () => {
  let pulled = 0;
  const chunk = new Uint8Array(16 * 1024).fill(0x20);
  const endless = async () =>
    new Response(
      new ReadableStream({
        pull(c) {
          pulled += chunk.length;
          c.enqueue(chunk);
        },
      }),
    );
  const v = CognitoJwtVerifier.create(props, { fetch: endless });
  const err = await atTime(valid.now, () => v.verify(valid.token).catch((e) => e));
  assert.equal(err.code, "jwks_unavailable");
  assert.equal(err.cause?.code, "jwks_too_large");
  assert.ok(pulled <= 64 * 1024 + 3 * chunk.length, `read ${pulled} bytes`);
  // A declared Content-Length over the limit is refused before reading.
  let read = false;
  const declared = async () =>
    new Response(new ReadableStream({ pull(c) { read = true; c.enqueue(chunk); c.close(); } }, { highWaterMark: 0 }), {
      headers: { "content-length": String(1 << 20) },
    });
  const w = CognitoJwtVerifier.create(props, { fetch: declared });
  const err2 = await atTime(valid.now, () => w.verify(valid.token).catch((e) => e));
  assert.equal(err2.cause?.code, "jwks_too_large");
  assert.equal(read, false);
});

test("a hanging fetch times out (the core's request timeout), even one that ignores its signal", async () => {
  const jwksCache = { requestTimeoutSeconds: 1 };
  const never = () => new Promise(() => {});
  const v = CognitoJwtVerifier.create(props, { fetch: never, jwksCache });
  const err = await atTime(valid.now, () => v.verify(valid.token).catch((e) => e));
  assert.equal(err.code, "jwks_unavailable");
  assert.match(String(err.cause?.message), /timed out after 1 s/);
  // Whole seconds, as the core counts them.
  assert.throws(() => CognitoJwtVerifier.create(props, { jwksCache: { requestTimeoutSeconds: 0.2 } }), { code: "invalid_configuration" });
  // Headers arrive, the body never ends.
  const stalled = async () => new Response(new ReadableStream({ pull() { return new Promise(() => {}); } }));
  const w = CognitoJwtVerifier.create(props, { fetch: stalled, jwksCache });
  const err2 = await atTime(valid.now, () => w.verify(valid.token).catch((e) => e));
  assert.match(String(err2.cause?.message), /timed out/);
});

test("key sets come over https; plain http only to loopback hosts or with allowInsecureHttp", async () => {
  const create = (extra) => codeSync(() => CognitoJwtVerifier.create({ ...props, ...extra }));
  assert.equal(create({ jwksUri: "https://example.com/jwks.json" }), "ok");
  for (const uri of ["http://localhost:9229/p/.well-known/jwks.json", "http://127.0.0.1:8080/j", "http://[::1]/j"]) {
    assert.equal(create({ jwksUri: uri }), "ok", uri);
  }
  for (const uri of ["http://example.com/jwks.json", "ftp://example.com/j", "file:///etc/passwd", "not a url"]) {
    assert.equal(create({ jwksUri: uri }), "invalid_configuration", uri);
  }
  assert.equal(create({ jwksUri: "http://cognito.internal/j", allowInsecureHttp: true }), "ok");
  assert.equal(create({ jwksUri: "http://localhost@cognito.internal/j" }), "invalid_configuration");
  // The JWKS URL derived from an issuer (no pool id) follows the same rule.
  assert.equal(create({ userPoolId: undefined, issuer: "http://cognito.internal/local_1" }), "invalid_configuration");
  assert.equal(create({ userPoolId: undefined, issuer: "http://localhost:9229/local_1" }), "ok");
  // A redirect from https to http is a failed fetch.
  const redirected = async () => {
    const r = new Response(JSON.stringify(JWKS));
    Object.defineProperty(r, "redirected", { value: true });
    Object.defineProperty(r, "url", { value: "http://example.com/jwks.json" });
    return r;
  };
  const v = CognitoJwtVerifier.create(props, { fetch: redirected });
  const err = await atTime(valid.now, () => v.verify(valid.token).catch((e) => e));
  assert.equal(err.code, "jwks_unavailable");
  assert.match(String(err.cause?.message), /redirected/);
});

test("a key set with no usable key never replaces keys that work", async () => {
  const v = CognitoJwtVerifier.create(props);
  v.cacheJwks(JWKS);
  for (const empty of [{ keys: [] }, '{"keys": []}', { keys: [{ kty: "oct", kid: "h", k: "c2VjcmV0" }] }]) {
    assert.notEqual(codeSync(() => v.cacheJwks(empty)), "ok", JSON.stringify(empty));
  }
  assert.equal(codeSync(() => atTimeSync(valid.now, () => v.verifySync(valid.token))), "ok");
  // Fetched: a failed fetch, the cached keys kept.
  let served = 0;
  const outage = async () => {
    served++;
    return new Response('{"keys":[]}');
  };
  const w = CognitoJwtVerifier.create(props, { fetch: outage, jwksCache: { maxKeyAgeSeconds: 1 } });
  atTimeSync(valid.now, () => w.cacheJwks(JWKS));
  await atTime(valid.now + 5, async () => {
    assert.equal(await code(() => w.verify(valid.token)), "ok");
  });
  assert.ok(served >= 1, "the refetch happened");
  // No keys at all and an empty answer: unavailable, with the core's reason as the cause.
  const x = CognitoJwtVerifier.create(props, { fetch: outage });
  const err = await atTime(valid.now, () => x.verify(valid.token).catch((e) => e));
  assert.equal(err.code, "jwks_unavailable");
  assert.equal(err.cause?.code, "malformed_jwks");
});

test("a JWKS of 61 keys is accepted (64 fit), and 65 are too many", async () => {
  const [key] = JWKS.keys;
  const many = (n) => ({ keys: Array.from({ length: n }, (_, i) => ({ ...key, kid: i === n - 1 ? key.kid : `k${i}` })) });
  const v = CognitoJwtVerifier.create(props);
  v.cacheJwks(many(61));
  assert.equal(codeSync(() => atTimeSync(valid.now, () => v.verifySync(valid.token))), "ok");
  assert.equal(codeSync(() => CognitoJwtVerifier.create(props).cacheJwks(many(65))), "too_many_keys");
});

test("a cognito-local pool (local_xxxx) is verified by its pool id", () => {
  const c = jsonl("conformance.jsonl").find((x) => x.name === "cognito_local_pool/local_pool");
  const [pool] = c.pools;
  assert.match(pool.user_pool_id, /^local_/);
  const v = CognitoJwtVerifier.create({ userPoolId: pool.user_pool_id, clientId: c.client_ids });
  v.cacheJwks(pool.jwks);
  const payload = atTimeSync(c.now, () => v.verifySync(c.token));
  assert.equal(payload.iss, `https://cognito-idp.local.amazonaws.com/${pool.user_pool_id}`);
});
