// What the JS package reports before any key: a configuration error with the core's words (what
// to fix, as Rust's BuildError and C's cognito_config_error_message give them: the cases of
// testdata/pools.jsonl), and a token's structure judged before keys are asked for.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CognitoJwtVerifier } from "cognito-verify-wasm";
import { offlineFetch, TestPool } from "cognito-verify-wasm/testing";
import { jsonl } from "./common.mjs";

// A pools.jsonl configuration as `create` properties, when it uses only what this spells. A pool
// without client ids is left out: `clientId` is a required property of every pool in JS (as in
// aws-jwt-verify), checked as a type before the core sees the settings.
function poolProps(config) {
  const known = new Set(["user_pool_id", "client_ids", "jwks_url"]);
  if (Object.keys(config).some((k) => k !== "pools" && k !== "client_ids")) return null;
  if (config.pools.some((p) => Object.keys(p).some((k) => !known.has(k)))) return null;
  if (config.pools.some((p) => !(p.client_ids ?? config.client_ids))) return null;
  return config.pools.map((p) => ({
    userPoolId: p.user_pool_id,
    clientId: p.client_ids ?? config.client_ids ?? null,
    ...(p.jwks_url ? { jwksUri: p.jwks_url } : {}),
    tokenUse: null,
  }));
}

test("create throws the core's ConfigError message (testdata/pools.jsonl)", () => {
  const ran = [];
  for (const c of jsonl("pools.jsonl").filter((c) => c.error)) {
    const props = poolProps(c.config);
    if (!props) continue;
    assert.throws(
      () => CognitoJwtVerifier.create(props.length === 1 ? props[0] : props),
      (e) => {
        assert.equal(e.code, "invalid_configuration", c.name);
        assert.equal(e.message, c.error, c.name);
        return true;
      },
      c.name,
    );
    ran.push(c.name);
  }
  for (const name of ["malformed_pool_id", "empty_pool_client_id", "plain_http_jwks_url"]) {
    assert.ok(ran.includes(name), `${name} did not run (ran: ${ran})`);
  }
});

test("a mistyped pool id says what to fix", () => {
  assert.throws(
    () => CognitoJwtVerifier.create({ userPoolId: "useast1AbC123", clientId: "my-app-client-id", tokenUse: "id" }),
    { code: "invalid_configuration", message: "a user pool id is REGION_ID, such as us-east-1_AbC123: no `_` found" },
  );
});

test("abc.def.ghi is malformed_token while no keys can be had, not jwks_unavailable", async () => {
  const fetch = offlineFetch();
  const pool = new TestPool("us-east-1_Example1", "my-app-client-id");
  const v = CognitoJwtVerifier.create({ userPoolId: pool.userPoolId, clientId: pool.clientId, tokenUse: null, fetch });
  const code = (p) => p.then(() => "ok", (e) => e.code);
  assert.equal(await code(v.verify("abc.def.ghi")), "malformed_token");
  assert.throws(() => v.verifySync("abc.def.ghi"), { code: "malformed_token" });
  assert.equal(fetch.calls, 0, "a malformed token needs no keys");
  // A well-formed token of the pool does need them: that one is jwks_unavailable.
  assert.equal(await code(v.verify(pool.mintIdToken())), "jwks_unavailable");
  assert.ok(fetch.calls >= 1);
});
