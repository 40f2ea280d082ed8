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

/// Characters that show as nothing or as blank but count as letters or
/// marks: taken out before matching ("保\u{3164}本" is "保本").
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Letters of other scripts that look like Latin ones ("guаranteed" with a
/// Cyrillic а), mapped to the Latin letter they pass for.
fn latin_lookalike(c: char) -> char {
    match c {
        'а' | 'α' => 'a',
        'в' | 'β' | 'ь' => 'b',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ё' | 'ε' | 'є' => 'e',
        'ɡ' => 'g',
        'һ' | 'н' => 'h',
        'і' | 'ї' | 'ι' | 'ı' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'п' | 'η' => 'n',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'г' => 'r',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'υ' | 'ц' => 'u',
        'ν' => 'v',
        'ԝ' | 'ω' | 'ш' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        'ʐ' => 'z',
        c => c,
    }
}

/// Traditional characters of the words a bank's sales-conduct rules and its
/// catalogue care about, to their simplified forms ("穩賺" is "稳赚").
fn simplified(c: char) -> char {
    const PAIRS: &[(char, char)] = &[
        ('穩', '稳'),
        ('賺', '赚'),
        ('賠', '赔'),
        ('風', '风'),
        ('險', '险'),
        ('無', '无'),
        ('證', '证'),
        ('剛', '刚'),
        ('兌', '兑'),
        ('憂', '忧'),
        ('財', '财'),
        ('產', '产'),
        ('額', '额'),
        ('單', '单'),
        ('債', '债'),
        ('貸', '贷'),
        ('儲', '储'),
        ('國', '国'),
        ('黃', '黄'),
        ('貴', '贵'),
        ('屬', '属'),
        ('資', '资'),
        ('費', '费'),
        ('帳', '账'),
        ('賬', '账'),
        ('戶', '户'),
        ('銀', '银'),
        ('與', '与'),
        ('樣', '样'),
        ('絕', '绝'),
        ('對', '对'),
        ('確', '确'),
        ('沒', '没'),
        ('萬', '万'),
        ('億', '亿'),
        ('結', '结'),
        ('專', '专'),
        ('開', '开'),
        ('發', '发'),
        ('經', '经'),
        ('營', '营'),
        ('業', '业'),
        ('務', '务'),
        ('話', '话'),
        ('幣', '币'),
        ('匯', '汇'),
        ('換', '换'),
        ('貨', '货'),
        ('實', '实'),
        ('體', '体'),
        ('規', '规'),
        ('劃', '划'),
        ('養', '养'),
        ('擔', '担'),
        ('寶', '宝'),
        ('優', '优'),
        ('權', '权'),
        ('價', '价'),
        ('贏', '赢'),
        ('穫', '获'),
        ('獲', '获'),
        ('虧', '亏'),
        ('損', '损'),
        ('兩', '两'),
        ('個', '个'),
        ('準', '准'),
        ('會', '会'),
        ('這', '这'),
        ('學', '学'),
        ('紅', '红'),
        ('長', '长'),
        ('錢', '钱'),
        ('愛', '爱'),
        ('類', '类'),
        ('負', '负'),
        ('責', '责'),
        ('總', '总'),
        ('點', '点'),
        ('條', '条'),
        ('鑽', '钻'),
        ('級', '级'),
        ('貼', '贴'),
        ('現', '现'),
        ('轉', '转'),
        ('機', '机'),
        ('動', '动'),
        ('網', '网'),
        ('電', '电'),
        ('從', '从'),
        ('來', '来'),
        ('過', '过'),
        ('時', '时'),
        ('間', '间'),
        ('齊', '齐'),
        ('變', '变'),
        ('壓', '压'),
        ('幾', '几'),
        ('後', '后'),
    ];
    if (c as u32) < 0x4E00 {
        return c;
    }
    PAIRS.iter().find(|(t, _)| *t == c).map_or(c, |(_, s)| *s)
}

/// Folds a text for matching.
pub fn fold(text: &str) -> Folded {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::{is_nfkd_quick, IsNormalized};
    // NFKD, then accents and other combining marks dropped: "guarantéed"
    // and "N̶o̶ risk" read as what staff see. Most texts (ASCII, plain
    // Chinese) are NFKD already: skip the normaliser's buffering for them.
    let normalized: std::borrow::Cow<str> =
        if is_nfkd_quick(text.chars()) == IsNormalized::Yes && !text.chars().any(is_combining_mark) {
            std::borrow::Cow::Borrowed(text)
        } else {
            std::borrow::Cow::Owned(text.nfkd().filter(|c| !is_combining_mark(*c)).collect())
        };
    let mut spaced = String::with_capacity(normalized.len());
    let mut compact = String::with_capacity(normalized.len());
    let mut gap = false;
    let mut prev: Option<char> = None;
    let mut push = |c: char, gap: &mut bool, prev: &mut Option<char>| {
        if *gap && prev.is_some_and(|p| !is_cjk(p)) && !is_cjk(c) {
            // No gap next to a Chinese character: "保 本" is "保本".
            spaced.push(' ');
        }
        spaced.push(c);
        compact.push(c);
        *gap = false;
        *prev = Some(c);
    };
    for c in normalized.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                push(c.to_ascii_lowercase(), &mut gap, &mut prev);
            } else {
                gap = prev.is_some();
            }
            continue;
        }
        if is_invisible(c) {
            continue;
        }
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                push(simplified(latin_lookalike(l)), &mut gap, &mut prev);
            }
        } else {
            gap = prev.is_some();
        }
    }
    Folded { spaced, compact }
}

