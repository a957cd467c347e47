//! The vector backend: SVG whose text is drawn with the bundled font's glyph outlines (each
//! glyph defined once and reused), so Chinese labels show on machines without CJK fonts, with
//! an invisible copy of each text kept for search and copy; rasters (firm dots, density)
//! embedded as PNG images.

use std::fmt::Write;

use super::canvas::{Canvas, Line, PageImage, TextStyle};
use super::text;
use crate::scene::{Px, Rgba};

/// A page being written as SVG.
pub struct SvgCanvas {
    w: f32,
    h: f32,
    body: String,
    clip_id: usize,
    open_clips: usize,
    /// Glyph outlines used so far (font units, y down), written once in `<defs>`.
    glyphs: std::collections::BTreeMap<u16, Option<String>>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn num(v: f32) -> String {
    // Two decimals is a hundredth of a pixel; trim trailing zeros for size and stability.
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

fn fill_attr(c: Option<Rgba>) -> String {
    match c {
        Some(c) if c.0[3] > 0 => {
            if c.0[3] == 255 {
                format!(r#" fill="{}""#, c.hex())
            } else {
                format!(
                    r#" fill="{}" fill-opacity="{}""#,
                    c.hex(),
                    num(c.alpha_f32())
                )
            }
        }
        _ => r#" fill="none""#.into(),
    }
}

fn line_attr(l: Option<Line>) -> String {
    match l {
        Some(l) => {
            let mut s = format!(
                r#" stroke="{}" stroke-width="{}" stroke-linejoin="round""#,
                l.color.hex(),
                num(l.width)
            );
            if l.color.0[3] < 255 {
                let _ = write!(s, r#" stroke-opacity="{}""#, num(l.color.alpha_f32()));
            }
            if let Some((on, off)) = l.dash {
                let _ = write!(s, r#" stroke-dasharray="{} {}""#, num(on), num(off));
            } else {
                s.push_str(r#" stroke-linecap="round""#);
            }
            s
        }
        None => String::new(),
    }
}

/// Standard base64 (for embedded PNG images).
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

impl SvgCanvas {
    pub fn new(w: f32, h: f32) -> Self {
        Self {
            w,
            h,
            body: String::new(),
            clip_id: 0,
            open_clips: 0,
            glyphs: Default::default(),
        }
    }

    /// The finished document.
    pub fn finish(mut self, title: &str) -> String {
        while self.open_clips > 0 {
            self.pop_clip();
        }
        format!(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "\n",
                r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="'Noto Sans SC', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif">"#,
                "\n<title>{t}</title>\n{d}{b}</svg>\n"
            ),
            w = num(self.w),
            h = num(self.h),
            t = esc(title),
            d = self.glyph_defs(),
            b = self.body
        )
    }
}

/// A number with enough decimals for a glyph scale (pixels per font unit).
fn fine(v: f32) -> String {
    let s = format!("{v:.5}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl SvgCanvas {
    /// One text's glyphs as `<use>`s of their outlines, scaled from font units at (x, y).
    fn glyph_group(&mut self, x: f32, y: f32, run: &text::GlyphRun, paint: &str) {
        let k = run.units_to_px;
        let _ = write!(
            self.body,
            r#"<g transform="translate({} {}) scale({})"{paint}>"#,
            num(x),
            num(y),
            fine(k)
        );
        for &(id, pen) in &run.glyphs {
            let inked = self
                .glyphs
                .entry(id)
                .or_insert_with(|| text::glyph_path(id))
                .is_some();
            if inked {
                let _ = write!(
                    self.body,
                    "<use xlink:href=\"#g{id}\" x=\"{}\"/>",
                    (pen / k).round()
                );
            }
        }
        self.body.push_str("</g>\n");
    }

    /// Real (selectable, searchable) text with its left end on the baseline at (x, y).
    fn plain_text(&mut self, x: f32, y: f32, t: &str, size: f32, paint: String) {
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" font-size="{}"{paint}>{}</text>"#,
            num(x),
            num(y),
            num(size),
            esc(t)
        );
    }

    /// The `<defs>` holding every glyph outline used.
    fn glyph_defs(&self) -> String {
        let mut d = String::from("<defs>\n");
        for (id, path) in &self.glyphs {
            if let Some(p) = path {
                let _ = writeln!(d, r#"<path id="g{id}" d="{p}"/>"#);
            }
        }
        d.push_str("</defs>\n");
        d
    }
}

fn path_d(rings: &[Vec<Px>], close: bool) -> String {
    let mut d = String::new();
    for ring in rings {
        for (k, p) in ring.iter().enumerate() {
            let _ = write!(
                d,
                "{}{} {}",
                if k == 0 { "M" } else { "L" },
                num(p.x),
                num(p.y)
            );
        }
        if close {
            d.push('Z');
        }
    }
    d
}

impl Canvas for SvgCanvas {
    fn size(&self) -> (f32, f32) {
        (self.w, self.h)
    }

    fn shape(&mut self, rings: &[Vec<Px>], fill: Option<Rgba>, line: Option<Line>) {
        let _ = writeln!(
            self.body,
            r#"<path d="{}" fill-rule="evenodd"{}{}/>"#,
            path_d(rings, true),
            fill_attr(fill),
            line_attr(line)
        );
    }

    fn polyline(&mut self, points: &[Px], line: Line) {
        let _ = writeln!(
            self.body,
            r#"<path d="{}" fill="none"{}/>"#,
            path_d(&[points.to_vec()], false),
            line_attr(Some(line))
        );
    }

    fn circle(&mut self, c: Px, r: f32, fill: Option<Rgba>, line: Option<Line>) {
        let _ = writeln!(
            self.body,
            r#"<circle cx="{}" cy="{}" r="{}"{}{}/>"#,
            num(c.x),
            num(c.y),
            num(r),
            fill_attr(fill),
            line_attr(line)
        );
    }

    fn text(&mut self, x: f32, y: f32, t: &str, style: &TextStyle) {
        let TextStyle {
            size,
            color,
            anchor,
            halo,
            bold,
        } = *style;
        let (x0, y0) = text::text_origin(x, y, t, size, anchor);
        let Some(run) = text::layout_glyphs(t, size) else {
            // No font to draw with: real text, for the viewer's fonts.
            self.plain_text(x0, y0, t, size, fill_attr(Some(color)));
            return;
        };
        if let Some(h) = halo {
            // A round-joined stroke around the outlines, under the text (as in the PDF).
            let stroke = format!(
                r#" fill="{hex}" stroke="{hex}" stroke-opacity="{o}" fill-opacity="{o}" stroke-width="{w}" stroke-linejoin="round""#,
                hex = h.hex(),
                o = num(h.alpha_f32()),
                w = fine(2.0 * (size / 12.0).max(0.5) / run.units_to_px),
            );
            self.glyph_group(x0, y0, &run, &stroke);
        }
        self.glyph_group(x0, y0, &run, &fill_attr(Some(color)));
        if bold {
            let dx = (size / 30.0).max(0.3);
            self.glyph_group(x0 + dx, y0, &run, &fill_attr(Some(color)));
        }
        self.plain_text(x0, y0, t, size, r#" fill-opacity="0""#.into());
    }

    fn image(&mut self, x: f32, y: f32, w: f32, h: f32, img: &PageImage, smooth: bool) {
        let Some(size) = tiny_skia::IntSize::from_wh(img.width as u32, img.height as u32) else {
            return;
        };
        let Some(pm) = tiny_skia::Pixmap::from_vec(img.rgba_premultiplied.to_vec(), size) else {
            return;
        };
        let Ok(png) = pm.encode_png() else { return };
        let _ = writeln!(
            self.body,
            r#"<image x="{}" y="{}" width="{}" height="{}" preserveAspectRatio="none"{} href="data:image/png;base64,{}"/>"#,
            num(x),
            num(y),
            num(w),
            num(h),
            if smooth {
                ""
            } else {
                r#" style="image-rendering:pixelated""#
            },
            base64(&png)
        );
    }

    fn push_clip(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.clip_id += 1;
        let id = self.clip_id;
        let _ = writeln!(
            self.body,
            r#"<clipPath id="clip{id}"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath><g clip-path="url(#clip{id})">"#,
            num(x),
            num(y),
            num(w),
            num(h)
        );
        self.open_clips += 1;
    }

    fn pop_clip(&mut self) {
        if self.open_clips > 0 {
            self.body.push_str("</g>\n");
            self.open_clips -= 1;
        }
    }

    fn begin_group(&mut self, name: &str) {
        let _ = writeln!(self.body, r#"<g id="{}">"#, esc(name));
    }

    fn end_group(&mut self) {
        self.body.push_str("</g>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn numbers_are_compact() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.25), "1.25");
        assert_eq!(num(-0.001), "0");
    }
}
