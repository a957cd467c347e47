//! Point sets rasterised straight into pixels: one pass over the points, a precomputed
//! anti-aliased disc stamp, premultiplied source-over blending. Every backend uses this for
//! firms, so the window and the exported PNG show the same dots.

use super::{PointsItem, Px, Viewport};
use crate::model::Xy;

/// A premultiplied RGBA image.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    pub width: usize,
    pub height: usize,
    pub rgba: Vec<u8>,
}

impl Image {
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            rgba: vec![0; width * height * 4],
        }
    }

    /// Pixels that are not fully transparent.
    pub fn painted(&self) -> usize {
        self.rgba.chunks(4).filter(|p| p[3] > 0).count()
    }
}

/// Coverage of a disc of radius `r` pixels, (2k+1)² values around its centre.
fn stamp(r: f32) -> (i32, Vec<f32>) {
    let k = (r + 1.0).ceil() as i32;
    let n = (2 * k + 1) as usize;
    let mut cov = vec![0f32; n * n];
    for dy in -k..=k {
        for dx in -k..=k {
            let d = ((dx * dx + dy * dy) as f32).sqrt();
            cov[((dy + k) as usize) * n + (dx + k) as usize] = (r + 0.5 - d).clamp(0.0, 1.0);
        }
    }
    (k, cov)
}

/// More points than this share per pixel of the view switches to binned drawing.
pub const AGGREGATE_POINTS_PER_PIXEL: f32 = 0.25;

/// Draws the points like [`rasterize_points`] when they are few enough to read as dots, or,
/// when more than [`AGGREGATE_POINTS_PER_PIXEL`] fall in the view, aggregated into square
/// bins (`bin_px` wide) whose opacity grows with the number of firms in them. Returns the
/// image and whether it was aggregated. The exporters use this; the window uses
/// [`rasterize_adaptive_texels`], the same picture before its bins are widened to pixels.
pub fn rasterize_adaptive(
    item: &PointsItem,
    vp: &Viewport,
    opacity: f32,
    bin_px: f32,
) -> (Image, bool) {
    let (img, texel) = rasterize_adaptive_texels(item, vp, opacity, bin_px);
    if texel == 1 {
        return (img, false);
    }
    let (w, h) = view_size(vp);
    (widen(&img, texel, w, h), true)
}

/// [`rasterize_adaptive`] with each bin one texel: returns the image and the pixels per
/// texel (1 for dots). Shown scaled up with nearest sampling it is the same picture, in a
/// quarter of the bytes for 2-pixel bins (the window's texture is uploaded at every view).
pub fn rasterize_adaptive_texels(
    item: &PointsItem,
    vp: &Viewport,
    opacity: f32,
    bin_px: f32,
) -> (Image, usize) {
    let (lo, hi) = vp.plane_bounds();
    // Counting stops as soon as the view is known to be crowded (a city view of millions of
    // firms decides within its first few hundred thousand).
    let limit = (AGGREGATE_POINTS_PER_PIXEL * vp.width_px * vp.height_px).max(0.0) as usize;
    let crowded = item
        .xy
        .iter()
        .filter(|p| p.x >= lo.x && p.x <= hi.x && p.y >= lo.y && p.y <= hi.y)
        .nth(limit)
        .is_some();
    if !crowded {
        return (rasterize_points(item, vp, opacity), 1);
    }
    let b = bin_size(bin_px);
    (rasterize_bins(item, vp, opacity, bin_px), b)
}

/// The image size of a viewport, pixels.
fn view_size(vp: &Viewport) -> (usize, usize) {
    (
        vp.width_px.max(1.0) as usize,
        vp.height_px.max(1.0) as usize,
    )
}

/// The bin width [`rasterize_bins`] uses for `bin_px`.
fn bin_size(bin_px: f32) -> usize {
    bin_px.max(1.0).round() as usize
}

/// Bins of `bin_px` pixels: count per bin and the colour of the bin's last firm; opacity
/// 0.35 + 0.15·log2(count), capped at 1.
pub fn rasterize_binned(item: &PointsItem, vp: &Viewport, opacity: f32, bin_px: f32) -> Image {
    let (w, h) = view_size(vp);
    widen(
        &rasterize_bins(item, vp, opacity, bin_px),
        bin_size(bin_px),
        w,
        h,
    )
}

