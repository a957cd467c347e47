//! The zones' legend lines and outline styles by how each boundary is known, and the footer
//! notes naming the sources of digitised zones.

use super::super::fill::batch_label;
use super::super::palette;
use super::super::{LegendEntry, MarkerShape, Rgba, SceneSettings, Stroke, Swatch};
use super::SceneInput;
use crate::index::ZoneShape;
use crate::model::{Batch, GeometryQuality, Lang, Xy};
use geo::{Coord, LineString, Polygon};

/// Which kinds of zone geometry are on the map (each gets a legend line).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ZoneKinds {
    pub footprint: bool,
    pub point: bool,
    pub provided: bool,
    pub digitised: bool,
}

/// The outline of a zone by how its geometry is known: dashed when approximate, dotted when
/// digitised by hand, solid for a boundary from a file.
pub(super) fn zone_stroke(q: GeometryQuality, color: Rgba) -> Stroke {
    match q {
        GeometryQuality::ApproximateFootprint | GeometryQuality::ApproximatePoint => {
            Stroke::dashed(1.8, color, 6.0, 4.0)
        }
        GeometryQuality::Digitised => Stroke::dashed(2.2, color, 2.0, 2.0),
        _ => Stroke::solid(1.8, color),
    }
}

/// Where a zone's name goes: the middle of its bounding box, unless that falls outside the
/// zone (a hole, a C shape); then a point inside its first polygon.
pub(super) fn label_point(shape: &ZoneShape, rings_xy: &[Vec<Vec<Coord<f64>>>]) -> Xy {
    use geo::{Contains, InteriorPoint};
    let (lo, hi) = shape.plane_bounds();
    let centre = Xy::new((lo.x + hi.x) / 2.0, (lo.y + hi.y) / 2.0);
    let polygons: Vec<Polygon<f64>> = rings_xy
        .iter()
        .filter_map(|rings| {
            let mut it = rings.iter().map(|r| LineString::from(r.clone()));
            Some(Polygon::new(it.next()?, it.collect()))
        })
        .collect();
    let c = geo::Point::new(centre.x, centre.y);
    if polygons.is_empty() || polygons.iter().any(|p| p.contains(&c)) {
        return centre;
    }
    polygons
        .first()
        .and_then(|p| p.interior_point())
        .map(|p| Xy::new(p.x(), p.y()))
        .unwrap_or(centre)
}

/// One footer note per digitised zone naming what it was traced from.
pub(super) fn digitised_notes(input: &SceneInput, lang: Lang, notes: &mut Vec<String>) {
    for sh in input.zone_shapes {
        let z = &input.zones[sh.zone];
        if z.quality != GeometryQuality::Digitised {
            continue;
        }
        let src = crate::digitise::DigitisedSource::of_zone(z).unwrap_or_default();
        notes.push(lang.pick(
            &format!(
                "{} 边界为手绘：依据《{}》第 {} 页（{}）描绘",
                z.id, src.document, src.page, src.date
            ),
            &format!(
                "{} boundary digitised from {}, p. {} ({})",
                z.id, src.document, src.page, src.date
            ),
        ));
    }
}

/// The zones' legend: one swatch per batch shown, then one line per kind of geometry.
pub(super) fn zone_legend_entries(
    mut batches: Vec<Option<Batch>>,
    kinds: ZoneKinds,
    s: &SceneSettings,
) -> Vec<LegendEntry> {
    let lang = s.lang;
    batches.sort();
    let mut entries: Vec<LegendEntry> = batches
        .iter()
        .map(|b| LegendEntry {
            swatch: Swatch::Fill {
                fill: palette::batch(*b).fade(0.22),
                stroke: Some(Stroke::solid(1.8, palette::batch(*b))),
            },
            label: batch_label(*b, s),
        })
        .collect();
    if kinds.provided {
        entries.push(LegendEntry {
            swatch: Swatch::Line(Stroke::solid(1.8, palette::TEXT)),
            label: lang.pick("边界（来自所载文件）", "Boundary (from the loaded file)"),
        });
    }
    if kinds.digitised {
        entries.push(LegendEntry {
            swatch: Swatch::Line(zone_stroke(GeometryQuality::Digitised, palette::TEXT)),
            label: lang.pick(
                "手绘边界（依据规划图描绘，来源见页脚）",
                "Digitised boundary (traced from a plan map; source in the footer)",
            ),
        });
    }
    if kinds.footprint {
        entries.push(LegendEntry {
            swatch: Swatch::Line(Stroke::dashed(1.8, palette::TEXT, 6.0, 4.0)),
            label: lang.pick(
                "≈ 近似范围（按规划面积绘制，非官方边界）",
                "≈ Approximate footprint (planned area, not an official boundary)",
            ),
        });
    }
    if kinds.point {
        entries.push(LegendEntry {
            swatch: Swatch::Marker {
                shape: MarkerShape::Star,
                fill: palette::TEXT,
            },
            label: lang.pick(
                "≈ 近似中心点（无范围资料）",
                "≈ Approximate centre (no boundary known)",
            ),
        });
    }
    entries
}
