//! The rule author's backtest (issue 12): a draft pack against the pack in
//! force over a sample, what changes, and what the draft's rules do.
#![cfg(not(target_arch = "wasm32"))]

use nextbest::backtest::{backtest, read_jsonl_with, BacktestOptions, RuleStats};
use nextbest::{Customer, Engine, PackSource, Stamp};

/// One backtest at a time: the packs' time budgets (50 ms a rule) are wall
/// clock, and a debug build sharing two cores with parallel backtests (and
/// the CLI's process) could be descheduled past one, which would show as a
/// change where there is none.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn customer(v: serde_json::Value) -> Customer {
    Customer::from_value(&v).expect("a customer")
}

fn options() -> BacktestOptions {
    BacktestOptions {
        now: Some(Stamp::parse("2026-11-24T15:00:00+08:00").expect("time").unix),
        ..BacktestOptions::default()
    }
}

/// The bundled pack with `pack.json` params changed and files added.
fn pack_with(
    params: &[(&str, serde_json::Value)],
    extra: &[(&str, &str)],
    manifest: &[(&str, serde_json::Value)],
) -> PackSource {
    let mut pack = PackSource::bundled();
    let mut m: serde_json::Value = serde_json::from_str(&pack.files["pack.json"]).expect("pack.json");
    for (k, v) in params {
        m["params"][*k] = v.clone();
    }
    for (k, v) in manifest {
        m[*k] = v.clone();
    }
    pack.files
        .insert("pack.json".into(), serde_json::to_string_pretty(&m).expect("json"));
    for (name, text) in extra {
        pack.files.insert((*name).to_owned(), (*text).to_owned());
    }
    pack
}

/// A customer of the counter: rated C3, consenting, who withdrew `cash` in cash last week.
fn withdrew(id: &str, cash: u64, age: u32) -> Customer {
    customer(serde_json::json!({
        "id": id, "name": format!("客户{id}"), "segment": "mass", "risk_rating": 3, "age": age,
        "aum": 120000, "avg_daily_balance": 60000,
        "accounts": [{"type": "savings", "balance": 120000}],
        "transactions": [{"kind": "cash_withdrawal", "amount": cash, "currency": "CNY", "at": "2026-11-20T10:00:00+08:00", "channel": "counter"}],
        "visit": {"purpose": "cash_withdrawal", "at": "2026-11-24T10:00:00+08:00"},
        "consent": {"marketing": true, "record": true}
    }))
}

fn sample() -> Vec<Customer> {
    vec![
        withdrew("small", 20000, 35),
        withdrew("mid1", 35000, 50),
        withdrew("mid2", 45000, 65),
        withdrew("large", 80000, 28),
        customer(serde_json::json!({"id": "quiet", "risk_rating": 2, "age": 40,
            "visit": {"purpose": "balance_inquiry", "at": "2026-11-24T11:00:00+08:00"},
            "consent": {"marketing": true, "record": true}})),
    ]
}

fn rule<'a>(rules: &'a [RuleStats], id: &str) -> &'a RuleStats {
    rules
        .iter()
        .find(|r| r.rule == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
}

