//! The branch's HTTP API under `/api`: sign-in, records, live events, the
//! staff list, published rule packs and the customer lists the branch loads.
//! Handlers check who may do what ([`access`]) and the input's shape, then call
//! the store ([`super::store`]) and the core ([`super::packs`], [`super::customers`]).
//!
//! Deny by default: [`guard`] runs before every `/api` route and lets nothing
//! through without a live session, except `POST /api/session` (signing in).
//! Every state-changing request (POST, PUT, PATCH, DELETE) must also come from
//! this site (an `Origin`, when sent, equal to the server's own, and no
//! `Sec-Fetch-Site: cross-site`) and, except signing in, carry the session's
//! CSRF token in `X-CSRF-Token`. Errors are JSON:
//! `{"error": {"code", "message_zh", "message_en"}}`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Extension, Router};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use serde_json::json;

use super::access::{self, Kind, Role};
use super::store::{Db, Insert, NewPack, NewRecord, Publish, Push, Record, SessionUser, StoreError};
use super::{auth, customers, packs};

/// What the API handlers share.
#[derive(Clone)]
pub struct Api {
    pub db: Db,
    pub limiter: Arc<auth::Limiter>,
    /// The session cookie carries `Secure` (the server is reached over https, through a proxy).
    pub secure_cookie: bool,
}

/// An API error: status and the JSON body.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    zh: String,
    en: String,
    retry_after: Option<u64>,
    /// What failed, beside the error (a refused pack's cases).
    failures: Option<Vec<String>>,
}

fn err(status: StatusCode, code: &'static str, zh: &str, en: impl Into<String>) -> ApiError {
    ApiError {
        status,
        code,
        zh: zh.to_owned(),
        en: en.into(),
        retry_after: None,
        failures: None,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": {"code": self.code, "message_zh": self.zh, "message_en": self.en}});
        if let Some(f) = self.failures {
            body["failures"] = json!(f);
        }
        let mut r = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        r
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        eprintln!("nextbest serve: storage error: {e}");
        err(
            StatusCode::INTERNAL_SERVER_ERROR,
            "storage",
            "服务器存储出错，请稍后再试",
            "storage error; try again",
        )
    }
}

