//! Drawing the scene's map into the page's map frame (shared by PNG, SVG and PDF).

use super::*;
use crate::model::Bounds;

pub(super) fn to_page(vp: &Viewport, map: [f32; 4], p: Xy) -> Px {
    vp.to_screen(p).offset(map[0], map[1])
}

pub(super) fn line_of(s: &crate::scene::Stroke, scale: f32, opacity: f32) -> Line {
    Line {
        width: s.width_px * scale,
        color: s.color.fade(opacity),
        dash: s.dash_px.map(|(a, b)| (a * scale, b * scale)),
    }
}

pub(super) fn star(c: Px, r: f32) -> Vec<Px> {
    let mut v = crate::scene::star_outline(c, r);
    v.push(v[0]);
    v
}

pub(super) fn premultiply(straight: &[u8]) -> Vec<u8> {
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
    data: &ExportData,
    vp: &Viewport,
    map: [f32; 4],
    scale: f32,
) -> bool {
    let scene = data.scene;
    c.push_clip(map[0], map[1], map[2], map[3]);
    c.rect(map[0], map[1], map[2], map[3], Some(scene.background), None);
    if let Some(tiles) = data.tiles {
        draw_tiles(c, tiles, &data.index.projection, vp, map);
    }
    let aggregated = draw_layers(c, &scene.layers, vp, map, scale, data.tiles.is_some());
    // Labels, placed at the page's scale.
    let scaled: Vec<Label> = scene
        .labels
        .iter()
        .map(|l| Label {
            size_px: l.size_px * scale,
            offset_px: Px::new(l.offset_px.x * scale, l.offset_px.y * scale),
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
            &TextStyle::new(l.size_px, l.color, Anchor::Center).halo(palette::HALO),
        );
    }
    c.end_group();
    if let Some(tiles) = data.tiles {
        draw_attribution(c, &tiles.attribution, map, scale);
    }
    c.pop_clip();
    c.rect(
        map[0],
        map[1],
        map[2],
        map[3],
        None,
        Some(Line {
            width: 1.2 * scale,
            color: palette::MAP_NOTE,
            dash: None,
        }),
    );
    aggregated
}

/// Draws the scene's layers (not its labels) into the map frame, leaving out what a street
/// basemap replaces when `tiles_on`; returns whether the firms were aggregated into bins.
pub fn draw_layers(
    c: &mut dyn Canvas,
    layers: &[crate::scene::Layer],
    vp: &Viewport,
    map: [f32; 4],
    scale: f32,
    tiles_on: bool,
) -> bool {
    let mut aggregated = false;
    let (lo, hi) = vp.plane_bounds();
    let view = Bounds { lo, hi };
    for layer in layers {
        let cover = crate::scene::over_tiles(layer.kind, tiles_on);
        if !cover.draw {
            continue;
        }
        c.begin_group(&format!("{:?}", layer.kind));
        let op = layer.opacity;
        for item in &layer.items {
            // Polygons wholly outside the frame are left out of the file.
            if let Item::Polygon(p) = item
                && !Bounds::of(&p.rings[0]).is_some_and(|b| b.intersects(&view))
            {
                continue;
            }
            if let (Item::Polygon(p), false) = (item, cover.fill) {
                let outline = Item::Polygon(crate::scene::PolygonItem {
                    fill: crate::scene::Rgba([0; 4]),
                    ..p.clone()
                });
                draw_item(c, &outline, vp, map, scale, op);
                continue;
            }
            aggregated |= draw_item(c, item, vp, map, scale, op);
        }
        c.end_group();
    }
    aggregated
}

/// Scene layers drawn for the view `vp` into a picture of its size (premultiplied RGBA, row
/// 0 at the top): the window shows it instead of filling every vector layer each frame.
/// Under a street basemap (`tiles_on`) it is transparent where no layer draws; otherwise it
/// starts from `background`. `scale` multiplies line widths and dot sizes (the screen's pixels
/// per point). None when the size is not drawable.
pub fn render_view(
    layers: &[crate::scene::Layer],
    background: Rgba,
    vp: &Viewport,
    scale: f32,
    tiles_on: bool,
) -> Option<raster::Image> {
    let (w, h) = (vp.width_px.round() as u32, vp.height_px.round() as u32);
    let mut c = super::png::PngCanvas::new_transparent(w, h)?;
    let map = [0.0, 0.0, w as f32, h as f32];
    if !tiles_on {
        c.rect(0.0, 0.0, map[2], map[3], Some(background), None);
    }
    draw_layers(&mut c, layers, vp, map, scale, tiles_on);
    Some(raster::Image {
        width: w as usize,
        height: h as usize,
        rgba: c.pixmap.take(),
    })
}

