// AlbJwtVerifier (x-amzn-oidc-data): every case of testdata/alb.jsonl, which Rust and C run too,
// through the JS verifier twice (the second time from the verdict memo when it verified), its
// configuration errors, and key fetches from a loopback "ALB key host": one fetch for many
// concurrent tokens, a bounded number for a flood of invented kids.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { generateKeyPairSync, sign } from "node:crypto";
import { AlbJwtVerifier, AlbJwtInvalidSignerError, JwtExpiredError } from "cognito-verify-wasm/es256";
import { AlbJwtVerifier as Rs256Only } from "cognito-verify-wasm";
import { atTime, atTimeSync, jsonl } from "./common.mjs";

const SIGNER = "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
const CLIENT = "4f1bnaod2d6s7s0hslnsrm4spc";
const KID = "6a2f3b1c-9d4e-4f5a-8b7c-0d1e2f3a4b5c";
const NOW = 1_700_000_000;

const padded = (bytes) => Buffer.from(bytes).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");

function headerOf(token) {
  try {
    return JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString("utf8"));
  } catch {
    return {};
  }
}

function verifierOf(c, extra = {}) {
  const v = AlbJwtVerifier.create({
    albArn: c.signers,
    clientId: c.clients,
    issuer: c.issuer ?? null,
    graceSeconds: c.leeway,
    ...extra,
  });
  const h = headerOf(c.token);
  if (typeof h.signer === "string" && typeof h.kid === "string") {
    try {
      v.cacheKey(h.signer, h.kid, c.key_pem);
    } catch {
      // A signer not configured, or a kid that is not a UUID: the token is refused before a key.
    }
  }
  return v;
}

function outcome(v, token) {
  try {
    const p = v.verifySync(token);
    return { code: "valid", claims: { sub: p.sub, email: p.email, username: p.username, exp: headerOf(token).exp } };
  } catch (e) {
    return { code: e.code, error: e };
  }
}

test("every case of alb.jsonl, twice, with the caches on and off", () => {
  const cases = jsonl("alb.jsonl");
  assert.ok(cases.length >= 50, `${cases.length} cases`);
  for (const [verdictMemo, signatureCache] of [[2048, 4096], [0, 4096], [0, 0]]) {
    let valid = 0;
    for (const c of cases) {
      const v = verifierOf(c, { verdictMemo, signatureCache });
      for (const round of [1, 2]) {
        const got = atTimeSync(c.now, () => outcome(v, c.token));
        assert.equal(got.code, c.expect, `${c.name} (round ${round})`);
        if (c.expect === "valid") assert.deepEqual(got.claims, c.claims, `${c.name}: claims`);
        if (c.expect === "wrong_signer") assert.ok(got.error instanceof AlbJwtInvalidSignerError, c.name);
        if (c.expect === "expired") assert.ok(got.error instanceof JwtExpiredError, c.name);
      }
      if (c.expect === "valid") {
        valid += 1;
        assert.equal(v.verdictMemoStats().hits, verdictMemo > 0 ? 1 : 0, `${c.name}: memo hit`);
        if (verdictMemo === 0 && signatureCache > 0) assert.equal(v.signatureCacheStats().hits, 1, `${c.name}: signature cache hit`);
      }
    }
    console.log(`alb.jsonl: ${cases.length} cases, ${valid} valid (JS, memo ${verdictMemo}, signature cache ${signatureCache})`);
  }
});

test("configuration errors say what to fix", () => {
  const err = (props) => {
    try {
      AlbJwtVerifier.create(props);
    } catch (e) {
      assert.equal(e.code, "invalid_configuration");
      return e.message;
    }
    assert.fail(`accepted ${JSON.stringify(props)}`);
  };
  assert.match(err({ albArn: "arn:aws:s3:::bucket", clientId: CLIENT, issuer: null }), /an ALB ARN is arn:/);
  assert.match(err({ albArn: [], clientId: CLIENT, issuer: null }), /albArn must be/);
  assert.match(err({ albArn: SIGNER, clientId: null, issuer: null }), /clientId must be/);
  assert.match(err({ albArn: SIGNER, clientId: "", issuer: null }), /empty/);
  assert.match(err({ albArn: SIGNER, clientId: CLIENT, issuer: null, graceSeconds: -1 }), /graceSeconds/);
  assert.match(err({ albArn: SIGNER, clientId: CLIENT, issuer: null, keyUrlBase: "http://example.com" }), /http/);
  assert.match(err({ albArn: SIGNER, clientId: CLIENT, issuer: null, tokenUse: "id" }), /unknown property: tokenUse/);
  assert.throws(() => Rs256Only.create({ albArn: SIGNER, clientId: CLIENT, issuer: null }), /cognito-verify-wasm\/es256/);
});