fn unauthenticated() -> ApiError {
    err(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录", "sign in first")
}

fn forbidden(code: &'static str, zh: &str, en: &str) -> ApiError {
    err(StatusCode::FORBIDDEN, code, zh, en)
}

fn bad_request(en: impl Into<String>) -> ApiError {
    err(StatusCode::BAD_REQUEST, "bad_request", "请求内容有误", en)
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The signed-in user, put in the request by [`guard`].
#[derive(Clone, Debug)]
pub struct Who {
    pub name: String,
    pub role: Role,
    pub csrf: String,
    token_hash: Vec<u8>,
}

/// The `/api` routes, with [`guard`] in front of all of them.
pub fn router(api: Api) -> Router {
    Router::new()
        .route("/api/session", get(whoami).post(sign_in).delete(sign_out))
        .route("/api/records", get(list_records).post(post_record))
        .route("/api/events", get(events))
        .route("/api/staff", get(list_staff))
        .route(
            "/api/packs",
            get(list_packs)
                .post(publish_pack)
                .layer(DefaultBodyLimit::max(MAX_PACK_BYTES)),
        )
        .route(
            "/api/customers",
            get(get_customers)
                .post(post_customers)
                .layer(DefaultBodyLimit::max(customers::MAX_BYTES)),
        )
        .route("/api/packs/{version}", get(get_pack))
        .route("/api/packs/{version}/restore", axum::routing::post(restore_pack))
        .route("/api/{*rest}", any(not_found))
        .route("/api", any(not_found))
        .layer(axum::middleware::from_fn_with_state(api.clone(), guard))
        .layer(axum::middleware::map_response(no_store))
        .with_state(api)
}

/// Answers hold customer data and session tokens: no cache keeps them.
async fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn not_found() -> ApiError {
    err(StatusCode::NOT_FOUND, "not_found", "没有这个接口", "no such endpoint")
}

fn state_changing(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The request comes from a page of this server: an `Origin` header, when sent,
/// names the host the request was sent to, and the browser does not call it cross-site.
fn same_site(headers: &HeaderMap, secure: bool) -> bool {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let (Ok(origin), Some(Ok(host))) = (origin.to_str(), headers.get(header::HOST).map(|h| h.to_str())) else {
        return false;
    };
    let scheme = if secure { "https" } else { "http" };
    origin.eq_ignore_ascii_case(&format!("{scheme}://{host}"))
}

/// Deny by default: session, same site and CSRF token, before any `/api` handler.
async fn guard(State(api): State<Api>, mut req: Request, next: Next) -> Response {
    let changing = state_changing(req.method());
    if changing && !same_site(req.headers(), api.secure_cookie) {
        return forbidden("cross_site", "拒绝跨站请求", "cross-site request refused").into_response();
    }
    let signing_in = req.method() == Method::POST && req.uri().path() == "/api/session";
    if signing_in {
        return next.run(req).await;
    }
    let Some(token) = auth::session_cookie(req.headers()) else {
        return unauthenticated().into_response();
    };
    let token_hash = auth::token_hash(&token);
    let th = token_hash.clone();
    let user = match api.db.call(move |s| s.session(&th, now_unix())).await {
        Ok(Some(u)) => u,
        Ok(None) => return unauthenticated().into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let SessionUser { name, role, csrf } = user;
    let Ok(role) = role.parse::<Role>() else {
        return unauthenticated().into_response();
    };
    if changing {
        let sent = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok());
        if !sent.is_some_and(|t| auth::constant_time_eq(t, &csrf)) {
            return forbidden(
                "csrf",
                "缺少或错误的 X-CSRF-Token",
                "missing or wrong X-CSRF-Token header",
            )
            .into_response();
        }
    }
    req.extensions_mut().insert(Who {
        name,
        role,
        csrf,
        token_hash,
    });
    next.run(req).await
}

#[derive(Deserialize)]
struct SignIn {
    name: String,
    password: String,
}

/// The request body, or a JSON error: too large (413, past the route's limit) or unreadable.
fn body_of(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            err(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "请求内容过大",
                format!("body: too large ({})", e.body_text()),
            )
        } else {
            err(
                e.status(),
                "bad_request",
                "请求内容有误",
                format!("body: {}", e.body_text()),
            )
        }
    })
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| bad_request(format!("expected JSON: {e}")))
}

