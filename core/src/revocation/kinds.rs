//! What can be revoked, and what recording a revocation answers.

#[cfg(doc)]
use super::{RevocationList, MAX_READ_RETRIES, MAX_REVOKED_VALUE_LEN, MAX_SESSIONS_PER_SUBJECT};
use super::{KIND_JTI, KIND_ORIGIN, KIND_SUBJECT, MAX_VALUE_LEN};

/// What to revoke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Revocation<'a> {
    /// Every token issued from one refresh token: tokens whose `origin_jti` is this (after
    /// Cognito's `RevokeToken`).
    OriginJti(&'a str),
    /// [`Revocation::OriginJti`] counted against the user it belongs to, so that
    /// [`RevocationList::sign_out`] can bound the sessions one user holds: what a server records
    /// for a sign-out, and what a replica applies for another server's.
    Session {
        /// The session's `origin_jti`.
        origin_jti: &'a str,
        /// Its user's `sub`.
        sub: &'a str,
    },
    /// One token: the token whose `jti` is this; `exp` is its expiry (unix seconds).
    Jti {
        /// The token's `jti`.
        jti: &'a str,
        /// The token's `exp`.
        exp: u64,
    },
    /// Every token of a user issued at or before a time (after Cognito's `GlobalSignOut`).
    Subject {
        /// The user's `sub`.
        sub: &'a str,
        /// Tokens whose `iat` is at or before this (unix seconds) are denied.
        issued_at_or_before: u64,
    },
}

impl Revocation<'_> {
    pub(super) fn kind(&self) -> u8 {
        match self {
            Revocation::OriginJti(_) | Revocation::Session { .. } => KIND_ORIGIN,
            Revocation::Jti { .. } => KIND_JTI,
            Revocation::Subject { .. } => KIND_SUBJECT,
        }
    }
    pub(super) fn value(&self) -> &str {
        match self {
            Revocation::OriginJti(v)
            | Revocation::Session { origin_jti: v, .. }
            | Revocation::Jti { jti: v, .. } => v,
            Revocation::Subject { sub, .. } => sub,
        }
    }
    /// Checks the values' lengths.
    pub(super) fn check(&self) -> Result<(), RevokeError> {
        let check = |v: &str| match v.len() {
            0 => Err(RevokeError::EmptyValue),
            n if n > MAX_VALUE_LEN => Err(RevokeError::TooLong),
            _ => Ok(()),
        };
        check(self.value())?;
        if let Revocation::Session { sub, .. } = self {
            check(sub)?;
        }
        Ok(())
    }
}

/// What [`RevocationList::sign_out`] recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignOut {
    /// The session ([`Revocation::Session`]): the user's other sessions stay signed in.
    Session,
    /// The user ([`Revocation::Subject`]): every token of the user issued at or before this time
    /// is denied, on every device. Chosen when the user already held
    /// [`MAX_SESSIONS_PER_SUBJECT`] sessions, the list was 7/8 full, or the session's buckets
    /// were full.
    Subject {
        /// The time recorded (the `now` of the sign-out).
        issued_at_or_before: u64,
    },
}

/// Why a revocation was not recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevokeError {
    /// The entry's two buckets hold live revocations; nothing was replaced.
    Full,
    /// The `jti`, `origin_jti` or `sub` is empty.
    EmptyValue,
    /// The `jti`, `origin_jti` or `sub` is longer than [`MAX_REVOKED_VALUE_LEN`] bytes.
    TooLong,
    /// The list has no slots (revocation turned off).
    Disabled,
}

impl RevokeError {
    /// A stable snake_case word for bindings: `revocation_list_full`, `empty_value`,
    /// `value_too_long`, `revocation_disabled`.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            RevokeError::Full => "revocation_list_full",
            RevokeError::EmptyValue => "empty_value",
            RevokeError::TooLong => "value_too_long",
            RevokeError::Disabled => "revocation_disabled",
        }
    }
}

impl RevokeError {
    /// A short human-readable description (lower case, no trailing period).
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            RevokeError::Full => {
                "the revocation list is full of live entries; nothing was replaced"
            }
            RevokeError::EmptyValue => "the revoked jti, origin_jti or sub is empty",
            RevokeError::TooLong => "the revoked jti, origin_jti or sub is longer than 256 bytes",
            RevokeError::Disabled => "revocation is turned off (capacity 0)",
        }
    }
}

impl core::fmt::Display for RevokeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for RevokeError {}

/// How many revocations a [`RevocationList`] holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RevocationStats {
    /// Live entries: revocations that still cover a token that could be accepted.
    pub held: usize,
    /// Entries the list can hold (0: revocation off).
    pub capacity: usize,
    /// Checks answered "revoked" because a slot stayed mid-write for [`MAX_READ_RETRIES`] reads
    /// (a writer preempted while writing); 0 in normal operation.
    pub contended: usize,
}
