//! Report-quality pictures without a window: the same [`Scene`] the map draws, laid out on a
//! page with title, legend, true scale bar, north arrow and a footer stamping sources, CRS,
//! date, parameters and the input data's hash. PNG (tiny-skia) and SVG (text as text).

pub mod canvas;
mod extent;
mod files;
mod layout;
mod legend;
mod map;
pub mod pdf;
pub mod png;
pub mod svg;
pub mod text;

use std::path::Path;

use thiserror::Error;

pub use extent::{Extent, MAX_BBOX_DEG, MIN_BBOX_DEG};
pub use files::*;
pub use layout::{PageLayout, Preset};
use legend::*;
pub use map::*;

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
            let b = crate::model::Bounds::of(&corners).ok_or_else(|| {
                ExportError::BadBbox(format!("{},{},{},{}", a.lon, a.lat, b.lon, b.lat))
            })?;
            return Ok(Viewport::fit(b.pair(), mw, mh, 0.0));
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

#[cfg(test)]
mod tests;