#[test]
fn a_lowered_threshold_moves_exactly_the_customers_between_old_and_new() {
    let _one = serial();
    let base = Engine::new(&PackSource::bundled()).expect("bundled");
    let draft = Engine::new(&pack_with(&[("large_cash_cny", serde_json::json!(30000))], &[], &[])).expect("draft");
    let b = backtest(&base, &draft, &sample(), &options()).expect("backtest");
    assert_eq!((b.customers, b.compared), (5, 5));
    assert_eq!((b.refused.base, b.refused.draft), (0, 0));
    assert_eq!((b.out_of_time.base, b.out_of_time.draft), (0, 0));
    let ids: Vec<&str> = b.changed_customers.iter().map(|c| c.customer.as_str()).collect();
    assert_eq!(ids, ["mid1", "mid2"], "{:#?}", b.changed_customers);
    assert_eq!(b.changed, 2);
    for c in &b.changed_customers {
        assert_eq!(c.base.top, None, "{c:?}");
        assert_eq!(c.draft.top.as_deref(), Some("wm.product"), "{c:?}");
        assert_eq!(c.name, format!("客户{}", c.customer));
    }
    assert_eq!(b.changed_top, 2);
    // The large-cash signal and its pitch now fire for the two in between.
    let wm = b
        .products
        .iter()
        .find(|p| p.product == "wm.product")
        .expect("wm.product");
    assert_eq!((wm.top_before + 2, wm.before + 2), (wm.top_after, wm.after), "{wm:?}");
    assert_eq!(rule(&b.rules.draft, "hv_large_cash").fired, 3);
    assert_eq!(rule(&b.rules.base, "hv_large_cash").fired, 1);
    assert_eq!(rule(&b.rules.draft, "xs_large_cash_wealth").fired, 3);
    let before: usize = b.routes.iter().map(|r| r.before).sum();
    let after: usize = b.routes.iter().map(|r| r.after).sum();
    assert_eq!((before, after), (5, 5));
}

#[test]
fn identical_packs_change_nothing() {
    let _one = serial();
    let base = Engine::new(&PackSource::bundled()).expect("bundled");
    let draft = Engine::new(&PackSource::bundled()).expect("bundled");
    let all = nextbest::samples::generate(20261124, 200);
    let customers: Vec<Customer> = all.iter().map(|v| Customer::from_value(v).expect("sample")).collect();
    let b = backtest(&base, &draft, &customers, &BacktestOptions::default()).expect("backtest");
    assert_eq!(b.customers, 200);
    assert_eq!(b.compared, 200);
    assert_eq!(
        (b.changed, b.changed_route, b.changed_top, b.changed_grade),
        (0, 0, 0, 0),
        "{:#?} {:#?}",
        b.changed_customers,
        b.rules
            .draft
            .iter()
            .filter(|r| r.errors + r.not_run > 0)
            .collect::<Vec<_>>()
    );
    assert!(b.changed_customers.is_empty());
    assert!(b
        .products
        .iter()
        .all(|p| p.before == p.after && p.top_before == p.top_after));
    assert!(b.routes.iter().all(|r| r.before == r.after));
    assert!(b.grades.iter().all(|g| g.before == g.after));
    assert_eq!(b.rules.base, b.rules.draft);
    assert_eq!(b.conflicts.base, b.conflicts.draft);
    // Without a clock the answer is the input's alone.
    assert_eq!(b.clock, "off");
    assert!(b.rules.draft.iter().all(|r| r.ms.is_none()));
    let again = backtest(&base, &draft, &customers, &BacktestOptions::default()).expect("backtest");
    assert_eq!(b, again);
}

fn rule_file(kind: &str, priority: i64, header: &str, body: &str) -> String {
    format!("//! kind: {kind}\n//! priority: {priority}\n//! zh: 测试\n//! en: test\n{header}{body}\n")
}

