//! The command-line tool as a rule author and a branch system use it:
//! exit codes 0 ok, 1 rule or fixture failures, 2 bad input.
#![cfg(not(target_arch = "wasm32"))]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn nextbest(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nextbest"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const CUSTOMER: &str = r#"{"id": "C1", "segment": "mass", "risk_rating": 3,
  "transactions": [{"kind": "cash_withdrawal", "amount": 80000, "at": "2026-11-24"}],
  "visit": {"purpose": "cash_withdrawal", "at": "2026-11-24T10:00:00"},
  "consent": {"marketing": true, "record": true}}"#;

#[test]
fn eval_reads_stdin_and_prints_the_ranked_result() {
    let out = nextbest(&["eval", "--channel", "teller", "-"], Some(CUSTOMER));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON out");
    assert_eq!(v["suggestions"][0]["product"], "wm.product");
    assert_eq!(v["route"]["destination"], "relationship_manager");
    assert_eq!(v["high_value"]["flag"], true);
    assert!(v["trace"].as_array().is_some_and(|t| !t.is_empty()));
}

#[test]
fn eval_of_a_bad_field_exits_2_and_names_the_path() {
    let bad = CUSTOMER.replace("80000", "\"lots\"");
    let out = nextbest(&["eval", "-"], Some(&bad));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("transactions[0].amount"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn eval_of_an_array_names_the_customer_index() {
    let bad = format!("[{CUSTOMER}, {}]", CUSTOMER.replace("\"mass\"", "\"gold\""));
    let out = nextbest(&["eval", "-"], Some(&bad));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("[1].segment"), "{}", text(&out.stderr));
}

fn broken_pack() -> tempdir::Dir {
    let dir = tempdir::Dir::new("broken");
    for (name, body) in nextbest::PackSource::bundled().files {
        dir.write(&name, &body);
    }
    dir.write(
        "zz_broken.rhai",
        "//! kind: cross_sell\n//! priority: 1\n//! zh: 坏\n//! en: broken\nif c.aum > {\n",
    );
    dir.write(
        "zz_typo.rhai",
        "//! kind: cross_sell\n//! priority: 1\n//! zh: 错\n//! en: typo\nsuggest(\"wm.prodct\", \"a\", \"b\")\n",
    );
    dir
}

#[test]
fn check_prints_file_line_column_and_exits_1() {
    let dir = broken_pack();
    let out = nextbest(&["check", "--rules", dir.path()], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("/zz_broken.rhai:6:1:"), "{err}");
    assert!(
        err.contains("/zz_typo.rhai:5:10: [zz_typo] unknown product \"wm.prodct\""),
        "{err}"
    );
}

#[test]
fn check_and_test_pass_on_the_bundled_pack() {
    let out = nextbest(&["check"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = nextbest(&["test"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains(" passed, 0 failed"));
}

#[test]
fn test_with_a_failing_fixture_exits_1() {
    let dir = broken_pack();
    let out = nextbest(&["test", "--rules", dir.path()], None);
    assert_eq!(out.status.code(), Some(1), "the broken rule fails the run");
}

/// pack.json, products.json, a rule that fires in the one case and one that fires in none.
fn half_covered_pack() -> tempdir::Dir {
    let dir = tempdir::Dir::new("coverage");
    let bundled = nextbest::PackSource::bundled();
    for name in ["pack.json", "products.json"] {
        dir.write(name, &bundled.files[name]);
    }
    let rule =
        |kind: &str, body: &str| format!("//! kind: {kind}\n//! priority: 1\n//! zh: 测试\n//! en: test\n{body}\n");
    dir.write(
        "zz_waiting.rhai",
        &rule("route", "if c.waiting { route(\"vip_area\", \"等\", \"wait\") }"),
    );
    dir.write(
        "zz_never.rhai",
        &rule("route", "if c.aum < 0.0 { route(\"vip_area\", \"无\", \"never\") }"),
    );
    dir.write(
        "fixtures/one.json",
        r#"{"cases": [{"name": "waits", "expect": {"route": "vip_area"},
            "customer": {"id": "W", "visit": {"purpose": "balance_inquiry", "waiting": true, "at": "2026-11-24T10:00:00"}}}]}"#,
    );
    dir
}

#[test]
fn test_warns_of_a_rule_no_case_fires_and_fails_on_it_only_when_asked() {
    let dir = half_covered_pack();
    let out = nextbest(&["test", "--rules", dir.path()], None);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "a warning by default: {stdout}");
    assert!(
        stdout.contains("warning: ") && stdout.contains("/zz_never.rhai: [zz_never] fires in no fixture case"),
        "{stdout}"
    );
    assert!(!stdout.contains("[zz_waiting]"), "{stdout}");
    let out = nextbest(&["test", "--require-coverage", "--rules", dir.path()], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
}

#[test]
fn test_reports_a_broken_rule_once_and_passes_the_cases_that_do_not_need_it() {
    let dir = half_covered_pack();
    dir.write(
        "zz_broken.rhai",
        "//! kind: cross_sell\n//! priority: 1\n//! zh: 坏\n//! en: broken\nif c.aum > {\n",
    );
    let out = nextbest(&["test", "--rules", dir.path()], None);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(1),
        "a broken rule still fails the run: {stdout}"
    );
    assert_eq!(
        stderr.matches("/zz_broken.rhai:6:1: [zz_broken]").count(),
        1,
        "{stderr}"
    );
    assert!(stdout.contains("fixtures: 1 passed, 0 failed"), "{stdout}");
}

