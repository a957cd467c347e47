//! Analyses on the bundled sample against simple oracles: textbook DBSCAN, brute-force
//! nearest neighbours, and hand-worked location quotients.

use cluster_atlas::analysis::dbscan::{DbscanParams, dbscan, dbscan_reference};
use cluster_atlas::analysis::kdistance::k_distance;
use cluster_atlas::analysis::{self, AnalysisParams, StudyArea};
use cluster_atlas::data::bundled;
use cluster_atlas::index::SpatialIndex;
use cluster_atlas::model::Xy;

#[test]
fn grid_dbscan_equals_textbook_dbscan_on_the_sample() {
    let firms = bundled::sample_firms().unwrap().firms;
    let index = SpatialIndex::build(&firms, &[]);
    for (eps, min_pts) in [(200.0, 3), (500.0, 5), (800.0, 10), (1500.0, 40)] {
        let p = DbscanParams::new(eps, min_pts).unwrap();
        assert_eq!(
            dbscan(&index.firm_xy, p),
            dbscan_reference(&index.firm_xy, p),
            "eps {eps} min {min_pts}"
        );
    }
}

#[test]
fn clark_evans_matches_brute_force_nearest_neighbours() {
    let firms = bundled::sample_firms().unwrap().firms;
    let index = SpatialIndex::build(&firms, &[]);
    let ce = analysis::study_area_clark_evans(&index, &firms, &StudyArea::Bbox);
    let pts = &index.firm_xy;
    let mean_nn: f64 = pts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            pts.iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, q)| p.plane_distance(*q))
                .fold(f64::INFINITY, f64::min)
        })
        .sum::<f64>()
        / pts.len() as f64;
    let (mut lo_x, mut lo_y, mut hi_x, mut hi_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in pts.iter() {
        lo_x = lo_x.min(p.x);
        lo_y = lo_y.min(p.y);
        hi_x = hi_x.max(p.x);
        hi_y = hi_y.max(p.y);
    }
    let area = (hi_x - lo_x) * (hi_y - lo_y);
    let expected = 0.5 / (pts.len() as f64 / area).sqrt();
    assert!((ce.observed_mean_m - mean_nn).abs() < 1e-6);
    assert!((ce.r - mean_nn / expected).abs() < 1e-9);
    assert!(ce.r < 0.8, "the sample is built clustered, R = {}", ce.r);
    assert!(ce.p < 1e-10);
}

#[test]
fn zone_statistics_match_a_hand_count() {
    let zones = bundled::zones().unwrap().zones;
    let firms = bundled::sample_firms().unwrap().firms;
    let index = SpatialIndex::build(&firms, &zones);
    let result = analysis::analyse(
        &firms,
        &zones,
        &index,
        &AnalysisParams::default(),
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(result.zone_stats.len(), 15);
    let (mut zones_with_lq, mut zones_without_lq, mut lq_checked) = (0, 0, 0);
    for (zi, stats) in result.zone_stats.iter().enumerate() {
        let Some(shape) = index.shape_of(zi) else {
            assert!(stats.firms_inside.is_none() && stats.firms_nearby.is_none());
            continue;
        };
        if shape.is_area() {
            let members: Vec<usize> = (0..firms.len())
                .filter(|&i| shape.contains(firms.lonlat[i]))
                .collect();
            assert_eq!(stats.firms_inside, Some(members.len()), "{}", stats.zone_id);
            let area = stats.area_km2.unwrap();
            let stated = zones[zi].area_km2.unwrap();
            assert!(
                (area - stated).abs() / stated < 0.01,
                "footprint area {area} vs stated {stated}"
            );
        } else {
            assert!(stats.firms_inside.is_none());
        }
        // Location quotients over the firms within the nearby radius (inside included; one
        // definition for footprints and points), by brute force over every firm with the
        // shape's own distance.
        let near: Vec<usize> = (0..firms.len())
            .filter(|&i| {
                shape
                    .distance(firms.lonlat[i], index.firm_xy[i], &index.projection)
                    .0
                    <= stats.nearby_radius_m
            })
            .collect();
        assert_eq!(stats.firms_nearby, Some(near.len()), "{}", stats.zone_id);
        if near.len() < analysis::zone_stats::MIN_FIRMS_FOR_LQ {
            assert!(stats.location_quotients.is_empty());
            zones_without_lq += 1;
        } else {
            // One quotient per segment present near the zone, no more, no fewer.
            let mut present: Vec<&str> = near.iter().map(|&i| firms.segment_name(i)).collect();
            present.sort();
            present.dedup();
            let keys: Vec<&str> = stats
                .location_quotients
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, present, "{}", stats.zone_id);
            zones_with_lq += 1;
        }
        for (seg, lq) in &stats.location_quotients {
            lq_checked += 1;
            let in_zone = near
                .iter()
                .filter(|&&i| firms.segment_name(i) == seg)
                .count() as f64;
            let overall = (0..firms.len())
                .filter(|&i| firms.segment_name(i) == seg)
                .count() as f64;
            let want = (in_zone / near.len() as f64) / (overall / firms.len() as f64);
            assert!((lq - want).abs() < 1e-12);
        }
    }
    // The loops above must have had something to check: both branches taken, and the
    // value loop run (a zone with quotients has one per segment present, so at least one).
    assert!(zones_with_lq >= 2, "{zones_with_lq} zones with quotients");
    assert!(
        zones_without_lq >= 1,
        "{zones_without_lq} zones below the minimum"
    );
    assert!(
        lq_checked >= zones_with_lq,
        "{lq_checked} quotients checked"
    );
}

