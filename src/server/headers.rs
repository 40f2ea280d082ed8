//! The security headers every response carries, built once from the config.
//!
//! The page needs nothing from another origin and runs no inline script or
//! style, so the policy allows only its own origin. Why each part is there:
//!
//! - `script-src 'self' 'wasm-unsafe-eval'`: scripts only from www/; the one
//!   allowance is compiling WebAssembly (`WebAssembly.instantiateStreaming`),
//!   which CSP treats as eval. `'unsafe-eval'` (JS `eval`, `new Function`) stays off.
//! - `worker-src 'self'`, `connect-src 'self'`: workers and fetches only to this origin,
//!   so customer data cannot be sent anywhere else even by injected markup.
//! - `img-src 'self' data:`: the favicon is `data:,`.
//! - `style-src 'self'`: the stylesheet; no `style="..."` attribute applies (the
//!   page and CodeMirror set styles through `el.style`, which CSP allows).
//! - `style-src-elem 'self' 'unsafe-inline'`: the one allowance for the page's own
//!   code. The studio's editor (CodeMirror 6, through style-mod) writes its theme
//!   into a `<style>` element in the document head and rewrites that element's text
//!   as extensions load (lint gutter, tooltips), so no hash can name it; without it
//!   the editor draws unstyled and the lint markers have no size. It covers
//!   `<style>` elements only: style attributes stay refused, and since every fetch
//!   directive is 'self', injected CSS could not send anything to another origin.
//!   The narrower fix, a per-response nonce handed to `EditorView.cspNonce`, needs
//!   the HTML generated per request; it belongs with the branch server's templating.
//! - `object-src 'none'; base-uri 'none'; form-action 'self'`: no plugins, no `<base>`
//!   rewriting every relative URL, forms post only here.
//! - `frame-ancestors`: who may show the page in a frame: `'none'`, or `'self'` and
//!   the `--frame-ancestor` origins (the bank's teller system).
//!
//! Beside it: `nosniff` (a file is only ever what its Content-Type says),
//! `Referrer-Policy: no-referrer` (addresses never leak), COOP `same-origin` (no
//! other window keeps a handle on this one), CORP `same-origin` (other sites cannot
//! embed these files), and a Permissions-Policy turning off devices the page never uses.

use axum::extract::State;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;

use super::origin::Origin;

/// The policy's fixed part; `frame-ancestors` is appended from the config.
pub const CSP_BASE: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; \
connect-src 'self'; img-src 'self' data:; style-src 'self'; style-src-elem 'self' 'unsafe-inline'; \
object-src 'none'; base-uri 'none'; form-action 'self'";

/// Browser features the page never uses, turned off for it and any frame in it.
/// Only names Chromium knows: an unknown one (e.g. `bluetooth`) logs a console error.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), \
publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()";

/// `frame-ancestors 'none'`, or `'self'` and each origin.
pub fn frame_ancestors(origins: &[Origin]) -> String {
    if origins.is_empty() {
        "frame-ancestors 'none'".to_owned()
    } else {
        let mut s = "frame-ancestors 'self'".to_owned();
        for o in origins {
            s.push(' ');
            s.push_str(o.as_str());
        }
        s
    }
}

/// The full Content-Security-Policy value.
pub fn content_security_policy(origins: &[Origin]) -> String {
    format!("{CSP_BASE}; {}", frame_ancestors(origins))
}

/// The headers added to every response, computed once.
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    fixed: HeaderMap,
}

impl SecurityHeaders {
    /// Fails only if an origin cannot be a header value, which validated origins always can.
    pub fn new(origins: &[Origin]) -> Result<Self, header::InvalidHeaderValue> {
        let mut fixed = HeaderMap::new();
        let csp = HeaderValue::from_str(&content_security_policy(origins))?;
        fixed.insert(header::CONTENT_SECURITY_POLICY, csp);
        fixed.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        fixed.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        fixed.insert(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        );
        fixed.insert(
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("same-origin"),
        );
        fixed.insert(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        );
        Ok(SecurityHeaders { fixed })
    }

    /// Adds the headers to a response, replacing any the handler set, and its
    /// `Cache-Control` (except a handler's `no-store`: the API's answers are never kept).
    pub fn apply(&self, response: &mut Response) {
        let no_store = HeaderValue::from_static("no-store");
        let cache = if response.headers().get(header::CACHE_CONTROL) == Some(&no_store) {
            no_store
        } else {
            cache_control(response.status())
        };
        let headers = response.headers_mut();
        for (name, value) in &self.fixed {
            headers.insert(name, value.clone());
        }
        headers.insert(header::CACHE_CONTROL, cache);
    }
}

/// Every file in www/ keeps its name across versions (`app.js`, `nextbest_bg.wasm`,
/// the wasm glue must match its module), so the browser may keep a copy but asks
/// before each use (`no-cache`): a new version is seen at once, an unchanged one
/// costs a 304 (Last-Modified / If-Modified-Since). Errors are not stored at all.
fn cache_control(status: axum::http::StatusCode) -> HeaderValue {
    if status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED {
        HeaderValue::from_static("no-cache")
    } else {
        HeaderValue::from_static("no-store")
    }
}

/// Middleware (`axum::middleware::map_response_with_state`): the headers on every response.
pub async fn add(State(headers): State<std::sync::Arc<SecurityHeaders>>, mut response: Response) -> Response {
    headers.apply(&mut response);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_ancestors_from_config() {
        assert_eq!(frame_ancestors(&[]), "frame-ancestors 'none'");
        let o: Vec<Origin> = ["https://a.example", "http://b.example:8080"]
            .iter()
            .map(|s| s.parse().expect("origin"))
            .collect();
        assert_eq!(
            frame_ancestors(&o),
            "frame-ancestors 'self' https://a.example http://b.example:8080"
        );
        assert!(content_security_policy(&o).starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval';"));
    }
}