#[test]
fn a_seeded_pack_shows_each_of_its_problems() {
    let _one = serial();
    let never = rule_file(
        "cross_sell",
        50,
        "",
        "if c.aum > 1.0e15 { suggest(\"dep.deposit\", \"甲\", \"a\") }",
    );
    // Risk 4: above every sampled customer's rating (C2, C3).
    let held = rule_file("cross_sell", 50, "", "suggest(\"sec.bank_link\", \"乙\", \"b\")");
    let to_vip = rule_file(
        "route",
        999_000,
        "",
        "route(\"vip_area\", \"去贵宾区\", \"To the VIP area\")",
    );
    let to_self = rule_file(
        "route",
        998_000,
        "",
        "route(\"self_service\", \"去自助区\", \"To self-service\")",
    );
    let pitch_a = rule_file("cross_sell", 777, "", "suggest(\"card.gold\", \"丙\", \"c\")");
    let pitch_b = rule_file("cross_sell", 777, "", "suggest(\"dep.proof\", \"丁\", \"d\")");
    let by_age = rule_file(
        "cross_sell",
        40,
        "",
        "if c.age != () && c.age > 200 { suggest(\"dep.deposit\", \"戊\", \"e\") }",
    );
    let justified = rule_file(
        "cross_sell",
        40,
        "//! justification: 养老产品只面向退休年龄客户 Retirement products only suit retirement age\n",
        "if c.age != () && c.age > 200 { suggest(\"dep.deposit\", \"己\", \"f\") }",
    );
    let draft_pack = pack_with(
        &[],
        &[
            ("zz_never.rhai", &never),
            ("zz_held.rhai", &held),
            ("zz_route_vip.rhai", &to_vip),
            ("zz_route_self.rhai", &to_self),
            ("zz_pitch_a.rhai", &pitch_a),
            ("zz_pitch_b.rhai", &pitch_b),
            ("zz_age.rhai", &by_age),
            ("zz_age_ok.rhai", &justified),
        ],
        &[("protected_attributes", serde_json::json!(["age", "gender"]))],
    );
    let base = Engine::new(&PackSource::bundled()).expect("bundled");
    let draft = Engine::new(&draft_pack).expect("draft");
    let b = backtest(&base, &draft, &sample(), &options()).expect("backtest");

    let never = rule(&b.rules.draft, "zz_never");
    assert!(never.never_fired && !never.all_suppressed, "{never:?}");
    assert_eq!(never.not_fired, 5);

    let held = rule(&b.rules.draft, "zz_held");
    assert!(held.all_suppressed && !held.never_fired, "{held:?}");
    assert_eq!((held.fired, held.shown, held.suppressed), (5, 0, 5));
    assert_eq!(held.substituted, 4, "{held:?}");
    assert_eq!(held.suppressed_by.get("suitability"), Some(&5), "{held:?}");
    assert!(!rule(&b.rules.draft, "zz_pitch_a").all_suppressed);

    // The two routes collide on every customer; the higher priority wins.
    let c = b
        .conflicts
        .draft
        .routes
        .iter()
        .find(|c| c.rules == ["zz_route_self", "zz_route_vip"])
        .expect("route conflict");
    assert_eq!(c.count, 5, "{c:?}");
    assert_eq!(c.won.get("zz_route_vip"), Some(&5), "{c:?}");
    assert_eq!(c.examples.len(), 5);
    assert_eq!(c.examples[0].destinations, ["self_service", "vip_area"]);
    assert_eq!(c.examples[0].route, "vip_area");
    assert!(b.conflicts.base.routes.iter().all(|c| !c.rules[0].starts_with("zz_")));
    assert_eq!(b.changed_route, 5);

    let p = b
        .conflicts
        .draft
        .pitches
        .iter()
        .find(|p| p.rules == ["zz_pitch_a", "zz_pitch_b"])
        .expect("pitch conflict");
    assert_eq!((p.priority, p.count), (777, 5));
    assert_eq!(p.examples[0].products, ["card.gold", "dep.proof"]);

    // Reading c.age without a justification is named with its position; the justified rule is not.
    let reads: Vec<_> = b.unjustified_reads().collect();
    let age = reads.iter().find(|p| p.rule == "zz_age").expect("zz_age flagged");
    assert_eq!((age.line, age.column), (5, 6), "{age:?}");
    assert!(age.message.contains("c.age"), "{age:?}");
    assert!(reads.iter().all(|p| p.rule != "zz_age_ok"), "{reads:#?}");

    // Fairness by age band and by a field the contract does not name.
    let age = b.fairness.iter().find(|f| f.attribute == "age").expect("age");
    let groups: Vec<(&str, usize)> = age.groups.iter().map(|g| (g.group.as_str(), g.customers)).collect();
    assert_eq!(groups, [("<30", 1), ("30–44", 2), ("45–59", 1), ("60+", 1)]);
    let gender = b.fairness.iter().find(|f| f.attribute == "gender").expect("gender");
    assert_eq!(gender.groups.len(), 1);
    assert_eq!(
        (gender.groups[0].group.as_str(), gender.groups[0].customers),
        ("unknown", 5)
    );
}

