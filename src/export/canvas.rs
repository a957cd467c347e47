//! The drawing surface both exporters implement: page pixels, y down.

use crate::scene::{Px, Rgba};

/// Where a text's (x, y) sits relative to the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// x at the left edge, y at the baseline.
    LeftBaseline,
    /// x at the centre, y at the middle of the text.
    Center,
    /// x at the right edge, y at the baseline.
    RightBaseline,
}

/// How a text is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextStyle {
    pub size: f32,
    pub color: Rgba,
    pub anchor: Anchor,
    /// A light outline behind the text, for legibility on the map.
    pub halo: Option<Rgba>,
    pub bold: bool,
}

impl TextStyle {
    pub fn new(size: f32, color: Rgba, anchor: Anchor) -> Self {
        Self {
            size,
            color,
            anchor,
            halo: None,
            bold: false,
        }
    }

    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }

    pub fn halo(mut self, c: Rgba) -> Self {
        self.halo = Some(c);
        self
    }
}

/// An outline for shapes on the page.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Line {
    pub width: f32,
    pub color: Rgba,
    pub dash: Option<(f32, f32)>,
}

/// A premultiplied RGBA image placed on the page.
pub struct PageImage<'a> {
    pub width: usize,
    pub height: usize,
    pub rgba_premultiplied: &'a [u8],
}

/// Everything the page renderer needs from a backend.
pub trait Canvas {
    fn size(&self) -> (f32, f32);
    /// Filled and/or outlined shape made of closed rings (even-odd fill, so holes work).
    fn shape(&mut self, rings: &[Vec<Px>], fill: Option<Rgba>, line: Option<Line>);
    /// An open polyline.
    fn polyline(&mut self, points: &[Px], line: Line);
    fn circle(&mut self, centre: Px, r: f32, fill: Option<Rgba>, line: Option<Line>);
    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Option<Rgba>, line: Option<Line>) {
        let ring = vec![
            Px::new(x, y),
            Px::new(x + w, y),
            Px::new(x + w, y + h),
            Px::new(x, y + h),
            Px::new(x, y),
        ];
        self.shape(&[ring], fill, line);
    }
    /// Text in the bundled font.
    fn text(&mut self, x: f32, y: f32, text: &str, style: &TextStyle);
    /// An image stretched over the rectangle (x, y, w, h).
    fn image(&mut self, x: f32, y: f32, w: f32, h: f32, img: &PageImage, smooth: bool);
    /// Restricts drawing to a rectangle until [`Canvas::pop_clip`].
    fn push_clip(&mut self, x: f32, y: f32, w: f32, h: f32);
    fn pop_clip(&mut self);
    /// Starts a named group (SVG layer); no-op for rasters.
    fn begin_group(&mut self, _name: &str) {}
    fn end_group(&mut self) {}
}