/** An ALB of our own: a P-256 key, tokens signed as the load balancer signs them. */
function testAlb() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = publicKey.export({ type: "spki", format: "pem" });
  const token = (kid, exp, signer = SIGNER) => {
    const h = padded(JSON.stringify({ typ: "JWT", kid, alg: "ES256", iss: "https://issuer.example", client: CLIENT, signer, exp }));
    const p = padded(JSON.stringify({ sub: "b1c2d3e4-0000-4000-8000-000000000001", email: "alice@example.com", exp }));
    const input = `${h}.${p}`;
    return `${input}.${padded(sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" }))}`;
  };
  return { pem, token };
}

/** A key host on 127.0.0.1 serving `pem` for `kid` (404 for any other), counting requests. */
async function keyHost(kid, pem) {
  const paths = [];
  const server = createServer((req, res) => {
    paths.push(req.url);
    if (req.url === `/${kid}`) {
      // Answer a moment later, so that concurrent verifications overlap the fetch.
      setTimeout(() => res.end(pem), 20);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { base: `http://127.0.0.1:${server.address().port}`, paths, close: () => new Promise((ok) => server.close(ok)) };
}

test("keys fetched from the key host: one fetch for many tokens, bounded for invented kids", async () => {
  const alb = testAlb();
  const host = await keyHost(KID, alb.pem);
  try {
    const v = AlbJwtVerifier.create({
      albArn: SIGNER,
      clientId: CLIENT,
      issuer: "https://issuer.example",
      keyUrlBase: host.base,
      jwksCache: { unknownKidCooldownSeconds: 30 },
    });
    const exp = Math.floor(Date.now() / 1000) + 600;
    const tokens = Array.from({ length: 50 }, (_, i) => alb.token(KID, exp + i));
    const payloads = await Promise.all(tokens.map((t) => v.verify(t)));
    assert.ok(payloads.every((p) => p.email === "alice@example.com"));
    assert.deepEqual(host.paths, [`/${KID}`], "50 concurrent first verifications share one fetch");
    for (const t of tokens) assert.equal(v.verifySync(t).sub, "b1c2d3e4-0000-4000-8000-000000000001");
    assert.equal(v.verdictMemoStats().hits, 50);
    // Forged, expired, another load balancer's: refused without a fetch.
    const forged = tokens[0].slice(0, -8) + "AAAAAA==";
    await assert.rejects(v.verify(forged), (e) => e.code === "invalid_signature");
    await assert.rejects(v.verify(alb.token(KID, exp - 1200)), (e) => e.code === "expired");
    await assert.rejects(v.verify(alb.token(KID, exp, SIGNER.replace("web", "other"))), (e) => e.code === "wrong_signer");
    // A flood of invented kids: within the cooldown of the first fetch, none fetched; once it
    // has passed, one fetch, the rest `unknown_kid`.
    const invented = Array.from({ length: 20 }, (_, i) => alb.token(`${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`, exp));
    for (const at of [exp - 600, exp - 600 + 31]) {
      const results = await atTime(at, () => Promise.allSettled(invented.map((t) => v.verify(t))));
      assert.ok(results.every((r) => r.status === "rejected" && r.reason.code === "unknown_kid"));
    }
    assert.equal(host.paths.length, 2, "one fetch for 40 tokens of invented kids over two cooldowns");
    assert.deepEqual(v.keyStats(), { fetches: 2, failures: 1, keys: 1 });
  } finally {
    await host.close();
  }
});

test("no key host: keys unavailable until the cooldown ends", async () => {
  const alb = testAlb();
  const host = await keyHost("none", "");
  await host.close(); // nothing listens there now
  const v = AlbJwtVerifier.create({ albArn: SIGNER, clientId: CLIENT, issuer: null, keyUrlBase: host.base });
  const token = alb.token(KID, NOW + 600);
  await atTime(NOW, async () => {
    const e = await v.verify(token).catch((e) => e);
    assert.equal(e.code, "jwks_unavailable");
    assert.equal(e.retryAt, NOW + 30);
    assert.throws(() => v.verifySync(token), (e) => e.code === "unknown_kid");
  });
  assert.deepEqual(v.keyStats(), { fetches: 1, failures: 1, keys: 0 });
});

test("a key host that redirects is not followed: the fetch fails", async () => {
  const alb = testAlb();
  const good = await keyHost(KID, alb.pem);
  const redirects = [];
  const server = createServer((req, res) => {
    redirects.push(req.url);
    res.writeHead(302, { location: `${good.base}${req.url}` });
    res.end();
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  try {
    const v = AlbJwtVerifier.create({
      albArn: SIGNER,
      clientId: CLIENT,
      issuer: null,
      keyUrlBase: `http://127.0.0.1:${server.address().port}`,
    });
    const e = await v.verify(alb.token(KID, Math.floor(Date.now() / 1000) + 600)).catch((e) => e);
    assert.equal(e.code, "jwks_unavailable");
    assert.deepEqual(redirects, [`/${KID}`]);
    assert.deepEqual(good.paths, [], "the redirect's target was never asked");
    assert.deepEqual(v.keyStats(), { fetches: 1, failures: 1, keys: 0 });
  } finally {
    await new Promise((ok) => server.close(ok));
    await good.close();
  }
});
