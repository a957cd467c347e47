//! The firms' segment names as the firms table's filter and the load report show them: each
//! with its labels, its firm count and whether the fit table knows it, made once per dataset.
//! A register may hold hundreds of 行业 values, and matching one name to the fit table
//! lower-cases the whole table, so doing it per name every frame cost the window.

use super::tables::Tables;
use crate::app::Dataset;
use crate::model::{Firms, FitTable, Lang};

/// More choices than this get a search box and a scrolled list in the filter.
pub const FEW_CHOICES: usize = 12;

/// One segment name of the data.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// The name as the data has it ("" for the blank segment).
    pub name: String,
    pub label_zh: String,
    pub label_en: String,
    pub firms: usize,
    /// The palette index the map gives it with no names picked (the automatic classes).
    pub auto_class: u8,
    /// Name and labels lower-cased, for the search box.
    search: String,
}

impl Choice {
    /// "label (firms)" in the window's language, as the lists show a choice.
    pub fn label(&self, lang: Lang) -> String {
        format!(
            "{} ({})",
            lang.one(&self.label_zh, &self.label_en),
            self.firms
        )
    }
}

/// A search box over a list of choices: open the list and type, the box takes the keys.
pub(super) fn search_box(ui: &mut egui::Ui, query: &mut String, hint: String) {
    let find = ui.add(egui::TextEdit::singleline(query).hint_text(hint));
    if ui.memory(|m| m.focused().is_none()) {
        find.request_focus();
    }
}

/// `shown` in a scrolled list that draws only its visible rows, each by `row` (a register
/// may hold 1,500 names); `none_found` when there are none.
pub(super) fn choice_rows(
    ui: &mut egui::Ui,
    shown: &[&Choice],
    none_found: String,
    mut row: impl FnMut(&mut egui::Ui, &Choice),
) {
    if shown.is_empty() {
        ui.weak(none_found);
    }
    let height = ui.spacing().interact_size.y;
    egui::ScrollArea::vertical()
        .max_height(300.0)
        .auto_shrink([false, true])
        .show_rows(ui, height, shown.len(), |ui, range| {
            for c in shown.get(range).unwrap_or_default() {
                row(ui, c);
            }
        });
}

/// The data's segment names, most firms first, and those the fit table does not know.
#[derive(Clone, Debug)]
pub struct SegmentChoices {
    /// The data generation they were made for.
    pub generation: u64,
    pub choices: Vec<Choice>,
    /// Non-blank names the fit table does not know, in the data's order.
    pub unknown: Vec<String>,
    /// The map colours the data's own most common names, the fit table knowing too few
    /// ([`crate::scene::own_segment_classes`]).
    pub own_colours: bool,
}

impl SegmentChoices {
    /// The choices of `firms` (names with at least one firm; ties by label).
    pub fn of(firms: &Firms, fit: &FitTable, generation: u64) -> Self {
        let count = firms.per_segment();
        // Names as classes, nothing being picked: the data's own commonest.
        let (auto, own) = crate::scene::segment_classes(firms, fit, &count, &[]);
        let own_colours = own.is_some();
        let mut choices: Vec<Choice> = (firms.segments.iter().zip(count).zip(auto))
            .filter(|((_, n), _)| *n > 0)
            .map(|((name, n), auto_class)| {
                let (zh, en) = fit.labels_of(name);
                let search = format!("{name}\n{zh}\n{en}").to_lowercase();
                Choice {
                    name: name.clone(),
                    label_zh: zh,
                    label_en: en,
                    firms: n,
                    auto_class,
                    search,
                }
            })
            .collect();
        choices.sort_by(|a, b| b.firms.cmp(&a.firms).then(a.label_en.cmp(&b.label_en)));
        Self {
            generation,
            choices,
            unknown: fit
                .unknown(&firms.segments)
                .into_iter()
                .map(String::from)
                .collect(),
            own_colours,
        }
    }

    /// The choices whose name or a label holds `query` (any case; all for a blank query).
    pub fn matching(&self, query: &str) -> Vec<&Choice> {
        let q = query.trim().to_lowercase();
        self.choices
            .iter()
            .filter(|c| c.search.contains(&q))
            .collect()
    }
}

impl super::PanelState {
    /// The data's segment choices, made again when the data changed.
    pub(super) fn refresh_segment_choices(&mut self, data: &Dataset, fit: &FitTable) {
        let generation = data.generation;
        if self.segment_choices.as_ref().map(|c| c.generation) != Some(generation) {
            self.segment_choices = Some(SegmentChoices::of(&data.firms, fit, generation));
        }
    }
}

impl Tables<'_> {
    /// Makes the data's segment choices again when the data changed.
    pub(super) fn refresh_segment_choices(&mut self) {
        self.state
            .refresh_segment_choices(self.view.data, self.view.fit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firms(names: &[&str], per_firm: &[u16]) -> Firms {
        Firms {
            segments: names.iter().map(|s| s.to_string()).collect(),
            segment: per_firm.to_vec(),
            ..Default::default()
        }
    }

    /// Counts are the firms per name (the oracle: counted by hand), names without firms are
    /// left out, known names take the table's labels, and the search finds names and labels.
    #[test]
    fn choices_count_label_and_search_the_segments() {
        let fit = crate::data::bundled::fit_table().unwrap();
        let hw = &fit.segments[0];
        let data = firms(
            &[
                "",
                hw.key.as_str(),
                "C3971 电子元件",
                "nobody",
                "c3972 光学",
            ],
            &[1, 2, 2, 1, 0, 0, 0, 4, 2],
        );
        let c = SegmentChoices::of(&data, &fit, 7);
        let names: Vec<(&str, usize, u8)> = c
            .choices
            .iter()
            .map(|c| (c.name.as_str(), c.firms, c.auto_class))
            .collect();
        // Most firms first; the tie at 3 by English label: "(blank)" before "C3971 …". Two
        // of six firms with a segment are known: the map's automatic classes are the data's
        // commonest names (ties by first seen), the blank grey (hand-worked).
        let want = [
            ("", 3, 5),
            ("C3971 电子元件", 3, 0),
            (hw.key.as_str(), 2, 1),
            ("c3972 光学", 1, 2),
        ];
        assert_eq!(names, want);
        assert!(c.own_colours);
        assert_eq!(c.generation, 7);
        assert_eq!(c.unknown, ["C3971 电子元件", "nobody", "c3972 光学"]);
        let known = c.choices.iter().find(|x| x.name == hw.key).unwrap();
        assert_eq!(
            (&known.label_zh, &known.label_en),
            (&hw.label_zh, &hw.label_en)
        );
        let found = |q: &str| {
            c.matching(q)
                .iter()
                .map(|x| x.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(found("C397").len(), 2);
        assert_eq!(found("光学"), ["c3972 光学"]);
        assert_eq!(
            found(&hw.label_en.to_uppercase()),
            std::slice::from_ref(&hw.key)
        );
        assert_eq!(found(" "), found(""));
        assert_eq!(found("").len(), 4);
        assert!(found("blank").contains(&String::new()));
    }
}
