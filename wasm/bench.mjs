// Benchmark (not a test): module size, and tokens/s in Node of verifySync (RSA in wasm) and of
// `await verify` (RSA in WebCrypto, one at a time and 64 in flight; and forced to wasm) beside
// aws-jwt-verify and jose in the same run, on a Cognito-shaped RS256-2048 ID token. Run after
// ./build.sh and npm ci:
//   node wasm/bench.mjs [seconds-per-row]
// PKG=/path/to/pkg compares another build (e.g. WASM_OPT_LEVEL=3).
import { constants, createPublicKey, verify as nodeVerify, webcrypto } from "node:crypto";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { CognitoJwtVerifier as Aws } from "aws-jwt-verify";
import * as jose from "jose";
import { CLIENT, JWKS, POOL, ISSUER, freshToken } from "./tests/fixtures.mjs";

const pkgDir = process.env.PKG ? new URL(`file://${process.env.PKG.replace(/\/?$/, "/")}`) : new URL("./pkg/", import.meta.url);
const { CognitoJwtVerifier } = await import(new URL("node.mjs", pkgDir).href);
const seconds = Number(process.argv[2] ?? 2);

const wasm = readFileSync(new URL("cognito_verify_wasm_bg.wasm", pkgDir));
const glue = ["cognito_verify_wasm.js", "api.mjs", "node.mjs"].map((f) => readFileSync(new URL(f, pkgDir)));
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`module: ${wasm.length} bytes raw (${kib(wasm.length)}), ${gzipSync(wasm, { level: 9 }).length} gzipped (${kib(gzipSync(wasm, { level: 9 }).length)})`);
const js = Buffer.concat(glue);
console.log(`JS glue: ${js.length} bytes raw, ${gzipSync(js, { level: 9 }).length} gzipped`);

const token = freshToken({ "custom:tenant": "acme-corporation", "cognito:groups": ["admin", "users", "billing"] });
console.log(`token: ${token.length} bytes, RS256-2048\n`);

function rate(name, f) {
  for (let i = 0; i < 200; i++) f(); // warm-up
  let n = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 50; i++) f();
    n += 50;
  }
  const perSec = n / ((performance.now() - start) / 1000);
  console.log(`${name.padEnd(48)} ${Math.round(perSec).toString().padStart(8)} tokens/s`);
  return perSec;
}

async function rateAsync(name, f, inFlight = 1) {
  for (let i = 0; i < 200; i++) await f();
  let n = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  while (performance.now() < until) {
    await Promise.all(Array.from({ length: inFlight }, f));
    n += inFlight;
  }
  const perSec = n / ((performance.now() - start) / 1000);
  console.log(`${name.padEnd(48)} ${Math.round(perSec).toString().padStart(8)} tokens/s`);
  return perSec;
}

const ours = CognitoJwtVerifier.create({ userPoolId: POOL, clientId: CLIENT, tokenUse: "id" });
ours.cacheJwks(JWKS);
const oursWasm = CognitoJwtVerifier.create({ userPoolId: POOL, clientId: CLIENT, tokenUse: "id", signatureVerifier: "wasm" });
oursWasm.cacheJwks(JWKS);
const aws = Aws.create({ userPoolId: POOL, clientId: CLIENT, tokenUse: "id" });
aws.cacheJwks(JWKS);
const jwk = JWKS.keys.find((k) => k.kid === "kA");
const joseKey = await jose.importJWK(jwk, "RS256");
const joseSet = jose.createLocalJWKSet(JWKS);

const r = {};
r.ours = rate("cognito-verify-wasm verifySync (wasm RSA)", () => ours.verifySync(token));
r.oursWc = await rateAsync("cognito-verify-wasm await verify (WebCrypto, 1)", () => ours.verify(token));
r.oursWc64 = await rateAsync("cognito-verify-wasm await verify (WebCrypto, 64)", () => ours.verify(token), 64);
r.oursWasm = await rateAsync("cognito-verify-wasm await verify (wasm RSA, 1)", () => oursWasm.verify(token));
r.aws = rate("aws-jwt-verify verifySync", () => aws.verifySync(token));
r.awsAsync = await rateAsync("aws-jwt-verify await verify (one at a time)", () => aws.verify(token));
r.jose = await rateAsync("jose jwtVerify (awaited one at a time)", () =>
  jose.jwtVerify(token, joseKey, { issuer: ISSUER, audience: CLIENT }));
r.jose64 = await rateAsync("jose jwtVerify (64 in flight)", () =>
  jose.jwtVerify(token, joseSet, { issuer: ISSUER, audience: CLIENT }), 64);

// The signature alone, for the "WebCrypto for async verify" question.
const [h, p, s] = token.split(".");
const data = Buffer.from(`${h}.${p}`);
const sig = Buffer.from(s, "base64url");
const nodeKey = createPublicKey({ key: jwk, format: "jwk" });
rate("node:crypto RSA verify only", () => nodeVerify("sha256", data, { key: nodeKey, padding: constants.RSA_PKCS1_PADDING }, sig));
const wcKey = await webcrypto.subtle.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
await rateAsync("WebCrypto RSA verify only (one at a time)", () => webcrypto.subtle.verify("RSASSA-PKCS1-v1_5", wcKey, sig, data));
await rateAsync("WebCrypto RSA verify only (64 in flight)", () => webcrypto.subtle.verify("RSASSA-PKCS1-v1_5", wcKey, sig, data), 64);

const ratio = (a, b) => (a / b).toFixed(2);
console.log(`\nratios to aws-jwt-verify verifySync: verifySync ${ratio(r.ours, r.aws)}, ` +
  `await verify WebCrypto ${ratio(r.oursWc, r.aws)} (1) / ${ratio(r.oursWc64, r.aws)} (64 in flight), ` +
  `await verify wasm ${ratio(r.oursWasm, r.aws)}`);
console.log(`ratios to jose: await verify WebCrypto ${ratio(r.oursWc, r.jose)} (1), ${ratio(r.oursWc64, r.jose64)} (64 in flight)`);
