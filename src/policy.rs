//! Policy after the rules ran: suitability, consent, complaints, contact
//! pacing, the channel's pitch limit, ranking and the route. This is Rust,
//! configured by the pack's `policy`, so no rule can talk its way past it.

use std::collections::BTreeMap;

use crate::eval::{Facts, Proposal, RouteProposal};
use crate::explain::{Grade, HoldReason, Note, Reason, Route, Signal, Suggestion, Suppressed};
use crate::pack::{Manifest, Product, RuleKind};
use crate::signals::Outcome;
use crate::wording::Wording;

/// One product proposal with the rule that made it.
#[derive(Debug, Clone)]
pub(crate) struct Proposed {
    pub rule: String,
    pub kind: RuleKind,
    pub priority: i64,
    pub proposal: Proposal,
}

/// Policy's verdict.
pub(crate) struct Decided {
    pub suggestions: Vec<Suggestion>,
    pub route: Route,
    pub suppressed: Vec<Suppressed>,
    pub unmet_needs: Vec<String>,
    pub notes: Vec<Note>,
    pub signals: Vec<Signal>,
    pub grade: Grade,
    /// Texts policy took out, as (rule, message) for the rule's author.
    pub withheld: Vec<(String, String)>,
}

/// What the rules said besides products, for policy to check.
pub(crate) struct Said {
    pub routes: Vec<(i64, String, RouteProposal)>,
    pub notes: Vec<Note>,
    pub signals: Vec<Signal>,
    pub grade: Grade,
}

