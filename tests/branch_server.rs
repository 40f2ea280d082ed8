//! The branch server's API as a process: the real `nextbest serve` on a free
//! loopback port with a real SQLite file in a scratch folder, signed in with
//! the demo accounts it prints, spoken to in raw HTTP/1.1 (as tests/serve.rs).
#![cfg(all(not(target_arch = "wasm32"), feature = "server"))]

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;
use common::http::{parse_head, request, try_request, write_request, Resp};

const ROLES: [&str; 8] = ["teller", "vip_teller", "lobby", "psm", "cm", "head", "author", "admin"];
/// Retraction last: in the matrix each role takes back a record it wrote before it.
const KINDS: [&str; 8] = [
    "outcome",
    "handoff",
    "lead",
    "unmet_need",
    "follow_up",
    "staff_state",
    "hall_state",
    "retraction",
];

/// What each role may write, written out here independently of src/server/access.rs:
/// loosening a permission there fails the matrix.
fn expected_write(role: &str) -> &'static [&'static str] {
    match role {
        "teller" | "vip_teller" => &["outcome", "handoff", "unmet_need", "staff_state", "retraction"],
        "lobby" => &[
            "outcome",
            "handoff",
            "lead",
            "unmet_need",
            "staff_state",
            "hall_state",
            "retraction",
        ],
        "psm" => &["outcome", "handoff", "lead", "unmet_need", "staff_state", "retraction"],
        "cm" => &["outcome", "follow_up", "staff_state", "retraction"],
        "head" => &["staff_state", "hall_state"],
        _ => &[],
    }
}

/// What each role reads of each kind (KINDS order, retraction aside): A all,
/// O only its own, S leads assigned to it or to no one (the pool), - nothing.
/// A retraction is read as the record it takes back ([`retract_target`]).
fn expected_read(role: &str) -> &'static str {
    match role {
        //               out hand lead unmet follow staff hall
        "teller" | "vip_teller" => "AO-O-AA",
        "lobby" => "AAAA-AA",
        "psm" => "AAOO-AA",
        "cm" => "AAS-AAA",
        "head" => "AAAAAAA",
        _ => "-------",
    }
}

/// The kind of record each role takes back in the matrix: a hand-off (read
/// by some roles only), or for a cm, which writes none, a follow-up.
fn retract_target(role: &str) -> &'static str {
    if expected_write(role).contains(&"handoff") {
        "handoff"
    } else {
        "follow_up"
    }
}

/// A scratch folder, removed when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch() -> Scratch {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "nextbest-branch-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("www")).expect("mkdir");
    std::fs::write(dir.join("www/index.html"), "<!doctype html><title>t</title>").expect("write");
    Scratch(dir)
}

struct Server {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    addr: String,
    /// role → (name, password), from the demo table.
    accounts: HashMap<String, (String, String)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server on `dir/www` and `dir/data`; reads the URL and, on an empty folder, the demo table.
fn serve(dir: &Path) -> Server {
    serve_with(dir, &[])
}

fn serve_with(dir: &Path, args: &[&str]) -> Server {
    let fresh = !dir.join("data").exists();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(["serve", "--addr", "127.0.0.1:0", "--www"])
        .arg(dir.join("www"))
        .arg("--data")
        .arg(dir.join("data"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("a line");
    let addr = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    let mut accounts = HashMap::new();
    if fresh {
        // The banner, the column heads, then a row per role.
        for i in 0..10 {
            line.clear();
            stdout.read_line(&mut line).expect("demo table");
            if i >= 2 {
                let w: Vec<&str> = line.split_whitespace().collect();
                accounts.insert(w[0].to_owned(), (w[1].to_owned(), w[2].to_owned()));
            }
        }
        assert_eq!(accounts.len(), 8, "a demo account per role");
    }
    Server {
        child,
        _stdout: stdout,
        addr,
        accounts,
    }
}

/// A signed-in user: cookie and CSRF token.
#[derive(Clone)]
struct Sess {
    addr: String,
    name: String,
    cookie: String,
    csrf: String,
}

fn sign_in_as(addr: &str, name: &str, password: &str) -> Resp {
    let body = json!({"name": name, "password": password}).to_string();
    request(addr, "POST", "/api/session", &[], &body)
}

fn sign_in(srv: &Server, role: &str) -> Sess {
    let (name, password) = &srv.accounts[role];
    let r = sign_in_as(&srv.addr, name, password);
    assert_eq!(r.status, 200, "{role} signs in");
    let cookie = r.header("set-cookie").expect("a cookie").to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "not Secure without --secure-cookie: {cookie}"
    );
    let v = r.json();
    assert_eq!(v["role"], role);
    Sess {
        addr: srv.addr.clone(),
        name: name.clone(),
        cookie: cookie.split(';').next().expect("name=value").to_owned(),
        csrf: v["csrf"].as_str().expect("csrf").to_owned(),
    }
}

impl Sess {
    fn get(&self, path: &str) -> Resp {
        request(&self.addr, "GET", path, &[("Cookie", &self.cookie)], "")
    }
    fn send(&self, method: &str, path: &str, body: &str) -> Resp {
        request(
            &self.addr,
            method,
            path,
            &[("Cookie", &self.cookie), ("X-CSRF-Token", &self.csrf)],
            body,
        )
    }
    fn post_record(&self, id: &str, kind: &str, body: Value) -> Resp {
        let b = json!({"id": id, "kind": kind, "customer": "C001", "body": body}).to_string();
        self.send("POST", "/api/records", &b)
    }
    /// Every record this user may read, following the `next` cursor.
    fn all_records(&self) -> Vec<Value> {
        let (mut since, mut out) = (0, Vec::new());
        loop {
            let r = self.get(&format!("/api/records?since={since}&limit=100"));
            assert_eq!(r.status, 200);
            let v = r.json();
            let next = v["next"].as_i64().expect("next");
            out.extend(v["records"].as_array().expect("records").iter().cloned());
            if next == since {
                return out;
            }
            since = next;
        }
    }
}

/// Only the status line and headers of a response that may never end (SSE).
fn status_only(addr: &str, path: &str, headers: &[(&str, &str)]) -> u16 {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write_request(&mut s, addr, "GET", path, headers, "");
    let mut raw = Vec::new();
    let mut buf = [0u8; 1024];
    while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut buf).expect("read");
        assert!(n > 0, "closed before headers");
        raw.extend_from_slice(&buf[..n]);
    }
    parse_head(&String::from_utf8_lossy(&raw)).0
}

