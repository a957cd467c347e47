//! The raster backend: tiny-skia for shapes (anti-aliased), ab_glyph for text, PNG out with
//! the page's DPI recorded in a pHYs chunk.

use tiny_skia::{
    FillRule, IntSize, Mask, Paint, PathBuilder, Pixmap, PixmapPaint, Rect, Stroke, StrokeDash,
    Transform,
};

use super::canvas::{Canvas, Line, PageImage, TextStyle};
use super::text;
use crate::scene::{Px, Rgba};

/// A page being drawn into a pixmap.
pub struct PngCanvas {
    pub pixmap: Pixmap,
    clips: Vec<(Mask, [f32; 4])>,
}

fn paint(c: Rgba) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(c.0[0], c.0[1], c.0[2], c.0[3]);
    p.anti_alias = true;
    p
}

fn stroke(l: &Line) -> Stroke {
    let mut s = Stroke {
        width: l.width.max(0.1),
        ..Default::default()
    };
    s.line_join = tiny_skia::LineJoin::Round;
    s.line_cap = tiny_skia::LineCap::Round;
    if let Some((on, off)) = l.dash {
        s.dash = StrokeDash::new(vec![on.max(0.1), off.max(0.1)], 0.0);
        s.line_cap = tiny_skia::LineCap::Butt;
    }
    s
}

impl PngCanvas {
    /// A white page of `w`×`h` pixels (None if the size is zero or too large).
    pub fn new(w: u32, h: u32) -> Option<Self> {
        let mut page = Self::new_transparent(w, h)?;
        page.pixmap.fill(tiny_skia::Color::WHITE);
        Some(page)
    }

    /// A transparent picture of `w`×`h` pixels (None if the size is zero or too large).
    pub fn new_transparent(w: u32, h: u32) -> Option<Self> {
        Some(Self {
            pixmap: Pixmap::new(w, h)?,
            clips: Vec::new(),
        })
    }

    /// Blends a premultiplied picture drawn one to one at whole pixels, inside the page and
    /// the clip, straight onto the page (source over, rounded); false when it is placed any
    /// other way. tiny-skia's pattern pipeline took longer than drawing the firms themselves.
    fn blend_exact(&mut self, x: f32, y: f32, w: f32, h: f32, img: &PageImage) -> bool {
        let (iw, ih) = (img.width, img.height);
        if w != iw as f32 || h != ih as f32 || x.fract() != 0.0 || y.fract() != 0.0 {
            return false;
        }
        let inside_clip = self.clips.last().is_none_or(|(_, [cx, cy, cw, ch])| {
            x >= *cx && y >= *cy && x + w <= cx + cw && y + h <= cy + ch
        });
        let pw = self.pixmap.width() as usize;
        let fits = x >= 0.0
            && y >= 0.0
            && x as usize + iw <= pw
            && y as usize + ih <= self.pixmap.height() as usize;
        if !inside_clip || !fits || img.rgba_premultiplied.len() < iw * ih * 4 {
            return false;
        }
        let (x0, y0) = (x as usize, y as usize);
        let page = self.pixmap.data_mut();
        for (row, src) in img
            .rgba_premultiplied
            .chunks_exact(iw * 4)
            .take(ih)
            .enumerate()
        {
            let start = ((y0 + row) * pw + x0) * 4;
            let Some(dst) = page.get_mut(start..start + iw * 4) else {
                return true;
            };
            for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
                let keep = 255 - s[3] as u32;
                if keep == 255 {
                    continue;
                }
                for (dc, sc) in d.iter_mut().zip(s) {
                    *dc = (*sc as u32 + (*dc as u32 * keep + 127) / 255).min(255) as u8;
                }
            }
        }
        true
    }

    fn mask(&self) -> Option<&Mask> {
        self.clips.last().map(|(m, _)| m)
    }

    /// PNG bytes with a pHYs chunk saying `dpi`.
    pub fn encode(&self, dpi: u32) -> Result<Vec<u8>, String> {
        let png = self.pixmap.encode_png().map_err(|e| e.to_string())?;
        Ok(with_dpi(png, dpi))
    }

    fn blend_pixel(&mut self, x: i32, y: i32, c: Rgba, cov: f32) {
        let (w, h) = (self.pixmap.width() as i32, self.pixmap.height() as i32);
        if x < 0 || y < 0 || x >= w || y >= h || cov <= 0.0 {
            return;
        }
        if let Some((_, r)) = self.clips.last()
            && ((x as f32) < r[0]
                || (y as f32) < r[1]
                || (x as f32) >= r[0] + r[2]
                || (y as f32) >= r[1] + r[3])
        {
            return;
        }
        let a = c.0[3] as f32 / 255.0 * cov.min(1.0);
        let i = ((y * w + x) * 4) as usize;
        let data = self.pixmap.data_mut();
        for k in 0..3 {
            let src = c.0[k] as f32 * a;
            data[i + k] = (src + data[i + k] as f32 * (1.0 - a)).round().min(255.0) as u8;
        }
        data[i + 3] = (255.0 * a + data[i + 3] as f32 * (1.0 - a))
            .round()
            .min(255.0) as u8;
    }

    fn draw_text(&mut self, x: f32, y: f32, t: &str, size: f32, c: Rgba) {
        let mut pts: Vec<(i32, i32, f32)> = Vec::new();
        text::rasterize(t, size, x, y, |px, py, cov| pts.push((px, py, cov)));
        for (px, py, cov) in pts {
            self.blend_pixel(px, py, c, cov);
        }
    }
}