#[test]
fn a_missing_pack_folder_is_bad_input() {
    let out = nextbest(&["check", "--rules", "/nonexistent/pack"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/pack"));
}

#[test]
fn the_published_schema_is_the_generated_one() {
    let out = nextbest(&["schema"], None);
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/customer.schema.json"))
        .expect("www/customer.schema.json is committed");
    assert_eq!(
        text(&out.stdout),
        committed,
        "regenerate with: cargo run -- schema > www/customer.schema.json"
    );
}

/// A temporary folder removed on drop; std has none and one test does not earn a crate.
mod tempdir {
    pub struct Dir(std::path::PathBuf);

    impl Dir {
        pub fn new(tag: &str) -> Dir {
            let p = std::env::temp_dir().join(format!(
                "nextbest-{tag}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).expect("temp dir");
            Dir(p)
        }

        pub fn path(&self) -> &str {
            self.0.to_str().expect("utf-8 temp path")
        }

        pub fn write(&self, name: &str, body: &str) {
            let path = self.0.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(path, body).expect("write");
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[test]
fn check_flags_promises_the_bank_cannot_keep() {
    let dir = broken_pack();
    dir.write(
        "zz_promise.rhai",
        "//! kind: cross_sell\n//! priority: 1\n//! zh: 承诺\n//! en: promise\nsuggest(\"wm.product\", \"a\", \"b\").pitch(\"保本保息\", \"guaranteed\")\n",
    );
    let out = nextbest(&["check", "--rules", dir.path()], None);
    let err = text(&out.stderr);
    assert!(
        err.contains("zz_promise.rhai:5:40: [zz_promise] \"保本\" is a forbidden phrase"),
        "{err}"
    );
}

#[test]
fn check_flags_a_misspelt_trigger_that_would_make_a_rule_never_run() {
    let dir = broken_pack();
    dir.write(
        "zz_trigger.rhai",
        "//! kind: cross_sell\n//! priority: 1\n//! zh: 触发\n//! en: trigger\n//! triggers: txn:cash_withdrawl, holding:wm\n()\n",
    );
    let out = nextbest(&["check", "--rules", dir.path()], None);
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "zz_trigger.rhai:5:1: [zz_trigger] trigger \"txn:cash_withdrawl\": \"cash_withdrawl\" is not in pack.json vocabulary.txn (did you mean \"cash_withdrawal\"?)"
        ),
        "{err}"
    );
    assert!(
        !err.contains("holding:wm"),
        "a catalogue family is a known holding: {err}"
    );
}

/// The rows (`  label  count  pct%`) under `header` in the demo's distribution, as (label, count).
fn demo_rows<'a>(stdout: &'a str, header: &str) -> Vec<(&'a str, usize)> {
    let section = stdout
        .split_once("\n分布 Distribution")
        .unwrap_or_else(|| panic!("no distribution section:\n{stdout}"))
        .1;
    let mut lines = section.lines().skip_while(|l| *l != header);
    assert!(lines.next().is_some(), "no {header:?} in the distribution:\n{section}");
    lines
        .take_while(|l| l.starts_with("  "))
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            assert!(words.len() >= 3 && l.ends_with('%'), "row {l:?}");
            let count = words[words.len() - 2]
                .parse()
                .unwrap_or_else(|_| panic!("count in {l:?}"));
            (l.trim(), count)
        })
        .collect()
}

#[test]
fn demo_prints_route_grade_and_suitability_distributions_that_add_up() {
    let out = nextbest(&["demo", "--show", "3"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let customers: Vec<serde_json::Value> = serde_json::from_str(nextbest::bundled_samples()).expect("samples");
    let n = customers.len();
    assert!(n >= 100, "{n} samples");
    assert!(
        stdout.contains(&format!("分布 Distribution · {n} 位客户 customers")),
        "{stdout}"
    );

    let engine = nextbest::Engine::new(&nextbest::PackSource::bundled()).expect("bundled pack");
    let routes = demo_rows(&stdout, "分流去向 Route");
    assert!(routes.len() >= 3, "several destinations: {routes:?}");
    for (label, _) in &routes {
        let id = label.split_whitespace().nth(1).unwrap_or_default();
        let dest = engine
            .manifest()
            .destinations
            .get(id)
            .unwrap_or_else(|| panic!("{label:?}: not a pack destination"));
        assert!(label.starts_with(&dest.zh), "{label:?}: the zh name first");
    }
    assert_eq!(
        routes.iter().map(|r| r.1).sum::<usize>(),
        n,
        "every customer routed once: {routes:?}"
    );

    let grades = demo_rows(&stdout, "客户等级 Prospect grade");
    assert_eq!(
        grades.iter().map(|r| r.1).sum::<usize>(),
        n,
        "every customer graded once: {grades:?}"
    );
    for (label, _) in &grades {
        assert!(
            label.starts_with("未分级 ungraded")
                || ["A", "B", "C", "D"].iter().any(|g| label.contains(&format!(" {g} "))),
            "{label:?}"
        );
    }

    let high = demo_rows(&stdout, "高价值 High value");
    assert_eq!(high.len(), 1);
    assert!(high[0].1 <= n);
    assert!(
        stdout.contains(&format!("high value 高价值: {};", high[0].1)),
        "the distribution agrees with the summary line:\n{stdout}"
    );

    let suitability = demo_rows(&stdout, "适当性 Suitability");
    assert_eq!(suitability.len(), 2, "{suitability:?}");
    assert!(suitability[0].0.starts_with("暂缓推介 withheld"));
    assert!(suitability[1].0.starts_with("改荐替代 substituted"));
    assert!(suitability.iter().all(|r| r.1 <= n));
}

#[test]
fn eval_reads_the_branch_context_from_a_file() {
    let dir = tempdir::Dir::new("branch");
    dir.write(
        "branch.json",
        r#"{"staff": [{"role": "cm", "state": "busy"}, {"role": "psm", "state": "available"}]}"#,
    );
    let customer = CUSTOMER.replace(r#""segment""#, r#""stated_needs": ["wealth_management"], "segment""#);
    let file = format!("{}/branch.json", dir.path());
    let out = nextbest(&["eval", "--branch", &file, "-"], Some(&customer));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON out");
    assert_eq!(v["route"]["destination"], "product_sales", "{v}");
    // Without it nothing is known: the customer manager as before.
    let out = nextbest(&["eval", "-"], Some(&customer));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON out");
    assert_eq!(v["route"]["destination"], "relationship_manager", "{v}");
}

#[test]
fn a_bad_branch_context_exits_2_naming_the_field_and_the_file() {
    let dir = tempdir::Dir::new("badbranch");
    dir.write("branch.json", r#"{"queues": {"vipteller": 3}}"#);
    let file = format!("{}/branch.json", dir.path());
    let out = nextbest(&["eval", "--branch", &file, "-"], Some(CUSTOMER));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("branch.queues.vipteller"), "{err}");
    assert!(err.contains("vip_teller") && err.contains(&file), "{err}");
}

#[test]
fn the_published_branch_schema_is_the_generated_one() {
    let out = nextbest(&["schema", "--branch"], None);
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/branch.schema.json"))
        .expect("www/branch.schema.json is committed");
    assert_eq!(
        text(&out.stdout),
        committed,
        "regenerate with: cargo run -- schema --branch > www/branch.schema.json"
    );
}
