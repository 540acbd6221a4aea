// The testing kit (Node only: node:crypto): a fixed RSA 2048 key and its JWKS, Cognito-shaped ID
// and access tokens with the claims a test chooses, and a verifier that holds the kit's keys and
// never fetches. The private key is public (testdata/keys/rsa2048_a.pem of the repository): tests
// only.
import { createPrivateKey, createPublicKey, sign } from "node:crypto";
import { CognitoJwtVerifier } from "./node.mjs";

/** The kit's private key, PKCS#8 PEM. */
export const TEST_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCqbciTCpScLxMq
Gu+arfZI+XMsComKDKohoO4wPN0hqJfO4K17z8YsA69V/sLbhNAEJ3RsKAbWlwDP
6CAI2biKgK0qDWNU20P+aiBb7vVxWGSEkAUR9lvY40eaAMhUypSqnWuhvoJbDGEJ
XSFtw7pOQUDn05kBQ/nd5HCdfxP4wGi9r9DiB6DQyPUtohnYjH70lARq9TB41gCE
j5mmKhL4j8J+CzO4C9j6+9/bOKfU07RX/TwE6inomK3KvtU0fUU6GUDozfSX4Fuk
NnQtCYU0w5cEYBRNd0gqXzsZlvQiSs75coWjba44wCBD/x/QaMJpVSrtz/75Z2br
hX6P7S17AgMBAAECggEAR+gH/1owd3E5McOpomaRihqNaGCNxUwwn/2pYXrche3/
Fw8ewyVX5IwtdygFCN+RcJ9A9L0ynWmasx2qHnHV9cHyzdJWPaBBoN8gBgndTtRP
nMqzCPAbsne6ZxS7cWMDtLS0i8q4bzfa3TuI9inluky32NgjLzCCBQf0J89NGt9L
Ct3pSZmF45lQiYlfKijWRcR4fcwTfoLFPE4AizkFqMeu3/+UfkYo4HH4NNES9Joa
4bwnQJLfPbKJsAt11t3MOGnCDIfwLoyInXQau+03qkmFdM6v9LFBG0tV2jCIGeBf
9WmcKq9k/ykgyaPAVqQJMZ83iWMgOV4Ju+Tw3eiR0QKBgQDcuTKH+t1rlLsaKTeO
DPgakudFtIJAxY1HkjjO4JOmcjS6xi7gUbKUq8GfwAnqfYCXWEbRtvOHPwodxx+V
w7HaVjzScfNC9XTCQiGI3/J5bH28ZSVC3uTybhvQ9VPFtlITJgtatWEwB1ZJKp11
g87NwhpFLAl3c400Ma6y3AfuOQKBgQDFqs4boBmrDdNlzMQC6DJocxeJWtoPs1/L
3qwbuVMNfZzU7iyzjrCsMNWIeH5yL4N7sZwOn2Edxfj2z/pn2ZB6izkE3wc87f0j
LIG9Kr4Ke0LPdnbejB889ukIv8wsTD+ZECHDMDsaGM3Il/byDmtjYDmGmrC2FlpN
vf1gh9J5UwKBgBGM3Dq5tL9oHRRwcI1n9JZQVflR6AV0b85gDwpMCxFyBUVQmsuV
U2jE22lzYJZ3kjD2gPMN5AE9/vTtL1K+M7cTolRtYRVS5QzJK1dxzxreiIThWfwe
MwAfxzBvQVD4NUB2hvKYd3jVLIQ20jxU1a3AoEwdu0b3NiQPSz/HhQ3pAoGASZyA
QP1wUalGboTBAiwiiY9C1p4E0xADvtJf2bs8WKvMuecwsnWTCazt+HKW9EMJfgj4
iuGDsyjEvHVbVU1KZrhuNYgxE9m1CWJLtnyyZQjeKpB9WAdqorN4uQ9kI6MJlCDT
0fKmL+PIzsj458/C4jE1exEkecr9OjJkp4wtL40CgYEAzpD/YghfhzBpa7cggv2P
ZG5nZks8SLWytWi/pJqK+4kGk5ZZ+M7u2yBuQxqzw/A3XP5PWtfYiNtdv2GBN5gY
DiZFnPjSMj2sIvR9ts2IJu8B0eyjPahq4188aCIZRAKz+314M1Y1TWsQyDi7VIEG
Ti54Q+c8gcTR+XcO555qMjo=
-----END PRIVATE KEY-----
`;
/** The `kid` of the kit's key in `jwks()` and in every token it signs. */
export const TEST_KID = "kA";
/** The `sub` of the kit's tokens unless the claims say otherwise. */
export const TEST_SUB = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

const privateKey = createPrivateKey(TEST_KEY_PEM);
const b64 = (x) => Buffer.from(typeof x === "string" ? x : JSON.stringify(x)).toString("base64url");
const nowSeconds = () => Math.floor(Date.now() / 1000);
// Distinct jti's, so revocation tests can tell tokens apart; the same sequence in every run.
let serial = 0;
const uuid = (prefix) => `${prefix}-0000-4000-8000-${serial.toString(16).padStart(12, "0")}`;

/** The JWKS document of the kit's key, `{ keys: [{ kty: "RSA", kid: "kA", ... }] }`. */
export function jwks() {
  const { n, e } = createPublicKey(privateKey).export({ format: "jwk" });
  return { keys: [{ kty: "RSA", alg: "RS256", use: "sig", kid: TEST_KID, n, e }] };
}

/** Signs any claims as an RS256 token with the kit's key (`kid` default `TEST_KID`). */
export function signClaims(claims, kid = TEST_KID) {
  const input = `${b64({ kid, alg: "RS256" })}.${b64(claims)}`;
  return `${input}.${sign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
}

