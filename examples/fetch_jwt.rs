//! fetch_jwt — fetch a JWT from Amazon Cognito (Rust successor of GoBlitz's `bin/fetch_jwt.py`).
//!
//! ```text
//! cargo run --example fetch_jwt                      # ID token (USER_PASSWORD_AUTH)
//! cargo run --example fetch_jwt -- --access          # access token
//! cargo run --example fetch_jwt -- --refresh         # refresh token
//! cargo run --example fetch_jwt -- --all             # JSON with all three + expires_in
//! cargo run --example fetch_jwt -- --refresh-token T # REFRESH_TOKEN_AUTH instead of a password
//! cargo run --example fetch_jwt -- --client-credentials [--scope S]  # OAuth2 client_credentials
//! ```
//!
//! Configuration comes from environment variables, also read from a `.env` file in the
//! current directory (`KEY=value` lines, `#` comments, optional `export ` prefix and quotes).
//! A variable set in the real environment wins over `.env`. Empty values count as unset.
//! See `--help` (the `USAGE` text below) for the variables.
//!
//! Exit codes: 0 success, 1 Cognito refused / challenge / network failure, 2 usage or
//! configuration error (a missing variable is named in the message).
//!
//! The password and the client secret are held in [`Secret`], whose `Debug`/`Display` print
//! `***`; they are only ever written into the request sent to Cognito.

use core::fmt;
use std::process::ExitCode;

use anyhow::{anyhow, Context as _};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;

use cognito_verify_examples::idp::{self, snippet, CallError, TIMEOUT};
use cognito_verify_examples::Env;

const PROG: &str = "fetch_jwt";

const USAGE: &str = "\
fetch_jwt - fetch a JWT from Amazon Cognito and print it on stdout

USAGE:
    fetch_jwt [--access | --refresh | --all] [--refresh-token TOKEN] [--username NAME]
    fetch_jwt --client-credentials [--scope SCOPE] [--all]

MODES:
    (default)               InitiateAuth, AuthFlow USER_PASSWORD_AUTH
    --refresh-token TOKEN   InitiateAuth, AuthFlow REFRESH_TOKEN_AUTH
                            (or set AWS_COGNITO_REFRESH_TOKEN)
    --client-credentials    OAuth2 client_credentials grant against AWS_COGNITO_TOKEN_URL,
                            HTTP Basic auth APP_CLIENT_ID:APP_CLIENT_SECRET; prints the
                            access token
    --scope SCOPE           scope(s) for --client-credentials (space separated)

OUTPUT (default: the ID token, one line):
    --access                print the access token
    --refresh               print the refresh token
    --all                   print {\"id_token\",\"access_token\",\"refresh_token\",
                            \"expires_in\",\"token_type\"} as one JSON line
    -h, --help              this text

ENVIRONMENT (also read from ./.env; the real environment wins):
    AWS_COGNITO_APP_CLIENT_ID         app client id (required)
    AWS_COGNITO_APP_CLIENT_SECRET     app client secret; when set, SECRET_HASH =
                                      base64(HMAC-SHA256(secret, username + client_id))
                                      is sent (required for --client-credentials)
    AWS_COGNITO_API_USER_EMAIL        USERNAME for USER_PASSWORD_AUTH
    AWS_COGNITO_API_USER_PASSWORD     PASSWORD for USER_PASSWORD_AUTH
    AWS_COGNITO_REFRESH_TOKEN         refresh token (same as --refresh-token)
    AWS_COGNITO_TOKEN_URL             https://<domain>/oauth2/token (--client-credentials)
    AWS_REGION (or AWS_DEFAULT_REGION) region of https://cognito-idp.<region>.amazonaws.com/
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, then AWS_ENDPOINT_URL
                                      override that endpoint (e.g. a local moto server)

REFRESH_TOKEN_AUTH WITH A CLIENT SECRET:
    Cognito wants SECRET_HASH here too, computed over the user's *internal* username
    (the `cognito:username` / `username` claim, a UUID when the pool signs users in by
    email), not necessarily the email. The username used is --username NAME if given,
    else AWS_COGNITO_API_USER_EMAIL; it is also sent as USERNAME. Without a secret no
    username is needed for REFRESH_TOKEN_AUTH. Cognito returns no new refresh token for
    this flow (unless rotation is on); --refresh / --all then echo the one given.

EXIT STATUS:
    0 ok; 1 Cognito refused, challenge, or network failure; 2 usage/missing variable
";

// ---------------------------------------------------------------------------------------
// Secrets and errors
// ---------------------------------------------------------------------------------------

/// A string that never shows itself in `Debug` or `Display` output.
#[derive(Clone)]
struct Secret(String);

impl Secret {
    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Usage or configuration error: exit status 2.
#[derive(Debug)]
struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::error::Error for UsageError {}

fn usage_err(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(msg.into()))
}

// ---------------------------------------------------------------------------------------
// Environment (+ .env)
// ---------------------------------------------------------------------------------------

/// A required variable, as a usage error.
fn require(env: &Env, key: &str, why: &str) -> anyhow::Result<String> {
    env.require(key, why).map_err(|e| usage_err(e.to_string()))
}

// ---------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    Id,
    Access,
    Refresh,
    All,
}

