// The properties of `CognitoJwtVerifier.create`: their types are checked here (so nothing hostile
// reaches wasm), then handed to the core's settings (`Settings` in ../src/settings.rs) by the same
// names, and the core builds and checks the one verifier of every pool. Absent properties stay
// the core's defaults: none is written here.

import { Settings } from "./cognito_verify_wasm.js";
import { Sink } from "./engines.mjs";
import { configError } from "./errors.mjs";
import { platform } from "./platform.mjs";

export function isNonNegative(x) {
  return typeof x === "number" && Number.isFinite(x) && x >= 0;
}

const given = (v) => v !== undefined && v !== null;

// Types only: an empty list or string is the core's to refuse, in its words (what to fix), the
// same as through Rust's and C's builders.
function stringList(value, what) {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.some((s) => typeof s !== "string")) {
    throw configError(`${what} must be a string or an array of strings`);
  }
  return [...list];
}

/** `groups` / `scope`: a string or array (any of), or `{ anyOf }` / `{ allOf }`. Returns [mode, list] or null. */
function requirement(value, what) {
  if (!given(value)) return null;
  if (typeof value === "string" || Array.isArray(value)) return [1, stringList(value, what)];
  if (typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "anyOf") return [1, stringList(value.anyOf, what)];
    if (keys.length === 1 && keys[0] === "allOf") return [2, stringList(value.allOf, what)];
  }
  throw configError(`${what} must be a string, an array of strings, { anyOf } or { allOf }`);
}

function optionalString(props, name) {
  const v = props[name];
  if (!given(v)) return undefined;
  if (typeof v !== "string" || v.length === 0) throw configError(`${name} must be a non-empty string`);
  return v;
}

const TOKEN_USE = { id: 1, access: 2, any: 0 };

/** One pool's own settings: which tokens it accepts, and from where its keys come. */
function poolSettings(props) {
  const userPoolId = optionalString(props, "userPoolId");
  const issuers = given(props.issuer) ? stringList(props.issuer, "issuer") : [];
  if (!given(props.clientId)) throw configError("clientId is required (a string or an array of strings)");
  const clientIds = stringList(props.clientId, "clientId");
  const tokenUse = props.tokenUse ?? "any";
  if (!Object.hasOwn(TOKEN_USE, tokenUse)) throw configError('tokenUse must be "id", "access" or null');
  const customJwtCheck = props.customJwtCheck ?? undefined;
  if (customJwtCheck !== undefined && typeof customJwtCheck !== "function") {
    throw configError("customJwtCheck must be a function");
  }
  return {
    id: userPoolId ?? issuers[0],
    userPoolId,
    issuers,
    jwksUri: optionalString(props, "jwksUri"),
    clientIds,
    tokenUse: TOKEN_USE[tokenUse],
    groups: requirement(props.groups, "groups"),
    scopes: requirement(props.scope, "scope"),
    customJwtCheck,
  };
}

// The verifier's settings, one value for every pool, each named as the core's setting (see
// ../src/settings.rs): non-negative numbers, whole numbers, and switches.
const NUMBERS = ["graceSeconds", "maxAgeSeconds", "maxTokenBytes", "maxJwksBytes", "maxTokenLifetime"];
const COUNTS = ["signatureCache", "revocationCapacity", "verdictMemo", "verdictMemoBytes"];
const FLAGS = ["allowEs256", "allowAnyRsaExponent", "allowInsecureHttp"];
/** `jwksCache`'s tunables of the core's key refresh policy, whole seconds. */
const JWKS_CACHE = [
  "unknownKidCooldownSeconds", "maxKeyAgeSeconds", "retryBaseSeconds", "retryMaxSeconds", "fetchTimeoutSeconds",
  "requestTimeoutSeconds",
];
const SIGNATURE_VERIFIERS = ["auto", "node", "webcrypto", "wasm"];

/** The verifier's settings given in `props`, checked: `{ name: value }`, absent ones left out. */
function verifierSettings(props) {
  const out = {};
  for (const name of NUMBERS) {
    if (!given(props[name])) continue;
    if (!isNonNegative(props[name])) throw configError(`${name} must be a non-negative number`);
    out[name] = props[name];
  }
  for (const name of COUNTS) {
    if (!given(props[name])) continue;
    if (!Number.isSafeInteger(props[name]) || props[name] < 0) throw configError(`${name} must be a non-negative integer (0 turns it off)`);
    out[name] = props[name];
  }
  for (const name of FLAGS) {
    if (!given(props[name])) continue;
    if (typeof props[name] !== "boolean") throw configError(`${name} must be a boolean`);
    out[name] = props[name];
  }
  if (given(props.jwksCache)) {
    const cache = props.jwksCache;
    if (typeof cache !== "object") throw configError("jwksCache must be an object");
    for (const name of JWKS_CACHE) {
      if (!given(cache[name])) continue;
      if (!Number.isSafeInteger(cache[name]) || cache[name] < 0) throw configError(`jwksCache.${name} must be whole seconds`);
      out[name] = cache[name];
    }
  }
  if (given(props.signatureVerifier)) {
    if (!SIGNATURE_VERIFIERS.includes(props.signatureVerifier)) {
      throw configError('signatureVerifier must be "node", "webcrypto", "wasm" or "auto"');
    }
    out.signatureVerifier = props.signatureVerifier;
  }
  if (given(props.fetch)) {
    if (typeof props.fetch !== "function") throw configError("fetch must be a function");
    out.fetch = props.fetch;
  }
  return out;
}