/**
 * Rejects every request: the kit's verifiers get their keys from `cacheJwks` only, so an unknown
 * kid is `unknown_kid` and nothing leaves the process. `calls` counts the attempts.
 */
export function offlineFetch() {
  const f = async (url) => {
    f.calls += 1;
    throw new Error(`cognito-verify-wasm/testing: offline, no fetch of ${url}`);
  };
  f.calls = 0;
  return f;
}

/** A user pool and app client to mint tokens for and to build verifiers of. */
export class TestPool {
  constructor(userPoolId, clientId) {
    this.userPoolId = userPoolId;
    this.clientId = clientId;
    const region = userPoolId.split("_")[0];
    this.issuer = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
  }

  #claims(specific, options) {
    const { expiresIn = 3600, issuedAt = nowSeconds() } = options;
    serial += 1;
    return {
      sub: TEST_SUB, iss: this.issuer, origin_jti: uuid("00000000"), event_id: uuid("11111111"),
      auth_time: issuedAt, iat: issuedAt, exp: issuedAt + expiresIn, jti: uuid("22222222"), ...specific,
    };
  }

  /**
   * An ID token of user `alice`, valid for an hour from now; `claims` replace or add claims
   * (`{ "cognito:groups": ["admin"] }`, `{ sub: undefined }` leaves one out).
   * Options: `expiresIn` (seconds, default 3600), `issuedAt` (unix seconds), `kid`.
   */
  mintIdToken(claims = {}, options = {}) {
    const base = { token_use: "id", aud: this.clientId, "cognito:username": "alice", email: "alice@example.com", email_verified: true };
    return signClaims(this.#claims({ ...base, ...claims }, options), options.kid);
  }

  /** An access token of user `alice` (scope `aws.cognito.signin.user.admin`); as `mintIdToken`. */
  mintAccessToken(claims = {}, options = {}) {
    const base = { token_use: "access", client_id: this.clientId, username: "alice", scope: "aws.cognito.signin.user.admin" };
    return signClaims(this.#claims({ ...base, ...claims }, options), options.kid);
  }

  /**
   * A `CognitoJwtVerifier` of this pool and client (`tokenUse` null unless `props` says) holding
   * the kit's keys; its `fetch` rejects every call (`offlineFetch()`; pass `props.fetch` of your
   * own, e.g. an `offlineFetch()` kept, to count them). The JS verifier has no clock option: it
   * runs on `Date.now()`, and so do the minted tokens.
   */
  verifier(props = {}) {
    const v = CognitoJwtVerifier.create({ userPoolId: this.userPoolId, clientId: this.clientId, tokenUse: null, fetch: offlineFetch(), ...props });
    v.cacheJwks(jwks());
    return v;
  }
}
