//! cognito-verify for JavaScript runtimes (work in progress).
