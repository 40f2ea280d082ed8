//! The branch's storage: one SQLite file, `DIR/nextbest.db`. The only module
//! that speaks SQL, so a head office could put PostgreSQL behind the same
//! functions later.
//!
//! - WAL journal, `synchronous=FULL`: a write the server acknowledged is on disk
//!   (fsynced) and survives the process being killed or the power failing.
//! - Foreign keys on, a busy timeout (a `nextbest backup` or `user add` from
//!   another process waits instead of failing).
//! - Schema migrations: [`MIGRATIONS`] in order, each in a transaction, the
//!   count applied kept in `PRAGMA user_version`.
//! - One connection behind a mutex; the async server calls it through
//!   [`Db::call`] on tokio's blocking pool. New records are announced on a
//!   broadcast channel while the lock is held, so listeners see them in seq order.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

/// The database file inside the data folder.
pub const DB_FILE: &str = "nextbest.db";

/// Schema steps, applied in order; `PRAGMA user_version` counts those applied.
/// Append only: never edit a step a branch may already have run.
pub const MIGRATIONS: &[&str] = &[
    // 1: accounts, sessions, audit trail, records, rule packs.
    "CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        hash TEXT NOT NULL,
        created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sessions (
        token_hash BLOB PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created INTEGER NOT NULL,
        expires INTEGER NOT NULL
    );
    CREATE INDEX sessions_user ON sessions(user_id);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        user TEXT,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE records (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        customer TEXT NOT NULL,
        author TEXT NOT NULL,
        role TEXT NOT NULL,
        pack_version INTEGER,
        created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        body TEXT NOT NULL
    );
    CREATE TABLE packs (
        version INTEGER PRIMARY KEY,
        hash TEXT NOT NULL,
        author TEXT NOT NULL,
        created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        note TEXT NOT NULL DEFAULT '',
        files TEXT NOT NULL
    );",
    // 2: a restored pack names the version it restores; the customer lists the
    // branch loads (`hall`: the day's visitors, owner ""; `book`: a customer
    // manager's book, owner that manager), one row per customer, upserted by id.
    "ALTER TABLE packs ADD COLUMN restored_from INTEGER;
    CREATE TABLE customers (
        list TEXT NOT NULL,
        owner TEXT NOT NULL,
        id TEXT NOT NULL,
        body TEXT NOT NULL,
        loaded TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (list, owner, id)
    );",
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(
        "the database is at schema version {found}, newer than this nextbest knows ({known}): use a newer nextbest"
    )]
    TooNew { found: i64, known: i64 },
    #[error("a user named {0:?} already exists")]
    UserExists(String),
    #[error("the storage thread stopped")]
    Gone,
}

/// An account as stored.
#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub hash: String,
    pub disabled: bool,
}

/// The signed-in user behind a session cookie.
#[derive(Clone, Debug)]
pub struct SessionUser {
    pub name: String,
    pub role: String,
    pub csrf: String,
}

/// A record to store, as the API received it (the author from the session).
#[derive(Clone, Debug)]
pub struct NewRecord {
    pub id: String,
    pub kind: String,
    pub customer: String,
    pub author: String,
    pub role: String,
    pub pack_version: Option<i64>,
    pub body: serde_json::Value,
}

/// A stored record.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Record {
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub customer: String,
    pub author: String,
    pub role: String,
    pub pack_version: Option<i64>,
    pub created: String,
    pub body: serde_json::Value,
    /// For a retraction, the record it takes back (looked up on every read:
    /// records never change, so this is always what was checked on storing).
    /// Not sent: only the server uses it, to give the retraction the
    /// record's readers.
    /// Boxed: most records are no retraction, and the live streams pass records by value.
    #[serde(skip)]
    pub target: Option<Box<Target>>,
}

/// A retracted record, as far as who may read it goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub kind: String,
    pub author: String,
    /// A lead's customer manager ("" for the pool and for other kinds).
    pub assigned_to: String,
}

