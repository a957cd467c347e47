//! Stray rows: firms hundreds of kilometres from all the others. One such row (a failed
//! geocode, a head office in another province) would stretch the study area, the bounding
//! box Clark–Evans uses and the map extent, so the loaders leave them out and list them.

use rayon::prelude::*;

use super::report::LoadReport;
use crate::crs::{great_circle_km, median_lonlat};
use crate::model::{Firms, LonLat};

/// Firms farther than this from the median of all firms are left out (unless kept on request).
pub const STRAY_KM: f64 = 200.0;

/// Below this many firms the median says too little to call anything a stray.
const MIN_FIRMS: usize = 10;

/// Removes firms more than [`STRAY_KM`] from the firms' median position, listing each in
/// `report` (by id and name: the physical line is no longer known here). Returns which rows
/// were kept when any was removed, so row-aligned data beside the firms can follow.
pub fn screen_strays(firms: &mut Firms, report: &mut LoadReport) -> Option<Vec<bool>> {
    if firms.len() < MIN_FIRMS || all_within_stray_distance(&firms.lonlat) {
        return None;
    }
    let centre = median_lonlat(&firms.lonlat)?;
    let near = Near::new(centre, STRAY_KM);
    let keep: Vec<bool> = firms
        .lonlat
        .par_iter()
        .with_min_len(1 << 14)
        .map(|p| near.holds(*p))
        .collect();
    let n_out = keep.iter().filter(|k| !**k).count();
    if n_out == 0 {
        return None;
    }
    for (i, _) in keep.iter().enumerate().filter(|(_, k)| !**k) {
        let p = firms.lonlat.get(i).copied().unwrap_or_default();
        // (Read back from the file when a streamed load let go of the rows' text.)
        let name = firms
            .name_col
            .map(|c| firms.attrs.field_owned(i, c))
            .unwrap_or_default();
        let label = if name.is_empty() {
            format!("firm {}", firms.id(i))
        } else {
            format!("firm {} «{name}»", firms.id(i))
        };
        report.skip(super::SkippedItem {
            line: None,
            feature: None,
            kind: "stray".into(),
            reason: format!(
                "{label} at ({:.5}, {:.5}) is {:.0} km from the median of the other firms \
                 ({:.3}, {:.3}): probably a wrong geocode, so it is left out; fix its \
                 coordinates, or keep it with --keep-distant (window: “Keep distant firms” in the import dialog)",
                p.lon,
                p.lat,
                great_circle_km(p, centre),
                centre.lon,
                centre.lat
            ),
        });
    }
    report.warn(format!(
        "{n_out} firm(s) more than {STRAY_KM:.0} km from the others were left out (kind \
         'stray'); see the skipped list"
    ));
    let mut it = keep.iter();
    firms.lonlat.retain(|_| it.next().copied().unwrap_or(true));
    let mut it = keep.iter();
    firms.segment.retain(|_| it.next().copied().unwrap_or(true));
    firms.attrs.retain_rows(&keep);
    Some(keep)
}

/// "Within `km` of `centre` on the sphere", as [`great_circle_km`] decides it, with the
/// trigonometry only for points not surely within: the path along `p`'s meridian to the
/// centre's latitude and then along that parallel is never shorter than the great circle, so
/// when it is short enough the point is within.
struct Near {
    centre: LonLat,
    km: f64,
    /// The path's length per radian of latitude and per radian of longitude (km).
    per_lat: f64,
    per_lon: f64,
}

impl Near {
    fn new(centre: LonLat, km: f64) -> Self {
        let r_km = crate::crs::MEAN_EARTH_RADIUS_M / 1000.0;
        Self {
            centre,
            km,
            per_lat: r_km,
            per_lon: r_km * centre.lat.to_radians().cos().abs(),
        }
    }

    fn holds(&self, p: LonLat) -> bool {
        let path = self.per_lat * (p.lat - self.centre.lat).to_radians().abs()
            + self.per_lon * (p.lon - self.centre.lon).to_radians().abs();
        // The margin keeps rounding from letting a point on the edge in that the exact
        // formula would leave out.
        path <= self.km * (1.0 - 1e-9) || great_circle_km(p, self.centre) <= self.km
    }
}

