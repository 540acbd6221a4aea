//! Helpers shared by the examples (`cargo run --example NAME`); see `examples/README.md`.
//!
//! Configuration comes from the environment, also read from a `.env` file in the current
//! directory (`KEY=value` lines, `#` comments, optional `export ` prefix and quotes). A
//! variable set in the real environment wins over `.env`. Empty values count as unset.

pub mod idp;

use core::net::SocketAddr;
use std::collections::HashMap;

use cognito_verify::{AcceptedTokenUse, CognitoJwtVerifier, Pool};

/// The environment plus `./.env`.
#[derive(Debug, Default, Clone)]
pub struct Env {
    dotenv: HashMap<String, String>,
}

/// A required variable is missing: the message names it and says what it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingVar {
    /// The variable's name.
    pub name: String,
    /// What it is for.
    pub why: String,
}

impl core::fmt::Display for MissingVar {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "missing environment variable {} ({}); set it or put it in ./.env (see .env.example)",
            self.name, self.why
        )
    }
}

impl core::error::Error for MissingVar {}

impl Env {
    /// Reads `./.env` if there is one.
    #[must_use]
    pub fn load() -> Self {
        Self::load_from(".env")
    }

    /// Reads this `.env` file if it exists.
    #[must_use]
    pub fn load_from(path: &str) -> Self {
        let dotenv = std::fs::read_to_string(path)
            .map(|text| parse_dotenv(&text))
            .unwrap_or_default();
        Env { dotenv }
    }

    /// Real environment first, then `.env`; empty values count as unset.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<String> {
        std::env::var(key)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| self.dotenv.get(key).cloned())
            .filter(|v| !v.is_empty())
    }

    /// A required variable.
    ///
    /// # Errors
    /// [`MissingVar`] naming `key` and `why` it is needed.
    pub fn require(&self, key: &str, why: &str) -> Result<String, MissingVar> {
        self.get(key).ok_or_else(|| MissingVar {
            name: key.to_string(),
            why: why.to_string(),
        })
    }

    /// A variable that counts as true when it is `1`, `true` or `yes`.
    #[must_use]
    pub fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
    }
}

/// Tiny `.env` parser: `KEY=value`, blank lines and `#` comments skipped, optional
/// `export ` prefix, surrounding single or double quotes stripped, unquoted values lose a
/// trailing ` # comment`.
#[must_use]
pub fn parse_dotenv(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let value = value.trim();
        let quoted = value.len() >= 2
            && ((value.starts_with('"') && value.ends_with('"'))
                || (value.starts_with('\'') && value.ends_with('\'')));
        let value = if quoted {
            value
                .get(1..value.len() - 1)
                .unwrap_or_default()
                .to_string()
        } else {
            match value.find(" #") {
                Some(i) => value.get(..i).unwrap_or_default().trim_end().to_string(),
                None => value.to_string(),
            }
        };
        out.insert(key.to_string(), value);
    }
    out
}

/// Seconds of clock leeway of the example servers' verifiers: a token is accepted until
/// `exp + LEEWAY`, so a revocation is held (and published to replicas) that much longer too.
pub const LEEWAY: u64 = 5;

/// What the example servers (`server`, `axum`) serve and whose tokens they accept: `APP_HOST`
/// (localhost), `APP_PORT` (8000), `API_PATH` (/api/v1/), `AWS_REGION`,
/// `AWS_COGNITO_USER_POOL_ID`, `AWS_COGNITO_APP_CLIENT_ID`, and the `AWS_COGNITO_JWKS_URL` /
/// `AWS_COGNITO_ISSUER` overrides for emulators.
#[derive(Debug, Clone)]
pub struct ServerEnv {
    /// `APP_HOST`.
    pub host: String,
    /// `APP_PORT`.
    pub port: u16,
    /// `API_PATH`, with a leading and a trailing `/`.
    pub api_path: String,
    /// `AWS_COGNITO_USER_POOL_ID`.
    pub pool_id: String,
    /// `AWS_COGNITO_APP_CLIENT_ID`.
    pub client_id: String,
    /// `AWS_COGNITO_JWKS_URL`.
    pub jwks_url: Option<String>,
    /// `AWS_COGNITO_ISSUER`.
    pub issuer: Option<String>,
}

impl ServerEnv {
    /// Reads and checks the variables.
    ///
    /// # Errors
    /// A message naming the variable that is missing or wrong.
    pub fn from_env(env: &Env) -> Result<Self, String> {
        let missing = |e: MissingVar| e.to_string();
        let host = env.get("APP_HOST").unwrap_or_else(|| "localhost".into());
        let port = match env.get("APP_PORT") {
            None => 8000,
            Some(p) => p
                .parse()
                .map_err(|_| format!("APP_PORT must be a port number, not {p:?}"))?,
        };
        let mut api_path = env.get("API_PATH").unwrap_or_else(|| "/api/v1/".into());
        if !api_path.starts_with('/') {
            api_path.insert(0, '/');
        }
        if !api_path.ends_with('/') {
            api_path.push('/');
        }
        let pool_id = env
            .require(
                "AWS_COGNITO_USER_POOL_ID",
                "the Cognito user pool id, e.g. us-east-1_AbC123",
            )
            .map_err(missing)?;
        let region = cognito_verify::pool_region(&pool_id).ok_or_else(|| {
            format!("AWS_COGNITO_USER_POOL_ID {pool_id:?} is not a user pool id (region_id)")
        })?;
        let aws_region = env
            .get("AWS_REGION")
            .or_else(|| env.get("AWS_DEFAULT_REGION"))
            .ok_or_else(|| {
                missing(MissingVar {
                    name: "AWS_REGION".into(),
                    why: format!("the pool's region, {region} for this pool"),
                })
            })?;
        if aws_region != region {
            return Err(format!(
                "AWS_REGION is {aws_region} but AWS_COGNITO_USER_POOL_ID {pool_id} is in {region}"
            ));
        }
        let client_id = env
            .require(
                "AWS_COGNITO_APP_CLIENT_ID",
                "the app client id tokens must carry",
            )
            .map_err(missing)?;
        Ok(ServerEnv {
            host,
            port,
            api_path,
            pool_id,
            client_id,
            jwks_url: env.get("AWS_COGNITO_JWKS_URL"),
            issuer: env.get("AWS_COGNITO_ISSUER"),
        })
    }

