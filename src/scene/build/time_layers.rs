//! The hot-spot layer (Gi* classes on the fishnet) and the year filter of the firm layer:
//! firms alive in the chosen year, the newly founded ones highlighted.

use rayon::prelude::*;

use super::super::palette;
use super::super::{
    Item, Layer, LayerKind, LegendEntry, LegendSection, PolygonItem, Rgba, SceneSettings, Swatch,
};
use super::SceneInput;
use super::parts::Parts;
use crate::model::Xy;

/// Colours of the classes +3…−3 (ArcGIS's hot-spot ramp).
pub fn class_colour(class: i8) -> Rgba {
    match class {
        3 => Rgba::rgb(0xd6, 0x2f, 0x27),
        2 => Rgba::rgb(0xed, 0x75, 0x51),
        1 => Rgba::rgb(0xfa, 0xb9, 0x84),
        -1 => Rgba::rgb(0xc0, 0xcc, 0xe8),
        -2 => Rgba::rgb(0x7b, 0x9f, 0xcf),
        _ => Rgba::rgb(0x45, 0x75, 0xb5),
    }
}

/// Significant cells as squares coloured by class, with their legend.
pub(super) fn hotspots(input: &SceneInput, s: &SceneSettings, out: &mut Parts) {
    let (Some(h), true) = (input.hotspots, s.hotspots.visible) else {
        return;
    };
    let half = h.cell_m / 2.0;
    let mut items = Vec::new();
    for c in h.cells.iter().filter(|c| c.class != 0) {
        let ring = vec![
            Xy::new(c.x_m - half, c.y_m - half),
            Xy::new(c.x_m + half, c.y_m - half),
            Xy::new(c.x_m + half, c.y_m + half),
            Xy::new(c.x_m - half, c.y_m + half),
            Xy::new(c.x_m - half, c.y_m - half),
        ];
        items.push(Item::Polygon(PolygonItem {
            vertices: ring[..4].to_vec(),
            triangles: vec![0, 1, 2, 0, 2, 3],
            rings: vec![ring],
            fill: class_colour(c.class),
            stroke: None,
            coarse: None,
        }));
    }
    out.layers.push(Layer {
        kind: LayerKind::Hotspots,
        opacity: s.hotspots.opacity,
        items,
    });
    let lang = s.lang;
    let k = &h.classes;
    let mut entries = Vec::new();
    for (class, n, zh, en) in [
        (3, k.hot_99, "热点 99%", "Hot spot 99 %"),
        (2, k.hot_95, "热点 95%", "Hot spot 95 %"),
        (1, k.hot_90, "热点 90%", "Hot spot 90 %"),
        (-1, k.cold_90, "冷点 90%", "Cold spot 90 %"),
        (-2, k.cold_95, "冷点 95%", "Cold spot 95 %"),
        (-3, k.cold_99, "冷点 99%", "Cold spot 99 %"),
    ] {
        if n > 0 {
            entries.push(LegendEntry {
                swatch: Swatch::Fill {
                    fill: class_colour(class),
                    stroke: None,
                },
                label: lang.pick(&format!("{zh}（{n} 格）"), &format!("{en} ({n} cells)")),
            });
        }
    }
    out.legend.push(LegendSection {
        title: lang.pick(
            &format!(
                "Gi* 热点（{:.0} 米方格，邻域 {:.0} 米，FDR 校正）",
                h.cell_m, h.band_m
            ),
            &format!(
                "Gi* hot spots ({:.0} m cells, band {:.0} m, FDR-corrected)",
                h.cell_m, h.band_m
            ),
        ),
        entries,
    });
}

/// With a year chosen: colour 255 (not drawn) for firms not alive that year, and the
/// highlight colour for those founded in the last `new_years` years. Returns the legend
/// entry and the title's suffix, or `None` when no year is chosen or the firms have no dates.
pub(super) fn year_filter(
    input: &SceneInput,
    s: &SceneSettings,
    colour: &mut [u8],
    palette_v: &mut Vec<Rgba>,
) -> Option<(LegendEntry, String)> {
    let (year, t) = (s.year?, input.times?);
    let highlight = palette_v.len().min(254) as u8;
    palette_v.push(palette::SELECTION);
    let first_new = year - i32::from(s.new_years.max(1)) + 1;
    // Millions of firms: slices of 64k on all threads, each counting its own.
    const SLICE: usize = 1 << 16;
    let (alive, new) = colour
        .par_chunks_mut(SLICE)
        .enumerate()
        .map(|(k, part)| {
            let (mut alive, mut new) = (0usize, 0usize);
            for (j, c) in part.iter_mut().enumerate() {
                let i = k * SLICE + j;
                if !t.alive(i, year) {
                    *c = 255;
                    continue;
                }
                alive += 1;
                if t.founded.get(i).is_some_and(|f| i32::from(*f) >= first_new) {
                    *c = highlight;
                    new += 1;
                }
            }
            (alive, new)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let lang = s.lang;
    let span = if first_new == year {
        year.to_string()
    } else {
        format!("{first_new}–{year}")
    };
    let entry = LegendEntry {
        swatch: Swatch::Dot(palette::SELECTION),
        label: lang.pick(
            &format!("{span} 年新成立（{new}）"),
            &format!("Founded {span} ({new})"),
        ),
    };
    let suffix = lang.pick(
        &format!("，{year} 年存续 {alive} 家"),
        &format!("; {alive} alive in {year}"),
    );
    Some((entry, suffix))
}
