// Fresh tokens signed with the testdata keys (the vectors' tokens are pinned to their own `now`).
import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { jsonl } from "./common.mjs";

export const POOL = "us-east-1_TestPool1";
export const CLIENT = "3n4b5urk1ft4fl3mg5e62d9ado";
export const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
/** The testdata JWKS with keys kA and kB. */
export const JWKS = jsonl("tokens.jsonl").find((c) => c.name === "valid_id").jwks;

const keyA = createPrivateKey(readFileSync(new URL("../../testdata/keys/rsa2048_a.pem", import.meta.url)));
const b64 = (x) => Buffer.from(typeof x === "string" ? x : JSON.stringify(x)).toString("base64url");

/** An RS256 Cognito-shaped ID token signed by kA, valid from now for an hour. */
export function freshToken(claims = {}) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ kid: "kA", alg: "RS256" });
  const body = b64({
    sub: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "cognito:groups": ["admin"],
    iss: ISSUER,
    "cognito:username": "alice",
    aud: CLIENT,
    token_use: "id",
    auth_time: now,
    exp: now + 3600,
    iat: now,
    email: "alice@example.com",
    ...claims,
  });
  const sig = sign("sha256", Buffer.from(`${head}.${body}`), keyA).toString("base64url");
  return `${head}.${body}.${sig}`;
}

/** Changes a claim of the payload and keeps the signature (the payload stays valid JSON). */
export function tamper(token) {
  const [h, p, s] = token.split(".");
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  return `${h}.${b64({ ...claims, tampered: true })}.${s}`;
}

/** Starts an HTTP server on 127.0.0.1 with a free port; resolves to { server, port }. */
export function listen(handler) {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => resolve({ server, port: server.address().port }));
  });
}

/** A free TCP port on 127.0.0.1 (released before returning). */
export async function freePort() {
  const { server, port } = await listen(() => {});
  await new Promise((r) => server.close(r));
  return port;
}

export async function waitFor(url, ms = 20000) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fetch(url);
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
