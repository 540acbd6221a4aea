// Benchmark (not a test): module size, and tokens/s in one Node process over the same 1,000
// Cognito-shaped RS256-2048 ID tokens, side by side with aws-jwt-verify, jose and (when installed,
// a devDependency here) fast-jwt: verifySync, `await verify` one at a time and 64 in flight
// (node:crypto, the Node default), and the pure-wasm arithmetic (`signatureVerifier: "wasm"`, what
// browsers and Workers run for verifySync). Every token is verified many times, so the rows that
// measure a verification turn the verdict memo and the verified-signature cache off
// (`verdictMemo: 0, signatureCache: 0`); two last groups measure a token seen before: verdict-memo
// hits beside fast-jwt's token cache, and signature-cache hits and misses beside the same
// verification without the cache. Run after ./build.sh and npm ci:
//   node wasm/bench.mjs [seconds-per-row]   (default 3)
// PKG=/path/to/pkg compares another build.
import { constants, createPublicKey, verify as nodeVerify } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { gzipSync } from "node:zlib";
import { CognitoJwtVerifier as Aws } from "aws-jwt-verify";
import * as jose from "jose";
import { CLIENT, JWKS, POOL, ISSUER, freshToken } from "./tests/fixtures.mjs";

// fast-jwt, when installed (wasm/package.json pins it): its verifier takes one key, kA's PEM.
const fastJwt = await import("fast-jwt").then((m) => m.default ?? m, () => null);

const pkgDir = process.env.PKG ? new URL(`file://${process.env.PKG.replace(/\/?$/, "/")}`) : new URL("./pkg/", import.meta.url);
const { CognitoJwtVerifier } = await import(new URL("node.mjs", pkgDir).href);
const seconds = Number(process.argv[2] ?? 3); // per row, over all rounds

const load = () => loadavg().map((l) => l.toFixed(2)).join(", ");
console.log(`${new Date().toISOString()}, Node ${process.version}, ${cpus()[0]?.model} x${cpus().length}, load average ${load()}`);
const wasm = readFileSync(new URL("cognito_verify_wasm_bg.wasm", pkgDir));
const gz = (b) => gzipSync(b, { level: 9 }).length;
console.log(`module: ${wasm.length} bytes raw, ${gz(wasm)} gzipped`);
const glue = Buffer.concat(["cognito_verify_wasm.js", "api.mjs", "errors.mjs", "options.mjs", "jwks.mjs", "engines.mjs", "verifier.mjs", "revocation.mjs", "alb.mjs", "platform.mjs", "node.mjs"].map((f) => readFileSync(new URL(f, pkgDir))));
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
// burst of load elsewhere hits all of them alike, and each row reports its median round, per
// second of wall time and per second of this process's CPU time (less swayed by other processes
// taking turns on the cores; it counts every thread of the process, WebCrypto's included).
const ROUNDS = 9;

/** Tokens per second of wall time and of CPU time. */
async function measure(f, inFlight, ms) {
  let n = 0;
  const cpu = process.cpuUsage();
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
  const { user, system } = process.cpuUsage(cpu);
  return [n / ((performance.now() - start) / 1000), n / ((user + system) / 1e6)];
}

/**
 * rows: [id, name, f, inFlight (0: synchronous)], or a falsy value (left out); sets `r[id]` and
 * `rc[id]` to the median tokens per second of wall time and of CPU time of each row.
 */
const r = {};
const rc = {};
async function group(list) {
  const rows = list.filter(Boolean);
  const rates = rows.map(() => []);
  for (const [, , f, inFlight] of rows) await measure(f, inFlight, 200); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [, , f, inFlight]] of rows.entries()) rates[i].push(await measure(f, inFlight, (seconds * 1000) / ROUNDS));
  }
  const median = (list) => list.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
  for (const [i, [id, name]] of rows.entries()) {
    r[id] = median(rates[i].map(([wall]) => wall));
    rc[id] = median(rates[i].map(([, cpu]) => cpu));
    const n = (x) => Math.round(x).toString().padStart(8);
    console.log(`${name.padEnd(60)} ${n(r[id])} tokens/s ${n(rc[id])} per CPU-s`);
  }
}

