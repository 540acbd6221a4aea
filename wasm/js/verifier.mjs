// `CognitoJwtVerifier`: one core verifier (../src/verifier.rs) for every pool, and each call's
// order of work (keys as the core's refresh policy says, engine, claims, `customJwtCheck`). The
// decisions are the core's.
//
// The verdict memo (../src/memo.rs): a token seen before is looked up here, in `state.memo`, a
// `Map` to the token, the handle of the core's memo entry, its pool, and its payload (JSON until
// the first hit here, then parsed), bounded by the memo's entries (the oldest goes first). A
// token verified for the first time is only noted as seen, in `state.seen` (no handle: taking one
// costs the core another lookup of the whole token, for tokens a server may see once); the next
// time the glue asks the core to keep it (`KEEP`), and from then on finds it here. Both hold at
// most the memo's entries of tokens. They are keyed by a number made
// from the token's length and its last characters (`memoKey`: V8 would otherwise hash the whole
// string, a new one per request, 3 us for a Cognito token), and an entry serves only the token it
// holds, compared whole. A hit never answers on its own: one wasm call, `recheck`, has the core
// re-check every claim at `now` (nothing of the token crosses), `customJwtCheck` runs as on any
// verification, and the caller gets a copy of the payload. A miss, or a handle the core no longer
// honours, verifies in full.

import { EC_VERIFY, NO_HANDLE, RS256, RSA_VERIFY, cryptoKey } from "./engines.mjs";
import { JwtParseError, configError, customCheckError, statusError, statusOf } from "./errors.mjs";
import { REFRESH, cacheJwks, encoder, jwkAt, jwkOfKid, keysFor, nowSeconds, startFetch, unavailable } from "./jwks.mjs";
import { makeState } from "./options.mjs";
import { RECORDED_SESSION, RECORDED_SUBJECT, record, revocationArgs, signOutArgs, throwIfRefused } from "./revocation.mjs";

// `how` of the core's `verify` (../src/verifier.rs): the engine, and whether to poll first.
const WASM = 0;
const SINK = 1;
const WEBCRYPTO = 2;
const POLL = 4;
const NO_MEMO = 8;
const KEEP = 16;
// `how` of the core's `finish`: WebCrypto said valid.
const VALID_ANSWER = 1;
// The core's statuses beyond errors: keys must be had first; WebCrypto must check the signature;
// a memo handle (`recheck`) or a token set aside for WebCrypto (`finish`) no longer usable.
const NEED_KEYS = 0xfe;
const SIGNATURE_NEEDED = 0xfd;
const STALE = 0xfc;

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
 * Writes `token` as UTF-8 where the core reads the next call's token: straight into wasm memory,
 * no allocation and no call into wasm unless the place must grow (or wasm memory grew, which
 * detaches the view: its length reads 0). Its length in bytes, for that call.
 */
function put(state, token) {
  let view = state.input;
  // A token is ASCII, or malformed: then up to 3 bytes a UTF-16 unit.
  if (view.length < token.length) view = room(state, token.length);
  let { read, written } = encoder.encodeInto(token, view);
  if (read !== token.length) {
    view = room(state, token.length * 3);
    ({ written } = encoder.encodeInto(token, view));
  }
  return written;
}

/** At least `len` bytes where the core reads the next call's token (`input` in ../src/verifier.rs). */
function room(state, len) {
  const at = state.core.input(len);
  if (at === 0) throw statusError(statusOf("token_too_large"));
  return (state.input = new Uint8Array(state.memory.buffer, at, len));
}

/** A copy of a parsed JSON value that shares nothing with it. */
function copyJson(v) {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    const a = new Array(v.length);
    for (let i = 0; i < v.length; i++) a[i] = copyJson(v[i]);
    return a;
  }
  const o = {};
  for (const k of Object.keys(v)) define(o, k, copyJson(v[k]));
  return o;
}

/** Sets claim `k` of `o`: an own "__proto__" claim stays a claim, as JSON.parse makes it. */
function define(o, k, value) {
  if (k === "__proto__") Object.defineProperty(o, k, { value, writable: true, enumerable: true, configurable: true });
  else o[k] = value;
}

/**
 * What a caller gets of a payload the memo index keeps: a copy that shares nothing with it, made
 * by spreading the payload (a copy of its shape at once) and copying only the claims that hold
 * objects or arrays (`nested`, found once). Measured 5x faster than a walk of every claim, and
 * than JSON.parse of the payload again; `structuredClone` is slower still.
 */
