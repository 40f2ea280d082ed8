//! Nothing panics on any input: every field of every fixture customer is
//! replaced by hostile values, and every rule source is cut short at many
//! points. Each evaluation must end in a result or a named error.
#![cfg(not(target_arch = "wasm32"))]

use nextbest::{Customer, Engine, Error, Options, PackSource};

fn hostile_values() -> Vec<serde_json::Value> {
    serde_json::from_str(
        r#"[null, true, -1, 0, 1e308, -1e308, 9223372036854775807, -9223372036854775808, 1.5,
            "", "x", "2026-13-45", "9999-12-31T23:59:59Z", "0001-01-01", [], [null], [1, "a"], {}, {"x": 1},
            [{"kind": "cash_withdrawal", "amount": 1e300, "at": "9999-12-31"}],
            [{"product": "wm.product", "at": "0001-01-01", "outcome": "declined", "by": "teller"}],
            [{"product": "wm.product", "amount": 1, "matures_on": "9999-12-31"}]]"#,
    )
    .expect("valid JSON")
}

fn fixture_customers(pack: &PackSource) -> Vec<serde_json::Value> {
    pack.files
        .iter()
        .filter(|(name, _)| name.starts_with("fixtures/"))
        .flat_map(|(_, text)| {
            let v: serde_json::Value = serde_json::from_str(text).expect("fixture JSON");
            v["cases"]
                .as_array()
                .expect("cases")
                .iter()
                .map(|c| c["customer"].clone())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every path to a value inside `v`, as a list of object keys and array indexes.
fn paths(v: &serde_json::Value, prefix: Vec<serde_json::Value>, out: &mut Vec<Vec<serde_json::Value>>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let mut p = prefix.clone();
                p.push(k.as_str().into());
                out.push(p.clone());
                paths(x, p, out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let mut p = prefix.clone();
                p.push(i.into());
                out.push(p.clone());
                paths(x, p, out);
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut serde_json::Value, path: &[serde_json::Value]) -> &'a mut serde_json::Value {
    path.iter().fold(v, |v, k| match k {
        serde_json::Value::String(s) => &mut v[s.as_str()],
        k => &mut v[k.as_u64().expect("index") as usize],
    })
}

#[test]
fn hostile_field_values_never_panic() {
    let pack = PackSource::bundled();
    let engine = Engine::new(&pack).expect("bundled");
    let mut runs = 0;
    for customer in fixture_customers(&pack) {
        let mut all = Vec::new();
        paths(&customer, Vec::new(), &mut all);
        for path in &all {
            for value in hostile_values() {
                let mut c = customer.clone();
                *at(&mut c, path) = value;
                for channel in ["teller", "lobby", "cm"] {
                    let opts = Options {
                        now: None,
                        channel: channel.into(),
                        ..Options::default()
                    };
                    match Customer::from_value(&c).and_then(|c| engine.evaluate(c, &opts)) {
                        Ok(_) | Err(Error::Input { .. }) => runs += 1,
                        Err(e) => panic!("unexpected error kind {e:?}"),
                    }
                }
            }
        }
    }
    assert!(runs > 10_000, "{runs} evaluations");
}

#[test]
fn rules_cut_short_anywhere_never_panic() {
    let bundled = PackSource::bundled();
    let customers = fixture_customers(&bundled);
    for (id, _, text) in bundled.rules().take(12) {
        let chars: Vec<char> = text.chars().collect();
        for cut in (0..chars.len()).step_by(7) {
            let mut pack = bundled.clone();
            pack.files.insert(format!("{id}.rhai"), chars[..cut].iter().collect());
            let engine = Engine::new(&pack).expect("manifest and catalogue unchanged");
            for c in customers.iter().take(5) {
                let out = engine.evaluate(Customer::from_value(c).expect("valid"), &Options::default());
                assert!(out.is_ok());
            }
        }
    }
}