// `cache` and `memo`: the entries of the signature cache and the verdict memo, 0 (off) unless
// given ("default": the package's default). So by default each call verifies the token in full
// (aws-jwt-verify and jose cache keys, never verified signatures or tokens).
const make = (signatureVerifier, { cache = 0, memo = 0 } = {}) => {
  const props = { userPoolId: POOL, clientId: CLIENT, tokenUse: "id", signatureVerifier };
  const given = (n) => (n === "default" ? undefined : n);
  const v = CognitoJwtVerifier.create({ ...props, signatureCache: given(cache), verdictMemo: given(memo) });
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

// The signature alone: the floor under every node:crypto row.
const [h, p, s] = tokens[0].split(".");
const data = Buffer.from(`${h}.${p}`);
const sig = Buffer.from(s, "base64url");
const nodeKey = createPublicKey({ key: JWKS.keys.find((k) => k.kid === "kA"), format: "jwk" });
const rsaOnly = () => nodeVerify("sha256", data, { key: nodeKey, padding: constants.RSA_PKCS1_PADDING }, sig);
const fast = (cache) => fastJwt?.createVerifier({
  key: nodeKey.export({ type: "spki", format: "pem" }), algorithms: ["RS256"], allowedIss: ISSUER, allowedAud: CLIENT, cache,
});
const fastNoCache = fast(false);
// fast-jwt's own asynchronous verifier (its key given by an async function), for `await verify`
// like for like: both awaited, one token in flight.
const fastAsync = fastJwt?.createVerifier({
  key: async () => nodeKey.export({ type: "spki", format: "pem" }), algorithms: ["RS256"], allowedIss: ISSUER, allowedAud: CLIENT, cache: false,
});
const fastCached = fast(2048); // as many tokens as the verdict memo's default entries
if (fastJwt && fastNoCache(tokens[0]).sub !== ours.verifySync(tokens[0]).sub) throw new Error("fast-jwt disagrees");
if (fastJwt && (await fastAsync(tokens[0])).sub !== ours.verifySync(tokens[0]).sub) throw new Error("fast-jwt (async) disagrees");

await group([
  ["sync", "cognito-verify-wasm verifySync (node:crypto)", (t) => ours.verifySync(t), 0],
  ["awsSync", "aws-jwt-verify verifySync", (t) => aws.verifySync(t), 0],
  fastJwt && ["fastSync", "fast-jwt verifier, no cache", (t) => fastNoCache(t), 0],
  ["rsa", "node:crypto RSA verify only (no JWT work)", rsaOnly, 0],
]);
await group([
  ["async1", "cognito-verify-wasm await verify (node:crypto, 1)", (t) => ours.verify(t), 1],
  ["awsAsync1", "aws-jwt-verify await verify (1)", (t) => aws.verify(t), 1],
  ["jose1", "jose jwtVerify (1)", (t) => jose.jwtVerify(t, joseSet, joseOpts), 1],
  fastJwt && ["fastAsync1", "fast-jwt async verifier, no cache (1)", (t) => fastAsync(t), 1],
  // fast-jwt's sync verifier awaited the same way, in the same rounds: the like-for-like row for
  // `await verify` (this group runs slower than the sync group for every row in it).
  fastJwt && ["fastAwait1", "fast-jwt verifier, no cache, awaited (1)", (t) => fastNoCache(t), 1],
]);
await group([
  ["async64", "cognito-verify-wasm verify (node:crypto, 64 in flight)", (t) => ours.verify(t), 64],
  ["awsAsync64", "aws-jwt-verify verify (64 in flight)", (t) => aws.verify(t), 64],
  ["jose64", "jose jwtVerify (64 in flight)", (t) => jose.jwtVerify(t, joseSet, joseOpts), 64],
]);
await group([
  ["wasm", "cognito-verify-wasm verifySync (pure wasm)", (t) => oursWasm.verifySync(t), 0],
  ["wc1", "cognito-verify-wasm await verify (WebCrypto, 1)", (t) => oursWc.verify(t), 1],
  ["wc64", "cognito-verify-wasm verify (WebCrypto, 64 in flight)", (t) => oursWc.verify(t), 64],
]);

// The verdict memo (on by default, as is the signature cache): every token seen before, so each
// call is a hit that re-checks the claims in wasm and hands back a copy of the payload; beside it
// fast-jwt's token cache (which hands back its cached object itself) and the full verification.
// A server gets each token as a new string (from a request header), which V8 then hashes for the
// memo's Map (fast-jwt hashes it with SHA-256 either way): the "new string" rows make one per call
// from bytes, as a header parser does, for both.
const memo = make(undefined, { cache: "default", memo: "default" }); // every setting the default
const memoWc = make("webcrypto", { cache: "default", memo: "default" });
// Every lookup a miss, and every verified token stored: 8 entries for the 1,000 tokens in turn
// (and no signature cache, which would hold them all).
const memoMiss = make(undefined, { memo: 8 });
const bytesOf = new Map(tokens.map((t) => [t, Buffer.from(t, "latin1")]));
const fresh = (t) => bytesOf.get(t).latin1Slice();
for (const t of tokens) {
  memo.verifySync(t);
  await memoWc.verify(t);
  fastCached?.(t);
}
await group([
  ["memo", "cognito-verify-wasm verifySync, verdict-memo hit", (t) => memo.verifySync(t), 0],
  ["memoFresh", "cognito-verify-wasm verifySync, memo hit, new string", (t) => memo.verifySync(fresh(t)), 0],
  ["memoAsync", "cognito-verify-wasm await verify (node:crypto), memo hit", (t) => memo.verify(t), 1],
  ["memoWc", "cognito-verify-wasm await verify (WebCrypto), memo hit", (t) => memoWc.verify(t), 1],
  fastJwt && ["fastCached", "fast-jwt verifier, token-cache hit", (t) => fastCached(t), 0],
  fastJwt && ["fastFresh", "fast-jwt verifier, token-cache hit, new string", (t) => fastCached(fresh(t)), 0],
  ["memoMiss", "cognito-verify-wasm verifySync, memo miss (node:crypto)", (t) => memoMiss.verifySync(t), 0],
  ["full", "cognito-verify-wasm verifySync, no memo, no cache", (t) => ours.verifySync(t), 0],
]);
// The hit rows miss each token once while priming, and a few more once (their second sighting
// found them dropped from a full bucket of the core's memo: verified in full, then kept for the
// glue's index, which answers them since); the miss row never hits.
for (const [name, v, hitRow] of [["verifySync", memo, true], ["WebCrypto", memoWc, true], ["miss", memoMiss, false]]) {
  const m = v.verdictMemoStats();
  if (hitRow ? m.misses > 1.2 * N : m.hits !== 0) throw new Error(`memo of the ${name} row: ${JSON.stringify(m)}`);
  console.log(`  memo of the ${name} row: ${m.hits} hits, ${m.misses} misses, ${m.capacity} entries, ${m.bytes} bytes held`);
}

// The verified-signature cache (on by default) without the memo: every token seen before, so each
// call is a hit that skips the engine and runs every other check; beside it, the same call
// without the cache.
const cached = make(undefined, { cache: "default" });
const cachedWc = make("webcrypto", { cache: "default" });
for (const t of tokens) {
  cached.verifySync(t);
  await cachedWc.verify(t);
}
const primed = [cached.signatureCacheStats(), cachedWc.signatureCacheStats()];
// Every lookup a miss, and every miss stored: 8 entries (one bucket) for the 1,000 tokens in turn.
const missing = make(undefined, { cache: 8 });
const missingWasm = make("wasm", { cache: 8 });
await group([
  ["hit", "cognito-verify-wasm verifySync, signature-cache hit", (t) => cached.verifySync(t), 0],
  ["hitWc", "cognito-verify-wasm await verify (WebCrypto), cache hit", (t) => cachedWc.verify(t), 1],
  ["miss", "cognito-verify-wasm verifySync, cache miss (node:crypto)", (t) => missing.verifySync(t), 0],
  ["noCache", "cognito-verify-wasm verifySync, no cache (node:crypto)", (t) => ours.verifySync(t), 0],
  ["missWasm", "cognito-verify-wasm verifySync, cache miss (pure wasm)", (t) => missingWasm.verifySync(t), 0],
  ["noCacheWasm", "cognito-verify-wasm verifySync, no cache (pure wasm)", (t) => oursWasm.verifySync(t), 0],
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

// Ratios of wall-time rates, and of CPU-time rates in brackets.
const x = (a, b) => `${(r[a] / r[b]).toFixed(2)}x (${(rc[a] / rc[b]).toFixed(2)}x)`;
console.log(`\nload average at the end: ${load()}; ratios of tokens/s (of tokens per CPU-s in brackets):`);
console.log(`ratios to aws-jwt-verify: verifySync ${x("sync", "awsSync")}, await verify (1) ${x("async1", "awsAsync1")}, ` +
  `64 in flight ${x("async64", "awsAsync64")}`);
console.log(`ratios to jose: await verify (1) ${x("async1", "jose1")}, 64 in flight ${x("async64", "jose64")}`);
console.log(`verifySync without memo or cache: ${x("sync", "rsa")} node:crypto's RSA verify alone` +
  (fastJwt ? `, ${x("sync", "fastSync")} fast-jwt without its cache; await verify (1) ${x("async1", "fastAsync1")} ` +
    `fast-jwt's async verifier awaited, ${x("async1", "fastAwait1")} its sync one awaited` : ""));
console.log(`pure wasm verifySync: ${Math.round(r.wasm)} tokens/s`);
console.log(`verdict memo, verifySync: hit ${x("memo", "full")} the full verification` +
  (fastJwt ? `, ${x("memo", "fastCached")} fast-jwt's token-cache hit; a new string each call ${x("memoFresh", "fastFresh")}` : "") +
  `; miss ${x("memoMiss", "full")}; await verify hit ${x("memoAsync", "full")}, WebCrypto hit ${x("memoWc", "full")}`);
console.log(`signature cache, verifySync: hit ${Math.round(r.hit)} tokens/s, ${x("hit", "noCache")} the same call without ` +
  `the cache; miss ${Math.round(r.miss)} tokens/s, ${x("miss", "noCache")}; pure wasm: miss ${x("missWasm", "noCacheWasm")}`);