/// Merges, holds back, ranks and limits the proposals, and picks the route.
pub(crate) fn decide(
    manifest: &Manifest,
    catalogue: &BTreeMap<String, Product>,
    wording: &Wording,
    facts: &Facts<'_>,
    mut proposals: Vec<Proposed>,
    said: Said,
) -> Decided {
    let customer = &facts.customer;
    let policy = &manifest.policy;
    let Said {
        mut routes,
        notes,
        mut signals,
        mut grade,
    } = said;
    let mut withheld = Vec::new();

    // Needs first: a need is unmet when no rule proposed anything that serves
    // it, whatever policy then does with the proposal.
    let unmet_needs = customer
        .stated_needs
        .iter()
        .filter(|need| {
            !proposals.iter().any(|p| {
                catalogue
                    .get(&p.proposal.product)
                    .is_some_and(|prod| prod.serves.iter().any(|s| s == *need))
            })
        })
        .cloned()
        .collect();

    // Best proposal of each product first, so merged fields come from it.
    proposals.sort_by(|a, b| {
        (a.proposal.product.cmp(&b.proposal.product))
            .then(b.priority.cmp(&a.priority))
            .then(a.rule.cmp(&b.rule))
    });
    let seg_weight = policy
        .segment_weight
        .get(customer.segment.as_str())
        .copied()
        .unwrap_or(1.0);
    let mut candidates: Vec<Suggestion> = Vec::new();
    for p in proposals {
        let Some(product) = catalogue.get(&p.proposal.product) else {
            continue; // suggest() refuses unknown products, so this cannot happen
        };
        match candidates.last_mut() {
            Some(s) if s.product == product.id => {
                if !s.rules.contains(&p.rule) {
                    s.rules.push(p.rule.clone());
                    s.score += policy.extra_reason_bonus;
                }
                s.score += p.proposal.boost;
                s.reasons.push(Reason {
                    rule: p.rule,
                    zh: p.proposal.reason_zh,
                    en: p.proposal.reason_en,
                });
                if s.to.is_none() {
                    s.to = p.proposal.to;
                }
            }
            _ => {
                let (pitch_zh, pitch_en) = p
                    .proposal
                    .pitch
                    .clone()
                    .unwrap_or_else(|| (product.pitch_zh.clone(), product.pitch_en.clone()));
                candidates.push(Suggestion {
                    product: product.id.clone(),
                    product_zh: product.zh.clone(),
                    product_en: product.en.clone(),
                    kind: p.kind,
                    rules: vec![p.rule.clone()],
                    pitch_zh,
                    pitch_en,
                    reasons: vec![Reason {
                        rule: p.rule,
                        zh: p.proposal.reason_zh,
                        en: p.proposal.reason_en,
                    }],
                    score: p.priority as f64 * seg_weight + product.value + p.proposal.boost,
                    risk: product.risk,
                    to: p.proposal.to,
                    simple: product.simple,
                    disclosure: None,
                    substitute_for: None,
                });
            }
        }
    }

    let mut suppressed = Vec::new();
    let mut kept = Vec::new();
    let mut unmet_needs: Vec<String> = unmet_needs;
    let proposed: Vec<String> = candidates.iter().map(|s| s.product.clone()).collect();
    let mut substituted: Vec<String> = Vec::new();
    let mut unsubstituted: Vec<String> = Vec::new();
    for s in candidates {
        match hold_reason(manifest, wording, catalogue, facts, &s) {
            Some((reason, zh, en)) => {
                // R14: what suitability holds back is replaced by the best
                // suitable substitute the catalogue names, said as such; with
                // none, the need is logged for the branch head to report.
                if reason == HoldReason::Suitability {
                    match substitute(manifest, wording, catalogue, facts, &s, &proposed, &substituted) {
                        Some(sub) => {
                            substituted.push(sub.product.clone());
                            kept.push(sub);
                        }
                        None => unsubstituted.push(s.product.clone()),
                    }
                }
                suppressed.push(Suppressed {
                    product: s.product,
                    rules: s.rules,
                    reason,
                    zh,
                    en,
                })
            }
            None => kept.push(s),
        }
    }
    // A held product with no substitute leaves the stated needs it serves
    // unmet, unless something offered serves them or is one of its
    // substitutes (a rule proposed it already). A product proposed without a
    // stated need is no need of the customer's: nothing is logged.
    let serves = |id: &str, need: &str| catalogue.get(id).is_some_and(|p| p.serves.iter().any(|n| n == need));
    for held in unsubstituted {
        let Some(product) = catalogue.get(&held) else { continue };
        if kept.iter().any(|k| product.substitutes.contains(&k.product)) {
            continue;
        }
        for need in product.serves.iter().filter(|n| customer.stated_needs.contains(n)) {
            if !kept.iter().any(|k| serves(&k.product, need)) && !unmet_needs.contains(need) {
                unmet_needs.push(need.clone());
            }
        }
    }
    // Every pitch of a risky product carries the disclosure: policy adds it.
    if let Some(d) = &policy.risk_disclosure {
        for s in &mut kept {
            if s.risk >= d.min_risk {
                s.disclosure = Some(crate::explain::Disclosure {
                    zh: d.zh.clone(),
                    en: d.en.clone(),
                });
            }
        }
    }
    kept.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.product.cmp(&b.product)));

    let limit = policy.max_pitches.get(facts.channel.as_ref()).copied().unwrap_or(0);
    // Pitches this channel already made during this visit: a phone call
    // nobody answered is not one, nor is anything before the customer came in.
    let visit_start = customer
        .visit
        .as_ref()
        .and_then(|v| v.at.as_ref())
        .map_or(i64::MIN, |s| s.unix);
    let already = customer
        .contact_history
        .iter()
        .filter(|c| {
            c.by.as_deref() == Some(facts.channel.as_ref())
                && c.outcome != Outcome::NoAnswer
                && c.at.day() == facts.today
                && (visit_start..=facts.now).contains(&c.at.unix)
        })
        .count();
    let room = limit.saturating_sub(already);
    if kept.len() > room {
        for s in kept.split_off(room) {
            suppressed.push(Suppressed {
                product: s.product,
                rules: s.rules,
                reason: HoldReason::PitchLimit,
                zh: format!("本次接待（{}）推介已达上限 {limit} 条", facts.channel),
                en: format!("This visit's pitch limit for {} ({limit}) is reached", facts.channel),
            });
        }
    }

    // Every other text staff read is held to the same wording policy, and
    // without marketing consent may not name a product for sale: a note or
    // a reason must not carry the pitch that consent withholds.
    let consent = customer.consent.marketing;
    let mut check = |rule: &str, what: &str, texts: &[&str]| -> bool {
        if let Some(phrase) = wording.forbidden(texts) {
            withheld.push((
                rule.to_owned(),
                format!("its {what} uses the forbidden phrase {phrase:?} (policy.forbidden_phrases), so policy withheld the text"),
            ));
            return false;
        }
        for product in wording.products_named(texts) {
            // A text that names a product pitches it: it is held to the same
            // policy as a suggestion of that product would be.
            let why = if consent {
                named_product_hold(manifest, wording, catalogue, facts, product)
            } else {
                Some(HoldReason::Consent)
            };
            if let Some(reason) = why {
                withheld.push((
                    rule.to_owned(),
                    format!(
                        "its {what} names the product {product}, which policy holds back for this customer ({}), so policy withheld the text",
                        reason.as_str()
                    ),
                ));
                return false;
            }
        }
        true
    };
    let notes: Vec<Note> = notes
        .into_iter()
        .filter(|n| check(&n.rule, "note", &[&n.zh, &n.en]))
        .collect();
    for s in &mut signals {
        if !check(&s.rule, "high-value signal text", &[&s.zh, &s.en]) {
            // A fixed neutral text: staff never see ids, and no other text
            // of the rule's (its header included) has been through policy.
            s.zh = "高价值客户（说明文字已按合规要求隐去）".to_owned();
            s.en = "High-value customer (wording withheld by policy)".to_owned();
        }
    }

    // The grade and the tests are staff text too: a failing one is replaced
    // by what the pack says the grade or the test means.
    if let Some(rule) = grade.rule.clone() {
        if !check(&rule, "grade text", &[&grade.zh, &grade.en]) {
            grade.zh = grade.grade_zh.clone();
            grade.en = grade.grade_en.clone();
        }
    }
    for t in &mut grade.tests {
        if !check(&t.rule, "screening test text", &[&t.zh, &t.en]) {
            let label = manifest.grading.tests.get(&t.test);
            t.zh = label.map_or_else(String::new, |l| l.zh.clone());
            t.en = label.map_or_else(String::new, |l| l.en.clone());
        }
    }

    routes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let route = match routes.into_iter().next() {
        Some((_, rule, r)) => {
            // A second step whose words fail policy is dropped; the first stands.
            let then = r
                .then
                .clone()
                .filter(|(zh, en)| check(&rule, "route's second step", &[zh, en]));
            // The customer is still routed; only the words are replaced.
            let (zh, en) = if check(&rule, "route reason", &[&r.reason_zh, &r.reason_en]) {
                (r.reason_zh, r.reason_en)
            } else {
                let d = manifest.destinations.get(&r.destination);
                (
                    format!("请引导至{}", d.map_or(r.destination.as_str(), |d| d.zh.as_str())),
                    format!(
                        "Please take the customer to: {}",
                        d.map_or(r.destination.as_str(), |d| d.en.as_str())
                    ),
                )
            };
            let mut route = make_route(manifest, &r.destination, zh, en, Some(rule));
            if let Some((zh, en)) = then {
                route.then_zh = Some(zh);
                route.then_en = Some(en);
            }
            route
        }
        None => {
            let d = &manifest.default_route;
            make_route(manifest, &d.destination, d.zh.clone(), d.en.clone(), None)
        }
    };

    Decided {
        suggestions: kept,
        route,
        suppressed,
        unmet_needs,
        notes,
        signals,
        grade,
        withheld,
    }
}

