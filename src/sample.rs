//! Seeded generator of SYNTHETIC VR/AR firms, shaped on published facts about where the
//! industry sits in Shenzhen (see `data/README.md`): headquarters in 南山, the wearables
//! supply chain in 宝安, headset wholesale/OEM at 华强北 (福田). The firms are not real and
//! are named 示例企业 (sample firm) so nobody can mistake them for real companies.

use std::io::Write;

use crate::data::bundled;
use crate::model::LonLat;

pub use crate::model::{Rng, SEGMENTS};

/// A place where synthetic firms gather: centre, spread, share of firms, segment mix.
struct Hotspot {
    centre: LonLat,
    sigma_m: f64,
    weight: f64,
    /// Weights for [`SEGMENTS`] in order.
    mix: [f64; 5],
}

/// The hotspots. The first five carry the published facts; the others are the generator's
/// own assumptions (documented as such in data/README.md) so that the map is not empty
/// elsewhere. `weight` sums to 1 together with [`BACKGROUND_WEIGHT`].
const HOTSPOTS: &[Hotspot] = &[
    // 南山 科技园 / 高新区: XR headquarters, content and platforms.
    Hotspot {
        centre: LonLat::new(113.948, 22.540),
        sigma_m: 1200.0,
        weight: 0.22,
        mix: [0.15, 0.10, 0.10, 0.35, 0.30],
    },
    // 南山 后海 / 深圳湾 headquarters.
    Hotspot {
        centre: LonLat::new(113.940, 22.520),
        sigma_m: 900.0,
        weight: 0.05,
        mix: [0.20, 0.05, 0.05, 0.35, 0.35],
    },
    // 南山 西丽 / 留仙洞.
    Hotspot {
        centre: LonLat::new(113.945, 22.578),
        sigma_m: 1200.0,
        weight: 0.06,
        mix: [0.35, 0.20, 0.10, 0.25, 0.10],
    },
    // 福田 华强北: headset wholesale and OEM, components.
    Hotspot {
        centre: LonLat::new(114.085, 22.545),
        sigma_m: 600.0,
        weight: 0.14,
        mix: [0.45, 0.10, 0.35, 0.00, 0.10],
    },
    // 宝安 wearables supply chain (西乡 and 福永/沙井).
    Hotspot {
        centre: LonLat::new(113.870, 22.585),
        sigma_m: 1800.0,
        weight: 0.10,
        mix: [0.40, 0.20, 0.35, 0.05, 0.00],
    },
    Hotspot {
        centre: LonLat::new(113.830, 22.680),
        sigma_m: 2200.0,
        weight: 0.11,
        mix: [0.35, 0.20, 0.45, 0.00, 0.00],
    },
    // Assumptions beyond the published facts:
    Hotspot {
        centre: LonLat::new(114.030, 22.535),
        sigma_m: 800.0,
        weight: 0.04,
        mix: [0.10, 0.00, 0.00, 0.50, 0.40],
    },
    Hotspot {
        centre: LonLat::new(113.930, 22.670),
        sigma_m: 1500.0,
        weight: 0.04,
        mix: [0.20, 0.30, 0.50, 0.00, 0.00],
    },
    Hotspot {
        centre: LonLat::new(114.040, 22.660),
        sigma_m: 2000.0,
        weight: 0.06,
        mix: [0.40, 0.20, 0.30, 0.10, 0.00],
    },
    Hotspot {
        centre: LonLat::new(114.070, 22.630),
        sigma_m: 1500.0,
        weight: 0.05,
        mix: [0.30, 0.00, 0.20, 0.30, 0.20],
    },
    Hotspot {
        centre: LonLat::new(114.220, 22.680),
        sigma_m: 2000.0,
        weight: 0.03,
        mix: [0.40, 0.10, 0.30, 0.10, 0.10],
    },
    Hotspot {
        centre: LonLat::new(113.930, 22.760),
        sigma_m: 2000.0,
        weight: 0.02,
        mix: [0.20, 0.50, 0.30, 0.00, 0.00],
    },
];
const BACKGROUND_WEIGHT: f64 = 0.08;
const BACKGROUND_MIX: [f64; 5] = [0.25, 0.15, 0.20, 0.25, 0.15];

/// A raster of Shenzhen's land (about 110 m cells) for keeping sample firms off the sea.
struct LandMask {
    lon0: f64,
    lat0: f64,
    step: f64,
    nx: usize,
    ny: usize,
    cells: Vec<bool>,
    land_cells: Vec<u32>,
}