/// Draws one scene item into the map frame (`op`: the layer's opacity); returns whether
/// firms had to be drawn aggregated into bins.
fn draw_item(
    c: &mut dyn Canvas,
    item: &Item,
    vp: &Viewport,
    map: [f32; 4],
    scale: f32,
    op: f32,
) -> bool {
    let mut aggregated = false;
    match item {
        Item::Polygon(p) => {
            let rings: Vec<Vec<Px>> = p
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
            let pts: Vec<Px> = points.iter().map(|q| to_page(vp, map, *q)).collect();
            c.polyline(&pts, line_of(stroke, scale, op));
        }
        Item::Marker(m) => {
            let at = to_page(vp, map, m.at);
            let size = m.size_px * scale;
            let line = m.stroke.map(|s| line_of(&s, scale, op));
            match m.shape {
                MarkerShape::Star => c.shape(&[star(at, size / 2.0)], Some(m.fill.fade(op)), line),
                MarkerShape::Circle => c.circle(at, size / 2.0, Some(m.fill.fade(op)), line),
                MarkerShape::Square => c.rect(
                    at.x - size / 2.0,
                    at.y - size / 2.0,
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
            let (img, binned) = raster::rasterize_adaptive(&scaled, &frame, op, 2.0 * scale);
            aggregated = binned;
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
            let (nw, se) = r.corners();
            let (nw, se) = (to_page(vp, map, nw), to_page(vp, map, se));
            let faded: Vec<u8> = r
                .rgba
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2], (p[3] as f32 * op) as u8])
                .collect();
            let pm = premultiply(&faded);
            c.image(
                nw.x,
                nw.y,
                se.x - nw.x,
                se.y - nw.y,
                &PageImage {
                    width: r.width,
                    height: r.height,
                    rgba_premultiplied: &pm,
                },
                r.smooth,
            );
        }
    }
    aggregated
}

/// The tiles resampled exactly onto the frame's pixels (see `tiles::warp`), under the data.
fn draw_tiles(
    c: &mut dyn Canvas,
    tiles: &crate::tiles::TileSet,
    proj: &crate::crs::Projection,
    vp: &Viewport,
    map: [f32; 4],
) {
    let (w, h) = (
        map[2].round().max(1.0) as usize,
        map[3].round().max(1.0) as usize,
    );
    let frame = crate::tiles::PlaneFrame {
        // the same frame as the firm raster's (rounded size, the view's centre)
        centre: vp.centre,
        m_per_px: vp.m_per_px,
        width: w,
        height: h,
    };
    let rgba = crate::tiles::warp::render_frame(tiles, &frame, proj);
    c.begin_group("Basemap tiles");
    c.image(
        map[0],
        map[1],
        w as f32,
        h as f32,
        &PageImage {
            width: w,
            height: h,
            rgba_premultiplied: &rgba,
        },
        false,
    );
    c.end_group();
}

/// The tile service's credit in the frame's bottom-right corner, on a pale backing.
fn draw_attribution(c: &mut dyn Canvas, text: &str, map: [f32; 4], scale: f32) {
    let size = 9.0 * scale;
    let w = super::text::text_width(text, size) + 8.0 * scale;
    let h = size * 1.5;
    let (x, y) = (map[0] + map[2] - w, map[1] + map[3] - h);
    c.rect(x, y, w, h, Some(crate::scene::overlay::BACKING), None);
    let style = TextStyle::new(size, palette::TEXT, Anchor::RightBaseline);
    c.text(
        map[0] + map[2] - 4.0 * scale,
        y + h - size * 0.4,
        text,
        &style,
    );
}