#[test]
fn roles_by_endpoints_matrix() {
    let dir = scratch();
    let srv = serve(&dir);
    let a = srv.addr.as_str();

    // No session: everything under /api but signing in is 401.
    assert_eq!(request(a, "GET", "/api/session", &[], "").status, 401);
    assert_eq!(request(a, "DELETE", "/api/session", &[], "").status, 401);
    assert_eq!(request(a, "GET", "/api/records", &[], "").status, 401);
    assert_eq!(request(a, "GET", "/api/records?since=0", &[], "").status, 401);
    assert_eq!(request(a, "GET", "/api/nothing", &[], "").status, 401);
    assert_eq!(status_only(a, "/api/events", &[]), 401);
    for kind in KINDS {
        let b = json!({"id": format!("anon-{kind}"), "kind": kind, "customer": "C", "body": {}}).to_string();
        let r = request(a, "POST", "/api/records", &[], &b);
        assert_eq!(r.status, 401, "anonymous {kind}");
        assert_eq!(r.json()["error"]["code"], "unauthenticated");
        assert!(r.json()["error"]["message_zh"].is_string() && r.json()["error"]["message_en"].is_string());
    }
    assert_eq!(sign_in_as(a, "demo-teller", "wrong password").status, 401);
    // A forged or stale cookie is no session.
    assert_eq!(
        request(a, "GET", "/api/session", &[("Cookie", "nb_session=00ff")], "").status,
        401
    );
    // The page stays public.
    assert_eq!(request(a, "GET", "/", &[], "").status, 200);

    let sessions: Vec<(&str, Sess)> = ROLES.iter().map(|&r| (r, sign_in(&srv, r))).collect();
    for (role, s) in &sessions {
        let me = s.get("/api/session");
        assert_eq!(me.status, 200, "{role}");
        assert_eq!(me.json()["role"], *role);
        assert_eq!(me.json()["name"], s.name.as_str());
        assert_eq!(me.json()["csrf"], s.csrf.as_str());
        assert_eq!(me.header("cache-control"), Some("no-store"));
        for kind in KINDS {
            let r = if kind == "hall_state" {
                let b = json!({"id": format!("{role}-{kind}"), "kind": kind, "customer": "", "body": valid_body(kind)});
                s.send("POST", "/api/records", &b.to_string())
            } else if kind == "retraction" {
                let target = format!("{role}-{}", retract_target(role));
                s.post_record(&format!("{role}-{kind}"), kind, json!({ "record": target }))
            } else {
                s.post_record(&format!("{role}-{kind}"), kind, valid_body(kind))
            };
            let want = if expected_write(role).contains(&kind) { 201 } else { 403 };
            assert_eq!(
                r.status,
                want,
                "{role} writes {kind}: {:?}",
                String::from_utf8_lossy(&r.body)
            );
        }
        let reads = expected_read(role) != "-------";
        // Every role hears of new packs; author and admin hear nothing else.
        let events = status_only(&s.addr, "/api/events", &[("Cookie", &s.cookie)]);
        assert_eq!(events, 200, "{role} GET /api/events");
        if !reads {
            assert_eq!(s.get("/api/records").status, 403, "{role} GET /api/records");
        }
    }
    // What each role reads: every record written above, by the table.
    for (role, s) in &sessions {
        if expected_read(role) == "-------" {
            continue;
        }
        let seen: BTreeSet<(String, String)> = s
            .all_records()
            .iter()
            .map(|r| {
                (
                    r["kind"].as_str().unwrap_or("").to_owned(),
                    r["role"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let mut want = BTreeSet::new();
        for (kind, scope) in KINDS.iter().zip(expected_read(role).chars()) {
            for writer in ROLES {
                let wrote = expected_write(writer).contains(kind);
                // The matrix's leads name no customer manager: the pool, which S reads.
                if wrote && (scope == 'A' || scope == 'S' || (scope == 'O' && writer == *role)) {
                    want.insert((kind.to_string(), writer.to_owned()));
                }
            }
        }
        // Each writer's retraction reaches whoever reads the record it took back.
        for writer in ROLES {
            let target = retract_target(writer);
            if want.contains(&(target.to_owned(), writer.to_owned())) && expected_write(writer).contains(&"retraction")
            {
                want.insert(("retraction".to_owned(), writer.to_owned()));
            }
        }
        assert_eq!(seen, want, "what {role} reads");
    }
    // Signing out ends the session.
    for (role, s) in &sessions {
        let r = s.send("DELETE", "/api/session", "");
        assert_eq!(r.status, 204, "{role} signs out");
        assert_eq!(s.get("/api/session").status, 401, "{role} is signed out");
    }
}

#[test]
fn a_record_is_stored_once_per_id() {
    let dir = scratch();
    let srv = serve(&dir);
    let t = sign_in(&srv, "teller");
    let first = t.post_record("9b2f-uuid", "outcome", json!({"product": "P1", "outcome": "accepted"}));
    assert_eq!(first.status, 201);
    let seq = first.json()["seq"].clone();
    // The same record again (a retry after a lost answer): 200 and the same seq.
    let again = t.post_record("9b2f-uuid", "outcome", json!({"outcome": "accepted", "product": "P1"}));
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["seq"], seq);
    // Something else under the same id: 409.
    let other = t.post_record("9b2f-uuid", "outcome", json!({"product": "P1", "outcome": "declined"}));
    assert_eq!(other.status, 409);
    assert_eq!(other.json()["error"]["code"], "id_conflict");
    // Another user reusing the id conflicts too, and learns no seq.
    let v = sign_in(&srv, "vip_teller");
    let stolen = v.post_record("9b2f-uuid", "outcome", json!({"product": "P1", "outcome": "accepted"}));
    assert_eq!(stolen.status, 409);
    let mine: Vec<Value> = t.all_records().into_iter().filter(|r| r["id"] == "9b2f-uuid").collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["seq"], seq);
    // Bad input is a JSON 400.
    let bad = t.send(
        "POST",
        "/api/records",
        r#"{"id": "x", "kind": "gossip", "customer": "C", "body": {}}"#,
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["code"], "bad_request");
    let bad = t.send(
        "POST",
        "/api/records",
        r#"{"id": "x", "kind": "outcome", "customer": "C", "body": 3}"#,
    );
    assert_eq!(bad.status, 400);
    assert_eq!(t.send("POST", "/api/records", "not json").status, 400);
    // A customer is required, except for staff state (about the teller, not a customer).
    let b =
        |kind: &str, id: &str| json!({"id": id, "kind": kind, "customer": "", "body": valid_body(kind)}).to_string();
    assert_eq!(t.send("POST", "/api/records", &b("outcome", "e1")).status, 400);
    assert_eq!(t.send("POST", "/api/records", &b("staff_state", "e2")).status, 201);
}

#[test]
fn csrf_token_and_same_origin_are_required() {
    let dir = scratch();
    let srv = serve(&dir);
    let t = sign_in(&srv, "teller");
    let body = json!({"id": "c1", "kind": "outcome", "customer": "C", "body": valid_body("outcome")}).to_string();
    let post = |headers: &[(&str, &str)]| request(&srv.addr, "POST", "/api/records", headers, &body);
    let cookie = ("Cookie", t.cookie.as_str());
    let r = post(&[cookie]);
    assert_eq!(r.status, 403, "no token");
    assert_eq!(r.json()["error"]["code"], "csrf");
    assert_eq!(post(&[cookie, ("X-CSRF-Token", "0123")]).status, 403, "wrong token");
    let mut wrong = t.csrf.clone();
    wrong.replace_range(0..1, if wrong.starts_with('0') { "1" } else { "0" });
    assert_eq!(post(&[cookie, ("X-CSRF-Token", &wrong)]).status, 403, "wrong token");
    let token = ("X-CSRF-Token", t.csrf.as_str());
    let evil = ("Origin", "https://evil.example");
    let r = post(&[cookie, token, evil]);
    assert_eq!(r.status, 403, "cross-site Origin");
    assert_eq!(r.json()["error"]["code"], "cross_site");
    assert_eq!(post(&[cookie, token, ("Sec-Fetch-Site", "cross-site")]).status, 403);
    // Signing in from another site is refused too (login CSRF), and signing out needs the token.
    let (name, pw) = &srv.accounts["lobby"];
    let login = json!({"name": name, "password": pw}).to_string();
    assert_eq!(request(&srv.addr, "POST", "/api/session", &[evil], &login).status, 403);
    assert_eq!(request(&srv.addr, "DELETE", "/api/session", &[cookie], "").status, 403);
    // The page's own origin with the token is fine.
    let own = format!("http://{}", srv.addr);
    assert_eq!(post(&[cookie, token, ("Origin", &own)]).status, 201);
    assert_eq!(t.get("/api/session").status, 200, "still signed in");
}

#[test]
fn secure_cookie_behind_https() {
    let dir = scratch();
    let srv = serve_with(&dir, &["--secure-cookie"]);
    let (name, pw) = &srv.accounts["lobby"];
    let login = json!({"name": name, "password": pw}).to_string();
    let plain = format!("http://{}", srv.addr);
    let tls = format!("https://{}", srv.addr);
    // Behind the TLS proxy the page's origin is https://HOST: http://HOST is another site.
    assert_eq!(
        request(&srv.addr, "POST", "/api/session", &[("Origin", &plain)], &login).status,
        403
    );
    let r = request(&srv.addr, "POST", "/api/session", &[("Origin", &tls)], &login);
    assert_eq!(r.status, 200);
    let cookie = r.header("set-cookie").expect("cookie");
    assert!(cookie.ends_with("; Secure") && cookie.contains("HttpOnly"), "{cookie}");
}

#[test]
fn repeated_failed_sign_ins_are_slowed_down() {
    let dir = scratch();
    let srv = serve(&dir);
    let (name, password) = srv.accounts["teller"].clone();
    for i in 0..5 {
        assert_eq!(sign_in_as(&srv.addr, &name, "guess").status, 401, "attempt {i}");
    }
    let locked = sign_in_as(&srv.addr, &name, &password);
    assert_eq!(locked.status, 429, "even the right password waits");
    assert_eq!(locked.json()["error"]["code"], "too_many_attempts");
    assert!(locked.header("retry-after").is_some());
    // From this address, other names are locked too (5 failures per client address).
    let (lobby, lobby_pw) = &srv.accounts["lobby"];
    assert_eq!(sign_in_as(&srv.addr, lobby, lobby_pw).status, 429);
}

/// One server-sent event: its id (-1 when none came with it), name and data.
#[derive(Debug)]
struct Ev {
    id: i64,
    event: String,
    data: Value,
}

/// An SSE subscription to `path` read on a thread.
fn listen(s: &Sess, path: &str, last_event_id: Option<&str>) -> std::sync::mpsc::Receiver<Ev> {
    let mut stream = TcpStream::connect(&s.addr).expect("connect");
    let mut headers = vec![("Cookie", s.cookie.as_str()), ("Accept", "text/event-stream")];
    if let Some(id) = last_event_id {
        headers.push(("Last-Event-ID", id));
    }
    write_request(&mut stream, &s.addr, "GET", path, &headers, "");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("status");
    assert!(line.contains(" 200 "), "{line}");
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header");
        if line == "\r\n" {
            break;
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (mut id, mut event) = (None, String::new());
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
            // Chunked framing lines are hex sizes; the event lines are what we want.
            // The data line comes last in each of the server's events.
            let l = line.trim_end();
            if let Some(v) = l.strip_prefix("id:") {
                id = v.trim().parse::<i64>().ok();
            } else if let Some(v) = l.strip_prefix("event:") {
                event = v.trim().to_owned();
            } else if let Some(v) = l.strip_prefix("data:") {
                let data = serde_json::from_str::<Value>(v.trim()).unwrap_or(Value::Null);
                let ev = Ev {
                    id: id.take().unwrap_or(-1),
                    event: std::mem::take(&mut event),
                    data,
                };
                if tx.send(ev).is_err() {
                    return;
                }
            }
            line.clear();
        }
    });
    rx
}