async fn sign_in(
    State(api): State<Api>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_of(body)?;
    let SignIn { name, password } = parse_json(&body)?;
    if name.is_empty() || name.len() > 64 || password.len() > 1024 {
        return Err(bad_request("name: 1 to 64 bytes; password: at most 1024"));
    }
    let keys = vec![format!("name:{name}"), format!("ip:{}", peer.ip())];
    if let Some(secs) = api.limiter.locked(&keys) {
        return Err(ApiError {
            retry_after: Some(secs),
            ..err(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "登录失败次数过多，请稍后再试",
                format!("too many failed sign-ins; try again in {secs} s"),
            )
        });
    }
    let n = name.clone();
    let user = api.db.call(move |s| s.user_by_name(&n)).await?;
    let ok_user = tokio::task::spawn_blocking(move || {
        let hash = user
            .as_ref()
            .map_or_else(|| auth::dummy_hash().to_owned(), |u| u.hash.clone());
        let ok = auth::verify_password(&password, &hash);
        user.filter(|u| ok && !u.disabled)
    })
    .await
    .map_err(|_| ApiError::from(StoreError::Gone))?;
    let ip = peer.ip().to_string();
    let Some(user) = ok_user else {
        api.limiter.failed(&keys);
        let n = name.clone();
        api.db
            .call(move |s| s.audit(Some(&n), "signin.fail", &format!("from {ip}")))
            .await?;
        return Err(err(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "用户名或密码错误",
            "wrong name or password",
        ));
    };
    api.limiter.succeeded(&keys);
    let token = auth::random_hex(32);
    let csrf = auth::random_hex(32);
    let th = auth::token_hash(&token);
    let (uid, c, n) = (user.id, csrf.clone(), user.name.clone());
    api.db
        .call(move |s| {
            let now = now_unix();
            s.create_session(&th, uid, &c, now, now + auth::SESSION_SECS)?;
            s.audit(Some(&n), "signin", &format!("from {ip}"))
        })
        .await?;
    let cookie = format!(
        "{}={token}; HttpOnly; SameSite=Strict; Path=/{}",
        auth::COOKIE,
        if api.secure_cookie { "; Secure" } else { "" }
    );
    let mut r = axum::Json(json!({"name": user.name, "role": user.role, "csrf": csrf})).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

async fn whoami(Extension(who): Extension<Who>) -> Response {
    axum::Json(json!({"name": who.name, "role": who.role.as_str(), "csrf": who.csrf})).into_response()
}

async fn sign_out(State(api): State<Api>, Extension(who): Extension<Who>) -> Result<Response, ApiError> {
    let th = who.token_hash.clone();
    api.db
        .call(move |s| {
            s.delete_session(&th)?;
            s.audit(Some(&who.name), "signout", "")
        })
        .await?;
    let cookie = format!("{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0", auth::COOKIE);
    let mut r = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostRecord {
    id: String,
    kind: String,
    customer: String,
    body: serde_json::Value,
    #[serde(default)]
    pack_version: Option<i64>,
}

const MAX_BODY_BYTES: usize = 64 * 1024;

fn id_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.chars().all(|c| !c.is_control())
}

async fn post_record(
    State(api): State<Api>,
    Extension(who): Extension<Who>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_of(body)?;
    let mut p: PostRecord = parse_json(&body)?;
    let kind: Kind = p.kind.parse().map_err(bad_request)?;
    // Staff and hall state are about the branch, not a customer: their customer
    // may be "" (hall state's must be: the hall is no customer's).
    let customer_ok = match kind {
        Kind::HallState => p.customer.is_empty(),
        Kind::StaffState => p.customer.is_empty() || id_ok(&p.customer),
        _ => id_ok(&p.customer),
    };
    if !id_ok(&p.id) {
        return Err(bad_request("id: 1 to 128 characters, no control characters"));
    }
    if !customer_ok {
        return Err(bad_request(
            "customer: 1 to 128 characters, no control characters (\"\" for staff_state; always \"\" for hall_state)",
        ));
    }
    if !p.body.is_object() || p.body.to_string().len() > MAX_BODY_BYTES {
        return Err(bad_request("body: a JSON object of at most 64 KiB"));
    }
    // The same typed bodies the reports read (records.rs): a misspelt field
    // from a broken device is refused here, not miscounted on the board.
    let typed = crate::records::Body::from_json(kind.as_str(), &p.body).map_err(|e| {
        let field = match &e {
            crate::Error::Input { path, .. } if !path.is_empty() => format!("body.{path}"),
            _ => "body".to_owned(),
        };
        err(
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("{field}：记录内容有误"),
            format!("body.{e}"),
        )
    })?;
    // Stored as the board reads it: a hand-off's name trimmed.
    if let crate::records::Body::Handoff(h) = &typed {
        if let Some(name) = &h.name {
            p.body["name"] = json!(name);
        }
    }
    if !access::may_write(who.role, kind) {
        return Err(forbidden(
            "forbidden",
            "您的岗位不能记录这类信息",
            &format!("a {} may not write {} records", who.role, kind.as_str()),
        ));
    }
    if let crate::records::Body::Retraction(r) = &typed {
        check_retraction(&api, &who, &p.id, &p.customer, &r.record).await?;
    }
    // A lead names the customer manager who reads it: one who can sign in.
    if kind == Kind::Lead {
        let to = assigned_to(&p.body).to_owned();
        if !to.is_empty() {
            let t = to.clone();
            let role = api.db.call(move |s| s.active_role(&t)).await?;
            if role.as_deref() != Some(Role::Cm.as_str()) {
                return Err(err(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "body.assigned_to：没有这位在岗的客户经理",
                    format!("body.assigned_to: {to:?} is no active customer manager (cm) account"),
                ));
            }
        }
    }
    // The version a record names must be one the branch ran: reports group by it.
    if let Some(v) = p.pack_version {
        if !api.db.call(move |s| s.pack_exists(v)).await? {
            return Err(err(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "pack_version：没有这个规则包版本",
                format!("pack_version: no stored pack version {v}"),
            ));
        }
    }
    let rec = NewRecord {
        id: p.id,
        kind: kind.as_str().to_owned(),
        customer: p.customer,
        author: who.name.clone(),
        role: who.role.as_str().to_owned(),
        pack_version: p.pack_version,
        body: p.body,
    };
    match api.db.call(move |s| s.insert_record(&rec)).await? {
        Insert::Created(seq) => Ok((StatusCode::CREATED, axum::Json(json!({"seq": seq}))).into_response()),
        Insert::Repeat(seq) => Ok((StatusCode::OK, axum::Json(json!({"seq": seq}))).into_response()),
        Insert::Conflict => Err(err(
            StatusCode::CONFLICT,
            "id_conflict",
            "该记录编号已被另一条记录使用",
            "another record has this id",
        )),
    }
}

/// The rules for taking back `target` with the retraction `id` (撤销 after the
/// record reached the server): it exists (400), is the writer's own (403: one
/// takes back only one's own), of a kind that may be taken back (400) and that
/// the role writes (403), at most a day old (400: after that it is history),
/// about `customer` (400). A retry of a stored retraction skips them and is
/// answered as any retry (a day later too).
async fn check_retraction(api: &Api, who: &Who, id: &str, customer: &str, target: &str) -> Result<(), ApiError> {
    let (own, t) = (id.to_owned(), target.to_owned());
    let (again, found) = api
        .db
        .call(move |s| Ok((s.retractable(&own)?.is_some(), s.retractable(&t)?)))
        .await?;
    if again {
        return Ok(());
    }
    let Some(found) = found else {
        return Err(bad_field(
            "body.record",
            "没有这条记录，无法撤销",
            format!("no stored record {target:?} to take back"),
        ));
    };
    if found.author != who.name {
        return Err(forbidden(
            "forbidden",
            "body.record：只能撤销自己写的记录",
            "body.record: one takes back only one's own records; this one was written by another account",
        ));
    }
    let Some(kind) = found.kind.parse::<Kind>().ok().filter(|k| k.retractable()) else {
        return Err(bad_field(
            "body.record",
            "这类记录不能撤销（只有结果、转介、商机线索、未满足需求、跟进）",
            format!(
                "a {} record cannot be taken back (only {})",
                found.kind,
                crate::records::RETRACTABLE.join(", ")
            ),
        ));
    };
    if !access::may_retract(who.role, kind) {
        return Err(forbidden(
            "forbidden",
            "body.record：您的岗位不能撤销这类记录",
            &format!("body.record: a {} may not take back {} records", who.role, found.kind),
        ));
    }
    if found.age_secs > crate::records::RETRACT_WINDOW_SECS {
        return Err(bad_field(
            "body.record",
            "这条记录已超过 24 小时，已成为历史，不能撤销",
            format!(
                "stored {} h ago: after 24 h a record is history and cannot be taken back",
                found.age_secs / 3600
            ),
        ));
    }
    if found.customer != customer {
        return Err(bad_field(
            "customer",
            "应为被撤销记录的客户",
            format!("must be the customer of the record taken back ({:?})", found.customer),
        ));
    }
    Ok(())
}

/// A lead's customer manager ("" for the day's pool, and for other kinds).
fn assigned_to(body: &serde_json::Value) -> &str {
    body.get("assigned_to").and_then(|v| v.as_str()).unwrap_or("")
}

fn visible(who: &Who, r: &Record) -> bool {
    // A retraction reaches exactly the devices that may hold the record it takes back.
    if r.kind == Kind::Retraction.as_str() {
        return r.target.as_ref().is_some_and(|t| {
            t.kind
                .parse::<Kind>()
                .is_ok_and(|k| access::may_read(who.role, &who.name, k, &t.author, &t.assigned_to))
        });
    }
    r.kind.parse::<Kind>().is_ok_and(|k| {
        let to = if k == Kind::Lead { assigned_to(&r.body) } else { "" };
        access::may_read(who.role, &who.name, k, &r.author, to)
    })
}

fn require_staff(who: &Who) -> Result<(), ApiError> {
    if access::is_staff(who.role) {
        Ok(())
    } else {
        Err(forbidden(
            "forbidden",
            "您的岗位不能查看网点人员和客户",
            &format!("a {} sees no branch staff or customers", who.role),
        ))
    }
}

/// The branch's staff accounts, so the lobby can pick a customer manager for a lead.
async fn list_staff(State(api): State<Api>, Extension(who): Extension<Who>) -> Result<Response, ApiError> {
    require_staff(&who)?;
    let users = api.db.call(|s| s.active_users()).await?;
    let staff: Vec<serde_json::Value> = users
        .into_iter()
        .filter_map(|(name, role)| {
            let r = role.parse::<Role>().ok().filter(|&r| access::is_staff(r))?;
            Some(json!({"name": name, "role": r.as_str(), "role_zh": r.zh()}))
        })
        .collect();
    Ok(axum::Json(json!({ "staff": staff })).into_response())
}

fn require_reader(who: &Who) -> Result<(), ApiError> {
    if access::reads_records(who.role) {
        Ok(())
    } else {
        Err(forbidden(
            "forbidden",
            "您的岗位不能查看客户记录",
            &format!("a {} reads no customer records", who.role),
        ))
    }
}

#[derive(Deserialize)]
struct Since {
    #[serde(default)]
    since: Option<i64>,
    #[serde(default)]
    limit: Option<usize>,
}

async fn list_records(
    State(api): State<Api>,
    Extension(who): Extension<Who>,
    q: Result<Query<Since>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    require_reader(&who)?;
    let Query(q) = q.map_err(|e| bad_request(e.body_text()))?;
    let since = q.since.unwrap_or(0).max(0);
    let limit = q.limit.unwrap_or(500).clamp(1, 1000);
    let w = who.clone();
    let (records, next) = api
        .db
        .call(move |s| s.records_since(since, limit, 20_000, &|r| visible(&w, r)))
        .await?;
    Ok(axum::Json(json!({"records": records, "next": next})).into_response())
}

/// How long an event stream trusts its session before asking the store again.
const RECHECK: Duration = Duration::from_secs(1);

fn event(r: &Record) -> Event {
    Event::default()
        .id(r.seq.to_string())
        .event("record")
        .data(serde_json::to_string(r).unwrap_or_default())
}

#[derive(Deserialize)]
struct EventsQuery {
    #[serde(default)]
    since: Option<i64>,
}

/// One announcement as an event for this session, or nothing when it may not see it.
fn push_event(who: &Who, p: &Push, after: i64) -> Option<Event> {
    match p {
        Push::Record(r) => (r.seq > after && visible(who, r)).then(|| event(r)),
        // Every device evaluates with the pack in force: everyone hears of a new one.
        Push::Pack { version, hash } => Some(
            Event::default()
                .event("pack")
                .data(json!({"version": version, "hash": hash}).to_string()),
        ),
        Push::Customers { list, owner } => list
            .parse::<access::List>()
            .is_ok_and(|l| access::may_read_customers(who.role, &who.name, l, owner))
            .then(|| {
                Event::default()
                    .event("customers")
                    .data(json!({"list": list, "owner": owner}).to_string())
            }),
    }
}

/// Server-Sent Events for every signed-in role: each record stored from now on
/// that the session may see (`event: record`, `id: <seq>`), each pack published
/// (`event: pack`) and each customer list loaded that it may read (`event:
/// customers`). A client reconnecting with `Last-Event-ID` (or, on a first
/// connect, where EventSource cannot set headers, `?since=SEQ`; the header wins)
/// first gets the records it missed (from the database), then the live ones.
async fn events(
    State(api): State<Api>,
    Extension(who): Extension<Who>,
    headers: HeaderMap,
    q: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let Query(q) = q.map_err(|e| bad_request(e.body_text()))?;
    // Subscribe before reading the backlog, so nothing falls between the two.
    let rx = api.db.0.subscribe();
    let header: Option<i64> = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let mut last = header.or(q.since).map(|s| s.max(0));
    // A client that saw records this database never had (the server restarted on
    // another data folder, or a backup was restored) would wait for sequence numbers
    // that may never come: it starts again from the beginning, told so first with
    // `event: reset` (it drops what it kept of the old server's records).
    let mut reset = None;
    if let Some(since) = last {
        let max = api.db.call(|s| s.max_seq()).await?;
        if since > max {
            last = Some(0);
            reset = Some(Event::default().event("reset").data(json!({"max": max}).to_string()));
        }
    }
    let mut backlog: Vec<Event> = reset.into_iter().collect();
    let mut after = 0;
    if let Some(mut since) = last {
        // author and admin read no records: no backlog, only pack events.
        if access::reads_records(who.role) {
            loop {
                let w = who.clone();
                let (page, next) = api
                    .db
                    .call(move |s| s.records_since(since, 1000, 20_000, &|r| visible(&w, r)))
                    .await?;
                backlog.extend(page.iter().map(event));
                if next == since {
                    break;
                }
                since = next;
            }
        }
        after = since;
    }
    let backlog = stream::iter(backlog.into_iter().map(Ok).collect::<Vec<_>>());
    // Live announcements; a lagging client's stream ends, and it resumes with
    // Last-Event-ID. Before sending, the session is checked again (at most once a
    // second): signing out or a disabled account ends the stream.
    let db = api.db.clone();
    let live = stream::unfold(
        (rx, who, after, Instant::now()),
        move |(mut rx, who, after, mut checked)| {
            let db = db.clone();
            async move {
                loop {
                    match rx.recv().await {
                        Ok(p) => {
                            let Some(ev) = push_event(&who, &p, after) else {
                                continue;
                            };
                            if checked.elapsed() >= RECHECK {
                                let th = who.token_hash.clone();
                                let live = db.call(move |s| s.session(&th, now_unix())).await;
                                if !matches!(live, Ok(Some(_))) {
                                    return None;
                                }
                                checked = Instant::now();
                            }
                            return Some((Ok(ev), (rx, who, after, checked)));
                        }
                        Err(_) => return None,
                    }
                }
            }
        },
    );
    Ok(Sse::new(backlog.chain(live)).keep_alive(KeepAlive::default()))
}

/// The largest `POST /api/packs` body: the bundled pack is under 1 MiB.
const MAX_PACK_BYTES: usize = 8 << 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    files: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RestoreBody {
    #[serde(default)]
    note: Option<String>,
}

fn require_publisher(who: &Who) -> Result<(), ApiError> {
    if access::may_publish(who.role) {
        Ok(())
    } else {
        Err(forbidden(
            "forbidden",
            "只有规则编写和网点负责人可以发布规则包",
            &format!("a {} may not publish rule packs (author and head may)", who.role),
        ))
    }
}

/// The publish note: why this version, in the audit trail and the version list.
fn note_of(note: Option<String>) -> Result<String, ApiError> {
    let note = note.unwrap_or_default().trim().to_owned();
    let n = note.chars().count();
    if n == 0 || n > 500 {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "note：请写明发布说明（1 至 500 字）",
            format!("note: required, 1 to 500 characters after trimming (got {n})"),
        ));
    }
    Ok(note)
}