#[derive(Debug)]
struct Args {
    output: Output,
    refresh_token: Option<String>,
    username: Option<String>,
    client_credentials: bool,
    scope: Option<String>,
    help: bool,
}

fn parse_args(argv: impl IntoIterator<Item = String>) -> anyhow::Result<Args> {
    let mut args = Args {
        output: Output::Id,
        refresh_token: None,
        username: None,
        client_credentials: false,
        scope: None,
        help: false,
    };
    let mut outputs = 0;
    let mut it = argv.into_iter();
    while let Some(arg) = it.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> anyhow::Result<String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| usage_err(format!("{name} needs a value (see --help)")))
        };
        match flag.as_str() {
            "-h" | "--help" => args.help = true,
            "--access" => {
                args.output = Output::Access;
                outputs += 1;
            }
            "--refresh" => {
                args.output = Output::Refresh;
                outputs += 1;
            }
            "--all" => {
                args.output = Output::All;
                outputs += 1;
            }
            "--id" => {
                args.output = Output::Id;
                outputs += 1;
            }
            "--refresh-token" => args.refresh_token = Some(value("--refresh-token")?),
            "--username" => args.username = Some(value("--username")?),
            "--client-credentials" => args.client_credentials = true,
            "--scope" => args.scope = Some(value("--scope")?),
            other => {
                return Err(usage_err(format!(
                    "unknown argument {other:?} (see --help)"
                )))
            }
        }
    }
    if outputs > 1 {
        return Err(usage_err(
            "use only one of --id, --access, --refresh, --all",
        ));
    }
    if args.client_credentials {
        if args.refresh_token.is_some() {
            return Err(usage_err(
                "--client-credentials and --refresh-token exclude each other",
            ));
        }
        if matches!(args.output, Output::Refresh) {
            return Err(usage_err("--client-credentials issues no refresh token"));
        }
    } else if args.scope.is_some() {
        return Err(usage_err("--scope only applies to --client-credentials"));
    }
    Ok(args)
}

// ---------------------------------------------------------------------------------------
// Cognito
// ---------------------------------------------------------------------------------------

/// base64(HMAC-SHA256(key = client secret, message = username + client id)).
fn secret_hash(username: &str, client_id: &str, secret: &Secret) -> String {
    // HMAC takes keys of any length, so the error branch is unreachable.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) else {
        unreachable!("HMAC-SHA256 accepts keys of any length")
    };
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

fn http_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .user_agent(concat!("fetch_jwt/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot build the HTTP client")
}

struct Tokens {
    id: Option<String>,
    access: Option<String>,
    refresh: Option<String>,
    expires_in: Option<i64>,
    token_type: Option<String>,
}

