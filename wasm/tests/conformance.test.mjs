// testdata/conformance.jsonl: configurations of one and several pools and clients x tokens ->
// expected code, the table the Rust and C tests read too. The pool rule is the core's: the token's
// `iss` picks one pool, whose keys alone may verify it; none matching is `wrong_issuer`, and then
// no key is tried (nor fetched).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as defaultBuild from "cognito-verify-wasm";
import { atTime, jsonl } from "./common.mjs";

const CASES = 42;
const PATHS = { sync: [true, undefined], node: [false, "node"], webcrypto: [false, "webcrypto"], wasm: [true, "wasm"] };

function create(c, how, fetch) {
  const pools = c.pools.map((p) => (p.user_pool_id ? { userPoolId: p.user_pool_id } : { issuer: p.issuer }));
  const shared = { clientId: c.client_ids, tokenUse: c.token_use, fetch };
  if (PATHS[how][1]) shared.signatureVerifier = PATHS[how][1];
  return defaultBuild.CognitoJwtVerifier.create(pools.length === 1 ? { ...pools[0], ...shared } : pools, shared);
}

async function outcome(f) {
  try {
    await f();
    return { valid: true };
  } catch (e) {
    return { valid: false, error: e.code };
  }
}

test("conformance table: the same codes as Rust and C on every signature path", async () => {
  const cases = jsonl("conformance.jsonl");
  assert.equal(cases.length, CASES);
  const failures = [];
  let fetches = 0;
  for (const c of cases) {
    for (const how of Object.keys(PATHS)) {
      // Keys are installed; a fetch (after an unknown kid) fails.
      const v = create(c, how, async () => {
        fetches++;
        return new Response("", { status: 503 });
      });
      c.pools.forEach((p, i) => v.cacheJwks(p.jwks, c.pools.length === 1 ? undefined : (p.user_pool_id ?? p.issuer)));
      const got = await atTime(c.now, () => outcome(() => (PATHS[how][0] ? v.verifySync(c.token) : v.verify(c.token))));
      if (JSON.stringify(got) !== JSON.stringify(c.expect)) {
        failures.push(`${c.name} (${how}): want ${JSON.stringify(c.expect)}, got ${JSON.stringify(got)}`);
      }
    }
    // A token of no configured pool: wrong_issuer before any key is fetched, even with none cached.
    if (c.expect.error === "wrong_issuer") {
      let asked = 0;
      const v = create(c, "node", async () => {
        asked++;
        return new Response("", { status: 503 });
      });
      const got = await atTime(c.now, () => outcome(() => v.verify(c.token)));
      if (got.error !== "wrong_issuer" || asked !== 0) failures.push(`${c.name}: ${JSON.stringify(got)} after ${asked} fetches`);
    }
  }
  assert.deepEqual(failures, [], `${failures.length} failed`);
  console.log(`conformance.jsonl: ${cases.length} cases passed (JS: verifySync, verify via node:crypto and WebCrypto, pure wasm; ${fetches} refetches refused)`);
});
