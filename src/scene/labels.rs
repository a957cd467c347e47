//! Label placement: highest priority first, skipping any label that would overlap one already
//! placed or fall outside the view. The same placement serves the window and the exporters.

use super::{Label, Px, Rgba, Viewport};

/// A label that fits, in pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedLabel {
    pub text: String,
    /// Centre of the text box.
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    pub size_px: f32,
    pub color: Rgba,
}

/// Estimated text width: CJK characters are one em wide, others a little over half.
pub fn estimated_text_width(text: &str, size_px: f32) -> f32 {
    text.chars()
        .map(|c| {
            if (c as u32) >= 0x2E80 {
                1.0
            } else if c == ' ' {
                0.3
            } else {
                0.58
            }
        })
        .sum::<f32>()
        * size_px
}

/// Places labels without overlaps (boxes padded by `pad` pixels).
///
/// ```
/// use cluster_atlas::scene::{labels::place, Label, Px, Rgba, Viewport};
/// use cluster_atlas::model::Xy;
/// let vp = Viewport { centre: Xy::new(0.0, 0.0), m_per_px: 1.0, width_px: 400.0, height_px: 300.0 };
/// let l = |x: f64, p: i32| Label { at: Xy::new(x, 0.0), text: "深圳湾".into(), size_px: 14.0, color: Rgba::rgb(0, 0, 0), priority: p, offset_px: Px::new(0.0, 0.0) };
/// let placed = place(&[l(0.0, 1), l(5.0, 2), l(150.0, 0)], &vp, 2.0);
/// assert_eq!(placed.len(), 2); // the two at 0 and 5 m collide; the higher priority wins
/// assert_eq!(placed[0].x, 205.0);
/// ```
pub fn place(labels: &[Label], vp: &Viewport, pad: f32) -> Vec<PlacedLabel> {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by(|a, b| labels[*b].priority.cmp(&labels[*a].priority).then(a.cmp(b)));
    let mut placed: Vec<PlacedLabel> = Vec::new();
    for i in order {
        let l = &labels[i];
        if l.text.is_empty() {
            continue;
        }
        let Px { x: sx, y: sy } = vp.to_screen(l.at);
        let (x, y) = (sx + l.offset_px.x, sy + l.offset_px.y);
        let w = estimated_text_width(&l.text, l.size_px);
        let h = l.size_px * 1.25;
        if x - w / 2.0 < 0.0
            || x + w / 2.0 > vp.width_px
            || y - h / 2.0 < 0.0
            || y + h / 2.0 > vp.height_px
        {
            continue;
        }
        let clash = placed.iter().any(|p| {
            (p.x - x).abs() * 2.0 < p.width + w + 2.0 * pad
                && (p.y - y).abs() * 2.0 < p.height + h + 2.0 * pad
        });
        if !clash {
            placed.push(PlacedLabel {
                text: l.text.clone(),
                x,
                y,
                width: w,
                height: h,
                size_px: l.size_px,
                color: l.color,
            });
        }
    }
    placed
}
