// `CognitoJwtVerifier`: one core verifier (../src/verifier.rs) for every pool, and each call's
// order of work (keys as the core's refresh policy says, engine, claims, `customJwtCheck`). The
// decisions are the core's.

import { EC_VERIFY, RS256, RSA_VERIFY, cryptoKey } from "./engines.mjs";
import { JwtParseError, configError, customCheckError, statusError, statusOf } from "./errors.mjs";
import { REFRESH, cacheJwks, encoder, jwkAt, keysFor, nowSeconds, startFetch, unavailable } from "./jwks.mjs";
import { makeState } from "./options.mjs";
import { RECORDED_SESSION, RECORDED_SUBJECT, record, revocationArgs, signOutArgs, throwIfRefused } from "./revocation.mjs";

// `how` of the core's `verify` (../src/verifier.rs): the engine, and whether to poll first.
const WASM = 0;
const SINK = 1;
const WEBCRYPTO = 2;
const POLL = 4;
// The core's statuses beyond errors: keys must be had first; WebCrypto must check the signature.
const NEED_KEYS = 0xfe;
const SIGNATURE_NEEDED = 0xfd;

/** Each verifier's state, for the package's own tests (`stateOf`): not part of the API. */
const STATES = new WeakMap();
export const stateOf = (verifier) => STATES.get(verifier);