/// The first of `held`'s substitutes that policy lets through for this
/// customer and that no rule proposed already: the held product's rules,
/// reasons and score, the substitute's own pitch, and a reason saying why.
fn substitute(
    manifest: &Manifest,
    wording: &Wording,
    catalogue: &BTreeMap<String, Product>,
    facts: &Facts<'_>,
    held: &Suggestion,
    proposed: &[String],
    substituted: &[String],
) -> Option<Suggestion> {
    let original = catalogue.get(&held.product)?;
    let (why_zh, why_en) = match facts.customer.risk_rating {
        Some(r) => (
            format!("超出客户风险承受能力（C{}）", r.0),
            format!("held back for the customer's rating (C{})", r.0),
        ),
        None => (
            "客户未做风险评估".to_owned(),
            "held back: the customer is not risk-rated".to_owned(),
        ),
    };
    original.substitutes.iter().find_map(|id| {
        // Not one a rule proposed already (it stands on its own), not one
        // offered for another held product, not one the customer holds, and
        // one the customer's money reaches (a large CD from CNY 200,000).
        if proposed.contains(id) || substituted.contains(id) || facts.holds(id) {
            return None;
        }
        let p = catalogue.get(id)?;
        if p.min_cny > facts.funds_seen() {
            return None;
        }
        // Only policy's own reason: the rule's reasons argue for the held
        // product, and may name it.
        let reasons = vec![Reason {
            rule: held.rules.first().cloned().unwrap_or_default(),
            zh: format!("{}（R{}）{why_zh}，改推{}", original.zh, original.risk, p.zh),
            en: format!(
                "{} (R{}) {why_en}; offered instead: {}",
                original.en, original.risk, p.en
            ),
        }];
        let s = Suggestion {
            kind: held.kind,
            rules: held.rules.clone(),
            pitch_zh: p.pitch_zh.clone(),
            pitch_en: p.pitch_en.clone(),
            reasons,
            score: held.score - original.value + p.value,
            // A simple substitute is completed where the customer is; a
            // complex one goes where the held referral would have.
            to: if p.simple { None } else { held.to.clone() },
            substitute_for: Some(held.product.clone()),
            ..bare(p)
        };
        hold_reason(manifest, wording, catalogue, facts, &s)
            .is_none()
            .then_some(s)
    })
}