impl LandMask {
    fn shenzhen() -> Self {
        let (lon0, lat0, lon1, lat1, step) = (113.74, 22.39, 114.66, 22.87, 0.001);
        let nx = ((lon1 - lon0) / step) as usize;
        let ny = ((lat1 - lat0) / step) as usize;
        let mut cells = vec![false; nx * ny];
        let districts = bundled::districts();
        // Scanline fill: even-odd crossings of every ring at each row's centre latitude.
        for row in 0..ny {
            let lat = lat0 + (row as f64 + 0.5) * step;
            let mut xs: Vec<f64> = Vec::new();
            for d in &districts {
                for poly in &d.geometry.0 {
                    for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                        for w in ring.0.windows(2) {
                            let (a, b) = (w[0], w[1]);
                            if (a.y > lat) != (b.y > lat) {
                                xs.push(a.x + (lat - a.y) * (b.x - a.x) / (b.y - a.y));
                            }
                        }
                    }
                }
                xs.sort_by(f64::total_cmp);
                for pair in xs.chunks(2) {
                    if let [x0, x1] = pair {
                        let c0 = ((x0 - lon0) / step).ceil().max(0.0) as usize;
                        let c1 = (((x1 - lon0) / step).floor().max(0.0) as usize).min(nx);
                        for c in c0..c1 {
                            cells[row * nx + c] = true;
                        }
                    }
                }
                xs.clear();
            }
        }
        let land_cells = (0..cells.len() as u32)
            .filter(|&i| cells[i as usize])
            .collect();
        Self {
            lon0,
            lat0,
            step,
            nx,
            ny,
            cells,
            land_cells,
        }
    }

    fn is_land(&self, p: LonLat) -> bool {
        let c = ((p.lon - self.lon0) / self.step).floor();
        let r = ((p.lat - self.lat0) / self.step).floor();
        if c < 0.0 || r < 0.0 || c >= self.nx as f64 || r >= self.ny as f64 {
            return false;
        }
        self.cells[r as usize * self.nx + c as usize]
    }

    fn random_land(&self, rng: &mut Rng) -> LonLat {
        let i = (rng.uniform() * self.land_cells.len() as f64) as usize;
        let cell = self.land_cells.get(i).copied().unwrap_or(0) as usize;
        let (r, c) = (cell / self.nx, cell % self.nx);
        LonLat::new(
            self.lon0 + (c as f64 + rng.uniform()) * self.step,
            self.lat0 + (r as f64 + rng.uniform()) * self.step,
        )
    }
}

/// Writes `n` synthetic firms as CSV (`id,name,lon,lat,segment,employees,founded,synthetic`),
/// every row's `synthetic` reading `SYNTHETIC`: the file says what it is wherever it goes,
/// and the loaders show it as synthetic ([`crate::model::Firms::marked_synthetic`]).
/// The same `n` and `seed` always give the same bytes.
pub fn write_sample<W: Write>(out: W, n: usize, seed: u64) -> std::io::Result<()> {
    let mask = LandMask::shenzhen();
    let mut rng = Rng::new(seed);
    let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
    writeln!(w, "id,name,lon,lat,segment,employees,founded,synthetic")?;
    let weights: Vec<f64> = HOTSPOTS
        .iter()
        .map(|h| h.weight)
        .chain(std::iter::once(BACKGROUND_WEIGHT))
        .collect();
    let width = n.to_string().len().max(4);
    let m_per_deg_lat = 110_760.0;
    for k in 1..=n {
        let h = rng.weighted(&weights);
        let (p, mix) = match HOTSPOTS.get(h) {
            Some(hs) => {
                let m_per_deg_lon = m_per_deg_lat * hs.centre.lat.to_radians().cos();
                let mut p = hs.centre;
                for _ in 0..30 {
                    let q = LonLat::new(
                        hs.centre.lon + rng.normal() * hs.sigma_m / m_per_deg_lon,
                        hs.centre.lat + rng.normal() * hs.sigma_m / m_per_deg_lat,
                    );
                    if mask.is_land(q) {
                        p = q;
                        break;
                    }
                }
                (p, &hs.mix)
            }
            None => (mask.random_land(&mut rng), &BACKGROUND_MIX),
        };
        let segment = SEGMENTS[rng.weighted(mix)];
        let employees = (3.0 + (3.0 + 1.2 * rng.normal()).exp()).min(20_000.0) as u32;
        let founded = (2024.0 - (rng.normal() * 7.0).abs()).max(1990.0) as u32;
        writeln!(
            w,
            "S{k:0width$},示例企业{k:0width$},{:.6},{:.6},{segment},{employees},{founded},SYNTHETIC",
            p.lon, p.lat
        )?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_and_different_seed_differs() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        let mut c = Vec::new();
        write_sample(&mut a, 300, 7).unwrap();
        write_sample(&mut b, 300, 7).unwrap();
        write_sample(&mut c, 300, 8).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(String::from_utf8(a).unwrap().lines().count(), 301);
    }

    #[test]
    fn sample_firms_are_on_shenzhen_land_and_named_as_samples() {
        let mut buf = Vec::new();
        write_sample(&mut buf, 2000, 1).unwrap();
        let loaded = crate::data::load_firms_csv_bytes(&buf, "s.csv", &Default::default()).unwrap();
        assert_eq!(loaded.firms.len(), 2000);
        let mask = LandMask::shenzhen();
        let on_land = loaded
            .firms
            .lonlat
            .iter()
            .filter(|p| mask.is_land(**p))
            .count();
        assert!(on_land >= 1990, "{on_land}");
        assert!((0..2000).all(|i| loaded.firms.name(i).starts_with("示例企业")));
        // Nanshan's hotspots hold the largest share, as the facts say.
        let nanshan = loaded
            .firms
            .lonlat
            .iter()
            .filter(|p| p.lon < 113.99 && p.lat < 22.6 && p.lon > 113.89)
            .count();
        assert!(nanshan > 500, "{nanshan}");
    }

    #[test]
    fn hotspot_weights_sum_to_one() {
        let s: f64 = HOTSPOTS.iter().map(|h| h.weight).sum::<f64>() + BACKGROUND_WEIGHT;
        assert!((s - 1.0).abs() < 1e-9, "{s}");
    }
}
