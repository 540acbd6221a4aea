// The aws-jwt-verify-shaped API over the wasm core (see ../src/lib.rs for the low-level layer).
//
// Every decision is the core's (the configuration and its pool ids, issuers and JWKS URLs, which
// pool a token belongs to, which key set may replace another): this file checks argument types
// (so nothing hostile reaches wasm), carries out the JWKS fetches the core's refresh policy asks
// for, and turns status numbers into Error subclasses carrying the core's stable `.code`.
//
// Where the signature math runs (`signatureVerifier`):
// - "node" (Node's entry): `node:crypto`, synchronously, for `verifySync` and `verify`, in the middle
//   of one wasm call: the core runs every check, calls back into JS with views of the signing input
//   and the signature, and checks the claims once JS said yes (`verifyExternal`).
// - "webcrypto" (`verify` in browsers and Workers): the core runs every check up to the signature
//   and hands over what to verify (a first `verifyExternal`, whose check records it and answers
//   "not now"), WebCrypto verifies it, and the core runs again with WebCrypto's answer for exactly
//   that signature and checks the claims (a second `verifyExternal`). `verifySync` stays in wasm.
// - "wasm": the core's own arithmetic.
// Whenever the platform cannot give the answer (no usable key, keys replaced meanwhile, an
// exception), the token is verified in wasm instead: the verdict is the core's either way.
//
// The verified-signature cache (`signatureCache`, one per verifier, shared by its pools) is the
// core's, on every path: each wasm call above looks the token's signature up first and, when found,
// skips only the engine (a WebCrypto verification then ends with its first call); the core counts
// hits and misses and stores a token only after every check passed.

import {
  Keys,
  PoolRouter,
  Refresh,
  Signatures,
  WasmVerifier,
  errorCodes,
  errorMessage,
  jwksUrlAllowed,
  limits,
} from "./cognito_verify_wasm.js";
import { platform } from "./platform.mjs";

// ---------------------------------------------------------------------------------------------
// Errors

/** Base class of every error this package throws; `.code` is a stable snake_case code. */
export class JwtVerificationError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
/** The name aws-jwt-verify gives its base class. */
export { JwtVerificationError as JwtBaseError };

export class ParameterValidationError extends JwtVerificationError {}
export class JwtParseError extends JwtVerificationError {}
export class JwtInvalidSignatureAlgorithmError extends JwtVerificationError {}
export class JwtWithoutValidKidError extends JwtVerificationError {}
export class KidNotFoundInJwksError extends JwtVerificationError {}
export class JwtInvalidSignatureError extends JwtVerificationError {}
export class JwtInvalidClaimError extends JwtVerificationError {}
export class JwtExpiredError extends JwtInvalidClaimError {}
export class JwtNotBeforeError extends JwtInvalidClaimError {}
export class JwtInvalidIssuerError extends JwtInvalidClaimError {}
export class JwtInvalidScopeError extends JwtInvalidClaimError {}
export class CognitoJwtInvalidTokenUseError extends JwtInvalidClaimError {}
export class CognitoJwtInvalidClientIdError extends JwtInvalidClaimError {}
export class CognitoJwtInvalidGroupError extends JwtInvalidClaimError {}
export class JwtCustomCheckError extends JwtVerificationError {}
export class JwksValidationError extends JwtVerificationError {}
export class JwkValidationError extends JwksValidationError {}
/** No keys could be obtained for the token's pool (code `jwks_unavailable`). */
export class JwksNotAvailableInCacheError extends JwtVerificationError {}
/** Fetching the JWKS failed and no earlier keys exist (code `jwks_unavailable`). */
export class FetchError extends JwksNotAvailableInCacheError {}
/** The token is covered by a revocation (code `revoked`; see `CognitoJwtVerifier.revoke`). */
export class JwtRevokedError extends JwtVerificationError {}

