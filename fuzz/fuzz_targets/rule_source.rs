//! Arbitrary text as one extra rule added to the bundled pack: compiling,
//! linting and evaluating never panic or hang, and the policy invariants
//! hold whatever the rule returns.
//!
//! The first byte picks the header put before the text (one per rule kind),
//! or none: then the text is the whole file, header included.
//!
//! The rule joins the bundled pack's pack.json and products.json and five of
//! its rules (one of each kind): compiling all 58 bundled rules for every
//! input costs most of the time (about 13 inputs a second instead of about
//! ten times that), and the fuzzed rule meets the others only in policy's
//! merging and ranking, which a few rules exercise as well. Set
//! `NEXTBEST_FUZZ_FULL_PACK=1` to add it to the whole bundled pack instead.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nextbest::{lint, Customer, Engine, PackSource};
use nextbest_fuzz::{bundled_fast, evaluate_checked, fixed_customers, options, text};

/// Headers the fuzzer's text is put under; the last entry is "no header".
const HEADERS: [&str; 6] = [
    "//! kind: signal\n//! priority: 50\n//! zh: 模糊\n//! en: fuzz\n",
    "//! kind: route\n//! priority: 900\n//! zh: 模糊\n//! en: fuzz\n",
    "//! kind: cross_sell\n//! priority: 900\n//! zh: 模糊\n//! en: fuzz\n",
    "//! kind: up_sell\n//! priority: 50\n//! zh: 模糊\n//! en: fuzz\n",
    "//! kind: referral\n//! priority: 900\n//! zh: 模糊\n//! en: fuzz\n",
    "",
];

/// The bundled rules kept beside the fuzzed one: a signal, a route, a
/// cross-sell, an up-sell and a referral with `.to(...)`.
const KEPT: [&str; 5] = [
    "hv_large_cash.rhai",
    "route_vip.rhai",
    "xs_large_cash_wealth.rhai",
    "up_card_gold.rhai",
    "ref_private_banking.rhai",
];

thread_local! {
    static BASE: (PackSource, Vec<Customer>) = {
        let mut pack = bundled_fast();
        if std::env::var_os("NEXTBEST_FUZZ_FULL_PACK").is_none() {
            pack.files.retain(|name, _| !name.ends_with(".rhai") || KEPT.contains(&name.as_str()));
            assert_eq!(pack.rules().count(), KEPT.len(), "a kept rule was renamed: update KEPT");
        }
        pack.files.retain(|name, _| !name.starts_with("fixtures/"));
        (pack, fixed_customers())
    };
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let source = format!("{}{}", HEADERS[pick as usize % HEADERS.len()], text(rest));
    BASE.with(|(base, customers)| {
        let mut pack = base.clone();
        pack.files.insert("zz_fuzz.rhai".to_owned(), source);
        let engine = Engine::new(&pack).expect("a rule's problems are listed, never an engine error");
        let _ = lint(&engine, &pack);
        for (i, customer) in customers.iter().enumerate() {
            evaluate_checked(&engine, customer, &options(i));
        }
    });
});
