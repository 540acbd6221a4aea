//! The verified claims of a token: a borrowed view over the decoded payload.

use crate::json::{self, JsonStr, StrArray, Value};
use crate::Error;

#[cfg(feature = "alloc")]
mod index;
#[cfg(feature = "alloc")]
pub(crate) use index::ClaimsIndex;

/// Which kind of Cognito token (`token_use`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenUse {
    /// An ID token: identity claims, `aud` is the app client id.
    Id,
    /// An access token: `scope`, `client_id`.
    Access,
}

impl TokenUse {
    /// `"id"` or `"access"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
        }
    }
}

/// A claim's value, as returned by [`Claims::get`].
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum ClaimValue<'b> {
    /// A string.
    Str(JsonStr<'b>),
    /// A number written as an integer that fits in `i64`.
    Int(i64),
    /// Any other number, as written.
    Number(&'b str),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An array, as its JSON text.
    Array(&'b str),
    /// An object, as its JSON text.
    Object(&'b str),
}

impl<'b> From<Value<'b>> for ClaimValue<'b> {
    fn from(v: Value<'b>) -> Self {
        match v {
            Value::Str(s) => ClaimValue::Str(s),
            Value::Num(n) => match v.as_i64() {
                Some(i) => ClaimValue::Int(i),
                None => ClaimValue::Number(n),
            },
            Value::Bool(b) => ClaimValue::Bool(b),
            Value::Null => ClaimValue::Null,
            Value::Array(a) => ClaimValue::Array(a),
            Value::Object(o) => ClaimValue::Object(o),
        }
    }
}

/// The claims of a verified token, borrowed from the buffer the payload was decoded into.
///
/// Every accessor is cheap: the standard Cognito claims were located during verification.
#[derive(Clone, Debug)]
pub struct Claims<'b> {
    pub(crate) payload: &'b str,
    pub(crate) token_use: TokenUse,
    pub(crate) iss: JsonStr<'b>,
    pub(crate) client: JsonStr<'b>,
    pub(crate) exp: i64,
    pub(crate) iat: Option<i64>,
    pub(crate) nbf: Option<i64>,
    pub(crate) auth_time: Option<i64>,
    pub(crate) sub: Option<JsonStr<'b>>,
    pub(crate) username: Option<JsonStr<'b>>,
    pub(crate) jti: Option<JsonStr<'b>>,
    pub(crate) origin_jti: Option<JsonStr<'b>>,
    pub(crate) email: Option<JsonStr<'b>>,
    pub(crate) scope: Option<JsonStr<'b>>,
    pub(crate) groups: Option<&'b str>,
}

impl<'b> Claims<'b> {
    /// The decoded payload, a JSON object.
    #[must_use]
    pub fn payload_json(&self) -> &'b str {
        self.payload
    }
    /// `token_use`.
    #[must_use]
    pub fn token_use(&self) -> TokenUse {
        self.token_use
    }
    /// `iss`.
    #[must_use]
    pub fn issuer(&self) -> JsonStr<'b> {
        self.iss
    }
    /// The app client: `aud` of an ID token, `client_id` of an access token.
    #[must_use]
    pub fn client_id(&self) -> JsonStr<'b> {
        self.client
    }
    /// `exp`, unix seconds.
    #[must_use]
    pub fn exp(&self) -> i64 {
        self.exp
    }
    /// `iat`, unix seconds.
    #[must_use]
    pub fn iat(&self) -> Option<i64> {
        self.iat
    }
    /// `nbf`, unix seconds.
    #[must_use]
    pub fn nbf(&self) -> Option<i64> {
        self.nbf
    }
    /// `auth_time`, unix seconds.
    #[must_use]
    pub fn auth_time(&self) -> Option<i64> {
        self.auth_time
    }
    /// `sub`, the user's stable id.
    #[must_use]
    pub fn sub(&self) -> Option<JsonStr<'b>> {
        self.sub
    }
    /// The user name: `username` in access tokens, `cognito:username` in ID tokens.
    #[must_use]
    pub fn username(&self) -> Option<JsonStr<'b>> {
        self.username
    }
    /// `jti`.
    #[must_use]
    pub fn jti(&self) -> Option<JsonStr<'b>> {
        self.jti
    }
    /// `origin_jti`.
    #[must_use]
    pub fn origin_jti(&self) -> Option<JsonStr<'b>> {
        self.origin_jti
    }
    /// `email` (ID tokens).
    #[must_use]
    pub fn email(&self) -> Option<JsonStr<'b>> {
        self.email
    }
    /// `scope`, the space-separated scopes of an access token, as one string.
    #[must_use]
    pub fn scope(&self) -> Option<JsonStr<'b>> {
        self.scope
    }
    /// Whether `scope` lists this scope.
    #[must_use]
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.is_some_and(|s| s.has_word(scope))
    }
    /// The entries of `cognito:groups` (empty when absent).
    #[must_use]
    pub fn groups(&self) -> StrArray<'b> {
        StrArray::new(self.groups.unwrap_or("[]"))
    }
    /// Whether `cognito:groups` lists this group.
    #[must_use]
    pub fn in_group(&self, group: &str) -> bool {
        self.groups().any(|g| g == group)
    }
    /// Any claim by name (names compared after decoding escapes).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<ClaimValue<'b>> {
        let mut found = None;
        // The payload was validated during verification, so this walk cannot fail.
        let _ = json::object_members(self.payload, (), |n, v| {
            if found.is_none() && n == name {
                found = Some(ClaimValue::from(v));
            }
            Ok(())
        });
        found
    }
}

