//! `nextbest serve`: the branch server. It serves the page (www/) with a
//! strict security policy on every response, and the branch's API under `/api`
//! ([`api`]): sign-in, roles ([`access`]), records with live push, published
//! rule packs ([`packs`]), the customer lists the branch loads ([`customers`]),
//! all kept in one SQLite file ([`store`]).
//!
//! - [`Config`]: address, www/ folder, data folder, origins allowed to frame the page.
//! - [`router`]: the axum app (API, files, the headers of [`headers`], gzip).
//! - [`run`]: binds, opens the data, prints the URL, serves until Ctrl-C or SIGTERM.
//!
//! Native only (feature `server`): none of its crates build for wasm32.

pub mod access;
pub mod api;
pub mod auth;
pub mod customers;
pub mod files;
pub mod headers;
pub mod origin;
pub mod packs;
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
    /// The data folder: `nextbest.db` inside it.
    pub data: PathBuf,
    /// Mark the session cookie `Secure` (the page is reached over https through a proxy).
    pub secure_cookie: bool,
    /// On first start of an empty data folder, create one demo account per role.
    pub demo: bool,
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
    #[error("--data: {0}")]
    Store(#[from] store::StoreError),
    #[error("{0}")]
    Other(String),
}

/// The app: the API under `/api`, the page's files (with `/config.js` generated
/// from the frame ancestors when there are any), gzip for what compresses, and
/// the security headers on every response, errors included.
pub fn router(config: &Config, www_root: PathBuf, api: api::Api) -> Result<Router, ServeError> {
    let security = Arc::new(headers::SecurityHeaders::new(&config.frame_ancestors)?);
    let files = Arc::new(files::Files {
        root: www_root,
        config_js: (!config.frame_ancestors.is_empty()).then(|| files::generated_config_js(&config.frame_ancestors)),
    });
    // tower-http's default predicate: bodies over 32 bytes, not images (but SVG),
    // not event streams: the wasm module, the scripts, JSON, HTML and CSS.
    let files: Router = Router::new().fallback(files::serve).with_state(files);
    let api_state = api.clone();
    let app: Router = api::router(api)
        .route("/branch.json", axum::routing::get(branch_json).with_state(api_state))
        .merge(files)
        .layer(CompressionLayer::new().gzip(true).no_br().no_deflate().no_zstd())
        .layer(axum::middleware::map_response_with_state(security, headers::add));
    Ok(app)
}

/// Tells the page it is served by a branch server (www/branch.json, which a
/// plain static host serves, says the opposite) and who is signed in (null
/// when nobody is): the page then signs in or links up, and on a static host
/// runs as one device. Outside `/api` and its guard, so that asking is never
/// a 401 or 404 in the console; it says nothing the cookie's holder does not know.
async fn branch_json(
    axum::extract::State(api): axum::extract::State<api::Api>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let user = match auth::session_cookie(&headers) {
        Some(token) => {
            let th = auth::token_hash(&token);
            api.db.call(move |s| s.session(&th, now)).await.ok().flatten()
        }
        None => None,
    };
    let user = user.map(|u| serde_json::json!({"name": u.name, "role": u.role, "csrf": u.csrf}));
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({"server": true, "user": user})),
    )
        .into_response()
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
    let listener = bind(config.addr)?;
    let local = listener.local_addr()?;
    let store = store::Store::open(&config.data)?;
    let demo = if config.demo && store.user_count()? == 0 {
        let accounts = demo_accounts(&store)?;
        let customers = demo_customers(&store)?;
        (accounts, customers)
    } else {
        (Vec::new(), 0)
    };
    let (demo, demo_count) = demo;
    let pack = ensure_pack(&store)?;
    let api = api::Api {
        db: store::Db(Arc::new(store)),
        limiter: Arc::default(),
        secure_cookie: config.secure_cookie,
    };
    let app = router(config, root.clone(), api)?;
    warn_about(config, &root, local);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        // The URL is the line scripts and tests wait for.
        say(&format!(
            "nextbest serve: http://{local}/  (www: {}; data: {}; Ctrl-C stops)",
            root.display(),
            config.data.join(store::DB_FILE).display()
        ));
        if !demo.is_empty() {
            print_demo(&demo);
            say(&format!(
                "nextbest serve: 示例客户 {demo_count} 位已载入大厅和 {DEMO_CM} 的客户名单 · {demo_count} sample customers loaded into the hall and {DEMO_CM}'s book"
            ));
            say("nextbest serve: 用上面任一账户登录页面 · sign in to the page with any account above");
        }
        say(&format!(
            "nextbest serve: 规则包第 {v} 版生效 · rule pack version {v} in force ({}; sha256 {})",
            pack.note,
            pack.hash.get(..12).unwrap_or(&pack.hash),
            v = pack.version,
        ));
        if !config.frame_ancestors.is_empty() {
            let list: Vec<&str> = config.frame_ancestors.iter().map(Origin::as_str).collect();
            say(&format!(
                "nextbest serve: may be framed by {} (CSP frame-ancestors and /config.js allowedOrigins)",
                list.join(" ")
            ));
        }
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        say("nextbest serve: stopped");
        Ok(())
    })
}

/// The pack in force; on first start, the bundled pack published as version 1
/// (the embedded default, with or without demo accounts).
fn ensure_pack(store: &store::Store) -> Result<store::PackMeta, ServeError> {
    if let Some(current) = store.current_pack()? {
        return Ok(current);
    }
    let (files_json, hash) = packs::canonical(&crate::PackSource::bundled().files);
    let pack = store::NewPack {
        hash,
        files_json,
        author: "nextbest".to_owned(),
        note: "内置规则包 · bundled pack".to_owned(),
        restored_from: None,
    };
    match store.publish_pack(&pack)? {
        store::Publish::Created(m) | store::Publish::Unchanged(m) => Ok(m),
    }
}

/// The demo branch's customers: the bundled samples as the day's hall and as
/// the demo customer manager's book, so every screen has someone to show.
fn demo_customers(store: &store::Store) -> Result<usize, ServeError> {
    let rows = customers::bundled_rows().map_err(ServeError::Other)?;
    store.load_customers(access::List::Hall.as_str(), "", &rows, "demo", false)?;
    store.load_customers(access::List::Book.as_str(), DEMO_CM, &rows, "demo", false)?;
    Ok(rows.len())
}

/// The demo customer manager's account (`demo-` and the role).
const DEMO_CM: &str = "demo-cm";

/// One account per role with a random password: a demo branch to try the API with.
fn demo_accounts(store: &store::Store) -> Result<Vec<(access::Role, String, String)>, ServeError> {
    let mut out = Vec::new();
    for role in access::Role::ALL {
        let name = format!("demo-{}", role.as_str().replace('_', "-"));
        let password = auth::random_password();
        let hash = auth::hash_password(&password).map_err(ServeError::Other)?;
        store.add_user(&name, role.as_str(), &hash, "demo")?;
        out.push((role, name, password));
    }
    Ok(out)
}

/// The demo accounts, printed once: the passwords are not stored anywhere readable.
fn print_demo(accounts: &[(access::Role, String, String)]) {
    say("nextbest serve: 演示网点：每个岗位一个账户，密码只显示这一次 · demo branch: one account per role, passwords shown only now");
    say(&format!(
        "  {:<12} {:<18} {}",
        "role 岗位", "name 用户名", "password 密码"
    ));
    for (role, name, password) in accounts {
        say(&format!(
            "  {:<12} {:<18} {}   {}",
            role.as_str(),
            name,
            password,
            role.zh()
        ));
    }
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
