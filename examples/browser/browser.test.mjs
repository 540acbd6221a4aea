// The example server's web pages in a real browser (Debian's headless Chromium, driven by
// playwright-core), against the stand-in Hosted UI of hosted_ui.mjs, at http://localhost:PORT and
// at http://127.0.0.1:PORT: home -> sign in -> the Hosted UI's form -> back -> /me; sign out with
// the page's button -> the signed-out page, the Hosted UI's sign-out reached, the old tokens
// refused with `revoked`; a second sign-in started under the other loopback name; a cross-site
// POST to /logout from a page of the stand-in carrying the real CSRF token, with its Origin and
// with `Origin: null`, refused; the security headers of every page shown. Each step prints its
// outcome and writes a screenshot under $SCREENSHOTS/<host>/. Run by run.sh (which builds the server and installs
// what this needs); exits non-zero on the first failed step.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startHostedUi } from "./hosted_ui.mjs";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SERVER = process.env.SERVER_BIN ?? join(repo, "target/debug/examples/server");
const SHOTS = process.env.SCREENSHOTS ?? join(repo, "target/browser-test");
const POOL = "us-east-1_TestPool1";
const CLIENT = "3n4b5urk1ft4fl3mg5e62d9ado";
const SECRET = "s3cret";
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
// The security headers every page must carry (the CSP's form-action is checked on its own).
const HEADERS = {
  "referrer-policy": "same-origin",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
  "cache-control": "no-store",
};

for (const [what, path] of [["chromium", CHROMIUM], ["the server example", SERVER]]) {
  if (!existsSync(path)) {
    console.error(`browser test: ${what} missing at ${path} (run examples/browser/run.sh)`);
    process.exit(1);
  }
}

const freePort = () =>
  new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

/** The server example on 127.0.0.1:`port`, its log (warnings) kept for the test to read. */
async function startServer(port, origin, idp) {
  const env = {
    PATH: process.env.PATH,
    RUST_LOG: "warn",
    APP_HOST: "127.0.0.1",
    APP_PORT: String(port),
    AWS_REGION: "us-east-1",
    AWS_COGNITO_USER_POOL_ID: POOL,
    AWS_COGNITO_APP_CLIENT_ID: CLIENT,
    AWS_COGNITO_APP_CLIENT_SECRET: SECRET,
    AWS_COGNITO_JWKS_URL: `${idp.base}/${POOL}/.well-known/jwks.json`,
    AWS_COGNITO_TOKEN_URL: `${idp.base}/oauth2/token`,
    AWS_COGNITO_REDIRECT_URI: `${origin}/callback`,
  };
  const proc = spawn(SERVER, [], { env, cwd: tmpdir(), stdio: ["ignore", "pipe", "inherit"] });
  const log = [];
  proc.stdout.on("data", (d) => log.push(...String(d).split("\n").filter(Boolean)));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {}
    assert.ok(i < 400, "the server did not start");
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return { proc, log, stop: () => proc.kill("SIGTERM") };
}

/** GET {API_PATH}ping with a bearer token: [status, code]. */
async function ping(port, token) {
  const r = await fetch(`http://127.0.0.1:${port}/api/v1/ping`, { headers: { authorization: `Bearer ${token}` } });
  const body = await r.json();
  return [r.status, body.code ?? body.message];
}

