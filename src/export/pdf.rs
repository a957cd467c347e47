//! The PDF backend (krilla): vector shapes, text in the bundled font (embedded, so Chinese
//! stays text), rasters as images. Drawing is in page pixels, scaled to points by the DPI.

use krilla::color::rgb;
use krilla::geom::{Path, PathBuilder, Point, Size, Transform};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, FillRule, LineCap, LineJoin, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

use super::canvas::{Canvas, Line, PageImage, TextStyle};
use super::text;
use crate::scene::{FONT_BYTES, Px, Rgba};

/// A page being drawn into a krilla surface.
pub struct PdfCanvas<'a, 'b> {
    surface: &'a mut Surface<'b>,
    font: Option<Font>,
    w: f32,
    h: f32,
}

/// The bundled font for krilla.
pub fn font() -> Option<Font> {
    Font::new(FONT_BYTES.to_vec().into(), 0)
}

fn fill(c: Rgba, rule: FillRule) -> Fill {
    Fill {
        paint: rgb::Color::new(c.0[0], c.0[1], c.0[2]).into(),
        opacity: NormalizedF32::new(c.alpha_f32()).unwrap_or(NormalizedF32::ONE),
        rule,
    }
}

fn stroke(l: &Line) -> Stroke {
    Stroke {
        paint: rgb::Color::new(l.color.0[0], l.color.0[1], l.color.0[2]).into(),
        width: l.width.max(0.05),
        opacity: NormalizedF32::new(l.color.alpha_f32()).unwrap_or(NormalizedF32::ONE),
        line_cap: if l.dash.is_some() {
            LineCap::Butt
        } else {
            LineCap::Round
        },
        line_join: LineJoin::Round,
        dash: l.dash.map(|(on, off)| StrokeDash {
            array: vec![on.max(0.1), off.max(0.1)],
            offset: 0.0,
        }),
        ..Default::default()
    }
}

fn path(rings: &[Vec<Px>], close: bool) -> Option<Path> {
    let mut pb = PathBuilder::new();
    for ring in rings {
        let mut it = ring.iter();
        let Some(first) = it.next() else { continue };
        pb.move_to(first.x, first.y);
        for p in it {
            pb.line_to(p.x, p.y);
        }
        if close {
            pb.close();
        }
    }
    pb.finish()
}

impl<'a, 'b> PdfCanvas<'a, 'b> {
    /// Wraps a surface already scaled so that one unit is one page pixel.
    pub fn new(surface: &'a mut Surface<'b>, w: f32, h: f32) -> Self {
        Self {
            surface,
            font: font(),
            w,
            h,
        }
    }

    fn draw(&mut self, p: &Path, f: Option<Fill>, s: Option<Stroke>) {
        self.surface.set_fill(f);
        self.surface.set_stroke(s);
        self.surface.draw_path(p);
    }

    /// Draws `t` once as real (searchable) text, or as glyph outlines when `outlined` (for
    /// halos and the bold offset copy, so copying text from the PDF gives each label once).
    fn plain_text(
        &mut self,
        x: f32,
        y: f32,
        t: &str,
        size: f32,
        (f, line): (Option<Rgba>, Option<Line>),
        outlined: bool,
    ) {
        let Some(font) = self.font.clone() else {
            return;
        };
        self.surface.set_stroke(line.map(|l| stroke(&l)));
        self.surface.set_fill(f.map(|c| fill(c, FillRule::NonZero)));
        self.surface.draw_text(
            Point::from_xy(x, y),
            font,
            size,
            t,
            outlined,
            TextDirection::Auto,
        );
    }
}

impl Canvas for PdfCanvas<'_, '_> {
    fn size(&self) -> (f32, f32) {
        (self.w, self.h)
    }

    fn shape(&mut self, rings: &[Vec<Px>], f: Option<Rgba>, line: Option<Line>) {
        let Some(p) = path(rings, true) else { return };
        self.draw(
            &p,
            f.filter(|c| c.0[3] > 0).map(|c| fill(c, FillRule::EvenOdd)),
            line.map(|l| stroke(&l)),
        );
    }

    fn polyline(&mut self, points: &[Px], line: Line) {
        let Some(p) = path(&[points.to_vec()], false) else {
            return;
        };
        self.draw(&p, None, Some(stroke(&line)));
    }

    fn circle(&mut self, c: Px, r: f32, f: Option<Rgba>, line: Option<Line>) {
        let ring: Vec<Px> = (0..=36)
            .map(|k| {
                let a = k as f32 / 36.0 * std::f32::consts::TAU;
                c.offset(r * a.cos(), r * a.sin())
            })
            .collect();
        self.shape(&[ring], f, line);
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
            // A round-joined stroke around the glyph outlines, under the text.
            let halo_line = Line {
                width: 2.0 * (size / 12.0).max(0.5),
                color: h,
                dash: None,
            };
            self.plain_text(x0, y0, t, size, (Some(h), Some(halo_line)), true);
        }
        self.plain_text(x0, y0, t, size, (Some(color), None), false);
        if bold {
            self.plain_text(
                x0 + (size / 30.0).max(0.3),
                y0,
                t,
                size,
                (Some(color), None),
                true,
            );
        }
    }

    fn image(&mut self, x: f32, y: f32, w: f32, h: f32, img: &PageImage, _smooth: bool) {
        // krilla takes straight (unpremultiplied) RGBA.
        let straight: Vec<u8> = img
            .rgba_premultiplied
            .chunks_exact(4)
            .flat_map(|p| {
                let un = |c: u8| {
                    (c as u32 * 255)
                        .checked_div(p[3] as u32)
                        .unwrap_or(0)
                        .min(255) as u8
                };
                [un(p[0]), un(p[1]), un(p[2]), p[3]]
            })
            .collect();
        let image = krilla::image::Image::from_rgba8(straight, img.width as u32, img.height as u32);
        let Some(size) = Size::from_wh(w.max(0.01), h.max(0.01)) else {
            return;
        };
        self.surface
            .push_transform(&Transform::from_translate(x, y));
        self.surface.draw_image(image, size);
        self.surface.pop();
    }

    fn push_clip(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let ring = vec![
            Px::new(x, y),
            Px::new(x + w, y),
            Px::new(x + w, y + h),
            Px::new(x, y + h),
        ];
        if let Some(p) = path(&[ring], true) {
            self.surface.push_clip_path(&p, &FillRule::NonZero);
        }
    }

    fn pop_clip(&mut self) {
        self.surface.pop();
    }
}
