// The aws-jwt-verify-shaped API over the wasm core (see ../src/lib.rs for the low-level layer).
//
// Every decision is the core's: one verifier (`VerifierCore`) holds the configuration of every
// pool, which pool a token belongs to, each pool's keys and when to fetch them, the verdict memo,
// the verified-signature cache and the revocation list. The JS checks argument types (so nothing
// hostile reaches wasm: options.mjs, revocation.mjs), carries out the JWKS fetches the core's
// refresh policy asks for (jwks.mjs), runs the signature engines the core calls back into
// (engines.mjs), and turns status numbers into Error subclasses carrying the core's stable `.code`
// (errors.mjs). verifier.mjs holds `CognitoJwtVerifier`; this file is the public surface.
//
// Where the signature math runs (`signatureVerifier`):
// - "node" (Node's entry): `node:crypto`, synchronously, for `verifySync` and `verify`, in the middle
//   of one wasm call that parses the token once: the core runs every check, calls back into JS with
//   the index of the key it chose and views of the signing input and the signature, and checks the
//   claims once JS said yes.
// - "webcrypto" (`verify` in browsers and Workers): the core runs every check up to the signature
//   and hands over what to verify (first call), WebCrypto verifies it, and the core reads the token
//   again with WebCrypto's answer for exactly that signature and checks the claims (second call).
//   `verifySync` stays in wasm.
// - "wasm": the core's own arithmetic.
// Whenever the platform cannot give the answer (a key it cannot import, keys replaced meanwhile, an
// exception), the wasm arithmetic answers instead: the verdict is the core's either way.
//
// The verdict memo (`verdictMemo`, one per verifier) is the core's, on every path: a token that
// passed every check before is answered by the core re-checking its claims, found through the
// glue's index of tokens without the token crossing into wasm (verifier.mjs, ../src/memo.rs).
// The verified-signature cache (`signatureCache`, one per verifier, shared by its pools) is the
// core's too, for what the memo misses: a signature found there skips only the engine (a
// WebCrypto verification then ends with its first call); the core counts hits and misses and
// stores a token only after every check passed.

export {
  AlbJwtInvalidSignerError,
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
export { AlbJwtVerifier } from "./alb.mjs";
export { CognitoJwtVerifier } from "./verifier.mjs";
