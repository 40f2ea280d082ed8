//! JSON read strictly: a duplicate key is an error naming its path (most
//! readers silently keep the last one, so `"risk_rating":1,"risk_rating":5`
//! would be read as C5), nesting is limited on every path, and a UTF-8
//! byte-order mark, which Windows tools write, is accepted.

use std::cell::RefCell;
use std::fmt::Write as _;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// How deep a customer record or pack file may nest. The contract's own
/// depth is 3; unknown fields get room, but not enough to exhaust a stack.
pub const MAX_DEPTH: usize = 32;

/// A strict-JSON failure: the path (`transactions[2]`, `""` for the top),
/// the message, and the 1-based line and column in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonError {
    pub path: String,
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// Parses `text` into a JSON value, refusing duplicate keys and nesting
/// deeper than [`MAX_DEPTH`].
pub fn parse(text: &str) -> Result<Value, JsonError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let path = RefCell::new(Vec::new());
    let failure = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = Seed {
        path: &path,
        failure: &failure,
        depth: 0,
    };
    let result = seed.deserialize(&mut de).and_then(|v| de.end().map(|_| v));
    result.map_err(|e| {
        let (line, byte_column) = (e.line(), e.column());
        let (p, message) = failure.into_inner().unwrap_or_else(|| {
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
            (render(&path.borrow()), msg)
        });
        JsonError {
            path: p,
            message,
            line,
            column: char_column(text, line, byte_column),
        }
    })
}

#[derive(Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// `a.b[2].c`, as the rest of nextbest writes field paths.
fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

struct Seed<'a> {
    path: &'a RefCell<Vec<Seg>>,
    failure: &'a RefCell<Option<(String, String)>>,
    depth: usize,
}

impl<'a> Seed<'a> {
    fn fail<E: de::Error>(&self, message: String) -> E {
        let path = render(&self.path.borrow());
        *self.failure.borrow_mut() = Some((path, message.clone()));
        E::custom(message)
    }

    fn deeper<E: de::Error>(&self) -> Result<Seed<'a>, E> {
        if self.depth >= MAX_DEPTH {
            return Err(self.fail(format!("nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(Seed {
            path: self.path,
            failure: self.failure,
            depth: self.depth + 1,
        })
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.deeper()?;
        let mut out = Vec::new();
        loop {
            self.path.borrow_mut().push(Seg::Index(out.len()));
            let next = seq.next_element_seed(inner_ref(&inner))?;
            self.path.borrow_mut().pop();
            match next {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.deeper()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.path.borrow_mut().push(Seg::Key(key.clone()));
            if out.contains_key(&key) {
                return Err(inner.fail(format!(
                    "{key:?} appears twice in the same object; which one is meant cannot be known"
                )));
            }
            let v = map.next_value_seed(inner_ref(&inner))?;
            self.path.borrow_mut().pop();
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

fn inner_ref<'a>(s: &Seed<'a>) -> Seed<'a> {
    Seed {
        path: s.path,
        failure: s.failure,
        depth: s.depth,
    }
}

/// serde_json counts columns in bytes; editors and people count characters,
/// which differ on any line with Chinese before the error.
pub(crate) fn char_column(text: &str, line: usize, byte_column: usize) -> usize {
    let Some(l) = text.lines().nth(line.saturating_sub(1)) else {
        return byte_column;
    };
    let mut end = byte_column.saturating_sub(1).min(l.len());
    while !l.is_char_boundary(end) {
        end -= 1;
    }
    l[..end].chars().count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_name_their_path_and_position() {
        let e = parse("{\"a\": [{\"x\": 1,\n \"x\": 2}]}").expect_err("duplicate");
        assert_eq!(e.path, "a[0].x");
        assert_eq!(e.line, 2, "{e:?}");
        assert!(e.message.contains("twice"), "{e:?}");
    }

    #[test]
    fn depth_is_limited_with_the_path() {
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let e = parse(&deep).expect_err("too deep");
        assert!(e.message.contains("levels deep"), "{e:?}");
        assert!(e.path.starts_with("[0][0]"), "{e:?}");
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn a_bom_is_accepted_and_trailing_text_is_not() {
        assert_eq!(parse("\u{feff}{\"a\":1}").expect("bom"), serde_json::json!({"a": 1}));
        assert!(parse("{\"a\":1} x").is_err());
    }
}
