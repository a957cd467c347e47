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
        return crate::scene::labels::text_width(text, size);
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