fn no_pack(version: &str) -> ApiError {
    err(
        StatusCode::NOT_FOUND,
        "not_found",
        "没有这个规则包版本",
        format!("no pack version {version}"),
    )
}

/// Every published version, newest first, without files.
async fn list_packs(State(api): State<Api>) -> Result<Response, ApiError> {
    let versions = api.db.call(|s| s.packs()).await?;
    let current = versions.first().map(|v| v.version);
    Ok(axum::Json(json!({"current": current, "versions": versions})).into_response())
}

/// One version (`current` for the one in force) with its files.
async fn get_pack(State(api): State<Api>, Path(version): Path<String>) -> Result<Response, ApiError> {
    let v = version.clone();
    let found = api
        .db
        .call(move |s| {
            let n = if v == "current" {
                s.current_pack()?.map(|m| m.version)
            } else {
                v.parse::<i64>().ok()
            };
            match n {
                Some(n) => s.pack(n),
                None => Ok(None),
            }
        })
        .await?;
    let Some((meta, files)) = found else {
        return Err(no_pack(&version));
    };
    let files: serde_json::Value = serde_json::from_str(&files).unwrap_or_else(|_| json!({}));
    let mut body = json!(meta);
    body["files"] = files;
    Ok(axum::Json(body).into_response())
}

