//! Hot spots: firm counts on a square fishnet in the map's plane, Getis–Ord Gi* with binary
//! distance-band weights (centre distance ≤ band, the cell itself included), two-sided normal
//! p-values, Benjamini–Hochberg false-discovery-rate correction, and ArcGIS-style classes
//! ±3/±2/±1 for hot/cold spots at 99/95/90 % confidence.

use rayon::prelude::*;
use serde::Serialize;

use crate::model::{Bounds, Xy};

/// Most fishnet cells: a finer cell is coarsened to stay under it.
pub const MAX_CELLS: usize = 2_000_000;

/// The fishnet and the neighbourhood.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HotspotParams {
    /// Cell side in plane metres (`None`: from the data).
    pub cell_m: Option<f64>,
    /// Neighbourhood distance between cell centres (`None`: 2.5 cells).
    pub band_m: Option<f64>,
    /// False-discovery rate used for the significant count in the summary.
    pub fdr: f64,
}

impl Default for HotspotParams {
    fn default() -> Self {
        Self {
            cell_m: None,
            band_m: None,
            fdr: 0.05,
        }
    }
}

/// One fishnet cell.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cell {
    pub col: u32,
    pub row: u32,
    /// Centre on the plane (metres).
    pub x_m: f64,
    pub y_m: f64,
    pub count: u32,
    pub z: f64,
    /// Two-sided p-value of z.
    pub p: f64,
    /// One-sided 1 − Φ(|z|) (as `esda.G_Local.p_norm`).
    pub p_norm: f64,
    /// Benjamini–Hochberg adjusted p (q-value).
    pub q: f64,
    /// +3/+2/+1 hot spot at 99/95/90 % (FDR-corrected), −3/−2/−1 cold spot, 0 not significant.
    pub class: i8,
}

/// Counts of cells per class.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ClassCounts {
    pub hot_99: usize,
    pub hot_95: usize,
    pub hot_90: usize,
    pub not_significant: usize,
    pub cold_90: usize,
    pub cold_95: usize,
    pub cold_99: usize,
}

/// The result: the fishnet, every cell and the class counts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hotspots {
    pub cell_m: f64,
    pub band_m: f64,
    pub fdr: f64,
    /// Lower-left corner of the fishnet on the plane.
    pub origin_x_m: f64,
    pub origin_y_m: f64,
    pub cols: u32,
    pub rows: u32,
    pub n_cells: usize,
    /// Cells significant (either way) at the FDR level.
    pub significant: usize,
    pub classes: ClassCounts,
    pub method: String,
    #[serde(skip)]
    pub cells: Vec<Cell>,
}

pub const METHOD: &str = "Getis-Ord Gi* on firm counts per square fishnet cell covering the \
    firms' bounding box in the map's plane; binary weights w_ij = 1 when the distance between \
    cell centres is <= band_m (the cell itself included); z_i = (sum_j w_ij x_j - xbar W_i) / \
    (S sqrt((n W_i - W_i^2)/(n-1))) with S the population standard deviation over all n cells; \
    p two-sided; classes from Benjamini-Hochberg adjusted p at 0.01/0.05/0.10";

/// A round cell size for the data: about three times the spacing of a uniform spread of the
/// firms over their bounding box, between 50 m and 5 km.
pub fn default_cell_m(points: &[Xy]) -> f64 {
    let Some(b) = Bounds::of(points) else {
        return 1_000.0;
    };
    let area = ((b.hi.x - b.lo.x) * (b.hi.y - b.lo.y)).max(1.0);
    let raw = 3.0 * (area / points.len().max(1) as f64).sqrt();
    nice(raw.clamp(50.0, 5_000.0))
}

/// 1, 2 or 5 times a power of ten, nearest below or at `v`.
fn nice(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    [5.0, 2.0, 1.0]
        .iter()
        .map(|m| m * p)
        .find(|c| *c <= v)
        .unwrap_or(p)
}

