//! The page: title, map, scale bar, north arrow, legend and footer drawn on any [`Canvas`],
//! and [`render`], which draws one page in one format.

use super::canvas::{Anchor, Canvas, Line, TextStyle};
use super::legend::{LEGEND_HEADER, legend_columns, legend_items, swatch};
use super::text::{fit_line, wrap};
use super::{
    ExportData, ExportError, ExportOptions, Extent, Format, PageLayout, Preset, Stamp, draw_map,
    map_viewport, page_layout, pdf, png, scale_bar_geometry, svg,
};
use crate::scene::{Px, Rgba, Viewport, north_angle, overlay, palette};

/// Draws the whole page: title, map, scale bar, north arrow, legend and footer.
pub fn render_page(
    c: &mut dyn Canvas,
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
    layout: &PageLayout,
    vp: &Viewport,
) {
    c.rect(
        0.0,
        0.0,
        layout.width,
        layout.height,
        Some(palette::PAGE),
        None,
    );
    draw_titles(c, data, opts, layout);
    let aggregated = draw_map(c, data, vp, layout.map, layout.u * 1.1);
    let bar_label = draw_scale_bar(c, data, layout, vp);
    draw_north_arrow(c, data, opts, layout, vp);
    draw_legend(c, data, opts, layout);
    let footer = footer_lines(data, opts, stamp, vp, aggregated, &bar_label);
    draw_footer(c, layout, &footer);
}

/// The title (default: what the page shows) and the subtitle, each fitted to one line.
fn draw_titles(c: &mut dyn Canvas, data: &ExportData, opts: &ExportOptions, layout: &PageLayout) {
    let (u, lang) = (layout.u, opts.lang);
    let title = opts.title.clone().unwrap_or_else(|| match &opts.extent {
        Extent::Zone(id) => {
            let name = data
                .zones
                .iter()
                .find(|z| &z.id == id)
                .map(|z| crate::scene::short_zone_name(z, lang))
                .unwrap_or_else(|| id.clone());
            let (zh, en) = &data.scene.firms_noun;
            let sp = spacer(zh);
            lang.pick(
                &format!("{name}：产业集聚区与{sp}{zh}"),
                &format!("{name}: industry-cluster zone and {en}"),
            )
        }
        _ => {
            let (zh, en) = &data.scene.firms_noun;
            let sp = spacer(zh);
            lang.pick(
                &format!("深圳产业集聚区与{sp}{zh}分布"),
                &format!("Shenzhen cluster zones and {en}"),
            )
        }
    });
    let line_w = layout.width - 2.0 * layout.margin;
    let (title, title_size) = fit_line(&title, 30.0 * u, line_w, 1.04);
    let style = TextStyle::new(title_size, palette::TEXT, Anchor::LeftBaseline).bold();
    c.text(layout.margin, layout.margin + 30.0 * u, &title, &style);
    if let Some(sub) = &opts.subtitle {
        let (sub, sub_size) = fit_line(sub, 17.0 * u, line_w, 1.0);
        let style = TextStyle::new(sub_size, palette::SUBTITLE, Anchor::LeftBaseline);
        c.text(layout.margin, layout.margin + 62.0 * u, &sub, &style);
    }
}

/// A thin outline of this width and colour.
fn outline(width: f32, color: Rgba) -> Line {
    Line {
        width,
        color,
        dash: None,
    }
}

/// A space between Chinese text and a following Latin word ("与 VR/AR 企业"), none before
/// Chinese ("与企业").
fn spacer(next: &str) -> &'static str {
    if next.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        " "
    } else {
        ""
    }
}

/// The scale bar: a round ground length in four alternating segments; returns its label.
fn draw_scale_bar(
    c: &mut dyn Canvas,
    data: &ExportData,
    layout: &PageLayout,
    vp: &Viewport,
) -> String {
    let u = layout.u;
    let (a, b, bar) = scale_bar_geometry(layout, vp, &data.index.projection);
    let s = overlay::scale_bar_shapes(a, b, u);
    let r = s.backing;
    c.rect(r.x, r.y, r.w, r.h, Some(overlay::BACKING), None);
    for (r, fill) in s.segments {
        let edge = outline(s.edge_width, overlay::INK);
        c.rect(r.x, r.y, r.w, r.h, Some(fill), Some(edge));
    }
    let style = TextStyle::new(s.text_size, palette::TEXT, Anchor::Center);
    c.text(s.zero_at.x, s.zero_at.y, "0", &style);
    c.text(s.label_at.x, s.label_at.y, &bar.label, &style);
    bar.label
}

/// The north arrow, pointing to true north (rotated by the meridian convergence).
fn draw_north_arrow(
    c: &mut dyn Canvas,
    data: &ExportData,
    opts: &ExportOptions,
    layout: &PageLayout,
    vp: &Viewport,
) {
    let u = layout.u;
    let [mx, my, mw, _] = layout.map;
    let centre = Px::new(mx + mw - 34.0 * u, my + 44.0 * u);
    let ang = north_angle(vp, &data.index.projection);
    let a = overlay::north_arrow_shapes(centre, ang, u);
    c.circle(
        a.centre,
        a.radius,
        Some(overlay::BACKING),
        Some(outline(a.rim_width, overlay::RIM)),
    );
    c.shape(&[a.east.to_vec()], Some(overlay::INK), None);
    c.shape(&[a.west.to_vec()], Some(overlay::ARROW_SHADE), None);
    let style = TextStyle::new(a.text_size, palette::TEXT, Anchor::Center).bold();
    c.text(
        a.label_at.x,
        a.label_at.y,
        &opts.lang.pick("北", "N"),
        &style,
    );
}

