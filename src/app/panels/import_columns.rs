//! The import dialog's column pickers: which column detection takes for each role, and the
//! columns offered, worked out when the preview or a choice changes rather than every frame
//! (a register may have thousands of columns).

use std::collections::HashMap;

use crate::data::FirmLoadOptions;
use crate::data::dates::DateColumns;
use crate::model::Lang;

/// What the column pickers show, for the options and language it was made for.
pub struct ColumnPickers {
    made_for: (FirmLoadOptions, Lang),
    /// The header detection takes for longitude, latitude, name, segment, id and founding
    /// date, with the other choices as they stand.
    pub detected: [Option<String>; 6],
    /// Each column's value for the options (its name, or its 1-based number when the name
    /// is repeated: a name finds the first) and its label.
    pub choices: Vec<(String, String)>,
}

impl ColumnPickers {
    pub fn new(headers: &[String], opts: &FirmLoadOptions, lang: Lang) -> Self {
        let header = |c: Option<usize>| c.and_then(|c| headers.get(c)).cloned();
        let found = crate::data::detect_columns(headers, opts, "").ok();
        let [lon, lat, name, segment, id] = match &found {
            Some(f) => [Some(f.lon), Some(f.lat), f.name, f.segment, f.id].map(header),
            None => [None, None, None, None, None],
        };
        let founded = DateColumns::find(headers, None).and_then(|d| header(Some(d.founded)));
        let mut uses: HashMap<&str, usize> = HashMap::new();
        for h in headers {
            *uses.entry(h.as_str()).or_default() += 1;
        }
        let choices = headers
            .iter()
            .enumerate()
            .map(|(k, h)| {
                if uses.get(h.as_str()).is_some_and(|n| *n > 1) {
                    let n = k + 1;
                    let text = if lang.chinese() {
                        format!("{h}（第 {n} 列）")
                    } else {
                        format!("{h} (column {n})")
                    };
                    (n.to_string(), text)
                } else {
                    (h.clone(), h.clone())
                }
            })
            .collect();
        Self {
            made_for: (opts.clone(), lang),
            detected: [lon, lat, name, segment, id, founded],
            choices,
        }
    }

    /// Whether these pickers were made for these options and language.
    pub fn fits(&self, opts: &FirmLoadOptions, lang: Lang) -> bool {
        self.made_for.0 == *opts && self.made_for.1 == lang
    }

    /// The label of a picked value (its column's label, or the value itself).
    pub fn label_of(&self, value: &str) -> String {
        self.choices
            .iter()
            .find(|(c, _)| c == value)
            .map_or_else(|| value.to_string(), |(_, l)| l.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::ColumnPickers;
    use crate::data::FirmLoadOptions;
    use crate::model::Lang;

    #[test]
    fn repeated_headers_are_offered_by_number_and_detection_is_named() {
        let headers: Vec<String> = ["id", "lon", "lat", "lon", "lat", "成立日期"]
            .map(String::from)
            .to_vec();
        let opts = FirmLoadOptions::default();
        let p = ColumnPickers::new(&headers, &opts, Lang::En);
        let values: Vec<&str> = p.choices.iter().map(|(v, _)| v.as_str()).collect();
        assert_eq!(values, ["id", "2", "3", "4", "5", "成立日期"]);
        assert_eq!(p.label_of("4"), "lon (column 4)");
        assert_eq!(p.label_of("id"), "id");
        assert_eq!(p.detected[0].as_deref(), Some("lon"));
        assert_eq!(p.detected[4].as_deref(), Some("id"));
        assert_eq!(p.detected[5].as_deref(), Some("成立日期"));
        assert_eq!(p.detected[3], None);
        assert!(p.fits(&opts, Lang::En) && !p.fits(&opts, Lang::Zh));
        let chosen = FirmLoadOptions {
            lon_col: Some("4".into()),
            ..Default::default()
        };
        assert!(!p.fits(&chosen, Lang::En));
    }
}
