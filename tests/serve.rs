//! `nextbest serve` as a process: the real binary on a free loopback port over a
//! www/ made for the test, spoken to in raw HTTP/1.1 (so request paths reach the
//! server exactly as written, with no client normalising `..` away).
#![cfg(all(not(target_arch = "wasm32"), feature = "server"))]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;
use common::http::{self, Resp};

const CSP_FIXED: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; \
connect-src 'self'; img-src 'self' data:; style-src 'self'; style-src-elem 'self' 'unsafe-inline'; \
object-src 'none'; base-uri 'none'; form-action 'self'; ";

/// The wasm magic and version, padded so gzip has something to do.
fn wasm_bytes() -> Vec<u8> {
    let mut b = b"\0asm\x01\0\0\0".to_vec();
    b.extend(std::iter::repeat_n(0u8, 4096));
    b
}

/// A scratch folder: `<tmp>/nextbest-serve-<pid>-<n>/` holding www/ and a secret beside it.
fn scratch() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "nextbest-serve-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let www = dir.join("www");
    std::fs::create_dir_all(www.join("js")).expect("mkdir");
    std::fs::create_dir_all(www.join("pkg")).expect("mkdir");
    let index = format!("<!doctype html><title>t</title><p>{}</p>", "page ".repeat(40));
    std::fs::write(www.join("index.html"), index).expect("write");
    std::fs::write(
        www.join("js/app.js"),
        format!("export const x = {:?};\n", "js ".repeat(40)),
    )
    .expect("write");
    std::fs::write(www.join("js/m.mjs"), "export default 1;\n").expect("write");
    std::fs::write(www.join("pkg/m.wasm"), wasm_bytes()).expect("write");
    let json = format!("{{\"a\": [{}0]}}", "1, ".repeat(40));
    std::fs::write(www.join("data.json"), json).expect("write");
    std::fs::write(www.join("config.js"), "export default {\n  allowedOrigins: [],\n};\n").expect("write");
    std::fs::write(www.join(".hidden"), "dotfile").expect("write");
    std::fs::write(dir.join("secret.txt"), "outside www").expect("write");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.join("secret.txt"), www.join("escape.txt")).expect("symlink");
        std::os::unix::fs::symlink(&dir, www.join("up")).expect("symlink");
        std::os::unix::fs::symlink(www.join("data.json"), www.join("inside.json")).expect("symlink");
    }
    dir
}

