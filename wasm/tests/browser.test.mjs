// A real browser (Debian's chromium, headless) loads a page from 127.0.0.1 that imports the package
// with a plain `import { CognitoJwtVerifier } from "cognito-verify-wasm"` (an import map stands in
// for a bundler's resolution of package.json `exports.browser`) and verifies tokens; the test reads
// the result back from the page.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CLIENT, JWKS, POOL, freshToken, listen, tamper } from "./fixtures.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
// The installed package (test.sh installs the `npm pack` tarball), as users get it.
const pkg = fileURLToPath(new URL(".", import.meta.resolve("cognito-verify-wasm")));

const token = freshToken();
// Not seen before by the page's verifier: a token it verified already is a verdict-memo hit,
// decided at once, with no WebCrypto call to revoke it during.
const inFlightToken = freshToken({ jti: "in-flight" });
const page = `<!doctype html>
<meta charset="utf-8">
<title>cognito-verify-wasm</title>
<script type="importmap">{ "imports": { "cognito-verify-wasm": "/pkg/browser.mjs" } }</script>
<pre id="result">pending</pre>
<script type="module">
import { CognitoJwtVerifier } from "cognito-verify-wasm";
const out = {};
// Counts WebCrypto signature checks: verify() must use them here (127.0.0.1 is a secure context).
let webcrypto = 0;
const realVerify = crypto.subtle.verify;
crypto.subtle.verify = function (...args) { webcrypto++; return realVerify.apply(this, args); };
try {
  const props = { userPoolId: ${JSON.stringify(POOL)}, clientId: ${JSON.stringify(CLIENT)}, tokenUse: "id" };
  const sync = CognitoJwtVerifier.create(props);
  sync.cacheJwks(await (await fetch("/jwks.json")).json());
  out.sync = sync.verifySync(${JSON.stringify(token)}).sub;
  const fetching = CognitoJwtVerifier.create({ ...props, jwksUri: new URL("/jwks.json", location.href).href });
  out.async = (await fetching.verify(${JSON.stringify(token)}))["cognito:username"];
  // Seen before: the verdict memo answers, for verify (WebCrypto not asked) and verifySync, and
  // the signature cache is not even looked up; the tampered token misses both.
  out.again = (await fetching.verify(${JSON.stringify(token)}))["cognito:username"];
  out.againSync = fetching.verifySync(${JSON.stringify(token)})["cognito:username"];
  out.asyncTampered = await fetching.verify(${JSON.stringify(tamper(token))}).then(() => "accepted", (e) => e.code);
  out.cache = fetching.signatureCacheStats();
  const { hits, misses, capacity } = fetching.verdictMemoStats();
  out.memo = { hits, misses, capacity };
  // Revoked while WebCrypto checks the signature: denied.
  const inFlight = fetching.verify(${JSON.stringify(inFlightToken)}).then(() => "accepted", (e) => e.name + " " + e.code);
  fetching.revoke({ sub: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", issuedAtOrBefore: Math.floor(Date.now() / 1000) });
  out.revokedInFlight = await inFlight;
  out.revocations = fetching.revocationStats();
  const viaWasm = CognitoJwtVerifier.create({ ...props, signatureVerifier: "wasm" });
  viaWasm.cacheJwks(await (await fetch("/jwks.json")).json());
  out.wasm = (await viaWasm.verify(${JSON.stringify(token)})).sub;
  out.webcrypto = webcrypto;
  try { sync.verifySync(${JSON.stringify(tamper(token))}); out.tampered = "accepted"; }
  catch (e) { out.tampered = e.code; out.errorName = e.name; out.isError = e instanceof Error; }
} catch (e) {
  out.failure = String(e && e.stack || e);
}
document.getElementById("result").textContent = JSON.stringify(out);
</script>`;

const { server, port } = await listen((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (path === "/") {
    res.writeHead(200, { "content-type": "text/html" });
    return res.end(page);
  }
  if (path === "/jwks.json") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify(JWKS));
  }
  const file = normalize(join(pkg, path.replace(/^\/pkg\//, "")));
  if (path.startsWith("/pkg/") && file.startsWith(pkg) && existsSync(file)) {
    const type = file.endsWith(".wasm") ? "application/wasm" : "text/javascript";
    res.writeHead(200, { "content-type": type });
    return res.end(readFileSync(file));
  }
  res.writeHead(404);
  res.end();
});

const profile = mkdtempSync(join(tmpdir(), "cv-chromium-"));
after(() => {
  server.close();
  rmSync(profile, { recursive: true, force: true });
});

test("chromium verifies a token with the package", { skip: !existsSync(CHROMIUM) && `${CHROMIUM} missing` }, async () => {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  try {
    const tab = await context.newPage();
    const errors = [];
    tab.on("pageerror", (e) => errors.push(String(e)));
    tab.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await tab.goto(`http://127.0.0.1:${port}/`);
    await tab.waitForFunction(() => document.getElementById("result").textContent !== "pending", null, { timeout: 20000 });
    const out = JSON.parse(await tab.textContent("#result"));
    assert.deepEqual(
      out,
      {
        sync: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        async: "alice",
        again: "alice",
        againSync: "alice",
        asyncTampered: "invalid_signature",
        cache: { hits: 0, misses: 2, capacity: 4096 },
        memo: { hits: 2, misses: 2, capacity: 2048 },
        wasm: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        revokedInFlight: "JwtRevokedError revoked",
        revocations: { held: 1, capacity: 4096, contended: 0 },
        webcrypto: 3,
        tampered: "invalid_signature",
        errorName: "JwtInvalidSignatureError",
        isError: true,
      },
      errors.join("\n"),
    );
    console.log(`chromium ${context.browser()?.version() ?? ""}: verified in the page`);
  } finally {
    await context.close();
  }
});
