//! Origins allowed to frame the page (`--frame-ancestor`): `scheme://host[:port]`.
//!
//! One value feeds both the CSP `frame-ancestors` directive and the page's
//! postMessage allow-list (`/config.js`, compared with `MessageEvent.origin`),
//! so it is normalised the way a browser writes an origin: lower-case scheme and
//! host, no default port, no trailing slash.

use std::fmt;
use std::net::Ipv6Addr;
use std::str::FromStr;

/// A validated, normalised web origin: `https://teller.branch.example`, `http://10.1.2.3:8443`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin(String);

impl Origin {
    /// The origin as the browser writes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a `--frame-ancestor` value is not an origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OriginError(String);

const FORM: &str = "expected scheme://host[:port], e.g. https://teller.branch.example";

fn bad(message: String) -> OriginError {
    OriginError(message)
}

impl FromStr for Origin {
    type Err = OriginError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.contains('*') {
            return Err(bad(format!(
                "wildcards are refused: list each origin in full ({FORM}); a wildcard would let any matching site frame the page and message it"
            )));
        }
        if s.starts_with('\'') {
            return Err(bad(format!(
                "give an origin, not a CSP keyword ('self' is always included when origins are given); {FORM}"
            )));
        }
        let Some((scheme, rest)) = s.split_once("://") else {
            return Err(bad(FORM.to_owned()));
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad(format!("the scheme must be http or https, got {scheme:?}; {FORM}")));
        }
        if let Some(i) = rest.find(['/', '?', '#']) {
            return Err(bad(format!(
                "an origin has no path, query or fragment: use {scheme}://{}",
                &rest[..i]
            )));
        }
        if rest.contains('@') {
            return Err(bad(format!("an origin has no user name or password; {FORM}")));
        }
        let (host, port) = split_host_port(rest)?;
        let host = normalise_host(host)?;
        let port = match port {
            None => None,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
                _ => return Err(bad(format!("the port must be a number from 1 to 65535, got {p:?}"))),
            },
        };
        let default_port = if scheme == "https" { 443 } else { 80 };
        Ok(Origin(match port {
            Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
            _ => format!("{scheme}://{host}"),
        }))
    }
}

fn split_host_port(rest: &str) -> Result<(&str, Option<&str>), OriginError> {
    if rest.starts_with('[') {
        let Some(end) = rest.find(']') else {
            return Err(bad(format!("unclosed [ in an IPv6 address; {FORM}")));
        };
        let (host, after) = rest.split_at(end + 1);
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(bad(format!("unexpected {after:?} after the host; {FORM}"))),
        };
    }
    Ok(match rest.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    })
}

fn normalise_host(host: &str) -> Result<String, OriginError> {
    if host.is_empty() {
        return Err(bad(format!("the host is missing; {FORM}")));
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return match inner.parse::<Ipv6Addr>() {
            Ok(ip) => Ok(format!("[{ip}]")),
            Err(_) => Err(bad(format!("{host:?} is not an IPv6 address"))),
        };
    }
    let host = host.to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if host.len() > 253 || !host.split('.').all(label_ok) {
        return Err(bad(format!(
            "{host:?} is not a host name (letters, digits, '-' and '.'; an international name in its xn-- form)"
        )));
    }
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        s.parse::<Origin>()
            .map(|o| o.to_string())
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }
    fn err(s: &str) -> String {
        match s.parse::<Origin>() {
            Ok(o) => panic!("{s} was accepted as {o}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn normalised_like_a_browser_origin() {
        assert_eq!(ok("https://teller.branch.example"), "https://teller.branch.example");
        assert_eq!(ok("HTTPS://Teller.Branch.Example:443"), "https://teller.branch.example");
        assert_eq!(ok("http://10.1.2.3:80"), "http://10.1.2.3");
        assert_eq!(ok("http://10.1.2.3:8443"), "http://10.1.2.3:8443");
        assert_eq!(ok("http://[::1]:9000"), "http://[::1]:9000");
        assert_eq!(ok("http://localhost:3000"), "http://localhost:3000");
    }

    #[test]
    fn refused_with_a_reason() {
        assert!(err("https://*.branch.example").contains("wildcards are refused"));
        assert!(err("*").contains("wildcards"));
        assert!(err("'self'").contains("CSP keyword"));
        assert!(err("https://teller.branch.example/").contains("no path"));
        assert!(err("https://teller.branch.example/app").contains("use https://teller.branch.example"));
        assert!(err("https://a.example?x=1").contains("no path, query"));
        assert!(err("teller.branch.example").contains("scheme://host"));
        assert!(err("ftp://a.example").contains("http or https"));
        assert!(err("javascript://a.example").contains("http or https"));
        assert!(err("https://").contains("host is missing"));
        assert!(err("https://user@a.example").contains("user name"));
        assert!(err("https://a.example:0").contains("port"));
        assert!(err("https://a.example:99999").contains("port"));
        assert!(err("https://a.example:+80").contains("port"));
        assert!(err("https://a b.example").contains("not a host name"));
        assert!(err("https://a..example").contains("not a host name"));
        assert!(err("https://[::1").contains("IPv6"));
        assert!(err("https://[nope]").contains("IPv6"));
        assert!(err("https://a.example;script-src *").contains("wildcards"));
        assert!(err("https://a.example;").contains("not a host name"));
    }
}
