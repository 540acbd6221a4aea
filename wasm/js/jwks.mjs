// Each pool's keys, as the core's refresh policy says: JS asks `poll` and does exactly what it
// answers (keysFor), carries out the fetches (a timeout, a body size limit, redirects held to the
// core's URL rule) and reports them; the core judges every document. JS keeps the document of the
// keys the core holds, for the signature engines and `customJwtCheck` (jwkAt).

import { FetchError, JwksNotAvailableInCacheError, JwksValidationError, statusError, statusOf } from "./errors.mjs";

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export const encoder = new TextEncoder();
const utf8 = new TextDecoder();

// The core's answers to `poll` (../src/keys.rs).
export const USE_CACHED = 1;
export const FETCH = 2;
export const WAIT = 3;
export const UNAVAILABLE = 4;
export const REFRESH = 5;

function jwksTooLarge() {
  return statusError(statusOf("jwks_too_large"));
}

/**
 * The body of `res`, at most `limit` bytes: read as a stream and cut off at the limit (a hostile
 * or broken server cannot make us buffer more), or refused at once by its Content-Length.
 */
async function readBody(res, limit) {
  const declared = Number(res.headers?.get?.("content-length"));
  const body = res.body;
  if (declared > limit) {
    body?.cancel?.().catch(() => {});
    throw jwksTooLarge();
  }
  if (body && typeof body.getReader === "function") {
    const reader = body.getReader();
    const chunks = [];
    let n = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.byteLength;
      if (n > limit) {
        reader.cancel().catch(() => {});
        throw jwksTooLarge();
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(n);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.byteLength;
    }
    return bytes;
  }
  // A fetch without streams (some polyfills): the limit applies once the body is read.
  const bytes = encoder.encode(await res.text());
  if (bytes.length > limit) throw jwksTooLarge();
  return bytes;
}

/** `cacheJwks`'s argument (an object, its JSON text, or bytes) as bytes for the core. */
export function jwksBytes(jwks, limit) {
  let text;
  if (jwks instanceof Uint8Array || typeof jwks === "string") {
    text = jwks;
  } else if (jwks !== null && typeof jwks === "object") {
    try {
      text = JSON.stringify(jwks);
    } catch (cause) {
      throw new JwksValidationError("malformed_jwks", "JWKS cannot be serialised", { cause });
    }
  }
  if (typeof text !== "string" && !(text instanceof Uint8Array)) {
    throw new JwksValidationError("malformed_jwks", "JWKS must be an object or a JSON string");
  }
  // UTF-8 never has fewer bytes than UTF-16 units: a longer string is too large without copying
  // it into wasm (the core counts the bytes of the others).
  if (text.length > limit) throw jwksTooLarge();
  return typeof text === "string" ? encoder.encode(text) : text;
}

/** The core installed `bytes` as pool `pool`'s keys: keep the document for the engines. */
export function installed(state, pool, bytes) {
  const p = state.pools[pool];
  p.doc = bytes;
  p.docGeneration = state.core.generation(pool);
  p.parsed = undefined;
  p.jwks = new Map();
  p.retryAt = 0;
}

/** `cacheJwks`: installs a document in pool `pool` as if just fetched. */
export function cacheJwks(state, pool, jwks) {
  const bytes = jwksBytes(jwks, state.maxJwksBytes);
  const status = state.core.loadJwks(pool, bytes, nowSeconds());
  if (status !== 0) throw statusError(status);
  installed(state, pool, bytes);
}

/** GETs pool `p`'s JWKS: its bytes, or throws why not. */
function download(state, p) {
  return fetchBytes(state.fetch, p.jwksUri, {
    what: "JWKS",
    timeoutMs: state.requestTimeoutMs,
    limit: state.maxJwksBytes,
    init: { headers: { accept: "application/json" } },
    // A redirect is held to the core's URL rule: never from https to plain http.
    urlAllowed: (url) => state.core.urlAllowed(url),
  });
}

/**
 * GETs `url` with `fetch`: its body (at most `limit` bytes), or throws a `FetchError` saying why
 * not. The timeout (the core's `request_timeout`) holds even for a `fetch` that ignores its
 * signal: the answer races a timer. A redirect must end at a URL `urlAllowed` accepts.
 */
