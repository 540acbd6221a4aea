// A Cloudflare Worker that protects /api/v1/ping with Cognito tokens, like the Rust server
// (`cargo run --example server`, ARCHITECTURE.md, "The example server"), using the wasm build of cognito-verify.
//
// Configuration (wrangler.toml [vars] or secrets):
//   AWS_COGNITO_USER_POOL_ID   the user pool, e.g. us-east-1_AbC123 (required)
//   AWS_COGNITO_APP_CLIENT_ID  the app client id; several may be given, separated by commas (required)
//   TOKEN_USE                  "id", "access" or "any" (default "any")
//   API_PATH                   default "/api/v1/"
//   AWS_COGNITO_JWKS_URL       JWKS URL override (emulators); default: the pool's
//   AWS_COGNITO_ISSUER         issuer override (emulators); default: the pool's
//   JWKS                       a JWKS as JSON text, used instead of fetching (offline setups, tests)
//
// Routes: GET {API_PATH}ping (any valid token) and GET {API_PATH}admin (also the group "admin").
import { CognitoJwtVerifier, JwtVerificationError } from "cognito-verify-wasm";

const NOT_FOUND = "401 Unauthorized Error. Token Not Found.";
const ADMIN_GROUP = "admin";

/** The end of "401 Unauthorized Error. Token ..." per code: the Rust server's words. */
const MESSAGES = {
  expired: "Token Expired.",
  malformed_token: "Token Malformed.",
  token_too_large: "Token Malformed.",
  invalid_signature: "Token Signature Invalid.",
  unknown_kid: "Token Signing Key Unknown.",
  missing_kid: "Token Signing Key Unknown.",
  unsupported_algorithm: "Token Algorithm Not Allowed.",
  unsupported_critical_header: "Token Header Not Supported.",
  not_yet_valid: "Token Not Yet Valid.",
  issued_in_future: "Token Not Yet Valid.",
  token_too_old: "Token Too Old.",
  wrong_issuer: "Token Issuer Invalid.",
  wrong_token_use: "Token Use Invalid.",
  wrong_client: "Token Client Invalid.",
  missing_claim: "Token Claims Invalid.",
  invalid_claim: "Token Claims Invalid.",
};

// Verifiers per isolate, built on first use: their JWKS caches are shared by every request the
// isolate serves. `admin` also requires the group (enforced by the core, like the server).
let verifiers;

function getVerifiers(env) {
  if (verifiers) return verifiers;
  for (const name of ["AWS_COGNITO_USER_POOL_ID", "AWS_COGNITO_APP_CLIENT_ID"]) {
    if (!env[name]) throw new Error(`missing configuration: ${name}`);
  }
  const props = {
    userPoolId: env.AWS_COGNITO_USER_POOL_ID,
    clientId: env.AWS_COGNITO_APP_CLIENT_ID.split(",").map((s) => s.trim()),
    tokenUse: env.TOKEN_USE || "any",
    ...(env.AWS_COGNITO_JWKS_URL ? { jwksUri: env.AWS_COGNITO_JWKS_URL } : {}),
    ...(env.AWS_COGNITO_ISSUER ? { issuer: env.AWS_COGNITO_ISSUER } : {}),
  };
  const v = {
    ping: CognitoJwtVerifier.create(props),
    admin: CognitoJwtVerifier.create({ ...props, groups: ADMIN_GROUP }),
  };
  if (env.JWKS) for (const x of Object.values(v)) x.cacheJwks(env.JWKS);
  verifiers = v;
  return v;
}

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** The bearer token as the Rust server reads it: null when absent or another scheme. */
function bearerToken(request) {
  const value = (request.headers.get("authorization") ?? "").trim();
  const space = value.indexOf(" ");
  if (space < 0 || value.slice(0, space).toLowerCase() !== "bearer") return null;
  return value.slice(space + 1).trim() || null;
}

function rejection(err) {
  const code = err instanceof JwtVerificationError ? err.code : "invalid_configuration";
  if (code === "group_not_allowed" || code === "scope_not_allowed") {
    return json(403, { error: "403 Forbidden Error. Insufficient Scope.", code }, {
      "www-authenticate": 'Bearer error="insufficient_scope"',
    });
  }
  if (code === "jwks_unavailable" || code === "invalid_configuration") {
    console.error(`cannot verify tokens: ${err.message}`);
    const retry = Math.max(1, (err.retryAt ?? 0) - Math.floor(Date.now() / 1000));
    return json(503, { error: "503 Service Unavailable Error. Signing Keys Unavailable.", code }, {
      "retry-after": String(retry),
    });
  }
  return json(401, { error: `401 Unauthorized Error. ${MESSAGES[code] ?? "Token Invalid."}`, code }, {
    "www-authenticate": 'Bearer error="invalid_token"',
  });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const apiPath = env.API_PATH || "/api/v1/";
    const route = url.pathname.startsWith(apiPath) ? url.pathname.slice(apiPath.length) : null;
    if (route !== "ping" && route !== "admin") {
      return json(404, { error: "404 Not Found Error." });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return json(405, { error: "405 Method Not Allowed Error." }, { allow: "GET, HEAD" });
    }
    // Several Authorization headers arrive joined by ", ", which no token contains.
    if ((request.headers.get("authorization") ?? "").includes(",")) {
      return json(400, { error: "400 Bad Request Error. Several Authorization Headers." });
    }
    const token = bearerToken(request);
    if (!token) {
      return json(401, { error: NOT_FOUND }, { "www-authenticate": "Bearer" });
    }
    let claims;
    try {
      claims = await getVerifiers(env)[route].verify(token);
    } catch (err) {
      return rejection(err);
    }
    return json(200, {
      message: route === "admin" ? "hello, admin" : "pong",
      sub: claims.sub ?? "",
      username: claims.username ?? claims["cognito:username"] ?? "",
      token_use: claims.token_use,
    });
  },
};
