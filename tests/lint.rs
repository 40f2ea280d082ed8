//! `nextbest check` as a rule author meets it (issue 10): each mistake is
//! named where it was made, with a line and column an editor can jump to.
#![cfg(not(target_arch = "wasm32"))]

use nextbest::{Engine, PackSource, RuleError, Stage};

fn pack_with(extra: &[(&str, &str)]) -> PackSource {
    let mut pack = PackSource::bundled();
    for (name, text) in extra {
        pack.files.insert((*name).to_owned(), (*text).to_owned());
    }
    pack
}

/// A rule file: four header lines, so the body starts on line 5.
fn rule(kind: &str, body: &str) -> String {
    format!("//! kind: {kind}\n//! priority: 50\n//! zh: 测试\n//! en: test\n{body}\n")
}

/// What `nextbest check` reports about one rule of the bundled pack plus `extra`.
fn check(extra: &[(&str, &str)], rule_id: &str) -> Vec<RuleError> {
    let pack = pack_with(extra);
    let engine = Engine::new(&pack).expect("loads");
    nextbest::lint(&engine, &pack)
        .into_iter()
        .filter(|p| p.rule == rule_id)
        .collect()
}

#[test]
fn a_missing_semicolon_points_at_the_end_of_the_line_that_lacks_it() {
    // rhai stops at `if` on line 7; the `;` belongs after line 5's last character.
    let body = "let big = c.aum > 100000.0   // 大客户\n// 注释 / a comment\n\nif big { suggest(\"wm.product\", \"a\", \"b\") }";
    let src = rule("cross_sell", body);
    let problems = check(&[("zz_semi.rhai", &src)], "zz_semi");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let p = &problems[0];
    assert_eq!(p.stage, Stage::Compile, "{p:?}");
    assert!(p.message.contains("';'"), "{p:?}");
    let code = "let big = c.aum > 100000.0";
    assert_eq!((p.line, p.column), (5, code.chars().count() + 1), "{p:?}");

    // Two statements on one line: rhai's own position is already the place.
    let src = rule("cross_sell", "let a = 1 let b = 2;\n()");
    let p = &check(&[("zz_semi2.rhai", &src)], "zz_semi2")[0];
    assert!(p.message.contains("';'"), "{p:?}");
    assert_eq!((p.line, p.column), (5, 11), "{p:?}");
}