#[test]
fn giant_cluster_is_flagged_with_a_suggested_eps() {
    let firms = bundled::sample_firms().unwrap().firms;
    let index = SpatialIndex::build(&firms, &[]);
    let params = AnalysisParams {
        dbscan: DbscanParams::new(5000.0, 3).unwrap(),
        ..Default::default()
    };
    let r = analysis::analyse(&firms, &[], &index, &params, &|_, _| {}).unwrap();
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("one cluster") && w.contains("k-distance")),
        "{:?}",
        r.warnings
    );
    assert!(r.kdistance.suggested_eps_m > 0.0 && r.kdistance.suggested_eps_m < 5000.0);
}

#[test]
fn land_study_area_matches_an_independent_count_and_geodesic_area() {
    use geo::{Contains, GeodesicArea, Point};
    let firms = bundled::sample_firms().unwrap().firms;
    let zones = bundled::zones().unwrap().zones;
    let index = SpatialIndex::build(&firms, &zones);
    let ce = analysis::study_area_clark_evans(&index, &firms, &analysis::StudyArea::Land);
    assert_eq!(ce.area, analysis::AreaKind::Land);
    let land = analysis::StudyArea::shenzhen_land_shape();
    let inside: Vec<cluster_atlas::model::Xy> = (0..firms.len())
        .filter(|&i| land.contains(&Point::new(firms.lonlat[i].lon, firms.lonlat[i].lat)))
        .map(|i| index.firm_xy[i])
        .collect();
    assert_eq!(ce.n, inside.len());
    // Karney's geodesic area wants exterior rings counter-clockwise.
    use geo::orient::{Direction, Orient};
    let km2 = land.orient(Direction::Default).geodesic_area_unsigned() / 1e6;
    assert!(
        (ce.area_km2 - km2).abs() / km2 < 0.002,
        "{} vs {km2}",
        ce.area_km2
    );
    // Shenzhen's land is about 1,997 km² officially; the coarse bundled outline a little less.
    assert!((1900.0..2050.0).contains(&km2), "{km2}");
    let want =
        analysis::clark_evans::clark_evans(&inside, km2 * 1e6, analysis::AreaKind::Land).unwrap();
    assert!(
        (ce.r - want.r).abs() / want.r < 0.002,
        "{} vs {}",
        ce.r,
        want.r
    );
    // Leaving out the sea makes the same firms look less clustered than the bounding box does.
    let bbox = analysis::study_area_clark_evans(&index, &firms, &analysis::StudyArea::Bbox);
    assert!(ce.r > bbox.r);
}

/// k-th nearest-neighbour distance of every point, by brute force, largest first.
fn k_distances_brute_force(pts: &[Xy], k: usize) -> Vec<f64> {
    let mut out: Vec<f64> = pts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut d: Vec<f64> = pts
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, q)| p.plane_distance(*q))
                .collect();
            d.sort_by(f64::total_cmp);
            d[k - 1]
        })
        .collect();
    out.sort_by(|a, b| b.total_cmp(a));
    out
}

/// The documented knee, written out independently: on the curve without its zeros (when at
/// least three values are left) and without its first 1 % (at least one value), both axes
/// scaled to 0..1, the point farthest below the straight line from the first kept point to
/// the last (the first such point on ties).
fn knee_as_documented(curve: &[f64]) -> f64 {
    let positive: Vec<f64> = curve.iter().copied().filter(|d| *d > 0.0).collect();
    let curve = if positive.len() >= 3 {
        &positive[..]
    } else {
        curve
    };
    let m = curve.len();
    let start = (m / 100).clamp(1, m - 2);
    let (top, bottom) = (curve[start], curve[m - 1]);
    let mut best: Option<(f64, f64)> = None;
    for (i, v) in curve.iter().enumerate().skip(start) {
        let x = (i - start) as f64 / (m - 1 - start) as f64;
        let y = (v - bottom) / (top - bottom);
        let gap = (1.0 - x) - y;
        if best.is_none_or(|(g, _)| gap > g) {
            best = Some((gap, *v));
        }
    }
    best.unwrap().1
}

