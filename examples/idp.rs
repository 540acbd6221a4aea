//! Calls to Amazon Cognito shared by `fetch_jwt` and the server: the AWS JSON API of the
//! `cognito-idp` endpoint (`InitiateAuth`, `GlobalSignOut`) and the OAuth2 revocation endpoint
//! (`RevokeToken`).

use core::time::Duration;

use serde_json::Value;

use crate::Env;

/// Timeout of a call to Cognito.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The `cognito-idp` endpoint per the AWS SDK convention: the service-specific override
/// `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, the global `AWS_ENDPOINT_URL`, else
/// `https://cognito-idp.{AWS_REGION}.amazonaws.com/`.
///
/// # Errors
/// A message naming `AWS_REGION` when none of the three is set.
pub fn endpoint(env: &Env) -> Result<String, String> {
    if let Some(url) = env.get("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER") {
        return Ok(url);
    }
    if let Some(url) = env.get("AWS_ENDPOINT_URL") {
        return Ok(url);
    }
    let region = env
        .get("AWS_REGION")
        .or_else(|| env.get("AWS_DEFAULT_REGION"))
        .ok_or_else(|| {
            "missing environment variable AWS_REGION (or AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER); \
             set it or put it in ./.env"
                .to_string()
        })?;
    Ok(format!("https://cognito-idp.{region}.amazonaws.com/"))
}

/// A call that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// Nothing usable came back (connection refused, timeout, a body that is not JSON): one line
    /// naming the endpoint.
    Transport(String),
    /// Cognito answered with an error status.
    Refused {
        /// The HTTP status.
        status: u16,
        /// `NotAuthorizedException` and the like, when the answer names one.
        kind: Option<String>,
        /// The answer's message, when it has one.
        message: Option<String>,
        /// The first 200 characters of the body, on one line.
        snippet: String,
    },
}

impl core::fmt::Display for CallError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CallError::Transport(m) => f.write_str(m),
            CallError::Refused {
                status,
                kind,
                message,
                snippet,
            } => match (kind, message) {
                (Some(k), Some(m)) => write!(f, "{k}: {m}"),
                (Some(k), None) => f.write_str(k),
                (None, Some(m)) => write!(f, "HTTP {status}: {m}"),
                (None, None) => write!(f, "HTTP {status}: {snippet}"),
            },
        }
    }
}

impl core::error::Error for CallError {}

/// Turns a transport error into one line that names the endpoint.
#[must_use]
pub fn transport_error(err: &reqwest::Error, endpoint: &str) -> String {
    let what = if err.is_timeout() {
        format!("timed out after {}s", TIMEOUT.as_secs())
    } else if err.is_connect() {
        "cannot connect".to_string()
    } else {
        "request failed".to_string()
    };
    // Walk the source chain for the root cause (e.g. "Connection refused").
    let mut cause = String::new();
    let mut src: Option<&dyn core::error::Error> = core::error::Error::source(err);
    while let Some(s) = src {
        cause = s.to_string();
        src = s.source();
    }
    if cause.is_empty() {
        cause = err.to_string();
    }
    format!("{what} to Cognito endpoint {endpoint}: {cause}")
}

/// First 200 characters of a response body, on one line.
#[must_use]
pub fn snippet(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = one_line.chars().take(200).collect();
    if one_line.chars().count() > 200 {
        s.push('…');
    }
    if s.is_empty() {
        s.push_str("(empty body)");
    }
    s
}

/// One action of the AWS JSON 1.1 API (`X-Amz-Target: AWSCognitoIdentityProviderService.{action}`):
/// these actions are authorised by their parameters (a client id, a token), not by a SigV4
/// signature. Returns the answer's JSON object.
///
/// # Errors
/// [`CallError`]: the endpoint unreachable or not answering JSON, or Cognito's error.
pub async fn call(
    client: &reqwest::Client,
    endpoint: &str,
    action: &str,
    body: &Value,
) -> Result<Value, CallError> {
    let resp = client
        .post(endpoint)
        .header("Content-Type", "application/x-amz-json-1.1")
        .header(
            "X-Amz-Target",
            format!("AWSCognitoIdentityProviderService.{action}"),
        )
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| CallError::Transport(transport_error(&e, endpoint)))?;
    let status = resp.status();
    let error_type_header = resp
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = resp
        .text()
        .await
        .map_err(|e| CallError::Transport(transport_error(&e, endpoint)))?;
    let json: Option<Value> = serde_json::from_str(&text).ok();
    if !status.is_success() {
        let kind = json
            .as_ref()
            .and_then(|j| j.get("__type"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(error_type_header)
            .map(|t| {
                // "com.amazonaws...#NotAuthorizedException" or "NotAuthorizedException:http://..."
                let t = t.rsplit('#').next().unwrap_or(&t);
                t.split(':').next().unwrap_or(t).to_string()
            });
        let message = json
            .as_ref()
            .and_then(|j| j.get("message").or_else(|| j.get("Message")))
            .and_then(Value::as_str)
            .map(str::to_string);
        return Err(CallError::Refused {
            status: status.as_u16(),
            kind,
            message,
            snippet: snippet(&text),
        });
    }
    json.ok_or_else(|| {
        CallError::Transport(format!(
            "Cognito endpoint {endpoint} answered {status} with a body that is not JSON: {}",
            snippet(&text)
        ))
    })
}

/// `GlobalSignOut`: Cognito invalidates every refresh token of the access token's user (ID and
/// access tokens already issued stay valid for every verifier until they expire).
///
/// # Errors
/// [`CallError`]; Cognito refuses an access token it does not know or that was signed out.
pub async fn global_sign_out(
    client: &reqwest::Client,
    endpoint: &str,
    access_token: &str,
) -> Result<(), CallError> {
    let body = serde_json::json!({ "AccessToken": access_token });
    // The message of a refusal may echo the token: never pass it on.
    call(client, endpoint, "GlobalSignOut", &body)
        .await
        .map(|_| ())
        .map_err(|e| match e {
            CallError::Refused {
                status,
                kind,
                message,
                snippet,
            } => CallError::Refused {
                status,
                kind,
                message: message.map(|m| m.replace(access_token, "***")),
                snippet: snippet.replace(access_token, "***"),
            },
            other => other,
        })
}

/// `RevokeToken` at the OAuth2 endpoint (`https://<domain>/oauth2/revoke`): the refresh token and
/// every ID and access token issued from it (they share its `origin_jti`) are revoked in Cognito.
/// `secret`: the app client's secret, sent as HTTP Basic auth, when it has one.
///
/// # Errors
/// [`CallError`]: the endpoint unreachable, or its refusal (`invalid_token`, `unauthorized_client`:
/// revocation is off for the client, ...).
pub async fn revoke_token(
    client: &reqwest::Client,
    revoke_url: &str,
    client_id: &str,
    secret: Option<&str>,
    refresh_token: &str,
) -> Result<(), CallError> {
    let mut post = client
        .post(revoke_url)
        .form(&[("token", refresh_token), ("client_id", client_id)]);
    if let Some(secret) = secret {
        post = post.basic_auth(client_id, Some(secret));
    }
    let resp = post
        .send()
        .await
        .map_err(|e| CallError::Transport(transport_error(&e, revoke_url)))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let text = resp.text().await.unwrap_or_default();
    let json: Option<Value> = serde_json::from_str(&text).ok();
    let s = |k: &str| {
        json.as_ref()
            .and_then(|j| j.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    Err(CallError::Refused {
        status: status.as_u16(),
        kind: s("error"),
        message: s("error_description"),
        snippet: snippet(&text).replace(refresh_token, "***"),
    })
}
