// The example Worker (examples/worker/) in the real Workers runtime (the workerd npm package),
// served on 127.0.0.1 and checked over HTTP. The Worker fetches its JWKS from a local server.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CLIENT, JWKS, POOL, freePort, freshToken, listen, tamper, waitFor } from "./fixtures.mjs";
import { jsonl } from "./common.mjs";

// The installed package (test.sh installs the `npm pack` tarball), as users get it.
const pkg = fileURLToPath(new URL(".", import.meta.resolve("cognito-verify-wasm")));
const workerScript = fileURLToPath(new URL("../../examples/worker/src/index.js", import.meta.url));
const workerdBin = fileURLToPath(new URL("../node_modules/.bin/workerd", import.meta.url));

let jwksRequests = 0;
const { server, port: jwksPort } = await listen((req, res) => {
  jwksRequests++;
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(JWKS));
});

const dir = mkdtempSync(join(tmpdir(), "cv-workerd-"));
copyFileSync(workerScript, join(dir, "worker.js"));
// The entry wraps the example: it counts WebCrypto signature checks (verify() must use them in
// workerd) and reports the count at /__webcrypto; every other request goes to the example.
writeFileSync(
  join(dir, "entry.js"),
  `let calls = 0;
const realVerify = crypto.subtle.verify;
crypto.subtle.verify = function (...args) { calls++; return realVerify.apply(this, args); };
import worker from "worker.js";
export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/__webcrypto") return Response.json({ calls });
    return worker.fetch(request, env, ctx);
  },
};
`,
);
// The modules workerd.mjs imports, directly or through api.mjs.
const modules = ["api.mjs", "alb.mjs", "errors.mjs", "options.mjs", "jwks.mjs", "engines.mjs", "verifier.mjs", "revocation.mjs", "platform.mjs"];
for (const f of ["workerd.mjs", ...modules, "cognito_verify_wasm.js", "cognito_verify_wasm_bg.wasm"]) {
  copyFileSync(join(pkg, f), join(dir, f));
}
const port = await freePort();
const text = (name, value) => `(name = "${name}", text = ${JSON.stringify(value)})`;
writeFileSync(
  join(dir, "config.capnp"),
  `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "net", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "entry.js", esModule = embed "entry.js"),
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "cognito-verify-wasm", esModule = embed "workerd.mjs"),
    ${modules.map((f) => `(name = "${f}", esModule = embed "${f}"),`).join("\n    ")}
    (name = "cognito_verify_wasm.js", esModule = embed "cognito_verify_wasm.js"),
    (name = "cognito_verify_wasm_bg.wasm", wasm = embed "cognito_verify_wasm_bg.wasm"),
  ],
  compatibilityDate = "2025-01-01",
  bindings = [
    ${text("AWS_COGNITO_USER_POOL_ID", POOL)},
    ${text("AWS_COGNITO_APP_CLIENT_ID", CLIENT)},
    ${text("AWS_COGNITO_JWKS_URL", `http://127.0.0.1:${jwksPort}/${POOL}/.well-known/jwks.json`)},
  ],
  globalOutbound = "net",
);
`,
);

const child = spawn(workerdBin, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "pipe", "pipe"] });
let log = "";
child.stdout.on("data", (d) => (log += d));
child.stderr.on("data", (d) => (log += d));
after(() => {
  child.kill();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const base = `http://127.0.0.1:${port}`;
await waitFor(`${base}/`).catch((e) => {
  throw new Error(`workerd did not start: ${e}\n${log}`);
});

async function get(path, token) {
  const res = await fetch(base + path, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, auth: res.headers.get("www-authenticate"), body: await res.json() };
}

test("no token: 401, the GoBlitz message, WWW-Authenticate: Bearer", async () => {
  const r = await get("/api/v1/ping");
  assert.equal(r.status, 401);
  assert.deepEqual(r.body, { error: "401 Unauthorized Error. Token Not Found." });
  assert.equal(r.auth, "Bearer");
});

test("a valid token: 200 naming the caller (JWKS fetched once by the Worker)", async () => {
  for (let i = 0; i < 3; i++) {
    const r = await get("/api/v1/ping", freshToken());
    assert.equal(r.status, 200, JSON.stringify(r.body) + log);
    assert.equal(r.body.sub, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert.equal(r.body.username, "alice");
  }
  assert.equal(jwksRequests, 1);
});

test("a tampered token: 401 invalid_signature, Bearer error=invalid_token", async () => {
  const r = await get("/api/v1/ping", tamper(freshToken()));
  assert.equal(r.status, 401);
  assert.deepEqual(r.body, { error: "401 Unauthorized Error. Token Signature Invalid.", code: "invalid_signature" });
  assert.equal(r.auth, 'Bearer error="invalid_token"');
});

test("admin: 200 for a member of the group admin, 403 insufficient_scope otherwise", async () => {
  const ok = await get("/api/v1/admin", freshToken());
  assert.equal(ok.status, 200);
  assert.equal(ok.body.message, "hello, admin");
  const no = await get("/api/v1/admin", freshToken({ "cognito:groups": ["users"] }));
  assert.equal(no.status, 403);
  assert.deepEqual(no.body, { error: "403 Forbidden Error. Insufficient Scope.", code: "group_not_allowed" });
  assert.equal(no.auth, 'Bearer error="insufficient_scope"');
});

test("an expired token: 401 expired", async () => {
  const old = jsonl("tokens.jsonl").find((c) => c.name === "valid_id").token;
  const r = await get("/api/v1/ping", old);
  assert.deepEqual(r.body, { error: "401 Unauthorized Error. Token Expired.", code: "expired" });
});

test("other paths: 404; a bearer of another scheme counts as no token", async () => {
  assert.equal((await get("/api/v1/other")).status, 404);
  const basic = await fetch(`${base}/api/v1/ping`, { headers: { authorization: "Basic YTpi" } });
  assert.equal(basic.status, 401);
  assert.equal(basic.headers.get("www-authenticate"), "Bearer");
});

const webcryptoCalls = async () => (await (await fetch(`${base}/__webcrypto`)).json()).calls;

test("verify() checked the signatures with WebCrypto in workerd", async () => {
  const before = await webcryptoCalls();
  // A body of its own: a token an earlier test sent would be a signature-cache hit.
  assert.equal((await get("/api/v1/ping", freshToken({ jti: "webcrypto-check" }))).status, 200);
  assert.equal((await get("/api/v1/ping", tamper(freshToken()))).status, 401);
  assert.equal((await webcryptoCalls()) - before, 2);
});

test("a token sent again: the signature cache answers, WebCrypto is not asked, the claims still are", async () => {
  const t = freshToken({ jti: "sent-again" });
  const before = await webcryptoCalls();
  for (let i = 0; i < 3; i++) assert.equal((await get("/api/v1/ping", t)).status, 200);
  assert.equal((await webcryptoCalls()) - before, 1);
  // The same token on the admin route (another verifier, its own cache): checked once there.
  assert.equal((await get("/api/v1/admin", t)).status, 200);
  assert.equal((await get("/api/v1/admin", t)).status, 200);
  assert.equal((await webcryptoCalls()) - before, 2);
  // A member of another group: refused by the claims after the signature, stored nowhere.
  const user = freshToken({ jti: "not-admin", "cognito:groups": ["users"] });
  for (let i = 0; i < 2; i++) assert.equal((await get("/api/v1/admin", user)).status, 403);
  assert.equal((await webcryptoCalls()) - before, 4);
});