async function walk(host) {
  const alias = host === "localhost" ? "127.0.0.1" : "localhost";
  const port = await freePort();
  const origin = `http://${host}:${port}`;
  const idp = await startHostedUi({
    clientId: CLIENT,
    clientSecret: SECRET,
    issuer: ISSUER,
    keyPem: join(repo, "testdata/keys/rsa2048_a.pem"),
    kid: "kA",
    jwksPath: join(repo, "testdata/doc/jwks.json"),
  });
  idp.register(`${origin}/callback`, `${origin}/`);
  const server = await startServer(port, origin, idp);
  const shots = join(SHOTS, host);
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "cv-browser-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--no-proxy-server",
    ],
  });
  const tab = context.pages()[0] ?? (await context.newPage());
  tab.setDefaultTimeout(10000);
  const csp = [];
  tab.on("console", (m) => /Content Security Policy/i.test(m.text()) && csp.push(m.text()));
  const chain = [];
  const answers = []; // [what, headers] of every page of the server the browser was shown
  tab.on("response", (r) => {
    if (!r.request().isNavigationRequest()) return;
    const what = `${r.request().method()} ${r.url()} ${r.status()}`;
    chain.push(what);
    if (new URL(r.url()).port === String(port)) answers.push(r.allHeaders().then((h) => [what, h]));
  });
  let n = 0;
  const step = async (name, outcome) => {
    n += 1;
    const file = join(shots, `${String(n).padStart(2, "0")}-${name}.png`);
    await tab.screenshot({ path: file, fullPage: true });
    console.log(`  ok ${n} ${host}: ${name}: ${outcome}`);
  };
  const text = () => tab.innerText("body");
  const cookies = async () => Object.fromEntries((await context.cookies(origin)).map((c) => [c.name, c]));

  try {
    console.log(`# ${origin} (stand-in Hosted UI ${idp.base}, chromium ${context.browser()?.version() ?? ""})`);

    // 1. Home, signed out: says so and how to sign in; the security headers fit plain http.
    const home = await tab.goto(`${origin}/`);
    assert.equal(home.status(), 200);
    assert.match(await text(), /You are signed out/);
    const h = await home.allHeaders();
    for (const [k, v] of Object.entries(HEADERS)) assert.equal(h[k], v, k);
    assert.equal(h["content-security-policy"],
      `default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self' ${idp.base}`);
    assert.equal(h["strict-transport-security"], undefined, "no HSTS over http");
    await step("home", `200 "You are signed out", no HSTS over http, form-action 'self' ${idp.base}`);

    // 2. Sign in: to the Hosted UI's page.
    await tab.click("text=Sign in");
    await tab.waitForURL(`${idp.base}/oauth2/authorize?**`);
    await step("hosted-ui", `at ${new URL(tab.url()).origin}/oauth2/authorize with S256 and a nonce`);

    // 3. Its form, then back through /callback to /me showing the user.
    await tab.fill("input[name=username]", "alice");
    await tab.fill("input[name=password]", "correct horse");
    await tab.click("button");
    await tab.waitForURL(`${origin}/me`);
    assert.match(await text(), /Signed in as alice/);
    assert.deepEqual(idp.seen.tokenRefusals, []);
    const c = await cookies();
    for (const name of ["__Host-cv_session", "__Host-cv_refresh", "__Host-cv_csrf"]) {
      assert.ok(c[name], `${name} stored`);
      assert.ok(c[name].secure && c[name].httpOnly && c[name].path === "/", name);
    }
    assert.equal(c["__Host-cv_refresh"].sameSite, "Strict");
    assert.equal(c["__Host-cv_csrf"].sameSite, "Lax");
    // The page reached by the Hosted UI's redirect chain carries the CSRF token: the first click works.
    assert.equal(await tab.inputValue("form[action='/logout'] input[name=csrf]"), c["__Host-cv_csrf"].value);
    const first = idp.seen.issued.at(-1);
    assert.deepEqual([await ping(port, first.id), await ping(port, first.access)], [[200, "pong"], [200, "pong"]]);
    await step("signed-in", `/me "Signed in as alice", __Host- cookies stored over http, form carries the CSRF token, ID and access tokens 200`);

    // 4. Sign out with the button: revoked at the Hosted UI, its sign-out reached, back on a page
    //    that says so, no CSP refusal on the way.
    chain.length = 0;
    await tab.click("text=Sign out");
    await tab.waitForURL(`${origin}/`);
    assert.match(await text(), /You are signed out/);
    assert.deepEqual(idp.seen.revokes, [first.refresh]);
    assert.deepEqual(idp.seen.logouts, [`${origin}/`]);
    assert.deepEqual(csp, []);
    assert.deepEqual(Object.keys(await cookies()), []);
    await step("signed-out", `${chain.join(" -> ")}; RevokeToken and the Hosted UI's /logout reached, cookies cleared`);

    // 5. The old tokens: refused with `revoked` on the next request; /me says signed out.
    const after = [await ping(port, first.id), await ping(port, first.access)];
    assert.deepEqual(after, [[401, "revoked"], [401, "revoked"]]);
    await tab.goto(`${origin}/me`);
    assert.match(await text(), /You are signed out/);
    await step("tokens-revoked", `ID token ${after[0].join(" ")}, access token ${after[1].join(" ")}; /me "You are signed out"`);

    // 6. A second sign-in, started under the other loopback name: /login moves to the configured
    //    origin first, so the sign-in's cookie is where /callback reads it.
    await tab.goto(`http://${alias}:${port}/`);
    await tab.click("text=Sign in");
    await tab.waitForURL(`${idp.base}/oauth2/authorize?**`);
    await tab.fill("input[name=username]", "alice");
    await tab.click("button");
    await tab.waitForURL(`${origin}/me`);
    assert.match(await text(), /Signed in as alice/);
    const second = idp.seen.issued.at(-1);
    assert.notEqual(second.id, first.id);
    assert.deepEqual(await ping(port, second.id), [200, "pong"]);
    assert.deepEqual(await ping(port, first.id), [401, "revoked"]);
    await step("second-sign-in", `from http://${alias}:${port}/ to ${origin}/me "Signed in as alice"; new token 200, old one still revoked`);

    // 7. Another site's form POSTs to /logout in the same browser, with the real CSRF token as if
    //    it had leaked: refused by the Origin / Sec-Fetch-Site check, nothing revoked.
    const token = (await cookies())["__Host-cv_csrf"].value;
    await tab.goto(`${idp.base}/evil?target=${encodeURIComponent(`${origin}/logout`)}&csrf=${encodeURIComponent(token)}`);
    const attack = async (hide) => {
      await tab.goto(`${idp.base}/evil?hide=${hide}&target=${encodeURIComponent(`${origin}/logout`)}&csrf=${encodeURIComponent(token)}`);
      const [refused] = await Promise.all([
        tab.waitForResponse((r) => r.url() === `${origin}/logout` && r.request().method() === "POST"),
        tab.click("text=Claim it"),
      ]);
      await tab.waitForLoadState();
      assert.equal(refused.status(), 403);
      assert.match(await text(), /Cross-site sign-out refused/);
      const sent = await refused.request().allHeaders();
      const why = server.log.filter((l) => l.includes("sign-out refused")).map((l) => l.replace(/^.*sign-out refused: /, ""));
      return `${refused.status()}, sent Origin ${sent.origin} and Sec-Fetch-Site ${sent["sec-fetch-site"]}; the server: ${why.at(-1)}`;
    };
    await step("cross-site-refused", `POST /logout from a form of ${idp.base}: ${await attack(0)}`);
    await step("cross-site-null-origin-refused", `the same from a no-referrer page: ${await attack(1)}`);
    assert.equal(server.log.filter((l) => l.includes("sign-out refused")).length, 2, server.log.join("\n"));

    // 8. Still signed in.
    await tab.goto(`${origin}/me`);
    assert.match(await text(), /Signed in as alice/);
    assert.deepEqual(await ping(port, second.id), [200, "pong"]);
    assert.deepEqual(idp.seen.revokes, [first.refresh]);
    await step("still-signed-in", `/me "Signed in as alice", token 200, no RevokeToken`);

    // Every page the browser was shown carried the security headers, fitted to plain http.
    const seen = await Promise.all(answers);
    for (const [what, got] of seen) {
      for (const [k, v] of Object.entries(HEADERS)) assert.equal(got[k], v, `${k} of ${what}`);
      assert.equal(got["content-security-policy"], h["content-security-policy"], what);
      assert.equal(got["strict-transport-security"], undefined, what);
    }
    const pages = [...new Set(seen.map(([what]) => what.replace(/^(\S+) http:\/\/[^/]+(\/[^?]*)\S* (\d+)$/, "$1 $2 $3")))];
    console.log(`  ok ${host}: security headers on all ${seen.length} answers shown (${pages.join(", ")}):`);
    for (const k of [...Object.keys(HEADERS), "content-security-policy"]) console.log(`       ${k}: ${h[k]}`);
    console.log(`       strict-transport-security: (none: plain http)`);
    console.log(`# ${host}: screenshots in ${shots}`);
  } catch (e) {
    // Where the browser stopped, and what it shows: the failed step's screenshot and text.
    const file = join(shots, `${String(n + 1).padStart(2, "0")}-failed.png`);
    await tab.screenshot({ path: file, fullPage: true }).catch(() => {});
    const shown = (await text().catch(() => "")).replace(/\s+/g, " ").slice(0, 300);
    e.message += `\n    step ${n + 1} stopped at ${tab.url()}: "${shown}" (${file})` +
      (csp.length ? `\n    CSP: ${csp.join(" | ")}` : "") +
      `\n    server log: ${server.log.slice(-3).join(" | ")}`;
    throw e;
  } finally {
    await context.close();
    server.stop();
    await idp.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

let failed = false;
for (const host of ["localhost", "127.0.0.1"]) {
  try {
    await walk(host);
  } catch (e) {
    failed = true;
    console.log(`  not ok ${host}: ${e.message ?? e}`);
  }
}
console.log(failed ? "browser test: FAILED" : "browser test: all steps passed at localhost and 127.0.0.1");
process.exit(failed ? 1 : 0);
