//! Tiles warped into the map's plane. The exporters resample every page pixel exactly (pixel →
//! plane → WGS-84 → the service's datum → Web Mercator → texel); the window draws each tile as a
//! subdivided mesh whose vertices take the same path backwards.

use rayon::prelude::*;

use super::mercator::{from_source, lonlat_of, to_source, world_px};
use super::{TileCrs, TileKey, TileSet};
use crate::crs::Projection;
use crate::model::Xy;

/// A picture of the plane: `width`×`height` pixels of `m_per_px` plane metres around `centre`
/// (x right, y down, pixel centres at +0.5, as the map's viewport).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlaneFrame {
    pub centre: Xy,
    pub m_per_px: f64,
    pub width: usize,
    pub height: usize,
}

impl PlaneFrame {
    /// The plane point at the centre of pixel (i, j).
    pub fn pixel_centre(&self, i: usize, j: usize) -> Xy {
        Xy::new(
            self.centre.x + (i as f64 + 0.5 - self.width as f64 / 2.0) * self.m_per_px,
            self.centre.y - (j as f64 + 0.5 - self.height as f64 / 2.0) * self.m_per_px,
        )
    }
}

/// Premultiplied RGBA of the frame with the tiles resampled bilinearly (transparent where a
/// tile is missing), faded by the set's opacity.
pub fn render_frame(set: &TileSet, frame: &PlaneFrame, proj: &Projection) -> Vec<u8> {
    let mut out = vec![0u8; frame.width * frame.height * 4];
    let op = set.opacity.clamp(0.0, 1.0);
    out.par_chunks_mut(frame.width * 4)
        .enumerate()
        .for_each(|(j, row)| {
            for (i, px) in row.chunks_exact_mut(4).enumerate() {
                let ll = to_source(proj.unproject(frame.pixel_centre(i, j)), set.crs);
                let (wx, wy) = world_px(ll, set.zoom);
                if let Some(c) = sample(set, wx, wy) {
                    let a = c[3] / 255.0 * op;
                    px.copy_from_slice(&[
                        (c[0] * a).round() as u8,
                        (c[1] * a).round() as u8,
                        (c[2] * a).round() as u8,
                        (a * 255.0).round() as u8,
                    ]);
                }
            }
        });
    out
}

/// Bilinear sample at world pixel (wx, wy) of the set's zoom (256 units per tile, whatever the
/// tiles' own size), across tile edges; `None` where a needed tile is missing.
fn sample(set: &TileSet, wx: f64, wy: f64) -> Option<[f32; 4]> {
    let first = set.tiles.values().next()?;
    let size = first.width as f64;
    let (fx, fy) = (wx * size / 256.0 - 0.5, wy * size / 256.0 - 0.5);
    let (x0, y0) = (fx.floor(), fy.floor());
    let (tx, ty) = ((fx - x0) as f32, (fy - y0) as f32);
    let n = size as i64;
    let last = (n << set.zoom) - 1;
    let texel = |gx: i64, gy: i64| -> Option<[u8; 4]> {
        let (gx, gy) = (gx.clamp(0, last), gy.clamp(0, last));
        let key = TileKey::new(set.zoom, (gx / n) as u32, (gy / n) as u32);
        let t = set.tiles.get(&key)?;
        Some(t.texel((gx % n) as usize, (gy % n) as usize))
    };
    let (x0, y0) = (x0 as i64, y0 as i64);
    let c00 = texel(x0, y0)?;
    let c10 = texel(x0 + 1, y0).unwrap_or(c00);
    let c01 = texel(x0, y0 + 1).unwrap_or(c00);
    let c11 = texel(x0 + 1, y0 + 1).unwrap_or(c00);
    let mut out = [0f32; 4];
    for (k, o) in out.iter_mut().enumerate() {
        let top = f32::from(c00[k]) * (1.0 - tx) + f32::from(c10[k]) * tx;
        let bottom = f32::from(c01[k]) * (1.0 - tx) + f32::from(c11[k]) * tx;
        *o = top * (1.0 - ty) + bottom * ty;
    }
    Some(out)
}

/// A tile as a grid of triangles on the plane: `(n+1)²` vertices with texture coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct TileMesh {
    pub positions: Vec<Xy>,
    pub uvs: Vec<[f32; 2]>,
    pub indices: Vec<u32>,
}

