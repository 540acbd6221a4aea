// verify() carries out the core's refresh policy (ARCHITECTURE.md, "Key refresh") with fetch,
// and testdata/refresh.jsonl, the timelines the Rust and C tests read too, runs through the
// package's own verifier and glue.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CognitoJwtVerifier } from "cognito-verify-wasm";
import { atTime, atTimeSync, jsonl, packageFile, propsOf } from "./common.mjs";
import { freshToken } from "./fixtures.mjs";

// The glue's own functions, past the package's exports (the same module instances it runs).
const { stateOf } = await import(packageFile("verifier.mjs"));
const { report } = await import(packageFile("jwks.mjs"));

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

test("old keys verify while they are refreshed; a failed refresh keeps them and backs off; recovers", async () => {
  let fail = false;
  const f = counter(() => (fail ? new Response("oops", { status: 503 }) : new Response(jwksText)));
  const v = CognitoJwtVerifier.create(props, { fetch: f });
  await atTime(valid.now, () => v.verify(valid.token));
  assert.equal(f.urls.length, 1);
  fail = true;
  // Keys an hour old: verify answers at once with them while they are fetched again (the
  // vector's token has expired by then; a fresh one is valid).
  await atTime(valid.now + 3600, async () => {
    assert.equal(await v.verify(valid.token).catch((e) => e.code), "expired");
    assert.equal(f.urls.length, 2, "the refresh started");
    assert.equal((await v.verify(freshToken())).token_use, "id", "the old keys meanwhile");
    await v.hydrate(); // waits for the refresh, which fails: the old keys stay
    assert.equal(v.verifySync(freshToken()).token_use, "id");
  });
  assert.equal(f.urls.length, 2);
  await atTime(valid.now + 3600, () => v.verify(valid.token).catch(() => {}));
  assert.equal(f.urls.length, 2, "backing off");
  fail = false;
  await atTime(valid.now + 3602, async () => {
    await v.verify(valid.token).catch(() => {});
    await v.hydrate();
  });
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

/** A scenario's key-set document as `cacheJwks` and a fetch would pass it (a string as it is). */
const documentOf = (c, name) => (typeof c.jwks[name] === "string" ? c.jwks[name] : JSON.stringify(c.jwks[name]));
const ACTIONS = { 1: "use_cached", 2: "fetch", 3: "wait", 4: "unavailable", 5: "refresh" };

test("refresh.jsonl: the core's refresh timelines through the package's verifier, both synchronous paths", () => {
  const cases = jsonl("refresh.jsonl");
  let steps = 0;
  for (const signatureVerifier of ["node", "wasm"]) {
    for (const c of cases) {
      const v = CognitoJwtVerifier.create({ userPoolId: c.user_pool_id, clientId: c.client_id, signatureVerifier });
      const state = stateOf(v);
      for (const [i, step] of c.steps.entries()) {
        const what = `${c.name}, step ${i} (${signatureVerifier}): ${JSON.stringify(step)}`;
        atTimeSync(c.base + step.at, () => {
          const now = c.base + step.at;
          if (step.poll !== undefined) {
            // What the glue asks before using a pool's keys, and after an unknown kid.
            const got = ACTIONS[state.core.poll(0, now, step.poll === "unknown_kid")];
            assert.equal(got, step.action, what);
            if (step.retry_at !== undefined) assert.equal(state.core.retryAt(), c.base + step.retry_at, what);
          } else if (step.fetched !== undefined) {
            // The glue's report of a fetch: a failure, or the body the core judges.
            const body = step.fetched === "fail" ? null : new TextEncoder().encode(documentOf(c, step.fetched));
            const status = report(state, 0, body, body ? null : new Error("scripted failure"));
            assert.equal(status === 0, ["ok", "rotated"].includes(step.fetched), what);
          } else if (step.load !== undefined) {
            v.cacheJwks(documentOf(c, step.load));
          } else if (step.verify !== undefined) {
            let got;
            try {
              v.verifySync(c.tokens[step.verify]);
              got = "valid";
            } catch (e) {
              got = e.code;
            }
            assert.equal(got, step.expect, what);
          } else {
            assert.fail(`${what}: unknown step`);
          }
        });
        if (signatureVerifier === "node") steps++;
      }
    }
  }
  assert.deepEqual([cases.length, steps], [9, 76]);
  console.log(`refresh.jsonl: ${cases.length} scenarios, ${steps} steps passed (JS)`);
});