async fn publish_pack(
    State(api): State<Api>,
    Extension(who): Extension<Who>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_of(body)?;
    require_publisher(&who)?;
    let p: PublishBody = parse_json(&body)?;
    let note = note_of(p.note)?;
    packs::check_files(&p.files).map_err(bad_request)?;
    publish(&api, &who, p.files, note, None).await
}

async fn restore_pack(
    State(api): State<Api>,
    Extension(who): Extension<Who>,
    Path(version): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_of(body)?;
    require_publisher(&who)?;
    let p: RestoreBody = parse_json(&body)?;
    let note = note_of(p.note)?;
    let Ok(v) = version.parse::<i64>() else {
        return Err(no_pack(&version));
    };
    let Some((_, files)) = api.db.call(move |s| s.pack(v)).await? else {
        return Err(no_pack(&version));
    };
    let files = serde_json::from_str(&files).map_err(|e| ApiError::from(StoreError::Io(std::io::Error::other(e))))?;
    publish(&api, &who, files, note, Some(v)).await
}

/// Publishes files as the next version: unchanged when they are the version in
/// force; else compiled and their fixtures run (the engine may have changed
/// since a restored version was first published), refused with 422 on any failure.
async fn publish(
    api: &Api,
    who: &Who,
    files: std::collections::BTreeMap<String, String>,
    note: String,
    restored_from: Option<i64>,
) -> Result<Response, ApiError> {
    let (files_json, hash) = packs::canonical(&files);
    let current = api.db.call(|s| s.current_pack()).await?;
    if let Some(c) = current.filter(|c| c.hash == hash) {
        return Ok(unchanged(c));
    }
    let checked = tokio::task::spawn_blocking(move || packs::check(&files))
        .await
        .map_err(|_| ApiError::from(StoreError::Gone))?;
    if let Err(refusal) = checked {
        let (zh, en) = match refusal {
            packs::Refusal::Compile(_) => ("规则包编译失败，未发布", "the pack does not compile: not published"),
            packs::Refusal::Fixtures(_) => (
                "规则包的测试用例未通过（或没有用例），未发布",
                "the pack's fixtures fail (or it has none): not published",
            ),
        };
        return Err(ApiError {
            failures: Some(refusal.failures().to_vec()),
            ..err(StatusCode::UNPROCESSABLE_ENTITY, refusal.code(), zh, en)
        });
    }
    let pack = NewPack {
        hash,
        files_json,
        author: who.name.clone(),
        note,
        restored_from,
    };
    match api.db.call(move |s| s.publish_pack(&pack)).await? {
        Publish::Unchanged(c) => Ok(unchanged(c)),
        Publish::Created(m) => {
            let mut body = json!({"version": m.version, "hash": m.hash});
            if let Some(from) = m.restored_from {
                body["restored_from"] = json!(from);
            }
            Ok((StatusCode::CREATED, axum::Json(body)).into_response())
        }
    }
}

