// Type declarations of cognito-verify-wasm (hand-written: the API is api.mjs and the modules it
// re-exports, over the wasm-bindgen layer whose own declarations are not part of the public surface).

/** Every stable error code (ARCHITECTURE.md, "Error codes"). */
export type ErrorCode =
  | "malformed_token"
  | "token_too_large"
  | "unsupported_algorithm"
  | "missing_kid"
  | "unknown_kid"
  | "invalid_signature"
  | "unsupported_critical_header"
  | "expired"
  | "not_yet_valid"
  | "issued_in_future"
  | "token_too_old"
  | "wrong_issuer"
  | "wrong_token_use"
  | "wrong_client"
  | "missing_claim"
  | "invalid_claim"
  | "group_not_allowed"
  | "scope_not_allowed"
  | "custom_check_failed"
  | "malformed_jwks"
  | "jwks_too_large"
  | "too_many_keys"
  | "weak_key"
  | "unsupported_key"
  | "invalid_configuration"
  | "revoked"
  | "jwks_unavailable"
  | "wrong_signer";

/** Base class of every error thrown by this package. */
export class JwtVerificationError extends Error {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown });
  readonly code: ErrorCode;
}
export { JwtVerificationError as JwtBaseError };
/** Bad arguments or options (`invalid_configuration`). */
export class ParameterValidationError extends JwtVerificationError {}
/** `malformed_token`, `token_too_large`, `unsupported_critical_header`. */
export class JwtParseError extends JwtVerificationError {}
/** `unsupported_algorithm`. */
export class JwtInvalidSignatureAlgorithmError extends JwtVerificationError {}
/** `missing_kid`. */
export class JwtWithoutValidKidError extends JwtVerificationError {}
/** `unknown_kid`. */
export class KidNotFoundInJwksError extends JwtVerificationError {}
/** `invalid_signature`. */
export class JwtInvalidSignatureError extends JwtVerificationError {}
/** Claim errors: `issued_in_future`, `token_too_old`, `missing_claim`, `invalid_claim` and the subclasses. */
export class JwtInvalidClaimError extends JwtVerificationError {}
/** `expired`. */
export class JwtExpiredError extends JwtInvalidClaimError {}
/** `not_yet_valid`. */
export class JwtNotBeforeError extends JwtInvalidClaimError {}
/** `wrong_issuer`. */
export class JwtInvalidIssuerError extends JwtInvalidClaimError {}
/** `scope_not_allowed`. */
export class JwtInvalidScopeError extends JwtInvalidClaimError {}
/** `wrong_token_use`. */
export class CognitoJwtInvalidTokenUseError extends JwtInvalidClaimError {}
/** `wrong_client`. */
export class CognitoJwtInvalidClientIdError extends JwtInvalidClaimError {}
/** `group_not_allowed`. */
export class CognitoJwtInvalidGroupError extends JwtInvalidClaimError {}
/** `custom_check_failed`; `.cause` is what the check threw. */
export class JwtCustomCheckError extends JwtVerificationError {}
/** `malformed_jwks`, `jwks_too_large`, `too_many_keys`. */
export class JwksValidationError extends JwtVerificationError {}
/** `weak_key`, `unsupported_key`. */
export class JwkValidationError extends JwksValidationError {}
/** `jwks_unavailable`: no keys cached for the pool (verifySync) or none could be fetched. */
export class JwksNotAvailableInCacheError extends JwtVerificationError {
  /** Unix seconds before which no new fetch will be tried, when known (for `Retry-After`). */
  readonly retryAt?: number;
}
/** `jwks_unavailable` after a failed fetch; `.cause` is the fetch's error. */
export class FetchError extends JwksNotAvailableInCacheError {}
/** `wrong_signer`: an ALB token's `signer` is not one of the configured load balancers' ARNs. */
export class AlbJwtInvalidSignerError extends JwtInvalidClaimError {}
/** `revoked`: the token is covered by a revocation (`CognitoJwtVerifier.revoke`). */
export class JwtRevokedError extends JwtVerificationError {}

/** Why `revoke` recorded nothing: the list is full of live entries, an empty value, or revocation is off. */
export type RevokeErrorCode = "revocation_list_full" | "empty_value" | "value_too_long" | "revocation_disabled";
/** Thrown by `CognitoJwtVerifier.revoke` and `signOut` when nothing was recorded. */
export class RevokeError extends Error {
  constructor(code: RevokeErrorCode, message: string, options?: { cause?: unknown });
  readonly code: RevokeErrorCode;
}

/** Every code a `JwtVerificationError` may carry. */
export function errorCodeList(): ErrorCode[];