struct Server {
    child: Child,
    /// Kept open: the server prints more lines after the URL.
    _stdout: BufReader<ChildStdout>,
    base: String,
    addr: String,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts `nextbest serve --addr 127.0.0.1:0 --www <scratch>/www ARGS` and reads the URL it prints.
fn serve(args: &[&str]) -> Server {
    let dir = scratch();
    let www = dir.join("www");
    let mut child = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(["serve", "--addr", "127.0.0.1:0", "--no-demo", "--www"])
        .arg(&www)
        .arg("--data")
        .arg(dir.join("data"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    stdout.read_line(&mut line).expect("a line");
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    let addr = base.trim_start_matches("http://").trim_end_matches('/').to_owned();
    Server {
        child,
        _stdout: stdout,
        base,
        addr,
        dir,
    }
}

/// One request, written as given, on its own connection.
fn request(addr: &str, method: &str, path: &str, extra: &[(&str, &str)]) -> Resp {
    http::request(addr, method, path, extra, "")
}

fn get(srv: &Server, path: &str) -> Resp {
    request(&srv.addr, "GET", path, &[])
}

fn assert_security_headers(r: &Resp, what: &str, frame_ancestors: &str) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"));
    assert_eq!(csp, format!("{CSP_FIXED}{frame_ancestors}"), "{what}");
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(r.header("cross-origin-opener-policy"), Some("same-origin"), "{what}");
    assert_eq!(r.header("cross-origin-resource-policy"), Some("same-origin"), "{what}");
    let pp = r
        .header("permissions-policy")
        .unwrap_or_else(|| panic!("{what}: no Permissions-Policy"));
    for f in ["camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"] {
        assert!(pp.contains(f), "{what}: Permissions-Policy lacks {f}: {pp}");
    }
    assert!(r.header("cache-control").is_some(), "{what}: no Cache-Control");
}

#[test]
fn every_response_carries_the_security_headers() {
    let srv = serve(&[]);
    let none = "frame-ancestors 'none'";
    for (path, status) in [
        ("/", 200),
        ("/index.html", 200),
        ("/js/app.js", 200),
        ("/pkg/m.wasm", 200),
        ("/data.json", 200),
        ("/config.js", 200),
        ("/missing.js", 404),
        ("/../Cargo.toml", 404),
    ] {
        let r = get(&srv, path);
        assert_eq!(r.status, status, "{path}");
        assert_security_headers(&r, path, none);
    }
    let post = request(&srv.addr, "POST", "/", &[]); // the client sends Content-Length: 0
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    assert_security_headers(&post, "POST /", none);
}

#[test]
fn files_have_their_types_and_cache_rules() {
    let srv = serve(&[]);
    let index = get(&srv, "/");
    assert_eq!(index.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(index.text().contains("<title>t</title>"));
    assert_eq!(index.header("cache-control"), Some("no-cache"));
    let js = get(&srv, "/js/app.js");
    assert_eq!(js.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(js.header("cache-control"), Some("no-cache"));
    assert_eq!(
        get(&srv, "/js/m.mjs").header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let wasm = get(&srv, "/pkg/m.wasm");
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.body, wasm_bytes());
    assert_eq!(wasm.header("cache-control"), Some("no-cache"));
    assert_eq!(get(&srv, "/data.json").header("content-type"), Some("application/json"));
    let missing = get(&srv, "/missing.js");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("cache-control"), Some("no-store"));

    // Revalidation: an unchanged wasm module costs a 304 with no body.
    let since = wasm.header("last-modified").expect("Last-Modified").to_owned();
    let again = request(&srv.addr, "GET", "/pkg/m.wasm", &[("If-Modified-Since", &since)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_security_headers(&again, "304", "frame-ancestors 'none'");
}

#[test]
fn wasm_js_and_json_are_gzipped_when_asked() {
    let srv = serve(&[]);
    for path in ["/pkg/m.wasm", "/js/app.js", "/data.json", "/"] {
        let r = request(&srv.addr, "GET", path, &[("Accept-Encoding", "gzip")]);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-encoding"), Some("gzip"), "{path}");
        assert!(r.body.starts_with(&[0x1f, 0x8b]), "{path}: not a gzip stream");
    }
    let plain = get(&srv, "/pkg/m.wasm");
    assert_eq!(plain.header("content-encoding"), None);
}

#[test]
fn no_traversal_no_listing_no_symlink_escape() {
    let srv = serve(&[]);
    for path in [
        "/../Cargo.toml",
        "/../secret.txt",
        "/js/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/js/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/js%2f..%2f..%2fsecret.txt",
        "/js/..%5c..%5csecret.txt",
        "/%252e%252e/secret.txt",
        "/.hidden",
        // `..` is refused even where it would stay inside www/: dot segments never reach the disk.
        "/js/../index.html",
        "/js/%2e%2e/index.html",
        "/escape.txt",
        "/up/secret.txt",
        "/js/",
        "/js",
        "/pkg/",
        "/nope/",
    ] {
        let r = get(&srv, path);
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert!(!r.text().contains("outside www"), "{path} leaked the file outside www/");
        assert!(!r.text().contains("app.js"), "{path} listed a folder");
    }
    // A symlink that stays inside www/ is served.
    #[cfg(unix)]
    assert_eq!(get(&srv, "/inside.json").status, 200);
    // Absolute-form and odd request targets do not escape either.
    assert_ne!(get(&srv, "/%2e%2e/%2e%2e/%2e%2e/etc/passwd").status, 200);
}

#[test]
fn frame_ancestors_and_config_js_follow_the_flags() {
    let srv = serve(&[
        "--frame-ancestor",
        "https://teller.branch.example",
        "--frame-ancestor",
        "HTTP://Teller2.Branch.Example:8443",
    ]);
    let want = "frame-ancestors 'self' https://teller.branch.example http://teller2.branch.example:8443";
    for path in ["/", "/js/app.js", "/missing", "/config.js"] {
        assert_security_headers(&get(&srv, path), path, want);
    }
    let config = get(&srv, "/config.js");
    assert_eq!(config.status, 200);
    assert_eq!(config.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert!(
        config
            .text()
            .contains(r#"allowedOrigins: ["https://teller.branch.example","http://teller2.branch.example:8443"]"#),
        "{}",
        config.text()
    );
    // However the path is spelt, it is the generated file, never the one on disk.
    for path in ["//config.js", "/config.js?v=1", "/%63onfig.js"] {
        assert_eq!(get(&srv, path).text(), config.text(), "{path}");
    }
    let head = request(&srv.addr, "HEAD", "/config.js", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());

    // Without the flag, the file on disk.
    let plain = serve(&[]);
    let disk = get(&plain, "/config.js");
    assert_eq!(disk.text(), "export default {\n  allowedOrigins: [],\n};\n");
    assert_eq!(disk.header("content-type"), Some("text/javascript; charset=utf-8"));
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("the binary runs")
}

#[test]
fn bad_frame_ancestors_are_refused_naming_the_flag() {
    for (bad, why) in [
        ("https://*.branch.example", "wildcards are refused"),
        ("*", "wildcards are refused"),
        ("https://teller.branch.example/app", "no path"),
        ("teller.branch.example", "scheme://host[:port]"),
        ("ftp://teller.branch.example", "http or https"),
        ("'self'", "CSP keyword"),
        ("https://teller.branch.example;script-src", "not a host name"),
    ] {
        let out = run(&["serve", "--addr", "127.0.0.1:0", "--frame-ancestor", bad]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(
            err.contains("--frame-ancestor"),
            "{bad}: the message names the flag: {err}"
        );
        assert!(err.contains(why), "{bad}: {err}");
        assert!(out.stdout.is_empty(), "{bad}: it did not start");
    }
}

#[test]
fn an_address_in_use_is_refused() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let dir = scratch();
    let out = run(&[
        "serve",
        "--addr",
        &addr,
        "--www",
        &dir.join("www").display().to_string(),
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("--addr {addr}: the address is already in use")) && err.contains("pick another port"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_missing_www_is_refused() {
    let out = run(&["serve", "--addr", "127.0.0.1:0", "--www", "/nonexistent/www"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--www /nonexistent/www"), "{err}");
}

#[test]
fn loopback_by_default_and_the_url_is_printed() {
    let out = run(&["serve", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("127.0.0.1:8080"), "{help}");
    let srv = serve(&[]);
    assert!(srv.base.starts_with("http://127.0.0.1:"), "{}", srv.base);
    assert!(Path::new(&srv.dir).exists());
}

#[cfg(unix)]
#[test]
fn sigterm_stops_it_cleanly() {
    let mut srv = serve(&[]);
    assert_eq!(get(&srv, "/").status, 200);
    let pid = srv.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
    assert!(killed.success());
    let status = srv.child.wait().expect("exits");
    assert_eq!(status.code(), Some(0), "graceful shutdown exits 0");
}
