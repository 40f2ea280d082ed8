//! The helper table is the one source of the helper API: what rhai has
//! registered, what the whitelist admits, and the rule author's guide must
//! all agree with it.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use nextbest::{helpers, Engine, HelperKind, PackSource, HELPERS};

#[test]
fn every_helper_in_the_table_is_callable_and_nothing_else_is() {
    let pack = PackSource::bundled();
    // Each table entry, written as a rule would, compiles and is admitted.
    for h in HELPERS.iter().filter(|h| h.kind != HelperKind::Std) {
        let call = match h.kind {
            HelperKind::Property => format!("let x = c.{};", h.name),
            HelperKind::Method => format!("let x = c.{}", h.signature.trim_start_matches("c.")),
            HelperKind::BranchProperty => format!("let x = b.{};", h.name),
            HelperKind::BranchMethod => format!("let x = b.{}", h.signature.trim_start_matches("b.")),
            _ => continue,
        };
        let src = format!(
            "//! kind: signal\n//! priority: 1\n//! zh: t\n//! en: t\n{}",
            call.replace("(kind, days)", "(\"cash_deposit\", 30)")
                .replace("(kind, currency, days)", "(\"cash_deposit\", \"USD\", 30)")
                .replace("(days)", "(30)")
                .replace("(tier)", "(\"gold\")")
                .replace("(test)", "(\"x\")")
                .replace("(list)", "([\"x\"])")
                .replace("(product_or_family, days)", "(\"wm\", 3)")
                .replace("(type)", "(\"savings\")")
                .replace("(product_or_family)", "(\"wm\")")
                .replace("(x)", "(\"x\")")
                .replace("(purpose)", "(\"complaint\")")
                .replace("(name)", "(\"x\")")
                .replace("(role)", "(\"cm\")")
                .replace("(counter)", "(\"teller\")")
        );
        let mut p = pack.clone();
        p.files.insert("zz_helper.rhai".into(), src.clone());
        let engine = Engine::new(&p).expect("loads");
        assert!(engine.problems().is_empty(), "{src}\n{:#?}", engine.problems());
    }
}

#[test]
fn the_registered_functions_are_the_table() {
    // rhai's own list of what this crate registered (not rhai's standard library).
    let engine = rhai_signatures();
    let table: BTreeSet<&str> = HELPERS
        .iter()
        .filter(|h| h.kind != HelperKind::Std)
        .map(|h| h.name)
        .collect();
    let registered: BTreeSet<String> = engine
        .into_iter()
        .filter_map(|sig| {
            let name = sig.split('(').next()?.trim().to_owned();
            let name = name.strip_prefix("get$").unwrap_or(&name).to_owned();
            (!name.starts_with("index$")).then_some(name)
        })
        .collect();
    let registered: BTreeSet<&str> = registered.iter().map(String::as_str).collect();
    assert_eq!(registered, table, "registered (left) vs helpers.rs table (right)");
}

/// The signatures of every function the engine registers itself.
fn rhai_signatures() -> Vec<String> {
    nextbest::helpers::registered_signatures()
}

#[test]
fn the_guide_lists_the_table() {
    let guide = include_str!("../rules/README.md");
    let begin = guide.find("<!-- helpers:begin -->").expect("begin marker") + "<!-- helpers:begin -->".len();
    let end = guide.find("<!-- helpers:end -->").expect("end marker");
    assert_eq!(
        guide[begin..end].trim(),
        helpers::markdown().trim(),
        "rules/README.md's helper table is out of date: paste `nextbest helpers --markdown` between the markers"
    );
}

#[test]
fn did_you_mean_finds_near_names_only() {
    assert_eq!(helpers::did_you_mean("yaun", &[HelperKind::Function]), Some("yuan"));
    assert_eq!(
        helpers::did_you_mean("txn_summ", &[HelperKind::Method]),
        Some("txn_sum")
    );
    assert_eq!(helpers::did_you_mean("launch_missiles", &[HelperKind::Function]), None);
}
