// testdata/memo.jsonl through the package: a token verified (and remembered), then the world
// changes (the clock, the keys, revocations, customJwtCheck, another configuration), then the same
// token again through the memo, on the pure-wasm, node:crypto and WebCrypto paths, sync and async:
// the code the table says, the code of a verifier without a memo built then in the same world,
// and a memo hit where the table says. The Rust and C tests read the same table. Also: 10,000
// distinct tokens through a small memo keep the core's memo and the glue's index within bounds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { CognitoJwtVerifier } from "cognito-verify-wasm";
import * as es256Build from "cognito-verify-wasm/es256";
import { atTime, atTimeSync, jsonl, packageFile, propsOf } from "./common.mjs";

const { stateOf } = await import(packageFile("verifier.mjs"));
const es256StateOf = (await import(packageFile("es256/verifier.mjs"))).stateOf;
const CASES = jsonl("memo.jsonl");
assert.equal(CASES.length, 20, "memo.jsonl: case count");
assert.equal(CASES.reduce((n, c) => n + c.steps.length, 0), 102, "memo.jsonl: step count");

const PATHS = {
  "wasm verifySync": { verifier: "wasm", sync: true },
  "wasm verify": { verifier: "wasm", sync: false },
  "node:crypto verifySync": { verifier: "node", sync: true },
  "WebCrypto verify": { verifier: "webcrypto", sync: false },
};
const noFetch = () => Promise.reject(new Error("tests do not fetch"));
// Small tables: the default ones take a quarter of a megabyte of wasm memory per verifier.
const SMALL = { signatureCache: 64, revocationCapacity: 64 };

/** The table's revocation as `revoke()`'s argument. */
function revocation(r) {
  if (r.origin_jti !== undefined) return { originJti: r.origin_jti };
  if (r.jti !== undefined) return { jti: r.jti, exp: r.exp };
  return { sub: r.sub, issuedAtOrBefore: r.issued_at_or_before };
}

/** A verifier of `config` on `path`; its customJwtCheck (if the config has one) asks `world.refuse`. */
function make(config, path, world, verdictMemo) {
  const check = () => {
    if (world.refuse) throw new Error("refused by the table");
  };
  const pools = propsOf(config).map((p) => (config.custom_check ? { ...p, customJwtCheck: check } : p));
  const v = CognitoJwtVerifier.create(pools, { fetch: noFetch, signatureVerifier: path.verifier, verdictMemo, ...SMALL });
  POOLS.set(v, pools.map((p) => p.userPoolId ?? p.issuer));
  return v;
}

/** Each verifier's pools, to load a document into every one. */
const POOLS = new WeakMap();

function load(v, doc, at) {
  atTimeSync(at, () => POOLS.get(v).forEach((p) => v.cacheJwks(doc, p)));
}

/** "valid" or the code, at `now`. */
async function verdict(v, path, token, now) {
  return atTime(now, async () => {
    try {
      await (path.sync ? v.verifySync(token) : v.verify(token));
      return "valid";
    } catch (e) {
      assert.ok(typeof e.code === "string", `not a coded error: ${e}`);
      return e.code;
    }
  });
}

/** The code of a verifier without a memo, built now in `world`. */
async function fresh(c, config, path, world, now) {
  const v = make(config, path, world, 0);
  if (world.keys) load(v, c.jwks[world.keys.doc], world.keys.at);
  for (const { r, at } of world.revoked) atTimeSync(at, () => v.revoke(revocation(r)));
  const code = await verdict(v, path, c.token, now);
  stateOf(v).core.free();
  return code;
}

