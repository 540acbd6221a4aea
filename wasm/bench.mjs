// Benchmark (not a test): module size, and tokens/s in one Node process over the same 1,000
// Cognito-shaped RS256-2048 ID tokens, side by side with aws-jwt-verify and jose:
// verifySync, `await verify` one at a time and 64 in flight (node:crypto, the Node default), and
// the pure-wasm arithmetic (`signatureVerifier: "wasm"`, what browsers and Workers run for
// verifySync). Every token is verified many times, so the rows that measure the signature check
// turn the verified-signature cache off (`signatureCache: 0`); a last group measures cache hits
// and misses beside the same verification without the cache. Run after ./build.sh and npm ci:
//   node wasm/bench.mjs [seconds-per-row]   (default 3)
// PKG=/path/to/pkg compares another build.
import { constants, createPublicKey, verify as nodeVerify } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { gzipSync } from "node:zlib";
import { CognitoJwtVerifier as Aws } from "aws-jwt-verify";
import * as jose from "jose";
import { CLIENT, JWKS, POOL, ISSUER, freshToken } from "./tests/fixtures.mjs";

const pkgDir = process.env.PKG ? new URL(`file://${process.env.PKG.replace(/\/?$/, "/")}`) : new URL("./pkg/", import.meta.url);
const { CognitoJwtVerifier } = await import(new URL("node.mjs", pkgDir).href);
const seconds = Number(process.argv[2] ?? 3); // per row, over all rounds

console.log(`${new Date().toISOString()}, Node ${process.version}, ${cpus()[0]?.model} x${cpus().length}`);
const wasm = readFileSync(new URL("cognito_verify_wasm_bg.wasm", pkgDir));
const gz = (b) => gzipSync(b, { level: 9 }).length;
console.log(`module: ${wasm.length} bytes raw, ${gz(wasm)} gzipped`);
const glue = Buffer.concat(["cognito_verify_wasm.js", "api.mjs", "errors.mjs", "options.mjs", "jwks.mjs", "engines.mjs", "verifier.mjs", "revocation.mjs", "platform.mjs", "node.mjs"].map((f) => readFileSync(new URL(f, pkgDir))));
console.log(`JS glue: ${glue.length} bytes raw, ${gz(glue)} gzipped`);

const N = 1000;
const tokens = Array.from({ length: N }, (_, i) =>
  freshToken({
    sub: `${String(i).padStart(8, "0")}-bbbb-cccc-dddd-eeeeeeeeeeee`,
    "cognito:username": `user${i}`,
    "custom:tenant": "acme-corporation",
    "cognito:groups": ["admin", "users", "billing"],
    jti: `j-${i}-${Math.random().toString(36).slice(2)}`,
  }));
console.log(`${N} tokens of about ${tokens[0].length} bytes, RS256-2048\n`);

// The machine is shared: the rows of a group are measured in alternating short rounds, so that a
// burst of load elsewhere hits all of them alike, and each row reports its median round.
const ROUNDS = 9;

async function measure(f, inFlight, ms) {
  let n = 0;
  const start = performance.now();
  const until = start + ms;
  while (performance.now() < until) {
    if (inFlight === 0) {
      for (let i = 0; i < 50; i++) f(tokens[(n + i) % N]);
      n += 50;
    } else if (inFlight === 1) {
      for (let i = 0; i < 50; i++) await f(tokens[(n + i) % N]);
      n += 50;
    } else {
      await Promise.all(Array.from({ length: inFlight }, (_, i) => f(tokens[(n + i) % N])));
      n += inFlight;
    }
  }
  return n / ((performance.now() - start) / 1000);
}

/** rows: [name, f, inFlight (0: synchronous)]; returns the median tokens/s of each row. */
async function group(rows) {
  const rates = rows.map(() => []);
  for (const [, f, inFlight] of rows) await measure(f, inFlight, 200); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, [, f, inFlight]] of rows.entries()) rates[i].push(await measure(f, inFlight, (seconds * 1000) / ROUNDS));
  }
  const medians = rates.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]);
  for (const [i, [name]] of rows.entries()) {
    console.log(`${name.padEnd(56)} ${Math.round(medians[i]).toString().padStart(8)} tokens/s`);
  }
  return medians;
}

// Without `cache`, signatureCache 0: each call checks its signature (aws-jwt-verify and jose
// cache keys, never verified signatures); with it, the default cache.
const make = (signatureVerifier, cache = false) => {
  const props = { userPoolId: POOL, clientId: CLIENT, tokenUse: "id", signatureVerifier };
  const v = CognitoJwtVerifier.create(cache === true ? props : { ...props, signatureCache: cache || 0 });
  v.cacheJwks(JWKS);
  return v;
};
const ours = make(undefined); // "auto": node:crypto in Node
const oursWasm = make("wasm");
const oursWc = make("webcrypto");
const aws = Aws.create({ userPoolId: POOL, clientId: CLIENT, tokenUse: "id" });
aws.cacheJwks(JWKS);
const joseSet = jose.createLocalJWKSet(JWKS);
const joseOpts = { issuer: ISSUER, audience: CLIENT };
for (const t of tokens.slice(0, 3)) {
  if (ours.verifySync(t).sub !== aws.verifySync(t).sub) throw new Error("verifiers disagree");
}

