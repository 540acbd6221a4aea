// The Error classes this package throws, and the map from the core's stable codes (and the status
// numbers wasm returns) to them: every error carries the core's `.code`, the same word as in Rust
// and C.

import { errorCodes, errorMessage } from "./cognito_verify_wasm.js";

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
/** An ALB token's `signer` is not one of the configured load balancers (code `wrong_signer`). */
export class AlbJwtInvalidSignerError extends JwtInvalidClaimError {}
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
  wrong_signer: AlbJwtInvalidSignerError,
};

let codes; // read from wasm on first use: the module is initialised after this file is evaluated
function codeList() {
  return (codes ??= errorCodes().split(","));
}

/** Every code a `JwtVerificationError` may carry: the core's. */
export function errorCodeList() {
  return [...codeList()];
}

function errorOf(code, message, options) {
  const Cls = CLASS_OF_CODE[code] ?? JwtVerificationError;
  return new Cls(code, message, options);
}

export function statusError(status) {
  const code = codeList()[status - 1] ?? "invalid_configuration";
  return errorOf(code, errorMessage(status) || code);
}

export function configError(message) {
  return new ParameterValidationError("invalid_configuration", message);
}

const STATUS = {};
export function statusOf(code) {
  if (!(code in STATUS)) STATUS[code] = codeList().indexOf(code) + 1;
  return STATUS[code];
}

export function customCheckError(cause) {
  return new JwtCustomCheckError("custom_check_failed", "custom check rejected the token", { cause });
}

/** A revocation was not recorded: `.code` is the core's (`revocation_list_full`, `empty_value`, `value_too_long`, `revocation_disabled`). */
export class RevokeError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = "RevokeError";
    this.code = code;
  }
}