    /// A verifier of the pool's ID and access tokens for the app client ([`LEEWAY`]), with a
    /// verified-signature cache of `signature_cache` entries (0: none) and the core's other
    /// defaults; nothing is fetched yet.
    ///
    /// # Errors
    /// A message when the core refuses the configuration.
    pub fn verifier(&self, signature_cache: usize) -> Result<CognitoJwtVerifier, String> {
        self.verifier_with(Sizes {
            signature_cache,
            ..Sizes::default()
        })
    }

    /// [`ServerEnv::verifier`] with these sizes.
    ///
    /// # Errors
    /// A message when the core refuses the configuration.
    pub fn verifier_with(&self, sizes: Sizes) -> Result<CognitoJwtVerifier, String> {
        // The pool by id; an issuer override (an emulator naming the pool by its own URL)
        // replaces its issuers and keeps its JWKS URL, unless that is overridden too.
        let mut pool = Pool::user_pool(self.pool_id.clone());
        if let Some(iss) = &self.issuer {
            pool = pool.also_issuer(iss.clone());
        }
        if let Some(url) = &self.jwks_url {
            pool = pool.jwks_url(url.clone());
        }
        let b = CognitoJwtVerifier::builder().pool(pool);
        b.client_id(self.client_id.clone())
            .token_use(AcceptedTokenUse::Any)
            .leeway(LEEWAY)
            .signature_cache(sizes.signature_cache)
            .verdict_memo(sizes.verdict_memo)
            .revocation_capacity(sizes.revocation_capacity)
            .max_token_lifetime(sizes.max_token_lifetime)
            .build()
            .map_err(|e| format!("unusable Cognito configuration: {e}"))
    }

    /// The address to listen on; IPv4 first, so that `localhost` means 127.0.0.1 as curl tries
    /// first.
    ///
    /// # Errors
    /// `APP_HOST` does not resolve.
    pub async fn listen_addr(&self) -> Result<SocketAddr, String> {
        let host = &self.host;
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), self.port))
            .await
            .map_err(|e| format!("APP_HOST {host:?} does not resolve: {e}"))?
            .collect();
        addrs
            .iter()
            .find(|a| a.is_ipv4())
            .or_else(|| addrs.first())
            .copied()
            .ok_or_else(|| format!("APP_HOST {host:?} has no address"))
    }
}

/// What a server's verifier holds; `Default` is the core's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// Entries of the verified-signature cache (0: off).
    pub signature_cache: usize,
    /// Entries of the verdict memo (0: off).
    pub verdict_memo: usize,
    /// Entries of the revocation list (0: off).
    pub revocation_capacity: usize,
    /// How long a sign-out is held: the longest validity of the pool's tokens, seconds.
    pub max_token_lifetime: u64,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes {
            signature_cache: cognito_verify::DEFAULT_SIGNATURE_CACHE_CAPACITY,
            verdict_memo: cognito_verify::DEFAULT_VERDICT_MEMO_ENTRIES,
            revocation_capacity: cognito_verify::DEFAULT_REVOCATION_CAPACITY,
            max_token_lifetime: cognito_verify::DEFAULT_MAX_TOKEN_LIFETIME,
        }
    }
}

/// Escapes text for HTML element content and attribute values.
#[must_use]
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Serves `app` on `addr` (`host:port`) until Ctrl-C, saying where (`what`: the API's place):
/// the axum examples' main loop.
///
/// # Errors
/// The address cannot be listened on, or serving failed.
pub async fn serve_axum(addr: &str, app: axum::Router, what: &str) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("listening on http://{addr} ({what})");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_parsing() {
        let m = parse_dotenv(
            "# c\nA=1\nexport B = \"two words\"\nC='x#y'\nD=v # trailing\nbad line\nE=\n",
        );
        assert_eq!(m["A"], "1");
        assert_eq!(m["B"], "two words");
        assert_eq!(m["C"], "x#y");
        assert_eq!(m["D"], "v");
        assert_eq!(m["E"], "");
        assert!(!m.contains_key("bad line"));
    }

    #[test]
    fn missing_var_names_the_variable() {
        let e = Env::default()
            .require("COGNITO_VERIFY_SURELY_UNSET", "for a test")
            .unwrap_err();
        assert!(e
            .to_string()
            .contains("COGNITO_VERIFY_SURELY_UNSET (for a test)"));
    }

    #[test]
    fn html_escaping() {
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
