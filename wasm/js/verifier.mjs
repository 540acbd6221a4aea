// `CognitoJwtVerifier`: its pools, the core's pool rule and verified-signature cache, and each call's
// order of work (keys, engine, claims, `customJwtCheck`). The decisions are the core's.

import { PoolRouter, Signatures } from "./cognito_verify_wasm.js";
import { EC_VERIFY, RS256, RSA_VERIFY, SignatureSeen, SignatureVerified, cryptoKey } from "./engines.mjs";
import { JwtParseError, configError, customCheckError, statusError, statusOf } from "./errors.mjs";
import { FETCH, WAIT, encoder, ensureKeys, fetchJwks, jwkOf, loadJwks, nowSeconds, unavailable } from "./jwks.mjs";
import { checkRevocationSettings, makePool } from "./options.mjs";
import {
  RECORDED_SESSION,
  RECORDED_SUBJECT,
  record,
  revocationArgs,
  revocationOrder,
  signOutArgs,
  throwIfRefused,
} from "./revocation.mjs";

function decodeSegment(segment) {
  const b64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function checkToken(token, pool) {
  if (typeof token !== "string") {
    throw new JwtParseError("malformed_token", "token must be a string");
  }
  // A string of more UTF-16 units than the byte limit is too large whatever its encoding.
  if (token.length > pool.maxTokenLength) throw statusError(statusOf("token_too_large"));
}

function header(token) {
  try {
    return decodeSegment(token.split(".")[0]);
  } catch {
    return {};
  }
}

/**
 * Verifies Cognito JWTs. `create` takes one pool's properties or an array of them.
 */
export class CognitoJwtVerifier {
  #pools;
  /** The core's pool rule, with several pools. */
  #router;
  /** The core's verified-signature cache, shared by the pools. */
  #signatures;

  constructor(pools) {
    this.#pools = pools;
    this.#router = new PoolRouter();
    for (const p of pools) this.#router.add(p.verifier);
    if (this.#router.build() !== 0) throw configError("the pools cannot be told apart");
    // One cache per verifier: its capacity is not a property of a pool.
    const capacity = pools[0].signatureCache;
    if (pools.some((p) => p.signatureCache !== capacity)) {
      throw configError("signatureCache must be the same for every pool (give it in the second argument of create())");
    }
    this.#signatures = Signatures.create(capacity);
    if (this.#signatures === undefined) {
      throw configError(`signatureCache: ${capacity} entries (28 bytes each) cannot be allocated`);
    }
  }

  /**
   * @param {object | object[]} props one pool's properties, or an array for several pools
   * @param {object} [additional] properties shared by every pool (e.g. `{ jwksCache, fetch }`)
   */
  static create(props, additional) {
    if (additional !== undefined && (additional === null || typeof additional !== "object")) {
      throw configError("the second argument of create() must be an object");
    }
    const list = Array.isArray(props) ? props : [props];
    if (list.length === 0) throw configError("at least one user pool is required");
    const pools = list.map((p) => makePool(p, additional ?? {}));
    const ids = new Set(pools.map((p) => p.id));
    if (ids.size !== pools.length) throw configError("user pools must be distinct");
    checkRevocationSettings(pools);
    return new CognitoJwtVerifier(pools);
  }

  /**
   * The pool whose keys may verify `token`: the core's answer (its `iss` picks one). With one
   * pool whose keys are cached the verification itself says it; before keys are fetched for a
   * token, the core is asked first, so that a token of no configured pool costs no fetch.
   */
  #pool(token, fetching = false) {
    const pools = this.#pools;
    if (typeof token !== "string") return pools[0];
    // (`jwksBytes` is null until a key set was loaded.)
    if (pools.length === 1 && !(fetching && pools[0].jwksBytes === null)) return pools[0];
    checkToken(token, pools[0]);
    const index = this.#router.selectPool(token);
    // No pool matches (`wrong_issuer`) or the token is unreadable: no key is tried or fetched.
    if (index < 0) throw statusError(-index);
    return pools[index];
  }

  #poolById(id) {
    const pools = this.#pools;
    if (id === undefined) {
      if (pools.length === 1) return pools[0];
      throw configError("userPoolId must be given when the verifier has several pools");
    }
    const pool = pools.find((p) => p.id === id);
    if (!pool) throw configError(`unknown user pool: ${String(id)}`);
    return pool;
  }

  /**
   * Runs the core with node:crypto or the wasm arithmetic (synchronous); returns `{ status }`,
   * with the payload JSON when 0.
   */
  #core(pool, token) {
    const v = pool.verifier;
    const sink = pool.sink;
    const signatures = this.#signatures;
    sink.json = undefined;
    sink.fallback = false;
    let status = pool.node
      ? v.verifyExternal(pool.keys, token, nowSeconds(), sink, signatures)
      : v.verifyTo(pool.keys, token, nowSeconds(), sink, signatures);
    if (sink.fallback) status = v.verifyTo(pool.keys, token, nowSeconds(), sink, signatures);
    return status === 0 ? { status, json: sink.json } : { status };
  }

  /** As #core, the signature checked with WebCrypto when the pool has it. */
  async #coreAsync(pool, token) {
    const subtle = pool.subtle;
    if (!subtle) return this.#core(pool, token);
    const v = pool.verifier;
    const signatures = this.#signatures;
    // Phase 1: every check before the signature; errors come out in the core's order. A signature
    // in the cache is not asked for: the core finishes here, and WebCrypto is not called.
    const seen = new SignatureSeen();
    const first = v.verifyExternal(pool.keys, token, nowSeconds(), seen, signatures);
    if (seen.key === undefined) return first === 0 ? { status: first, json: seen.json } : { status: first };
    const { key: index, alg, signedLength, signature } = seen;
    const generation = pool.generation;
    const key = await cryptoKey(pool, index, alg);
    if (key === null || pool.generation !== generation) return this.#core(pool, token);
    let ok;
    try {
      // The signing input is ASCII (base64url segments checked by the core): bytes = UTF-16 units.
      const data = encoder.encode(token.slice(0, signedLength));
      ok = await subtle.verify(alg === RS256 ? RSA_VERIFY : EC_VERIFY, key, signature, data);
    } catch {
      return this.#core(pool, token);
    }
    // Keys replaced while WebCrypto worked: the verdict of the current keys, in wasm.
    if (pool.generation !== generation) return this.#core(pool, token);
    // Phase 2: the same checks, WebCrypto's answer for exactly this signature, then the claims.
    // Run for a refused signature too: the core gives the verdict and counts the cache miss.
    const verified = new SignatureVerified(seen, ok === true);
    const status = v.verifyExternal(pool.keys, token, nowSeconds(), verified, signatures);
    return status === 0 ? { status, json: verified.json } : { status };
  }

  #result(pool, { status, json }) {
    if (status === 0) return JSON.parse(json);
    if (status === statusOf("unknown_kid") && !pool.refresh.hasKeys()) throw unavailable(pool);
    throw statusError(status);
  }

  #checkArgs(token, pool, extra) {
    if (extra !== undefined) {
      throw configError("per-call properties are not supported: give them to create()");
    }
    checkToken(token, pool);
  }

  /**
   * Verifies with the keys already cached (`cacheJwks`, `hydrate` or an earlier `verify`).
   * @returns the token's payload
   */
  verifySync(token, extra) {
    const pool = this.#pool(token);
    this.#checkArgs(token, pool, extra);
    const payload = this.#result(pool, this.#core(pool, token));
    if (pool.customJwtCheck) {
      let r;
      try {
        r = pool.customJwtCheck({ header: header(token), payload, jwk: jwkOf(pool, header(token).kid) });
      } catch (cause) {
        throw customCheckError(cause);
      }
      if (r && typeof r.then === "function") {
        r.catch(() => {});
        throw configError("customJwtCheck is asynchronous: use verify()");
      }
    }
    return payload;
  }

  /**
   * Verifies, fetching the pool's JWKS with `fetch` when the refresh policy asks for it. The
   * signature is checked with WebCrypto unless `signatureVerifier: "wasm"` (or no `crypto.subtle`).
   * @returns the token's payload
   */
  async verify(token, extra) {
    const pool = this.#pool(token, true);
    this.#checkArgs(token, pool, extra);
    const loading = ensureKeys(pool);
    if (loading !== null) await loading;
    let outcome = pool.subtle ? await this.#coreAsync(pool, token) : this.#core(pool, token);
    if (outcome.status === statusOf("unknown_kid")) {
      const action = pool.refresh.poll(nowSeconds(), true);
      if (action === FETCH || (action === WAIT && pool.inflight)) {
        await (action === FETCH ? fetchJwks(pool) : pool.inflight);
        outcome = pool.subtle ? await this.#coreAsync(pool, token) : this.#core(pool, token);
      }
    }
    const payload = this.#result(pool, outcome);
    if (pool.customJwtCheck) {
      try {
        await pool.customJwtCheck({ header: header(token), payload, jwk: jwkOf(pool, header(token).kid) });
      } catch (cause) {
        throw customCheckError(cause);
      }
    }
    return payload;
  }

  /**
   * Loads keys for a pool (its id, or its issuer when it has none; optional with one pool).
   * @param jwks a JWKS object or its JSON text
   */
  cacheJwks(jwks, userPoolId) {
    const pool = this.#poolById(userPoolId);
    loadJwks(pool, jwks);
    pool.refresh.keysLoaded(nowSeconds());
  }

  /** Fetches every pool's JWKS now (unless cached and fresh). */
  async hydrate() {
    await Promise.all(this.#pools.map((p) => ensureKeys(p)));
  }

  /**
   * The verified-signature cache's counters: `hits` (signatures found, their check skipped),
   * `misses` (looked up and not found, then checked, valid or not) and `capacity` (entries; 0:
   * off, and both counters stay 0).
   */
  cacheStats() {
    const [hits, misses, capacity] = this.#signatures.stats();
    return { hits, misses, capacity };
  }

  /**
   * Denies, from now on, the tokens a revocation covers (code `revoked`), at `Date.now()`:
   * `{ originJti }` (a session, after Cognito's `RevokeToken`), `{ originJti, sub }` (a session
   * counted against its user: what a replica applies for another server's `signOut` that recorded
   * `"session"`), `{ jti, exp }` (one token), or `{ sub, issuedAtOrBefore }` (a user's tokens
   * issued up to then, after `GlobalSignOut`, or another server's `signOut` that recorded
   * `"subject"`). A verification still awaiting keys or WebCrypto when this returns is denied too.
   * With several pools, every pool's list records it. Throws `RevokeError`
   * (`revocation_list_full`, `empty_value`, `value_too_long`, `revocation_disabled`) when it was
   * not recorded.
   */
  revoke(revocation) {
    const r = revocationArgs(revocation);
    const now = nowSeconds();
    for (const pool of revocationOrder(this.#pools)) throwIfRefused(record(pool.verifier, r, now));
  }

  /**
   * A user's sign-out from one session, at `Date.now()`: `{ sub, originJti }` of the token they
   * signed out with. The core decides what is recorded: the session (`{ recorded: "session" }`),
   * unless the user already holds 4 live sessions, the list is 7/8 full, or the session's place
   * in it is full; then the user, every token issued until now (`{ recorded: "subject",
   * issuedAtOrBefore }`). So one user signing in and out all day holds at most 5 entries. Pass the
   * result on to replicas with `revoke({ originJti, sub })` or `revoke({ sub, issuedAtOrBefore })`.
   * Throws `RevokeError` as `revoke` does (`revocation_list_full` only when the user's own entry
   * has no room either).
   *
   * With several pools, the core decides once, on the list of the pool that records first (the
   * order of `revoke`: the longest `graceSeconds`, the list that is full first), and every other
   * pool records that same outcome with the revocation of its kind, as a replica would. So every
   * pool denies the same tokens and the answer is one, even where the lists' leeways differ and a
   * list deciding for itself could have recorded the session where the first recorded the user.
   * Should a later pool's list refuse its copy (`revocation_list_full`; it holds no more live
   * entries than the first, so only an unlucky placement in its buckets can), this throws that
   * `RevokeError` and the pools before it keep what they recorded, as with `revoke`.
   */
  signOut(signOut) {
    const { sub, originJti } = signOutArgs(signOut);
    const now = nowSeconds();
    const [first, ...others] = revocationOrder(this.#pools);
    const [status, recorded, issuedAtOrBefore] = first.verifier.signOut(sub, originJti, now);
    throwIfRefused(status);
    let r;
    if (recorded === RECORDED_SESSION) r = { kind: "session", value: originJti, sub };
    else if (recorded === RECORDED_SUBJECT) r = { kind: "sub", value: sub, time: issuedAtOrBefore };
    else throw new Error(`cognito-verify-wasm: a sign-out recorded an outcome this package does not know (${recorded})`);
    for (const pool of others) throwIfRefused(record(pool.verifier, r, now));
    return r.kind === "session" ? { recorded: "session" } : { recorded: "subject", issuedAtOrBefore };
  }

  /**
   * `{ held, capacity, contended }`: live revocations now, how many the verifier can hold (0:
   * off), and checks answered `revoked` because an entry stayed mid-write (0 in normal operation).
   */
  revocationStats() {
    const now = nowSeconds();
    let held = 0;
    let capacity = 0;
    let contended = 0;
    for (const pool of this.#pools) {
      const [h, c, k] = pool.verifier.revocationStats(now);
      held = Math.max(held, h);
      capacity = c;
      // Each check reads the list of its token's pool only: the counts add up.
      contended += k;
    }
    return { held, capacity, contended };
  }
}