#[test]
fn k_distance_knee_sits_at_the_grid_spacing() {
    // 40 × 40 firms on a 100 m grid plus 40 far outliers on a 20 km circle. With min_pts 5
    // (k = 4) an inner grid point's 4th neighbour is at 100 m, an edge or corner point's at
    // 100·√2 m (its 4th is diagonal); the outliers' are kilometres. The knee, where the
    // curve falls from kilometres to the grid, must be one of the grid's two values.
    let s = 100.0;
    let mut pts: Vec<Xy> = (0..1600)
        .map(|i| Xy::new((i % 40) as f64 * s, (i / 40) as f64 * s))
        .collect();
    pts.extend((0..40).map(|k| {
        let a = k as f64 / 40.0 * std::f64::consts::TAU;
        Xy::new(2000.0 + 20_000.0 * a.cos(), 2000.0 + 20_000.0 * a.sin())
    }));
    let kd = k_distance(&pts, 5);
    assert_eq!(kd.k, 4);
    let brute = k_distances_brute_force(&pts, 4);
    assert_eq!(kd.distances_m.len(), brute.len(), "no thinning below 2,000");
    for (a, b) in kd.distances_m.iter().zip(&brute) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
    assert!(
        kd.suggested_eps_m >= s - 1e-9 && kd.suggested_eps_m <= s * 2f64.sqrt() + 1e-9,
        "knee {} m for a {s} m grid",
        kd.suggested_eps_m
    );
    assert_eq!(kd.suggested_eps_m, knee_as_documented(&brute));
    // Twice the spacing, twice the knee.
    let wide: Vec<Xy> = pts.iter().map(|p| Xy::new(2.0 * p.x, 2.0 * p.y)).collect();
    let kd2 = k_distance(&wide, 5);
    assert!((kd2.suggested_eps_m - 2.0 * kd.suggested_eps_m).abs() < 1e-9);
}

/// A register whose addresses were geocoded to a few shared points (a building, a
/// district's centre) has many firms with k-th neighbours at 0 m; the knee must still be the
/// spacing of the firms that are spread out, not 0 m (it was, on such a file).
#[test]
fn firms_stacked_on_shared_geocodes_do_not_pull_the_knee_to_zero() {
    // 900 firms spread at random over 4 × 4 km, and 1,000 on five shared points (1,900 in
    // all: the curve is not thinned, so the oracle reads the same values).
    let mut rng = crate::common::Lcg(21);
    let mut pts: Vec<Xy> = (0..900)
        .map(|_| Xy::new(4_000.0 * rng.next(), 4_000.0 * rng.next()))
        .collect();
    pts.extend((0..1000).map(|i| Xy::new(5_000.0 + (i % 5) as f64 * 3_000.0, -4_000.0)));
    let kd = k_distance(&pts, 5);
    let brute = k_distances_brute_force(&pts, 4);
    assert!(brute[brute.len() / 2] == 0.0, "most k-th neighbours at 0 m");
    let spread = &brute[..900];
    assert!(
        kd.suggested_eps_m >= spread[899] && kd.suggested_eps_m < spread[9],
        "knee {} m among the spread firms' {}–{} m",
        kd.suggested_eps_m,
        spread[899],
        spread[9]
    );
    assert_eq!(kd.suggested_eps_m, knee_as_documented(&brute));
}

#[test]
fn k_distance_curve_and_knee_match_brute_force_on_the_sample() {
    let firms = bundled::sample_firms().unwrap().firms;
    let index = SpatialIndex::build(&firms, &[]);
    for min_pts in [3, 5, 10] {
        let kd = k_distance(&index.firm_xy, min_pts);
        let brute = k_distances_brute_force(&index.firm_xy, min_pts - 1);
        assert_eq!(kd.distances_m.len(), brute.len());
        for (a, b) in kd.distances_m.iter().zip(&brute) {
            assert!((a - b).abs() < 1e-6, "min_pts {min_pts}: {a} vs {b}");
        }
        let want = knee_as_documented(&brute);
        assert!(
            (kd.suggested_eps_m - want).abs() < 1e-6,
            "min_pts {min_pts}: knee {} vs {want}",
            kd.suggested_eps_m
        );
        // A knee is neither the outliers' tail nor the densest core.
        assert!(want < brute[brute.len() / 100] && want > brute[brute.len() - 1]);
    }
}

