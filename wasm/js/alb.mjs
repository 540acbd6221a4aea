// `AlbJwtVerifier`: tokens an Application Load Balancer signs (`x-amzn-oidc-data`), shaped like
// aws-jwt-verify's. One core verifier (../src/alb.rs, the core's `AlbVerifierCore`) decides
// everything: the token's format and checks, the keys held per load balancer, when a key may be
// fetched (one fetch per load balancer per cooldown, so invented kids cost bounded fetches) and
// from where (the configured ARN's partition and region, never the token's), the signature cache
// and the verdict memo. This file checks argument types, carries out the fetches the core allows
// (one for all the verifications that need the same key meanwhile) and turns statuses into errors.
// ES256 only: the ALB verifier is in the ES256 build (`cognito-verify-wasm/es256`).

import * as wasm from "./cognito_verify_wasm.js";
import { JwtParseError, KidNotFoundInJwksError, configError, statusError, statusOf } from "./errors.mjs";
import { fetchBytes, nowSeconds } from "./jwks.mjs";
import { isNonNegative } from "./options.mjs";

// Statuses of ../src/alb.rs beyond errors.
const NEED_KEY = 0xfe;
const FETCH = 0;
const UNAVAILABLE = 0xfd;
// The largest key document read (a P-256 PEM is 178 bytes): the core's MAX_ALB_KEY_BYTES.
const MAX_KEY_BYTES = 4096;

const NUMBERS = ["graceSeconds", "maxTokenBytes", "signatureCache", "verdictMemo", "verdictMemoBytes"];
const CACHE_NUMBERS = ["unknownKidCooldownSeconds", "requestTimeoutSeconds"];
const KNOWN = new Set(["albArn", "issuer", "clientId", "keyUrlBase", "fetch", "jwksCache", ...NUMBERS]);

function strings(name, v) {
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === "string")) return [...v];
  throw configError(`${name} must be a string or a non-empty array of strings`);
}

function settingsOf(props) {
  if (props === null || typeof props !== "object") {
    throw configError("AlbJwtVerifier.create takes an object: { albArn, issuer, clientId }");
  }
  if (typeof wasm.AlbSettings !== "function") {
    throw configError('AlbJwtVerifier is in the ES256 build: import it from "cognito-verify-wasm/es256"');
  }
  for (const k of Object.keys(props)) if (!KNOWN.has(k)) throw configError(`unknown property: ${k}`);
  const s = new wasm.AlbSettings();
  try {
    s.albArns(strings("albArn", props.albArn));
    // The client is always checked (aws-jwt-verify lets `null` skip it; a token of another app
    // client behind the same load balancer would pass).
    s.clientIds(strings("clientId", props.clientId));
    if (props.issuer !== null && props.issuer !== undefined) {
      if (typeof props.issuer !== "string") throw configError("issuer must be a string, or null to accept any");
      s.issuer(props.issuer);
    }
    if (props.keyUrlBase !== undefined) {
      if (typeof props.keyUrlBase !== "string") throw configError("keyUrlBase must be a string");
      s.keyUrlBase(props.keyUrlBase);
    }
    const numbers = (names, from, prefix) => {
      for (const name of names) {
        if (from[name] === undefined) continue;
        if (!isNonNegative(from[name])) throw configError(`${prefix}${name} must be a number at least 0`);
        s.number(name, from[name]);
      }
    };
    numbers(NUMBERS, props, "");
    if (props.jwksCache !== undefined) {
      if (props.jwksCache === null || typeof props.jwksCache !== "object") throw configError("jwksCache must be an object");
      for (const k of Object.keys(props.jwksCache)) {
        if (!CACHE_NUMBERS.includes(k)) throw configError(`unknown property: jwksCache.${k}`);
      }
      numbers(CACHE_NUMBERS, props.jwksCache, "jwksCache.");
    }
    const core = s.build();
    if (!core) throw configError(s.error());
    return core;
  } finally {
    s.free();
  }
}

/** Verifies `x-amzn-oidc-data`, the token an Application Load Balancer adds to each request. */
export class AlbJwtVerifier {
  #core;
  #fetch;
  #timeoutMs;
  /** The key fetches under way, by load balancer and kid: one for every verification needing it. */
  #inflight = new Map();

