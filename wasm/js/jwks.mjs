// The pool's key set: JWKS loading (the core judges the document), fetching over HTTP (a timeout,
// a body size limit, redirects held to the core's URL rule) when the core's refresh policy asks,
// and the cached JWKS as an object for the signature engines and `customJwtCheck`.

import { jwksUrlAllowed } from "./cognito_verify_wasm.js";
import { FetchError, JwksNotAvailableInCacheError, JwksValidationError, statusError, statusOf } from "./errors.mjs";

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export const encoder = new TextEncoder();
const utf8 = new TextDecoder();

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

export function loadJwks(pool, jwks) {
  let text;
  if (jwks instanceof Uint8Array) {
    text = jwks;
  } else if (typeof jwks === "string") {
    text = jwks;
  } else if (jwks !== null && typeof jwks === "object") {
    try {
      text = JSON.stringify(jwks);
    } catch (cause) {
      throw new JwksValidationError("malformed_jwks", "JWKS cannot be serialised", { cause });
    }
  } else {
    throw new JwksValidationError("malformed_jwks", "JWKS must be an object or a JSON string");
  }
  if (typeof text !== "string" && !(text instanceof Uint8Array)) {
    throw new JwksValidationError("malformed_jwks", "JWKS must be an object");
  }
  // UTF-8 never has fewer bytes than UTF-16 units: a longer string is too large without copying
  // it into wasm (the core counts the bytes of the others).
  if (text.length > pool.maxJwksLength) throw jwksTooLarge();
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  // The core's key-set rules: the size limit, and no document without a usable key replaces keys.
  const status = pool.keys.load(pool.verifier, bytes);
  if (status !== 0) throw statusError(status);
  pool.jwksBytes = bytes;
  pool.jwksDoc = undefined;
  pool.generation++;
  pool.cryptoKeys = new Map();
  pool.nodeKeys = [];
}

export function fetchJwks(pool) {
  pool.inflight = (async () => {
    let ok = false;
    let timer;
    try {
      // The timeout holds even for a `fetch` that ignores its signal: the answer races a timer.
      const controller = typeof AbortController === "function" ? new AbortController() : null;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => {
          controller?.abort();
          reject(new FetchError("jwks_unavailable", `JWKS fetch from ${pool.jwksUri} timed out after ${pool.fetchTimeoutMs / 1000} s`));
        }, pool.fetchTimeoutMs);
      });
      timeout.catch(() => {});
      const init = { headers: { accept: "application/json" } };
      if (controller) init.signal = controller.signal;
      const res = await Promise.race([pool.fetch(pool.jwksUri, init), timeout]);
      if (!res || !res.ok) {
        throw new FetchError("jwks_unavailable", `JWKS fetch from ${pool.jwksUri} failed: HTTP ${res?.status}`);
      }
      // A redirect is held to the core's URL rule: never from https to plain http.
      const finalUrl = res.redirected && typeof res.url === "string" && res.url ? res.url : undefined;
      if (finalUrl && !jwksUrlAllowed(finalUrl, pool.allowInsecureHttp)) {
        res.body?.cancel?.().catch(() => {});
        throw new FetchError("jwks_unavailable", `JWKS fetch from ${pool.jwksUri} redirected to ${finalUrl}, which is not https`);
      }
      const bytes = await Promise.race([readBody(res, pool.maxJwksLength), timeout]);
      loadJwks(pool, bytes);
      ok = true;
      pool.lastFetchError = null;
    } catch (err) {
      pool.lastFetchError = err;
    } finally {
      clearTimeout(timer);
      pool.refresh.fetched(nowSeconds(), ok);
      pool.inflight = null;
    }
  })();
  return pool.inflight;
}

export const USE_CACHED = 0;
export const FETCH = 1;
export const WAIT = 2;

export function unavailable(pool) {
  const cause = pool.lastFetchError ?? undefined;
  const message = `no JWKS available for ${pool.id} (${pool.jwksUri})`;
  const err = cause
    ? new FetchError("jwks_unavailable", message, { cause })
    : new JwksNotAvailableInCacheError("jwks_unavailable", message);
  const retryAt = pool.refresh.retryAt();
  if (retryAt > 0) err.retryAt = retryAt;
  return err;
}

/**
 * Carries out what the refresh policy asks before using the keys: null when the cached keys are
 * to be used (the common case, answered without a promise), else a promise.
 */
export function ensureKeys(pool) {
  const action = pool.refresh.poll(nowSeconds(), false);
  return action === USE_CACHED ? null : ensureKeysSlow(pool, action);
}

async function ensureKeysSlow(pool, action) {
  for (let i = 0; i < 4; i++) {
    if (i > 0) action = pool.refresh.poll(nowSeconds(), false);
    if (action === USE_CACHED) return;
    if (action === FETCH) await fetchJwks(pool);
    else if (action === WAIT && pool.inflight) await pool.inflight;
    else if (pool.refresh.hasKeys()) return;
    else throw unavailable(pool);
  }
  if (!pool.refresh.hasKeys()) throw unavailable(pool);
}

/** The cached JWKS as an object (parsed once per load). */
function jwksDoc(pool) {
  if (pool.jwksDoc === undefined) {
    try {
      pool.jwksDoc = JSON.parse(utf8.decode(pool.jwksBytes));
    } catch {
      pool.jwksDoc = null;
    }
  }
  return pool.jwksDoc;
}

export function jwkOf(pool, kid) {
  return jwksDoc(pool)?.keys?.find?.((k) => k?.kid === kid);
}

/**
 * The JWK of the cached JWKS the core found for `kid`: only when exactly one entry has that kid,
 * so that it is certainly the one the core accepted (with a repeated kid the core takes the first
 * usable entry, which JS would have to re-judge; such a JWKS is verified in wasm instead).
 */
export function uniqueJwk(pool, kid) {
  const keys = jwksDoc(pool)?.keys;
  if (!Array.isArray(keys)) return undefined;
  let found;
  for (const k of keys) {
    if (k !== null && typeof k === "object" && k.kid === kid) {
      if (found !== undefined) return undefined;
      found = k;
    }
  }
  return found;
}
