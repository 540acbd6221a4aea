// `verify` checks signatures with WebCrypto (the default where `crypto.subtle` exists) and
// `verifySync` in wasm: the two must agree on every token, including forged and malformed
// signatures, concurrent calls, keys replaced mid-flight and JWKS the WebCrypto path declines.
import { test } from "node:test";
import assert from "node:assert/strict";
import { constants, createHash, createPrivateKey, createPublicKey, privateEncrypt, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { CognitoJwtVerifier } from "cognito-verify-wasm/es256";
import { CLIENT, ISSUER, POOL, freshToken, tamper } from "./fixtures.mjs";
import { packageFile } from "./common.mjs";

const pem = (name) => createPrivateKey(readFileSync(new URL(`../../testdata/keys/${name}.pem`, import.meta.url)));
const rsaA = pem("rsa2048_a");
const rsaB = pem("rsa2048_b");
const rsaE3 = pem("rsa2048_e3");
const ec = pem("p256");
const jwkOf = (key, kid, alg, extra = {}) => ({ ...createPublicKey(key).export({ format: "jwk" }), kid, alg, use: "sig", ...extra });
const JWKS = {
  keys: [jwkOf(rsaA, "kA", "RS256"), jwkOf(rsaB, "kB", "RS256"), jwkOf(ec, "kE", "ES256"), jwkOf(rsaE3, "k3", "RS256")],
};

// Counts WebCrypto signature checks; `duringVerify` runs inside one (to replace keys mid-flight).
let calls = 0;
let duringVerify = null;
const subtle = globalThis.crypto.subtle;
const realVerify = subtle.verify;
subtle.verify = function (...args) {
  calls++;
  const hook = duringVerify;
  duringVerify = null;
  hook?.();
  return realVerify.apply(this, args);
};

const b64 = (x) => Buffer.from(typeof x === "string" ? x : JSON.stringify(x)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({ sub: "s", iss: ISSUER, aud: CLIENT, token_use: "id", "cognito:username": "alice", exp: now() + 600, iat: now() });

/** A token whose signature is `signer(signingInput)` (a Buffer). */
function token(kid, alg, signer, body = claims()) {
  const input = `${b64({ kid, alg })}.${b64(body)}`;
  return `${input}.${signer(Buffer.from(input)).toString("base64url")}`;
}
const rs = (key) => (data) => sign("sha256", data, key);
const es = (data) => sign("sha256", data, { key: ec, dsaEncoding: "ieee-p1363" });

const DIGEST_INFO = Buffer.from("3031300d060960864801650304020105000420", "hex");
/** Raw RSA with key A over a hand-made encoded message (forgeries the padding check must catch). */
function rawRsa(em) {
  return privateEncrypt({ key: rsaA, padding: constants.RSA_NO_PADDING }, em);
}
function em(data, { prefix = DIGEST_INFO, ff = null, sep = 0 } = {}) {
  const hash = createHash("sha256").update(data).digest();
  const t = Buffer.concat([prefix, hash]);
  const ps = Buffer.alloc(256 - 3 - t.length, ff ?? 0xff);
  return Buffer.concat([Buffer.from([0, 1]), ps, Buffer.from([sep]), t]);
}
const P256_N = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
function highS(data) {
  const sig = es(data);
  const s = P256_N - BigInt(`0x${sig.subarray(32).toString("hex")}`);
  return Buffer.concat([sig.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, "0"), "hex")]);
}

const noFetch = async () => new Response("", { status: 500 });
const props = {
  userPoolId: POOL, clientId: CLIENT, tokenUse: "id", allowEs256: true, allowAnyRsaExponent: true, fetch: noFetch,
  signatureVerifier: "webcrypto", // Node's default is node:crypto (node-crypto.test.mjs)
};
function verifiers(jwks = JWKS) {
  const make = (signatureVerifier) => {
    const v = CognitoJwtVerifier.create({ ...props, signatureVerifier });
    v.cacheJwks(jwks);
    return v;
  };
  return { sync: make("wasm"), webcrypto: make("webcrypto"), wasm: make("wasm"), node: make("node") };
}