/// Standard normal upper tail 1 − Φ(z).
fn upper_tail(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// Benjamini–Hochberg adjusted p-values, in input order.
pub fn bh_adjust(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|a, b| p[*a].total_cmp(&p[*b]));
    let mut q = vec![1.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

/// Gi* z-scores of `counts` on a `cols`×`rows` grid of side `cell`, band `band` (binary,
/// self included). Written out plainly: this is also the oracle for faster variants.
pub fn gi_star(counts: &[u32], cols: usize, rows: usize, cell: f64, band: f64) -> Vec<f64> {
    let n = counts.len() as f64;
    let xbar = counts.iter().map(|c| f64::from(*c)).sum::<f64>() / n;
    let s = (counts.iter().map(|c| f64::from(*c).powi(2)).sum::<f64>() / n - xbar * xbar)
        .max(0.0)
        .sqrt();
    let r = (band / cell).floor() as i64 + 1;
    let offsets: Vec<(i64, i64)> = (-r..=r)
        .flat_map(|dy| (-r..=r).map(move |dx| (dx, dy)))
        .filter(|(dx, dy)| ((dx * dx + dy * dy) as f64).sqrt() * cell <= band * (1.0 + 1e-12))
        .collect();
    (0..counts.len())
        .into_par_iter()
        .map(|k| {
            let (c, rw) = ((k % cols) as i64, (k / cols) as i64);
            let (mut sum, mut w) = (0.0, 0.0);
            for (dx, dy) in &offsets {
                let (x, y) = (c + dx, rw + dy);
                if x >= 0 && y >= 0 && (x as usize) < cols && (y as usize) < rows {
                    sum += f64::from(counts[y as usize * cols + x as usize]);
                    w += 1.0;
                }
            }
            let den = s * ((n * w - w * w) / (n - 1.0)).max(0.0).sqrt();
            if den > 0.0 {
                (sum - xbar * w) / den
            } else {
                0.0
            }
        })
        .collect()
}

/// Counts firms on the fishnet and finds hot and cold spots.
pub fn hotspots(points: &[Xy], p: &HotspotParams) -> Option<Hotspots> {
    let b = Bounds::of(points)?;
    let mut cell = p.cell_m.unwrap_or_else(|| default_cell_m(points));
    let (w, h) = ((b.hi.x - b.lo.x).max(1.0), (b.hi.y - b.lo.y).max(1.0));
    while ((w / cell).floor() + 1.0) * ((h / cell).floor() + 1.0) > MAX_CELLS as f64 {
        cell *= 2.0;
    }
    let band = p.band_m.unwrap_or(2.5 * cell).max(cell);
    let cols = (w / cell).floor() as usize + 1;
    let rows = (h / cell).floor() as usize + 1;
    let mut counts = vec![0u32; cols * rows];
    for q in points {
        let c = (((q.x - b.lo.x) / cell).floor() as usize).min(cols - 1);
        let r = (((q.y - b.lo.y) / cell).floor() as usize).min(rows - 1);
        counts[r * cols + c] += 1;
    }
    let z = gi_star(&counts, cols, rows, cell, band);
    let p_two: Vec<f64> = z.iter().map(|z| 2.0 * upper_tail(z.abs())).collect();
    let q = bh_adjust(&p_two);
    let mut classes = ClassCounts::default();
    let cells: Vec<Cell> = (0..counts.len())
        .map(|k| {
            let level = match q[k] {
                v if v <= 0.01 => 3,
                v if v <= 0.05 => 2,
                v if v <= 0.10 => 1,
                _ => 0,
            };
            let class = if z[k] >= 0.0 { level } else { -level };
            *match class {
                3 => &mut classes.hot_99,
                2 => &mut classes.hot_95,
                1 => &mut classes.hot_90,
                -1 => &mut classes.cold_90,
                -2 => &mut classes.cold_95,
                -3 => &mut classes.cold_99,
                _ => &mut classes.not_significant,
            } += 1;
            Cell {
                col: (k % cols) as u32,
                row: (k / cols) as u32,
                x_m: b.lo.x + ((k % cols) as f64 + 0.5) * cell,
                y_m: b.lo.y + ((k / cols) as f64 + 0.5) * cell,
                count: counts[k],
                z: z[k],
                p: p_two[k],
                p_norm: upper_tail(z[k].abs()),
                q: q[k],
                class,
            }
        })
        .collect();
    let significant = q.iter().filter(|v| **v <= p.fdr).count();
    Some(Hotspots {
        cell_m: cell,
        band_m: band,
        fdr: p.fdr,
        origin_x_m: b.lo.x,
        origin_y_m: b.lo.y,
        cols: cols as u32,
        rows: rows as u32,
        n_cells: cells.len(),
        significant,
        classes,
        method: METHOD.into(),
        cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gi_star_on_a_hand_worked_grid() {
        // 3×3 grid, counts 0..8 row by row, band = one cell (rook neighbours + self).
        let counts: Vec<u32> = (0..9).collect();
        let z = gi_star(&counts, 3, 3, 1.0, 1.0);
        // n = 9, xbar = 4, S² = (0+1+…+64)/9 − 16 = 204/9 − 16 = 60/9, S = 2.5820.
        // Centre (4): neighbours 1,3,4,5,7 → sum 20, W = 5: (20 − 20)/… = 0.
        assert!(z[4].abs() < 1e-12);
        // Corner 8: cells 5,7,8 → sum 20, W = 3: (20 − 12) / (S·sqrt((27 − 9)/8)) = 8/(2.5820·1.5)
        let s = (60.0f64 / 9.0).sqrt();
        let want = 8.0 / (s * (18.0f64 / 8.0).sqrt());
        assert!((z[8] - want).abs() < 1e-12, "{} vs {want}", z[8]);
        // Corner 0: cells 0,1,3 → sum 4: (4 − 12)/same = −want
        assert!((z[0] + want).abs() < 1e-12);
    }

    #[test]
    fn bh_matches_a_hand_worked_list() {
        let p = [0.01, 0.04, 0.03, 0.20];
        // sorted 0.01, 0.03, 0.04, 0.20 → ×4/1, ×4/2, ×4/3, ×4/4 = 0.04, 0.06, 0.0533, 0.20;
        // running minimum from the top: 0.04, 0.0533, 0.0533, 0.20
        let q = bh_adjust(&p);
        let want = [0.04, 0.16 / 3.0, 0.16 / 3.0, 0.20];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }

    #[test]
    fn a_dense_blob_is_a_hot_spot_and_counts_add_up() {
        let mut rng = crate::model::Rng::new(3);
        let mut pts: Vec<Xy> = (0..4_000)
            .map(|_| Xy::new(rng.uniform() * 20_000.0, rng.uniform() * 20_000.0))
            .collect();
        pts.extend((0..800).map(|_| {
            Xy::new(
                5_000.0 + rng.normal() * 300.0,
                5_000.0 + rng.normal() * 300.0,
            )
        }));
        let h = hotspots(
            &pts,
            &HotspotParams {
                cell_m: Some(1_000.0),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            h.cells.iter().map(|c| c.count as usize).sum::<usize>(),
            pts.len()
        );
        let blob = h
            .cells
            .iter()
            .find(|c| (c.x_m - 5_000.0).abs() < 600.0 && (c.y_m - 5_000.0).abs() < 600.0)
            .unwrap();
        assert_eq!(blob.class, 3, "{blob:?}");
        // Every hot cell is the blob's: its neighbourhood (2.5 km) plus its spread.
        for c in h.cells.iter().filter(|c| c.class > 0) {
            let d = ((c.x_m - 5_000.0).powi(2) + (c.y_m - 5_000.0).powi(2)).sqrt();
            assert!(d < 4_000.0, "a hot cell {d:.0} m from the blob: {c:?}");
        }
        assert_eq!(h.classes.cold_99 + h.classes.cold_95 + h.classes.cold_90, 0);
        assert_eq!(h.band_m, 2_500.0);
    }

    #[test]
    fn cell_sizes_are_round() {
        assert_eq!(nice(3_936.0), 2_000.0);
        assert_eq!(nice(88.0), 50.0);
        assert_eq!(nice(5_000.0), 5_000.0);
    }
}
