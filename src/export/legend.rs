//! The legend: its items, balanced columns and swatches.

use super::*;

/// Height of the legend's title band, in page units.
pub(super) const LEGEND_HEADER: f32 = 30.0;

/// One block of the legend: a section title (no swatch) or an entry, with its wrapped lines
/// and its height at the given unit.
pub(super) struct LegendItem<'a> {
    pub(super) swatch: Option<&'a Swatch>,
    pub(super) lines: Vec<String>,
    pub(super) height: f32,
}

pub(super) fn legend_items(scene: &Scene, col_w: f32, u: f32) -> Vec<LegendItem<'_>> {
    let mut items = Vec::new();
    for section in &scene.legend {
        let lines = wrap(&section.title, 13.0 * u, col_w);
        let height = 10.0 * u + 16.0 * u * lines.len() as f32;
        items.push(LegendItem {
            swatch: None,
            lines,
            height,
        });
        for e in &section.entries {
            let mut label = e.label.clone();
            if let Swatch::Ramp { low, high, .. } = &e.swatch {
                label = format!("{label}: {low}–{high}");
            }
            let lines = wrap(&label, 12.0 * u, col_w - 34.0 * u);
            let height = 22.0 * u + 15.0 * u * (lines.len().max(1) - 1) as f32;
            items.push(LegendItem {
                swatch: Some(&e.swatch),
                lines,
                height,
            });
        }
    }
    items
}

/// Splits legend blocks into `cols` columns of about equal height, never leaving a section
/// title alone at the bottom of a column.
pub(super) fn legend_columns(items: &[LegendItem], cols: usize) -> Vec<Vec<usize>> {
    let total: f32 = items.iter().map(|i| i.height).sum();
    let target = total / cols.max(1) as f32;
    let mut out = vec![Vec::new()];
    let mut h = 0.0;
    for (k, item) in items.iter().enumerate() {
        let is_title = item.swatch.is_none();
        if out.len() < cols
            && h > 0.0
            && (h + item.height > target * 1.02
                || (is_title && h + item.height * 2.0 > target * 1.1))
        {
            out.push(Vec::new());
            h = 0.0;
        }
        if let Some(col) = out.last_mut() {
            col.push(k);
        }
        h += item.height;
    }
    out
}

/// The legend box's height for a portrait page of width `w` (two columns).
pub(super) fn portrait_legend_height(scene: &Scene, w: f32, u: f32, margin: f32) -> f32 {
    let pad = 12.0 * u;
    let col_w = (w - 2.0 * margin - 2.0 * pad) / 2.0;
    let items = legend_items(scene, col_w, u);
    let tallest = legend_columns(&items, 2)
        .iter()
        .map(|col| col.iter().map(|k| items[*k].height).sum::<f32>())
        .fold(0.0, f32::max);
    LEGEND_HEADER * u + tallest + pad
}

pub(super) fn swatch(c: &mut dyn Canvas, s: &Swatch, x: f32, y: f32, u: f32) {
    let (w, h) = (26.0 * u, 14.0 * u);
    match s {
        Swatch::Fill { fill, stroke } => c.rect(
            x,
            y,
            w,
            h,
            Some(*fill),
            stroke.map(|st| line_of(&st, u, 1.0)),
        ),
        Swatch::Line(st) => c.polyline(
            &[Px::new(x, y + h / 2.0), Px::new(x + w, y + h / 2.0)],
            line_of(st, u, 1.0),
        ),
        Swatch::Marker {
            shape: MarkerShape::Star,
            fill,
        } => c.shape(
            &[star(Px::new(x + w / 2.0, y + h / 2.0), 8.0 * u)],
            Some(*fill),
            None,
        ),
        Swatch::Marker { fill, .. } => c.circle(
            Px::new(x + w / 2.0, y + h / 2.0),
            5.0 * u,
            Some(*fill),
            None,
        ),
        Swatch::Dot(col) => c.circle(Px::new(x + w / 2.0, y + h / 2.0), 4.5 * u, Some(*col), None),
        Swatch::Ramp { colors, .. } => {
            let n = colors.len().max(1) as f32;
            for (k, col) in colors.iter().enumerate() {
                let col = Rgba::with_alpha(col.0[0], col.0[1], col.0[2], col.0[3].max(40));
                c.rect(x + w * k as f32 / n, y, w / n, h, Some(col), None);
            }
        }
    }
}
