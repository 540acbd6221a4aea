// verify() carries out the core's refresh policy (ARCHITECTURE.md, "Key refresh") with fetch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CognitoJwtVerifier } from "cognito-verify-wasm";
import { atTime, jsonl, propsOf } from "./common.mjs";

const cases = jsonl("tokens.jsonl");
const valid = cases.find((c) => c.name === "valid_id");
const [props] = propsOf(valid.config);
const jwksText = JSON.stringify(valid.jwks);

function counter(respond = () => new Response(jwksText)) {
  const f = async (url) => {
    f.urls.push(url);
    await new Promise((r) => setTimeout(r, 5));
    return respond();
  };
  f.urls = [];
  return f;
}

test("the default JWKS URL is the pool's, and jwksUri overrides it", async () => {
  const f = counter();
  await atTime(valid.now, () => CognitoJwtVerifier.create(props, { fetch: f }).hydrate());
  assert.deepEqual(f.urls, [`https://cognito-idp.us-east-1.amazonaws.com/${props.userPoolId}/.well-known/jwks.json`]);
  const g = counter();
  await atTime(valid.now, () => CognitoJwtVerifier.create({ ...props, jwksUri: "http://127.0.0.1:1/j" }, { fetch: g }).hydrate());
  assert.deepEqual(g.urls, ["http://127.0.0.1:1/j"]);
});

test("concurrent verifications share one fetch; the keys are then cached", async () => {
  const f = counter();
  const v = CognitoJwtVerifier.create(props, { fetch: f });
  await atTime(valid.now, async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => v.verify(valid.token)));
    assert.equal(results.length, 20);
    await v.verify(valid.token);
    v.verifySync(valid.token);
  });
  assert.equal(f.urls.length, 1);
});

test("a flood of unknown kids costs one fetch per cooldown window", async () => {
  const f = counter();
  const v = CognitoJwtVerifier.create(props, { fetch: f });
  const [h, p, s] = valid.token.split(".");
  const header = JSON.parse(Buffer.from(h, "base64url"));
  const forged = (i) => `${Buffer.from(JSON.stringify({ ...header, kid: `invented-${i}` })).toString("base64url")}.${p}.${s}`;
  for (const t of [0, 10, 29, 30, 45, 61]) {
    await atTime(valid.now + t, async () => {
      for (let i = 0; i < 50; i++) {
        await assert.rejects(v.verify(forged(i)), { code: "unknown_kid" });
      }
    });
  }
  // One at start (no keys), then one per 30 s window: t=0, t=30, t=61.
  assert.equal(f.urls.length, 4);
});

test("an unknown kid that appears after rotation is fetched and accepted", async () => {
  let served = { keys: valid.jwks.keys.filter((k) => k.kid !== "kA") };
  const f = counter(() => new Response(JSON.stringify(served)));
  const v = CognitoJwtVerifier.create(props, { fetch: f });
  await atTime(valid.now, async () => {
    await v.hydrate();
    assert.throws(() => v.verifySync(valid.token), { code: "unknown_kid" });
    served = valid.jwks;
    const payload = await v.verify(valid.token);
    assert.equal(payload.token_use, "id");
  });
  assert.equal(f.urls.length, 2);
});

test("a failed refresh keeps the last good keys; backs off; recovers", async () => {
  let fail = false;
  const f = counter(() => (fail ? new Response("oops", { status: 503 }) : new Response(jwksText)));
  const v = CognitoJwtVerifier.create(props, { fetch: f });
  await atTime(valid.now, () => v.verify(valid.token));
  fail = true;
  // Keys older than an hour are refetched; the fetch fails; the old keys stay in use.
  await atTime(valid.now + 3600, () => v.verify(valid.token).catch((e) => assert.equal(e.code, "expired")));
  assert.equal(f.urls.length, 2);
  await atTime(valid.now + 3600, () => v.verify(valid.token).catch(() => {}));
  assert.equal(f.urls.length, 2, "backing off");
  fail = false;
  await atTime(valid.now + 3602, () => v.verify(valid.token).catch(() => {}));
  assert.equal(f.urls.length, 3);
});

test("with no keys and a failing fetch, verify rejects with jwks_unavailable and the cause", async () => {
  const f = counter(() => new Response("down", { status: 502 }));
  const v = CognitoJwtVerifier.create(props, { fetch: f });
  await atTime(valid.now, async () => {
    const err = await v.verify(valid.token).catch((e) => e);
    assert.equal(err.code, "jwks_unavailable");
    assert.equal(err.name, "FetchError");
    assert.match(String(err.cause?.message), /HTTP 502/);
    assert.equal(err.retryAt, valid.now + 1, "retry after the first back-off step");
  });
});
