//! The wording policy's matcher: a forbidden phrase is found however it is
//! written. Text and phrases are compared after Unicode NFKC (full-width
//! "ＧＵＡＲＡＮＴＥＥＤ" is "GUARANTEED"), case folding, and with zero-width
//! characters, whitespace and punctuation taken out between Chinese
//! characters ("保\u{200b}本", "保 本，零 风险"). English phrases match on
//! word boundaries ("no risk" is not inside "piano risk"), and a one-word
//! phrase of six letters or more also matches spelt out with gaps
//! ("g u a r a n t e e d").

use unicode_normalization::UnicodeNormalization;

/// A text folded for matching: `spaced` keeps one space between words
/// (none next to a CJK character); `compact` has no separators at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folded {
    pub spaced: String,
    pub compact: String,
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{034F}' | '\u{180E}')
}

/// Folds a text for matching.
pub fn fold(text: &str) -> Folded {
    let mut words: Vec<char> = Vec::with_capacity(text.len());
    let mut gap = false;
    for c in text.nfkc().flat_map(char::to_lowercase) {
        if is_invisible(c) {
            continue;
        }
        if c.is_alphanumeric() {
            if gap {
                let prev = words.last().copied();
                // No gap next to a Chinese character: "保 本" is "保本".
                if prev.is_some_and(|p| !is_cjk(p)) && !is_cjk(c) {
                    words.push(' ');
                }
            }
            words.push(c);
            gap = false;
        } else {
            gap = !words.is_empty();
        }
    }
    let spaced: String = words.iter().collect();
    let compact: String = words.iter().filter(|c| **c != ' ').collect();
    Folded { spaced, compact }
}

/// Whether `phrase` (already folded) is in `text` (already folded).
pub fn contains(text: &Folded, phrase: &Folded) -> bool {
    if phrase.compact.is_empty() {
        return false;
    }
    let p = &phrase.spaced;
    let boundary_before = p.starts_with(|c: char| c.is_alphanumeric() && !is_cjk(c));
    let boundary_after = p.ends_with(|c: char| c.is_alphanumeric() && !is_cjk(c));
    let t = &text.spaced;
    let mut from = 0;
    while let Some(i) = t[from..].find(p.as_str()) {
        let at = from + i;
        let end = at + p.len();
        let before_ok = !boundary_before
            || t[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric() || is_cjk(c));
        let after_ok = !boundary_after
            || t[end..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric() || is_cjk(c));
        if before_ok && after_ok {
            return true;
        }
        from = at + p.chars().next().map_or(1, char::len_utf8);
    }
    // Spelt out with gaps: only for one long word, where a false match
    // across words ("piano risk" for "no risk") cannot happen by chance.
    !p.contains(' ') && phrase.compact.chars().count() >= 6 && text.compact.contains(phrase.compact.as_str())
}

/// The first of `phrases` found in any of `texts`.
pub fn find_forbidden<'p>(texts: &[&str], phrases: &'p [(String, Folded)]) -> Option<&'p str> {
    let folded: Vec<Folded> = texts.iter().map(|t| fold(t)).collect();
    phrases
        .iter()
        .find(|(_, p)| folded.iter().any(|t| contains(t, p)))
        .map(|(raw, _)| raw.as_str())
}

/// The phrases folded once, with their text as written.
pub fn prepare(phrases: &[String]) -> Vec<(String, Folded)> {
    phrases.iter().map(|p| (p.clone(), fold(p))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(text: &str, phrase: &str) -> bool {
        contains(&fold(text), &fold(phrase))
    }

    #[test]
    fn evasions_are_caught() {
        assert!(hit("Guaranteed returns", "guaranteed"));
        assert!(hit("GUARANTEED", "guaranteed"));
        assert!(hit("ＧＵＡＲＡＮＴＥＥＤ", "guaranteed"));
        assert!(hit("g u a r a n t e e d", "guaranteed"));
        assert!(hit("保\u{200b}本", "保本"));
        assert!(hit("保 本，零 风险", "保本"));
        assert!(hit("保 本，零 风险", "零风险"));
        assert!(hit("It is risk-free", "risk-free"));
        assert!(hit("It is risk free", "risk-free"));
        assert!(hit("No\u{00a0}risk at all", "no risk"));
    }

    #[test]
    fn word_boundaries_hold_for_english() {
        assert!(!hit("piano risk", "no risk"));
        assert!(!hit("unguaranteeable", "guaranteed"));
        assert!(!hit("a risky product", "risk free"));
    }
}

/// What the wording policy checks against, folded once per pack.
#[derive(Debug, Default)]
pub struct Wording {
    /// `policy.forbidden_phrases`.
    pub phrases: Vec<(String, Folded)>,
    /// Each catalogue product's names and id: without marketing consent no
    /// note or reason may name one.
    pub products: Vec<(String, Vec<Folded>)>,
}

impl Wording {
    pub fn new(phrases: &[String], catalogue: &std::collections::BTreeMap<String, crate::pack::Product>) -> Wording {
        Wording {
            phrases: prepare(phrases),
            products: catalogue
                .values()
                .map(|p| (p.id.clone(), vec![fold(&p.zh), fold(&p.en), fold(&p.id)]))
                .collect(),
        }
    }

    /// The first forbidden phrase in any of the texts.
    pub fn forbidden(&self, texts: &[&str]) -> Option<&str> {
        find_forbidden(texts, &self.phrases)
    }

    /// The first catalogue product any of the texts names.
    pub fn names_product(&self, texts: &[&str]) -> Option<&str> {
        let folded: Vec<Folded> = texts.iter().map(|t| fold(t)).collect();
        self.products
            .iter()
            .find(|(_, names)| names.iter().any(|n| folded.iter().any(|t| contains(t, n))))
            .map(|(id, _)| id.as_str())
    }
}