async function outcome(f) {
  try {
    const p = await f();
    return `valid ${p["cognito:username"]}`;
  } catch (e) {
    return e.code;
  }
}

/** The verdicts of verifySync, verify via WebCrypto and verify via wasm, and the WebCrypto calls. */
async function verdicts(t, vs = verifiers()) {
  const sync = await outcome(() => vs.sync.verifySync(t));
  const before = calls;
  const webcrypto = await outcome(() => vs.webcrypto.verify(t));
  const used = calls - before;
  const wasm = await outcome(() => vs.wasm.verify(t));
  assert.equal(calls - before, used, "the wasm path used WebCrypto");
  // node:crypto (Node's default), synchronously and awaited: the same verdict again.
  const node = await outcome(() => vs.node.verifySync(t));
  const nodeAsync = await outcome(() => vs.node.verify(t));
  assert.equal(nodeAsync, node, "node:crypto verify and verifySync differ");
  assert.equal(calls - before, used, "the node:crypto path used WebCrypto");
  return { sync, webcrypto, wasm, node, calls: used };
}

test("forged, malformed and unusual signatures: the same verdict via wasm, WebCrypto and node:crypto", async () => {
  // The last number: WebCrypto calls. A signature of the wrong shape (not the modulus length, not
  // below the modulus; ES256: not 64 bytes, r or s out of range) is refused by the core first.
  const cases = [
    ["RS256 valid", token("kA", "RS256", rs(rsaA)), "valid alice", 1],
    // Key B's signature is above key A's modulus about half the time: refused for its shape then.
    ["RS256 other key", token("kA", "RS256", rs(rsaB)), "invalid_signature", [0, 1]],
    ["RS256 tampered", tamper(token("kA", "RS256", rs(rsaA))), "invalid_signature", 1],
    ["RS256 e=3 valid", token("k3", "RS256", rs(rsaE3)), "valid alice", 1],
    ["DigestInfo without NULL", token("kA", "RS256", (d) => rawRsa(em(d, { prefix: Buffer.from("302f300b06096086480165030402010420", "hex") }))), "invalid_signature", 1],
    ["padding byte not 0xff", token("kA", "RS256", (d) => rawRsa(em(d, { ff: 0xfe }))), "invalid_signature", 1],
    ["separator not 0", token("kA", "RS256", (d) => rawRsa(em(d, { sep: 1 }))), "invalid_signature", 1],
    // (Another body than "RS256 valid": the same bytes would be a signature-cache hit.)
    ["hand-made correct padding", token("kA", "RS256", (d) => rawRsa(em(d)), { ...claims(), jti: "hand-made" }), "valid alice", 1],
    ["signature one byte short", token("kA", "RS256", (d) => rs(rsaA)(d).subarray(1)), "invalid_signature", 0],
    ["signature one byte long", token("kA", "RS256", (d) => Buffer.concat([Buffer.from([0]), rs(rsaA)(d)])), "invalid_signature", 0],
    ["signature all 0xff (above n)", token("kA", "RS256", () => Buffer.alloc(256, 0xff)), "invalid_signature", 0],
    ["signature zero", token("kA", "RS256", () => Buffer.alloc(256)), "invalid_signature", 1],
    ["empty signature", token("kA", "RS256", () => Buffer.alloc(0)), "invalid_signature", 0],
    ["signature too long for any key", token("kA", "RS256", () => Buffer.alloc(600, 1)), "invalid_signature", 0],
    ["ES256 valid", token("kE", "ES256", es), "valid alice", 1],
    ["ES256 high s", token("kE", "ES256", highS), "valid alice", 1],
    ["ES256 DER", token("kE", "ES256", (d) => sign("sha256", d, ec)), "invalid_signature", 0],
    ["ES256 r = 0", token("kE", "ES256", (d) => Buffer.concat([Buffer.alloc(32), es(d).subarray(32)])), "invalid_signature", 0],
    ["ES256 s = n", token("kE", "ES256", (d) => Buffer.concat([es(d).subarray(0, 32), Buffer.from(P256_N.toString(16), "hex")])), "invalid_signature", 0],
    ["ES256 63 bytes", token("kE", "ES256", (d) => es(d).subarray(1)), "invalid_signature", 0],
    ["ES256 tampered", tamper(token("kE", "ES256", es)), "invalid_signature", 1],
    ["alg mismatch RS256 on EC key", token("kE", "RS256", rs(rsaA)), "unsupported_algorithm", 0],
    ["alg mismatch ES256 on RSA key", token("kA", "ES256", es), "unsupported_algorithm", 0],
    ["unknown kid (the refetch fails: the cached keys decide)", token("kZ", "RS256", rs(rsaA)), "unknown_kid", 0],
    ["expired, valid signature", token("kA", "RS256", rs(rsaA), { ...claims(), exp: now() - 10 }), "expired", 1],
    ["wrong client, valid signature", token("kA", "RS256", rs(rsaA), { ...claims(), aud: "x" }), "wrong_client", 1],
    ["expired and forged: the signature first", token("kA", "RS256", rs(rsaB), { ...claims(), exp: now() - 10 }), "invalid_signature", [0, 1]],
  ];
  const vs = verifiers();
  for (const [name, t, want, wantCalls] of cases) {
    const got = await verdicts(t, vs);
    const calls = [wantCalls].flat().includes(got.calls) ? got.calls : wantCalls;
    assert.deepEqual(got, { sync: want, webcrypto: want, wasm: want, node: want, calls }, name);
  }
  console.log(`${cases.length} crafted tokens: the same verdict via wasm and WebCrypto`);
});

