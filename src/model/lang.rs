//! The one way bilingual text is chosen. Every user-facing text is written as a pair
//! (中文, English) at the place it is shown and picked with [`Lang::pick`] (owned text, joined
//! as "中文 / English" for [`Lang::Both`]) or [`Lang::one`] (borrowed, one language: names and
//! short labels, Chinese for `Both`). Domain functions take a `Lang`, never a `chinese: bool`.

use serde::{Deserialize, Serialize};

/// Display language. The window shows one language ([`Lang::Zh`] or [`Lang::En`]); exports
/// may also show both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
    /// Both (exports): Chinese first.
    Both,
}

impl Lang {
    /// True when Chinese is shown (alone or first).
    pub fn chinese(self) -> bool {
        !matches!(self, Lang::En)
    }

    /// The text for this language ("中文 / English" for both).
    pub fn pick(self, zh: &str, en: &str) -> String {
        match self {
            Lang::Zh => zh.to_string(),
            Lang::En => en.to_string(),
            Lang::Both if zh == en => zh.to_string(),
            Lang::Both => format!("{zh} / {en}"),
        }
    }

    /// One of the two texts, borrowed: for names and labels shown in one language only
    /// (Chinese for [`Lang::Both`], where a name is not written twice).
    pub fn one<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        if self.chinese() { zh } else { en }
    }

    /// The language the window shows for this setting: `Both` (an export choice) shows Chinese.
    pub fn single(self) -> Lang {
        match self {
            Lang::Both => Lang::Zh,
            l => l,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "cn" | "chinese" | "中文" => Some(Lang::Zh),
            "en" | "english" => Some(Lang::En),
            "both" | "zh+en" => Some(Lang::Both),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_one_and_single_follow_the_language() {
        assert_eq!(Lang::Zh.pick("区", "zone"), "区");
        assert_eq!(Lang::En.pick("区", "zone"), "zone");
        assert_eq!(Lang::Both.pick("区", "zone"), "区 / zone");
        assert_eq!(Lang::Both.pick("Z01", "Z01"), "Z01");
        assert_eq!(Lang::Both.one("区", "zone"), "区");
        assert_eq!(Lang::En.one("区", "zone"), "zone");
        assert_eq!(Lang::Both.single(), Lang::Zh);
        assert_eq!(Lang::En.single(), Lang::En);
        assert_eq!(Lang::parse(" English "), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
