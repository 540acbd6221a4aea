// A stand-in for the Cognito Hosted UI on 127.0.0.1, for the browser test: the sign-in page
// (/oauth2/authorize and its form), the token endpoint (checks the client's secret, the redirect
// URI and the PKCE verifier, puts the sign-in's nonce in the ID token), the pool's JWKS, RevokeToken
// (/oauth2/revoke) and the sign-out redirect (/logout). It also serves /evil: another site's page
// with a form that POSTs to the example server's /logout. It records what it was asked, for the
// test to check.
import { createServer } from "node:http";
import { createHash, createSign, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

const b64url = (buf) => Buffer.from(buf).toString("base64url");
const escape = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/** Starts the stand-in; `keyPem`/`kid` sign its tokens, `jwksPath` is the key set it serves. */
export async function startHostedUi({ clientId, clientSecret, issuer, keyPem, kid, jwksPath }) {
  const key = readFileSync(keyPem, "utf8");
  const jwks = readFileSync(jwksPath, "utf8");
  const seen = {
    redirectUris: new Set(),
    logoutUris: new Set(),
    codes: new Map(), // code -> { challenge, nonce, redirectUri, username }
    refresh: new Map(), // refresh token -> { originJti, revoked }
    issued: [], // { id, access, refresh } per exchange
    tokenRefusals: [],
    revokes: [],
    logouts: [],
  };
  const sign = (claims) => {
    const input = `${b64url(JSON.stringify({ kid, alg: "RS256" }))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${createSign("RSA-SHA256").update(input).sign(key).toString("base64url")}`;
  };
  const page = (res, status, title, body) => {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>` +
      `<body><h1>${escape(title)}</h1>${body}</body></html>`);
  };
  const json = (res, status, obj) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(obj));
  };
  const basicOk = (req) => {
    const want = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
    return req.headers.authorization === want;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://stand-in");
    const q = url.searchParams;
    let body = "";
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const route = `${req.method} ${url.pathname}`;

    if (route === "GET /oauth2/authorize") {
      const problems = [];
      if (q.get("response_type") !== "code") problems.push("response_type");
      if (q.get("client_id") !== clientId) problems.push("client_id");
      if (!seen.redirectUris.has(q.get("redirect_uri"))) problems.push("redirect_uri");
      if (q.get("code_challenge_method") !== "S256" || !q.get("code_challenge")) problems.push("PKCE");
      if (!q.get("state") || !q.get("nonce")) problems.push("state or nonce");
      if (problems.length) return page(res, 400, "Stand-in Hosted UI: bad request", `<p>${escape(problems.join(", "))}</p>`);
      const hidden = ["redirect_uri", "state", "code_challenge", "nonce"]
        .map((k) => `<input type="hidden" name="${k}" value="${escape(q.get(k))}">`)
        .join("");
      return page(res, 200, "Stand-in Hosted UI",
        `<form method="post" action="/login">${hidden}` +
        `<p><label>Username <input name="username" autocomplete="off"></label></p>` +
        `<p><label>Password <input name="password" type="password"></label></p>` +
        `<p><button>Sign in</button></p></form>`);
    }
    if (route === "POST /login") {
      const redirectUri = form.get("redirect_uri");
      if (!seen.redirectUris.has(redirectUri) || !form.get("username")) return page(res, 400, "Sign-in refused", "");
      const code = randomUUID();
      seen.codes.set(code, {
        challenge: form.get("code_challenge"),
        nonce: form.get("nonce"),
        redirectUri,
        username: form.get("username"),
      });
      const back = new URL(redirectUri);
      back.searchParams.set("code", code);
      back.searchParams.set("state", form.get("state"));
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (route === "POST /oauth2/token") {
      const refuse = (why) => {
        seen.tokenRefusals.push(why);
        return json(res, 400, { error: "invalid_grant", why });
      };
      if (!basicOk(req)) return refuse("client authentication");
      if (form.get("grant_type") !== "authorization_code") return refuse("grant_type");
      const grant = seen.codes.get(form.get("code"));
      seen.codes.delete(form.get("code")); // a code is used once
      if (!grant) return refuse("unknown or used code");
      if (form.get("redirect_uri") !== grant.redirectUri) return refuse("redirect_uri");
      const verifier = form.get("code_verifier") ?? "";
      if (b64url(createHash("sha256").update(verifier).digest()) !== grant.challenge) return refuse("PKCE verifier");
      const now = Math.floor(Date.now() / 1000);
      const originJti = randomUUID();
      const sub = createHash("sha256").update(grant.username).digest("hex").slice(0, 32);
      const common = { sub, iss: issuer, origin_jti: originJti, auth_time: now, iat: now, exp: now + 3600 };
      const id = sign({
        ...common, aud: clientId, token_use: "id", "cognito:username": grant.username,
        email: `${grant.username}@example.com`, nonce: grant.nonce, jti: randomUUID(),
      });
      const access = sign({
        ...common, client_id: clientId, token_use: "access", username: grant.username,
        scope: "openid email profile", jti: randomUUID(),
      });
      const refresh = b64url(randomBytes(32));
      seen.refresh.set(refresh, { originJti, revoked: false });
      seen.issued.push({ id, access, refresh });
      return json(res, 200, { id_token: id, access_token: access, refresh_token: refresh, token_type: "Bearer", expires_in: 3600 });
    }
    if (req.method === "GET" && url.pathname.endsWith("/.well-known/jwks.json")) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(jwks);
    }
    if (route === "POST /oauth2/revoke") {
      const t = seen.refresh.get(form.get("token") ?? "");
      if (!basicOk(req) || form.get("client_id") !== clientId || !t) return json(res, 400, { error: "invalid_request" });
      t.revoked = true;
      seen.revokes.push(form.get("token"));
      res.writeHead(200);
      return res.end();
    }
    if (route === "GET /logout") {
      const to = q.get("logout_uri");
      if (q.get("client_id") !== clientId || !seen.logoutUris.has(to)) return page(res, 400, "Stand-in Hosted UI: bad sign-out", "");
      seen.logouts.push(to);
      res.writeHead(302, { location: to });
      return res.end();
    }
    if (route === "GET /evil") {
      // Another site's page: a form to the example server's sign-out, with the CSRF token it was
      // given (as if it had leaked), so only the Origin and Sec-Fetch-Site checks stand in its way.
      // `hide=1`: the page hides where it is from (`no-referrer`: the browser sends `Origin: null`).
      if (q.get("hide") === "1") res.setHeader("referrer-policy", "no-referrer");
      return page(res, 200, "You won a prize",
        `<form method="post" action="${escape(q.get("target"))}">` +
        `<input type="hidden" name="csrf" value="${escape(q.get("csrf") ?? "")}">` +
        `<button>Claim it</button></form>`);
    }
    page(res, 404, "Not found", "");
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    seen,
    /** Registers an app's callback and sign-out URLs, as the app client's settings would. */
    register(redirectUri, logoutUri) {
      seen.redirectUris.add(redirectUri);
      seen.logoutUris.add(logoutUri);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((ok) => server.close(ok));
    },
  };
}
