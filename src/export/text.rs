//! Text metrics and glyph rasterising with the bundled font (ab_glyph), shared by the layout
//! and the PNG backend so both agree on how wide a text is.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

use crate::scene::FONT_BYTES;

/// The scale for a font size given in em pixels (as SVG's and PDF's font-size mean it);
/// ab_glyph's own `PxScale` is the ascent-to-descent height, about 16 % larger for this font.
fn em_scale(f: &FontRef<'static>, size: f32) -> PxScale {
    match f.units_per_em() {
        Some(upem) if upem > 0.0 => PxScale::from(size * f.height_unscaled() / upem),
        _ => PxScale::from(size),
    }
}

/// The bundled font, parsed once.
pub fn font() -> Option<FontRef<'static>> {
    FontRef::try_from_slice(FONT_BYTES).ok()
}

/// Width of a single-line text in pixels at `size` (em) pixels.
pub fn text_width(text: &str, size: f32) -> f32 {
    let Some(f) = font() else {
        return crate::scene::labels::estimated_text_width(text, size);
    };
    let scaled = f.as_scaled(em_scale(&f, size));
    let mut w = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            w += scaled.kern(p, id);
        }
        w += scaled.h_advance(id);
        prev = Some(id);
    }
    w
}

/// Characters of `text` the font cannot draw.
pub fn missing_glyphs(text: &str) -> Vec<char> {
    let Some(f) = font() else {
        return text.chars().collect();
    };
    text.chars()
        .filter(|c| !c.is_control() && *c != ' ' && f.glyph_id(*c).0 == 0)
        .collect()
}

/// Ascent (positive) and descent (negative) in pixels at `size`.
pub fn vertical_metrics(size: f32) -> (f32, f32) {
    match font() {
        Some(f) => {
            let s = f.as_scaled(em_scale(&f, size));
            (s.ascent(), s.descent())
        }
        None => (size * 0.88, -size * 0.12),
    }
}

/// Where a text's left end sits on its baseline for an anchor at (x, y): the one rule every
/// backend places text by.
pub fn text_origin(
    x: f32,
    y: f32,
    t: &str,
    size: f32,
    anchor: super::canvas::Anchor,
) -> (f32, f32) {
    use super::canvas::Anchor;
    let w = text_width(t, size);
    let (asc, desc) = vertical_metrics(size);
    match anchor {
        Anchor::LeftBaseline => (x, y),
        Anchor::RightBaseline => (x - w, y),
        Anchor::Center => (x - w / 2.0, y + (asc + desc) / 2.0),
    }
}

/// A text laid out with the bundled font: each glyph's id and pen position (pixels from the
/// text's left end at the baseline), the total width, and the font-units-to-pixels factor.
pub struct GlyphRun {
    pub glyphs: Vec<(u16, f32)>,
    pub width: f32,
    pub units_to_px: f32,
}

/// Lays out `text` at `size` em pixels the way [`rasterize`] and [`text_width`] do.
pub fn layout_glyphs(text: &str, size: f32) -> Option<GlyphRun> {
    let f = font()?;
    let upem = f.units_per_em().filter(|u| *u > 0.0)?;
    let scaled = f.as_scaled(em_scale(&f, size));
    let mut glyphs = Vec::with_capacity(text.len());
    let mut pen = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        glyphs.push((id.0, pen));
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    Some(GlyphRun {
        glyphs,
        width: pen,
        units_to_px: size / upem,
    })
}

/// A glyph's outline as SVG path data in font units with y pointing down (so a `scale(k)`
/// places it at k pixels per unit), or `None` for glyphs without ink (spaces).
pub fn glyph_path(id: u16) -> Option<String> {
    use std::fmt::Write;
    let f = font()?;
    let outline = f.outline(ab_glyph::GlyphId(id))?;
    let mut d = String::new();
    let mut at: Option<ab_glyph::Point> = None;
    let pt = |p: ab_glyph::Point| format!("{} {}", p.x.round(), (-p.y).round());
    for curve in &outline.curves {
        let (start, end) = match curve {
            ab_glyph::OutlineCurve::Line(a, b) => (*a, *b),
            ab_glyph::OutlineCurve::Quad(a, _, c) => (*a, *c),
            ab_glyph::OutlineCurve::Cubic(a, _, _, d) => (*a, *d),
        };
        if at != Some(start) {
            if at.is_some() {
                d.push('Z');
            }
            let _ = write!(d, "M{}", pt(start));
        }
        let _ = match curve {
            ab_glyph::OutlineCurve::Line(_, b) => write!(d, "L{}", pt(*b)),
            ab_glyph::OutlineCurve::Quad(_, b, c) => write!(d, "Q{} {}", pt(*b), pt(*c)),
            ab_glyph::OutlineCurve::Cubic(_, b, c, e) => {
                write!(d, "C{} {} {}", pt(*b), pt(*c), pt(*e))
            }
        };
        at = Some(end);
    }
    if d.is_empty() {
        return None;
    }
    d.push('Z');
    Some(d)
}

/// Calls `put(x, y, coverage)` for every covered pixel of `text` with its baseline origin at
/// (x, y).
pub fn rasterize(text: &str, size: f32, x: f32, y: f32, mut put: impl FnMut(i32, i32, f32)) {
    let Some(f) = font() else { return };
    let scale = em_scale(&f, size);
    let scaled = f.as_scaled(scale);
    let mut pen = x;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scale, ab_glyph::point(pen, y));
        if let Some(outlined) = f.outline_glyph(glyph) {
            let b = outlined.px_bounds();
            outlined.draw(|gx, gy, cov| {
                put(b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, cov)
            });
        }
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
}

/// A one-line text made to fit `max_w`: the size shrinks (to no less than 60 %), then the
/// text is cut with "…". `bold_factor` widens the measure for bold faces.
pub fn fit_line(t: &str, size: f32, max_w: f32, bold_factor: f32) -> (String, f32) {
    let w = text_width(t, size) * bold_factor;
    if w <= max_w {
        return (t.to_string(), size);
    }
    let size = (size * max_w / w).max(size * 0.6);
    if text_width(t, size) * bold_factor <= max_w {
        return (t.to_string(), size);
    }
    let mut cut: String = t.to_string();
    while !cut.is_empty() && text_width(&format!("{cut}…"), size) * bold_factor > max_w {
        cut.pop();
    }
    (format!("{}…", cut.trim_end()), size)
}

/// Wraps text to lines no wider than `max_w` at `size` (breaking at spaces, or anywhere in
/// CJK runs).
pub fn wrap(t: &str, size: f32, max_w: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for ch in t.chars() {
        cur.push(ch);
        if text_width(&cur, size) > max_w {
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