/// Inserts a pHYs chunk (pixels per metre) after IHDR.
fn with_dpi(png: Vec<u8>, dpi: u32) -> Vec<u8> {
    // Signature (8) + IHDR chunk (4 len + 4 type + 13 data + 4 crc) = 33 bytes.
    if png.len() < 33 || &png[12..16] != b"IHDR" {
        return png;
    }
    let ppm = (dpi as f64 / 0.0254).round() as u32;
    let mut chunk = Vec::with_capacity(21);
    chunk.extend_from_slice(&9u32.to_be_bytes());
    let mut body = b"pHYs".to_vec();
    body.extend_from_slice(&ppm.to_be_bytes());
    body.extend_from_slice(&ppm.to_be_bytes());
    body.push(1); // unit: metre
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&crc32(&body).to_be_bytes());
    let mut out = Vec::with_capacity(png.len() + chunk.len());
    out.extend_from_slice(&png[..33]);
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&png[33..]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in data {
        crc ^= *b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

impl Canvas for PngCanvas {
    fn size(&self) -> (f32, f32) {
        (self.pixmap.width() as f32, self.pixmap.height() as f32)
    }

    fn shape(&mut self, rings: &[Vec<Px>], fill: Option<Rgba>, line: Option<Line>) {
        let mut pb = PathBuilder::new();
        for ring in rings {
            let mut it = ring.iter();
            let Some(first) = it.next() else { continue };
            pb.move_to(first.x, first.y);
            for p in it {
                pb.line_to(p.x, p.y);
            }
            pb.close();
        }
        let Some(path) = pb.finish() else { return };
        if let Some(f) = fill.filter(|f| f.0[3] > 0) {
            let m = self.clips.last().map(|(m, _)| m.clone());
            self.pixmap.fill_path(
                &path,
                &paint(f),
                FillRule::EvenOdd,
                Transform::identity(),
                m.as_ref(),
            );
        }
        if let Some(l) = line {
            let m = self.clips.last().map(|(m, _)| m.clone());
            self.pixmap.stroke_path(
                &path,
                &paint(l.color),
                &stroke(&l),
                Transform::identity(),
                m.as_ref(),
            );
        }
    }

    fn polyline(&mut self, points: &[Px], line: Line) {
        let mut pb = PathBuilder::new();
        let mut it = points.iter();
        let Some(first) = it.next() else { return };
        pb.move_to(first.x, first.y);
        for p in it {
            pb.line_to(p.x, p.y);
        }
        let Some(path) = pb.finish() else { return };
        let m = self.mask().cloned();
        self.pixmap.stroke_path(
            &path,
            &paint(line.color),
            &stroke(&line),
            Transform::identity(),
            m.as_ref(),
        );
    }

    fn circle(&mut self, c: Px, r: f32, fill: Option<Rgba>, line: Option<Line>) {
        let Some(path) = PathBuilder::from_circle(c.x, c.y, r.max(0.1)) else {
            return;
        };
        let m = self.mask().cloned();
        if let Some(f) = fill.filter(|f| f.0[3] > 0) {
            self.pixmap.fill_path(
                &path,
                &paint(f),
                FillRule::Winding,
                Transform::identity(),
                m.as_ref(),
            );
        }
        if let Some(l) = line {
            self.pixmap.stroke_path(
                &path,
                &paint(l.color),
                &stroke(&l),
                Transform::identity(),
                m.as_ref(),
            );
        }
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
        if let Some(h) = halo {
            let d = (size / 12.0).max(1.0);
            for (dx, dy) in [
                (-d, 0.0),
                (d, 0.0),
                (0.0, -d),
                (0.0, d),
                (-d, -d),
                (d, d),
                (-d, d),
                (d, -d),
            ] {
                self.draw_text(x0 + dx, y0 + dy, t, size, h);
            }
        }
        self.draw_text(x0, y0, t, size, color);
        if bold {
            self.draw_text(x0 + (size / 30.0).max(0.5), y0, t, size, color);
        }
    }

    fn image(&mut self, x: f32, y: f32, w: f32, h: f32, img: &PageImage, smooth: bool) {
        if self.blend_exact(x, y, w, h, img) {
            return;
        }
        let Some(size) = IntSize::from_wh(img.width as u32, img.height as u32) else {
            return;
        };
        let Some(src) = Pixmap::from_vec(img.rgba_premultiplied.to_vec(), size) else {
            return;
        };
        let sx = w / img.width as f32;
        let sy = h / img.height as f32;
        let paint = PixmapPaint {
            quality: if smooth {
                tiny_skia::FilterQuality::Bilinear
            } else {
                tiny_skia::FilterQuality::Nearest
            },
            ..Default::default()
        };
        let m = self.mask().cloned();
        self.pixmap.draw_pixmap(
            0,
            0,
            src.as_ref(),
            &paint,
            Transform::from_row(sx, 0.0, 0.0, sy, x, y),
            m.as_ref(),
        );
    }

    fn push_clip(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let (pw, ph) = (self.pixmap.width(), self.pixmap.height());
        let Some(mut mask) = Mask::new(pw, ph) else {
            return;
        };
        if let Some(r) = Rect::from_xywh(x, y, w, h) {
            let path = PathBuilder::from_rect(r);
            mask.fill_path(&path, FillRule::Winding, false, Transform::identity());
        }
        self.clips.push((mask, [x, y, w, h]));
    }

    fn pop_clip(&mut self) {
        self.clips.pop();
    }
}