/// A suggestion of `p` with its catalogue fields and nothing else: the
/// start every suggestion policy builds itself is made from.
fn bare(p: &Product) -> Suggestion {
    Suggestion {
        product: p.id.clone(),
        product_zh: p.zh.clone(),
        product_en: p.en.clone(),
        kind: RuleKind::CrossSell,
        rules: Vec::new(),
        pitch_zh: String::new(),
        pitch_en: String::new(),
        reasons: Vec::new(),
        score: 0.0,
        risk: p.risk,
        to: None,
        simple: p.simple,
        disclosure: None,
        substitute_for: None,
    }
}

/// Why policy would hold back a pitch of `product` for this customer, if it would.
fn named_product_hold(
    manifest: &Manifest,
    wording: &Wording,
    catalogue: &BTreeMap<String, Product>,
    facts: &Facts<'_>,
    product: &str,
) -> Option<HoldReason> {
    let p = catalogue.get(product)?;
    let s = bare(p);
    // Pacing is left out: a text about a product the customer has just
    // answered ("accepted: to the low counter", R9's leaflet after a
    // decline) follows that answer up, it does not pitch again.
    hold_reason(manifest, wording, catalogue, facts, &s)
        .map(|(reason, ..)| reason)
        .filter(|r| *r != HoldReason::Pacing)
}

fn make_route(manifest: &Manifest, dest: &str, reason_zh: String, reason_en: String, rule: Option<String>) -> Route {
    let (zh, en) = manifest
        .destinations
        .get(dest)
        .map_or((dest.to_owned(), dest.to_owned()), |d| (d.zh.clone(), d.en.clone()));
    Route {
        destination: dest.to_owned(),
        destination_zh: zh,
        destination_en: en,
        reason_zh,
        reason_en,
        then_zh: None,
        then_en: None,
        rule,
    }
}