async fn initiate_auth(
    client: &reqwest::Client,
    endpoint: &str,
    flow: &str,
    client_id: &str,
    params: Map<String, Value>,
) -> anyhow::Result<Tokens> {
    // Values that must not reach stderr even if the server echoes them (moto answers a bad
    // SECRET_HASH with `NotAuthorizedException: <the hash>`).
    let sensitive: Vec<String> = ["PASSWORD", "SECRET_HASH"]
        .iter()
        .filter_map(|k| params.get(*k).and_then(Value::as_str).map(str::to_string))
        .collect();
    let sent_hash = params
        .get("SECRET_HASH")
        .and_then(Value::as_str)
        .map(str::to_string);
    let body = json!({
        "AuthFlow": flow,
        "ClientId": client_id,
        "AuthParameters": Value::Object(params),
    });
    let json = match idp::call(client, endpoint, "InitiateAuth", &body).await {
        Ok(json) => json,
        Err(CallError::Transport(m)) => return Err(anyhow!(m)),
        Err(CallError::Refused {
            status,
            kind,
            message,
            snippet,
        }) => {
            let message = message.map(|m| {
                if sent_hash.as_deref() == Some(m.trim()) {
                    "SECRET_HASH rejected (wrong client secret, or computed over the wrong username)"
                        .to_string()
                } else {
                    sensitive
                        .iter()
                        .fold(m, |m, s| m.replace(s.as_str(), "***"))
                }
            });
            let snippet = sensitive
                .iter()
                .fold(snippet, |m, s| m.replace(s.as_str(), "***"));
            let detail = CallError::Refused {
                status,
                kind,
                message,
                snippet,
            };
            if status >= 500 {
                return Err(anyhow!(
                    "Cognito endpoint {endpoint} failed {flow}: {detail}"
                ));
            }
            return Err(anyhow!("Cognito refused {flow}: {detail}"));
        }
    };
    if let Some(challenge) = json.get("ChallengeName").and_then(Value::as_str) {
        let hint = match challenge {
            "NEW_PASSWORD_REQUIRED" => {
                " (the user must set a new password first, e.g. `aws cognito-idp admin-set-user-password --permanent`)"
            }
            "SOFTWARE_TOKEN_MFA" | "SMS_MFA" | "MFA_SETUP" | "EMAIL_OTP" | "SELECT_MFA_TYPE" => {
                " (MFA is not supported by fetch_jwt; use a user without MFA)"
            }
            _ => "",
        };
        return Err(anyhow!(
            "Cognito answered {flow} with the challenge {challenge} instead of tokens{hint}"
        ));
    }
    let result = json.get("AuthenticationResult").ok_or_else(|| {
        anyhow!("Cognito answered {flow} without AuthenticationResult or ChallengeName")
    })?;
    let s = |k: &str| result.get(k).and_then(Value::as_str).map(str::to_string);
    Ok(Tokens {
        id: s("IdToken"),
        access: s("AccessToken"),
        refresh: s("RefreshToken"),
        expires_in: result.get("ExpiresIn").and_then(Value::as_i64),
        token_type: s("TokenType"),
    })
}

async fn client_credentials(
    client: &reqwest::Client,
    token_url: &str,
    client_id: &str,
    secret: &Secret,
    scope: Option<&str>,
) -> anyhow::Result<Tokens> {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let resp = client
        .post(token_url)
        .basic_auth(client_id, Some(secret.expose()))
        .form(&form)
        .send()
        .await
        .map_err(|e| anyhow!(idp::transport_error(&e, token_url)))?;
    let status = resp.status();
    let text = resp
        .text()
        .await
        .map_err(|e| anyhow!(idp::transport_error(&e, token_url)))?;
    let json: Option<Value> = serde_json::from_str(&text).ok();
    if !status.is_success() {
        let s = |k: &str| json.as_ref().and_then(|j| j.get(k)).and_then(Value::as_str);
        let detail = match (s("error"), s("error_description")) {
            (Some(e), Some(d)) => format!("{e}: {d}"),
            (Some(e), None) => e.to_string(),
            _ => format!("HTTP {status}: {}", snippet(&text)),
        };
        return Err(anyhow!("Cognito refused client_credentials: {detail}"));
    }
    let json = json.ok_or_else(|| {
        anyhow!(
            "token endpoint {token_url} answered {status} with a body that is not JSON: {}",
            snippet(&text)
        )
    })?;
    let s = |k: &str| json.get(k).and_then(Value::as_str).map(str::to_string);
    Ok(Tokens {
        id: None,
        access: s("access_token"),
        refresh: None,
        expires_in: json.get("expires_in").and_then(Value::as_i64),
        token_type: s("token_type"),
    })
}

// ---------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------

