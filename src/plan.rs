//! The customer manager's contact plan (seed 004 二(四)1, seed 002): the
//! book of customers, each evaluated as the customer manager would serve
//! them on the plan's day, ranked by opportunity, each line with its
//! reasons and what pacing holds back.
//!
//! The opportunities are the pack's own rules (products maturing within
//! `maturity_days`, idle balances, large movements, the grade); the plan
//! adds only the ranking weights of `pack.json` `plan`. Rules decide what
//! is worth a call; policy decides what may be said (suitability, consent,
//! pacing), exactly as at the counter.

use serde::Serialize;

use crate::error::Error;
use crate::eval::{Engine, Options};
use crate::explain::{Evaluation, HoldReason};
use crate::signals::Customer;

/// One customer in the plan.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlanLine {
    pub customer: String,
    /// The customer's name, "" if none.
    pub name: String,
    /// The prospect grade, "" if none.
    pub grade: String,
    /// Higher first: the grade's weight, the best suggestion's score, and the
    /// high-value bonus (pack.json plan).
    pub score: f64,
    /// Why to call, in plain words: the high-value signals, then each
    /// suggestion's first reason.
    pub reasons: Vec<PlanText>,
    /// What to offer, best first.
    pub offers: Vec<PlanOffer>,
    /// What not to raise yet, and why (the customer answered recently).
    pub paced: Vec<PlanPaced>,
}

/// A product pacing holds back, named, with why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlanPaced {
    pub product: String,
    pub product_zh: String,
    pub product_en: String,
    pub zh: String,
    pub en: String,
}

/// A reason or a pacing note, in both languages.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlanText {
    pub zh: String,
    pub en: String,
}

/// A product to offer on the call.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlanOffer {
    pub product: String,
    pub product_zh: String,
    pub product_en: String,
    pub pitch_zh: String,
    pub pitch_en: String,
    /// The rules that proposed it, for the follow-up's record.
    pub rules: Vec<String>,
}

/// The plan for `customers` on the day of `now` (Unix seconds): everyone
/// with something to offer, best opportunity first (ties by customer id).
/// A customer the engine refuses is an error naming it.
pub fn contact_plan(engine: &Engine, customers: &[Customer], now: i64) -> Result<Vec<PlanLine>, Error> {
    let weights = &engine.manifest().plan;
    // Field by field: Options grows (branch context), and the plan wants its defaults.
    #[allow(clippy::field_reassign_with_default)]
    let options = {
        let mut o = Options::default();
        o.now = Some(now);
        o.channel = "cm".to_owned();
        o
    };
    let mut lines = Vec::new();
    for c in customers {
        // A visit dated after the plan's day is not today's business: the
        // plan looks at the book, not at a future visit.
        let mut c = c.clone();
        if c.visit
            .as_ref()
            .and_then(|v| v.at.as_ref())
            .is_some_and(|at| at.unix > now)
        {
            c.visit = None;
        }
        let id = c.id.clone();
        let out = engine.evaluate(c, &options).map_err(|e| match e {
            Error::Input { path, message } => Error::Input {
                path: format!("{id}: {path}"),
                message,
            },
            other => other,
        })?;
        if let Some(line) = line_of(engine, &out, customers, weights) {
            lines.push(line);
        }
    }
    lines.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.customer.cmp(&b.customer)));
    Ok(lines)
}

fn line_of(
    engine: &Engine,
    out: &Evaluation,
    customers: &[Customer],
    weights: &crate::pack::PlanWeights,
) -> Option<PlanLine> {
    if out.suggestions.is_empty() {
        return None;
    }
    let grade_weight = weights.grade_weight.get(&out.grade.grade).copied().unwrap_or(0.0);
    let best = out.suggestions.first().map_or(0.0, |s| s.score);
    let bonus = if out.high_value.flag {
        weights.high_value_bonus
    } else {
        0.0
    };
    let mut reasons: Vec<PlanText> = out
        .high_value
        .signals
        .iter()
        .map(|s| PlanText {
            zh: s.zh.clone(),
            en: s.en.clone(),
        })
        .collect();
    for s in &out.suggestions {
        if let Some(r) = s.reasons.first() {
            let t = PlanText {
                zh: r.zh.clone(),
                en: r.en.clone(),
            };
            if !reasons.contains(&t) {
                reasons.push(t);
            }
        }
    }
    Some(PlanLine {
        customer: out.customer.clone(),
        name: customers
            .iter()
            .find(|c| c.id == out.customer)
            .and_then(|c| c.name.clone())
            .unwrap_or_default(),
        grade: out.grade.grade.clone(),
        score: grade_weight + best + bonus,
        reasons,
        offers: out
            .suggestions
            .iter()
            .map(|s| PlanOffer {
                product: s.product.clone(),
                product_zh: s.product_zh.clone(),
                product_en: s.product_en.clone(),
                pitch_zh: s.pitch_zh.clone(),
                pitch_en: s.pitch_en.clone(),
                rules: s.rules.clone(),
            })
            .collect(),
        paced: out
            .suppressed
            .iter()
            .filter(|s| s.reason == HoldReason::Pacing)
            .map(|s| {
                let p = engine.catalogue().get(&s.product);
                PlanPaced {
                    product: s.product.clone(),
                    product_zh: p.map_or_else(|| s.product.clone(), |p| p.zh.clone()),
                    product_en: p.map_or_else(|| s.product.clone(), |p| p.en.clone()),
                    zh: s.zh.clone(),
                    en: s.en.clone(),
                }
            })
            .collect(),
    })
}

/// The plan as CSV for the customer manager's spreadsheet: one row a
/// customer, names never ids for products, fields quoted.
pub fn plan_csv(lines: &[PlanLine]) -> String {
    let mut out = String::from(
        "排名 rank,客户号 customer,姓名 name,等级 grade,分数 score,推介 offers,原因 reasons,暂不提及 paced\n",
    );
    for (i, l) in lines.iter().enumerate() {
        let offers: Vec<&str> = l.offers.iter().map(|o| o.product_zh.as_str()).collect();
        let reasons: Vec<&str> = l.reasons.iter().map(|r| r.zh.as_str()).collect();
        let paced: Vec<String> = l.paced.iter().map(|r| format!("{}：{}", r.product_zh, r.zh)).collect();
        let row = [
            (i + 1).to_string(),
            l.customer.clone(),
            l.name.clone(),
            l.grade.clone(),
            format!("{:.1}", l.score),
            offers.join("；"),
            reasons.join("；"),
            paced.join("；"),
        ];
        let quoted: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&quoted.join(","));
        out.push('\n');
    }
    out
}

/// A CSV field, quoted, with a leading formula character neutralised
/// (a customer's name is data, never a spreadsheet formula).
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}
