//! The benchmark's customers: `nextbest::samples::generate(seed, n)` (0–30
//! transactions, several accounts, holdings and needs each), read through the
//! customer contract, optionally padded or trimmed to a fixed number of
//! transactions for the scaling experiment.

use nextbest::samples::{branch_time, SplitMix64};
use nextbest::{Amount, Customer, Stamp, Transaction};

/// `n` customers from `seed`; with `txns`, each gets exactly that many transactions.
pub fn generate(seed: u64, n: usize, txns: Option<usize>) -> Result<Vec<Customer>, String> {
    let mut out = Vec::with_capacity(n);
    for (i, v) in nextbest::samples::generate(seed, n).iter().enumerate() {
        let mut c = Customer::from_value(v).map_err(|e| format!("sample customer {i}: {e}"))?;
        if let Some(per) = txns {
            set_transactions(&mut c, per, seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        }
        out.push(c);
    }
    Ok(out)
}

/// The branch day of the evaluation: nextbest's default `now` is `visit.at`.
pub fn today(c: &Customer) -> Option<i64> {
    c.visit.as_ref().and_then(|v| v.at.as_ref()).map(Stamp::day)
}

/// Everyday transactions the padding draws from, with their amount range in CNY.
const FILLER: &[(&str, u64, u64)] = &[
    ("pos_payment", 20, 3_000),
    ("bill_payment", 50, 1_500),
    ("transfer_out", 100, 20_000),
    ("card_repayment", 500, 10_000),
    ("cash_withdrawal", 100, 8_000),
    ("transfer_in", 100, 20_000),
];

/// Exactly `per` transactions, deterministically: the most recent `per` of the
/// customer's own, then everyday ones spread over the 180 days before the visit.
pub fn set_transactions(c: &mut Customer, per: usize, seed: u64) {
    let t = &mut c.transactions;
    if t.len() > per {
        t.drain(..t.len() - per);
        return;
    }
    let Some(visit) = c.visit.as_ref().and_then(|v| v.at.as_ref()).map(|s| s.unix) else {
        return;
    };
    let mut rng = SplitMix64::new(seed);
    while t.len() < per {
        let (kind, lo, hi) = FILLER[rng.below(FILLER.len() as u64) as usize];
        let amount = lo + rng.below(hi - lo + 1);
        // Whole days before the visit, at the same time of day, so the day a
        // window counts it on is unambiguous.
        let days = rng.below(180) as i64 + 1;
        let unix = visit - days * 86_400;
        t.push(Transaction {
            kind: kind.to_owned(),
            amount: Amount(amount as f64),
            currency: "CNY".to_owned(),
            at: Stamp {
                text: branch_time(unix),
                unix,
            },
            channel: Some("mobile".to_owned()),
        });
    }
    t.sort_by_key(|x| x.at.unix);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_time_parses_back() {
        for unix in [0, 1_795_000_000, 1_764_000_000 + 86_399] {
            let text = branch_time(unix);
            assert_eq!(Stamp::parse(&text).map(|s| s.unix), Ok(unix), "{text}");
        }
    }

    #[test]
    fn padding_is_exact_and_deterministic() {
        let a = generate(7, 20, Some(100)).unwrap_or_default();
        let b = generate(7, 20, Some(100)).unwrap_or_default();
        assert_eq!(a.len(), 20);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.transactions.len(), 100);
            let xs: Vec<_> = x.transactions.iter().map(|t| (&t.kind, t.at.unix)).collect();
            let ys: Vec<_> = y.transactions.iter().map(|t| (&t.kind, t.at.unix)).collect();
            assert_eq!(xs, ys);
        }
        let few = generate(7, 20, Some(1)).unwrap_or_default();
        assert!(few.iter().all(|c| c.transactions.len() <= 1));
    }
}
