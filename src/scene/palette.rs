//! The colours of the map, chosen to stay readable in print and for colour-blind readers
//! (Okabe–Ito for categories).

use super::Rgba;
use crate::model::Batch;

pub const WATER: Rgba = Rgba::rgb(0xd7, 0xe7, 0xf1);
/// Cluster hulls when firms are coloured by segment, and the hull counts.
pub const HULL: Rgba = Rgba::rgb(0x44, 0x4f, 0x63);
pub const HULL_TEXT: Rgba = Rgba::rgb(0x22, 0x2a, 0x38);
/// Beyond the basemap's coverage: a neutral grey, so it is not mistaken for sea.
pub const NO_BASEMAP: Rgba = Rgba::rgb(0xe4, 0xe4, 0xe2);
pub const LAND: Rgba = Rgba::rgb(0xf4, 0xf2, 0xec);
pub const DISTRICT_FILL: Rgba = Rgba::rgb(0xfb, 0xfa, 0xf6);
pub const DISTRICT_EDGE: Rgba = Rgba::rgb(0xa8, 0xa4, 0x9c);
pub const TEXT: Rgba = Rgba::rgb(0x22, 0x22, 0x22);
pub const DISTRICT_TEXT: Rgba = Rgba::rgb(0x8a, 0x85, 0x7c);
pub const HALO: Rgba = Rgba::with_alpha(0xff, 0xff, 0xff, 0xd8);
pub const SELECTION: Rgba = Rgba::rgb(0x00, 0x5f, 0xcc);
pub const NOISE: Rgba = Rgba::rgb(0x9a, 0x9a, 0x9a);
/// Nothing drawn (an outline-only shape).
pub const CLEAR: Rgba = Rgba::with_alpha(0, 0, 0, 0);
/// The outline around a zone's star marker.
pub const STAR_EDGE: Rgba = Rgba::rgb(255, 255, 255);

/// The page of an exported picture and its furniture.
pub const PAGE: Rgba = Rgba::rgb(255, 255, 255);
pub const SUBTITLE: Rgba = Rgba::rgb(0x55, 0x55, 0x55);
pub const FOOTER: Rgba = Rgba::rgb(0x44, 0x44, 0x44);
pub const LEGEND_FILL: Rgba = Rgba::rgb(0xfb, 0xfb, 0xf9);
pub const LEGEND_EDGE: Rgba = Rgba::rgb(0xbb, 0xbb, 0xbb);
/// Notes written on the map (e.g. "firms aggregated").
pub const MAP_NOTE: Rgba = Rgba::rgb(0x55, 0x55, 0x55);
pub const MAP_NOTE_TEXT: Rgba = Rgba::rgb(40, 40, 40);
pub const MAP_NOTE_BACKING: Rgba = Rgba::with_alpha(255, 255, 255, 210);

/// The window's messages: warnings (a file read with notes) and errors.
pub const WARNING: Rgba = Rgba::rgb(0xb0, 0x50, 0x00);
pub const ERROR: Rgba = Rgba::rgb(0xc0, 0x20, 0x20);
/// The empty track of a score bar.
pub const TRACK: Rgba = Rgba::rgb(230, 230, 230);
/// The advisor's five criteria in score bars (Okabe–Ito), in `Criterion::ALL` order.
pub const CRITERIA: [Rgba; 5] = [
    Rgba::rgb(0x00, 0x72, 0xb2),
    Rgba::rgb(0x00, 0x9e, 0x73),
    Rgba::rgb(0xe6, 0x9f, 0x00),
    Rgba::rgb(0xcc, 0x79, 0xa7),
    Rgba::rgb(0x99, 0x99, 0x99),
];

/// Zone colour by policy batch.
pub fn batch(b: Option<Batch>) -> Rgba {
    match b {
        Some(Batch::Future2017) => Rgba::rgb(0xd5, 0x5e, 0x00), // vermillion
        Some(Batch::Emerging2018) => Rgba::rgb(0x00, 0x72, 0xb2), // blue
        None => Rgba::rgb(0x7b, 0x4f, 0x9d),                    // purple: batch unknown
    }
}

/// Segment colours in the fit table's order; unknown segments use the last.
pub const SEGMENTS: [Rgba; 6] = [
    Rgba::rgb(0x00, 0x72, 0xb2), // hardware: blue
    Rgba::rgb(0xcc, 0x79, 0xa7), // optics & display: reddish purple
    Rgba::rgb(0xe6, 0x9f, 0x00), // components: orange
    Rgba::rgb(0x00, 0x9e, 0x73), // content & software: bluish green
    Rgba::rgb(0xd5, 0x5e, 0x00), // platforms & services: vermillion
    Rgba::rgb(0x80, 0x80, 0x80), // other / unknown
];

/// Cluster colours, cycled; noise uses [`NOISE`].
pub const CLUSTERS: [Rgba; 12] = [
    Rgba::rgb(0x1f, 0x77, 0xb4),
    Rgba::rgb(0xff, 0x7f, 0x0e),
    Rgba::rgb(0x2c, 0xa0, 0x2c),
    Rgba::rgb(0xd6, 0x27, 0x28),
    Rgba::rgb(0x94, 0x67, 0xbd),
    Rgba::rgb(0x8c, 0x56, 0x4b),
    Rgba::rgb(0xe3, 0x77, 0xc2),
    Rgba::rgb(0x17, 0xbe, 0xcf),
    Rgba::rgb(0xbc, 0xbd, 0x22),
    Rgba::rgb(0x39, 0x3b, 0x79),
    Rgba::rgb(0xad, 0x49, 0x4a),
    Rgba::rgb(0x63, 0x79, 0x39),
];

pub fn cluster(id: i32) -> Rgba {
    if id < 0 {
        NOISE
    } else {
        CLUSTERS[id as usize % CLUSTERS.len()]
    }
}

/// Density ramp from transparent to dark red (low → high).
pub const DENSITY_RAMP: [Rgba; 6] = [
    Rgba::with_alpha(0xff, 0xff, 0xb2, 0x00),
    Rgba::with_alpha(0xfe, 0xd9, 0x76, 0x90),
    Rgba::with_alpha(0xfe, 0xb2, 0x4c, 0xb0),
    Rgba::with_alpha(0xfd, 0x8d, 0x3c, 0xc8),
    Rgba::with_alpha(0xf0, 0x3b, 0x20, 0xd8),
    Rgba::with_alpha(0xbd, 0x00, 0x26, 0xe8),
];

/// Colour of a value in 0..1 on the density ramp (linear between stops).
pub fn ramp(t: f32) -> Rgba {
    let t = t.clamp(0.0, 1.0) * (DENSITY_RAMP.len() - 1) as f32;
    let i = (t.floor() as usize).min(DENSITY_RAMP.len() - 2);
    let f = t - i as f32;
    let (a, b) = (DENSITY_RAMP[i].0, DENSITY_RAMP[i + 1].0);
    let mix = |k: usize| (a[k] as f32 + (b[k] as f32 - a[k] as f32) * f).round() as u8;
    Rgba([mix(0), mix(1), mix(2), mix(3)])
}
