// The properties of `CognitoJwtVerifier.create`: their types are checked here (so nothing hostile
// reaches wasm), absent ones become the core's defaults, and each pool's configuration is built and
// validated by the core (`WasmVerifier`), which derives the issuers and the JWKS URL.

import { Keys, Refresh, WasmVerifier, limits } from "./cognito_verify_wasm.js";
import { Sink } from "./engines.mjs";
import { configError } from "./errors.mjs";
import { platform } from "./platform.mjs";

export function isNonNegative(x) {
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
export function makePool(props, shared) {
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

// Revocation settings (the list and its rules are the core's: ../src/revocation.rs)

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
export function checkRevocationSettings(pools) {
  const { capacity, lifetime } = pools[0].revocation;
  if (pools.some((p) => p.revocation.capacity !== capacity || p.revocation.lifetime !== lifetime)) {
    throw configError("revocationCapacity and maxTokenLifetime apply to every pool: give them once, in the second argument of create()");
  }
}