test("64 concurrent verify calls, mixed tokens, two algorithms", async () => {
  const vs = verifiers();
  const pool = [
    token("kA", "RS256", rs(rsaA)), token("kB", "RS256", rs(rsaB)), token("kE", "ES256", es),
    tamper(token("kA", "RS256", rs(rsaA))), token("kB", "RS256", rs(rsaA)), tamper(token("kE", "ES256", es)),
    token("kA", "RS256", rs(rsaA), { ...claims(), exp: now() - 5 }), freshToken({ aud: "other" }),
  ];
  const list = Array.from({ length: 64 }, (_, i) => pool[(i * 5) % pool.length]);
  const want = list.map((t) => { try { vs.sync.verifySync(t); return "valid"; } catch (e) { return e.code; } });
  const before = calls;
  const got = await Promise.all(list.map((t) => vs.webcrypto.verify(t).then(() => "valid", (e) => e.code)));
  assert.deepEqual(got, want);
  assert.equal(calls - before, 64);
  assert.ok(want.includes("valid") && want.includes("invalid_signature") && want.includes("expired"));
});

test("keys replaced while WebCrypto works: the verdict of the new keys", async () => {
  const t = token("kA", "RS256", rs(rsaA));
  // kA removed: unknown_kid (the refetch verify then tries fails; the cached keys decide).
  const scenarios = [
    [{ keys: [JWKS.keys[1]] }, "unknown_kid"],
    [{ keys: [{ ...JWKS.keys[1], kid: "kA" }] }, "invalid_signature"], // kA now names key B
    [{ keys: [JWKS.keys[0]] }, "valid"], // the same key again
  ];
  for (const [next, want] of scenarios) {
    const v = CognitoJwtVerifier.create(props);
    v.cacheJwks(JWKS);
    duringVerify = () => v.cacheJwks(next);
    const got = await v.verify(t).then(() => "valid", (e) => e.code);
    assert.equal(duringVerify, null, "the hook ran");
    assert.equal(got, want, JSON.stringify(next.keys.map((k) => k.kid)));
  }
});

test("a JWKS naming a kid twice: WebCrypto checks with the core's key (the first usable)", async () => {
  const ta = token("kA", "RS256", rs(rsaA));
  const weak = jwkOf(pem("rsa1024"), "kA", "RS256");
  const cases = [
    // Key B's modulus may be below key A's signature: refused for its shape then, WebCrypto not asked.
    [{ keys: [{ ...JWKS.keys[1], kid: "kA" }, JWKS.keys[0]] }, "invalid_signature", [0, 1]],
    [{ keys: [JWKS.keys[0], { ...JWKS.keys[1], kid: "kA" }] }, "valid alice", [1]],
    [{ keys: [weak, JWKS.keys[0]] }, "valid alice", [1]],
  ];
  for (const [jwks, want, wantCalls] of cases) {
    const got = await verdicts(ta, verifiers(jwks));
    const calls = wantCalls.includes(got.calls) ? got.calls : wantCalls;
    assert.deepEqual(got, { sync: want, webcrypto: want, wasm: want, node: want, calls });
  }
});