const CLASS_OF_CODE = {
  malformed_token: JwtParseError,
  token_too_large: JwtParseError,
  unsupported_algorithm: JwtInvalidSignatureAlgorithmError,
  missing_kid: JwtWithoutValidKidError,
  unknown_kid: KidNotFoundInJwksError,
  invalid_signature: JwtInvalidSignatureError,
  unsupported_critical_header: JwtParseError,
  expired: JwtExpiredError,
  not_yet_valid: JwtNotBeforeError,
  issued_in_future: JwtInvalidClaimError,
  token_too_old: JwtInvalidClaimError,
  wrong_issuer: JwtInvalidIssuerError,
  wrong_token_use: CognitoJwtInvalidTokenUseError,
  wrong_client: CognitoJwtInvalidClientIdError,
  missing_claim: JwtInvalidClaimError,
  invalid_claim: JwtInvalidClaimError,
  group_not_allowed: CognitoJwtInvalidGroupError,
  scope_not_allowed: JwtInvalidScopeError,
  custom_check_failed: JwtCustomCheckError,
  malformed_jwks: JwksValidationError,
  jwks_too_large: JwksValidationError,
  too_many_keys: JwksValidationError,
  weak_key: JwkValidationError,
  unsupported_key: JwkValidationError,
  invalid_configuration: ParameterValidationError,
  jwks_unavailable: JwksNotAvailableInCacheError,
  revoked: JwtRevokedError,
};

let codes; // read from wasm on first use: the module is initialised after this file is evaluated
function codeList() {
  return (codes ??= errorCodes().split(","));
}

/** Every code a `JwtVerificationError` may carry: the core's, then `jwks_unavailable`. */
export function errorCodeList() {
  return [...codeList(), "jwks_unavailable"];
}

function errorOf(code, message, options) {
  const Cls = CLASS_OF_CODE[code] ?? JwtVerificationError;
  return new Cls(code, message, options);
}

function statusError(status) {
  const code = codeList()[status - 1] ?? "invalid_configuration";
  return errorOf(code, errorMessage(status) || code);
}

function configError(message) {
  return new ParameterValidationError("invalid_configuration", message);
}


const STATUS = {};
function statusOf(code) {
  if (!(code in STATUS)) STATUS[code] = codeList().indexOf(code) + 1;
  return STATUS[code];
}

// ---------------------------------------------------------------------------------------------
// Options

const nowSeconds = () => Math.floor(Date.now() / 1000);

function isNonNegative(x) {
  return typeof x === "number" && Number.isFinite(x) && x >= 0;
}

function stringList(value, what, { allowEmpty = false } = {}) {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || (!allowEmpty && list.length === 0)) {
    throw configError(`${what} must be a non-empty string or array of strings`);
  }
  for (const s of list) {
    if (typeof s !== "string" || s.length === 0) {
      throw configError(`${what} must contain non-empty strings only`);
    }
  }
  return [...list];
}

/** `groups` / `scope`: a string or array (any of), or `{ anyOf }` / `{ allOf }`. Returns [mode, list]. */
function requirement(value, what) {
  if (value === undefined || value === null) return [0, []];
  if (typeof value === "string" || Array.isArray(value)) return [1, stringList(value, what)];
  if (typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "anyOf") return [1, stringList(value.anyOf, what)];
    if (keys.length === 1 && keys[0] === "allOf") return [2, stringList(value.allOf, what)];
  }
  throw configError(`${what} must be a string, an array of strings, { anyOf } or { allOf }`);
}

function optionalNumber(props, name, fallback) {
  const v = props[name];
  if (v === undefined || v === null) return fallback;
  if (!isNonNegative(v)) throw configError(`${name} must be a non-negative number`);
  return v;
}