/** A JSON Web Key Set. */
export interface Jwks {
  keys: Array<Record<string, unknown>>;
}

/** The decoded payload of a verified token. */
export interface CognitoJwtPayload {
  sub: string;
  iss: string;
  exp: number;
  iat?: number;
  auth_time?: number;
  token_use: "id" | "access";
  jti?: string;
  origin_jti?: string;
  aud?: string;
  client_id?: string;
  scope?: string;
  username?: string;
  "cognito:username"?: string;
  "cognito:groups"?: string[];
  email?: string;
  [claim: string]: unknown;
}

/** A requirement on `cognito:groups` or `scope`: a string or array means any of them. */
export type Requirement = string | string[] | { anyOf: string[] } | { allOf: string[] };

/**
 * Tunables of the key refresh policy, whole seconds (the core's `RefreshConfig`; the same for
 * every pool of a verifier).
 */
export interface JwksCacheOptions {
  /** At most one fetch per this many seconds caused by unknown `kid`s (default 30). */
  unknownKidCooldownSeconds?: number;
  /** Keys older than this are fetched again, and used meanwhile (default 3600). */
  maxKeyAgeSeconds?: number;
  /** First delay after a failed fetch, doubled per further failure (default 1). */
  retryBaseSeconds?: number;
  /** Longest delay after failures (default 300). */
  retryMaxSeconds?: number;
  /** A fetch neither reported done nor failed after this long is presumed lost (default 30). */
  fetchTimeoutSeconds?: number;
  /** One JWKS request, connection and body, is given up after this long (default 5). */
  requestTimeoutSeconds?: number;
}

/**
 * The verifier's settings: one value for all its pools. Give them in the second argument of
 * `create`, or the same in every pool's properties (different values throw `invalid_configuration`).
 */
export interface VerifierProperties {
  /** Clock skew tolerated for `exp`, `nbf` and `iat`, seconds (default 0). */
  graceSeconds?: number;
  /** Reject tokens whose `iat` is older than this (seconds). */
  maxAgeSeconds?: number;
  /** Also accept ES256 tokens signed by P-256 keys of the JWKS. */
  allowEs256?: boolean;
  /** Accept RSA keys with exponents other than 65537. */
  allowAnyRsaExponent?: boolean;
  /** Longest token accepted, in bytes (default 16384). */
  maxTokenBytes?: number;
  /** Largest JWKS accepted, in bytes of UTF-8 (default 65536): a fetched body is cut off there. */
  maxJwksBytes?: number;
  /**
   * Allow JWKS URLs over plain `http` to any host (default false: `https` only, or `http` to a
   * loopback host such as `localhost` or `127.0.0.1`, for emulators). Never needed for Cognito.
   */
  allowInsecureHttp?: boolean;
  /**
   * What checks signatures: `"node"` (`node:crypto`, synchronously, for `verifySync()` and
   * `verify()`; the Node entry only), `"webcrypto"` (the runtime's `crypto.subtle`, for `verify()`;
   * throws `invalid_configuration` if it has none), `"wasm"` (this package's own arithmetic), or
   * `"auto"` (default: `node:crypto` in Node, else WebCrypto for `verify()` when available).
   * `verifySync()` uses the wasm arithmetic unless `"node"` applies. Same verdicts and codes
   * every way.
   */
  signatureVerifier?: "node" | "webcrypto" | "wasm" | "auto";
  jwksCache?: JwksCacheOptions;
  /** The `fetch` used for JWKS (default: the runtime's `fetch`). */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  /**
   * Entries of the verifier's verified-signature cache (default 4096, 28 bytes each, about
   * 112 KiB of wasm memory; rounded down to a multiple of 8): a token whose signature this
   * verifier checked before under the same key skips the RSA or ECDSA check (WebCrypto and
   * `node:crypto` are not called), on every `signatureVerifier`; every other check, the clock
   * included, runs as without the cache, so verdicts and codes are the same. `0` turns it off.
   */
  signatureCache?: number;
  /**
   * Entries of the verifier's verdict memo (default 2048, rounded down to a multiple of 4; `0`
   * turns it off): a token that fully verified before is answered by the core re-checking its
   * claims (time, maximum age, revocation, groups, scopes; `customJwtCheck` runs too), without
   * its signature, decoding or parsing, while its pool's keys are the ones that verified it; so
   * verdicts and codes are the same. About 1.5 KiB of wasm memory a Cognito token, and for a token
   * seen more than once 2 KiB of JS heap (its string and parsed payload, in the package's index).
   */
  verdictMemo?: number;
  /** Bytes the verdict memo holds at most: tokens, decoded payloads and bookkeeping (default 4194304, 4 MiB). */
  verdictMemoBytes?: number;
  /** Revocations held at most (default 4096, 32 bytes each; 0 turns revocation off; at most 4194304). */
  revocationCapacity?: number;
  /**
   * The longest validity of the pools' ID and access tokens, seconds (default 86400, Cognito's
   * maximum): how long a revoked session (`originJti`) or user (`sub`) is held.
   */
  maxTokenLifetime?: number;
}

