//! Page sizes and the page layout: title band, map frame, legend panel, footer.

use serde::{Deserialize, Serialize};

/// Standard page sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preset {
    /// 16:9 slide, 1920×1080 pixels.
    Slide,
    /// A4 landscape (297 × 210 mm).
    A4,
    /// A4 portrait (210 × 297 mm).
    A4Portrait,
    /// A3 landscape (420 × 297 mm).
    A3,
    /// Custom size in pixels.
    Custom(u32, u32),
}

impl Preset {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "slide" | "16:9" => Some(Preset::Slide),
            "a4" | "a4l" | "a4-landscape" => Some(Preset::A4),
            "a4p" | "a4-portrait" => Some(Preset::A4Portrait),
            "a3" | "a3l" | "a3-landscape" => Some(Preset::A3),
            _ => None,
        }
    }

    /// The default DPI: 300 for paper, 96 (nominal) for the slide.
    pub fn default_dpi(self) -> u32 {
        match self {
            Preset::Slide | Preset::Custom(..) => 96,
            _ => 300,
        }
    }

    /// Page size in pixels at `dpi` (paper presets scale with the DPI; the slide and custom
    /// sizes are fixed pixels).
    ///
    /// ```
    /// use cluster_atlas::export::Preset;
    /// assert_eq!(Preset::Slide.size_px(300), (1920, 1080));
    /// assert_eq!(Preset::A4.size_px(300), (3508, 2480));
    /// assert_eq!(Preset::A4Portrait.size_px(150), (1240, 1754));
    /// assert_eq!(Preset::A3.size_px(300), (4961, 3508));
    /// ```
    pub fn size_px(self, dpi: u32) -> (u32, u32) {
        let mm = |v: f64| (v / 25.4 * dpi as f64).round() as u32;
        match self {
            Preset::Slide => (1920, 1080),
            Preset::A4 => (mm(297.0), mm(210.0)),
            Preset::A4Portrait => (mm(210.0), mm(297.0)),
            Preset::A3 => (mm(420.0), mm(297.0)),
            Preset::Custom(w, h) => (w, h),
        }
    }

    pub fn name(self) -> String {
        match self {
            Preset::Slide => "slide".into(),
            Preset::A4 => "a4".into(),
            Preset::A4Portrait => "a4p".into(),
            Preset::A3 => "a3".into(),
            Preset::Custom(w, h) => format!("{w}x{h}"),
        }
    }
}

/// Where everything goes on the page, in page pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageLayout {
    pub width: f32,
    pub height: f32,
    /// Size unit: a thousandth of the page's shorter side.
    pub u: f32,
    pub margin: f32,
    /// Map frame: x, y, w, h.
    pub map: [f32; 4],
    /// Legend panel: x, y, w, h.
    pub legend: [f32; 4],
    /// Top of the footer block.
    pub footer_top: f32,
    pub portrait: bool,
}

impl PageLayout {
    /// Lays out a page; `portrait_legend_h` is the legend's measured height for portrait
    /// pages, where it sits under the map (at most 40 % of the space).
    pub fn new(width: u32, height: u32, has_subtitle: bool, portrait_legend_h: f32) -> Self {
        let (w, h) = (width as f32, height as f32);
        let u = w.min(h) / 1000.0;
        let margin = 26.0 * u;
        let title_band = if has_subtitle { 86.0 * u } else { 58.0 * u };
        // Room for six footer lines at a size still legible when projected.
        let footer = 84.0 * u;
        let footer_top = h - margin - footer;
        let top = margin + title_band;
        let portrait = h > w * 1.05;
        if portrait {
            let legend_h = portrait_legend_h.min((footer_top - top) * 0.4);
            let map_h = footer_top - top - legend_h - 12.0 * u;
            Self {
                width: w,
                height: h,
                u,
                margin,
                map: [margin, top, w - 2.0 * margin, map_h],
                legend: [margin, top + map_h + 12.0 * u, w - 2.0 * margin, legend_h],
                footer_top,
                portrait,
            }
        } else {
            let legend_w = 330.0 * u;
            Self {
                width: w,
                height: h,
                u,
                margin,
                map: [
                    margin,
                    top,
                    w - 2.0 * margin - legend_w - 14.0 * u,
                    footer_top - top - 8.0 * u,
                ],
                legend: [
                    w - margin - legend_w,
                    top,
                    legend_w,
                    footer_top - top - 8.0 * u,
                ],
                footer_top,
                portrait,
            }
        }
    }
}
