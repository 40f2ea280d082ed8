//! Arbitrary whole pack files: the first byte picks which file of the
//! bundled pack the rest replaces (pack.json, products.json, a rule, the
//! fixtures). Loading, linting and running the fixtures never panic.
//!
//! The fixtures are cut to one small file (corporate.json) so each input
//! runs a few cases, not all of them; when the fixture is the fuzzed file it
//! is the only one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nextbest::{lint, run_fixtures, Engine, PackSource};
use nextbest_fuzz::{bundled_fast, evaluate_checked, fixed_customers, options, text};

thread_local! {
    static BASE: PackSource = {
        let mut pack = bundled_fast();
        pack.files.retain(|name, _| !name.starts_with("fixtures/") || name == "fixtures/corporate.json");
        pack
    };
    static CUSTOMERS: Vec<nextbest::Customer> = fixed_customers();
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    BASE.with(|base| {
        let mut pack = base.clone();
        match pick % 4 {
            0 => {
                pack.files.insert("pack.json".to_owned(), text(rest).into_owned());
            }
            1 => {
                pack.files.insert("products.json".to_owned(), text(rest).into_owned());
            }
            2 => {
                // The next byte picks the rule.
                let Some((&which, rule)) = rest.split_first() else {
                    return;
                };
                let ids: Vec<String> = pack.rules().map(|(_, file, _)| file.to_owned()).collect();
                let file = ids[which as usize % ids.len()].clone();
                pack.files.insert(file, text(rule).into_owned());
            }
            _ => {
                pack.files.retain(|name, _| !name.starts_with("fixtures/"));
                pack.files
                    .insert("fixtures/fuzz.json".to_owned(), text(rest).into_owned());
            }
        }
        let Ok(engine) = Engine::new(&pack) else { return };
        let _ = lint(&engine, &pack);
        let report = run_fixtures(&engine, &pack);
        assert_eq!(report.passed + report.failed, report.cases.len());
        CUSTOMERS.with(|customers| {
            for (i, customer) in customers.iter().enumerate() {
                evaluate_checked(&engine, customer, &options(i));
            }
        });
    });
});
