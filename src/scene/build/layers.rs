//! One function per scene layer: each adds its layer, labels, legend section and notes to
//! [`Parts`], in drawing order (see [`super::build`]).

use std::sync::Arc;

use super::super::fill::polygon_from_rings;
use super::super::palette;
use super::super::{
    FirmColour, Item, Label, Layer, LayerKind, LegendEntry, LegendSection, MarkerItem, MarkerShape,
    PointsItem, RasterItem, SceneSettings, Stroke, Swatch,
};
use super::firm_classes::ClassCounts;
use super::parts::Parts;
use super::zone_legend::{ZoneKinds, digitised_notes, zone_legend_entries, zone_stroke};
use super::{SceneInput, short_zone_name};
use crate::index::ZoneShapeKind;
use crate::model::{Batch, GeometryQuality, Xy};
use crate::scene::Px;

/// Land (and the sea where the land data reaches).
pub(super) fn land(input: &SceneInput, s: &SceneSettings, out: &mut Parts) {
    if s.land.visible {
        // Sea only where the land data reaches; outside it, a neutral "no basemap" grey.
        let sea = input.basemap.coverage.as_ref().and_then(|ring| {
            let coords: Vec<geo::Coord<f64>> =
                ring.iter().map(|p| geo::Coord { x: p.x, y: p.y }).collect();
            polygon_from_rings(&[coords], None, palette::WATER, None)
        });
        if sea.is_some() {
            out.background = palette::NO_BASEMAP;
        }
        let items = sea
            .map(Item::Polygon)
            .into_iter()
            .chain(
                input
                    .basemap
                    .land
                    .iter()
                    .flat_map(|r| r.polygons.iter().cloned())
                    .map(|mut p| {
                        p.fill = palette::LAND;
                        Item::Polygon(p)
                    }),
            )
            .collect();
        out.layers.push(Layer {
            kind: LayerKind::Land,
            opacity: s.land.opacity,
            items,
        });
    }
}
/// District outlines and names.
pub(super) fn districts(input: &SceneInput, s: &SceneSettings, out: &mut Parts) {
    let lang = s.lang;
    if s.districts.visible {
        let mut items = Vec::new();
        for d in &input.basemap.districts {
            for p in &d.polygons {
                let mut p = p.clone();
                p.fill = palette::DISTRICT_FILL;
                p.stroke = Some(Stroke::solid(0.8, palette::DISTRICT_EDGE));
                items.push(Item::Polygon(p));
            }
            if s.district_labels {
                out.labels.push(Label {
                    at: d.label_at,
                    text: lang.pick(&d.name_zh, &d.name_en).replace(" / ", "\n"),
                    size_px: 12.0,
                    color: palette::DISTRICT_TEXT,
                    priority: 10,
                    offset_px: Px::new(0.0, 0.0),
                });
            }
        }
        out.layers.push(Layer {
            kind: LayerKind::Districts,
            opacity: s.districts.opacity,
            items,
        });
        out.legend.push(LegendSection {
            title: lang.pick("底图", "Basemap"),
            entries: vec![LegendEntry {
                swatch: Swatch::Fill {
                    fill: palette::DISTRICT_FILL,
                    stroke: Some(Stroke::solid(0.8, palette::DISTRICT_EDGE)),
                },
                label: lang.pick("行政区（高德 / OSM）", "District (Amap / OSM)"),
            }],
        });
    }
}
/// The density surface as a raster.
pub(super) fn density(input: &SceneInput, s: &SceneSettings, out: &mut Parts) {
    let lang = s.lang;
    if let (true, Some(grid)) = (s.density.visible, input.density)
        && grid.nx > 0
        && grid.max > 0.0
    {
        // North row first for image backends.
        let mut rgba = Vec::with_capacity(grid.nx * grid.ny * 4);
        for r in (0..grid.ny).rev() {
            for c in 0..grid.nx {
                let v = grid.values[r * grid.nx + c] / grid.max;
                rgba.extend_from_slice(&palette::ramp(v.sqrt()).0);
            }
        }
        out.layers.push(Layer {
            kind: LayerKind::Density,
            opacity: s.density.opacity,
            items: vec![Item::Raster(RasterItem {
                origin: grid.origin,
                cell_m: grid.cell_m,
                width: grid.nx,
                height: grid.ny,
                rgba: Arc::new(rgba),
                smooth: true,
            })],
        });
        out.legend.push(LegendSection {
            title: lang.pick(
                &format!("企业密度（核密度，带宽 {:.0} 米）", grid.bandwidth_m),
                &format!("Firm density (kernel, bandwidth {:.0} m)", grid.bandwidth_m),
            ),
            entries: vec![LegendEntry {
                swatch: Swatch::Ramp {
                    colors: palette::DENSITY_RAMP.to_vec(),
                    low: "0".into(),
                    high: format!("{:.0}", grid.max),
                },
                label: lang.pick("家 / 平方公里", "firms per km²"),
            }],
        });
    }
}
/// Cluster hulls with their sizes.
pub(super) fn clusters(input: &SceneInput, s: &SceneSettings, out: &mut Parts) {
    let lang = s.lang;
    if s.clusters.visible && !input.clusters.is_empty() {
        let mut items = Vec::new();
        // Hulls share the firms' cluster colours only when firms are coloured by cluster;
        // otherwise one neutral outline, so no hull reads as a zone or a segment.
        let by_cluster = s.firm_colour == FirmColour::Cluster && input.labels.is_some();
        for c in input.clusters {
            let color = if by_cluster {
                palette::cluster(c.id)
            } else {
                palette::HULL
            };
            let ring: Vec<geo::Coord<f64>> = c
                .hull
                .iter()
                .map(|p| {
                    let q = input.projection.project(*p);
                    geo::Coord { x: q.x, y: q.y }
                })
                .collect();
            if ring.len() >= 4
                && let Some(p) = polygon_from_rings(
                    &[ring],
                    None,
                    color.fade(0.14),
                    Some(Stroke::solid(1.2, color)),
                )
            {
                items.push(Item::Polygon(p));
            }
            out.labels.push(Label {
                at: input.projection.project(c.centroid),
                text: format!("{}", c.size),
                size_px: 11.0,
                // Dark text on its halo: pale cluster colours are unreadable as text.
                color: palette::HULL_TEXT,
                priority: 40 + (c.size.min(10_000) as i32 / 10),
                offset_px: Px::new(0.0, 0.0),
            });
        }
        out.layers.push(Layer {
            kind: LayerKind::Clusters,
            opacity: s.clusters.opacity,
            items,
        });
        out.legend.push(LegendSection {
            title: lang.pick("DBSCAN 集群", "DBSCAN clusters"),
            entries: vec![LegendEntry {
                swatch: Swatch::Fill {
                    fill: if by_cluster {
                        palette::CLUSTERS[0].fade(0.14)
                    } else {
                        palette::HULL.fade(0.14)
                    },
                    stroke: Some(Stroke::solid(
                        1.2,
                        if by_cluster {
                            palette::CLUSTERS[0]
                        } else {
                            palette::HULL
                        },
                    )),
                },
                label: match (by_cluster, lang.chinese()) {
                    (true, true) => format!(
                        "集群凸包（{} 个，颜色区分集群；数字为企业数）",
                        input.clusters.len()
                    ),
                    (true, false) => format!(
                        "Cluster hull ({} clusters, one colour each; number = firms)",
                        input.clusters.len()
                    ),
                    (false, true) => {
                        format!("集群凸包（{} 个；数字为企业数）", input.clusters.len())
                    }
                    (false, false) => format!(
                        "Cluster hull ({} clusters; number = firms)",
                        input.clusters.len()
                    ),
                },
            }],
        });
    }
}
/// Zone polygons (point zones become markers in `out.markers`).
pub(super) fn zones(input: &SceneInput, s: &SceneSettings, out: &mut Parts) {
    let lang = s.lang;
    if s.zones.visible {
        let mut items = Vec::new();
        let mut batches_seen: Vec<Option<Batch>> = Vec::new();
        let mut kinds = ZoneKinds::default();
        for (k, shape) in input.zone_shapes.iter().enumerate() {
            let zone = &input.zones[shape.zone];
            let color = palette::batch(zone.batch);
            if !batches_seen.contains(&zone.batch) {
                batches_seen.push(zone.batch);
            }
            let approx = zone.quality.is_approximate();
            let name = short_zone_name(zone, lang);
            let digitised = zone.quality == GeometryQuality::Digitised;
            let text = match (approx, digitised) {
                (true, _) => format!("≈{name}"),
                (false, true) => {
                    lang.pick(&format!("{name}（手绘）"), &format!("{name} (digitised)"))
                }
                _ => name,
            };
            let selected = input.selection.zone == Some(shape.zone);
            match &shape.kind {
                ZoneShapeKind::Area { rings_xy, .. } => {
                    match zone.quality {
                        GeometryQuality::ApproximateFootprint => kinds.footprint = true,
                        GeometryQuality::Digitised => kinds.digitised = true,
                        _ => kinds.provided = true,
                    }
                    let stroke = zone_stroke(zone.quality, color);
                    for (j, rings) in rings_xy.iter().enumerate() {
                        let fill = input.zone_fills.and_then(|f| f.get(k, j));
                        let (colour, stroke) = (color.fade(0.22), Some(stroke));
                        if let Some(p) = polygon_from_rings(rings, fill, colour, stroke) {
                            out.zone_bounds.extend(p.rings[0].iter().copied());
                            items.push(Item::Polygon(p));
                        }
                    }
                    out.labels.push(Label {
                        at: super::zone_legend::label_point(shape, rings_xy),
                        text,
                        size_px: 14.0,
                        color: palette::TEXT,
                        priority: if selected { 300 } else { 200 },
                        offset_px: Px::new(0.0, 0.0),
                    });
                }
                ZoneShapeKind::Point(q) => {
                    kinds.point = true;
                    out.zone_bounds.push(*q);
                    out.markers.push(Item::Marker(MarkerItem {
                        at: *q,
                        shape: MarkerShape::Star,
                        size_px: 20.0,
                        fill: color,
                        stroke: Some(Stroke::solid(1.5, palette::STAR_EDGE)),
                    }));
                    out.labels.push(Label {
                        at: *q,
                        text,
                        size_px: 14.0,
                        color: palette::TEXT,
                        priority: if selected { 300 } else { 190 },
                        offset_px: Px::new(0.0, -17.0),
                    });
                }
            }
        }
        out.layers.push(Layer {
            kind: LayerKind::Zones,
            opacity: s.zones.opacity,
            items,
        });
        let entries = zone_legend_entries(batches_seen, kinds, s);
        digitised_notes(input, lang, &mut out.notes);
        out.legend.push(LegendSection {
            title: lang.pick("产业集聚区", "Industry-cluster zones"),
            entries,
        });
        let unlocated = input.zones.iter().filter(|z| !z.has_geometry()).count();
        let approx_shown = input
            .zone_shapes
            .iter()
            .any(|sh| input.zones[sh.zone].quality.is_approximate());
        if approx_shown {
            out.notes.push(lang.pick(
                &format!(
                    "≈ 集聚区位置和范围为近似（中心点为人工标定，范围按规划面积绘制）{}",
                    if unlocated > 0 { format!("；{} 个集聚区尚无位置", unlocated) } else { String::new() }
                ),
                &format!(
                    "≈ Zone locations and footprints are approximate (hand-placed centres; footprints drawn to the stated planned area){}",
                    if unlocated > 0 { format!("; {unlocated} zones have no location yet") } else { String::new() }
                ),
            ));
        }
    }
}
/// The firms as one point set, coloured by segment or cluster.
pub(super) fn firms(input: &SceneInput, s: &SceneSettings, out: &mut Parts) {
    let lang = s.lang;
    if s.firms.visible && !input.firms.is_empty() {
        let classes = super::firm_classes::classes(input, s);
        let mut palette_v = classes.palette.clone();
        let year = super::time_layers::year_filter(input, s, &mut palette_v);
        let counts = year.as_ref().map(|(view, _, _)| classes.counts_in(view));
        out.pending |= matches!(counts, Some(None));
        let shown = match &counts {
            None => ClassCounts::All,
            Some(None) => ClassCounts::Pending,
            Some(Some(c)) => ClassCounts::InYear(c),
        };
        let mut entries = classes.entries(&input.fit.segments, lang, shown);
        let (years, year) = match year {
            Some((view, entry, suffix)) => (Some(view), Some((entry, suffix))),
            None => (None, None),
        };
        out.layers.push(Layer {
            kind: LayerKind::Firms,
            opacity: s.firms.opacity,
            items: vec![Item::Points(PointsItem {
                xy: input.firm_xy.clone(),
                under: classes.under(),
                colour: classes.colour,
                palette: palette_v,
                radius_px: s.firm_radius_px,
                years,
            })],
        });
        let (zh, en) = super::firms_noun(input);
        let n = input.firms.len();
        let mut title = if input.synthetic {
            lang.pick(
                &format!("{zh}（{n} 家，合成示例数据）"),
                &format!("{en} ({n}, SYNTHETIC sample)"),
            )
        } else {
            lang.pick(&format!("{zh}：{n} 家"), &format!("{en}: {n}"))
        };
        if let Some((entry, suffix)) = year {
            entries.push(entry);
            title.push_str(&suffix);
        }
        out.legend.push(LegendSection { title, entries });
        if input.synthetic {
            out.notes.push(lang.pick(
                "企业为合成示例数据，并非真实企业",
                "Firms are a synthetic sample, not real companies",
            ));
        }
    }
}
/// The selected zone and firm, on top.
pub(super) fn selection(input: &SceneInput, out: &mut Parts) {
    let mut items = Vec::new();
    if let Some(z) = input.selection.zone
        && let Some(shape) = input.zone_shapes.iter().find(|sh| sh.zone == z)
    {
        match &shape.kind {
            ZoneShapeKind::Area { rings_xy, .. } => {
                for rings in rings_xy {
                    for ring in rings {
                        items.push(Item::Line {
                            points: ring.iter().map(|c| Xy::new(c.x, c.y)).collect(),
                            stroke: Stroke::solid(3.0, palette::SELECTION),
                        });
                    }
                }
            }
            ZoneShapeKind::Point(q) => items.push(Item::Marker(MarkerItem {
                at: *q,
                shape: MarkerShape::Circle,
                size_px: 26.0,
                fill: palette::CLEAR,
                stroke: Some(Stroke::solid(3.0, palette::SELECTION)),
            })),
        }
    }
    if let Some(f) = input.selection.firm
        && let Some(p) = input.firm_xy.get(f)
    {
        items.push(Item::Marker(MarkerItem {
            at: *p,
            shape: MarkerShape::Circle,
            size_px: 14.0,
            fill: palette::CLEAR,
            stroke: Some(Stroke::solid(2.5, palette::SELECTION)),
        }));
    }
    if !items.is_empty() {
        out.layers.push(Layer {
            kind: LayerKind::Selection,
            opacity: 1.0,
            items,
        });
    }
}