/** The one value of each verifier setting: every pool must give the same (or none gives it). */
function commonSettings(list) {
  const [first, ...others] = list;
  for (const other of others) {
    for (const name of new Set([...Object.keys(first), ...Object.keys(other)])) {
      if (!Object.is(first[name], other[name])) {
        throw configError(
          `${name} is a setting of the verifier, not of a pool: give it once, in the second argument of create(), or the same in every pool`,
        );
      }
    }
  }
  return first;
}

/** `{ node, subtle }`: `node:crypto` for both calls, or the SubtleCrypto `verify` uses, or neither (wasm). */
function engines(choice = "auto") {
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

/** The core's verifier of these pools and settings (it derives issuers and JWKS URLs, and checks everything). */
function build(pools, common) {
  const settings = new Settings();
  try {
    for (const p of pools) {
      settings.pool(p.userPoolId, p.issuers, p.jwksUri);
      settings.clientIds(p.clientIds);
      settings.tokenUse(p.tokenUse);
      if (p.groups) settings.groups(...p.groups);
      if (p.scopes) settings.scopes(...p.scopes);
    }
    for (const [name, value] of Object.entries(common)) {
      const known = typeof value === "boolean" ? settings.flag(name, value) : typeof value === "number" ? settings.number(name, value) : true;
      if (!known) throw new Error(`cognito-verify-wasm: the core has no setting ${name}`);
    }
    const core = settings.build();
    if (core === undefined) throw configError(settings.error() || "verifier configuration is invalid");
    return core;
  } finally {
    settings.free();
  }
}

/**
 * The state of one verifier from `create`'s arguments: the core's verifier, and what JS keeps per
 * pool (the key-set document the engines and `customJwtCheck` read, the fetch under way).
 */
export function makeState(list, shared) {
  const props = list.map((p) => {
    if (p === null || typeof p !== "object" || Array.isArray(p)) throw configError("verifier properties must be an object");
    return { ...shared, ...p };
  });
  const pools = props.map(poolSettings);
  if (new Set(pools.map((p) => p.id)).size !== pools.length) throw configError("user pools must be distinct");
  const common = commonSettings(props.map(verifierSettings));
  const { node, subtle } = engines(common.signatureVerifier);
  const core = build(pools, common);
  const [maxTokenBytes, maxJwksBytes, requestTimeout] = core.limits();
  // The verdict memo's entries (0: off): the bound of the glue's index of tokens (verifier.mjs).
  const memoCapacity = core.verdictMemoStats()[2];
  const state = {
    core,
    pools: pools.map((p, index) => ({
      id: p.id,
      jwksUri: core.jwksUrl(index),
      customJwtCheck: p.customJwtCheck,
      // The document of the keys the core holds, and the core's generation it was installed at.
      doc: null,
      docGeneration: -1,
      parsed: undefined,
      jwks: new Map(),
      // Platform keys imported from the key set of generation `keysGeneration`.
      keysGeneration: -1,
      cryptoKeys: new Map(),
      nodeKeys: [],
      inflight: null,
      lastFetchError: null,
      retryAt: 0,
    })),
    node,
    subtle,
    fetch: common.fetch ?? ((url, init) => globalThis.fetch(url, init)),
    maxTokenBytes,
    maxJwksBytes,
    requestTimeoutMs: requestTimeout * 1000,
    sink: null,
    // Where the glue writes each call's token (verifier.mjs): wasm memory (set by the entry that
    // loaded the module), and the view of the place the core reads it from.
    memory: platform.memory,
    input: new Uint8Array(0),
    // memoKey(token) -> { token, handle, stamp, pool, json, payload, nested } of the tokens the
    // core's memo kept for the glue (verifier.mjs).
    memo: memoCapacity > 0 ? new Map() : null,
    memoCapacity,
    // The tokens verified once, not indexed (verifier.mjs): a table of at most `memoCapacity`
    // slots (a power of two), one token each, by memoKey(token).
    seen: memoCapacity > 0 ? new Array(2 ** Math.floor(Math.log2(memoCapacity))).fill(undefined) : null,
  };
  state.sink = new Sink(state);
  return state;
}