function copyPayload(payload, nested) {
  const o = { ...payload };
  for (let i = 0; i < nested.length; i++) define(o, nested[i], copyJson(payload[nested[i]]));
  return o;
}

/**
 * The memo index's key of `token`: its length and last 12 characters (the end of the signature,
 * 72 bits of it for a signed token). Two tokens may share one; an entry serves only its own token.
 */
export function memoKey(token) {
  const n = token.length;
  let h = n;
  for (let i = Math.max(0, n - 12); i < n; i++) h = (Math.imul(h, 31) + token.charCodeAt(i)) | 0;
  return h;
}

/**
 * Notes `token`, just accepted: indexed with the handle of the entry the core kept for the glue,
 * or (`sink.handle` NO_HANDLE) as seen once, so that the next verification asks the core to keep
 * it. A token seen once only takes its slot of `state.seen` (by its key, the previous token of
 * that slot forgotten): this runs for every new token, and a slot costs one store where the
 * index's `Map` costs a delete, an insert and an object. A note lost to another token only costs
 * the `KEEP` of a token the core's memo dropped: the core's lookup still answers the others.
 */
function remember(state, token, sink) {
  const { handle, stamp, pool } = sink;
  const key = memoKey(token);
  const seen = state.seen;
  const at = key & (seen.length - 1);
  if (handle === NO_HANDLE) {
    seen[at] = token;
    return;
  }
  if (seen[at] === token) seen[at] = undefined;
  const memo = state.memo;
  // The newest of two tokens of one key stays.
  memo.delete(key);
  if (memo.size >= state.memoCapacity) memo.delete(memo.keys().next().value);
  memo.set(key, { token, handle, stamp, pool, json: sink.json, payload: undefined, nested: undefined });
}

/**
 * One wasm call through the verifier's sink: `{ status, action, pool, key, payload, seen }`, read
 * from the sink before anything else runs; the payload of an accepted token parsed, and the
 * token noted (`remember`).
 */
function call(state, token, record, f) {
  const sink = state.sink;
  sink.reset(record);
  const n = f(sink);
  const status = n & 0xff;
  let payload;
  if (status === 0) {
    payload = JSON.parse(sink.json);
    if (state.memo !== null) remember(state, token, sink);
  }
  return { status, action: (n >>> 8) & 0xff, pool: n >>> 16, key: sink.key, payload, seen: sink.seen };
}

/** `recall`'s answer for a token seen once: verify it, and ask the core to keep it (`KEEP`). */
const SEEN = Object.freeze({});

/**
 * A token of the memo index, re-checked by the core at `now` (polling the refresh policy when
 * `poll`): the outcome; `SEEN` for a token seen before but without a usable handle (seen once, or
 * its handle refused: keys replaced, slot reused); or undefined when it is not indexed.
 */
