//! Case-insensitive search for the search boxes, without lowercasing a copy of every name:
//! most names (Chinese, digits, lowercase Latin) are what lowercasing would give already, and
//! are searched as they are.

use memchr::memmem::Finder;

/// A query, lowercased and trimmed once, matched against many texts.
pub struct LowercaseSearch {
    key: String,
    finder: Finder<'static>,
}

impl LowercaseSearch {
    /// The search for `query` (trimmed, lowercased).
    pub fn new(query: &str) -> Self {
        let key = query.trim().to_lowercase();
        let finder = Finder::new(key.as_bytes()).into_owned();
        Self { key, finder }
    }

    /// True for an empty query, which everything matches.
    pub fn is_empty(&self) -> bool {
        self.key.is_empty()
    }

    /// The query as lowercased.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// True when `text` lowercased (as `str::to_lowercase` does it) contains the query.
    pub fn matches(&self, text: &str) -> bool {
        if self.key.is_empty() {
            return true;
        }
        if lowercase_already(text) {
            self.finder.find(text.as_bytes()).is_some()
        } else {
            self.finder.find(text.to_lowercase().as_bytes()).is_some()
        }
    }
}

/// True when lowercasing leaves `text` as it is. CJK scripts (U+3000–U+9FFF) have no case;
/// other characters are asked (`str::to_lowercase` differs from `char::to_lowercase` only
/// for Σ, which is not lowercase already).
fn lowercase_already(text: &str) -> bool {
    text.chars().all(|c| {
        if c.is_ascii() {
            !c.is_ascii_uppercase()
        } else if ('\u{3000}'..='\u{9FFF}').contains(&c) {
            true
        } else {
            let mut l = c.to_lowercase();
            l.next() == Some(c) && l.next().is_none()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut for CJK holds: no character of U+3000–U+9FFF changes when lowercased.
    #[test]
    fn cjk_characters_have_no_case() {
        for c in ('\u{3000}'..='\u{9FFF}').filter_map(|c| char::from_u32(c as u32)) {
            assert_eq!(c.to_lowercase().collect::<String>(), c.to_string(), "{c:?}");
        }
    }

    /// Against `to_lowercase().contains()` (the oracle), on texts and queries mixing Chinese,
    /// ASCII capitals, full-width Latin, Greek (with final sigma), German ß, Turkish İ and
    /// title-case digraphs.
    #[test]
    fn matches_as_lowercasing_a_copy_would() {
        let pieces = [
            "示例",
            "科技",
            "Tech",
            "tech",
            "ＡＢＣ",
            "ａｂｃ",
            "ΟΔΟΣ",
            "οδος",
            "ς",
            "Σ",
            "ẞ",
            "ß",
            "İ",
            "i̇",
            "ǅ",
            "ǆ",
            "F3",
            "f3",
            "299",
            " ",
            ",",
            "（合成）",
            "Ω",
        ];
        let mut state = 9u64;
        let mut pick = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        let mut compared = (0, 0);
        for _ in 0..20_000 {
            let text: String = (0..pick(5)).map(|_| pieces[pick(pieces.len())]).collect();
            let query: String = (0..1 + pick(2))
                .map(|_| pieces[pick(pieces.len())])
                .collect();
            let search = LowercaseSearch::new(&query);
            let want = text
                .to_lowercase()
                .contains(query.trim().to_lowercase().as_str());
            assert_eq!(search.matches(&text), want, "{text:?} {query:?}");
            compared.0 += 1;
            compared.1 += usize::from(want);
        }
        // Both answers were seen often.
        assert!(
            compared.1 > 1_000 && compared.0 - compared.1 > 1_000,
            "{compared:?}"
        );
        assert!(LowercaseSearch::new("  ").matches("x") && LowercaseSearch::new("").is_empty());
        assert_eq!(LowercaseSearch::new(" ÀB ").key(), "àb");
    }
}
