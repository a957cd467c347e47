//! Web Mercator tile arithmetic (EPSG:3857, 256-pixel tiles, y down from the north) and which
//! tiles cover a view on the map's plane.

use super::{TileCrs, TileKey};
use crate::crs::{self, Projection};
use crate::model::{LonLat, Xy};

/// Web Mercator's latitude limit.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;
/// Ground metres per tile pixel at zoom 0 on the equator.
const RES0: f64 = 156_543.033_928_040_97;

/// A lon/lat (in the tile service's datum) → pixels of the whole world at zoom `z`.
pub fn world_px(p: LonLat, z: u8) -> (f64, f64) {
    let n = 256.0 * f64::from(1u32 << z);
    let lat = p.lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let x = (p.lon + 180.0) / 360.0 * n;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    (x, y)
}

/// World pixels at zoom `z` → lon/lat in the tile service's datum.
pub fn lonlat_of(x: f64, y: f64, z: u8) -> LonLat {
    let n = 256.0 * f64::from(1u32 << z);
    let lon = x / n * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * y / n))
        .sinh()
        .atan()
        .to_degrees();
    LonLat::new(lon, lat)
}

/// The zoom whose tile pixels are closest to `m_per_px` on the ground at `lat`.
pub fn zoom_for(m_per_px: f64, lat: f64, max_zoom: u8) -> u8 {
    let res0 = RES0 * lat.to_radians().cos();
    let z = (res0 / m_per_px.max(1e-6)).log2().round();
    z.clamp(0.0, f64::from(max_zoom)) as u8
}

/// A WGS-84 point → the tile service's datum.
pub fn to_source(p: LonLat, crs: TileCrs) -> LonLat {
    match crs {
        TileCrs::Wgs84 => p,
        TileCrs::Gcj02 => crs::wgs84_to_gcj02(p),
    }
}

/// A point in the tile service's datum → WGS-84.
pub fn from_source(p: LonLat, crs: TileCrs) -> LonLat {
    match crs {
        TileCrs::Wgs84 => p,
        TileCrs::Gcj02 => crs::gcj02_to_wgs84(p),
    }
}

/// The tiles (at one zoom) that cover a rectangle of the plane: its edges are sampled, since
/// straight lines on the plane are not straight on Web Mercator.
pub fn tiles_covering(lo: Xy, hi: Xy, proj: &Projection, crs: TileCrs, z: u8) -> Vec<TileKey> {
    const STEPS: usize = 16;
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for i in 0..=STEPS {
        let t = i as f64 / STEPS as f64;
        let x = lo.x + (hi.x - lo.x) * t;
        let y = lo.y + (hi.y - lo.y) * t;
        for q in [
            Xy::new(x, lo.y),
            Xy::new(x, hi.y),
            Xy::new(lo.x, y),
            Xy::new(hi.x, y),
        ] {
            let (wx, wy) = world_px(to_source(proj.unproject(q), crs), z);
            (x0, y0, x1, y1) = (x0.min(wx), y0.min(wy), x1.max(wx), y1.max(wy));
        }
    }
    let last = (1i64 << z) - 1;
    let tile = |v: f64| ((v / 256.0).floor() as i64).clamp(0, last) as u32;
    let mut out = Vec::new();
    for ty in tile(y0)..=tile(y1) {
        for tx in tile(x0)..=tile(x1) {
            out.push(TileKey::new(z, tx, ty));
        }
    }
    out
}

/// The zoom and tiles for a view of `m_per_px` ground metres per pixel, lowered until at most
/// `cap` tiles are needed (a huge page never asks a service for thousands of tiles).
pub fn tiles_for_view(
    lo: Xy,
    hi: Xy,
    m_per_px: f64,
    proj: &Projection,
    crs: TileCrs,
    max_zoom: u8,
    cap: usize,
) -> (u8, Vec<TileKey>) {
    let centre = proj.unproject(Xy::new((lo.x + hi.x) / 2.0, (lo.y + hi.y) / 2.0));
    let mut z = zoom_for(m_per_px, centre.lat, max_zoom);
    loop {
        let keys = tiles_covering(lo, hi, proj, crs, z);
        if keys.len() <= cap || z == 0 {
            return (z, keys);
        }
        z -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_pixels_at_known_corners_and_back() {
        // z=1: the prime meridian and the equator meet at the centre of the 512-pixel world;
        // the corners of the projection are its corners.
        let (x, y) = world_px(LonLat::new(0.0, 0.0), 1);
        assert!((x - 256.0).abs() < 1e-9 && (y - 256.0).abs() < 1e-9);
        let (x, y) = world_px(LonLat::new(-180.0, MAX_LAT), 3);
        assert!(x.abs() < 1e-9 && y.abs() < 1e-6);
        let (x, y) = world_px(LonLat::new(180.0, -MAX_LAT), 3);
        assert!((x - 2048.0).abs() < 1e-9 && (y - 2048.0).abs() < 1e-6);
        // 45°N is where Mercator's y is ln(tan 67.5°) = 0.8814 of π: 1 − 0.8814/π over 2.
        let (_, y) = world_px(LonLat::new(0.0, 45.0), 0);
        let want = (1.0 - (1.0f64 + 2f64.sqrt()).ln() / std::f64::consts::PI) / 2.0 * 256.0;
        assert!((y - want).abs() < 1e-9);
        let p = lonlat_of(12_345.6, 7_890.1, 15);
        let (x, y) = world_px(p, 15);
        assert!((x - 12_345.6).abs() < 1e-6 && (y - 7_890.1).abs() < 1e-6);
    }

    #[test]
    fn zoom_follows_the_ground_resolution() {
        // At the equator z=0 is 156.5 km/px; each zoom halves it.
        assert_eq!(zoom_for(156_543.0, 0.0, 19), 0);
        assert_eq!(zoom_for(156_543.0 / 1024.0, 0.0, 19), 10);
        // At 22.5°N street zoom 17 is ~1.1 m/px.
        assert_eq!(zoom_for(1.1, 22.5, 19), 17);
        assert_eq!(zoom_for(0.01, 22.5, 18), 18);
    }

    #[test]
    fn covering_tiles_contain_the_view_and_the_cap_lowers_the_zoom() {
        let proj = Projection::centred_on(LonLat::new(114.06, 22.54));
        let (lo, hi) = (Xy::new(-2_000.0, -1_000.0), Xy::new(2_000.0, 1_000.0));
        let keys = tiles_covering(lo, hi, &proj, TileCrs::Wgs84, 15);
        // 4 km ≈ 3.5 tiles of 1.1 km at z15 (cos 22.5° × 1222.99 m): 4–5 columns, 2–3 rows.
        let cols = keys
            .iter()
            .map(|k| k.x)
            .collect::<std::collections::BTreeSet<_>>();
        let rows = keys
            .iter()
            .map(|k| k.y)
            .collect::<std::collections::BTreeSet<_>>();
        assert!(
            (4..=5).contains(&cols.len()) && (2..=3).contains(&rows.len()),
            "{cols:?} {rows:?}"
        );
        // every corner of the view falls in a listed tile
        for q in [lo, hi, Xy::new(lo.x, hi.y), Xy::new(hi.x, lo.y)] {
            let (x, y) = world_px(proj.unproject(q), 15);
            let k = TileKey::new(15, (x / 256.0) as u32, (y / 256.0) as u32);
            assert!(keys.contains(&k));
        }
        let (z, few) = tiles_for_view(lo, hi, 0.5, &proj, TileCrs::Gcj02, 19, 20);
        assert!(few.len() <= 20 && z < 18, "z {z}, {} tiles", few.len());
    }
}
