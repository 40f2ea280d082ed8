//! Pack files read as carefully as customers: every validation error names
//! the file, line and column; special files and non-text are refused
//! without hanging or eating memory (issue 9).
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

use nextbest::{Engine, Error, PackSource};

fn bundled_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

/// A copy of the bundled pack in a fresh temporary folder.
fn copy_pack(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nextbest-pack-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("fixtures")).expect("mkdir");
    for entry in std::fs::read_dir(bundled_dir()).expect("rules/") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, dir.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    for entry in std::fs::read_dir(bundled_dir().join("fixtures")).expect("fixtures/") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.join("fixtures").join(path.file_name().expect("name"))).expect("copy");
    }
    dir
}

fn pack_error(edit: impl FnOnce(&mut PackSource)) -> (String, usize, usize, String) {
    let mut pack = PackSource::bundled();
    edit(&mut pack);
    match Engine::new(&pack) {
        Err(Error::Pack {
            file,
            line,
            column,
            message,
        }) => (file, line, column, message),
        Err(e) => panic!("expected a pack error, got {e:?}"),
        Ok(_) => panic!("expected a pack error"),
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).expect("needle")].matches('\n').count() + 1
}

#[test]
fn validation_errors_point_at_their_line_not_0_0() {
    let text = PackSource::bundled().files["pack.json"].clone();
    let (file, line, column, message) = pack_error(|p| {
        let t = p.files["pack.json"].replace("\"declined\": 30", "\"maybe\": 30");
        p.files.insert("pack.json".into(), t);
    });
    assert_eq!(file, "pack.json");
    assert!(message.contains("policy.pacing_days.maybe"), "{message}");
    assert_eq!(line, line_of(&text, "\"pacing_days\""), "{message}");
    assert!(column > 1);

    let (_, line, _, message) = pack_error(|p| {
        let t = p.files["pack.json"].replace("\"unrated_max_risk\": 1", "\"unrated_max_risk\": 9");
        p.files.insert("pack.json".into(), t);
    });
    assert_eq!(line, line_of(&text, "\"unrated_max_risk\""), "{message}");

    let products = PackSource::bundled().files["products.json"].clone();
    let (file, line, _, message) = pack_error(|p| {
        let t = p.files["products.json"].replacen("\"risk\": 1", "\"risk\": 7", 1);
        p.files.insert("products.json".into(), t);
    });
    assert_eq!(file, "products.json");
    assert!(message.contains("product dep."), "names the product: {message}");
    assert!(line >= line_of(&products, "\"dep.") && line > 0, "{line}: {message}");
}

#[test]
fn catalogue_lint_names_the_product_and_its_line() {
    let mut pack = PackSource::bundled();
    let t = pack.files["products.json"].replacen("\"sold_by\": [", "\"sold_by\": [\"janitor\", ", 1);
    pack.files.insert("products.json".into(), t.clone());
    let engine = Engine::new(&pack).expect("loads");
    let problems = nextbest::lint(&engine, &pack);
    let p = problems
        .iter()
        .find(|p| p.message.contains("janitor"))
        .expect("flagged");
    assert!(p.line > 0 && p.column > 0, "{p:?}");
    assert!(p.message.starts_with(&format!("product {} (", p.rule)), "{p:?}");
}

#[test]
fn a_misspelt_need_in_serves_names_the_product_its_line_and_the_near_need() {
    let mut pack = PackSource::bundled();
    let original = pack.files["products.json"].clone();
    // The first need any product serves, one letter dropped (retirement → retirment).
    let key = "\"serves\": [\"";
    let at = original.find(key).expect("a product serves a need") + key.len();
    let need = &original[at..at + original[at..].find('"').expect("closing quote")];
    let typo: String = need
        .chars()
        .enumerate()
        .filter(|(i, _)| *i != 4)
        .map(|(_, c)| c)
        .collect();
    let t = format!("{}{typo}{}", &original[..at], &original[at + need.len()..]);
    pack.files.insert("products.json".into(), t.clone());
    let engine = Engine::new(&pack).expect("a misspelt need still loads: only check sees it");
    let problems: Vec<_> = nextbest::lint(&engine, &pack)
        .into_iter()
        .filter(|p| p.message.contains("serves"))
        .collect();
    assert_eq!(problems.len(), 1, "only the misspelt need: {problems:#?}");
    let p = &problems[0];
    assert_eq!(p.file, "products.json");
    // Where the misspelt need is written, at its first letter.
    let line = line_of(&t, &format!("\"{typo}\""));
    let line_text = t.lines().nth(line - 1).expect("line");
    let column = line_text[..line_text.find(&format!("\"{typo}\"")).expect("on its line")]
        .chars()
        .count()
        + 2;
    assert_eq!((p.line, p.column), (line, column), "{p:?}");
    // The product is the one the need is written in, named by its id.
    let id = t[..at]
        .rsplit("\"id\": \"")
        .next()
        .and_then(|r| r.split('"').next())
        .expect("its id");
    assert_eq!(p.rule, id, "{p:?}");
    assert!(p.message.starts_with(&format!("product {id} (")), "{p:?}");
    assert!(
        p.message
            .contains(&format!("serves {typo:?}: not a need in pack.json vocabulary.need")),
        "{p:?}"
    );
    assert!(p.message.contains(&format!("did you mean {need:?}?")), "{p:?}");
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_not_read() {
    let dir = copy_pack("special");
    // A FIFO named like a rule once hung `check`.
    let fifo = dir.join("x.rhai");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    match PackSource::from_dir(&dir) {
        Err(Error::Pack { file, message, .. }) => {
            assert!(file.ends_with("x.rhai"), "{file}");
            assert!(message.contains("not a regular file"), "{message}");
        }
        other => panic!("expected a refusal, got {:?}", other.map(|p| p.files.len())),
    }
    std::fs::remove_file(&fifo).expect("rm fifo");
    // A symlink to /dev/zero once ate memory.
    std::os::unix::fs::symlink("/dev/zero", dir.join("z.rhai")).expect("symlink");
    match PackSource::from_dir(&dir) {
        Err(Error::Pack { message, .. }) => assert!(message.contains("not a regular file"), "{message}"),
        other => panic!("expected a refusal, got {:?}", other.map(|p| p.files.len())),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_non_utf8_fixture_fails_its_own_file_not_the_pack() {
    let dir = copy_pack("utf8");
    std::fs::write(dir.join("fixtures").join("broken.json"), [0x7b, 0xff, 0xfe, 0x7d]).expect("write");
    let pack = PackSource::from_dir(&dir).expect("the pack still loads");
    let engine = Engine::new(&pack).expect("compiles");
    let report = nextbest::run_fixtures(&engine, &pack);
    let bad: Vec<_> = report.cases.iter().filter(|c| !c.passed).collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(
        bad[0].file.ends_with("broken.json") && bad[0].failures[0].contains("UTF-8"),
        "{bad:?}"
    );
    // A rule that is not UTF-8 refuses the pack, naming the file.
    std::fs::write(dir.join("zz.rhai"), [0xff, 0xfe]).expect("write");
    match PackSource::from_dir(&dir) {
        Err(Error::Pack { file, message, .. }) => {
            assert!(
                file.ends_with("zz.rhai") && message.contains("UTF-8"),
                "{file}: {message}"
            );
        }
        other => panic!("expected a refusal, got {:?}", other.map(|p| p.files.len())),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