  /**
   * `{ albArn, issuer, clientId }` as aws-jwt-verify takes them (`albArn` and `clientId`: a string
   * or an array; `issuer`: a string, or null to accept any), and optionally `graceSeconds`,
   * `jwksCache: { unknownKidCooldownSeconds, requestTimeoutSeconds }`, `signatureCache`,
   * `verdictMemo`, `verdictMemoBytes`, `maxTokenBytes`, `keyUrlBase` and `fetch` (tests).
   */
  static create(props) {
    return new AlbJwtVerifier(props);
  }

  constructor(props) {
    this.#core = settingsOf(props);
    if (props.fetch !== undefined && typeof props.fetch !== "function") throw configError("fetch must be a function");
    this.#fetch = props.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.#timeoutMs = this.#core.requestTimeout() * 1000;
  }

  /** Verifies `token` with the keys held (never fetching): the payload, or throws. */
  verifySync(token) {
    const status = this.#verify(token);
    if (status === NEED_KEY) throw new KidNotFoundInJwksError("unknown_kid", "the load balancer's key for this kid is not cached");
    return this.#result(status);
  }

  /** Verifies `token`, fetching its key first when it is not held: the payload, or throws. */
  async verify(token) {
    let status = this.#verify(token);
    if (status === NEED_KEY) {
      const [alb, kid] = [this.#core.keyAlb(), this.#core.keyId()];
      let refused;
      try {
        await this.#fetchKey(alb, kid);
      } catch (e) {
        refused = e;
      }
      // Again, whatever the fetch gave (a refused fetch may follow one that brought this key).
      status = this.#verify(token);
      // The fetch failed, or gave no usable key: what the policy says such a token gets.
      if (status === NEED_KEY) throw refused ?? this.#refusal(this.#core.requestKey(alb, kid, nowSeconds(), true));
    }
    return this.#result(status);
  }

  /** Installs the key (PEM) load balancer `albArn` publishes under `kid`, as if fetched. */
  cacheKey(albArn, kid, pem) {
    if (typeof albArn !== "string" || typeof kid !== "string" || typeof pem !== "string") {
      throw configError("cacheKey(albArn, kid, pem) takes three strings");
    }
    const status = this.#core.cacheKey(albArn, kid, pem);
    if (status !== 0) throw statusError(status);
  }

  /** Key fetches, failures and keys held. */
  keyStats() {
    const [fetches, failures, keys] = this.#core.stats();
    return { fetches, failures, keys };
  }

  /** The verdict memo's hits, misses, capacity (entries), bytes allowed and held. */
  verdictMemoStats() {
    const s = this.#core.stats();
    return { hits: s[3], misses: s[4], capacity: s[5], maxBytes: s[10], bytes: s[6] };
  }

  /** The signature cache's hits, misses and capacity. */
  signatureCacheStats() {
    const s = this.#core.stats();
    return { hits: s[7], misses: s[8], capacity: s[9] };
  }

  #verify(token) {
    if (typeof token !== "string") throw new JwtParseError("malformed_token", "token must be a string");
    return this.#core.verify(token, nowSeconds());
  }

  #result(status) {
    if (status !== 0) throw statusError(status);
    return JSON.parse(this.#core.payload());
  }

  #refusal(action) {
    if (action === UNAVAILABLE) {
      const err = statusError(statusOf("jwks_unavailable"));
      err.retryAt = this.#core.retryAt();
      return err;
    }
    return statusError(action);
  }

  async #fetchKey(alb, kid) {
    const id = `${alb}/${kid}`;
    let fetching = this.#inflight.get(id);
    if (!fetching) {
      const action = this.#core.requestKey(alb, kid, nowSeconds(), false);
      if (action !== FETCH) throw this.#refusal(action);
      const url = this.#core.url();
      fetching = fetchBytes(this.#fetch, url, {
        what: "ALB key",
        timeoutMs: this.#timeoutMs,
        limit: MAX_KEY_BYTES,
        // Keys come from where the core said, not from wherever a redirect points: a redirect
        // is not followed, and its answer (not ok) counts as a failed fetch. "manual", not
        // "error": Workers refuse the latter.
        init: { redirect: "manual" },
        urlAllowed: () => false,
      })
        .then(
          (body) => this.#core.keyFetched(alb, kid, body),
          () => this.#core.keyFetched(alb, kid, undefined),
        )
        .finally(() => this.#inflight.delete(id));
      this.#inflight.set(id, fetching);
    }
    await fetching;
  }
}
