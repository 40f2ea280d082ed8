//! The branch head's board (seed 002: daily sales, referral counts and close
//! rates by role; seed 004 R14: unmet needs reported upward): figures worked
//! out from the records staff make, so every number on the board can be
//! traced to the records behind it.
//!
//! - Referrals by the role that made them: how many hand-offs, how many
//!   closed (the customer accepted one of the hand-off's products the same
//!   branch day: a teller records 接受 and then calls the lobby, so the
//!   acceptance may come first), the close rate.
//! - Outcomes per product and per rule.
//! - Unmet needs, to export upward.
//! - The referral chain behind each sale: every hand-off of that customer
//!   on the sale's branch day, oldest first, for credit split and disputes.
//! - The pack versions the records came from.
//!
//! A record its author took back (a `retraction` in the same input) counts
//! nowhere, and neither does the retraction: the board shows what happened,
//! not a teller's slip of the finger. A retraction is honoured as the server
//! accepts one (its author's own record, of a kind that may be taken back,
//! within a day); any other, or one naming a record not in the input, is ignored.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::records::{Body, Record, RETRACTABLE, RETRACT_WINDOW_SECS};
use crate::signals::{branch_day, Outcome};

/// The whole board.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Board {
    pub referrals: Vec<RoleReferrals>,
    pub products: Vec<Tally>,
    pub rules: Vec<Tally>,
    pub unmet_needs: Vec<Unmet>,
    pub sales: Vec<Sale>,
    /// Pack version → records made under it.
    pub pack_versions: BTreeMap<String, usize>,
}

/// Hand-offs made by one role.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RoleReferrals {
    pub role: String,
    pub handoffs: usize,
    pub closed: usize,
    /// closed / handoffs, 0 when none.
    pub close_rate: f64,
}

/// Outcomes of one product or one rule.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Tally {
    pub key: String,
    pub accepted: usize,
    pub declined: usize,
    pub not_now: usize,
    pub no_answer: usize,
}

/// One need nobody could meet.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unmet {
    pub need: String,
    pub count: usize,
    pub customers: Vec<String>,
}

/// One sale and the hand-offs that led to it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sale {
    pub customer: String,
    pub product: String,
    /// Who recorded the acceptance.
    pub closed_by: String,
    pub closed_role: String,
    pub at: i64,
    /// (author, role, destination, at), oldest first.
    pub chain: Vec<Link>,
}

/// One hand-off in a chain.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Link {
    pub author: String,
    pub role: String,
    pub to: String,
    pub at: i64,
}

fn tally(t: &mut Tally, o: Outcome) {
    match o {
        Outcome::Accepted => t.accepted += 1,
        Outcome::Declined => t.declined += 1,
        Outcome::NotNow => t.not_now += 1,
        Outcome::NoAnswer => t.no_answer += 1,
    }
}

/// The ids of the records in `records` taken back by a retraction there.
fn retracted(records: &[(Record, Body)]) -> HashSet<&str> {
    let by_id: HashMap<&str, &Record> = records.iter().map(|(r, _)| (r.id.as_str(), r)).collect();
    records
        .iter()
        .filter_map(|(r, b)| match b {
            Body::Retraction(x) => Some((r, by_id.get(x.record.as_str())?)),
            _ => None,
        })
        .filter(|(r, t)| {
            t.author == r.author && RETRACTABLE.contains(&t.kind.as_str()) && r.at - t.at <= RETRACT_WINDOW_SECS
        })
        .map(|(_, t)| t.id.as_str())
        .collect()
}

/// The board over `records` (any order; each with its typed body).
pub fn board(records: &[(Record, Body)]) -> Board {
    let gone = retracted(records);
    let mut sorted: Vec<&(Record, Body)> = records
        .iter()
        .filter(|(r, b)| !gone.contains(r.id.as_str()) && !matches!(b, Body::Retraction(_)))
        .collect();
    sorted.sort_by(|a, b| (a.0.at, &a.0.id).cmp(&(b.0.at, &b.0.id)));

    let mut b = Board::default();
    let mut products: BTreeMap<String, Tally> = BTreeMap::new();
    let mut rules: BTreeMap<String, Tally> = BTreeMap::new();
    let mut unmet: BTreeMap<String, Unmet> = BTreeMap::new();
    for (r, body) in &sorted {
        let version = r.pack_version.map_or_else(|| "—".to_owned(), |v| v.to_string());
        *b.pack_versions.entry(version).or_default() += 1;
        match body {
            Body::Outcome(o) => {
                tally(
                    products.entry(o.product.clone()).or_insert_with(|| Tally {
                        key: o.product.clone(),
                        ..Tally::default()
                    }),
                    o.outcome,
                );
                for rule in &o.rules {
                    tally(
                        rules.entry(rule.clone()).or_insert_with(|| Tally {
                            key: rule.clone(),
                            ..Tally::default()
                        }),
                        o.outcome,
                    );
                }
                if o.outcome == Outcome::Accepted {
                    let chain = sorted
                        .iter()
                        .filter(|(h, _)| h.customer == r.customer && branch_day(h.at) == branch_day(r.at))
                        .filter_map(|(h, hb)| match hb {
                            Body::Handoff(x) => Some(Link {
                                author: h.author.clone(),
                                role: h.role.clone(),
                                to: x.to.clone(),
                                at: h.at,
                            }),
                            _ => None,
                        })
                        .collect();
                    b.sales.push(Sale {
                        customer: r.customer.clone(),
                        product: o.product.clone(),
                        closed_by: r.author.clone(),
                        closed_role: r.role.clone(),
                        at: r.at,
                        chain,
                    });
                }
            }
            Body::UnmetNeed(u) => {
                let e = unmet.entry(u.need.clone()).or_insert_with(|| Unmet {
                    need: u.need.clone(),
                    count: 0,
                    customers: Vec::new(),
                });
                e.count += 1;
                if !e.customers.contains(&r.customer) {
                    e.customers.push(r.customer.clone());
                }
            }
            _ => {}
        }
    }
    // A hand-off closed when the customer accepted one of its products the
    // same branch day (any product, when it named none).
    let mut by_role: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (h, hb) in &sorted {
        let Body::Handoff(x) = hb else { continue };
        let closed = sorted.iter().any(|(o, ob)| match ob {
            Body::Outcome(out) => {
                o.customer == h.customer
                    && branch_day(o.at) == branch_day(h.at)
                    && out.outcome == Outcome::Accepted
                    && (x.products.is_empty() || x.products.contains(&out.product))
            }
            _ => false,
        });
        let e = by_role.entry(h.role.clone()).or_default();
        e.0 += 1;
        e.1 += usize::from(closed);
    }
    b.referrals = by_role
        .into_iter()
        .map(|(role, (handoffs, closed))| RoleReferrals {
            role,
            handoffs,
            closed,
            close_rate: if handoffs == 0 {
                0.0
            } else {
                closed as f64 / handoffs as f64
            },
        })
        .collect();
    b.products = products.into_values().collect();
    b.rules = rules.into_values().collect();
    let mut unmet: Vec<Unmet> = unmet.into_values().collect();
    unmet.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.need.cmp(&b.need)));
    b.unmet_needs = unmet;
    b
}