function decodeSegment(segment) {
  const b64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function header(token) {
  try {
    return decodeSegment(token.split(".")[0]);
  } catch {
    return {};
  }
}

function checkArgs(state, token, extra) {
  if (extra !== undefined) throw configError("per-call properties are not supported: give them to create()");
  if (typeof token !== "string") throw new JwtParseError("malformed_token", "token must be a string");
  // A string of more UTF-16 units than the byte limit is too large whatever its encoding.
  if (token.length > state.maxTokenBytes) throw statusError(statusOf("token_too_large"));
}

/**
 * One wasm call through the verifier's sink: `{ status, action, pool, json, key, seen }`, read from
 * the sink before anything else runs.
 */
function call(state, record, f) {
  const sink = state.sink;
  sink.reset(record);
  const n = f(sink);
  return { status: n & 0xff, action: (n >>> 8) & 0xff, pool: n >>> 16, json: sink.json, key: sink.key, seen: sink.seen };
}

/**
 * Verifies Cognito JWTs. `create` takes one pool's properties or an array of them.
 */
export class CognitoJwtVerifier {
  #state;

  constructor(state) {
    this.#state = state;
    STATES.set(this, state);
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
    return new CognitoJwtVerifier(makeState(list, additional ?? {}));
  }

  /** The pool named by `id` (its user pool id, or its issuer when it has none; optional with one pool). */
  #poolIndex(id) {
    const pools = this.#state.pools;
    if (id === undefined) {
      if (pools.length === 1) return 0;
      throw configError("userPoolId must be given when the verifier has several pools");
    }
    const index = pools.findIndex((p) => p.id === id);
    if (index < 0) throw configError(`unknown user pool: ${String(id)}`);
    return index;
  }

  /**
   * One attempt at `token` with the engine of `verify` (WebCrypto when the runtime has it), the
   * refresh policy asked first when `poll`; starts the background fetch of a `Refresh`. The
   * outcome, or a promise of it when WebCrypto must check the signature (so that whatever the
   * core asks for, a fetch included, starts within the caller's turn).
   */
  #attempt(token, poll) {
    const state = this.#state;
    const how = (state.subtle ? WEBCRYPTO : state.node ? SINK : WASM) | (poll ? POLL : 0);
    const first = call(state, (how & 3) === WEBCRYPTO, (s) => state.core.verify(token, nowSeconds(), s, how));
    if (first.action === REFRESH) startFetch(state, first.pool);
    return first.status === SIGNATURE_NEEDED ? this.#webcrypto(token, first.seen) : first;
  }

  /**
   * The rest of a WebCrypto verification: WebCrypto checks what the first call handed over, and
   * the core reads the token again with its answer, which counts for exactly that signature (a
   * parsed token lives within one wasm call, and WebCrypto answers after an await).
   */
  async #webcrypto(token, { pool, key, alg, signedLength, signature }) {
    const state = this.#state;
    const core = state.core;
    const inWasm = () => call(state, false, (s) => core.verify(token, nowSeconds(), s, WASM));
    const generation = core.generation(pool);
    const cryptoKeyOf = await cryptoKey(state, pool, key, alg);
    if (cryptoKeyOf === null || core.generation(pool) !== generation) return inWasm();
    let ok;
    try {
      // The signing input is ASCII (base64url segments checked by the core): bytes = UTF-16 units.
      const data = encoder.encode(token.slice(0, signedLength));
      ok = await state.subtle.verify(alg === RS256 ? RSA_VERIFY : EC_VERIFY, cryptoKeyOf, signature, data);
    } catch {
      return inWasm();
    }
    // Keys replaced while WebCrypto worked: the verdict of the current keys, in wasm.
    if (core.generation(pool) !== generation) return inWasm();
    // Run for a refused signature too: the core gives the verdict and counts the cache miss.
    return call(state, false, (s) => core.finish(token, nowSeconds(), s, key, signature, ok === true));
  }

  /** The payload of an accepted token, or the error of its status. */
  #payload({ status, pool, json }) {
    if (status === 0) return JSON.parse(json);
    if (status === statusOf("jwks_unavailable") || status === NEED_KEYS) throw unavailable(this.#state, pool);
    throw statusError(status);
  }

  /** `customJwtCheck`'s argument: the header, the payload, and the JWK of the key the core used. */
  #checkArgument(token, payload, { pool, key }) {
    return { header: header(token), payload, jwk: jwkAt(this.#state, pool, key) };
  }

  /**
   * Verifies with the keys already held (`cacheJwks`, `hydrate` or an earlier `verify`).
   * @returns the token's payload
   */
  verifySync(token, extra) {
    const state = this.#state;
    checkArgs(state, token, extra);
    const how = state.node ? SINK : WASM;
    const outcome = call(state, false, (s) => state.core.verify(token, nowSeconds(), s, how));
    const payload = this.#payload(outcome);
    const check = state.pools[outcome.pool].customJwtCheck;
    if (check) {
      let r;
      try {
        r = check(this.#checkArgument(token, payload, outcome));
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
   * Verifies, fetching the pool's JWKS with `fetch` when the core's refresh policy asks for it.
   * The signature is checked with WebCrypto unless `signatureVerifier: "wasm"` (or no `crypto.subtle`).
   * @returns the token's payload
   */
  async verify(token, extra) {
    const state = this.#state;
    checkArgs(state, token, extra);
    // Not awaited unless it is a promise: a fetch the core asks for starts within this turn.
    let outcome = this.#attempt(token, true);
    if (outcome instanceof Promise) outcome = await outcome;
    if (outcome.status === NEED_KEYS) {
      await keysFor(state, outcome.pool, false, outcome.action);
      outcome = await this.#attempt(token, false);
    }
    if (outcome.status === statusOf("unknown_kid")) {
      await keysFor(state, outcome.pool, true);
      outcome = await this.#attempt(token, false);
    }
    const payload = this.#payload(outcome);
    const check = state.pools[outcome.pool].customJwtCheck;
    if (check) {
      // Read before awaiting: the key set may be replaced while the check runs.
      const argument = this.#checkArgument(token, payload, outcome);
      try {
        await check(argument);
      } catch (cause) {
        throw customCheckError(cause);
      }
    }
    return payload;
  }

  /**
   * Installs keys in a pool (its id, or its issuer when it has none; optional with one pool), as
   * if just fetched.
   * @param jwks a JWKS object or its JSON text
   */
  cacheJwks(jwks, userPoolId) {
    cacheJwks(this.#state, this.#poolIndex(userPoolId), jwks);
  }

  /** Fetches every pool's JWKS now, as the core's refresh policy allows (not while fresh). */
  async hydrate() {
    const state = this.#state;
    await Promise.all(state.pools.map((_, i) => keysFor(state, i, false, undefined, true)));
  }

  /**
   * The verified-signature cache's counters: `hits` (signatures found, their check skipped),
   * `misses` (looked up and not found, then checked, valid or not) and `capacity` (entries; 0:
   * off, and both counters stay 0).
   */
  signatureCacheStats() {
    const [hits, misses, capacity] = this.#state.core.signatureCacheStats();
    return { hits, misses, capacity };
  }

  /**
   * Denies, from now on, the tokens a revocation covers (code `revoked`), at `Date.now()`:
   * `{ originJti }` (a session, after Cognito's `RevokeToken`), `{ originJti, sub }` (a session
   * counted against its user: what a replica applies for another server's `signOut` that recorded
   * `"session"`), `{ jti, exp }` (one token), or `{ sub, issuedAtOrBefore }` (a user's tokens
   * issued up to then, after `GlobalSignOut`, or another server's `signOut` that recorded
   * `"subject"`). A verification still awaiting keys or WebCrypto when this returns is denied too.
   * The verifier has one list, whatever its number of pools. Throws `RevokeError`
   * (`revocation_list_full`, `empty_value`, `value_too_long`, `revocation_disabled`) when it was
   * not recorded.
   */
  revoke(revocation) {
    const r = revocationArgs(revocation);
    throwIfRefused(record(this.#state.core, r, nowSeconds()));
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
   */
  signOut(signOut) {
    const { sub, originJti } = signOutArgs(signOut);
    const [status, recorded, issuedAtOrBefore] = this.#state.core.signOut(sub, originJti, nowSeconds());
    throwIfRefused(status);
    if (recorded === RECORDED_SESSION) return { recorded: "session" };
    if (recorded === RECORDED_SUBJECT) return { recorded: "subject", issuedAtOrBefore };
    throw new Error(`cognito-verify-wasm: a sign-out recorded an outcome this package does not know (${recorded})`);
  }

  /**
   * `{ held, capacity, contended }`: live revocations now, how many the verifier can hold (0:
   * off), and checks answered `revoked` because an entry stayed mid-write (0 in normal operation).
   */
  revocationStats() {
    const [held, capacity, contended] = this.#state.core.revocationStats(nowSeconds());
    return { held, capacity, contended };
  }
}
