// The testing kit of the package (`cognito-verify-wasm/testing`): its JWKS is the repository's
// test key kA, its tokens verify with the claims asked for, and its verifier never fetches, even
// for an unknown kid.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TestPool, TEST_SUB, jwks, offlineFetch, signClaims } from "cognito-verify-wasm/testing";
import { JWKS } from "./fixtures.mjs";

const code = (p) => p.then(() => "ok", (e) => e.code ?? String(e));

test("jwks() is the repository's key kA", () => {
  const kit = jwks();
  assert.equal(kit.keys.length, 1);
  const doc = typeof JWKS === "string" ? JSON.parse(JWKS) : JWKS;
  const ka = doc.keys.find((k) => k.kid === "kA");
  assert.deepEqual([kit.keys[0].n, kit.keys[0].e, kit.keys[0].kid], [ka.n, ka.e, "kA"]);
});

test("minted tokens verify with the claims asked for", async () => {
  const pool = new TestPool("us-east-1_Example1", "my-app-client-id");
  const v = pool.verifier();
  const id = await v.verify(pool.mintIdToken({ "cognito:groups": ["admin"], "custom:tier": "gold" }));
  assert.equal(id.sub, TEST_SUB);
  assert.equal(id["cognito:username"], "alice");
  assert.deepEqual(id["cognito:groups"], ["admin"]);
  assert.equal(id["custom:tier"], "gold");
  assert.equal(id.exp - id.iat, 3600);
  const access = v.verifySync(pool.mintAccessToken({ scope: "orders/read", username: "bob" }, { expiresIn: 60 }));
  assert.equal(access.client_id, "my-app-client-id");
  assert.equal(access.username, "bob");
  assert.equal(access.exp - access.iat, 60);
  const now = Math.floor(Date.now() / 1000);
  assert.equal(await code(v.verify(pool.mintIdToken({}, { issuedAt: now - 7200 }))), "expired");
  const other = new TestPool("eu-west-1_Other", "my-app-client-id");
  assert.equal(await code(v.verify(other.mintIdToken())), "wrong_issuer");
  const ids = pool.verifier({ tokenUse: "id" });
  assert.equal(await code(ids.verify(pool.mintAccessToken())), "wrong_token_use");
  assert.equal(await code(v.verify(signClaims({ hello: "world" }))), "missing_claim");
});

test("an unknown kid is unknown_kid, and nothing is fetched", async () => {
  const pool = new TestPool("us-east-1_Example1", "my-app-client-id");
  const fetch = offlineFetch();
  const v = pool.verifier({ fetch });
  assert.equal(await code(v.verify(pool.mintIdToken({}, { kid: "kZ" }))), "unknown_kid");
  assert.ok(await v.verify(pool.mintIdToken()));
  // The refresh policy asked once (the kid might be new); the kit's fetch refused without IO.
  assert.ok(fetch.calls <= 1, `${fetch.calls} fetches`);
});