#[test]
fn fairness_flags_a_group_that_moves_against_the_sample() {
    let _one = serial();
    // The draft sends customers of 60 and over to the customer manager.
    let senior = rule_file(
        "route",
        999_000,
        "//! justification: 测试 a test\n",
        "if c.age != () && c.age >= 60 { route(\"relationship_manager\", \"客户经理\", \"Customer manager\") }",
    );
    let base = Engine::new(&pack_with(
        &[],
        &[],
        &[("protected_attributes", serde_json::json!(["age"]))],
    ))
    .expect("base");
    let draft = Engine::new(&pack_with(
        &[],
        &[("zz_senior.rhai", &senior)],
        &[("protected_attributes", serde_json::json!(["age"]))],
    ))
    .expect("draft");
    let b = backtest(&base, &draft, &sample(), &options()).expect("backtest");
    let age = &b.fairness[0];
    let old = age.groups.iter().find(|g| g.group == "60+").expect("60+");
    assert_eq!((old.to_manager.before, old.to_manager.after), (0.0, 100.0), "{old:?}");
    assert!(old.flagged);
    assert!(
        age.groups.iter().filter(|g| g.group != "60+").all(|g| !g.flagged),
        "{age:#?}"
    );
    assert_eq!(age.all.to_manager.change, 20.0);
}

#[test]
fn protected_attributes_are_checked() {
    let _one = serial();
    for (bad, why) in [
        (serde_json::json!(["Age"]), "field name"),
        (serde_json::json!(["age", "age"]), "twice"),
        (serde_json::json!(["transactions"]), "not an attribute"),
    ] {
        let e = Engine::new(&pack_with(&[], &[], &[("protected_attributes", bad.clone())]))
            .err()
            .unwrap_or_else(|| panic!("{bad} accepted"));
        assert!(
            e.to_string().contains("protected_attributes[") && e.to_string().contains(why),
            "{e}"
        );
    }
}

#[test]
fn an_unknown_channel_is_an_error_and_a_refused_customer_is_counted() {
    let _one = serial();
    let base = Engine::new(&PackSource::bundled()).expect("bundled");
    let o = BacktestOptions {
        channel: "nobody".into(),
        ..options()
    };
    assert!(backtest(&base, &base, &sample(), &o).is_err());
    // Without a time, a customer with no visit is refused by both, not fatal.
    let lost = customer(serde_json::json!({"id": "novisit"}));
    let b = backtest(
        &base,
        &base,
        &[lost, withdrew("x", 1000, 30)],
        &BacktestOptions::default(),
    )
    .expect("backtest");
    assert_eq!((b.customers, b.compared, b.refused.base, b.refused.draft), (2, 1, 1, 1));
    assert_eq!(b.refusals.base[0].customer, "novisit");
}

#[test]
fn json_lines_errors_name_the_line_and_field() {
    let _one = serial();
    let text = "{\"id\": \"a\"}\n\n{\"id\": \"b\", \"age\": \"old\"}\n";
    let e = read_jsonl_with(text, &Default::default()).expect_err("bad age");
    assert!(e.to_string().starts_with("line 3: age"), "{e}");
}

mod cli {
    use super::*;
    use std::process::Command;

