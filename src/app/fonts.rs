//! The bundled Simplified Chinese font (Noto Sans SC subset, SIL OFL 1.1; see
//! `assets/fonts/OFL.txt`), installed so no glyph is missing whatever the machine has.

/// The font file, also used by the exporters.
pub use crate::scene::FONT_BYTES;

/// Adds the bundled font as a fallback after egui's own Latin fonts, for both families.
pub fn install(ctx: &egui::Context) {
    use egui::{FontInsert, FontPriority, InsertFontFamily};
    ctx.add_font(FontInsert {
        name: "NotoSansSC-Subset".into(),
        data: egui::FontData::from_static(FONT_BYTES),
        families: vec![
            InsertFontFamily {
                family: egui::FontFamily::Proportional,
                priority: FontPriority::Lowest,
            },
            InsertFontFamily {
                family: egui::FontFamily::Monospace,
                priority: FontPriority::Lowest,
            },
        ],
    });
}
