//! One entry of the revocation stream: what it revokes, how it is read from Redis's fields, and
//! the bounds an entry written by another server must keep (anything beyond what this server
//! would publish itself is refused).

use std::collections::HashMap;

use cognito_verify_examples::LEEWAY;

/// One revocation, owned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Revoked {
    /// Every token of one refresh token (after `RevokeToken`), of an unknown user.
    OriginJti(String),
    /// Every token of one refresh token of the user `sub`, counted against that user.
    Session { origin_jti: String, sub: String },
    /// Every token of a user issued at or before `at` (after `GlobalSignOut`, or a sign-out of
    /// a user who holds too many sessions).
    Subject { sub: String, at: u64 },
    /// One token, valid until `exp`.
    Jti { jti: String, exp: u64 },
}

impl Revoked {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Revoked::OriginJti(_) | Revoked::Session { .. } => "origin_jti",
            Revoked::Subject { .. } => "subject",
            Revoked::Jti { .. } => "jti",
        }
    }

    pub(super) fn value(&self) -> &str {
        match self {
            Revoked::OriginJti(v) => v,
            Revoked::Session { origin_jti, .. } => origin_jti,
            Revoked::Subject { sub, .. } => sub,
            Revoked::Jti { jti, .. } => jti,
        }
    }

    pub(super) fn at(&self) -> u64 {
        match self {
            Revoked::OriginJti(_) | Revoked::Session { .. } => 0,
            Revoked::Subject { at, .. } => *at,
            Revoked::Jti { exp, .. } => *exp,
        }
    }

    pub(super) fn from_fields(f: &HashMap<String, String>) -> Option<Self> {
        let value = f.get("value").filter(|v| !v.is_empty())?.clone();
        let at = || f.get("at").and_then(|a| a.parse().ok());
        Some(match f.get("kind")?.as_str() {
            "origin_jti" => match f.get("sub").filter(|s| !s.is_empty()) {
                Some(sub) => Revoked::Session {
                    origin_jti: value,
                    sub: sub.clone(),
                },
                None => Revoked::OriginJti(value),
            },
            "subject" => Revoked::Subject {
                sub: value,
                at: at()?,
            },
            "jti" => Revoked::Jti {
                jti: value,
                exp: at()?,
            },
            _ => return None,
        })
    }

    /// Unix seconds after which no token `r` covers can be accepted by a verifier with
    /// [`LEEWAY`] whose tokens live at most `lifetime`, `r` recorded at `now`: what this server
    /// publishes as `until`.
    pub(super) fn until(&self, now: u64, lifetime: u64) -> u64 {
        let last_expiry = match self {
            Revoked::OriginJti(_) | Revoked::Session { .. } => now.saturating_add(lifetime),
            Revoked::Subject { at, .. } => at.saturating_add(lifetime),
            Revoked::Jti { exp, .. } => *exp,
        };
        last_expiry.saturating_add(LEEWAY)
    }

    /// Why an entry of another server, valid until `until`, lies beyond anything this server
    /// would publish at `now`, if it does.
    pub(super) fn out_of_bounds(
        &self,
        until: u64,
        now: u64,
        lifetime: u64,
    ) -> Option<&'static str> {
        let at_limit = match self {
            // A sign-out's time is its server's clock: at most `LEEWAY` ahead of this one.
            Revoked::Subject { .. } => now.saturating_add(LEEWAY),
            // A token's `exp`: issued at most `LEEWAY` ahead, valid at most `lifetime`.
            Revoked::Jti { .. } => now.saturating_add(lifetime).saturating_add(LEEWAY),
            Revoked::OriginJti(_) | Revoked::Session { .. } => 0,
        };
        let limit = self
            .at()
            .max(now)
            .saturating_add(lifetime)
            .saturating_add(LEEWAY);
        if self.at() > at_limit {
            Some("its time (at) is beyond what this server would publish")
        } else if until > limit {
            Some("its expiry (until) is beyond what this server would publish")
        } else {
            None
        }
    }
}
