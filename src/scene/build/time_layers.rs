//! The hot-spot layer (Gi* classes on the fishnet) and the year filter of the firm layer:
//! firms alive in the chosen year, the newly founded ones highlighted.

use std::sync::Arc;

use super::super::palette;
use super::super::{
    Item, Layer, LayerKind, LegendEntry, LegendSection, PolygonItem, RasterItem, Rgba,
    SceneSettings, Swatch, YearView,
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

/// Widest fishnet (cells per side) drawn as one image; a wider one is drawn as squares.
const MAX_IMAGE_SIDE: u32 = 4096;

/// Significant cells coloured by class, with their legend: one image of the fishnet (a pixel
/// per cell, the others transparent, drawn without smoothing), since tens of thousands of
/// squares cost every frame that draws them as shapes.
pub(super) fn hotspots(input: &SceneInput, s: &SceneSettings, out: &mut Parts) {
    let (Some(h), true) = (input.hotspots, s.hotspots.visible) else {
        return;
    };
    let (cols, rows) = (h.cols, h.rows);
    let items = if cols > 0 && rows > 0 && cols <= MAX_IMAGE_SIDE && rows <= MAX_IMAGE_SIDE {
        let (w, hh) = (cols as usize, rows as usize);
        let mut rgba = vec![0u8; w * hh * 4];
        for c in h
            .cells
            .iter()
            .filter(|c| c.class != 0 && c.col < cols && c.row < rows)
        {
            // Row 0 of the fishnet is the southern one; images start with the northern.
            let i = ((hh - 1 - c.row as usize) * w + c.col as usize) * 4;
            if let Some(px) = rgba.get_mut(i..i + 4) {
                px.copy_from_slice(&class_colour(c.class).0);
            }
        }
        vec![Item::Raster(RasterItem {
            origin: Xy::new(h.origin_x_m, h.origin_y_m),
            cell_m: h.cell_m,
            width: w,
            height: hh,
            rgba: Arc::new(rgba),
            smooth: false,
        })]
    } else {
        squares(h)
    };
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

/// Significant cells as squares (a fishnet too wide for one image).
fn squares(h: &crate::analysis::hotspots::Hotspots) -> Vec<Item> {
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
    items
}

/// With a year chosen: the [`YearView`] that draws only the firms alive that year, those
/// founded in the last `new_years` years in the highlight colour (added to `palette_v`), with
/// the legend entry and the title's suffix; `None` when no year is chosen or the firms have no
/// dates. The counts come from the data's year table, not from a pass over the firms.
pub(super) fn year_filter(
    input: &SceneInput,
    s: &SceneSettings,
    palette_v: &mut Vec<Rgba>,
) -> Option<(YearView, LegendEntry, String)> {
    let (year, t) = (s.year?, input.times?);
    let highlight = palette_v.len().min(254) as u8;
    palette_v.push(palette::SELECTION);
    let first_new = year - i32::from(s.new_years.max(1)) + 1;
    let (alive, new) = t.year_counts().alive_new(year, first_new);
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
    let view = YearView {
        times: t.clone(),
        year,
        first_new,
        highlight,
    };
    Some((view, entry, suffix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FirmTimes;
    use crate::scene::PointsItem;

    /// Years around the edges (unknown 0, closing in the year itself, founded later), and a
    /// closing column shorter than the firms.
    fn times(n: usize) -> FirmTimes {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as i64
        };
        let pick = |r: i64| {
            if r % 7 == 0 {
                0
            } else {
                2010 + (r % 15) as i16
            }
        };
        FirmTimes {
            founded: (0..n).map(|_| pick(next())).collect(),
            closed: (0..n - 40)
                .map(|_| if next() % 3 == 0 { pick(next()) } else { 0 })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_year_view_draws_the_firms_alive_that_year_and_highlights_the_new() {
        let n = 5_000;
        let times = Arc::new(times(n));
        let mut mixed = 0;
        for (year, first_new) in [(2016, 2016), (2020, 2018), (2009, 2009), (2030, 2020)] {
            // A hidden firm (255) stays hidden in every year.
            let start: Vec<u8> = (0..n)
                .map(|i| if i % 97 == 0 { 255 } else { (i % 5) as u8 })
                .collect();
            let item = PointsItem {
                under: None,
                xy: Arc::new(vec![Xy::new(0.0, 0.0); n]),
                colour: Arc::new(start.clone()),
                palette: vec![Rgba::rgb(0, 0, 0); 10],
                radius_px: 1.0,
                years: Some(YearView {
                    times: times.clone(),
                    year,
                    first_new,
                    highlight: 9,
                }),
            };
            let (mut alive, mut new) = (0, 0);
            for (i, base) in start.iter().enumerate() {
                let lives = times.alive(i, year);
                let expect = if !lives || *base == 255 {
                    255
                } else if i32::from(times.founded[i]) >= first_new {
                    new += 1;
                    9
                } else {
                    *base
                };
                alive += usize::from(lives);
                assert_eq!(item.colour_at(i), expect, "firm {i} in {year}");
            }
            assert_eq!(item.colour_at(n), 255, "past the firms");
            mixed += usize::from(alive > 0 && alive < n && new > 0);
        }
        assert_eq!(
            mixed, 3,
            "three of the years mix alive, new and closed firms"
        );
    }
}