/// A stored record a retraction names, as the rules for taking it back need it.
#[derive(Clone, Debug, PartialEq)]
pub struct Retractable {
    pub kind: String,
    pub customer: String,
    pub author: String,
    /// Seconds since it was stored, by the database's clock (which stamped it).
    pub age_secs: i64,
}

/// What the store announces to the live streams (`GET /api/events`).
#[derive(Clone, Debug)]
pub enum Push {
    /// A record stored now.
    Record(Record),
    /// A pack version now in force.
    Pack { version: i64, hash: String },
    /// A customer list (re)loaded.
    Customers { list: String, owner: String },
}

/// A published pack version, without its files.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PackMeta {
    pub version: i64,
    pub hash: String,
    pub author: String,
    pub created: String,
    pub note: String,
    pub restored_from: Option<i64>,
}

/// A pack to publish: its files as canonical JSON and their hash.
#[derive(Clone, Debug)]
pub struct NewPack {
    pub hash: String,
    pub files_json: String,
    pub author: String,
    pub note: String,
    /// The version whose files these are, when restoring one.
    pub restored_from: Option<i64>,
}

/// What publishing a pack did.
#[derive(Clone, Debug, PartialEq)]
pub enum Publish {
    /// The files are those of the version in force: nothing stored.
    Unchanged(PackMeta),
    /// Stored as a new version, now in force.
    Created(PackMeta),
}

/// What storing a record did.
#[derive(Clone, Debug, PartialEq)]
pub enum Insert {
    /// Stored now.
    Created(i64),
    /// The same record was already stored under this id (a retry).
    Repeat(i64),
    /// Another record has this id.
    Conflict,
}

/// The store: one connection, and the channel new records are announced on.
pub struct Store {
    conn: Mutex<Connection>,
    events: tokio::sync::broadcast::Sender<Arc<Push>>,
    path: PathBuf,
}