fn cross(o: Xy, a: Xy, b: Xy) -> f64 {
    (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
}

/// Convex hull by Andrew's monotone chain (counter-clockwise, collinear points dropped),
/// independent of geo's algorithm.
fn monotone_chain(pts: &[Xy]) -> Vec<Xy> {
    let mut p = pts.to_vec();
    p.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let mut h: Vec<Xy> = Vec::new();
    for pass in 0..2 {
        let start = h.len();
        let it: Box<dyn Iterator<Item = &Xy>> = if pass == 0 {
            Box::new(p.iter())
        } else {
            Box::new(p.iter().rev())
        };
        for &q in it {
            while h.len() >= start + 2 && cross(h[h.len() - 2], h[h.len() - 1], q) <= 0.0 {
                h.pop();
            }
            h.push(q);
        }
        h.pop();
    }
    h
}

#[test]
fn cluster_hulls_are_the_convex_hulls_of_their_members() {
    let zones = bundled::zones().unwrap().zones;
    let firms = bundled::sample_firms().unwrap().firms;
    let index = SpatialIndex::build(&firms, &zones);
    let r = analysis::analyse(
        &firms,
        &zones,
        &index,
        &AnalysisParams::default(),
        &|_, _| {},
    )
    .unwrap();
    let proj = &index.projection;
    let mut polygons = 0;
    assert_eq!(
        r.clusters.len() as i32,
        r.labels.iter().copied().max().unwrap() + 1
    );
    for c in &r.clusters {
        let members: Vec<Xy> = (0..firms.len())
            .filter(|&i| r.labels[i] == c.id)
            .map(|i| index.firm_xy[i])
            .collect();
        assert_eq!(c.size, members.len(), "cluster {}", c.id);
        // Back onto the plane the hull was computed on; the round trip through WGS-84 moves
        // a vertex by under a millimetre (0.3 mm seen 25 km from the centre).
        let tol = 1e-3;
        let ring: Vec<Xy> = c.hull.iter().map(|p| proj.project(*p)).collect();
        let want = monotone_chain(&members);
        if want.len() < 3 {
            assert!(ring.len() < 4, "collinear members give no polygon");
            continue;
        }
        polygons += 1;
        assert!(ring.len() >= 4, "cluster {}: ring {ring:?}", c.id);
        assert_eq!(ring[0], ring[ring.len() - 1], "closed ring");
        // Every vertex is a member: from here on, the member itself stands for it.
        let ring: Vec<Xy> = ring[..ring.len() - 1]
            .iter()
            .map(|v| {
                *members
                    .iter()
                    .find(|m| m.plane_distance(*v) < tol)
                    .unwrap_or_else(|| panic!("cluster {}: vertex {v:?} is no member", c.id))
            })
            .collect();
        // Convex and consistently oriented: every turn the same way.
        let n = ring.len();
        let turns: Vec<f64> = (0..n)
            .map(|k| cross(ring[k], ring[(k + 1) % n], ring[(k + 2) % n]))
            .collect();
        let sign = turns.iter().sum::<f64>().signum();
        assert!(
            turns.iter().all(|t| t * sign > 0.0),
            "cluster {}: not strictly convex {turns:?}",
            c.id
        );
        // Every member inside or on the hull.
        for m in &members {
            for k in 0..n {
                let (a, b) = (ring[k], ring[(k + 1) % n]);
                let outside = -cross(a, b, *m) * sign / a.plane_distance(b);
                assert!(
                    outside < 1e-6,
                    "cluster {}: member {m:?} {outside} m outside",
                    c.id
                );
            }
        }
        // The vertices are exactly the brute-force hull's.
        assert_eq!(n, want.len(), "cluster {}: vertex count", c.id);
        for w in &want {
            assert!(ring.contains(w), "cluster {}: hull misses {w:?}", c.id);
        }
        // Area by the shoelace formula.
        let twice: f64 = (0..n)
            .map(|k| ring[k].x * ring[(k + 1) % n].y - ring[(k + 1) % n].x * ring[k].y)
            .sum();
        let km2 = twice.abs() / 2.0 / 1e6;
        assert!(
            (c.hull_area_km2 - km2).abs() <= 1e-9 * km2.max(1.0),
            "{} vs {km2}",
            c.hull_area_km2
        );
    }
    assert!(polygons >= 10, "{polygons} clusters with a polygon hull");
}