function recall(state, token, now, poll) {
  const key = memoKey(token);
  const entry = state.memo.get(key);
  if (entry === undefined || entry.token !== token) {
    const seen = state.seen;
    return seen[key & (seen.length - 1)] === token ? SEEN : undefined;
  }
  const n = state.core.recheck(entry.handle, entry.stamp, now, poll);
  const status = n & 0xff;
  if (status === STALE) {
    // Verified in full, and kept again.
    state.memo.delete(key);
    return SEEN;
  }
  if (status !== 0) return { status, action: (n >>> 8) & 0xff, pool: entry.pool, key: NO_HANDLE, payload: undefined, seen: null };
  if (entry.payload === undefined) {
    // The first hit here: the payload parsed once, and which claims hold objects or arrays.
    const p = (entry.payload = JSON.parse(entry.json));
    entry.json = undefined;
    entry.nested = Object.keys(p).filter((k) => typeof p[k] === "object" && p[k] !== null);
  }
  const payload = copyPayload(entry.payload, entry.nested);
  return { status, action: (n >>> 8) & 0xff, pool: entry.pool, key: NO_HANDLE, payload, seen: null };
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
   * refresh policy asked first when `poll`, the memo index and then the core's memo first unless
   * `retry`; starts the background fetch of a `Refresh`. The outcome, or a promise of it when
   * WebCrypto must check the signature (so that whatever the core asks for, a fetch included,
   * starts within the caller's turn).
   */
  #attempt(token, poll, retry) {
    const state = this.#state;
    const now = nowSeconds();
    const hit = state.memo !== null && !retry ? recall(state, token, now, poll) : undefined;
    if (hit !== undefined && hit !== SEEN) {
      if (hit.action === REFRESH) startFetch(state, hit.pool);
      return hit;
    }
    const how = (state.subtle ? WEBCRYPTO : state.node ? SINK : WASM) | (poll ? POLL : 0) | (retry ? NO_MEMO : 0) | (hit === SEEN ? KEEP : 0);
    const first = call(state, token, (how & 3) === WEBCRYPTO, (s) => state.core.verify(put(state, token), now, s, how));
    if (first.action === REFRESH) startFetch(state, first.pool);
    return first.status === SIGNATURE_NEEDED ? this.#webcrypto(token, first.seen, how & KEEP) : first;
  }

  /**
   * The rest of a WebCrypto verification: WebCrypto checks what the first call handed over, and
   * the core finishes the token it set aside then (`slot`, `stamp`) with the answer, which counts
   * for exactly that signature and key: no token text crosses again and nothing is parsed again.
   * When the core cannot use the answer (`STALE`: keys replaced meanwhile, or its slot reused),
   * or WebCrypto cannot answer, the token is verified in wasm instead.
   */
  async #webcrypto(token, { pool, key, alg, signedLength, signature, slot, stamp }, keep) {
    const state = this.#state;
    const core = state.core;
    const inWasm = () => {
      core.release(slot, stamp);
      return call(state, token, false, (s) => core.verify(put(state, token), nowSeconds(), s, WASM | NO_MEMO | keep));
    };
    const generation = core.generation(pool);
    const cryptoKeyOf = await cryptoKey(state, pool, key, alg);
    // Keys replaced while importing: the answer could not count, so WebCrypto is not asked.
    if (cryptoKeyOf === null || core.generation(pool) !== generation) return inWasm();
    let ok;
    try {
      // The signing input is ASCII (base64url segments checked by the core): bytes = UTF-16 units.
      const data = encoder.encode(token.slice(0, signedLength));
      ok = await state.subtle.verify(alg === RS256 ? RSA_VERIFY : EC_VERIFY, cryptoKeyOf, signature, data);
    } catch {
      return inWasm();
    }
    // Run for a refused signature too: the core gives the verdict and counts the cache miss.
    const how = (ok === true ? VALID_ANSWER : 0) | keep;
    const done = call(state, token, false, (s) => core.finish(slot, stamp, nowSeconds(), s, key, signature, how));
    return done.status === STALE ? inWasm() : done;
  }

  /** The payload of an accepted token, or the error of its status. */
  #payload({ status, pool, payload }) {
    if (status === 0) return payload;
    if (status === statusOf("jwks_unavailable") || status === NEED_KEYS) throw unavailable(this.#state, pool);
    throw statusError(status);
  }

  /**
   * `customJwtCheck`'s argument: the header, the payload, and the JWK of the key the core used
   * (found by the header's kid when the core's memo answered: it does not read the token).
   */
  #checkArgument(token, payload, { pool, key }) {
    const h = header(token);
    const jwk = key === NO_HANDLE ? jwkOfKid(this.#state, pool, h.kid) : jwkAt(this.#state, pool, key);
    return { header: h, payload, jwk };
  }

  /**
   * Verifies with the keys already held (`cacheJwks`, `hydrate` or an earlier `verify`).
   * @returns the token's payload
   */
  verifySync(token, extra) {
    const state = this.#state;
    checkArgs(state, token, extra);
    const now = nowSeconds();
    const hit = state.memo !== null ? recall(state, token, now, false) : undefined;
    const how = (state.node ? SINK : WASM) | (hit === SEEN ? KEEP : 0);
    const outcome = hit !== undefined && hit !== SEEN ? hit : call(state, token, false, (s) => state.core.verify(put(state, token), now, s, how));
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
    let outcome = this.#attempt(token, true, false);
    if (outcome instanceof Promise) outcome = await outcome;
    if (outcome.status === NEED_KEYS) {
      await keysFor(state, outcome.pool, false, outcome.action);
      outcome = await this.#attempt(token, false, true);
    }
    if (outcome.status === statusOf("unknown_kid")) {
      await keysFor(state, outcome.pool, true);
      outcome = await this.#attempt(token, false, true);
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
   * The verdict memo's counters, the core's: `hits` (tokens answered by re-checking their claims),
   * `misses` (looked up and not found, or found under keys since replaced: verified in full), one
   * lookup per verification; `capacity` (entries; 0: off, and both counters stay 0), `maxBytes`
   * and `bytes` (what it may hold and holds).
   */
  verdictMemoStats() {
    const [hits, misses, capacity, maxBytes, bytes] = this.#state.core.verdictMemoStats();
    return { hits, misses, capacity, maxBytes, bytes };
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