/// The mesh of tile `key`, its texture taken from the `uv` rectangle `[u0, v0, u1, v1]` of an
/// image (the whole tile, or a quarter of a parent standing in for a missing child).
pub fn mesh(key: TileKey, crs: TileCrs, proj: &Projection, n: usize, uv: [f32; 4]) -> TileMesh {
    let n = n.max(1);
    let mut positions = Vec::with_capacity((n + 1) * (n + 1));
    let mut uvs = Vec::with_capacity(positions.capacity());
    for j in 0..=n {
        for i in 0..=n {
            let (s, t) = (i as f64 / n as f64, j as f64 / n as f64);
            let wx = (f64::from(key.x) + s) * 256.0;
            let wy = (f64::from(key.y) + t) * 256.0;
            let wgs = from_source(lonlat_of(wx, wy, key.z), crs);
            positions.push(proj.project(wgs));
            uvs.push([
                uv[0] + (uv[2] - uv[0]) * s as f32,
                uv[1] + (uv[3] - uv[1]) * t as f32,
            ]);
        }
    }
    let mut indices = Vec::with_capacity(n * n * 6);
    let w = (n + 1) as u32;
    for j in 0..n as u32 {
        for i in 0..n as u32 {
            let a = j * w + i;
            indices.extend_from_slice(&[a, a + 1, a + w, a + 1, a + w + 1, a + w]);
        }
    }
    TileMesh {
        positions,
        uvs,
        indices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LonLat;
    use crate::tiles::TileImage;
    use std::sync::Arc;

    /// A tile set whose every texel encodes its own global texel column and row.
    fn coded_set(z: u8, crs: TileCrs, keys: &[TileKey]) -> TileSet {
        let mut set = TileSet {
            zoom: z,
            crs,
            opacity: 1.0,
            ..Default::default()
        };
        for &k in keys {
            let mut rgba = Vec::with_capacity(256 * 256 * 4);
            for y in 0..256u32 {
                for x in 0..256u32 {
                    let (gx, gy) = (k.x * 256 + x, k.y * 256 + y);
                    rgba.extend_from_slice(&[(gx % 256) as u8, (gy % 256) as u8, 0, 255]);
                }
            }
            set.tiles.insert(
                k,
                Arc::new(TileImage {
                    key: k,
                    width: 256,
                    height: 256,
                    rgba,
                }),
            );
        }
        set
    }

    #[test]
    fn a_gcj02_frame_pixel_shows_the_texel_of_its_gcj02_position() {
        let proj = Projection::centred_on(LonLat::new(114.06, 22.54));
        let z = 17;
        let frame = PlaneFrame {
            centre: Xy::new(300.0, -200.0),
            m_per_px: 1.1,
            width: 64,
            height: 48,
        };
        let (lo, hi) = (frame.pixel_centre(0, 47), frame.pixel_centre(63, 0));
        let keys = crate::tiles::mercator::tiles_covering(lo, hi, &proj, TileCrs::Gcj02, z);
        let set = coded_set(z, TileCrs::Gcj02, &keys);
        let img = render_frame(&set, &frame, &proj);
        // Oracle: GCJ-02 of each pixel's WGS-84 position, straight to the texel column/row.
        let mut worst = 0.0f64;
        for (i, j) in [(0usize, 0usize), (10, 30), (63, 47), (40, 5)] {
            let wgs = proj.unproject(frame.pixel_centre(i, j));
            let g = crate::crs::wgs84_to_gcj02(wgs);
            let (wx, wy) = world_px(g, z);
            let p = &img[(j * 64 + i) * 4..(j * 64 + i) * 4 + 4];
            let want_x = (wx - 0.5).rem_euclid(256.0);
            let want_y = (wy - 0.5).rem_euclid(256.0);
            // the coded value wraps at 256; compare away from the wrap
            if want_x > 1.0 && want_x < 254.0 {
                worst = worst.max((f64::from(p[0]) - want_x).abs());
            }
            if want_y > 1.0 && want_y < 254.0 {
                worst = worst.max((f64::from(p[1]) - want_y).abs());
            }
            assert_eq!(p[3], 255);
        }
        assert!(worst <= 0.51, "texel off by {worst}");
        // And the shift is real: the WGS-84 position lands ~500 m (hundreds of texels) away.
        let wgs = proj.unproject(frame.pixel_centre(0, 0));
        let (a, _) = world_px(wgs, z);
        let (b, _) = world_px(crate::crs::wgs84_to_gcj02(wgs), z);
        assert!((b - a).abs() > 300.0);
    }

    #[test]
    fn missing_tiles_leave_the_frame_transparent() {
        let proj = Projection::centred_on(LonLat::new(114.06, 22.54));
        let set = coded_set(10, TileCrs::Wgs84, &[]);
        let frame = PlaneFrame {
            centre: Xy::new(0.0, 0.0),
            m_per_px: 100.0,
            width: 4,
            height: 4,
        };
        assert!(render_frame(&set, &frame, &proj).iter().all(|&b| b == 0));
    }

    #[test]
    fn mesh_corners_are_the_tile_corners_on_the_plane() {
        let proj = Projection::centred_on(LonLat::new(114.06, 22.54));
        let (wx, wy) = world_px(LonLat::new(114.06, 22.54), 16);
        let key = TileKey::new(16, (wx / 256.0) as u32, (wy / 256.0) as u32);
        let m = mesh(key, TileCrs::Gcj02, &proj, 4, [0.0, 0.0, 1.0, 1.0]);
        assert_eq!(m.positions.len(), 25);
        assert_eq!(m.indices.len(), 4 * 4 * 6);
        let nw = crate::crs::gcj02_to_wgs84(lonlat_of(
            f64::from(key.x) * 256.0,
            f64::from(key.y) * 256.0,
            16,
        ));
        let (a, b) = (m.positions[0], proj.project(nw));
        assert!((a.x - b.x).abs() < 1e-6 && (a.y - b.y).abs() < 1e-6);
        assert_eq!(m.uvs[24], [1.0, 1.0]);
    }
}
