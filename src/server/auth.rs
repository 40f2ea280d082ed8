//! Passwords, session tokens and the sign-in rate limit.
//!
//! - Passwords: argon2id with the `argon2` crate's defaults, stored as a PHC
//!   string; verification is the crate's (constant time).
//! - Sessions: a random 32-byte token in the `nb_session` cookie; only its
//!   SHA-256 is stored, so a copy of the database signs nobody in.
//! - Sign-in failures: 5 for a name, or from one client address, within 15
//!   minutes lock that name / address out for [`COOL_OFF`] (in memory).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

pub const COOKIE: &str = "nb_session";
/// A session lasts one branch day.
pub const SESSION_SECS: i64 = 12 * 60 * 60;
pub const MAX_FAILURES: u32 = 5;
pub const COOL_OFF: Duration = Duration::from_secs(5 * 60);
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A hash to verify against when the name is unknown, so an unknown name takes
/// as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A strong password staff can type: 16 letters and digits without look-alikes (≈ 90 bits).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::new();
    while out.len() < 16 {
        let mut b = [0u8; 1];
        OsRng.fill_bytes(&mut b);
        // Rejection sampling keeps every character equally likely.
        let i = usize::from(b[0]);
        if i < 256 - 256 % ALPHABET.len() {
            out.push(char::from(ALPHABET[i % ALPHABET.len()]));
        }
    }
    out
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Equal strings, compared without an early exit.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `nb_session` value from a Cookie header.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

#[derive(Default)]
struct Entry {
    failures: u32,
    last: Option<Instant>,
    locked_until: Option<Instant>,
}

/// Failed sign-ins per key (`name:…`, `ip:…`).
#[derive(Default)]
pub struct Limiter {
    map: Mutex<HashMap<String, Entry>>,
}

impl Limiter {
    /// Seconds until any of `keys` may try again, if one is locked out.
    pub fn locked(&self, keys: &[String]) -> Option<u64> {
        let now = Instant::now();
        let map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.iter()
            .filter_map(|k| map.get(k)?.locked_until)
            .filter(|&t| t > now)
            .map(|t| (t - now).as_secs().max(1))
            .max()
    }

    pub fn failed(&self, keys: &[String]) {
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > 10_000 {
            map.retain(|_, e| {
                e.locked_until.is_some_and(|t| t > now) || e.last.is_some_and(|t| now - t < FAILURE_WINDOW)
            });
        }
        for k in keys {
            let e = map.entry(k.clone()).or_default();
            if e.last.is_some_and(|t| now - t > FAILURE_WINDOW) {
                e.failures = 0;
            }
            e.failures += 1;
            e.last = Some(now);
            if e.failures >= MAX_FAILURES {
                e.failures = 0;
                e.locked_until = Some(now + COOL_OFF);
            }
        }
    }

    pub fn succeeded(&self, keys: &[String]) {
        let mut map = self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for k in keys {
            map.remove(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_tokens_differ() {
        let h = hash_password("s3cret").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("s3cret", &h));
        assert!(!verify_password("s3cre", &h));
        assert_ne!(random_hex(32), random_hex(32));
        assert_eq!(random_password().len(), 16);
    }

    #[test]
    fn five_failures_lock_out() {
        let l = Limiter::default();
        let k = vec!["name:a".to_owned()];
        for _ in 0..4 {
            l.failed(&k);
            assert_eq!(l.locked(&k), None);
        }
        l.failed(&k);
        assert!(l.locked(&k).is_some());
    }
}
