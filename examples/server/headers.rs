//! The security headers of every answer of the example server (ARCHITECTURE.md, "Security
//! headers": each value and why).

use hyper::header::HeaderValue;
use hyper::Response;

use crate::web;
use crate::Body;

/// The security headers of every answer, fixed at start from this site's origin and the Hosted
/// UI's. The same on every page (the pages load nothing: no script, style, image or frame).
pub(crate) struct SecurityHeaders {
    /// `form-action` allows this site and the Hosted UI: Chromium applies a page's `form-action`
    /// to the redirects after its form's POST, and the sign-out's `303` leads to the Hosted UI's
    /// `/logout`.
    csp: HeaderValue,
    /// Only for an `https` origin that is not loopback: over `http` the header is ignored and only
    /// misleads, and on `localhost` it would force `https` on every other local server for two
    /// years. No `includeSubDomains`: this site does not speak for its parent's other hosts.
    hsts: Option<HeaderValue>,
}

impl SecurityHeaders {
    /// `origin`: this site's (`APP_ORIGIN`); `hosted_ui`: the Hosted UI's sign-out URL, if any.
    pub(crate) fn new(origin: &str, hosted_ui: Option<&reqwest::Url>) -> Self {
        let idp = hosted_ui
            .map(|u| u.origin())
            .filter(|o| o.is_tuple())
            .map(|o| format!(" {}", o.ascii_serialization()))
            .unwrap_or_default();
        let csp = format!(
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'{idp}"
        );
        let https = reqwest::Url::parse(origin)
            .is_ok_and(|u| u.scheme() == "https" && !web::is_loopback(&u));
        SecurityHeaders {
            csp: HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static(
                "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            )),
            hsts: https.then(|| HeaderValue::from_static("max-age=63072000")),
        }
    }

    pub(crate) fn apply(&self, mut r: Response<Body>) -> Response<Body> {
        let h = r.headers_mut();
        let mut set = |k: &'static str, v: HeaderValue| {
            h.entry(k).or_insert(v);
        };
        set(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
        set("x-frame-options", HeaderValue::from_static("DENY"));
        // `same-origin`: the site's own requests carry the page as `Referer` and, above all, the
        // real `Origin` on the sign-out form's POST (under `no-referrer` a browser sends
        // `Origin: null`, which `POST /logout` refuses); other sites get neither.
        set("referrer-policy", HeaderValue::from_static("same-origin"));
        set("content-security-policy", self.csp.clone());
        set(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
        set(
            "cross-origin-resource-policy",
            HeaderValue::from_static("same-origin"),
        );
        set(
            "permissions-policy",
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        );
        if let Some(hsts) = &self.hsts {
            set("strict-transport-security", hsts.clone());
        }
        set("cache-control", HeaderValue::from_static("no-store"));
        r
    }
}