fn lock(m: &Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    // A panic while holding the lock leaves SQLite consistent (the transaction rolls back).
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Opens (creating if needed) `dir/nextbest.db` with the pragmas above and migrates it.
pub fn open_connection(dir: &Path) -> Result<(Connection, PathBuf), StoreError> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(DB_FILE);
    let conn = Connection::open(&path).map_err(|source| StoreError::Open {
        path: path.display().to_string(),
        source,
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrate(&conn)?;
    Ok((conn, path))
}

/// Applies the migrations not yet applied, each in its own transaction.
pub fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let known = MIGRATIONS.len() as i64;
    loop {
        let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > known {
            return Err(StoreError::TooNew { found: version, known });
        }
        if version == known {
            return Ok(());
        }
        tx.execute_batch(MIGRATIONS[version as usize])?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

impl Store {
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let (conn, path) = open_connection(dir)?;
        let (events, _) = tokio::sync::broadcast::channel(1024);
        Ok(Store {
            conn: Mutex::new(conn),
            events,
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// New records, packs and customer lists as they are stored.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Arc<Push>> {
        self.events.subscribe()
    }

    /// Tells the live streams (no listener is not an error).
    fn push(&self, p: Push) {
        let _ = self.events.send(Arc::new(p));
    }

    /// The role of an enabled account, if there is one by that name.
    pub fn active_role(&self, name: &str) -> Result<Option<String>, StoreError> {
        active_role(&lock(&self.conn), name)
    }

    /// Loads customers into `list` of `owner` (upsert by id: a reload replaces
    /// a customer's JSON; with `replace`, those not in `rows` are removed),
    /// audited, in one transaction; announces the load.
    pub fn load_customers(
        &self,
        list: &str,
        owner: &str,
        rows: &[(String, String)],
        by: &str,
        replace: bool,
    ) -> Result<Loaded, StoreError> {
        let n = load_customers(&mut lock(&self.conn), list, owner, rows, by, replace)?;
        self.push(Push::Customers {
            list: list.to_owned(),
            owner: owner.to_owned(),
        });
        Ok(n)
    }

    /// The customers of `list` of `owner`, as loaded (their JSON text), by id.
    pub fn customers(&self, list: &str, owner: &str) -> Result<Vec<String>, StoreError> {
        let conn = lock(&self.conn);
        let mut stmt = conn.prepare("SELECT body FROM customers WHERE list = ?1 AND owner = ?2 ORDER BY id")?;
        let rows = stmt.query_map(params![list, owner], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The files (canonical JSON) of the pack in force, if any.
    pub fn current_pack_files(&self) -> Result<Option<String>, StoreError> {
        current_pack_files(&lock(&self.conn))
    }

    /// Enabled accounts as (name, role), by name.
    pub fn active_users(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = lock(&self.conn);
        let mut stmt = conn.prepare("SELECT name, role FROM users WHERE disabled = 0 ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn user_count(&self) -> Result<i64, StoreError> {
        Ok(lock(&self.conn).query_row("SELECT count(*) FROM users", [], |r| r.get(0))?)
    }

    /// Adds an account and audits it, in one transaction.
    pub fn add_user(&self, name: &str, role: &str, hash: &str, by: &str) -> Result<(), StoreError> {
        let mut conn = lock(&self.conn);
        add_user(&mut conn, name, role, hash, by)
    }

    pub fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        let conn = lock(&self.conn);
        Ok(conn
            .query_row(
                "SELECT id, name, role, hash, disabled FROM users WHERE name = ?1",
                [name],
                |r| {
                    Ok(User {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        role: r.get(2)?,
                        hash: r.get(3)?,
                        disabled: r.get::<_, i64>(4)? != 0,
                    })
                },
            )
            .optional()?)
    }

    /// Stores a session (its token's hash only); drops expired ones.
    pub fn create_session(
        &self,
        token_hash: &[u8],
        user_id: i64,
        csrf: &str,
        now: i64,
        expires: i64,
    ) -> Result<(), StoreError> {
        let conn = lock(&self.conn);
        conn.execute("DELETE FROM sessions WHERE expires <= ?1", [now])?;
        conn.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf, created, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_hash, user_id, csrf, now, expires],
        )?;
        Ok(())
    }

    /// The user of a live session of an enabled account.
    pub fn session(&self, token_hash: &[u8], now: i64) -> Result<Option<SessionUser>, StoreError> {
        let conn = lock(&self.conn);
        Ok(conn
            .query_row(
                "SELECT u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires > ?2 AND u.disabled = 0",
                params![token_hash, now],
                |r| {
                    Ok(SessionUser {
                        name: r.get(0)?,
                        role: r.get(1)?,
                        csrf: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn delete_session(&self, token_hash: &[u8]) -> Result<(), StoreError> {
        lock(&self.conn).execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    pub fn audit(&self, user: Option<&str>, action: &str, detail: &str) -> Result<(), StoreError> {
        audit(&lock(&self.conn), user, action, detail)
    }

    /// Stores a record once per id: a repeat of the same record returns its seq,
    /// a different one under the same id is a conflict. Announces a new one.
    pub fn insert_record(&self, rec: &NewRecord) -> Result<Insert, StoreError> {
        let mut conn = lock(&self.conn);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(old) = record_by_id(&tx, &rec.id)? {
            let same = old.kind == rec.kind
                && old.customer == rec.customer
                && old.author == rec.author
                && old.pack_version == rec.pack_version
                && old.body == rec.body;
            return Ok(if same {
                Insert::Repeat(old.seq)
            } else {
                Insert::Conflict
            });
        }
        tx.execute(
            "INSERT INTO records (id, kind, customer, author, role, pack_version, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                rec.id,
                rec.kind,
                rec.customer,
                rec.author,
                rec.role,
                rec.pack_version,
                rec.body.to_string()
            ],
        )?;
        let stored = record_by_id(&tx, &rec.id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        tx.commit()?;
        let seq = stored.seq;
        // Sent while the lock is held: listeners see records in seq order.
        self.push(Push::Record(stored));
        Ok(Insert::Created(seq))
    }

    /// The stored record `id`, for a retraction naming it.
    pub fn retractable(&self, id: &str) -> Result<Option<Retractable>, StoreError> {
        let conn = lock(&self.conn);
        Ok(conn
            .query_row(
                "SELECT kind, customer, author, CAST((julianday('now') - julianday(created)) * 86400 AS INTEGER)
                 FROM records WHERE id = ?1",
                [id],
                |r| {
                    Ok(Retractable {
                        kind: r.get(0)?,
                        customer: r.get(1)?,
                        author: r.get(2)?,
                        age_secs: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Records after `since` in seq order that `keep` lets through: at most
    /// `limit` of them, looking at no more than `scan` rows. Returns them and
    /// the seq of the last row looked at (the cursor to continue from).
    pub fn records_since(
        &self,
        since: i64,
        limit: usize,
        scan: usize,
        keep: &dyn Fn(&Record) -> bool,
    ) -> Result<(Vec<Record>, i64), StoreError> {
        let conn = lock(&self.conn);
        let mut stmt = conn.prepare_cached(&format!("{SELECT_RECORD} WHERE r.seq > ?1 ORDER BY r.seq LIMIT ?2"))?;
        let mut rows = stmt.query(params![since, scan as i64])?;
        let (mut out, mut last) = (Vec::new(), since);
        while let Some(row) = rows.next()? {
            let r = record_row(row)?;
            last = r.seq;
            if keep(&r) {
                out.push(r);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok((out, last))
    }

    /// The version in force (the newest), if any pack is stored.
    pub fn current_pack(&self) -> Result<Option<PackMeta>, StoreError> {
        current_pack(&lock(&self.conn))
    }

    /// Every version, newest first.
    pub fn packs(&self) -> Result<Vec<PackMeta>, StoreError> {
        let conn = lock(&self.conn);
        let mut stmt = conn.prepare(&format!("{SELECT_PACK} ORDER BY version DESC"))?;
        let rows = stmt.query_map([], pack_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One version with its files (the canonical JSON they were stored as).
    pub fn pack(&self, version: i64) -> Result<Option<(PackMeta, String)>, StoreError> {
        let conn = lock(&self.conn);
        let meta = conn
            .query_row(&format!("{SELECT_PACK} WHERE version = ?1"), [version], pack_row)
            .optional()?;
        let Some(meta) = meta else { return Ok(None) };
        let files: String = conn.query_row("SELECT files FROM packs WHERE version = ?1", [version], |r| r.get(0))?;
        Ok(Some((meta, files)))
    }

    pub fn pack_exists(&self, version: i64) -> Result<bool, StoreError> {
        Ok(lock(&self.conn).query_row(
            "SELECT EXISTS(SELECT 1 FROM packs WHERE version = ?1)",
            [version],
            |r| r.get(0),
        )?)
    }

    /// Stores `pack` as the next version and audits it (`pack.publish`, or
    /// `pack.restore` when it restores one), in one transaction; unless its
    /// files are the version in force's. Announces a new version.
    pub fn publish_pack(&self, pack: &NewPack) -> Result<Publish, StoreError> {
        let mut conn = lock(&self.conn);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = current_pack(&tx)?;
        if let Some(c) = current.as_ref().filter(|c| c.hash == pack.hash) {
            return Ok(Publish::Unchanged(c.clone()));
        }
        let version = current.map_or(1, |c| c.version + 1);
        tx.execute(
            "INSERT INTO packs (version, hash, author, note, files, restored_from) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                version,
                pack.hash,
                pack.author,
                pack.note,
                pack.files_json,
                pack.restored_from
            ],
        )?;
        let (action, detail) = match pack.restored_from {
            Some(from) => (
                "pack.restore",
                format!("version {version} restores {from}: {}", pack.note),
            ),
            None => ("pack.publish", format!("version {version}: {}", pack.note)),
        };
        audit(&tx, Some(&pack.author), action, &detail)?;
        let meta = tx.query_row(&format!("{SELECT_PACK} WHERE version = ?1"), [version], pack_row)?;
        tx.commit()?;
        self.push(Push::Pack {
            version,
            hash: meta.hash.clone(),
        });
        Ok(Publish::Created(meta))
    }

    /// The highest record sequence number stored (0 when there is none).
    pub fn max_seq(&self) -> Result<i64, StoreError> {
        Ok(lock(&self.conn).query_row("SELECT COALESCE(MAX(seq), 0) FROM records", [], |r| r.get(0))?)
    }

    pub fn record_count(&self) -> Result<i64, StoreError> {
        Ok(lock(&self.conn).query_row("SELECT count(*) FROM records", [], |r| r.get(0))?)
    }

    /// Copies the live database to `out` with SQLite's online backup.
    pub fn backup(&self, out: &Path) -> Result<(), StoreError> {
        let conn = lock(&self.conn);
        backup(&conn, out)
    }
}

/// A record, and for a retraction the kind, author and assignee of the record it takes back.
const SELECT_RECORD: &str =
    "SELECT r.seq, r.id, r.kind, r.customer, r.author, r.role, r.pack_version, r.created, r.body,
        t.kind, t.author, json_extract(t.body, '$.assigned_to')
    FROM records r
    LEFT JOIN records t ON r.kind = 'retraction' AND t.id = json_extract(r.body, '$.record')";

fn record_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Record> {
    let body: String = r.get(8)?;
    let target = match (r.get::<_, Option<String>>(9)?, r.get::<_, Option<String>>(10)?) {
        (Some(kind), Some(author)) => Some(Box::new(Target {
            kind,
            author,
            assigned_to: r.get::<_, Option<String>>(11)?.unwrap_or_default(),
        })),
        _ => None,
    };
    Ok(Record {
        seq: r.get(0)?,
        id: r.get(1)?,
        kind: r.get(2)?,
        customer: r.get(3)?,
        author: r.get(4)?,
        role: r.get(5)?,
        pack_version: r.get(6)?,
        created: r.get(7)?,
        body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
        target,
    })
}

const SELECT_PACK: &str = "SELECT version, hash, author, created, note, restored_from FROM packs";

fn pack_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PackMeta> {
    Ok(PackMeta {
        version: r.get(0)?,
        hash: r.get(1)?,
        author: r.get(2)?,
        created: r.get(3)?,
        note: r.get(4)?,
        restored_from: r.get(5)?,
    })
}

fn current_pack(conn: &Connection) -> Result<Option<PackMeta>, StoreError> {
    Ok(conn
        .query_row(&format!("{SELECT_PACK} ORDER BY version DESC LIMIT 1"), [], pack_row)
        .optional()?)
}

fn record_by_id(conn: &Connection, id: &str) -> rusqlite::Result<Option<Record>> {
    conn.query_row(&format!("{SELECT_RECORD} WHERE r.id = ?1"), [id], record_row)
        .optional()
}

fn audit(conn: &Connection, user: Option<&str>, action: &str, detail: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit (user, action, detail) VALUES (?1, ?2, ?3)",
        params![user, action, detail],
    )?;
    Ok(())
}

/// The role of an enabled account on a connection.
pub fn active_role(conn: &Connection, name: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT role FROM users WHERE name = ?1 AND disabled = 0", [name], |r| {
            r.get(0)
        })
        .optional()?)
}

/// The files (canonical JSON) of the pack in force on a connection, if any.
pub fn current_pack_files(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT files FROM packs ORDER BY version DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .optional()?)
}

/// What loading a customer list did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// Rows sent (each stored or updated).
    pub loaded: usize,
    /// Customers removed because a replacing load did not name them.
    pub removed: usize,
}

/// Upserts customers `(id, JSON)` into `list` of `owner` and audits the load
/// (`by`: who, e.g. `cli`), in one transaction. With `replace`, the customers
/// of that list not in `rows` are deleted in the same transaction: the day's
/// visitors replace yesterday's, and no reader ever sees the list half swapped.
pub fn load_customers(
    conn: &mut Connection,
    list: &str,
    owner: &str,
    rows: &[(String, String)],
    by: &str,
    replace: bool,
) -> Result<Loaded, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut removed = 0;
    if replace {
        let keep: std::collections::HashSet<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
        let ids: Vec<String> = {
            let mut stmt = tx.prepare("SELECT id FROM customers WHERE list = ?1 AND owner = ?2")?;
            let ids = stmt.query_map(params![list, owner], |r| r.get(0))?;
            ids.collect::<Result<_, _>>()?
        };
        let mut del = tx.prepare("DELETE FROM customers WHERE list = ?1 AND owner = ?2 AND id = ?3")?;
        for id in ids.iter().filter(|id| !keep.contains(id.as_str())) {
            removed += del.execute(params![list, owner, id])?;
        }
    }
    {
        let mut stmt = tx.prepare(
            "INSERT INTO customers (list, owner, id, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (list, owner, id) DO UPDATE SET body = excluded.body, loaded = excluded.loaded",
        )?;
        for (id, body) in rows {
            stmt.execute(params![list, owner, id, body])?;
        }
    }
    let (action, detail) = if replace {
        (
            "customers.replace",
            format!("list={list} owner={owner} count={} removed={removed}", rows.len()),
        )
    } else {
        (
            "customers.load",
            format!("list={list} owner={owner} count={}", rows.len()),
        )
    };
    audit(&tx, Some(by), action, &detail)?;
    tx.commit()?;
    Ok(Loaded {
        loaded: rows.len(),
        removed,
    })
}

/// Adds an account on a connection and audits it (`by`: who, e.g. `cli`).
pub fn add_user(conn: &mut Connection, name: &str, role: &str, hash: &str, by: &str) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let exists: bool = tx.query_row("SELECT EXISTS(SELECT 1 FROM users WHERE name = ?1)", [name], |r| {
        r.get(0)
    })?;
    if exists {
        return Err(StoreError::UserExists(name.to_owned()));
    }
    tx.execute(
        "INSERT INTO users (name, role, hash) VALUES (?1, ?2, ?3)",
        params![name, role, hash],
    )?;
    audit(&tx, Some(by), "user.add", &format!("{name} role={role}"))?;
    tx.commit()?;
    Ok(())
}

/// SQLite's online backup of `conn` into a new file `out` (refuses to overwrite).
pub fn backup(conn: &Connection, out: &Path) -> Result<(), StoreError> {
    if out.exists() {
        return Err(StoreError::Io(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} exists; give a new file name", out.display()),
        )));
    }
    let mut dst = Connection::open(out)?;
    {
        let b = rusqlite::backup::Backup::new(conn, &mut dst)?;
        b.run_to_completion(256, std::time::Duration::from_millis(5), None)?;
    }
    // A single self-contained file: no -wal beside it.
    dst.pragma_update(None, "journal_mode", "DELETE")?;
    Ok(())
}

/// The async face of the store: each call runs on tokio's blocking pool.
#[derive(Clone)]
pub struct Db(pub Arc<Store>);

impl Db {
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.0.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|_| StoreError::Gone)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("nextbest-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn migrates_once_and_sets_the_pragmas() {
        let dir = temp("migrate");
        let s = Store::open(&dir).expect("open");
        drop(s);
        let (conn, _) = open_connection(&dir).expect("reopen");
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("v");
        assert_eq!(v, MIGRATIONS.len() as i64);
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("mode");
        assert_eq!(mode, "wal");
        let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).expect("sync");
        assert_eq!(sync, 2, "FULL");
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).expect("fk");
        assert_eq!(fk, 1);
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn records_are_idempotent_by_id() {
        let dir = temp("idem");
        let s = Store::open(&dir).expect("open");
        let rec = NewRecord {
            id: "a".into(),
            kind: "outcome".into(),
            customer: "C1".into(),
            author: "t".into(),
            role: "teller".into(),
            pack_version: None,
            body: serde_json::json!({"x": 1, "y": [2]}),
        };
        let Insert::Created(seq) = s.insert_record(&rec).expect("insert") else {
            panic!("not created")
        };
        assert_eq!(s.insert_record(&rec).expect("again"), Insert::Repeat(seq));
        let other = NewRecord {
            body: serde_json::json!({"x": 2}),
            ..rec
        };
        assert_eq!(s.insert_record(&other).expect("conflict"), Insert::Conflict);
        assert_eq!(s.record_count().expect("count"), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn migration_2_keeps_a_branch_s_packs_and_adds_customers() {
        let dir = temp("m2");
        std::fs::create_dir_all(&dir).expect("mkdir");
        {
            // A database as the first release left it: migration 1 only, one pack.
            let conn = Connection::open(dir.join(DB_FILE)).expect("open");
            conn.execute_batch(MIGRATIONS[0]).expect("m1");
            conn.pragma_update(None, "user_version", 1).expect("v1");
            conn.execute(
                "INSERT INTO packs (version, hash, author, files) VALUES (1, 'h1', 'a', '{}')",
                [],
            )
            .expect("pack");
        }
        let s = Store::open(&dir).expect("migrates");
        let cur = s.current_pack().expect("read").expect("a pack");
        assert_eq!((cur.version, cur.hash.as_str(), cur.restored_from), (1, "h1", None));
        let pack = |hash: &str, from: Option<i64>| NewPack {
            hash: hash.into(),
            files_json: "{}".into(),
            author: "t".into(),
            note: "n".into(),
            restored_from: from,
        };
        assert!(matches!(s.publish_pack(&pack("h1", None)), Ok(Publish::Unchanged(m)) if m.version == 1));
        assert!(matches!(s.publish_pack(&pack("h2", None)), Ok(Publish::Created(m)) if m.version == 2));
        assert!(
            matches!(s.publish_pack(&pack("h1", Some(1))), Ok(Publish::Created(m)) if m.version == 3 && m.restored_from == Some(1))
        );
        let versions: Vec<i64> = s.packs().expect("list").iter().map(|p| p.version).collect();
        assert_eq!(versions, [3, 2, 1]);
        // Customers upsert by id within a list and owner.
        let rows = |b: &str| vec![("c1".to_owned(), b.to_owned()), ("c2".to_owned(), "{}".to_owned())];
        let n = |loaded, removed| Loaded { loaded, removed };
        assert_eq!(
            s.load_customers("hall", "", &rows("{\"v\":1}"), "t", false)
                .expect("load"),
            n(2, 0)
        );
        assert_eq!(
            s.load_customers("hall", "", &rows("{\"v\":2}"), "t", false)
                .expect("reload"),
            n(2, 0)
        );
        assert_eq!(s.customers("hall", "").expect("read"), ["{\"v\":2}", "{}"]);
        assert!(s.customers("book", "x").expect("read").is_empty());
        // Replacing keeps only the new rows, and touches no other list.
        s.load_customers("book", "x", &rows("{}"), "t", false).expect("book");
        let today = vec![
            ("c2".to_owned(), "{\"v\":3}".to_owned()),
            ("c3".to_owned(), "{}".to_owned()),
        ];
        assert_eq!(
            s.load_customers("hall", "", &today, "t", true).expect("replace"),
            n(2, 1)
        );
        assert_eq!(s.customers("hall", "").expect("read"), ["{\"v\":3}", "{}"]);
        assert_eq!(s.customers("book", "x").expect("read").len(), 2);
        drop(s);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
