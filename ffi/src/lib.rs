//! C ABI for cognito-verify (work in progress).
