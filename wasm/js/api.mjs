// The aws-jwt-verify-shaped API over the wasm core (see ../src/lib.rs for the low-level layer).
//
// Every decision is the core's (the configuration and its pool ids, issuers and JWKS URLs, which
// pool a token belongs to, which key set may replace another): the JS checks argument types (so
// nothing hostile reaches wasm: options.mjs, revocation.mjs), carries out the JWKS fetches the
// core's refresh policy asks for (jwks.mjs), runs the signature engines the core calls back into
// (engines.mjs), and turns status numbers into Error subclasses carrying the core's stable `.code`
// (errors.mjs). verifier.mjs holds `CognitoJwtVerifier`; this file is the public surface.
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

export {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidGroupError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwkValidationError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwtBaseError,
  JwtCustomCheckError,
  JwtExpiredError,
  JwtInvalidClaimError,
  JwtInvalidIssuerError,
  JwtInvalidScopeError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtRevokedError,
  JwtVerificationError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  ParameterValidationError,
  RevokeError,
  errorCodeList,
} from "./errors.mjs";
export { CognitoJwtVerifier } from "./verifier.mjs";
