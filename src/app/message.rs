//! A message in the status bar: a notice or an error, in the window's language.

use crate::model::Lang;

/// A message for the user (errors stay until dismissed).
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub error: bool,
    /// The text in the window's language when it was made.
    pub text: String,
    /// The same text in the other language, shown when the window has switched to it (a load
    /// error stays until dismissed); None where one text serves both.
    pub other: Option<(Lang, String)>,
}

impl Message {
    /// A message written in both languages: `zh` or `en` as the window's language `now`
    /// picks, the other kept for a switch.
    pub fn both(error: bool, now: Lang, zh: String, en: String) -> Self {
        let (text, other) = if now.chinese() {
            (zh, (Lang::En, en))
        } else {
            (en, (Lang::Zh, zh))
        };
        Message {
            error,
            text,
            other: Some(other),
        }
    }

    /// A message whose text reads the same in both languages (a file name, a path).
    pub fn plain(error: bool, text: String) -> Self {
        Message {
            error,
            text,
            other: None,
        }
    }

    /// A reason from the data layer, written in English: in Chinese too when it is a known
    /// text ([`super::reasons::report_text`]), so it follows a switch of language.
    pub fn reason(error: bool, now: Lang, en: String) -> Self {
        let zh = super::reasons::report_text(&en, Lang::Zh);
        Self::both(error, now, zh, en)
    }

    /// The text to show in a window whose language is `lang`.
    pub fn shown(&self, lang: Lang) -> &str {
        match &self.other {
            Some((l, t)) if *l == lang => t,
            _ => &self.text,
        }
    }

    /// Whether the text starts with `prefix` in either language.
    pub fn starts_with(&self, prefix: &str) -> bool {
        self.text.starts_with(prefix)
            || self
                .other
                .as_ref()
                .is_some_and(|(_, t)| t.starts_with(prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_in_both_languages_follows_the_window() {
        for now in [Lang::Zh, Lang::En] {
            let m = Message::both(true, now, "找不到文件: a".into(), "No such file: a".into());
            assert_eq!(m.text, now.pick("找不到文件: a", "No such file: a"));
            assert_eq!(m.shown(Lang::Zh), "找不到文件: a");
            assert_eq!(m.shown(Lang::En), "No such file: a");
            assert!(m.starts_with("找不到文件") && m.starts_with("No such file"));
            assert!(!m.starts_with("Firms"));
        }
        let one = Message {
            error: false,
            text: "→ out.csv".into(),
            other: None,
        };
        assert_eq!(one.shown(Lang::Zh), "→ out.csv");
        assert_eq!(one.shown(Lang::En), "→ out.csv");
    }
}