/// The legend: exactly the scene's (visible) layers, its text shrunk if it would not fit.
fn draw_legend(c: &mut dyn Canvas, data: &ExportData, opts: &ExportOptions, layout: &PageLayout) {
    let (u, scene, ink) = (layout.u, data.scene, palette::TEXT);
    let [lx, ly, lw, lh] = layout.legend;
    c.begin_group("Legend");
    c.rect(
        lx,
        ly,
        lw,
        lh,
        Some(palette::LEGEND_FILL),
        Some(outline(0.8 * u, palette::LEGEND_EDGE)),
    );
    let cols = if layout.portrait { 2 } else { 1 };
    let pad = 12.0 * u;
    let col_w = (lw - 2.0 * pad) / cols as f32;
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
    let heading = TextStyle::new(16.0 * u, ink, Anchor::LeftBaseline).bold();
    c.text(
        lx + pad,
        ly + pad + 16.0 * u,
        &opts.lang.pick("图例", "Legend"),
        &heading,
    );
    let section = TextStyle::new(13.0 * lu, ink, Anchor::LeftBaseline).bold();
    let entry = TextStyle::new(12.0 * lu, ink, Anchor::LeftBaseline);
    for (ci, col) in legend_columns(&items, cols).iter().enumerate() {
        let x = lx + pad + ci as f32 * col_w;
        let mut y = ly + LEGEND_HEADER * u;
        for &k in col {
            let item = &items[k];
            match item.swatch {
                None => {
                    for (n, line) in item.lines.iter().enumerate() {
                        let ty = y + 10.0 * lu + 13.0 * lu + n as f32 * 16.0 * lu;
                        c.text(x, ty, line, &section);
                    }
                }
                Some(sw) => {
                    swatch(c, sw, x, y + 4.0 * lu, lu);
                    for (n, line) in item.lines.iter().enumerate() {
                        let ty = y + 16.0 * lu + n as f32 * 15.0 * lu;
                        c.text(x + 34.0 * lu, ty, line, &entry);
                    }
                }
            }
            y += item.height;
        }
    }
    c.end_group();
}

/// The footer's text: notes, sources, CRS, scale, date, version, parameters, input hash.
fn footer_lines(
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
    vp: &Viewport,
    aggregated: bool,
    bar_label: &str,
) -> Vec<String> {
    let (lang, proj) = (opts.lang, &data.index.projection);
    let ground_m_per_px = vp.ground_m_per_px(proj);
    let denom = ground_m_per_px / (0.0254 / opts.dpi.max(1) as f64);
    let centre_ll = proj.centre();
    let mut footer: Vec<String> = data.scene.notes.clone();
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
    if let Some(t) = data.tiles {
        footer.push(format!(
            "{}{}",
            lang.pick("底图：", "Basemap: "),
            t.attribution
        ));
    }
    let crs = lang.pick(
        &format!(
            "坐标：WGS-84 数据，横轴墨卡托投影（中央经线 {:.2}°E）",
            centre_ll.lon
        ),
        &format!(
            "CRS: WGS-84 data, transverse Mercator (central meridian {:.2}°E)",
            centre_ll.lon
        ),
    );
    let scale = if matches!(opts.preset, Preset::Slide | Preset::Custom(..)) {
        bar_label.to_string() + lang.pick(" 比例尺", " scale bar").as_str()
    } else {
        let rounded = (denom / 100.0).round() * 100.0;
        format!("1:{rounded:.0} @ {} dpi", opts.dpi)
    };
    footer.push(format!(
        "{crs} · {scale} · {} · cluster-atlas {}",
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
    footer
}

/// Draws every footer line (the stamp above all), shrinking the text until all fit.
fn draw_footer(c: &mut dyn Canvas, layout: &PageLayout, footer: &[String]) {
    let u = layout.u;
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
    let style = TextStyle::new(fs, palette::FOOTER, Anchor::LeftBaseline);
    let mut fy = layout.footer_top + fs * 1.1;
    for line in lines {
        c.text(layout.margin, fy, &line, &style);
        fy += fs * 1.3;
    }
}

/// Renders one page in `format`: PNG (with its dpi), SVG (text as text) or PDF (vector
/// shapes and text, font embedded).
pub fn render(
    format: Format,
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
) -> Result<Vec<u8>, ExportError> {
    let layout = page_layout(data.scene, opts)?;
    let vp = map_viewport(data, &opts.extent, &layout)?;
    render_with(format, data, opts, stamp, &layout, &vp)
}

/// [`render`] with a given layout and viewport (an atlas draws every page at one scale).
pub fn render_with(
    format: Format,
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
    layout: &PageLayout,
    vp: &Viewport,
) -> Result<Vec<u8>, ExportError> {
    let bad_size = || ExportError::BadSize(layout.width as u32, layout.height as u32);
    match format {
        Format::Png => {
            let mut c = png::PngCanvas::new(layout.width as u32, layout.height as u32)
                .ok_or_else(bad_size)?;
            render_page(&mut c, data, opts, stamp, layout, vp);
            c.encode(opts.dpi).map_err(ExportError::Encode)
        }
        Format::Svg => {
            let mut c = svg::SvgCanvas::new(layout.width, layout.height);
            render_page(&mut c, data, opts, stamp, layout, vp);
            let title = opts.title.clone().unwrap_or_else(|| "cluster-atlas".into());
            Ok(c.finish(&title).into_bytes())
        }
        Format::Pdf => render_pdf(data, opts, stamp, layout, vp),
    }
}

fn render_pdf(
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