    fn dir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("nextbest-backtest-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    }

    fn write_pack(at: &std::path::Path, pack: &PackSource) {
        for (name, text) in &pack.files {
            let path = at.join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
            std::fs::write(path, text).expect("write");
        }
    }

    #[test]
    fn the_cli_json_equals_the_library_and_the_changed_file_has_both_outputs() {
        let _one = serial();
        let root = dir("cli");
        let draft_pack = pack_with(&[("large_cash_cny", serde_json::json!(30000))], &[], &[]);
        write_pack(&root.join("draft"), &draft_pack);
        let jsonl = nextbest::samples::jsonl(7, 300);
        std::fs::write(root.join("customers.jsonl"), &jsonl).expect("write");
        let out = root.join("changed.jsonl");
        let run = Command::new(env!("CARGO_BIN_EXE_nextbest"))
            .args(["backtest", "--draft"])
            .arg(root.join("draft"))
            .arg(root.join("customers.jsonl"))
            .args(["--now", "2026-11-27T18:00:00+08:00", "--json", "--no-timing", "--out"])
            .arg(&out)
            .output()
            .expect("runs");
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let cli: serde_json::Value = serde_json::from_slice(&run.stdout).expect("json");

        let base = Engine::new(&PackSource::bundled()).expect("bundled");
        let draft = Engine::new(&draft_pack).expect("draft");
        let customers = nextbest::backtest::read_customers_jsonl(&jsonl, &base, &draft).expect("customers");
        let o = BacktestOptions {
            now: Some(Stamp::parse("2026-11-27T18:00:00+08:00").expect("time").unix),
            ..BacktestOptions::default()
        };
        let lib = serde_json::to_value(backtest(&base, &draft, &customers, &o).expect("backtest")).expect("json");
        assert_eq!(cli, lib);
        assert!(cli["changed"].as_u64().expect("changed") > 0, "{}", cli["changed"]);

        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&out)
            .expect("changed file")
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect();
        assert_eq!(lines.len() as u64, cli["changed"].as_u64().expect("changed"));
        assert_eq!(lines[0]["customer"], lines[0]["base_output"]["customer"]);
        assert!(lines[0]["draft_output"]["trace"].is_array());

        // The readable summary, in both languages.
        let run = Command::new(env!("CARGO_BIN_EXE_nextbest"))
            .args(["backtest", "--draft"])
            .arg(root.join("draft"))
            .arg(root.join("customers.jsonl"))
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        for want in [
            "首推变化 changed top pitch",
            "分流去向 Routes",
            "冲突 Conflicts",
            "公平性 Fairness",
        ] {
            assert!(text.contains(want), "{want} missing from\n{text}");
        }

        // A bad line is bad input naming the file, line and field.
        std::fs::write(root.join("bad.jsonl"), "{\"id\": \"a\"}\n{\"id\": 5}\n").expect("write");
        let run = Command::new(env!("CARGO_BIN_EXE_nextbest"))
            .args(["backtest", "--draft"])
            .arg(root.join("draft"))
            .arg(root.join("bad.jsonl"))
            .output()
            .expect("runs");
        assert_eq!(run.status.code(), Some(2));
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains("bad.jsonl: line 2: id"), "{err}");
        let _ = std::fs::remove_dir_all(&root);
    }
}

