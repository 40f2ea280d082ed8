//! What the fuzz targets share: the bundled pack with budgets lowered for
//! speed, a few fixed customers, and the policy invariants every evaluation
//! must keep (a broken one is a crash, like a panic).

use nextbest::{Customer, Engine, Evaluation, Options, PackSource};

/// Budgets for fuzzing: a looping rule is stopped after fewer operations and
/// milliseconds than the bundled pack allows, so each input stays quick. The
/// bundled rules need far less (a few hundred operations at most).
pub const FAST_BUDGETS: &str = r#"{"operations_per_rule": 5000, "rule_ms": 20, "customer_ms": 100, "results_per_rule": 8, "text_chars": 300, "output_chars": 20000}"#;

/// `pack.json` text with [`FAST_BUDGETS`] in place of its own budgets; the
/// text unchanged when it is not a JSON object.
pub fn with_fast_budgets(pack_json: &str) -> String {
    let Ok(serde_json::Value::Object(mut m)) = serde_json::from_str::<serde_json::Value>(pack_json) else {
        return pack_json.to_owned();
    };
    let budgets: serde_json::Value = serde_json::from_str(FAST_BUDGETS).expect("FAST_BUDGETS is JSON");
    m.insert("budgets".to_owned(), budgets);
    serde_json::Value::Object(m).to_string()
}

/// The bundled pack with fast budgets.
pub fn bundled_fast() -> PackSource {
    let mut pack = PackSource::bundled();
    if let Some(text) = pack.files.get_mut("pack.json") {
        *text = with_fast_budgets(text);
    }
    pack
}

/// Fixed customers that between them reach most helpers: the sample with the
/// most transactions, a corporate sample, an unrated one without consent,
/// and a fixture customer with contact history.
pub fn fixed_customers() -> Vec<Customer> {
    let samples: Vec<serde_json::Value> =
        serde_json::from_str(nextbest::bundled_samples()).expect("bundled samples are a JSON array");
    let mut picked = Vec::new();
    let len = |v: &serde_json::Value, k: &str| v[k].as_array().map_or(0, Vec::len);
    if let Some(rich) = samples
        .iter()
        .max_by_key(|c| len(c, "transactions") + len(c, "holdings") + len(c, "contact_history"))
    {
        picked.push(rich.clone());
    }
    if let Some(corp) = samples.iter().find(|c| c["kind"] == "corporate") {
        picked.push(corp.clone());
    }
    if let Some(unrated) = samples
        .iter()
        .find(|c| c["risk_rating"].is_null() && c["consent"]["marketing"] != true)
    {
        picked.push(unrated.clone());
    }
    if let Some(contacted) = samples.iter().find(|c| len(c, "contact_history") > 0) {
        picked.push(contacted.clone());
    }
    picked
        .iter()
        .map(|v| Customer::from_value(v).expect("bundled samples are valid customers"))
        .collect()
}

/// Options for the i-th evaluation: channels and times vary.
pub fn options(i: usize) -> Options {
    const CHANNELS: [&str; 3] = ["teller", "lobby", "cm"];
    Options {
        // 2026-11-24T10:30:00+08:00, or the visit's own time.
        now: (i % 2 == 1).then_some(1_795_487_400),
        channel: CHANNELS[i % CHANNELS.len()].to_owned(),
        ..Options::default()
    }
}

/// Policy no rule can override, checked on every evaluation: no pitch
/// without marketing consent or during a complaint; nothing above the
/// customer's rating (unrated: above `unrated_max_risk`); no referral
/// without record consent; no forbidden phrase; at most the channel's
/// pitches. Also: the result serialises.
pub fn check_policy(engine: &Engine, customer: &Customer, options: &Options, out: &Evaluation) {
    let policy = &engine.manifest().policy;
    let marketing = customer.consent.marketing;
    let complaint = customer
        .visit
        .as_ref()
        .and_then(|v| v.purpose.as_deref())
        .is_some_and(|p| policy.no_pitch_purposes.iter().any(|x| x == p));
    assert!(
        out.suggestions.is_empty() || (marketing && !complaint),
        "pitched without marketing consent or during a complaint: {:?}",
        out.suggestions
    );
    let max_risk = customer.risk_rating.map_or(policy.unrated_max_risk, |r| r.0);
    let limit = policy.max_pitches.get(&options.channel).copied().unwrap_or(0);
    assert!(out.suggestions.len() <= limit, "more pitches than {limit}");
    for s in &out.suggestions {
        assert!(s.risk <= max_risk, "{} risk {} above {max_risk}", s.product, s.risk);
        assert!(
            s.to.is_none() || customer.consent.record,
            "referral without record consent"
        );
        let texts = [&s.pitch_zh, &s.pitch_en]
            .into_iter()
            .chain(s.reasons.iter().flat_map(|r| [&r.zh, &r.en]));
        for t in texts {
            for phrase in &policy.forbidden_phrases {
                assert!(!shows(t, phrase), "forbidden phrase {phrase:?} in {t:?}");
            }
        }
    }
    serde_json::to_string(out).expect("an evaluation serialises");
}

/// Whether `text` shows `phrase` as written. Where the phrase begins or ends
/// with a Latin letter or digit, only on a word boundary there: the wording
/// policy's own rule ("risk" is not in "risky", "71 and prefers safe" not in
/// "71 and prefers safety"; src/wording.rs `Matcher::bounded`).
pub fn shows(text: &str, phrase: &str) -> bool {
    let cjk = |c: char| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF);
    let latin = |c: char| c.is_alphanumeric() && !cjk(c);
    !phrase.is_empty()
        && text.match_indices(phrase).any(|(at, _)| {
            let glued_before = phrase.starts_with(latin) && text[..at].chars().next_back().is_some_and(latin);
            let glued_after = phrase.ends_with(latin) && text[at + phrase.len()..].chars().next().is_some_and(latin);
            !glued_before && !glued_after
        })
}

/// A rule that failed (to compile or on this customer) contributed nothing.
pub fn check_failed_rules_silent(out: &Evaluation) {
    for e in &out.errors {
        let r = e.rule.as_str();
        assert!(
            !out.suggestions.iter().any(|s| s.rules.iter().any(|x| x == r)),
            "failed rule {r} in suggestions"
        );
        assert!(
            !out.suppressed.iter().any(|s| s.rules.iter().any(|x| x == r)),
            "failed rule {r} in suppressed"
        );
        assert!(out.route.rule.as_deref() != Some(r), "failed rule {r} chose the route");
        assert!(
            !out.high_value.signals.iter().any(|s| s.rule == r),
            "failed rule {r} raised a signal"
        );
        assert!(!out.notes.iter().any(|n| n.rule == r), "failed rule {r} left a note");
    }
}

/// Evaluates `customer` with `options` and checks the invariants.
pub fn evaluate_checked(engine: &Engine, customer: &Customer, options: &Options) {
    if let Ok(out) = engine.evaluate_ref(customer, options) {
        check_policy(engine, customer, options, &out);
        check_failed_rules_silent(&out);
    }
}

/// Bytes as text: valid UTF-8 as is, anything else lossily (so every input reaches the parser).
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}