export async function fetchBytes(fetch, url, { what, timeoutMs, limit, init, urlAllowed }) {
  let timer;
  try {
    const controller = typeof AbortController === "function" ? new AbortController() : null;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => {
        controller?.abort();
        reject(new FetchError("jwks_unavailable", `${what} fetch from ${url} timed out after ${timeoutMs / 1000} s`));
      }, timeoutMs);
    });
    timeout.catch(() => {});
    const request = { ...init };
    if (controller) request.signal = controller.signal;
    const res = await Promise.race([fetch(url, request), timeout]);
    if (!res || !res.ok) {
      throw new FetchError("jwks_unavailable", `${what} fetch from ${url} failed: HTTP ${res?.status}`);
    }
    const finalUrl = res.redirected && typeof res.url === "string" && res.url ? res.url : undefined;
    if (finalUrl && !urlAllowed(finalUrl)) {
      res.body?.cancel?.().catch(() => {});
      throw new FetchError("jwks_unavailable", `${what} fetch from ${url} redirected to ${finalUrl}, which is not allowed`);
    }
    return await Promise.race([readBody(res, limit), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reports the outcome of the fetch `poll` asked for: the body (the core installs it, or counts
 * the fetch failed when it has no usable key), or the error. Returns the core's status (0: installed).
 */
export function report(state, pool, bytes, error) {
  const p = state.pools[pool];
  const now = nowSeconds();
  if (bytes) {
    const status = state.core.fetchSucceeded(pool, now, bytes);
    if (status === 0) installed(state, pool, bytes);
    p.lastFetchError = status === 0 ? null : statusError(status);
    return status;
  }
  state.core.fetchFailed(pool, now);
  p.lastFetchError = error ?? null;
  return -1;
}

/** Starts the fetch `poll` asked for; the promise (which never rejects) ends once it is reported. */
export function startFetch(state, pool) {
  const p = state.pools[pool];
  let run = null;
  run = (async () => {
    let bytes = null;
    let error = null;
    try {
      bytes = await download(state, p);
    } catch (e) {
      error = e;
    }
    report(state, pool, bytes, error);
    if (p.inflight === run) p.inflight = null;
  })();
  p.inflight = run;
  return run;
}

/** `jwks_unavailable` for pool `pool`, with the last fetch's error as the cause and when to retry. */
export function unavailable(state, pool) {
  const p = state.pools[pool];
  const cause = p?.lastFetchError ?? undefined;
  const message = `no JWKS available for ${p?.id} (${p?.jwksUri})`;
  const err = cause
    ? new FetchError("jwks_unavailable", message, { cause })
    : new JwksNotAvailableInCacheError("jwks_unavailable", message);
  if (p?.retryAt > 0) err.retryAt = p.retryAt;
  return err;
}

/**
 * Does what the core's refresh policy says about pool `pool`'s keys (`unknownKid`: after a token
 * named a kid they lack), starting from `action` when already asked: use the keys held, fetch (and
 * wait), wait for the fetch under way, refresh (fetch, and meanwhile use the keys held), or throw
 * `jwks_unavailable`. `hydrate`: wait for any fetch, a refresh too, and throw when no keys came.
 */
export async function keysFor(state, pool, unknownKid, action, hydrate = false) {
  const p = state.pools[pool];
  for (let round = 0; round < 4; round++) {
    if (round > 0 || action === undefined) action = state.core.poll(pool, nowSeconds(), unknownKid);
    if (action === UNAVAILABLE) {
      p.retryAt = state.core.retryAt();
      throw unavailable(state, pool);
    }
    if (action === FETCH || (action === REFRESH && hydrate)) {
      await startFetch(state, pool);
    } else if (action === REFRESH) {
      startFetch(state, pool);
      return;
    } else if (action === WAIT || (hydrate && p.inflight)) {
      if (!p.inflight) break;
      await p.inflight;
    } else {
      return;
    }
  }
  if (hydrate && !state.core.hasKeys(pool)) throw unavailable(state, pool);
}

/**
 * The JWK of the key named `kid` in pool `pool`'s key set: the key the core takes for a token of
 * that kid (kids are unique in a set), when only the kid is known (a token the memo answered).
 */
export function jwkOfKid(state, pool, kid) {
  if (typeof kid !== "string") return undefined;
  for (let i = 0; ; i++) {
    const k = state.core.kid(pool, i);
    if (k === undefined) return undefined;
    if (k === kid) return jwkAt(state, pool, i);
  }
}

/**
 * The JWK of the key at `index` of pool `pool`'s key set (the core's choice for a token), from the
 * document installed; undefined when unknown (the engines then leave the token to wasm). A kid
 * named by several JWKs is the first the core finds usable, as when it loaded the set.
 */
export function jwkAt(state, pool, index) {
  const p = state.pools[pool];
  if (p === undefined || p.docGeneration !== state.core.generation(pool)) return undefined;
  if (p.jwks.has(index)) return p.jwks.get(index);
  if (p.parsed === undefined) {
    try {
      p.parsed = JSON.parse(utf8.decode(p.doc));
    } catch {
      p.parsed = null;
    }
  }
  const kid = state.core.kid(pool, index);
  const keys = p.parsed?.keys;
  let jwk;
  if (kid !== undefined && Array.isArray(keys)) {
    const named = keys.filter((k) => k !== null && typeof k === "object" && k.kid === kid);
    jwk = named.length <= 1 ? named[0] : named.find((k) => state.core.keyUsable(encoder.encode(JSON.stringify({ keys: [k] }))));
  }
  p.jwks.set(index, jwk);
  return jwk;
}
