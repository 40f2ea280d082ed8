//! Arbitrary bytes as one customer's JSON: reading it never panics, and an
//! evaluation of the bundled pack either names what is wrong with the input
//! or keeps every policy invariant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nextbest::{Customer, Engine, PackSource};
use nextbest_fuzz::{check_failed_rules_silent, check_policy, options, text};

thread_local! {
    // The bundled pack as shipped (its own budgets): compiled once.
    static ENGINE: Engine = Engine::new(&PackSource::bundled()).expect("the bundled pack compiles");
}

fuzz_target!(|data: &[u8]| {
    let text = text(data);
    let parsed = Customer::from_json(&text);
    ENGINE.with(|engine| {
        for i in 0..2 {
            let opts = options(i);
            let result = engine.evaluate_json(&text, &opts);
            match (&parsed, result) {
                (Ok(customer), Ok(out)) => {
                    check_policy(engine, customer, &opts, &out);
                    check_failed_rules_silent(&out);
                }
                (Err(_), Ok(_)) => panic!("evaluate_json accepted what Customer::from_json refused"),
                (_, Err(e)) => {
                    // Errors are values that print.
                    let _ = e.to_string();
                }
            }
        }
    });
});