fn unchanged(current: super::store::PackMeta) -> Response {
    let mut body = json!(current);
    body["unchanged"] = json!(true);
    (StatusCode::OK, axum::Json(body)).into_response()
}

#[derive(Deserialize)]
struct CustomersQuery {
    #[serde(default)]
    list: Option<String>,
    #[serde(default)]
    owner: Option<String>,
    /// Loading: replace the whole list (those not in the upload are removed).
    #[serde(default)]
    replace: bool,
}

fn bad_field(field: &str, zh: &str, en: impl Into<String>) -> ApiError {
    let en = en.into();
    err(
        StatusCode::BAD_REQUEST,
        "bad_request",
        &format!("{field}：{zh}"),
        format!("{field}: {en}"),
    )
}

/// Which list a request names, whose, and whether a load replaces it: `(list, owner, replace)`. A cm's book is its
/// own (the `owner` parameter ignored when reading, refused when it names
/// another when loading); the head names the manager; the hall has no owner.
fn list_of(
    who: &Who,
    q: Result<Query<CustomersQuery>, axum::extract::rejection::QueryRejection>,
    loading: bool,
) -> Result<(access::List, String, bool), ApiError> {
    let Query(q) = q.map_err(|e| bad_request(e.body_text()))?;
    let list: access::List = q
        .list
        .as_deref()
        .unwrap_or("")
        .parse()
        .map_err(|e: String| bad_field("list", "应为 hall 或 book", e))?;
    let owner = match (list, who.role) {
        (access::List::Hall, _) => String::new(),
        (access::List::Book, Role::Cm) => match q.owner.filter(|o| !o.is_empty()) {
            Some(o) if loading && o != who.name => {
                return Err(forbidden(
                    "forbidden",
                    "客户经理只能导入自己的客户名单",
                    "a customer manager loads only its own book",
                ))
            }
            _ => who.name.clone(),
        },
        (access::List::Book, Role::Head) => q.owner.filter(|o| !o.is_empty()).ok_or_else(|| {
            bad_field(
                "owner",
                "请指定客户经理",
                "required for list=book: the customer manager's name",
            )
        })?,
        (access::List::Book, _) => q.owner.unwrap_or_default(),
    };
    Ok((list, owner, q.replace))
}