/// [`rasterize_binned`]'s bins, one texel each (`⌈w/b⌉ × ⌈h/b⌉`; the last row and column
/// may reach past the view).
pub fn rasterize_bins(item: &PointsItem, vp: &Viewport, opacity: f32, bin_px: f32) -> Image {
    let (w, h) = view_size(vp);
    let b = bin_size(bin_px);
    let (bw, bh) = (w.div_ceil(b), h.div_ceil(b));
    let mut count = vec![0u32; bw * bh];
    let mut colour = vec![0u8; bw * bh];
    for (i, p) in item.xy.iter().enumerate() {
        let c = item.colour_at(i);
        if c as usize >= item.palette.len() {
            continue;
        }
        let Px { x: sx, y: sy } = vp.to_screen(*p);
        if sx < 0.0 || sy < 0.0 || sx >= w as f32 || sy >= h as f32 {
            continue;
        }
        let k = (sy as usize / b) * bw + sx as usize / b;
        count[k] += 1;
        // The bin takes its last firm's colour, the class beneath only when it has no other.
        if Some(c) != item.under || count[k] == 1 {
            colour[k] = c;
        }
    }
    let mut img = Image::new(bw, bh);
    for (k, (n, px)) in count.iter().zip(img.rgba.chunks_exact_mut(4)).enumerate() {
        if *n == 0 {
            continue;
        }
        let Some(rgba) = item.palette.get(colour[k] as usize).map(|c| c.0) else {
            continue;
        };
        let a =
            (0.35 + 0.15 * (*n as f32).log2()).min(1.0) * opacity.clamp(0.0, 1.0) * rgba[3] as f32
                / 255.0;
        px.copy_from_slice(&[
            (rgba[0] as f32 * a) as u8,
            (rgba[1] as f32 * a) as u8,
            (rgba[2] as f32 * a) as u8,
            (255.0 * a) as u8,
        ]);
    }
    img
}

/// `img` with every texel widened to `b × b` pixels, cut to `w × h`.
fn widen(img: &Image, b: usize, w: usize, h: usize) -> Image {
    let mut out = Image::new(w, h);
    for (y, row) in out.rgba.chunks_exact_mut(w * 4).enumerate() {
        let src = (y / b) * img.width;
        for (x, px) in row.chunks_exact_mut(4).enumerate() {
            let o = (src + x / b) * 4;
            if let Some(texel) = img.rgba.get(o..o + 4) {
                px.copy_from_slice(texel);
            }
        }
    }
    out
}

/// Draws the points of `item` into a new image the size of the viewport.
pub fn rasterize_points(item: &PointsItem, vp: &Viewport, opacity: f32) -> Image {
    let (w, h) = (
        vp.width_px.max(1.0) as usize,
        vp.height_px.max(1.0) as usize,
    );
    let mut img = Image::new(w, h);
    draw_points(&mut img, item, vp, opacity);
    img
}

/// Largest dot radius drawn, pixels (the setting's maximum scaled to a 20,000 px page).
pub const MAX_STAMP_RADIUS_PX: f32 = 200.0;

