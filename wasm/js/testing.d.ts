// Types of `cognito-verify-wasm/testing` (Node only): the testing kit.
import type { CognitoJwtVerifier } from "./index.js";

/** The kit's private key (PKCS#8 PEM): public knowledge, tests only. */
export declare const TEST_KEY_PEM: string;
/** The `kid` of the kit's key in `jwks()` and in every token it signs ("kA"). */
export declare const TEST_KID: string;
/** The `sub` of the kit's tokens unless the claims say otherwise. */
export declare const TEST_SUB: string;

/** The JWKS document of the kit's key. */
export declare function jwks(): { keys: Array<{ kty: "RSA"; alg: "RS256"; use: "sig"; kid: string; n: string; e: string }> };
/** Signs any claims as an RS256 token with the kit's key. */
export declare function signClaims(claims: Record<string, unknown>, kid?: string): string;
/** A `fetch` that rejects every call; `calls` counts them. */
export declare function offlineFetch(): ((url: string, init?: unknown) => Promise<never>) & { calls: number };

export interface MintOptions {
  /** Seconds from `iat` to `exp` (default 3600). */
  expiresIn?: number;
  /** `iat` and `auth_time`, unix seconds (default now). */
  issuedAt?: number;
  /** The header's `kid` (default `TEST_KID`); another makes the token `unknown_kid`. */
  kid?: string;
}

/** A user pool and app client to mint tokens for and to build verifiers of. */
export declare class TestPool {
  constructor(userPoolId: string, clientId: string);
  readonly userPoolId: string;
  readonly clientId: string;
  /** `https://cognito-idp.{region}.amazonaws.com/{userPoolId}` */
  readonly issuer: string;
  /** An ID token of user `alice`; `claims` replace or add claims (`undefined` leaves one out). */
  mintIdToken(claims?: Record<string, unknown>, options?: MintOptions): string;
  /** An access token of user `alice`; as `mintIdToken`. */
  mintAccessToken(claims?: Record<string, unknown>, options?: MintOptions): string;
  /** A verifier of this pool and client holding the kit's keys, whose `fetch` rejects every call. */
  verifier(props?: Record<string, unknown>): CognitoJwtVerifier;
}