const r = {};
[r.sync, r.awsSync] = await group([
  ["cognito-verify-wasm verifySync (node:crypto)", (t) => ours.verifySync(t), 0],
  ["aws-jwt-verify verifySync", (t) => aws.verifySync(t), 0],
]);
[r.async1, r.awsAsync1, r.jose1] = await group([
  ["cognito-verify-wasm await verify (node:crypto, 1)", (t) => ours.verify(t), 1],
  ["aws-jwt-verify await verify (1)", (t) => aws.verify(t), 1],
  ["jose jwtVerify (1)", (t) => jose.jwtVerify(t, joseSet, joseOpts), 1],
]);
[r.async64, r.awsAsync64, r.jose64] = await group([
  ["cognito-verify-wasm verify (node:crypto, 64 in flight)", (t) => ours.verify(t), 64],
  ["aws-jwt-verify verify (64 in flight)", (t) => aws.verify(t), 64],
  ["jose jwtVerify (64 in flight)", (t) => jose.jwtVerify(t, joseSet, joseOpts), 64],
]);
[r.wasm, r.wc1, r.wc64] = await group([
  ["cognito-verify-wasm verifySync (pure wasm)", (t) => oursWasm.verifySync(t), 0],
  ["cognito-verify-wasm await verify (WebCrypto, 1)", (t) => oursWc.verify(t), 1],
  ["cognito-verify-wasm verify (WebCrypto, 64 in flight)", (t) => oursWc.verify(t), 64],
]);

// The verified-signature cache (on by default): every token seen before, so each call is a hit
// that skips the engine and runs every other check; beside it, the same call without the cache.
const cached = make(undefined, true);
const cachedWc = make("webcrypto", true);
for (const t of tokens) {
  cached.verifySync(t);
  await cachedWc.verify(t);
}
const primed = [cached.signatureCacheStats(), cachedWc.signatureCacheStats()];
// Every lookup a miss, and every miss stored: 8 entries (one bucket) for the 1,000 tokens in turn.
const missing = make(undefined, 8);
const missingWasm = make("wasm", 8);
[r.hit, r.hitWc, r.miss, r.noCache, r.missWasm, r.noCacheWasm] = await group([
  ["cognito-verify-wasm verifySync, signature-cache hit", (t) => cached.verifySync(t), 0],
  ["cognito-verify-wasm await verify (WebCrypto), cache hit", (t) => cachedWc.verify(t), 1],
  ["cognito-verify-wasm verifySync, cache miss (node:crypto)", (t) => missing.verifySync(t), 0],
  ["cognito-verify-wasm verifySync, no cache (node:crypto)", (t) => ours.verifySync(t), 0],
  ["cognito-verify-wasm verifySync, cache miss (pure wasm)", (t) => missingWasm.verifySync(t), 0],
  ["cognito-verify-wasm verifySync, no cache (pure wasm)", (t) => oursWasm.verifySync(t), 0],
]);
for (const v of [missing, missingWasm]) {
  if (v.signatureCacheStats().hits !== 0) throw new Error(`a miss row hit: ${JSON.stringify(v.signatureCacheStats())}`);
}
for (const [i, v] of [cached, cachedWc].entries()) {
  const { hits, misses, capacity } = v.signatureCacheStats();
  // Every token missed once while priming, and nearly always hit since: a bucket (8 ways) that
  // drew more than 8 of the 1,000 tokens keeps the 8 in use and misses the others every round.
  const rate = hits / (hits + misses - N);
  if (primed[i].misses !== N || rate < 0.99) throw new Error(`cache: ${hits} hits, ${misses} misses for ${N} tokens`);
  console.log(`  cache of the ${i === 0 ? "verifySync" : "WebCrypto"} row: ${hits} hits, ${misses} misses ` +
    `(${N} while priming; ${(100 * rate).toFixed(2)}% hits since), capacity ${capacity}`);
}

// The signature alone: the floor under every node:crypto row.
const [h, p, s] = tokens[0].split(".");
const data = Buffer.from(`${h}.${p}`);
const sig = Buffer.from(s, "base64url");
const nodeKey = createPublicKey({ key: JWKS.keys.find((k) => k.kid === "kA"), format: "jwk" });
await group([["node:crypto RSA verify only", () => nodeVerify("sha256", data, { key: nodeKey, padding: constants.RSA_PKCS1_PADDING }, sig), 0]]);

const x = (a, b) => `${(a / b).toFixed(2)}x`;
console.log(`\nratios to aws-jwt-verify: verifySync ${x(r.sync, r.awsSync)}, await verify (1) ${x(r.async1, r.awsAsync1)}, ` +
  `64 in flight ${x(r.async64, r.awsAsync64)}`);
console.log(`ratios to jose: await verify (1) ${x(r.async1, r.jose1)}, 64 in flight ${x(r.async64, r.jose64)}`);
console.log(`pure wasm verifySync: ${Math.round(r.wasm)} tokens/s`);
console.log(`signature cache, verifySync: hit ${Math.round(r.hit)} tokens/s (${x(r.hit, r.noCache)} the same call without ` +
  `the cache), miss ${Math.round(r.miss)} tokens/s (${x(r.miss, r.noCache)}); pure wasm: miss ${x(r.missWasm, r.noCacheWasm)}`);