/// Draws the points of `item` onto an existing premultiplied image of the viewport's size.
pub fn draw_points(img: &mut Image, item: &PointsItem, vp: &Viewport, opacity: f32) {
    let (w, h) = (img.width as i32, img.height as i32);
    // Bounded whatever the caller passes: a huge radius would overflow the stamp's size (the
    // window's setting is already limited; exports scale it with the page).
    let radius = if item.radius_px.is_finite() {
        item.radius_px.clamp(0.5, MAX_STAMP_RADIUS_PX)
    } else {
        crate::model::limits::FIRM_RADIUS_PX.default as f32
    };
    let (k, cov) = stamp(radius);
    let n = (2 * k + 1) as usize;
    let premul: Vec<[f32; 4]> = item
        .palette
        .iter()
        .map(|c| {
            let a = c.0[3] as f32 / 255.0 * opacity.clamp(0.0, 1.0);
            [
                c.0[0] as f32 * a,
                c.0[1] as f32 * a,
                c.0[2] as f32 * a,
                255.0 * a,
            ]
        })
        .collect();
    let (lo, hi) = vp.plane_bounds();
    let margin = (k as f64 + 1.0) * vp.m_per_px;
    // With a class beneath, the others' points in view wait for a second round.
    let mut above: Vec<u32> = Vec::new();
    let mut dot = |p: &Xy, c: u8| {
        let Some(src) = premul.get(c as usize) else {
            return;
        };
        let Px { x: sx, y: sy } = vp.to_screen(*p);
        let (cx, cy) = (sx.floor() as i32, sy.floor() as i32);
        for dy in -k..=k {
            let y = cy + dy;
            if y < 0 || y >= h {
                continue;
            }
            let row = (y * w) as usize;
            for dx in -k..=k {
                let x = cx + dx;
                if x < 0 || x >= w {
                    continue;
                }
                let c = cov[((dy + k) as usize) * n + (dx + k) as usize];
                if c <= 0.0 {
                    continue;
                }
                let o = (row + x as usize) * 4;
                let px = &mut img.rgba[o..o + 4];
                let sa = src[3] * c / 255.0;
                for ch in 0..4 {
                    let s = src[ch] * c;
                    // + 0.5 and truncation round these non-negative values as `round` does,
                    // without a libm call per channel.
                    px[ch] = (s + px[ch] as f32 * (1.0 - sa) + 0.5).min(255.0) as u8;
                }
            }
        }
    };
    for (i, p) in item.xy.iter().enumerate() {
        if p.x < lo.x - margin || p.x > hi.x + margin || p.y < lo.y - margin || p.y > hi.y + margin
        {
            continue;
        }
        let c = item.colour_at(i);
        match item.under {
            Some(u) if u != c => above.push(i as u32),
            _ => dot(p, c),
        }
    }
    for i in above {
        if let Some(p) = item.xy.get(i as usize) {
            dot(p, item.colour_at(i as usize));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::Xy;
    use crate::scene::Rgba;

    #[test]
    fn points_land_where_the_viewport_says() {
        let vp = Viewport {
            centre: Xy::new(0.0, 0.0),
            m_per_px: 10.0,
            width_px: 100.0,
            height_px: 80.0,
        };
        let item = PointsItem {
            under: None,
            xy: Arc::new(vec![
                Xy::new(0.0, 0.0),
                Xy::new(200.0, 100.0),
                Xy::new(1e6, 0.0),
            ]),
            colour: Arc::new(vec![0, 1, 0]),
            palette: vec![Rgba::rgb(255, 0, 0), Rgba::rgb(0, 0, 255)],
            radius_px: 2.0,
            years: None,
        };
        let img = rasterize_points(&item, &vp, 1.0);
        let px = |x: usize, y: usize| &img.rgba[(y * 100 + x) * 4..(y * 100 + x) * 4 + 4];
        assert_eq!(px(50, 40), &[255, 0, 0, 255]);
        // (200, 100) m → (70, 30) px.
        assert_eq!(px(70, 30), &[0, 0, 255, 255]);
        assert_eq!(px(10, 10), &[0, 0, 0, 0]);
        // Two discs of radius 2 px: about 2·π·2.5² pixels touched.
        let n = img.painted();
        assert!((30..=60).contains(&n), "{n}");
    }

    #[test]
    fn many_points_are_binned_and_few_are_not() {
        let vp = Viewport {
            centre: Xy::new(0.0, 0.0),
            m_per_px: 1.0,
            width_px: 40.0,
            height_px: 40.0,
        };
        let few = PointsItem {
            under: None,
            xy: Arc::new(vec![Xy::new(0.0, 0.0)]),
            colour: Arc::new(vec![0]),
            palette: vec![Rgba::rgb(255, 0, 0)],
            radius_px: 1.0,
            years: None,
        };
        assert!(!rasterize_adaptive(&few, &vp, 1.0, 2.0).1);
        // 1,000 points in a 40×40 view: more than a quarter per pixel.
        let xy: Vec<Xy> = (0..1000)
            .map(|k| Xy::new((k % 40) as f64 - 19.5, (k / 40) as f64 - 12.0))
            .collect();
        let many = PointsItem {
            under: None,
            colour: Arc::new(vec![0; xy.len()]),
            xy: Arc::new(xy),
            palette: vec![Rgba::rgb(255, 0, 0)],
            radius_px: 1.0,
            years: None,
        };
        let (img, binned) = rasterize_adaptive(&many, &vp, 1.0, 2.0);
        assert!(binned);
        assert!(img.painted() > 900);
        // Every painted pixel is pure red at some opacity (premultiplied: g = b = 0).
        assert!(img.rgba.chunks(4).all(|p| p[1] == 0 && p[2] == 0));
    }

    #[test]
    fn bins_widened_are_the_binned_picture_bin_by_bin() {
        // Odd sizes, so the last bins are cut; points on bin edges, outside, and a colour
        // past the palette (not drawn).
        let vp = Viewport {
            centre: Xy::new(3.0, -2.0),
            m_per_px: 1.5,
            width_px: 61.0,
            height_px: 37.0,
        };
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        let xy: Vec<Xy> = (0..5000)
            .map(|_| Xy::new(next() * 110.0 - 52.0, next() * 70.0 - 37.0))
            .collect();
        let colour: Vec<u8> = (0..xy.len()).map(|i| (i % 4) as u8).collect();
        let item = PointsItem {
            under: None,
            xy: Arc::new(xy),
            colour: Arc::new(colour),
            palette: vec![
                Rgba::rgb(255, 0, 0),
                Rgba([0, 200, 100, 128]),
                Rgba::rgb(10, 20, 30),
            ],
            radius_px: 1.0,
            years: None,
        };
        for b in [1usize, 2, 3, 4] {
            let img = rasterize_binned(&item, &vp, 0.8, b as f32);
            // Oracle: pixel by pixel, the firms whose screen position falls in its bin.
            for y in 0..37usize {
                for x in 0..61usize {
                    let (mut n, mut last) = (0u32, None);
                    for (i, p) in item.xy.iter().enumerate() {
                        let c = item.colour[i] as usize;
                        let s = vp.to_screen(*p);
                        let inside = s.x >= 0.0 && s.y >= 0.0 && s.x < 61.0 && s.y < 37.0;
                        if c < item.palette.len()
                            && inside
                            && s.x as usize / b == x / b
                            && s.y as usize / b == y / b
                        {
                            n += 1;
                            last = Some(c);
                        }
                    }
                    let want = match last {
                        None => [0u8; 4],
                        Some(c) => {
                            let rgba = item.palette[c].0;
                            let a =
                                (0.35 + 0.15 * (n as f32).log2()).min(1.0) * 0.8 * rgba[3] as f32
                                    / 255.0;
                            [
                                (rgba[0] as f32 * a) as u8,
                                (rgba[1] as f32 * a) as u8,
                                (rgba[2] as f32 * a) as u8,
                                (255.0 * a) as u8,
                            ]
                        }
                    };
                    let o = (y * 61 + x) * 4;
                    assert_eq!(img.rgba[o..o + 4], want, "pixel {x},{y} with {b}-px bins");
                }
            }
            let bins = rasterize_bins(&item, &vp, 0.8, b as f32);
            assert_eq!(
                (bins.width, bins.height),
                (61usize.div_ceil(b), 37usize.div_ceil(b))
            );
        }
        // The window's texels are the exporters' picture: crowded, then few.
        let (texels, b) = rasterize_adaptive_texels(&item, &vp, 0.8, 2.0);
        assert_eq!(b, 2);
        assert_eq!(
            widen(&texels, 2, 61, 37),
            rasterize_adaptive(&item, &vp, 0.8, 2.0).0
        );
        let few = PointsItem {
            under: None,
            xy: Arc::new(item.xy[..50].to_vec()),
            colour: Arc::new(item.colour[..50].to_vec()),
            ..item.clone()
        };
        let (dots, b) = rasterize_adaptive_texels(&few, &vp, 0.8, 2.0);
        assert_eq!(b, 1);
        assert_eq!(dots, rasterize_points(&few, &vp, 0.8));
    }

    #[test]
    fn binning_starts_one_point_past_a_quarter_per_pixel_in_view() {
        let vp = Viewport {
            centre: Xy::new(0.0, 0.0),
            m_per_px: 1.0,
            width_px: 20.0,
            height_px: 20.0,
        };
        // 400 px: 100 firms in view read as dots, 101 are binned; firms outside never count.
        let item = |inside: usize| {
            let mut xy: Vec<Xy> = (0..inside)
                .map(|k| Xy::new((k % 10) as f64 - 5.0, (k / 10 % 10) as f64 - 5.0))
                .collect();
            xy.extend((0..500).map(|k| Xy::new(1_000.0 + k as f64, 0.0)));
            PointsItem {
                under: None,
                colour: Arc::new(vec![0; xy.len()]),
                xy: Arc::new(xy),
                palette: vec![Rgba::rgb(0, 0, 255)],
                radius_px: 1.0,
                years: None,
            }
        };
        assert!(!rasterize_adaptive(&item(100), &vp, 1.0, 2.0).1);
        assert!(rasterize_adaptive(&item(101), &vp, 1.0, 2.0).1);
    }

    #[test]
    fn a_year_view_draws_what_the_colours_of_that_year_draw() {
        // Oracle: the colours of the year set firm by firm with `FirmTimes::alive`, drawn
        // without the view; both as bins (crowded) and as dots (few).
        use crate::model::FirmTimes;
        use crate::scene::YearView;
        let vp = Viewport {
            centre: Xy::new(0.0, 0.0),
            m_per_px: 1.0,
            width_px: 50.0,
            height_px: 30.0,
        };
        let n = 3_000;
        let xy: Vec<Xy> = (0..n)
            .map(|k| Xy::new((k * 37 % 50) as f64 - 24.6, (k * 11 % 30) as f64 - 14.3))
            .collect();
        let times = Arc::new(FirmTimes {
            founded: (0..n).map(|k| [0, 2010, 2015, 2019, 2020][k % 5]).collect(),
            closed: (0..n).map(|k| [0, 0, 2018, 2021][k % 7 % 4]).collect(),
            ..Default::default()
        });
        let palette = vec![
            Rgba::rgb(255, 0, 0),
            Rgba::rgb(0, 0, 255),
            Rgba::rgb(0, 255, 0),
        ];
        for (year, first_new) in [(2019, 2019), (2021, 2019), (2016, 2012)] {
            let viewed = PointsItem {
                under: None,
                xy: Arc::new(xy.clone()),
                colour: Arc::new((0..n).map(|k| (k % 2) as u8).collect()),
                palette: palette.clone(),
                radius_px: 1.0,
                years: Some(YearView {
                    times: times.clone(),
                    year,
                    first_new,
                    highlight: 2,
                }),
            };
            let by_hand: Vec<u8> = (0..n)
                .map(
                    |i| match (times.alive(i, year), times.founded[i] as i32 >= first_new) {
                        (false, _) => 255,
                        (true, true) => 2,
                        (true, false) => (i % 2) as u8,
                    },
                )
                .collect();
            let plain = PointsItem {
                under: None,
                colour: Arc::new(by_hand),
                years: None,
                ..viewed.clone()
            };
            assert!(plain.colour.contains(&255) && plain.colour.contains(&2));
            let (got, binned) = rasterize_adaptive(&viewed, &vp, 0.9, 2.0);
            assert!(binned);
            assert_eq!(
                got,
                rasterize_adaptive(&plain, &vp, 0.9, 2.0).0,
                "{year} bins"
            );
            let few = |p: &PointsItem| PointsItem {
                under: None,
                xy: Arc::new(p.xy[..200].to_vec()),
                ..p.clone()
            };
            let (dots, binned) = rasterize_adaptive(&few(&viewed), &vp, 0.9, 2.0);
            assert!(!binned);
            assert_eq!(
                dots,
                rasterize_points(&few(&plain), &vp, 0.9),
                "{year} dots"
            );
        }
    }

    /// A class beneath: the picture equals the points drawn in the order "that class first,
    /// then the rest" (the oracle: reordered by hand, no class beneath), dot by dot and bin
    /// by bin, and differs from the points drawn in their own order.
    #[test]
    fn the_class_beneath_is_drawn_first() {
        let vp = Viewport {
            centre: Xy::new(0.0, 0.0),
            m_per_px: 1.0,
            width_px: 60.0,
            height_px: 50.0,
        };
        let mut rng = crate::model::Rng::new(11);
        let n = 3_000;
        let xy: Vec<Xy> = (0..n)
            .map(|_| Xy::new(rng.uniform() * 70.0 - 35.0, rng.uniform() * 60.0 - 30.0))
            .collect();
        let colour: Vec<u8> = (0..n).map(|_| (rng.next_u64() % 7) as u8).collect();
        let palette: Vec<Rgba> = (0..6)
            .map(|k| Rgba::rgb(40 * k, 255 - 40 * k, 90))
            .collect();
        let item = |xy: Vec<Xy>, colour: Vec<u8>, under| PointsItem {
            under,
            xy: Arc::new(xy),
            colour: Arc::new(colour),
            palette: palette.clone(),
            radius_px: 2.5,
            years: None,
        };
        let beneath = item(xy.clone(), colour.clone(), Some(5));
        let (first, rest): (Vec<usize>, Vec<usize>) = (0..n).partition(|i| colour[*i] == 5);
        let order: Vec<usize> = first.into_iter().chain(rest).collect();
        let oracle = item(
            order.iter().map(|i| xy[*i]).collect(),
            order.iter().map(|i| colour[*i]).collect(),
            None,
        );
        let plain = item(xy, colour, None);
        let dots = |it: &PointsItem| rasterize_points(it, &vp, 0.8).rgba;
        assert_eq!(dots(&beneath), dots(&oracle));
        assert_ne!(dots(&beneath), dots(&plain));
        let bins = |it: &PointsItem| rasterize_bins(it, &vp, 0.8, 3.0).rgba;
        assert_eq!(bins(&beneath), bins(&oracle));
        assert_ne!(bins(&beneath), bins(&plain));
    }
}