/** What `CognitoJwtVerifier.revoke` denies: exactly one kind. */
export type Revocation =
  /** Every token of one session (the `origin_jti` of the refresh token revoked by `RevokeToken`). */
  | { originJti: string }
  /** A session counted against its user `sub`: what a replica applies for another server's `signOut` that recorded `"session"`. */
  | { originJti: string; sub: string }
  /** One token, by its `jti`; `exp` is its expiry (unix seconds). */
  | { jti: string; exp: number }
  /** Every token of the user `sub` whose `iat` is at or before `issuedAtOrBefore` (unix seconds; after `GlobalSignOut`). */
  | { sub: string; issuedAtOrBefore: number };

/** How many revocations a verifier holds. */
export interface RevocationStats {
  /** Live revocations: those that still cover a token that could be accepted. */
  held: number;
  /** Revocations it can hold (0: revocation off). */
  capacity: number;
  /** Checks answered `revoked` because an entry stayed mid-write (a writer preempted while recording); 0 in normal operation. */
  contended: number;
}

/** A user's sign-out from one session (`signOut`): the `sub` and `origin_jti` of the token they signed out with. */
export interface SignOutRequest {
  sub: string;
  originJti: string;
}

/** What `signOut` recorded; a replica applies the same with `revoke`. */
export type SignOutRecorded =
  /** The session: the user's other sessions stay signed in. Replicas: `revoke({ originJti, sub })`. */
  | { recorded: "session" }
  /** The user: every token issued at or before `issuedAtOrBefore` (unix seconds), on every device. Replicas: `revoke({ sub, issuedAtOrBefore })`. */
  | { recorded: "subject"; issuedAtOrBefore: number };

/** Counters of the verified-signature cache (`signatureCacheStats()`). */
export interface SignatureCacheStats {
  /** Signatures found in the cache: their check was skipped. */
  hits: number;
  /** Signatures looked up and not found, then checked (valid or not). */
  misses: number;
  /** Entries the cache holds (0: off, and both counters stay 0). */
  capacity: number;
}

/** Counters of the verdict memo (`verdictMemoStats()`): one lookup per verification. */
export interface VerdictMemoStats {
  /** Tokens answered by re-checking their claims (valid or not). */
  hits: number;
  /** Tokens looked up and not found, or found under keys since replaced: verified in full. */
  misses: number;
  /** Entries the memo holds (0: off, and both counters stay 0). */
  capacity: number;
  /** Bytes it may hold. */
  maxBytes: number;
  /** Bytes it holds now. */
  bytes: number;
}

/** One pool's own settings: these may differ between the pools of a verifier. */
export interface PoolProperties {
  /** The user pool id, e.g. `us-east-1_AbC123`; its region gives the issuer and the JWKS URL. */
  userPoolId?: string;
  /** Exact issuer URL(s) accepted instead of the pool's (emulators); required without `userPoolId`. */
  issuer?: string | string[];
  /** App client id(s): `aud` of ID tokens, `client_id` of access tokens. */
  clientId: string | string[];
  /** `"id"`, `"access"`, or `null` / `"any"` for both (default: both). */
  tokenUse?: "id" | "access" | "any" | null;
  /** Required `cognito:groups`. */
  groups?: Requirement | null;
  /** Required scopes (access tokens). */
  scope?: Requirement | null;
  /** JWKS URL override (default: the pool's `/.well-known/jwks.json`). */
  jwksUri?: string;
  /**
   * Run last on tokens of this pool that passed every other check; throwing (or rejecting) fails
   * verification. `jwk` is the key the core verified the token with.
   */
  customJwtCheck?: (props: {
    header: Record<string, unknown>;
    payload: CognitoJwtPayload;
    jwk: Record<string, unknown> | undefined;
  }) => void | Promise<void>;
}

/** One user pool's properties: its own, and (the same in every pool) the verifier's. */
export interface CognitoVerifyProperties extends PoolProperties, VerifierProperties {}