function optionalBool(props, name) {
  const v = props[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw configError(`${name} must be a boolean`);
  return v;
}

/** Entries of the verified-signature cache: an integer from 0 (off), default the core's. */
function signatureCacheOf(props) {
  const v = props.signatureCache;
  if (v === undefined || v === null) return limits()[3];
  if (!Number.isSafeInteger(v) || v < 0) {
    throw configError("signatureCache must be a non-negative integer (entries; 0 turns the cache off)");
  }
  return v;
}

function optionalString(props, name) {
  const v = props[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || v.length === 0) throw configError(`${name} must be a non-empty string`);
  return v;
}

const TOKEN_USE = { id: 1, access: 2, any: 0 };

const SIGNATURE_VERIFIERS = ["auto", "node", "webcrypto", "wasm"];

/** `{ node, subtle }`: `node:crypto` for both calls, or the SubtleCrypto `verify` uses, or neither (wasm). */
function signatureVerifierFor(props) {
  const choice = props.signatureVerifier ?? "auto";
  if (!SIGNATURE_VERIFIERS.includes(choice)) {
    throw configError('signatureVerifier must be "node", "webcrypto", "wasm" or "auto"');
  }
  if (choice === "wasm") return { node: null, subtle: null };
  if (choice === "node" || choice === "auto") {
    const node = platform.nodeCrypto;
    if (node) return { node, subtle: null };
    if (choice === "node") {
      throw configError('signatureVerifier "node": only the package\'s Node entry has node:crypto');
    }
  }
  let subtle = null;
  try {
    subtle = globalThis.crypto?.subtle ?? null;
  } catch {
    subtle = null;
  }
  if (subtle && (typeof subtle.importKey !== "function" || typeof subtle.verify !== "function")) subtle = null;
  if (!subtle && choice === "webcrypto") {
    throw configError('signatureVerifier "webcrypto": this runtime has no crypto.subtle');
  }
  return { node: null, subtle };
}

/** One pool's settings, validated, with its own key set and refresh state. */
function makePool(props, shared) {
  if (props === null || typeof props !== "object" || Array.isArray(props)) {
    throw configError("verifier properties must be an object");
  }
  props = { ...shared, ...props };
  const [limTokenLen, limJwksBytes] = limits();
  const userPoolId = optionalString(props, "userPoolId");
  const issuers =
    props.issuer === undefined || props.issuer === null ? [] : stringList(props.issuer, "issuer");
  if (props.clientId === undefined || props.clientId === null) {
    throw configError("clientId is required (a string or an array of strings)");
  }
  const clientIds = stringList(props.clientId, "clientId");
  const tokenUse = props.tokenUse ?? "any";
  if (!Object.hasOwn(TOKEN_USE, tokenUse)) {
    throw configError('tokenUse must be "id", "access" or null');
  }
  const [groupsMode, groups] = requirement(props.groups, "groups");
  const [scopesMode, scopes] = requirement(props.scope, "scope");
  const graceSeconds = optionalNumber(props, "graceSeconds", 0);
  const maxAgeSeconds = optionalNumber(props, "maxAgeSeconds", -1);
  const maxTokenLength = optionalNumber(props, "maxTokenLength", limTokenLen);
  const maxJwksLength = optionalNumber(props, "maxJwksLength", limJwksBytes);
  const allowEs256 = optionalBool(props, "allowEs256");
  const allowAnyRsaExponent = optionalBool(props, "allowAnyRsaExponent");
  const allowInsecureHttp = optionalBool(props, "allowInsecureHttp");
  const { node, subtle } = signatureVerifierFor(props);
  const signatureCache = signatureCacheOf(props);
  const revocation = revocationSettings(props, graceSeconds);
  const customJwtCheck = props.customJwtCheck;
  if (customJwtCheck !== undefined && customJwtCheck !== null && typeof customJwtCheck !== "function") {
    throw configError("customJwtCheck must be a function");
  }
  const fetchImpl = props.fetch;
  if (fetchImpl !== undefined && fetchImpl !== null && typeof fetchImpl !== "function") {
    throw configError("fetch must be a function");
  }
  const cache = props.jwksCache ?? {};
  if (cache === null || typeof cache !== "object") throw configError("jwksCache must be an object");
  const fetchTimeoutSeconds = optionalNumber(cache, "fetchTimeoutSeconds", 10);
  const tunables = ["unknownKidCooldownSeconds", "maxKeyAgeSeconds", "retryBaseSeconds", "retryMaxSeconds"].map(
    (name) => optionalNumber(cache, name, -1),
  );
  // The core checks the pool id, derives the issuers and the JWKS URL, and applies the URL rule.
  const verifier = new WasmVerifier(
    userPoolId,
    issuers,
    optionalString(props, "jwksUri"),
    clientIds,
    TOKEN_USE[tokenUse],
    graceSeconds,
    maxAgeSeconds,
    groupsMode,
    groups,
    scopesMode,
    scopes,
    allowEs256,
    maxTokenLength,
    maxJwksLength,
    allowAnyRsaExponent,
    allowInsecureHttp,
    revocation.capacity,
    revocation.lifetime,
  );
  if (verifier.check() !== 0) {
    const message = verifier.configMessage();
    verifier.free();
    throw configError(message || "verifier configuration is invalid");
  }
  const jwksUri = verifier.jwksUrl();
  const refresh = new Refresh(...tunables, Math.max(fetchTimeoutSeconds + 5, 30));
  const pool = {
    id: userPoolId ?? issuers[0],
    verifier,
    keys: new Keys(),
    refresh,
    jwksUri,
    allowInsecureHttp,
    jwksBytes: null,
    jwksDoc: undefined,
    subtle,
    node,
    generation: 0,
    cryptoKeys: new Map(),
    nodeKeys: [],
    sink: null,
    fetch: fetchImpl ?? ((url, init) => globalThis.fetch(url, init)),
    fetchTimeoutMs: fetchTimeoutSeconds * 1000,
    inflight: null,
    lastFetchError: null,
    maxTokenLength,
    maxJwksLength,
    signatureCache,
    customJwtCheck: customJwtCheck ?? undefined,
    revocation,
  };
  pool.sink = new Sink(pool);
  return pool;
}

// ---------------------------------------------------------------------------------------------
// Helpers

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

const encoder = new TextEncoder();
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

function loadJwks(pool, jwks) {
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

function fetchJwks(pool) {
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

const USE_CACHED = 0;
const FETCH = 1;
const WAIT = 2;

function unavailable(pool) {
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
function ensureKeys(pool) {
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

function header(token) {
  try {
    return decodeSegment(token.split(".")[0]);
  } catch {
    return {};
  }
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

function jwkOf(pool, kid) {
  return jwksDoc(pool)?.keys?.find?.((k) => k?.kid === kid);
}

// ---------------------------------------------------------------------------------------------
// WebCrypto

const RS256 = 1;
const ES256 = 2;
// What a sink's `check` answers (`Sink::check` in ../src/lib.rs).
const INVALID = 0;
const VALID = 1;
const NOT_NOW = 2;
const RSA_IMPORT = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
const EC_IMPORT = { name: "ECDSA", namedCurve: "P-256" };
const RSA_VERIFY = { name: "RSASSA-PKCS1-v1_5" };
const EC_VERIFY = { name: "ECDSA", hash: "SHA-256" };

/**
 * The JWK of the cached JWKS the core found for `kid`: only when exactly one entry has that kid,
 * so that it is certainly the one the core accepted (with a repeated kid the core takes the first
 * usable entry, which JS would have to re-judge; such a JWKS is verified in wasm instead).
 */
function uniqueJwk(pool, kid) {
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
function cryptoKey(pool, index, alg) {
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
class Sink {
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
class SignatureSeen {
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
class SignatureVerified {
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

function customCheckError(cause) {
  return new JwtCustomCheckError("custom_check_failed", "custom check rejected the token", { cause });
}

// ---------------------------------------------------------------------------------------------
// The verifier

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
      throw configError(`signatureCache: ${capacity} entries (24 bytes each) cannot be allocated`);
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

// ---------------------------------------------------------------------------------------------
// Revocation (the list and its rules are the core's: ../src/revocation.rs)

/** A revocation was not recorded: `.code` is the core's (`revocation_list_full`, `empty_value`, `value_too_long`, `revocation_disabled`). */
export class RevokeError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = "RevokeError";
    this.code = code;
  }
}

/** Largest `revocationCapacity` (32 bytes of wasm memory an entry: 128 MiB). */
const MAX_REVOCATION_CAPACITY = 2 ** 22;

/** `revocationCapacity` and `maxTokenLifetime` (-1: the core's defaults, 4096 and 86400 s). */
function revocationSettings(props, leeway) {
  const capacity = optionalNumber(props, "revocationCapacity", -1);
  if (capacity !== -1 && (!Number.isInteger(capacity) || capacity > MAX_REVOCATION_CAPACITY)) {
    throw configError(`revocationCapacity must be an integer from 0 to ${MAX_REVOCATION_CAPACITY}`);
  }
  return { capacity, lifetime: optionalNumber(props, "maxTokenLifetime", -1), leeway };
}

/** Every pool of a verifier records every revocation: their lists must be alike. */
function checkRevocationSettings(pools) {
  const { capacity, lifetime } = pools[0].revocation;
  if (pools.some((p) => p.revocation.capacity !== capacity || p.revocation.lifetime !== lifetime)) {
    throw configError("revocationCapacity and maxTokenLifetime apply to every pool: give them once, in the second argument of create()");
  }
}

/**
 * The pools in the order a revocation is recorded: the longest `graceSeconds` first. Every list
 * has the same size and records the same revocations at the same times, so the lists are alike
 * and accept or refuse alike; with different leeways, a longer one holds each entry as long or
 * longer, so its list is the first to be full, and a refusal stops before any other pool records.
 */
function revocationOrder(pools) {
  return pools.length === 1 ? pools : [...pools].sort((a, b) => b.revocation.leeway - a.revocation.leeway);
}

/** What the wasm `signOut` reports as recorded (../src/revocation.rs). */
const RECORDED_SESSION = 1;
const RECORDED_SUBJECT = 2;

/** Throws the `RevokeError` of a revocation status (0: recorded, nothing to throw). */
function throwIfRefused(status) {
  if (status !== 0) throw new RevokeError(WasmVerifier.revokeErrorCode(status), WasmVerifier.revokeErrorMessage(status));
}

/** Records `{ kind, value, sub, time }` (from `revocationArgs`) in one pool's list: its status. */
function record(v, r, now) {
  switch (r.kind) {
    case "originJti":
      return v.revokeOriginJti(r.value, now);
    case "session":
      return v.revokeSession(r.value, r.sub, now);
    case "jti":
      return v.revokeJti(r.value, r.time, now);
    default:
      return v.revokeSubject(r.value, r.time, now);
  }
}

/**
 * The kinds `revoke` takes, each named by its exact set of keys: no two sets are equal, so an
 * argument is one kind or none (`{ originJti }` and `{ originJti, sub }` are told apart by `sub`,
 * `{ originJti, sub }` and `{ sub, issuedAtOrBefore }` by the key that is not `sub`).
 * [kind, value key, other key, its type].
 */
const REVOCATION_KINDS = [
  ["originJti", "originJti", null, null],
  ["session", "originJti", "sub", "string"],
  ["jti", "jti", "exp", "time"],
  ["sub", "sub", "issuedAtOrBefore", "time"],
];
const REVOKE_USAGE = "revoke() takes { originJti }, { originJti, sub }, { jti, exp } or { sub, issuedAtOrBefore }";

/** The keys of an argument object whose value is not undefined (undefined counts as absent). */
function givenKeys(r, usage) {
  if (r === null || typeof r !== "object" || Array.isArray(r)) throw configError(usage);
  return Object.keys(r).filter((k) => r[k] !== undefined);
}

/** `{ kind, value, sub, time }` of `revoke`'s argument: exactly one kind, each key of its type. */
function revocationArgs(r) {
  const given = givenKeys(r, REVOKE_USAGE);
  const found = REVOCATION_KINDS.find(
    ([, key, other]) => given.length === (other ? 2 : 1) && given.includes(key) && (!other || given.includes(other)),
  );
  if (!found) throw configError(`${REVOKE_USAGE}: got { ${given.join(", ")} }`);
  const [kind, key, other, type] = found;
  // An empty string is the core's to refuse (`empty_value`).
  if (typeof r[key] !== "string") throw configError(`revoke(): ${key} must be a string`);
  const out = { kind, value: r[key], sub: "", time: 0 };
  if (type === "string") {
    if (typeof r[other] !== "string") throw configError(`revoke(): ${other} must be a string`);
    out.sub = r[other];
  } else if (type === "time") {
    if (!isNonNegative(r[other])) throw configError(`revoke(): ${other} must be unix seconds (a non-negative number)`);
    out.time = r[other];
  }
  return out;
}

/** `{ sub, originJti }` of `signOut`'s argument: exactly those two strings. */
function signOutArgs(s) {
  const usage = "signOut() takes { sub, originJti }";
  const given = givenKeys(s, usage);
  if (given.length !== 2 || !given.includes("sub") || !given.includes("originJti")) {
    throw configError(`${usage}: got { ${given.join(", ")} }`);
  }
  // An empty string is the core's to refuse (`empty_value`).
  for (const k of ["sub", "originJti"]) if (typeof s[k] !== "string") throw configError(`signOut(): ${k} must be a string`);
  return { sub: s.sub, originJti: s.originJti };
}
