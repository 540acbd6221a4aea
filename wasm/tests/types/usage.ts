// Compiled by tests/types.test.mjs (tsc --noEmit): the declarations cover the public API.
import {
  AlbJwtPayload,
  AlbJwtVerifier,
  CognitoJwtVerifier,
  CognitoJwtPayload,
  ErrorCode,
  FetchError,
  SignatureCacheStats,
  VerdictMemoStats,
  JwtExpiredError,
  JwtRevokedError,
  JwtVerificationError,
  Revocation,
  RevocationStats,
  RevokeError,
  RevokeErrorCode,
  SignOutRecorded,
  VerifierProperties,
  errorCodeList,
} from "cognito-verify-wasm";
import { CognitoJwtVerifier as Es256Verifier } from "cognito-verify-wasm/es256";

const one = CognitoJwtVerifier.create({ userPoolId: "us-east-1_x", clientId: "c", tokenUse: "access", signatureVerifier: "webcrypto" });
const many = CognitoJwtVerifier.create(
  [
    { userPoolId: "us-east-1_a", clientId: ["c1", "c2"], tokenUse: null, groups: "admin" },
    { issuer: "http://127.0.0.1:9229/local", clientId: "c", scope: { allOf: ["a", "b"] } },
  ],
  {
    jwksCache: { unknownKidCooldownSeconds: 60, requestTimeoutSeconds: 3 },
    fetch: (url, init) => fetch(url, init),
    signatureCache: 1024,
    verdictMemo: 4096,
    verdictMemoBytes: 8 * 1024 * 1024,
    graceSeconds: 5,
  },
);
const node = CognitoJwtVerifier.create({
  userPoolId: "us-east-1_x",
  clientId: "c",
  signatureVerifier: "node",
  maxJwksBytes: 128 * 1024,
  allowInsecureHttp: true,
  jwksUri: "http://cognito.internal/jwks.json",
  signatureCache: 0,
  verdictMemo: 0,
});
const cacheStats: SignatureCacheStats = many.signatureCacheStats();
const lookups: number = cacheStats.hits + cacheStats.misses + node.signatureCacheStats().capacity;
const memoStats: VerdictMemoStats = many.verdictMemoStats();
const memoCounts: number = memoStats.hits + memoStats.misses + memoStats.capacity + memoStats.maxBytes + memoStats.bytes;
node.cacheJwks({ keys: [] });
Es256Verifier.create({ userPoolId: "us-east-1_x", clientId: "c", allowEs256: true }).cacheJwks({ keys: [] });
one.cacheJwks({ keys: [] });
many.cacheJwks('{"keys":[]}', "us-east-1_a");

async function use(token: string): Promise<string> {
  await many.hydrate();
  const p: CognitoJwtPayload = await one.verify(token);
  const q = one.verifySync(token);
  return p.sub + q.token_use + (q["cognito:groups"]?.join(",") ?? "");
}

function describe(e: unknown): ErrorCode | undefined {
  if (e instanceof JwtExpiredError) return e.code;
  if (e instanceof FetchError) return e.retryAt ? "jwks_unavailable" : e.code;
  if (e instanceof JwtVerificationError) return e.code;
  return undefined;
}

const codes: ErrorCode[] = errorCodeList();

const settings: VerifierProperties = { revocationCapacity: 8, maxTokenLifetime: 3600, maxTokenBytes: 8192 };
const revoking = CognitoJwtVerifier.create({ userPoolId: "us-east-1_x", clientId: "c" }, settings);
const kinds: Revocation[] = [{ originJti: "o" }, { originJti: "o", sub: "s" }, { jti: "j", exp: 1 }, { sub: "s", issuedAtOrBefore: 2 }];
for (const r of kinds) revoking.revoke(r);
const stats: RevocationStats = revoking.revocationStats();
const contended: number = stats.contended;
// What a sign-out recorded, passed on to a replica as the revocation of that kind.
const recorded: SignOutRecorded = revoking.signOut({ sub: "s", originJti: "o" });
const replica: Revocation =
  recorded.recorded === "session" ? { originJti: "o", sub: "s" } : { sub: "s", issuedAtOrBefore: recorded.issuedAtOrBefore };
revoking.revoke(replica);
function revokeCode(e: unknown): RevokeErrorCode | "revoked" | undefined {
  if (e instanceof RevokeError) return e.code;
  if (e instanceof JwtRevokedError) return e.code === "revoked" ? "revoked" : undefined;
  return undefined;
}
export { stats, contended, revokeCode };
CognitoJwtVerifier.create({
  userPoolId: "us-east-1_x",
  clientId: "c",
  customJwtCheck: async ({ payload, header, jwk }) => {
    if (payload.token_use !== "id" || !header.kid || !jwk) throw new Error("no");
  },
});
export { use, describe, codes, lookups, memoCounts };
// An ALB verifier, as aws-jwt-verify's is created.
const alb = AlbJwtVerifier.create({
  albArn: "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/web/50dc6c495c0c9188",
  issuer: null,
  clientId: ["c1", "c2"],
  graceSeconds: 5,
  jwksCache: { unknownKidCooldownSeconds: 10 },
});
async function albUser(header: string): Promise<string | undefined> {
  const payload: AlbJwtPayload = await alb.verify(header);
  const memo: VerdictMemoStats = alb.verdictMemoStats();
  return memo.hits > 0 ? payload.email : payload.sub;
}
export { albUser };