export class CognitoJwtVerifier {
  private constructor();
  /** A verifier for one pool, or for several (the token's `iss` picks the pool). */
  static create(
    props: CognitoVerifyProperties | CognitoVerifyProperties[],
    additional?: VerifierProperties & Partial<PoolProperties>,
  ): CognitoJwtVerifier;
  /** Verifies with the keys held only; throws a `JwtVerificationError` subclass. */
  verifySync(token: string): CognitoJwtPayload;
  /**
   * Verifies, fetching the JWKS when the core's refresh policy asks (no keys yet, an unknown
   * `kid`; keys past their age are fetched again while the held ones verify); rejects with a
   * `JwtVerificationError` subclass.
   */
  verify(token: string): Promise<CognitoJwtPayload>;
  /** Installs a JWKS (object or JSON text) for a pool, as if just fetched: its id, or its issuer; optional with one pool. */
  cacheJwks(jwks: Jwks | string, userPoolId?: string): void;
  /** Fetches every pool's JWKS now unless held and fresh; rejects with `jwks_unavailable` when a pool has none. */
  hydrate(): Promise<void>;
  /** Hits and misses of the verified-signature cache since `create`, and its capacity. */
  signatureCacheStats(): SignatureCacheStats;
  /** Hits and misses of the verdict memo since `create`, its capacity and bytes. */
  verdictMemoStats(): VerdictMemoStats;
  /**
   * Denies the tokens `revocation` covers from now on (code `revoked`, `JwtRevokedError`), of
   * every pool (the verifier has one list), at `Date.now()`; throws `RevokeError` when it was not
   * recorded.
   */
  revoke(revocation: Revocation): void;
  /**
   * A user's sign-out from one session, at `Date.now()`: the core records the session, or, once
   * the user holds 4 live sessions or the list is nearly full, the user (every token issued until
   * now), and says which. One user holds at most 5 entries, for every pool. Throws `RevokeError`
   * when nothing was recorded.
   */
  signOut(signOut: SignOutRequest): SignOutRecorded;
  /** Live revocations now, the capacity, and checks answered `revoked` because an entry was mid-write. */
  revocationStats(): RevocationStats;
}

/** The user's claims an Application Load Balancer forwards in `x-amzn-oidc-data`'s payload. */
export interface AlbJwtPayload {
  sub?: string;
  email?: string;
  username?: string;
  exp?: number;
  iss?: string;
  [claim: string]: unknown;
}

/** `AlbJwtVerifier.create`'s properties, as aws-jwt-verify takes them, and the core's settings. */
export interface AlbVerifyProperties {
  /** The load balancer(s) whose tokens are accepted: the header's `signer`. */
  albArn: string | string[];
  /** The app client(s) the load balancer signs users in with: the header's `client`. Always checked. */
  clientId: string | string[];
  /** The header's `iss` (the identity provider's issuer), or null to accept any. */
  issuer: string | null;
  /** Seconds of clock skew allowed on `exp` (default 0). */
  graceSeconds?: number;
  /** One key fetch per load balancer per cooldown (default 30 s); each fetch's timeout. */
  jwksCache?: { unknownKidCooldownSeconds?: number; requestTimeoutSeconds?: number };
  /** Entries of the verified-signature cache (default 4,096; 0: off). */
  signatureCache?: number;
  /** Entries of the verdict memo (default 2,048; 0: off). */
  verdictMemo?: number;
  /** Bytes the verdict memo may hold (default 4 MiB). */
  verdictMemoBytes?: number;
  /** Largest token accepted (default 16 KiB). */
  maxTokenBytes?: number;
  /** Fetch keys from `{keyUrlBase}/{kid}` instead of the partition's host (tests: loopback http). */
  keyUrlBase?: string;
  /** The `fetch` keys are got with (default `globalThis.fetch`). */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
}

/**
 * Verifies `x-amzn-oidc-data`, the token an Application Load Balancer signs (ES256, padded
 * base64url, its key by `kid` at the ARN's region). In the ES256 build: `cognito-verify-wasm/es256`.
 */
export class AlbJwtVerifier {
  private constructor();
  static create(props: AlbVerifyProperties): AlbJwtVerifier;
  /** Verifies with the keys held only (a key not held: `unknown_kid`); throws a `JwtVerificationError` subclass. */
  verifySync(token: string): AlbJwtPayload;
  /** Verifies, fetching the token's key when the core's policy allows; rejects with a `JwtVerificationError` subclass. */
  verify(token: string): Promise<AlbJwtPayload>;
  /** Installs the key (PEM) load balancer `albArn` publishes under `kid`, as if fetched. */
  cacheKey(albArn: string, kid: string, pem: string): void;
  /** Key fetches started, failed, and keys held. */
  keyStats(): { fetches: number; failures: number; keys: number };
  /** Hits and misses of the verdict memo, its capacity and bytes. */
  verdictMemoStats(): VerdictMemoStats;
  /** Hits and misses of the verified-signature cache, and its capacity. */
  signatureCacheStats(): SignatureCacheStats;
}