test("JWK members WebCrypto would object to are left out of the import", async () => {
  const jwks = { keys: [{ ...JWKS.keys[0], key_ops: ["verify", "sign"], ext: false, x5c: ["AAAA"] }] };
  const got = await verdicts(token("kA", "RS256", rs(rsaA)), verifiers(jwks));
  assert.deepEqual(got, { sync: "valid alice", webcrypto: "valid alice", wasm: "valid alice", node: "valid alice", calls: 1 });
});

test("CryptoKeys are imported once per kid and JWKS load", async () => {
  const counted = { n: 0 };
  const realImport = subtle.importKey;
  subtle.importKey = function (...args) {
    counted.n++;
    return realImport.apply(this, args);
  };
  try {
    const v = CognitoJwtVerifier.create(props);
    v.cacheJwks(JWKS);
    const t = token("kA", "RS256", rs(rsaA));
    await Promise.all(Array.from({ length: 10 }, () => v.verify(t)));
    await v.verify(token("kB", "RS256", rs(rsaB)));
    await v.verify(t);
    assert.equal(counted.n, 2);
    v.cacheJwks(JWKS);
    // A token not seen before (`t` is a signature-cache hit, which needs no key).
    await v.verify(token("kA", "RS256", rs(rsaA), { ...claims(), jti: "after-reload" }));
    assert.equal(counted.n, 3);
  } finally {
    subtle.importKey = realImport;
  }
});

test("signatureVerifier: validated; \"auto\" falls back to wasm without node:crypto or crypto.subtle", async () => {
  const { platform } = await import(packageFile("es256/platform.mjs"));
  const nodeCrypto = platform.nodeCrypto;
  for (const bad of ["openssl", 1, true, ""]) {
    assert.throws(() => CognitoJwtVerifier.create({ ...props, signatureVerifier: bad }), (e) => e.code === "invalid_configuration");
  }
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "crypto");
  Object.defineProperty(globalThis, "crypto", { value: undefined, configurable: true, writable: true });
  platform.nodeCrypto = null;
  try {
    assert.throws(() => CognitoJwtVerifier.create({ ...props, signatureVerifier: "webcrypto" }), (e) => e.code === "invalid_configuration");
    assert.throws(() => CognitoJwtVerifier.create({ ...props, signatureVerifier: "node" }), (e) => e.code === "invalid_configuration");
    const v = CognitoJwtVerifier.create({ ...props, signatureVerifier: "auto" });
    v.cacheJwks(JWKS);
    const before = calls;
    assert.equal((await v.verify(token("kA", "RS256", rs(rsaA))))["cognito:username"], "alice");
    await assert.rejects(v.verify(tamper(token("kA", "RS256", rs(rsaA)))), (e) => e.code === "invalid_signature");
    assert.equal(calls, before);
  } finally {
    Object.defineProperty(globalThis, "crypto", descriptor);
    platform.nodeCrypto = nodeCrypto;
  }
  // Without node:crypto (browsers, Workers), "auto" is WebCrypto for verify.
  platform.nodeCrypto = null;
  try {
    const v = CognitoJwtVerifier.create({ ...props, signatureVerifier: "auto" });
    v.cacheJwks(JWKS);
    const before = calls;
    await v.verify(token("kA", "RS256", rs(rsaA)));
    assert.equal(calls - before, 1);
  } finally {
    platform.nodeCrypto = nodeCrypto;
  }
  // In Node, "auto" is node:crypto: no WebCrypto call.
  const v = CognitoJwtVerifier.create({ ...props, signatureVerifier: "auto" });
  v.cacheJwks(JWKS);
  const before = calls;
  await v.verify(token("kA", "RS256", rs(rsaA)));
  assert.equal(calls - before, 0);
});