/// Reads the payload and locates the claims, checking the types of the ones we know.
pub(crate) fn parse(payload: &str) -> Result<Claims<'_>, Error> {
    let mut token_use = None;
    let mut iss = None;
    let mut aud = None;
    let mut client_id = None;
    let mut exp = None;
    let mut c = Claims {
        payload,
        token_use: TokenUse::Id,
        iss: JsonStr::EMPTY,
        client: JsonStr::EMPTY,
        exp: 0,
        iat: None,
        nbf: None,
        auth_time: None,
        sub: None,
        username: None,
        jti: None,
        origin_jti: None,
        email: None,
        scope: None,
        groups: None,
    };
    let mut cognito_username = None;
    let mut username = None;
    json::object_members(payload, Error::MalformedToken, |name, v| {
        let mut buf = [0u8; 32];
        match name.name(&mut buf) {
            "iss" => iss = Some(str_claim(v)?),
            "token_use" => token_use = Some(str_claim(v)?),
            "aud" => aud = Some(v),
            "client_id" => client_id = Some(str_claim(v)?),
            "exp" => exp = Some(time_claim(v)?),
            "iat" => c.iat = Some(time_claim(v)?),
            "nbf" => c.nbf = Some(time_claim(v)?),
            "auth_time" => c.auth_time = Some(time_claim(v)?),
            "sub" => c.sub = Some(str_claim(v)?),
            "username" => username = Some(str_claim(v)?),
            "cognito:username" => cognito_username = Some(str_claim(v)?),
            "jti" => c.jti = Some(str_claim(v)?),
            "origin_jti" => c.origin_jti = Some(str_claim(v)?),
            "email" => c.email = Some(str_claim(v)?),
            "scope" => c.scope = Some(str_claim(v)?),
            "cognito:groups" => match v {
                Value::Array(a) => {
                    let mut only_strings = true;
                    json::array_elements(a, |e| {
                        only_strings &= matches!(e, Value::Str(_));
                        Ok(())
                    })
                    .map_err(|_| Error::MalformedToken)?;
                    if !only_strings {
                        return Err(Error::InvalidClaim);
                    }
                    c.groups = Some(a);
                }
                _ => return Err(Error::InvalidClaim),
            },
            _ => {}
        }
        Ok(())
    })?;

    c.iss = iss.ok_or(Error::MissingClaim)?;
    let token_use = token_use.ok_or(Error::MissingClaim)?;
    c.token_use = if token_use == "id" {
        TokenUse::Id
    } else if token_use == "access" {
        TokenUse::Access
    } else {
        return Err(Error::WrongTokenUse);
    };
    c.exp = exp.ok_or(Error::MissingClaim)?;
    c.username = username.or(cognito_username);
    c.client = match c.token_use {
        TokenUse::Id => match aud.ok_or(Error::MissingClaim)? {
            Value::Str(s) => s,
            _ => return Err(Error::InvalidClaim),
        },
        TokenUse::Access => client_id.ok_or(Error::MissingClaim)?,
    };
    Ok(c)
}

fn str_claim(v: Value<'_>) -> Result<JsonStr<'_>, Error> {
    match v {
        Value::Str(s) => Ok(s),
        _ => Err(Error::InvalidClaim),
    }
}

/// A NumericDate (RFC 7519 section 2) as whole seconds: strings, fractions, negatives and
/// values beyond `i64` are invalid, never "absent".
fn time_claim(v: Value<'_>) -> Result<i64, Error> {
    v.as_i64().filter(|t| *t >= 0).ok_or(Error::InvalidClaim)
}