fn customers_forbidden(who: &Who) -> ApiError {
    forbidden(
        "forbidden",
        "您的岗位不能查看或导入这份客户名单",
        &format!("a {} may not read or load this customer list", who.role),
    )
}

/// A customer list the session may read: `{"customers": [customer JSON]}`.
async fn get_customers(
    State(api): State<Api>,
    Extension(who): Extension<Who>,
    q: Result<Query<CustomersQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    require_staff(&who)?;
    let (list, owner, _) = list_of(&who, q, false)?;
    if !access::may_read_customers(who.role, &who.name, list, &owner) {
        return Err(customers_forbidden(&who));
    }
    let bodies = api.db.call(move |s| s.customers(list.as_str(), &owner)).await?;
    let customers: Vec<serde_json::Value> = bodies.iter().filter_map(|b| serde_json::from_str(b).ok()).collect();
    Ok(axum::Json(json!({ "customers": customers })).into_response())
}

/// Loads NDJSON customers into a list: all or nothing, each line held to the
/// customer contract of the pack in force. `{"loaded": n}`; with
/// `replace=true` the list becomes the upload, `{"loaded": n, "removed": m}`.
async fn post_customers(
    State(api): State<Api>,
    Extension(who): Extension<Who>,
    q: Result<Query<CustomersQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_of(body)?;
    require_staff(&who)?;
    let (list, owner, replace) = list_of(&who, q, true)?;
    if !access::may_load_customers(who.role, &who.name, list, &owner) {
        return Err(customers_forbidden(&who));
    }
    if list == access::List::Book {
        let o = owner.clone();
        let role = api.db.call(move |s| s.active_role(&o)).await?;
        if role.as_deref() != Some(Role::Cm.as_str()) {
            return Err(bad_field(
                "owner",
                "没有这位在岗的客户经理",
                format!("{owner:?} is no active customer manager (cm) account"),
            ));
        }
    }
    let text = String::from_utf8(body.to_vec()).map_err(|e| {
        bad_field(
            "body",
            "应为 UTF-8 文本",
            format!("not UTF-8 text (first bad byte at {})", e.utf8_error().valid_up_to()),
        )
    })?;
    let files = api.db.call(|s| s.current_pack_files()).await?;
    let rows =
        tokio::task::spawn_blocking(move || customers::parse_ndjson(&text, &customers::extra_fields(files.as_deref())))
            .await
            .map_err(|_| ApiError::from(StoreError::Gone))?
            .map_err(|e| err(StatusCode::BAD_REQUEST, "bad_request", "客户数据有误，未导入", e))?;
    customers::check_replace(&rows, replace)
        .map_err(|e| bad_field("body", "没有客户：整份替换会清空名单，未导入", e))?;
    let by = who.name.clone();
    let done = api
        .db
        .call(move |s| s.load_customers(list.as_str(), &owner, &rows, &by, replace))
        .await?;
    let mut body = json!({ "loaded": done.loaded });
    if replace {
        body["removed"] = json!(done.removed);
    }
    Ok(axum::Json(body).into_response())
}