test("memo.jsonl: the world changed after a verification, every path", async () => {
  const failures = [];
  let steps = 0;
  let hits = 0;
  for (const [where, path] of Object.entries(PATHS)) {
    for (const c of CASES) {
      const world = { keys: null, revoked: [], refuse: false };
      const verifiers = Object.fromEntries(Object.entries(c.configs).map(([n, cfg]) => [n, make(cfg, path, world, 64)]));
      for (const [i, step] of c.steps.entries()) {
        const at = c.base + step.at;
        const what = `${where}: ${c.name}, step ${i} ${JSON.stringify(step)}`;
        if (step.load !== undefined) {
          for (const v of Object.values(verifiers)) load(v, c.jwks[step.load], at);
          world.keys = { doc: step.load, at };
        } else if (step.revoke !== undefined) {
          for (const v of Object.values(verifiers)) atTimeSync(at, () => v.revoke(revocation(step.revoke)));
          world.revoked.push({ r: step.revoke, at });
        } else if (step.custom_check !== undefined) {
          world.refuse = step.custom_check === "refuse";
        } else if (step.verify !== undefined) {
          const v = verifiers[step.verify];
          const before = v.verdictMemoStats().hits;
          const got = await verdict(v, path, c.token, at);
          const hit = v.verdictMemoStats().hits - before;
          if (got !== step.expect) failures.push(`${what}: got ${got}`);
          const full = await fresh(c, c.configs[step.verify], path, world, at);
          if (full !== got) failures.push(`${what}: ${got}, a fresh verifier without a memo ${full}`);
          if (step.hit !== undefined) {
            if (hit !== Number(step.hit)) failures.push(`${what}: ${hit} memo hits`);
            hits += Number(step.hit);
          }
        } else {
          assert.fail(`${what}: unknown step`);
        }
        steps++;
      }
      for (const v of Object.values(verifiers)) stateOf(v).core.free();
    }
  }
  assert.deepEqual(failures, [], `${failures.length} failures`);
  const paths = Object.keys(PATHS).length;
  console.log(`memo.jsonl: ${CASES.length} cases, ${steps / paths} steps, ${hits / paths} hits passed on each of ${paths} paths (JS)`);
});

test("10,000 distinct tokens through a small memo: the core's memo and the glue's index stay within bounds", () => {
  // ES256 (tokens.jsonl's vector, testdata's P-256 key): signing 10,000 is quick.
  const vector = jsonl("tokens.jsonl").find((c) => c.name === "valid_es256_enabled");
  const key = createPrivateKey(readFileSync(new URL("../../testdata/keys/p256.pem", import.meta.url)));
  const [head, body] = vector.token.split(".");
  const claims = JSON.parse(Buffer.from(body, "base64url"));
  const ENTRIES = 64;
  // The default bytes: the entry bound binds; 32 KiB: the byte bound binds first.
  for (const BYTES of [4 * 1024 * 1024, 32 * 1024]) {
    const v = es256Build.CognitoJwtVerifier.create(propsOf(vector.config), {
      fetch: noFetch, signatureVerifier: "node", verdictMemo: ENTRIES, verdictMemoBytes: BYTES, ...SMALL,
    });
    atTimeSync(vector.now, () => v.cacheJwks(vector.jwks));
    const state = es256StateOf(v);
    const peak = { bytes: 0, index: 0 };
    atTimeSync(vector.now, () => {
      for (let i = 1; i <= 10_000; i++) {
        const input = `${head}.${Buffer.from(JSON.stringify({ ...claims, jti: `bound-${i}` })).toString("base64url")}`;
        const sig = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
        const token = `${input}.${sig.toString("base64url")}`;
        // Three times: seen once (noted in the seen table), kept by the core, found in the index.
        for (let k = 0; k < 3; k++) v.verifySync(token);
        if (i % 1000 === 0) {
          const s = v.verdictMemoStats();
          assert.ok(s.capacity === ENTRIES && s.maxBytes === BYTES, JSON.stringify(s));
          assert.ok(s.bytes <= BYTES && s.bytes > 0, `after ${i} tokens: ${JSON.stringify(s)}`);
          assert.ok(state.memo.size <= ENTRIES, `after ${i} tokens: the glue's index holds ${state.memo.size}`);
          const noted = state.seen.filter((t) => t !== undefined).length;
          assert.ok(state.seen.length <= ENTRIES && noted <= ENTRIES, `after ${i} tokens: the seen table holds ${noted}`);
          peak.bytes = Math.max(peak.bytes, s.bytes);
          peak.index = Math.max(peak.index, state.memo.size);
        }
      }
    });
    const { hits, misses } = v.verdictMemoStats();
    // One lookup per verification; a full memo (in entries or in bytes) takes each new token in
    // place of an old one, so both repeats that follow a token's first verification are hits.
    assert.deepEqual({ hits, misses }, { hits: 20_000, misses: 10_000 });
    console.log(`memo bound: 10,000 tokens, memo of ${ENTRIES} entries and ${BYTES} bytes: at most ${peak.bytes} bytes held, ` +
      `glue index at most ${peak.index} of ${ENTRIES}, ${hits} hits of 20,000 repeats, ${misses} misses (JS)`);
    state.core.free();
  }
});