/// Every parameter of the bundled pack changed in turn (a number scaled, a
/// list cut), and the pack's rules edited in each stage: the backtest that
/// lets the draft take the published pack's result of the rules that cannot
/// differ gives exactly what running every rule twice gives, counts, changed
/// customers, per-rule costs and conflicts alike. Were a rule taken that
/// read a changed parameter, or one after a stage that changed, the counts
/// would differ.
#[test]
fn taking_unchanged_rules_from_the_published_run_changes_nothing() {
    let _one = serial();
    let customers = read_jsonl_with(&nextbest::samples::jsonl(7, 50), &Default::default()).expect("customers");
    let manifest: serde_json::Value =
        serde_json::from_str(&PackSource::bundled().files["pack.json"]).expect("pack.json");
    let mut drafts: Vec<(String, PackSource)> = Vec::new();
    for (k, v) in manifest["params"].as_object().expect("params") {
        let changed = match v {
            serde_json::Value::Number(n) => serde_json::json!((n.as_f64().expect("number") * 0.6).round()),
            serde_json::Value::Array(a) => serde_json::json!(a.iter().skip(1).collect::<Vec<_>>()),
            other => panic!("add a change for parameter {k}: {other}"),
        };
        drafts.push((format!("params.{k}"), pack_with(&[(k.as_str(), changed)], &[], &[])));
    }
    // A rule edited in the signal, screen and grade stages, and one added.
    for (file, from, to) in [
        ("hv_profile.rhai", "p.vip_aum_cny", "p.vip_aum_cny / 2"),
        ("screen_can_pay.rhai", "p.grade_funds_cny", "p.grade_funds_cny * 3"),
        ("grade_prospect.rhai", "\"A\"", "\"B\""),
    ] {
        let mut pack = PackSource::bundled();
        let text = pack.files[file].replacen(from, to, 1);
        assert_ne!(text, pack.files[file], "{file} has no {from}");
        pack.files.insert(file.into(), text);
        drafts.push((format!("{file} edited"), pack));
    }
    drafts.push((
        "policy.max_pitches".into(),
        pack_with(
            &[],
            &[],
            &[("policy", {
                let mut p = manifest["policy"].clone();
                p["max_pitches"]["lobby"] = serde_json::json!(1);
                p
            })],
        ),
    ));
    // A rule whose pitch shows a parameter: the same operations either way,
    // another output, which policy then holds back for its wording (the rule
    // is in both packs, so they differ in the parameter only).
    let shows = rule_file(
        "cross_sell",
        99,
        "",
        "suggest(\"dep.deposit\", `存款${p.zz_word}`, `deposit ${p.zz_word}`)",
    );
    let shown_base = pack_with(
        &[("zz_word", serde_json::json!("灵活"))],
        &[("zz_shows.rhai", shows.as_str())],
        &[],
    );
    let shown_draft = pack_with(
        &[("zz_word", serde_json::json!("保本"))],
        &[("zz_shows.rhai", shows.as_str())],
        &[],
    );
    let mut pairs: Vec<(String, Engine, PackSource)> = drafts
        .into_iter()
        .map(|(what, draft)| (what, Engine::new(&PackSource::bundled()).expect("bundled"), draft))
        .collect();
    pairs.push((
        "a parameter shown in a pitch".into(),
        Engine::new(&shown_base).expect("base"),
        shown_draft,
    ));
    // A parameter the pack in force lacks, which the draft adds: read under
    // `try`, and by a name rhai gives every value (`tag`).
    for (name, body) in [
        ("zz_floor", "let floor = 500000; try { floor = p.zz_floor; } catch { } if c.aum >= floor { suggest(\"dep.deposit\", \"甲\", \"a\") }"),
        ("tag", "let floor = 500000; try { floor = p.tag; } catch { } if c.aum >= floor { suggest(\"dep.deposit\", \"甲\", \"a\") }"),
    ] {
        let rule = rule_file("cross_sell", 99, "", body);
        let base = pack_with(&[], &[("zz_added.rhai", rule.as_str())], &[]);
        let draft = pack_with(&[(name, serde_json::json!(100))], &[("zz_added.rhai", rule.as_str())], &[]);
        pairs.push((format!("a parameter added: p.{name}"), Engine::new(&base).expect("base"), draft));
    }
    let mut reused_somewhere = false;
    for (what, base, draft) in &pairs {
        let draft = Engine::new(draft).expect(what);
        let o = BacktestOptions {
            now: Some(Stamp::parse("2026-11-27T18:00:00+08:00").expect("time").unix),
            ..BacktestOptions::default()
        };
        let mut acc = nextbest::backtest::Accumulator::new(base, &draft, o.clone()).expect("accumulator");
        acc.add(base, &draft, &customers, &mut |_, _, _| {});
        reused_somewhere |= acc.reused() > 0;
        let taken = acc.finish(base, &draft);
        let full = backtest(base, &draft, &customers, &BacktestOptions { reuse: false, ..o }).expect("backtest");
        assert_eq!(taken.compared, customers.len(), "{what}: {:?}", taken.refusals);
        if what.starts_with("a parameter shown") || what.starts_with("a parameter added") {
            assert!(taken.changed_top > 0, "{what}: the change moves the top pitch");
        }
        if taken != full {
            // The first line that differs, not two whole backtests.
            let (a, b) = (
                serde_json::to_string_pretty(&taken).expect("json"),
                serde_json::to_string_pretty(&full).expect("json"),
            );
            let (n, (x, y)) = a
                .lines()
                .zip(b.lines())
                .enumerate()
                .find(|(_, (x, y))| x != y)
                .unwrap_or((0, ("", "")));
            panic!("{what}: taking unchanged rules differs from running them all at line {n}: {x} (taken) vs {y} (all run)");
        }
    }
    assert!(reused_somewhere, "no draft took any rule from the published run");
}

