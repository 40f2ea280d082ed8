//! `nextbest serve`: the branch server. Today it serves the page (www/) with a
//! strict security policy on every response; it is where the branch's back end
//! (storage, sign-in, roles, sync, the HTTP API) will grow, as routes on
//! [`router`] beside the static files.
//!
//! - [`Config`]: address, www/ folder, origins allowed to frame the page.
//! - [`router`]: the axum app (files, the headers of [`headers`], gzip).
//! - [`run`]: binds, prints the URL, serves until Ctrl-C or SIGTERM.
//!
//! Native only (feature `server`): none of its crates build for wasm32.

pub mod access;
pub mod auth;
pub mod files;
pub mod headers;
pub mod origin;
pub mod store;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use tower_http::compression::CompressionLayer;

pub use origin::{Origin, OriginError};

/// The default address: loopback only. Another device reaches the page only
/// when an address on the branch network is given on purpose.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// The default data folder, relative to where the server is started.
pub const DEFAULT_DATA: &str = "branch-data";

/// What `nextbest serve` was asked for.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen; port 0 picks a free one (the printed URL names it).
    pub addr: SocketAddr,
    /// The page's folder.
    pub www: PathBuf,
    /// Origins allowed to show the page in a frame and message it; empty: none.
    pub frame_ancestors: Vec<Origin>,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("--www {path}: {message}")]
    Www { path: String, message: String },
    #[error("--addr {addr}: the address is already in use (another server, or another nextbest serve, is listening there; stop it or pick another port)")]
    AddrInUse { addr: SocketAddr },
    #[error("--addr {addr}: cannot listen there: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("a --frame-ancestor origin cannot be sent as a header: {0}")]
    Header(#[from] axum::http::header::InvalidHeaderValue),
}

/// The app: the page's files (with `/config.js` generated from the frame
/// ancestors when there are any), gzip for what compresses, and the security
/// headers on every response, errors included.
pub fn router(config: &Config, www_root: PathBuf) -> Result<Router, ServeError> {
    let security = Arc::new(headers::SecurityHeaders::new(&config.frame_ancestors)?);
    let files = Arc::new(files::Files {
        root: www_root,
        config_js: (!config.frame_ancestors.is_empty()).then(|| files::generated_config_js(&config.frame_ancestors)),
    });
    // tower-http's default predicate: bodies over 32 bytes, not images (but SVG),
    // not event streams: the wasm module, the scripts, JSON, HTML and CSS.
    let app: Router = Router::new()
        .fallback(files::serve)
        .with_state(files)
        .layer(CompressionLayer::new().gzip(true).no_br().no_deflate().no_zstd())
        .layer(axum::middleware::map_response_with_state(security, headers::add));
    Ok(app)
}

/// www/ resolved, checked to be a folder with the page in it.
pub fn www_root(www: &Path) -> Result<PathBuf, ServeError> {
    let err = |message: String| ServeError::Www {
        path: www.display().to_string(),
        message,
    };
    let root = std::fs::canonicalize(www).map_err(|e| err(format!("cannot open: {e}")))?;
    if !root.is_dir() {
        return Err(err("not a folder".to_owned()));
    }
    if !root.join("index.html").is_file() {
        return Err(err(
            "has no index.html (give the page's folder, e.g. --www www)".to_owned()
        ));
    }
    Ok(root)
}

/// Binds the address: a clear error when it is taken.
pub fn bind(addr: SocketAddr) -> Result<std::net::TcpListener, ServeError> {
    let listener = std::net::TcpListener::bind(addr).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            ServeError::AddrInUse { addr }
        } else {
            ServeError::Bind { addr, source }
        }
    })?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Serves until Ctrl-C or SIGTERM, then lets requests in flight finish.
pub fn run(config: &Config) -> Result<(), ServeError> {
    let root = www_root(&config.www)?;
    let app = router(config, root.clone())?;
    let listener = bind(config.addr)?;
    let local = listener.local_addr()?;
    warn_about(config, &root, local);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        // The URL is the line scripts and tests wait for.
        say(&format!(
            "nextbest serve: http://{local}/  (www: {}; Ctrl-C stops)",
            root.display()
        ));
        if !config.frame_ancestors.is_empty() {
            let list: Vec<&str> = config.frame_ancestors.iter().map(Origin::as_str).collect();
            say(&format!(
                "nextbest serve: may be framed by {} (CSP frame-ancestors and /config.js allowedOrigins)",
                list.join(" ")
            ));
        }
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        say("nextbest serve: stopped");
        Ok(())
    })
}

/// A line on stdout, flushed; a closed stdout (`nextbest serve | head -1`) does not stop the server.
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

fn warn_about(config: &Config, root: &Path, local: SocketAddr) {
    if !local.ip().is_loopback() {
        eprintln!(
            "nextbest serve: warning: listening on {local}, reachable from other machines; the default is loopback ({DEFAULT_ADDR})"
        );
    }
    // Without --frame-ancestor the page may not be framed at all, so origins
    // listed only in www/config.js could not embed it.
    if config.frame_ancestors.is_empty() {
        if let Ok(text) = std::fs::read_to_string(root.join("config.js")) {
            if lists_origins(&text) {
                eprintln!(
                    "nextbest serve: warning: www/config.js lists allowedOrigins, but without --frame-ancestor the page \
                     may not be framed (CSP frame-ancestors 'none'); pass each origin as --frame-ancestor instead"
                );
            }
        }
    }
}

/// Whether a config.js has a non-empty `allowedOrigins: [...]` (comments skipped).
fn lists_origins(text: &str) -> bool {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    code.split_once("allowedOrigins")
        .and_then(|(_, rest)| rest.split_once('[').map(|(_, r)| r))
        .and_then(|r| r.split_once(']').map(|(inside, _)| inside.contains(['"', '\'', '`'])))
        .unwrap_or(false)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed, Ctrl-C still ends the process by default.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("nextbest serve: shutting down");
}

#[cfg(test)]
mod tests {
    use super::lists_origins;

    #[test]
    fn config_js_origins_are_noticed() {
        assert!(!lists_origins(
            "// e.g. [\"https://x\"]\nexport default {\n  allowedOrigins: [],\n};"
        ));
        assert!(lists_origins(
            "export default { allowedOrigins: [\"https://teller.example\"] };"
        ));
    }
}