/// True when no firm can be a stray: the median lies in the points' bounding box, and no two
/// points of the box are further apart than R·√(Δφ² + Δλ²) (the sphere's metric is at most
/// that of the flat lon/lat plane), so a box smaller than [`STRAY_KM`] holds no stray.
fn all_within_stray_distance(points: &[LonLat]) -> bool {
    let (lo, hi) = points
        .par_iter()
        .fold(
            || {
                (
                    (f64::INFINITY, f64::INFINITY),
                    (f64::NEG_INFINITY, f64::NEG_INFINITY),
                )
            },
            |(lo, hi), p| {
                (
                    (lo.0.min(p.lon), lo.1.min(p.lat)),
                    (hi.0.max(p.lon), hi.1.max(p.lat)),
                )
            },
        )
        .reduce(
            || {
                (
                    (f64::INFINITY, f64::INFINITY),
                    (f64::NEG_INFINITY, f64::NEG_INFINITY),
                )
            },
            |a, b| {
                (
                    (a.0.0.min(b.0.0), a.0.1.min(b.0.1)),
                    (a.1.0.max(b.1.0), a.1.1.max(b.1.1)),
                )
            },
        );
    let (dl, dp) = ((hi.0 - lo.0).to_radians(), (hi.1 - lo.1).to_radians());
    // The radius `great_circle_km` uses; the margin covers rounding.
    let span_km = crate::crs::MEAN_EARTH_RADIUS_M / 1000.0 * (dl * dl + dp * dp).sqrt();
    span_km.is_finite() && span_km * 1.001 < STRAY_KM
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AttrTable, LonLat};

    fn firms(points: &[(f64, f64)]) -> Firms {
        let mut attrs = AttrTable::new(vec!["id".into(), "name".into()]);
        for k in 0..points.len() {
            let id = format!("F{k}");
            attrs.push_row([id.as_str(), "n"]);
        }
        Firms {
            lonlat: points.iter().map(|&(x, y)| LonLat::new(x, y)).collect(),
            segment: vec![0; points.len()],
            segments: vec!["s".into()],
            attrs,
            id_col: Some(0),
            name_col: Some(1),
            segment_col: None,
        }
    }

    #[test]
    fn the_quick_path_decides_as_the_great_circle_does() {
        // Centres from the equator to the far north; points spread over several hundred km
        // and across the antimeridian, and points on the 200 km edge itself.
        let mut rng = crate::model::Rng::new(31);
        for centre in [
            (114.06, 22.54),
            (0.0, 0.0),
            (179.9, 60.0),
            (-70.0, -45.0),
            (10.0, 85.0),
        ] {
            let c = LonLat::new(centre.0, centre.1);
            let near = Near::new(c, STRAY_KM);
            let mut on_edge = 0;
            for k in 0..200_000 {
                let spread = [0.5, 2.0, 8.0, 180.0][k % 4];
                let mut p = LonLat::new(
                    c.lon + (rng.uniform() * 2.0 - 1.0) * spread,
                    (c.lat + (rng.uniform() * 2.0 - 1.0) * spread).clamp(-90.0, 90.0),
                );
                if k % 5 == 0 {
                    // Along the parallel or the meridian to about 200 km, where the quick
                    // path is the whole distance.
                    let deg = STRAY_KM / 111.2 * (0.995 + rng.uniform() * 0.01);
                    p = if k % 2 == 0 {
                        LonLat::new(c.lon, (c.lat + deg).min(90.0))
                    } else {
                        LonLat::new(c.lon + deg / c.lat.to_radians().cos().max(0.05), c.lat)
                    };
                    on_edge += 1;
                }
                let exact = great_circle_km(p, c) <= STRAY_KM;
                assert_eq!(near.holds(p), exact, "{p:?} from {c:?}");
            }
            assert!(on_edge > 30_000);
        }
        assert!(!Near::new(LonLat::new(114.0, 22.5), STRAY_KM).holds(LonLat::new(f64::NAN, 22.5)));
    }

    #[test]
    fn far_rows_leave_with_their_attributes_and_a_reason() {
        let mut pts: Vec<(f64, f64)> = (0..20).map(|k| (113.9 + 0.01 * k as f64, 22.55)).collect();
        pts.insert(3, (0.0, 0.0)); // F3
        pts.push((121.47, 31.23)); // Shanghai, ~1,200 km: F21
        pts.push((113.26, 23.13)); // Guangzhou, ~100 km: kept
        let mut f = firms(&pts);
        let mut report = LoadReport::default();
        screen_strays(&mut f, &mut report);
        assert_eq!(f.len(), 21);
        assert_eq!(f.attrs.n_rows(), 21);
        assert_eq!(f.segment.len(), 21);
        assert_eq!(f.lonlat[20], LonLat::new(113.26, 23.13));
        assert!(!(0..f.len()).any(|i| f.id(i) == "F3" || f.id(i) == "F21"));
        assert_eq!(f.id(3), "F4");
        assert_eq!(report.skipped_by_kind.get("stray"), Some(&2));
        assert!(
            report.skipped[0].reason.contains("F3"),
            "{:?}",
            report.skipped
        );
        assert!(report.skipped[1].reason.contains("F21"));
        assert_eq!(report.warnings.len(), 1);
    }

    #[test]
    fn the_bounding_box_shortcut_never_hides_a_stray() {
        let mut rng = crate::model::Rng::new(5);
        let mut r = move || rng.uniform();
        let (mut short, mut long) = (0, 0);
        for _ in 0..400 {
            // Boxes from ~0.5° to ~2.5° a side, at latitudes 0–60°.
            let (w, h) = (0.5 + 2.0 * r(), 0.5 + 2.0 * r());
            let (lon0, lat0) = (100.0 + 10.0 * r(), 60.0 * r());
            let mut pts: Vec<LonLat> = (0..200)
                .map(|_| LonLat::new(lon0 + w * r(), lat0 + h * r()))
                .collect();
            pts.extend([LonLat::new(lon0, lat0), LonLat::new(lon0 + w, lat0 + h)]);
            if all_within_stray_distance(&pts) {
                short += 1;
                let centre = median_lonlat(&pts).unwrap();
                let worst = pts
                    .iter()
                    .map(|p| great_circle_km(*p, centre))
                    .fold(0.0, f64::max);
                assert!(worst <= STRAY_KM, "{worst} km in a box said to be small");
            } else {
                long += 1;
            }
        }
        assert!(short > 50 && long > 50, "{short} {long}");
    }

    #[test]
    fn compact_or_tiny_data_is_untouched() {
        let pts: Vec<(f64, f64)> = (0..30).map(|k| (114.0 + 0.02 * k as f64, 22.6)).collect();
        let mut f = firms(&pts);
        let mut report = LoadReport::default();
        screen_strays(&mut f, &mut report);
        assert_eq!(f.len(), 30);
        assert_eq!(report.skipped_count, 0);
        // Five firms, one far away: too few to judge, so all stay.
        let mut f = firms(&[
            (114.0, 22.6),
            (114.1, 22.6),
            (114.0, 22.5),
            (0.0, 0.0),
            (114.2, 22.7),
        ]);
        screen_strays(&mut f, &mut report);
        assert_eq!(f.len(), 5);
    }
}