/// The phrases folded once, with their text as written.
pub fn prepare(phrases: &[String]) -> Vec<(String, Folded)> {
    phrases.iter().map(|p| (p.clone(), fold(p))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(text: &str, phrase: &str) -> bool {
        Matcher::new(&[phrase.to_owned()]).find(&[text]).is_some()
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

/// Folded phrases in one Aho-Corasick automaton (word boundaries checked
/// on each hit), plus one over the compact forms of the long one-word ones.
#[derive(Debug, Default)]
pub struct Matcher {
    phrases: Vec<(String, Folded)>,
    spaced: Option<aho_corasick::AhoCorasick>,
    /// (automaton, index into `phrases` of each pattern)
    compact: Option<(aho_corasick::AhoCorasick, Vec<usize>)>,
}

impl Matcher {
    pub fn new(phrases: &[String]) -> Matcher {
        Matcher::with_gaps(phrases, true)
    }

    /// `gaps`: whether a long one-word phrase also matches spelt out with
    /// gaps. Not for product names: a glued id such as `chchannel` would
    /// match across the words of "each channel".
    pub fn with_gaps(phrases: &[String], gaps: bool) -> Matcher {
        let phrases: Vec<(String, Folded)> = prepare(phrases)
            .into_iter()
            .filter(|(_, f)| !f.compact.is_empty())
            .collect();
        let spaced = aho_corasick::AhoCorasick::new(phrases.iter().map(|(_, f)| f.spaced.as_str())).ok();
        let long: Vec<usize> = (0..phrases.len())
            .filter(|&i| gaps && !phrases[i].1.spaced.contains(' ') && phrases[i].1.compact.chars().count() >= 6)
            .collect();
        let compact = aho_corasick::AhoCorasick::new(long.iter().map(|&i| phrases[i].1.compact.as_str()))
            .ok()
            .map(|a| (a, long));
        Matcher {
            phrases,
            spaced,
            compact,
        }
    }

    /// The index of the first listed phrase found in the folded text.
    fn first_in(&self, text: &Folded) -> Option<usize> {
        let mut best: Option<usize> = None;
        let mut note = |i: usize| best = Some(best.map_or(i, |b| b.min(i)));
        if let Some(ac) = &self.spaced {
            let t = &text.spaced;
            for m in ac.find_overlapping_iter(t.as_str()) {
                let i = m.pattern().as_usize();
                let p = &self.phrases[i].1.spaced;
                let before = p.starts_with(|c: char| c.is_alphanumeric() && !is_cjk(c));
                let after = p.ends_with(|c: char| c.is_alphanumeric() && !is_cjk(c));
                let ok_before = !before
                    || t[..m.start()]
                        .chars()
                        .next_back()
                        .is_none_or(|c| !c.is_alphanumeric() || is_cjk(c));
                let ok_after = !after
                    || t[m.end()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_alphanumeric() || is_cjk(c));
                if ok_before && ok_after {
                    note(i);
                }
            }
        }
        if let Some((ac, index)) = &self.compact {
            for m in ac.find_overlapping_iter(text.compact.as_str()) {
                note(index[m.pattern().as_usize()]);
            }
        }
        best
    }

    /// The indexes of every listed phrase found in the folded text.
    fn all_in(&self, text: &Folded) -> Vec<usize> {
        let mut out = Vec::new();
        if let Some(ac) = &self.spaced {
            let t = &text.spaced;
            for m in ac.find_overlapping_iter(t.as_str()) {
                let i = m.pattern().as_usize();
                if self.bounded(t, i, m.start(), m.end()) && !out.contains(&i) {
                    out.push(i);
                }
            }
        }
        if let Some((ac, index)) = &self.compact {
            for m in ac.find_overlapping_iter(text.compact.as_str()) {
                let i = index[m.pattern().as_usize()];
                if !out.contains(&i) {
                    out.push(i);
                }
            }
        }
        out
    }

    /// Whether a hit of phrase `i` at `start..end` sits on word boundaries
    /// where the phrase begins or ends with a Latin letter or digit.
    fn bounded(&self, t: &str, i: usize, start: usize, end: usize) -> bool {
        let p = &self.phrases[i].1.spaced;
        let before = p.starts_with(|c: char| c.is_alphanumeric() && !is_cjk(c));
        let after = p.ends_with(|c: char| c.is_alphanumeric() && !is_cjk(c));
        let ok_before = !before
            || t[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric() || is_cjk(c));
        let ok_after = !after
            || t[end..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric() || is_cjk(c));
        ok_before && ok_after
    }

    /// Every listed phrase found in `text`, as written in the list.
    pub fn phrases_in(&self, text: &str) -> Vec<&str> {
        let mut hits = self.all_in(&fold(text));
        hits.sort_unstable();
        hits.into_iter().map(|i| self.phrases[i].0.as_str()).collect()
    }

    /// The first listed phrase found in any of the texts.
    pub fn find(&self, texts: &[&str]) -> Option<&str> {
        if self.phrases.is_empty() {
            return None;
        }
        texts
            .iter()
            .filter_map(|t| self.first_in(&fold(t)))
            .min()
            .map(|i| self.phrases[i].0.as_str())
    }
}

/// What the wording policy checks against, built once per pack.
#[derive(Debug, Default)]
pub struct Wording {
    /// `policy.forbidden_phrases`.
    forbidden: Matcher,
    /// Every catalogue product's names and id: without marketing consent no
    /// note or reason may name one. Patterns are "id", "zh", "en" per product.
    products: Matcher,
    product_ids: Vec<String>,
    /// Texts already checked: branch texts repeat across customers.
    cache: std::cell::RefCell<Memo<Option<String>>>,
    /// The products each text names (indexes into `product_ids`, in the
    /// order they are first found), by text: folding and matching a text
    /// costs far more than looking it up, and reasons and notes repeat.
    named_cache: std::cell::RefCell<Memo<Vec<usize>>>,
}

/// Checked texts and what was found in them.
type Memo<T> = std::collections::HashMap<String, T, std::hash::BuildHasherDefault<ahash::AHasher>>;

/// Texts remembered at most; past it the memo starts again.
const CACHE_LIMIT: usize = 8192;

impl Wording {
    pub fn new(phrases: &[String], catalogue: &std::collections::BTreeMap<String, crate::pack::Product>) -> Wording {
        let mut names = Vec::new();
        let mut product_ids = Vec::new();
        for p in catalogue.values() {
            let glued = p.id.replace(['.', '_'], "");
            let all = [&p.zh, &p.en, &p.id, &glued].into_iter().chain(&p.aliases);
            for n in all {
                if fold(n).compact.is_empty() {
                    continue; // kept aligned with `product_ids`
                }
                names.push(n.clone());
                product_ids.push(p.id.clone());
            }
        }
        Wording {
            forbidden: Matcher::new(phrases),
            products: Matcher::with_gaps(&names, false),
            product_ids,
            cache: Default::default(),
            named_cache: Default::default(),
        }
    }

    /// The first forbidden phrase in any of the texts.
    pub fn forbidden(&self, texts: &[&str]) -> Option<String> {
        let mut cache = self.cache.borrow_mut();
        let mut found: Option<String> = None;
        for t in texts {
            let hit = match cache.get(*t) {
                Some(hit) => hit.clone(),
                None => {
                    let hit = self.forbidden.find(&[t]).map(str::to_owned);
                    if cache.len() >= CACHE_LIMIT {
                        cache.clear();
                    }
                    cache.insert((*t).to_owned(), hit.clone());
                    hit
                }
            };
            if hit.is_some() && found.is_none() {
                found = hit;
            }
        }
        found
    }

    /// Every catalogue product the texts name, each once.
    pub fn products_named(&self, texts: &[&str]) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let mut cache = self.named_cache.borrow_mut();
        for t in texts {
            let hits = match cache.get(*t) {
                Some(hits) => hits,
                None => {
                    let hits = self.products.all_in(&fold(t));
                    if cache.len() >= CACHE_LIMIT {
                        cache.clear();
                    }
                    cache.entry((*t).to_owned()).or_insert(hits)
                }
            };
            for &i in hits {
                if let Some(id) = self.product_ids.get(i) {
                    if !out.contains(&id.as_str()) {
                        out.push(id);
                    }
                }
            }
        }
        out
    }
}
