// The signature engines the core calls back into (`Sink` in ../src/lib.rs): node:crypto inside one
// wasm call, and WebCrypto across two (see api.mjs). The core judged every key and every signature's
// shape before asking; an engine only says valid, invalid, or "not now" (then verified in wasm).

import { uniqueJwk } from "./jwks.mjs";

export const RS256 = 1;
const ES256 = 2;
// What a sink's `check` answers (`Sink::check` in ../src/lib.rs).
const INVALID = 0;
const VALID = 1;
const NOT_NOW = 2;
const RSA_IMPORT = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
const EC_IMPORT = { name: "ECDSA", namedCurve: "P-256" };
export const RSA_VERIFY = { name: "RSASSA-PKCS1-v1_5" };
export const EC_VERIFY = { name: "ECDSA", hash: "SHA-256" };

// ---------------------------------------------------------------------------------------------
// WebCrypto

async function importKey(pool, index, alg) {
  const kid = pool.keys.kid(index);
  const jwk = kid === undefined ? undefined : uniqueJwk(pool, kid);
  if (jwk === undefined) return null;
  // Only the key material: `alg`, `use`, `key_ops` and `ext` were judged by the core already.
  try {
    if (alg === RS256 && jwk.kty === "RSA") {
      return await pool.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e }, RSA_IMPORT, false, ["verify"]);
    }
    if (alg === ES256 && jwk.kty === "EC") {
      const ec = { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y };
      return await pool.subtle.importKey("jwk", ec, EC_IMPORT, false, ["verify"]);
    }
  } catch {
    // A key WebCrypto refuses (e.g. an exponent it does not support): verified in wasm.
  }
  return null;
}

/** The CryptoKey of the key at `index` of the current set (a promise, shared by concurrent calls), or null. */
export function cryptoKey(pool, index, alg) {
  let key = pool.cryptoKeys.get(index);
  if (key === undefined) {
    key = importKey(pool, index, alg);
    pool.cryptoKeys.set(index, key);
  }
  return key;
}

// ---------------------------------------------------------------------------------------------
// node:crypto

/**
 * The `node:crypto` key (with its options) for the key at `index` of the core's key set, or null
 * when it must be verified in wasm (a kid listed twice, a key Node refuses).
 */
function nodeKey(pool, index, alg) {
  const kid = pool.keys.kid(index);
  const jwk = kid === undefined ? undefined : uniqueJwk(pool, kid);
  if (jwk === undefined) return null;
  try {
    if (alg === RS256 && jwk.kty === "RSA") {
      return pool.node.createPublicKey({ key: { kty: "RSA", n: jwk.n, e: jwk.e }, format: "jwk" });
    }
    if (alg === ES256 && jwk.kty === "EC") {
      const ec = { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y };
      return { key: pool.node.createPublicKey({ key: ec, format: "jwk" }), dsaEncoding: "ieee-p1363" };
    }
  } catch {
    // Verified in wasm.
  }
  return null;
}

/**
 * What one wasm call reports to (`Sink` in ../src/lib.rs): the payload JSON, and with
 * `verifyExternal` the signature check. One per pool: calls into wasm are synchronous.
 */
export class Sink {
  constructor(pool) {
    this.pool = pool;
    this.json = undefined;
    /** The last check could not be answered by node:crypto: verify in wasm. */
    this.fallback = false;
  }

  payload(json) {
    this.json = json;
  }

  check(index, alg, data, signature) {
    const pool = this.pool;
    let k = pool.nodeKeys[index];
    if (k === undefined) k = pool.nodeKeys[index] = nodeKey(pool, index, alg);
    // The core checked the signature's shape (length, range) before asking. Not answered
    // (NOT_NOW): the core counts and stores nothing, and the token goes through wasm.
    if (k === null) {
      this.fallback = true;
      return NOT_NOW;
    }
    try {
      // `data` and `signature` are views of wasm memory, valid during this call only.
      return pool.node.verify("sha256", data, k, signature) === true ? VALID : INVALID;
    } catch {
      this.fallback = true;
      return NOT_NOW;
    }
  }
}

/**
 * Phase 1 of a WebCrypto verification: records what the core asks to verify, and answers "not
 * now" (the core then counts and stores nothing). Never asked when the signature is cached: the
 * core then finishes the verification in this call and hands over the payload.
 */
export class SignatureSeen {
  constructor() {
    this.json = undefined;
  }

  payload(json) {
    this.json = json;
  }

  check(key, alg, data, signature) {
    this.key = key;
    this.alg = alg;
    this.signedLength = data.length;
    this.signature = signature.slice(); // a copy: the view dies with the call
    return NOT_NOW;
  }
}

/** Phase 2: WebCrypto's answer, for exactly the signature it verified (same key, input and bytes). */
export class SignatureVerified {
  constructor(seen, valid) {
    this.seen = seen;
    this.valid = valid;
    this.json = undefined;
  }

  payload(json) {
    this.json = json;
  }

  check(key, alg, data, signature) {
    const s = this.seen;
    if (!this.valid || key !== s.key || alg !== s.alg || data.length !== s.signedLength || signature.length !== s.signature.length) {
      return INVALID;
    }
    for (let i = 0; i < signature.length; i++) if (signature[i] !== s.signature[i]) return INVALID;
    return VALID;
  }
}