/// The page splits a backtest between two workers and adds the second's
/// part to the first's: at any split the result is the one-piece backtest,
/// changed customers (capped) and conflict examples in sample order included.
#[test]
fn two_parts_merged_are_the_whole() {
    let _one = serial();
    let mut customers = read_jsonl_with(&nextbest::samples::jsonl(11, 160), &Default::default()).expect("customers");
    customers.insert(40, customer(serde_json::json!({"id": "novisit"})));
    let base = Engine::new(&PackSource::bundled()).expect("bundled");
    // The draft: two thresholds changed (`cash` for the large-cash one).
    let draft_with = |cash: u64| {
        Engine::new(&pack_with(
            &[
                ("large_cash_cny", serde_json::json!(cash)),
                ("vip_aum_cny", serde_json::json!(100000)),
            ],
            &[],
            &[],
        ))
        .expect("draft")
    };
    let draft = draft_with(20000);
    let o = BacktestOptions {
        max_changed: 7,
        timing: true,
        ..BacktestOptions::default()
    };
    let whole = {
        let mut acc = nextbest::backtest::Accumulator::new(&base, &draft, o.clone()).expect("accumulator");
        acc.add(&base, &draft, &customers, &mut |_, _, _| {});
        acc
    };
    let whole_out = whole.finish(&base, &draft);
    assert!(
        whole_out.changed > 7 && whole_out.refused.base == 1,
        "{} {:?}",
        whole_out.changed,
        whole_out.refused
    );
    for split in [0, 1, 41, 100, customers.len()] {
        let mut first = nextbest::backtest::Accumulator::new(&base, &draft, o.clone()).expect("accumulator");
        let mut second = nextbest::backtest::Accumulator::new(&base, &draft, o.clone()).expect("accumulator");
        first.add(&base, &draft, &customers[..split], &mut |_, _, _| {});
        second.add(&base, &draft, &customers[split..], &mut |_, _, _| {});
        first.merge(&second.part()).expect("merge");
        let mut merged = first.finish(&base, &draft);
        // Wall time differs from run to run; everything else must not.
        let mut whole_out = whole_out.clone();
        for side in [
            &mut merged.rules.base,
            &mut merged.rules.draft,
            &mut whole_out.rules.base,
            &mut whole_out.rules.draft,
        ] {
            for r in side.iter_mut() {
                assert!(r.ms.is_some(), "{}: timed", r.rule);
                r.ms = None;
                r.near_budget = false;
            }
        }
        assert_eq!(merged, whole_out, "split at {split}");
    }
    let other = Engine::new(&pack_with(
        &[],
        &[("zz.rhai", &rule_file("route", 1, "", "false"))],
        &[],
    ))
    .expect("other");
    let mut foreign = nextbest::backtest::Accumulator::new(&base, &other, o.clone()).expect("accumulator");
    foreign.add(&base, &other, &customers[..3], &mut |_, _, _| {});
    let mut mine = nextbest::backtest::Accumulator::new(&base, &draft, o.clone()).expect("accumulator");
    assert!(mine.merge(&foreign.part()).is_err(), "a part of other packs is refused");
    // The same rules with another parameter, or other options: refused too.
    let near = draft_with(20001);
    let near = nextbest::backtest::Accumulator::new(&base, &near, o.clone()).expect("accumulator");
    assert!(
        mine.merge(&near.part()).is_err(),
        "a part of a draft with another parameter is refused"
    );
    let capped = nextbest::backtest::Accumulator::new(&base, &draft, BacktestOptions { max_changed: 8, ..o })
        .expect("accumulator");
    assert!(
        mine.merge(&capped.part()).is_err(),
        "a part with other options is refused"
    );
}