/// An SSE subscription read on a thread: (id, kind) of each record event.
fn subscribe(s: &Sess, last_event_id: Option<&str>) -> std::sync::mpsc::Receiver<(i64, String)> {
    let events = listen(s, "/api/events", last_event_id);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for ev in events {
            if ev.event == "record" {
                let kind = ev.data["kind"].as_str().unwrap_or_default().to_owned();
                if tx.send((ev.id, kind)).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

/// `nextbest user add NAME --role ROLE` with a password on stdin, on a running server's data.
fn add_user(dir: &Path, name: &str, role: &str, password: &str) {
    let mut add = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(["user", "add", name, "--role", role, "--password-stdin", "--data"])
        .arg(dir.join("data"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("user add runs");
    add.stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write");
    let done = add.wait_with_output().expect("done");
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
}

fn sign_in_named(addr: &str, name: &str, password: &str) -> Sess {
    let r = sign_in_as(addr, name, password);
    assert_eq!(r.status, 200, "{name} signs in");
    Sess {
        addr: addr.to_owned(),
        name: name.to_owned(),
        cookie: r
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .expect("a cookie")
            .to_owned(),
        csrf: r.json()["csrf"].as_str().expect("csrf").to_owned(),
    }
}

fn error_text(r: &Resp) -> String {
    let e = &r.json()["error"];
    assert!(e["message_zh"].is_string() && e["message_en"].is_string(), "{e}");
    format!("{} {}", e["message_zh"], e["message_en"])
}

#[test]
fn leads_go_to_their_customer_manager() {
    let dir = scratch();
    let srv = serve(&dir);
    add_user(&dir, "cm.b", "cm", "correct horse battery");
    let lobby = sign_in(&srv, "lobby");
    let cm_a = sign_in(&srv, "cm");
    let cm_b = sign_in_named(&srv.addr, "cm.b", "correct horse battery");
    let head = sign_in(&srv, "head");
    let lead =
        |id: &str, to: &str| lobby.post_record(id, "lead", json!({"need": "wealth_management", "assigned_to": to}));
    assert_eq!(lead("to-a", &cm_a.name).status, 201);
    assert_eq!(lead("to-b", "cm.b").status, 201);
    assert_eq!(lead("pool", "").status, 201);
    // Only an enabled customer manager's account may be named.
    for to in ["nobody", "demo-teller", "demo-head"] {
        let r = lead(&format!("bad-{to}"), to);
        assert_eq!(r.status, 400, "assigned to {to}");
        assert!(error_text(&r).contains("body.assigned_to"), "{}", error_text(&r));
    }
    let leads = |s: &Sess| -> BTreeSet<String> {
        s.all_records()
            .iter()
            .filter(|r| r["kind"] == "lead")
            .map(|r| r["id"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let set = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(leads(&cm_a), set(&["to-a", "pool"]));
    assert_eq!(leads(&cm_b), set(&["to-b", "pool"]));
    assert_eq!(leads(&head), set(&["to-a", "to-b", "pool"]));
    assert_eq!(leads(&lobby), set(&["to-a", "to-b", "pool"]));
    // Live too: B's stream does not carry A's lead.
    let b_rx = subscribe(&cm_b, None);
    assert_eq!(lead("to-a-2", &cm_a.name).status, 201);
    assert_eq!(lead("to-b-2", "cm.b").status, 201);
    let got = b_rx.recv_timeout(Duration::from_secs(2)).expect("B's lead");
    assert_eq!(got.1, "lead");
    let seen = cm_b.all_records();
    let first = seen.iter().find(|r| r["seq"].as_i64() == Some(got.0)).expect("seen");
    assert_eq!(first["id"], "to-b-2");

    // GET /api/staff: the six staff roles read the active staff accounts, author and admin do not.
    for role in ROLES {
        let s = sign_in(&srv, role);
        let r = s.get("/api/staff");
        if matches!(role, "author" | "admin") {
            assert_eq!(r.status, 403, "{role} GET /api/staff");
            continue;
        }
        assert_eq!(r.status, 200, "{role} GET /api/staff");
        let staff = r.json()["staff"].as_array().expect("staff").clone();
        let names: BTreeSet<(String, String)> = staff
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or("").to_owned(),
                    p["role"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let mut want: BTreeSet<(String, String)> = ["teller", "vip_teller", "lobby", "psm", "cm", "head"]
            .iter()
            .map(|r| (srv.accounts[*r].0.clone(), r.to_string()))
            .collect();
        want.insert(("cm.b".to_owned(), "cm".to_owned()));
        assert_eq!(names, want, "{role} GET /api/staff");
        let cm = staff.iter().find(|p| p["name"] == "cm.b").expect("cm.b");
        assert_eq!(cm["role_zh"], "客户经理");
    }
}

#[test]
fn branch_state_bodies_are_checked() {
    let dir = scratch();
    let srv = serve(&dir);
    let lobby = sign_in(&srv, "lobby");
    let teller = sign_in(&srv, "teller");
    let post = |s: &Sess, id: &str, kind: &str, customer: &str, body: Value| {
        s.send(
            "POST",
            "/api/records",
            &json!({"id": id, "kind": kind, "customer": customer, "body": body}).to_string(),
        )
    };
    let r = post(&teller, "s1", "staff_state", "", json!({"state": "asleep"}));
    assert_eq!(r.status, 400);
    assert!(error_text(&r).contains("body.state"), "{}", error_text(&r));
    assert_eq!(
        post(
            &teller,
            "s2",
            "staff_state",
            "",
            json!({"state": "busy", "name": "王丽"})
        )
        .status,
        201
    );
    let r = post(
        &lobby,
        "h1",
        "hall_state",
        "",
        json!({"queues": {"teller": 3}, "vip_seats": 1}),
    );
    assert_eq!(r.status, 400);
    assert!(error_text(&r).contains("vip_seats"), "{}", error_text(&r));
    let r = post(&lobby, "h2", "hall_state", "", json!({"queues": {"teller": -1}}));
    assert_eq!(r.status, 400, "counts are not negative");
    let r = post(&lobby, "h3", "hall_state", "", json!({"queues": {"counter9": 1}}));
    assert_eq!(r.status, 400, "an unknown queue");
    let r = post(&lobby, "h4", "hall_state", "C001", json!({"queues": {}}));
    assert_eq!(r.status, 400, "the hall is no customer's");
    assert_eq!(
        post(
            &lobby,
            "h5",
            "hall_state",
            "",
            json!({"queues": {"teller": 3, "vip_teller": 0, "psm": 1}, "vip_seats_free": 2})
        )
        .status,
        201
    );
    assert_eq!(post(&teller, "h6", "hall_state", "", json!({"queues": {}})).status, 403);
    // The teller reads the lobby's hall state (the branch context of its evaluation).
    let hall: Vec<Value> = teller
        .all_records()
        .into_iter()
        .filter(|r| r["kind"] == "hall_state")
        .collect();
    assert_eq!(hall.len(), 1);
    assert_eq!(hall[0]["body"]["queues"]["teller"], 3);
}

#[test]
fn events_since_replays_the_backlog() {
    let dir = scratch();
    let srv = serve(&dir);
    let teller = sign_in(&srv, "teller");
    let mut seqs = Vec::new();
    for i in 0..3 {
        let r = teller.post_record(&format!("o{i}"), "outcome", valid_body("outcome"));
        assert_eq!(r.status, 201);
        seqs.push(r.json()["seq"].as_i64().expect("seq"));
    }
    // ?since= (EventSource's first connect cannot send Last-Event-ID).
    let rx = listen(&teller, &format!("/api/events?since={}", seqs[0]), None);
    let got: Vec<i64> = (0..2)
        .map(|_| rx.recv_timeout(Duration::from_secs(2)).expect("backlog").id)
        .collect();
    assert_eq!(got, seqs[1..]);
    // The header wins over the query.
    let rx = listen(&teller, "/api/events?since=0", Some(&seqs[1].to_string()));
    assert_eq!(rx.recv_timeout(Duration::from_secs(2)).expect("backlog").id, seqs[2]);
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "only what came after the header's id"
    );
    // A position beyond what this database ever had (another data folder, a restored
    // backup): told to start again, then everything from the beginning.
    let rx = listen(&teller, "/api/events?since=100000", None);
    let first = rx.recv_timeout(Duration::from_secs(2)).expect("reset");
    assert_eq!(first.event, "reset");
    assert_eq!(first.data["max"], json!(seqs[2]));
    let got: Vec<i64> = (0..3)
        .map(|_| rx.recv_timeout(Duration::from_secs(2)).expect("backlog").id)
        .collect();
    assert_eq!(got, seqs);
    // A bad since is a JSON 400.
    assert_eq!(teller.get("/api/events?since=x").status, 400);
    // author reads no records: its stream replays none.
    let author = sign_in(&srv, "author");
    let rx = listen(&author, "/api/events?since=0", None);
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "no records for the author"
    );
}

#[test]
fn live_events_reach_who_may_see_them() {
    let dir = scratch();
    let srv = serve(&dir);
    let teller = sign_in(&srv, "teller");
    let lobby = sign_in(&srv, "lobby");
    let lobby_rx = subscribe(&lobby, None);
    let teller_rx = subscribe(&teller, None);

    let sent = Instant::now();
    let h = teller.post_record("h1", "handoff", json!({"to": "relationship_manager", "need": "wealth"}));
    assert_eq!(h.status, 201);
    let seq = h.json()["seq"].as_i64().expect("seq");
    let got = lobby_rx
        .recv_timeout(Duration::from_secs(1))
        .expect("the lobby hears within 1 s");
    assert_eq!(got, (seq, "handoff".to_owned()));
    assert!(sent.elapsed() < Duration::from_secs(1));
    // The teller sees its own hand-off.
    assert_eq!(
        teller_rx.recv_timeout(Duration::from_secs(1)).expect("own"),
        (seq, "handoff".to_owned())
    );

    // A lead from the lobby is not pushed to the teller; the outcome after it is.
    assert_eq!(
        lobby
            .post_record("l1", "lead", json!({"need": "wealth_management"}))
            .status,
        201
    );
    let o = lobby.post_record("o1", "outcome", json!({"product": "wm.product", "outcome": "accepted"}));
    assert_eq!(o.status, 201);
    let next = teller_rx.recv_timeout(Duration::from_secs(1)).expect("the outcome");
    assert_eq!(next.1, "outcome", "the teller got {next:?} before the outcome");
    assert_eq!(next.0, o.json()["seq"].as_i64().expect("seq"));

    // Reconnecting with Last-Event-ID replays what came after it, in order.
    let replay = subscribe(&lobby, Some(&seq.to_string()));
    let a = replay.recv_timeout(Duration::from_secs(1)).expect("replayed lead");
    let b = replay.recv_timeout(Duration::from_secs(1)).expect("replayed outcome");
    assert_eq!((a.1.as_str(), b.1.as_str()), ("lead", "outcome"));
    assert!(seq < a.0 && a.0 < b.0);

    // Signing out ends the teller's stream (the session is checked again at most a second later).
    assert_eq!(teller.send("DELETE", "/api/session", "").status, 204);
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        lobby
            .post_record("o2", "outcome", json!({"product": "wm.product", "outcome": "declined"}))
            .status,
        201
    );
    assert_eq!(
        teller_rx.recv_timeout(Duration::from_secs(2)),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected),
        "a signed-out stream ends"
    );
}

#[test]
fn acknowledged_records_survive_sigkill() {
    let dir = scratch();
    let mut srv = serve(&dir);
    let t = sign_in(&srv, "teller");
    let lobby = sign_in(&srv, "lobby");
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let t = t.clone();
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                let start = Instant::now();
                for i in 0.. {
                    if start.elapsed() > Duration::from_secs(5) {
                        break;
                    }
                    let body = json!({"id": format!("w{w}-{i}"), "kind": "outcome", "customer": "C", "body": {"product": format!("p{i}"), "outcome": "accepted"}})
                        .to_string();
                    let headers = [("Cookie", t.cookie.as_str()), ("X-CSRF-Token", t.csrf.as_str())];
                    match try_request(&t.addr, "POST", "/api/records", &headers, &body) {
                        Ok(r) if r.status == 201 => {
                            acked.push((format!("w{w}-{i}"), r.json()["seq"].as_i64().expect("seq")));
                        }
                        // The server was killed: stop at the first failure.
                        _ => break,
                    }
                }
                acked
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    srv.child.kill().expect("SIGKILL");
    srv.child.wait().expect("reaped");
    let acked: Vec<(String, i64)> = writers.into_iter().flat_map(|h| h.join().expect("writer")).collect();
    assert!(acked.len() > 10, "only {} writes were acknowledged", acked.len());

    let srv2 = serve(&dir);
    // Sessions are stored too: the old cookie still works after the restart.
    let lobby = Sess {
        addr: srv2.addr.clone(),
        ..lobby
    };
    let stored = lobby.all_records();
    let mut by_id: HashMap<String, Vec<i64>> = HashMap::new();
    for r in &stored {
        by_id
            .entry(r["id"].as_str().expect("id").to_owned())
            .or_default()
            .push(r["seq"].as_i64().expect("seq"));
    }
    for (id, seq) in &acked {
        assert_eq!(by_id.get(id), Some(&vec![*seq]), "{id} acknowledged as {seq}");
    }
    eprintln!(
        "{} acknowledged records, {} stored after SIGKILL",
        acked.len(),
        stored.len()
    );
}

#[test]
fn backup_copies_the_records_and_user_add_makes_accounts() {
    let dir = scratch();
    let srv = serve(&dir);
    let t = sign_in(&srv, "teller");
    for i in 0..3 {
        assert_eq!(
            t.post_record(
                &format!("b{i}"),
                "outcome",
                json!({"product": format!("p{i}"), "outcome": "accepted"})
            )
            .status,
            201
        );
    }
    let out_dir = dir.join("copy");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    let out = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(["backup", "--data"])
        .arg(dir.join("data"))
        .arg(out_dir.join("nextbest.db"))
        .output()
        .expect("backup runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // While the server still runs; and the copy opens as a data folder of its own.
    let copy = nextbest::server::store::Store::open(&out_dir).expect("the copy opens");
    let (records, _) = copy.records_since(0, 100, 100, &|_| true).expect("read");
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["b0", "b1", "b2"]);
    // A second backup to the same file is refused, not overwritten.
    let again = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(["backup", "--data"])
        .arg(dir.join("data"))
        .arg(out_dir.join("nextbest.db"))
        .output()
        .expect("backup runs");
    assert_eq!(again.status.code(), Some(2));

    // user add with a password on stdin, then that account signs in.
    let mut add = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(["user", "add", "wang.li", "--role", "cm", "--password-stdin", "--data"])
        .arg(dir.join("data"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("user add runs");
    add.stdin
        .take()
        .expect("stdin")
        .write_all(b"correct horse battery\n")
        .expect("write");
    let done = add.wait_with_output().expect("done");
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let r = sign_in_as(&srv.addr, "wang.li", "correct horse battery");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["role"], "cm");
    // Without --password-stdin a password is generated and printed once.
    let gen = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(["user", "add", "zhao.min", "--role", "head", "--data"])
        .arg(dir.join("data"))
        .output()
        .expect("user add runs");
    let text = String::from_utf8_lossy(&gen.stdout);
    let pw = text
        .lines()
        .find_map(|l| l.strip_prefix("password (shown only now): "))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(sign_in_as(&srv.addr, "zhao.min", pw).status, 200);
    // A taken name or an unknown role is refused.
    let dup = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(["user", "add", "zhao.min", "--role", "head", "--data"])
        .arg(dir.join("data"))
        .output()
        .expect("runs");
    assert_eq!(dup.status.code(), Some(2));
    let role = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(["user", "add", "x", "--role", "root", "--data"])
        .arg(dir.join("data"))
        .output()
        .expect("runs");
    assert!(!role.status.success());
    drop(srv);
}

/// A body of `kind` as the records contract (src/records.rs) accepts it.
fn valid_body(kind: &str) -> Value {
    match kind {
        "outcome" => json!({"product": "wm.product", "outcome": "accepted"}),
        "handoff" => json!({"to": "relationship_manager"}),
        "lead" => json!({"need": "wealth_management"}),
        "unmet_need" => json!({"need": "overseas_property"}),
        "follow_up" => json!({"channel": "phone", "outcome": "not_now"}),
        "staff_state" => json!({"state": "available"}),
        "hall_state" => json!({"queues": {"teller": 4, "psm": 1}, "vip_seats_free": 2}),
        other => panic!("no valid body for {other}"),
    }
}

#[test]
fn a_record_body_is_held_to_the_records_contract() {
    let dir = scratch();
    let srv = serve(&dir);
    let t = sign_in(&srv, "teller");
    let r = t.post_record(
        "bad-body",
        "outcome",
        json!({"product": "wm.product", "outcom": "accepted"}),
    );
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    assert!(String::from_utf8_lossy(&r.body).contains("outcom"));
}

/// A fixture file of `files` with `edit` applied to its JSON (the first fixture file, by name).
fn edit_fixture(files: &Value, edit: impl FnOnce(&mut Value)) -> (String, Value) {
    let mut files = files.clone();
    let name = files
        .as_object()
        .expect("files")
        .keys()
        .find(|k| k.starts_with("fixtures/"))
        .expect("a fixture file")
        .clone();
    let mut fixture: Value = serde_json::from_str(files[&name].as_str().expect("text")).expect("fixture JSON");
    edit(&mut fixture);
    files[&name] = Value::String(serde_json::to_string_pretty(&fixture).expect("json"));
    (name, files)
}

#[test]
fn packs_are_published_checked_and_restored() {
    let dir = scratch();
    let srv = serve(&dir);
    let sessions: Vec<(&str, Sess)> = ROLES.iter().map(|&r| (r, sign_in(&srv, r))).collect();
    let author = sign_in(&srv, "author");
    let head = sign_in(&srv, "head");
    let teller = sign_in(&srv, "teller");

    // Every role reads the versions and the pack in force: the bundled pack, version 1.
    let v1 = teller.get("/api/packs/current").json();
    for (role, s) in &sessions {
        let list = s.get("/api/packs");
        assert_eq!(list.status, 200, "{role} GET /api/packs");
        let list = list.json();
        assert_eq!(list["current"], 1);
        assert_eq!(list["versions"].as_array().map(Vec::len), Some(1));
        let first = &list["versions"][0];
        assert_eq!(
            (first["version"].clone(), first["author"].clone()),
            (json!(1), json!("nextbest"))
        );
        assert_eq!(first["restored_from"], Value::Null);
        assert!(first.get("files").is_none(), "the list carries no files");
        assert_eq!(first["hash"], v1["hash"]);
        let cur = s.get("/api/packs/current");
        assert_eq!(cur.status, 200, "{role} GET /api/packs/current");
        assert_eq!(s.get("/api/packs/1").json()["hash"], v1["hash"]);
    }
    assert!(v1["files"]["pack.json"].is_string() && v1["files"]["products.json"].is_string());
    assert_eq!(v1["hash"].as_str().map(str::len), Some(64));
    for missing in ["/api/packs/9", "/api/packs/abc"] {
        let r = teller.get(missing);
        assert_eq!(r.status, 404, "{missing}");
        assert_eq!(r.json()["error"]["code"], "not_found");
    }
    let files = v1["files"].clone();
    let publish = |s: &Sess, files: &Value, note: Option<&str>| {
        let mut b = json!({ "files": files });
        if let Some(n) = note {
            b["note"] = json!(n);
        }
        s.send("POST", "/api/packs", &b.to_string())
    };

    // Only author and head publish.
    for (role, s) in &sessions {
        if !matches!(*role, "author" | "head") {
            assert_eq!(publish(s, &files, Some("x")).status, 403, "{role} publishes");
            let r = s.send("POST", "/api/packs/1/restore", &json!({"note": "x"}).to_string());
            assert_eq!(r.status, 403, "{role} restores");
        }
    }
    // A note is required.
    for note in [None, Some("   "), Some(&*"长".repeat(501))] {
        let r = publish(&author, &files, note);
        assert_eq!(r.status, 400, "note {note:?}");
        assert!(error_text(&r).contains("note"), "{}", error_text(&r));
    }
    // A failing fixture refuses the pack, naming the file and case.
    let (name, failing) = edit_fixture(&files, |f| f["cases"][0]["expect"]["route"] = json!("nowhere_at_all"));
    let r = publish(&author, &failing, Some("改坏一个用例"));
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    assert_eq!(v["error"]["code"], "fixtures_failed");
    let failures = v["failures"].as_array().expect("failures");
    assert!(!failures.is_empty() && failures.len() <= 50);
    assert!(failures[0].as_str().is_some_and(|f| f.contains(&name)), "{failures:?}");
    // No fixtures at all, or a rule that does not compile: refused too.
    let mut bare = files.clone();
    bare.as_object_mut()
        .expect("files")
        .retain(|k, _| !k.starts_with("fixtures/"));
    let r = publish(&author, &bare, Some("没有用例"));
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (422, json!("fixtures_failed"))
    );
    let mut broken = files.clone();
    broken["broken_rule.rhai"] = json!("//! id: broken_rule\nlet = ;");
    let r = publish(&author, &broken, Some("坏规则"));
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (422, json!("compile_failed"))
    );
    assert!(!r.json()["failures"].as_array().expect("failures").is_empty());
    // Not a pack file: 400 naming it.
    let mut odd = files.clone();
    odd["../etc.rhai"] = json!("");
    let r = publish(&author, &odd, Some("x"));
    assert_eq!(r.status, 400);
    assert!(error_text(&r).contains("../etc.rhai"));
    // The same files again: nothing new.
    let r = publish(&author, &files, Some("再发一次"));
    assert_eq!(r.status, 200);
    assert_eq!(
        (r.json()["unchanged"].clone(), r.json()["version"].clone()),
        (json!(true), json!(1))
    );

    // A good change: version 2, pushed to a teller's stream and an author's.
    let teller_rx = listen(&teller, "/api/events", None);
    let author_rx = listen(&author, "/api/events", None);
    let (_, changed) = edit_fixture(&files, |f| f["about"] = json!("改写说明 · reworded about"));
    let r = publish(&author, &changed, Some("改写用例说明"));
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let v2 = r.json();
    assert_eq!(v2["version"], 2);
    assert_ne!(v2["hash"], v1["hash"]);
    for rx in [&teller_rx, &author_rx] {
        let ev = rx.recv_timeout(Duration::from_secs(2)).expect("a pack event");
        assert_eq!(ev.event, "pack");
        assert_eq!(ev.data, json!({"version": 2, "hash": v2["hash"]}));
    }
    assert_eq!(teller.get("/api/packs/current").json()["version"], 2);

    // Restoring 1 makes version 3 with version 1's files.
    let r = head.send(
        "POST",
        "/api/packs/1/restore",
        &json!({"note": "回到内置规则包"}).to_string(),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["version"], 3);
    assert_eq!(r.json()["hash"], v1["hash"]);
    let ev = teller_rx.recv_timeout(Duration::from_secs(2)).expect("a pack event");
    assert_eq!((ev.event.as_str(), ev.data["version"].clone()), ("pack", json!(3)));
    let list = teller.get("/api/packs").json();
    assert_eq!(list["current"], 3);
    let order: Vec<(Value, Value)> = list["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| (v["version"].clone(), v["restored_from"].clone()))
        .collect();
    assert_eq!(
        order,
        [(json!(3), json!(1)), (json!(2), Value::Null), (json!(1), Value::Null)]
    );
    assert_eq!(teller.get("/api/packs/3").json()["files"], files);
    assert_eq!(
        head.send("POST", "/api/packs/7/restore", &json!({"note": "x"}).to_string())
            .status,
        404
    );
    assert_eq!(
        head.send("POST", "/api/packs/2/restore", "{}").status,
        400,
        "restore needs a note"
    );

    // A record names a stored version, or none.
    let rec = |id: &str, v: i64| {
        let b =
            json!({"id": id, "kind": "outcome", "customer": "C1", "body": valid_body("outcome"), "pack_version": v});
        teller.send("POST", "/api/records", &b.to_string())
    };
    assert_eq!(rec("pv-ok", 3).status, 201);
    let r = rec("pv-bad", 42);
    assert_eq!(r.status, 400);
    assert!(error_text(&r).contains("pack_version"));
}

/// The ids of a customer list as one role reads it, or the status when it may not.
fn customer_ids(s: &Sess, query: &str) -> Result<BTreeSet<String>, u16> {
    let r = s.get(&format!("/api/customers?{query}"));
    if r.status != 200 {
        return Err(r.status);
    }
    Ok(r.json()["customers"]
        .as_array()
        .expect("customers")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect())
}

#[test]
fn customer_lists_load_and_read_by_role() {
    let dir = scratch();
    let srv = serve(&dir);
    add_user(&dir, "cm.b", "cm", "correct horse battery");
    let sessions: HashMap<&str, Sess> = ROLES.iter().map(|&r| (r, sign_in(&srv, r))).collect();
    let cm_b = sign_in_named(&srv.addr, "cm.b", "correct horse battery");
    let samples = serde_json::from_str::<Value>(nextbest::bundled_samples())
        .expect("samples")
        .as_array()
        .expect("an array")
        .len();
    assert!(samples > 0);

    // The demo branch starts with the samples in the hall and in demo-cm's book.
    for role in ROLES {
        let s = &sessions[role];
        let hall = customer_ids(s, "list=hall");
        let book = customer_ids(s, "list=book&owner=demo-cm");
        match role {
            "author" | "admin" => assert_eq!((hall, book), (Err(403), Err(403)), "{role}"),
            "cm" | "head" => {
                assert_eq!(hall.map(|h| h.len()), Ok(samples), "{role} reads the hall");
                assert_eq!(book.map(|b| b.len()), Ok(samples), "{role} reads demo-cm's book");
            }
            _ => {
                assert_eq!(hall.map(|h| h.len()), Ok(samples), "{role} reads the hall");
                assert_eq!(book, Err(403), "{role} reads no book");
            }
        }
    }
    let head = &sessions["head"];
    let r = head.get("/api/customers?list=book");
    assert_eq!(r.status, 400, "the head names the book's manager");
    assert!(error_text(&r).contains("owner"));
    assert_eq!(sessions["teller"].get("/api/customers?list=vault").status, 400);
    // A cm reads its own book whatever owner it names.
    assert_eq!(customer_ids(&cm_b, "list=book&owner=demo-cm"), Ok(BTreeSet::new()));

    // Loading the hall: lobby and head only; NDJSON, blank lines skipped.
    let teller_rx = listen(&sessions["teller"], "/api/events", None);
    let cm_rx = listen(&sessions["cm"], "/api/events", None);
    let two = "{\"id\": \"H1\", \"name\": \"张三\"}\n\n{\"id\": \"H2\", \"visit\": {\"purpose\": \"cash_deposit\"}}\n";
    for role in ROLES {
        let r = sessions[role].send("POST", "/api/customers?list=hall", two);
        let want = if matches!(role, "lobby" | "head") { 200 } else { 403 };
        assert_eq!(
            r.status,
            want,
            "{role} loads the hall: {}",
            String::from_utf8_lossy(&r.body)
        );
        if want == 200 {
            assert_eq!(r.json(), json!({"loaded": 2}));
        }
    }
    let ev = teller_rx.recv_timeout(Duration::from_secs(2)).expect("the hall event");
    assert_eq!(
        (ev.event.as_str(), ev.data.clone()),
        ("customers", json!({"list": "hall", "owner": ""}))
    );
    let hall = customer_ids(&sessions["psm"], "list=hall").expect("hall");
    assert_eq!(hall.len(), samples + 2);
    assert!(hall.contains("H1") && hall.contains("H2"));
    // A bad line refuses the whole load, naming the line and the field.
    let bad = "{\"id\": \"H3\"}\n{\"id\": \"H4\", \"visit\": {\"purpos\": \"cash_deposit\"}}\n";
    let r = sessions["lobby"].send("POST", "/api/customers?list=hall", bad);
    assert_eq!(r.status, 400);
    let text = error_text(&r);
    assert!(text.contains("line 2") && text.contains("visit.purpos"), "{text}");
    assert_eq!(
        customer_ids(&sessions["psm"], "list=hall").map(|h| h.len()),
        Ok(samples + 2),
        "nothing loaded"
    );
    // A reload replaces by id.
    let again = "{\"id\": \"H1\", \"name\": \"张三丰\"}\n";
    assert_eq!(
        sessions["lobby"].send("POST", "/api/customers?list=hall", again).status,
        200
    );
    let r = sessions["teller"].get("/api/customers?list=hall").json();
    let h1: Vec<&Value> = r["customers"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|c| c["id"] == "H1")
        .collect();
    assert_eq!(h1.len(), 1);
    assert_eq!(h1[0]["name"], "张三丰");

    // Books: a cm loads its own, not another's; the head any cm's.
    let one = "{\"id\": \"B1\"}\n";
    let r = sessions["cm"].send("POST", "/api/customers?list=book&owner=cm.b", one);
    assert_eq!(r.status, 403, "demo-cm loads cm.b's book");
    assert_eq!(
        cm_b.send("POST", "/api/customers?list=book", one).json(),
        json!({"loaded": 1})
    );
    let r = head.send("POST", "/api/customers?list=book&owner=cm.b", "{\"id\": \"B2\"}\n");
    assert_eq!(r.status, 200);
    let r = head.send("POST", "/api/customers?list=book&owner=demo-teller", one);
    assert_eq!(r.status, 400, "a book belongs to a customer manager");
    assert!(error_text(&r).contains("owner"));
    for role in ["teller", "vip_teller", "lobby", "psm", "author", "admin"] {
        let r = sessions[role].send("POST", "/api/customers?list=book&owner=cm.b", one);
        assert_eq!(r.status, 403, "{role} loads a book");
    }
    let set = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(customer_ids(&cm_b, "list=book"), Ok(set(&["B1", "B2"])));
    assert_eq!(customer_ids(head, "list=book&owner=cm.b"), Ok(set(&["B1", "B2"])));
    // demo-cm heard the hall loads, not cm.b's book.
    let heard: Vec<Value> = std::iter::from_fn(|| cm_rx.recv_timeout(Duration::from_millis(500)).ok())
        .filter(|e| e.event == "customers")
        .map(|e| e.data)
        .collect();
    assert!(!heard.is_empty());
    assert!(heard.iter().all(|d| d["list"] == "hall"), "{heard:?}");

    // nextbest import: the same validation, offline or beside the running server.
    let file = dir.join("book.jsonl");
    std::fs::write(&file, "{\"id\": \"B3\"}\n{\"id\": \"B4\"}\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(["import", "--data"])
        .arg(dir.join("data"))
        .args(["--book", "cm.b"])
        .arg(&file)
        .output()
        .expect("import runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("loaded 2"));
    assert_eq!(customer_ids(&cm_b, "list=book"), Ok(set(&["B1", "B2", "B3", "B4"])));
    std::fs::write(&file, "{\"id\": \"H9\"}\n[1]\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(["import", "--data"])
        .arg(dir.join("data"))
        .arg("--hall")
        .arg(&file)
        .output()
        .expect("import runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));
}

#[test]
fn an_oversized_body_is_a_json_413() {
    let dir = scratch();
    let srv = serve(&dir);
    let author = sign_in(&srv, "author");
    for (path, limit) in [("/api/packs", 8 << 20), ("/api/customers?list=hall", 16 << 20)] {
        let mut s = TcpStream::connect(&srv.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {}\r\nX-CSRF-Token: {}\r\nContent-Length: {}\r\n\r\n",
            srv.addr,
            author.cookie,
            author.csrf,
            limit + 1
        );
        s.write_all(head.as_bytes()).expect("write");
        // The body on its own thread: the server may answer (and close) before it is all sent.
        let mut w = s.try_clone().expect("clone");
        let writer = std::thread::spawn(move || {
            let chunk = vec![b' '; 1 << 20];
            let mut left = limit + 1;
            while left > 0 {
                let n = left.min(chunk.len());
                if w.write_all(&chunk[..n]).is_err() {
                    return;
                }
                left -= n;
            }
        });
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        while !raw.windows(4).any(|w| w == b"\r\n\r\n") || !raw.ends_with(b"}") {
            let Ok(n) = s.read(&mut buf) else { break };
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buf[..n]);
        }
        let _ = writer.join();
        let text = String::from_utf8_lossy(&raw).into_owned();
        assert!(text.starts_with("HTTP/1.1 413"), "{path}: {text}");
        assert!(text.contains("\"too_large\""), "{path}: {text}");
    }
}

#[test]
fn a_teller_takes_back_its_own_record() {
    let dir = scratch();
    let srv = serve(&dir);
    let teller = sign_in(&srv, "teller");
    let vip = sign_in(&srv, "vip_teller");
    let lobby = sign_in(&srv, "lobby");
    let lobby_rx = subscribe(&lobby, None);
    let retract = |s: &Sess, id: &str, target: &str| s.post_record(id, "retraction", json!({ "record": target }));

    // A decline that reached the server, then 撤销: the lobby hears both.
    let o = teller.post_record("o1", "outcome", json!({"product": "inv.fund", "outcome": "declined"}));
    assert_eq!(o.status, 201);
    let r = retract(&teller, "r1", "o1");
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let seq = r.json()["seq"].as_i64().expect("seq");
    let heard: Vec<(i64, String)> = (0..2)
        .map(|_| lobby_rx.recv_timeout(Duration::from_secs(2)).expect("an event"))
        .collect();
    assert_eq!(heard[1], (seq, "retraction".to_owned()));
    let stored = lobby.all_records();
    let stored = stored.iter().find(|r| r["id"] == "r1").expect("the lobby reads it");
    assert_eq!(
        (stored["customer"].clone(), stored["body"].clone()),
        (json!("C001"), json!({"record": "o1"}))
    );
    // A retry is the same record (200); a second retraction of it is harmless.
    assert_eq!(retract(&teller, "r1", "o1").status, 200);
    assert_eq!(retract(&teller, "r1b", "o1").status, 201);

    // Someone else's: 403; unknown: 400; staff state: 400; another customer: 400.
    let r = retract(&vip, "r2", "o1");
    assert_eq!(r.status, 403, "{}", String::from_utf8_lossy(&r.body));
    assert!(error_text(&r).contains("body.record"), "{}", error_text(&r));
    let r = retract(&teller, "r3", "no-such-record");
    assert_eq!(r.status, 400);
    assert!(error_text(&r).contains("body.record"), "{}", error_text(&r));
    let st = json!({"id": "st1", "kind": "staff_state", "customer": "", "body": {"state": "busy"}});
    assert_eq!(teller.send("POST", "/api/records", &st.to_string()).status, 201);
    let r = retract(&teller, "r4", "st1");
    assert_eq!(r.status, 400, "staff state is not taken back");
    assert!(error_text(&r).contains("body.record"));
    let r = retract(&teller, "r5", "r1");
    assert_eq!(r.status, 400, "a retraction is not taken back");
    let other = json!({"id": "r6", "kind": "retraction", "customer": "C999", "body": {"record": "o1"}});
    let r = teller.send("POST", "/api/records", &other.to_string());
    assert_eq!(r.status, 400);
    assert!(error_text(&r).contains("customer"), "{}", error_text(&r));
    let r = retract(&teller, "r7", "");
    assert_eq!(r.status, 400, "an empty id");

    // A retraction reaches exactly who reads the record: the teller's own
    // hand-off is the lobby's to read, not the other teller's.
    let vip_rx = subscribe(&vip, None);
    assert_eq!(
        teller
            .post_record("h1", "handoff", json!({"to": "product_sales", "name": "王丽"}))
            .status,
        201
    );
    assert_eq!(retract(&teller, "r8", "h1").status, 201);
    let marker = vip.post_record("m1", "outcome", valid_body("outcome"));
    let got = vip_rx.recv_timeout(Duration::from_secs(2)).expect("its own outcome");
    assert_eq!(got, (marker.json()["seq"].as_i64().expect("seq"), "outcome".to_owned()));
    assert!(vip.all_records().iter().all(|r| r["id"] != "r8" && r["id"] != "h1"));
    assert!(lobby.all_records().iter().any(|r| r["id"] == "r8"));

    // After a day a record is history.
    let o = teller.post_record("old", "outcome", valid_body("outcome"));
    assert_eq!(o.status, 201);
    let conn = rusqlite::Connection::open(dir.join("data").join("nextbest.db")).expect("open the db");
    conn.busy_timeout(Duration::from_secs(5)).expect("timeout");
    conn.execute(
        "UPDATE records SET created = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-25 hours') WHERE id = 'old'",
        [],
    )
    .expect("age it");
    let r = retract(&teller, "r9", "old");
    assert_eq!(r.status, 400);
    assert!(
        error_text(&r).contains("body.record") && error_text(&r).contains("24"),
        "{}",
        error_text(&r)
    );
}

#[test]
fn a_handoff_carries_the_customer_s_name() {
    let dir = scratch();
    let srv = serve(&dir);
    let teller = sign_in(&srv, "teller");
    let lobby = sign_in(&srv, "lobby");
    let r = teller.post_record("h1", "handoff", json!({"to": "product_sales", "name": "  王丽 "}));
    assert_eq!(r.status, 201);
    let h = lobby.all_records().into_iter().find(|r| r["id"] == "h1").expect("h1");
    assert_eq!(h["body"]["name"], "王丽", "stored trimmed");
    for (i, bad) in ["", "  ", "王\n丽", &"张".repeat(65)].into_iter().enumerate() {
        let r = teller.post_record(
            &format!("bad{i}"),
            "handoff",
            json!({"to": "product_sales", "name": bad}),
        );
        assert_eq!(r.status, 400, "{bad:?}");
        let zh = r.json()["error"]["message_zh"].as_str().unwrap_or("").to_owned();
        assert!(zh.starts_with("body.name"), "Chinese first, naming the field: {zh}");
    }
}

#[test]
fn a_customer_list_is_replaced_whole() {
    let dir = scratch();
    let srv = serve(&dir);
    let lobby = sign_in(&srv, "lobby");
    let head = sign_in(&srv, "head");
    let set = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let before = customer_ids(&lobby, "list=hall").expect("hall");
    assert!(before.len() > 2, "the demo hall");
    let book_before = customer_ids(&head, "list=book&owner=demo-cm").expect("book");

    // Today's visitors: yesterday's (the demo samples) are gone, the book untouched.
    let today = "{\"id\": \"T1\", \"name\": \"张三\"}\n{\"id\": \"T2\"}\n";
    let r = lobby.send("POST", "/api/customers?list=hall&replace=true", today);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json(), json!({"loaded": 2, "removed": before.len()}));
    assert_eq!(customer_ids(&lobby, "list=hall"), Ok(set(&["T1", "T2"])));
    assert_eq!(customer_ids(&head, "list=book&owner=demo-cm"), Ok(book_before));
    // Without replace a load adds; replace=false is the same.
    let r = lobby.send("POST", "/api/customers?list=hall&replace=false", "{\"id\": \"T3\"}\n");
    assert_eq!(r.json(), json!({"loaded": 1}));
    assert_eq!(customer_ids(&lobby, "list=hall"), Ok(set(&["T1", "T2", "T3"])));
    // A bad line, or nothing at all, replaces nothing.
    let r = lobby.send(
        "POST",
        "/api/customers?list=hall&replace=true",
        "{\"id\": \"T4\"}\n[1]\n",
    );
    assert_eq!(r.status, 400);
    let r = lobby.send("POST", "/api/customers?list=hall&replace=true", "\n");
    assert_eq!(r.status, 400);
    assert!(error_text(&r).contains("body"), "{}", error_text(&r));
    assert_eq!(customer_ids(&lobby, "list=hall"), Ok(set(&["T1", "T2", "T3"])));
    let r = lobby.send("POST", "/api/customers?list=hall&replace=maybe", "{\"id\": \"T4\"}\n");
    assert_eq!(r.status, 400);
    assert!(error_text(&r).contains("replace"), "{}", error_text(&r));
    // A book too, by the head; permissions are those of loading.
    let r = head.send(
        "POST",
        "/api/customers?list=book&owner=demo-cm&replace=true",
        "{\"id\": \"B1\"}\n",
    );
    assert_eq!(r.status, 200);
    assert_eq!(customer_ids(&head, "list=book&owner=demo-cm"), Ok(set(&["B1"])));
    let teller = sign_in(&srv, "teller");
    let r = teller.send("POST", "/api/customers?list=hall&replace=true", "{\"id\": \"X\"}\n");
    assert_eq!(r.status, 403);

    // nextbest import --replace, beside the running server.
    let file = dir.join("hall.jsonl");
    std::fs::write(&file, "{\"id\": \"T9\"}\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(["import", "--replace", "--hall", "--data"])
        .arg(dir.join("data"))
        .arg(&file)
        .output()
        .expect("import runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("loaded 1") && said.contains("removed 3"), "{said}");
    assert_eq!(customer_ids(&lobby, "list=hall"), Ok(set(&["T9"])));
    std::fs::write(&file, "").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(["import", "--replace", "--hall", "--data"])
        .arg(dir.join("data"))
        .arg(&file)
        .output()
        .expect("import runs");
    assert_eq!(out.status.code(), Some(2), "an empty file does not empty the hall");
    assert_eq!(customer_ids(&lobby, "list=hall"), Ok(set(&["T9"])));
}
