// The signature engines the core calls back into (`Sink` in ../src/lib.rs): node:crypto inside one
// wasm call, and WebCrypto across two, the token parsed by the first only (see verifier.mjs). The core judged every key and every
// signature's shape before asking, and names the key by its index in the pool's key set (its own
// lookup by kid); an engine only says valid, invalid, or "not now" (then the wasm arithmetic
// answers, in the same call).

import { jwkAt } from "./jwks.mjs";

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

/**
 * Pool `pool`'s platform keys, dropped whenever the core's key set moved on: every key set the
 * core installs comes from the glue, which notes its generation (`installed` in jwks.mjs), so no
 * call into wasm is needed to tell.
 */
function engineKeys(state, pool) {
  const p = state.pools[pool];
  const generation = p.docGeneration;
  if (p.keysGeneration !== generation) {
    p.keysGeneration = generation;
    p.cryptoKeys = new Map();
    p.nodeKeys = [];
  }
  return p;
}

/** Only the key material: `alg`, `use`, `key_ops` and `ext` were judged by the core already. */
function material(jwk, alg) {
  if (alg === RS256 && jwk?.kty === "RSA") return { kty: "RSA", n: jwk.n, e: jwk.e };
  if (alg === ES256 && jwk?.kty === "EC") return { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y };
  return null;
}

// ---------------------------------------------------------------------------------------------
// WebCrypto

async function importKey(state, pool, index, alg) {
  const key = material(jwkAt(state, pool, index), alg);
  if (key === null) return null;
  try {
    return await state.subtle.importKey("jwk", key, alg === RS256 ? RSA_IMPORT : EC_IMPORT, false, ["verify"]);
  } catch {
    // A key WebCrypto refuses (e.g. an exponent it does not support): verified in wasm.
    return null;
  }
}

/** The CryptoKey of the key at `index` of pool `pool`'s current set (a promise, shared by concurrent calls), or null. */
export function cryptoKey(state, pool, index, alg) {
  const p = engineKeys(state, pool);
  let key = p.cryptoKeys.get(index);
  if (key === undefined) {
    key = importKey(state, pool, index, alg);
    p.cryptoKeys.set(index, key);
  }
  return key;
}

// ---------------------------------------------------------------------------------------------
// node:crypto

/** The `node:crypto` key (with its options) of the key at `index`, or null: verified in wasm. */
function nodeKey(state, pool, index, alg) {
  const key = material(jwkAt(state, pool, index), alg);
  if (key === null) return null;
  try {
    const k = state.node.createPublicKey({ key, format: "jwk" });
    return alg === ES256 ? { key: k, dsaEncoding: "ieee-p1363" } : k;
  } catch {
    return null;
  }
}

/** `Sink::payload`'s handle when the core kept no memo entry for the glue. */
export const NO_HANDLE = 0xffffffff;

/**
 * What a wasm call reports to (`Sink` in ../src/lib.rs): the payload JSON with its pool, key and
 * verdict-memo handle, and the signature check: node:crypto's answer, or (`record`, the first call of a WebCrypto
 * verification) what WebCrypto must verify, answered "not now". One per verifier: calls into wasm
 * are synchronous, and the caller reads it before anything else runs.
 */
export class Sink {
  constructor(state) {
    this.state = state;
    this.reset(false);
  }

  reset(record) {
    this.record = record;
    this.json = undefined;
    this.pool = 0;
    this.key = -1;
    this.handle = NO_HANDLE;
    this.stamp = 0;
    this.seen = null;
  }

  payload(json, pool, key, handle, stamp) {
    this.json = json;
    this.pool = pool;
    this.key = key;
    this.handle = handle;
    this.stamp = stamp;
  }

  /** The handle of the token the core set aside for WebCrypto's answer, after `check`. */
  pending(slot, stamp) {
    if (this.seen !== null) {
      this.seen.slot = slot;
      this.seen.stamp = stamp;
    }
  }

  check(pool, index, alg, data, signature) {
    if (this.record) {
      // A copy: the view dies with the call.
      this.seen = { pool, key: index, alg, signedLength: data.length, signature: signature.slice(), slot: 0, stamp: 0 };
      return NOT_NOW;
    }
    const state = this.state;
    const lengths = data.length + signature.length;
    const p = engineKeys(state, pool);
    let k = p.nodeKeys[index];
    if (k === undefined) k = p.nodeKeys[index] = nodeKey(state, pool, index, alg);
    // Not answered: the core asks its own arithmetic, in this same call. So too when finding the
    // key (which calls into wasm) grew wasm memory: the views are then detached and read empty.
    if (k === null || data.length + signature.length !== lengths) return NOT_NOW;
    try {
      // `data` and `signature` are views of wasm memory, valid during this call only. A `Verify`
      // object rather than the one-shot `verify`: measured 0.8 us (3%) less per RSA-2048 check
      // in Node 20, the one-shot's job set-up.
      return state.node.createVerify("sha256").update(data).verify(k, signature) === true ? VALID : INVALID;
    } catch {
      return NOT_NOW;
    }
  }
}