/// The first reason policy holds this suggestion back, in the order a
/// compliance officer would ask: complaint, consent, suitability, pacing.
fn hold_reason(
    manifest: &Manifest,
    wording: &Wording,
    catalogue: &BTreeMap<String, Product>,
    facts: &Facts<'_>,
    s: &Suggestion,
) -> Option<(HoldReason, String, String)> {
    let c = &facts.customer;
    let policy = &manifest.policy;
    if let Some(purpose) = c.visit.as_ref().and_then(|v| v.purpose.as_deref()) {
        if policy.no_pitch_purposes.iter().any(|p| p == purpose) {
            return Some((
                HoldReason::Complaint,
                "客户本次来访为投诉，不做营销".into(),
                "The visit is a complaint: no pitch".into(),
            ));
        }
    }
    if !c.consent.marketing {
        return Some((
            HoldReason::Consent,
            "客户未同意营销，只做服务引导".into(),
            "No marketing consent: service routing only".into(),
        ));
    }
    match c.risk_rating {
        Some(rating) if s.risk > rating.0 => {
            return Some((
                HoldReason::Suitability,
                format!("产品风险等级 R{} 高于客户风险评级 C{}", s.risk, rating.0),
                format!("Product risk R{} is above the customer's rating C{}", s.risk, rating.0),
            ))
        }
        None if s.risk > policy.unrated_max_risk => {
            return Some((
                HoldReason::Suitability,
                format!("客户未做风险评估，不推介风险等级 R{} 的产品", s.risk),
                format!("Customer not risk-rated: no R{} product", s.risk),
            ))
        }
        _ => {}
    }
    if s.to.is_some() && !c.consent.record {
        return Some((
            HoldReason::RecordConsent,
            "转介需客户同意，客户未同意，不转介、不记录".into(),
            "A referral hands the customer on, which needs record consent: not given".into(),
        ));
    }
    let mut texts: Vec<&str> = vec![&s.pitch_zh, &s.pitch_en];
    texts.extend(s.reasons.iter().flat_map(|r| [r.zh.as_str(), r.en.as_str()]));
    if let Some(phrase) = wording.forbidden(&texts) {
        return Some((
            HoldReason::Wording,
            format!("话术含禁用语「{phrase}」，不得承诺"),
            format!("The wording uses the forbidden phrase {phrase:?}: no promises"),
        ));
    }
    // The pitch and reasons may name other products than the one proposed:
    // each is held to the policy a pitch of it would be.
    // A substitute's one reason is policy's own, naming the product it
    // replaces to say why that one is not offered: not a pitch of it. Its
    // pitch is still checked.
    let named: &[&str] = if s.substitute_for.is_some() {
        &texts[..2]
    } else {
        &texts
    };
    for other in wording.products_named(named) {
        if other == s.product {
            continue;
        }
        if let Some(reason) = named_product_hold(manifest, wording, catalogue, facts, other) {
            return Some((
                reason,
                format!("话术提到的其他产品（{other}）对该客户不适用"),
                format!("The wording names another product ({other}) that policy holds back for this customer"),
            ));
        }
    }
    for (outcome, days) in &policy.pacing_days {
        let Some(outcome) = parse_outcome(outcome) else {
            continue;
        };
        if facts.contacted_within(&s.product, outcome, *days) {
            return Some((
                HoldReason::Pacing,
                format!(
                    "客户 {days} 天内对该产品的答复为「{}」，暂不重复推介",
                    outcome_zh(outcome)
                ),
                format!(
                    "Customer answered {:?} about it within {days} days: not pitched again yet",
                    outcome.as_str()
                ),
            ));
        }
    }
    None
}

fn parse_outcome(s: &str) -> Option<Outcome> {
    Some(match s {
        "accepted" => Outcome::Accepted,
        "declined" => Outcome::Declined,
        "not_now" => Outcome::NotNow,
        "no_answer" => Outcome::NoAnswer,
        _ => return None,
    })
}

fn outcome_zh(o: Outcome) -> &'static str {
    match o {
        Outcome::Accepted => "已接受",
        Outcome::Declined => "婉拒",
        Outcome::NotNow => "暂不需要",
        Outcome::NoAnswer => "未接通",
    }
}

/// `YYYY-MM-DD` of a branch day number.
pub(crate) fn date_text(day: i64) -> String {
    const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
    i32::try_from(day + UNIX_EPOCH_JULIAN_DAY)
        .ok()
        .and_then(|jd| time::Date::from_julian_day(jd).ok())
        .map_or_else(|| day.to_string(), |d| d.to_string())
}