async fn run(args: Args, env: &Env) -> anyhow::Result<String> {
    let client = http_client()?;

    if args.client_credentials {
        let client_id = require(env, "AWS_COGNITO_APP_CLIENT_ID", "app client id")?;
        let secret = Secret(require(
            env,
            "AWS_COGNITO_APP_CLIENT_SECRET",
            "client secret for --client-credentials",
        )?);
        let token_url = require(
            env,
            "AWS_COGNITO_TOKEN_URL",
            "https://<domain>/oauth2/token for --client-credentials",
        )?;
        let tokens = client_credentials(
            &client,
            &token_url,
            &client_id,
            &secret,
            args.scope.as_deref(),
        )
        .await?;
        // This grant yields only an access token, so that is also the default output.
        let output = match args.output {
            Output::Id => Output::Access,
            other => other,
        };
        return render(&tokens, output, "client_credentials");
    }

    let client_id = require(env, "AWS_COGNITO_APP_CLIENT_ID", "app client id")?;
    let secret = env.get("AWS_COGNITO_APP_CLIENT_SECRET").map(Secret);
    let refresh_token = args
        .refresh_token
        .clone()
        .or_else(|| env.get("AWS_COGNITO_REFRESH_TOKEN"));
    let endpoint = idp::endpoint(env).map_err(usage_err)?;

    let mut params = Map::new();
    let (flow, tokens) = if let Some(refresh_token) = refresh_token {
        let flow = "REFRESH_TOKEN_AUTH";
        let username = args
            .username
            .clone()
            .or_else(|| env.get("AWS_COGNITO_API_USER_EMAIL"));
        params.insert("REFRESH_TOKEN".into(), Value::String(refresh_token.clone()));
        if let Some(secret) = &secret {
            let username = username.ok_or_else(|| {
                usage_err(
                    "missing environment variable AWS_COGNITO_API_USER_EMAIL (or --username): \
                     REFRESH_TOKEN_AUTH with AWS_COGNITO_APP_CLIENT_SECRET needs the username for SECRET_HASH",
                )
            })?;
            params.insert(
                "SECRET_HASH".into(),
                Value::String(secret_hash(&username, &client_id, secret)),
            );
            params.insert("USERNAME".into(), Value::String(username));
        }
        let mut tokens = initiate_auth(&client, &endpoint, flow, &client_id, params).await?;
        // Cognito does not rotate the refresh token for this flow: hand back the one we used.
        if tokens.refresh.is_none() {
            tokens.refresh = Some(refresh_token);
        }
        (flow, tokens)
    } else {
        let flow = "USER_PASSWORD_AUTH";
        let username = match &args.username {
            Some(u) => u.clone(),
            None => require(
                env,
                "AWS_COGNITO_API_USER_EMAIL",
                "USERNAME for USER_PASSWORD_AUTH",
            )?,
        };
        let password = Secret(require(
            env,
            "AWS_COGNITO_API_USER_PASSWORD",
            "PASSWORD for USER_PASSWORD_AUTH",
        )?);
        if let Some(secret) = &secret {
            params.insert(
                "SECRET_HASH".into(),
                Value::String(secret_hash(&username, &client_id, secret)),
            );
        }
        params.insert("USERNAME".into(), Value::String(username));
        params.insert(
            "PASSWORD".into(),
            Value::String(password.expose().to_string()),
        );
        let tokens = initiate_auth(&client, &endpoint, flow, &client_id, params).await?;
        (flow, tokens)
    };
    render(&tokens, args.output, flow)
}

fn render(tokens: &Tokens, output: Output, flow: &str) -> anyhow::Result<String> {
    let pick = |tok: &Option<String>, name: &str| {
        tok.clone()
            .ok_or_else(|| anyhow!("Cognito's {flow} answer has no {name}"))
    };
    match output {
        Output::Id => pick(&tokens.id, "IdToken"),
        Output::Access => pick(&tokens.access, "AccessToken"),
        Output::Refresh => pick(&tokens.refresh, "RefreshToken"),
        Output::All => Ok(json!({
            "id_token": tokens.id,
            "access_token": tokens.access,
            "refresh_token": tokens.refresh,
            "expires_in": tokens.expires_in,
            "token_type": tokens.token_type,
        })
        .to_string()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{PROG}: {e:#}");
            return ExitCode::from(2);
        }
    };
    if args.help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let env = Env::load();
    match run(args, &env).await {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{PROG}: {e:#}");
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_matches_python_reference() {
        // python3 -c "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b'sekrit',
        //   b'user@example.com'+b'client123',hashlib.sha256).digest()).decode())"
        let h = secret_hash("user@example.com", "client123", &Secret("sekrit".into()));
        assert_eq!(h, "DcImqPnmyLIYyIvzDQBAYk3eZiMsKUfA3qaYOyBnWTQ=");
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret("hunter2".into());
        assert!(!format!("{s:?} {s}").contains("hunter2"));
    }

    #[test]
    fn args() {
        let a = parse_args(["--all".to_string()]).unwrap();
        assert_eq!(a.output, Output::All);
        assert!(parse_args(["--access".into(), "--refresh".into()]).is_err());
        let a = parse_args(["--refresh-token=abc".to_string()]).unwrap();
        assert_eq!(a.refresh_token.as_deref(), Some("abc"));
    }
}
