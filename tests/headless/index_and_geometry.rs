//! The spatial index and zone geometry against independent oracles: brute force for queries,
//! geo's own point-in-polygon, and Karney's geodesic (geographiclib via geo) for distances.

use crate::common;

use cluster_atlas::analysis::placement::place_firms;
use cluster_atlas::data::{ZoneLoadOptions, load_zones_str};
use cluster_atlas::index::SpatialIndex;
use cluster_atlas::model::{Firms, LonLat, ZoneGeometry};
use common::{Lcg, TEST_ZONES};
use geo::{Contains, Distance, Geodesic, Point};

fn firms_at(points: Vec<LonLat>) -> Firms {
    Firms {
        segment: vec![0; points.len()],
        segments: vec![String::new()],
        lonlat: points,
        ..Default::default()
    }
}

fn random_points(n: usize, seed: u64) -> Vec<LonLat> {
    let mut r = Lcg(seed);
    (0..n)
        .map(|_| LonLat::new(113.8 + 0.45 * r.next(), 22.48 + 0.26 * r.next()))
        .collect()
}

/// Geodesic distance from `p` to the boundary of a polygon, found by walking every edge
/// densely (edges are straight in degrees, as GeoJSON defines them).
fn geodesic_to_rings(p: LonLat, rings: &[&geo::LineString<f64>]) -> f64 {
    let gp = Point::new(p.lon, p.lat);
    let mut best = f64::INFINITY;
    for ring in rings {
        for w in ring.0.windows(2) {
            let steps = 400;
            for s in 0..=steps {
                let t = s as f64 / steps as f64;
                let q = Point::new(
                    w[0].x + t * (w[1].x - w[0].x),
                    w[0].y + t * (w[1].y - w[0].y),
                );
                best = best.min(Geodesic.distance(gp, q));
            }
        }
    }
    best
}

#[test]
fn membership_matches_geo_contains_and_nearest_matches_geodesic_brute_force() {
    let zones = load_zones_str(TEST_ZONES, "t", &ZoneLoadOptions::default())
        .unwrap()
        .zones;
    let mut pts = random_points(400, 3);
    // The random points miss the D∩E overlap ([114.02, 114.04] × [22.64, 22.66]), so seed it:
    // its centre and a point about 100 m inside each of its four corners.
    let overlap = [
        (114.03, 22.65),
        (114.021, 22.641),
        (114.039, 22.659),
        (114.039, 22.641),
        (114.0205, 22.6577),
    ];
    pts.extend(overlap.iter().map(|&(lon, lat)| LonLat::new(lon, lat)));
    let firms = firms_at(pts.clone());
    let index = SpatialIndex::build(&firms, &zones);
    let placement = place_firms(&index, &firms, &zones);
    let mut by_id: Vec<usize> = (0..zones.len()).collect();
    by_id.sort_by(|a, b| zones[*a].id.cmp(&zones[*b].id));
    let mut worst: f64 = 0.0;
    let mut in_several = 0;
    for (i, p) in pts.iter().enumerate() {
        let gp = Point::new(p.lon, p.lat);
        let inside: Vec<usize> = by_id
            .iter()
            .copied()
            .filter(|&z| matches!(&zones[z].geometry, ZoneGeometry::Area(mp) if mp.contains(&gp)))
            .collect();
        assert_eq!(
            placement.zone(i),
            inside.first().map(|z| *z as u32),
            "firm {i} at {p:?}"
        );
        if inside.len() > 1 {
            // Listed with all its zones, sorted by id (few enough here to all be listed).
            in_several += 1;
            let listed = placement.overlaps.iter().find(|(f, _)| *f == i as u32);
            let want: Vec<u32> = inside.iter().map(|z| *z as u32).collect();
            assert_eq!(listed.map(|(_, z)| z), Some(&want), "firm {i} at {p:?}");
        } else {
            assert!(placement.overlaps.iter().all(|(f, _)| *f != i as u32));
        }
        // Brute-force nearest over every zone with geometry.
        let mut best = (usize::MAX, f64::INFINITY);
        for (z, zone) in zones.iter().enumerate() {
            let d = match &zone.geometry {
                ZoneGeometry::None => continue,
                ZoneGeometry::Point(q) => Geodesic.distance(gp, Point::new(q.lon, q.lat)),
                ZoneGeometry::Area(mp) => {
                    if mp.contains(&gp) {
                        0.0
                    } else {
                        let rings: Vec<&geo::LineString<f64>> =
                            mp.0.iter()
                                .flat_map(|poly| {
                                    std::iter::once(poly.exterior()).chain(poly.interiors())
                                })
                                .collect();
                        geodesic_to_rings(*p, &rings)
                    }
                }
            };
            if d < best.1 {
                best = (z, d);
            }
        }
        let ours = placement.nearest_m[i];
        if inside.is_empty() {
            assert_eq!(
                placement.nearest_zone(i),
                Some(best.0 as u32),
                "firm {i} at {p:?}"
            );
        }
        // The oracle samples edges, so it can only overestimate (by centimetres here).
        worst = worst.max((ours - best.1).abs());
        assert!(
            ours <= best.1 + 0.01,
            "firm {i}: ours {ours} oracle {}",
            best.1
        );
    }
    assert!(worst < 1.0, "worst distance error {worst} m");
    assert_eq!(placement.n_overlapping, in_several);
    assert!(
        in_several >= overlap.len(),
        "{in_several} firms in two zones"
    );
    // The seeded points by hand: inside both squares, assigned to D (the first by id, though
    // E comes first in the file), at distance 0, and listed with D and E.
    let (d, e) = (
        zones.iter().position(|z| z.id == "D").unwrap() as u32,
        zones.iter().position(|z| z.id == "E").unwrap() as u32,
    );
    assert!(e < d, "E precedes D in the file");
    let first = pts.len() - overlap.len();
    for (k, p) in pts.iter().enumerate().skip(first) {
        assert_eq!(placement.zone(k), Some(d), "{p:?}");
        assert_eq!(placement.nearest_zone(k), Some(d));
        assert_eq!(placement.nearest_m[k], 0.0);
        assert!(placement.overlaps.contains(&(k as u32, vec![d, e])));
    }
}

#[test]
fn distance_from_inside_a_hole_is_to_the_hole_ring() {
    let zones = load_zones_str(TEST_ZONES, "t", &ZoneLoadOptions::default())
        .unwrap()
        .zones;
    // Centre of zone A's hole: 0.01° from each side of the hole.
    let p = LonLat::new(113.95, 22.55);
    let firms = firms_at(vec![p]);
    let index = SpatialIndex::build(&firms, &zones);
    let placement = place_firms(&index, &firms, &zones);
    assert_eq!(placement.zone(0), None);
    assert_eq!(placement.nearest_zone(0), Some(0));
    let ZoneGeometry::Area(mp) = &zones[0].geometry else {
        panic!()
    };
    let expected = geodesic_to_rings(p, &[&mp.0[0].interiors()[0]]);
    assert!(
        (placement.nearest_m[0] - expected).abs() < 0.5,
        "{} vs {expected}",
        placement.nearest_m[0]
    );
    assert!(expected > 1000.0 && expected < 1100.0);
}

#[test]
fn firms_within_matches_brute_force() {
    let pts = random_points(3000, 9);
    let firms = firms_at(pts.clone());
    let index = SpatialIndex::build(&firms, &[]);
    let mut r = Lcg(5);
    for _ in 0..30 {
        let c = LonLat::new(113.85 + 0.3 * r.next(), 22.5 + 0.2 * r.next());
        let radius = 300.0 + 4000.0 * r.next();
        let got = index.firms_within(index.projection.project(c), radius);
        let want: Vec<u32> = (0..pts.len() as u32)
            .filter(|&i| {
                Geodesic.distance(
                    Point::new(c.lon, c.lat),
                    Point::new(pts[i as usize].lon, pts[i as usize].lat),
                ) <= radius
            })
            .collect();
        // Points within a centimetre of the circle may fall either way.
        let diff: Vec<u32> = got
            .iter()
            .filter(|i| !want.contains(i))
            .chain(want.iter().filter(|i| !got.contains(i)))
            .copied()
            .collect();
        for i in diff {
            let d = Geodesic.distance(
                Point::new(c.lon, c.lat),
                Point::new(pts[i as usize].lon, pts[i as usize].lat),
            );
            assert!(
                (d - radius).abs() < 0.01,
                "firm {i} at {d} m for radius {radius}"
            );
        }
    }
}

#[test]
fn zones_containing_and_nearest_zones_agree_with_brute_force() {
    let zones = load_zones_str(TEST_ZONES, "t", &ZoneLoadOptions::default())
        .unwrap()
        .zones;
    let firms = firms_at(vec![]);
    let index = SpatialIndex::build(&firms, &zones);
    for p in random_points(300, 21) {
        let xy = index.projection.project(p);
        let all = index.nearest_zones(p, xy);
        assert_eq!(all.len(), 6); // the null-geometry slot is not a target
        let first = index.nearest_zone(p, xy).unwrap();
        assert!((first.distance_m - all[0].distance_m).abs() < 1e-9);
        let inside = index.zones_containing(p, xy);
        let brute: Vec<usize> = (0..zones.len())
            .filter(|&z| matches!(&zones[z].geometry, ZoneGeometry::Area(mp) if mp.contains(&Point::new(p.lon, p.lat))))
            .collect();
        assert_eq!(inside, brute);
    }
}

#[test]
fn the_plane_shortcut_of_firms_within_agrees_with_the_exact_ground_distance_far_from_the_meridian()
{
    // About 230 km east of Shenzhen's central meridian the plane is stretched by ~6.5e-4, so the
    // bounds on the stretch (not a constant) decide most points; the answer must equal the
    // exact ground-distance filter point for point.
    let mut r = Lcg(21);
    let pts: Vec<LonLat> = (0..4000)
        .map(|_| LonLat::new(116.2 + 0.2 * r.next(), 22.5 + 0.2 * r.next()))
        .collect();
    let firms = firms_at(pts);
    let proj = cluster_atlas::crs::Projection::default();
    let index = SpatialIndex::build_with(proj, &firms, &[]);
    for _ in 0..40 {
        let c = proj.project(LonLat::new(
            116.22 + 0.16 * r.next(),
            22.52 + 0.16 * r.next(),
        ));
        let radius = 200.0 + 5000.0 * r.next();
        let got = index.firms_within(c, radius);
        let want: Vec<u32> = (0..index.firm_xy.len() as u32)
            .filter(|&i| proj.ground_distance(c, index.firm_xy[i as usize]) <= radius)
            .collect();
        assert_eq!(got, want, "radius {radius}");
    }
}

/// The oracle of the counting grid: the counts of the firms the R-tree finds within.
fn counted_by_visiting(
    index: &SpatialIndex,
    p: cluster_atlas::model::Xy,
    radius: f64,
    same: &[bool],
    segment: &[u16],
    clustered: &dyn Fn(usize) -> bool,
) -> cluster_atlas::index::Counts {
    let within = index.firms_within(p, radius);
    cluster_atlas::index::Counts {
        all: within.len(),
        same: within
            .iter()
            .filter(|i| same[segment[**i as usize] as usize])
            .count(),
        clustered: within.iter().filter(|i| clustered(**i as usize)).count(),
    }
}

#[test]
fn the_counting_grid_counts_exactly_the_firms_within() {
    // Dense blobs and sparse noise, three segments, every sixth firm clustered; sites inside,
    // at the edge of and outside the data, radii from below a cell to several km.
    let mut r = Lcg(33);
    let mut pts = Vec::new();
    for b in 0..6 {
        let (cx, cy) = (113.9 + 0.05 * b as f64, 22.55 + 0.02 * (b % 3) as f64);
        for _ in 0..1500 {
            pts.push(LonLat::new(
                cx + 0.01 * (r.next() - 0.5),
                cy + 0.01 * (r.next() - 0.5),
            ));
        }
    }
    for _ in 0..1500 {
        pts.push(LonLat::new(113.8 + 0.5 * r.next(), 22.45 + 0.3 * r.next()));
    }
    let firms = firms_at(pts);
    let index = SpatialIndex::build(&firms, &[]);
    let segment: Vec<u16> = (0..index.firm_xy.len()).map(|i| (i % 3) as u16).collect();
    let clustered = |i: usize| i.is_multiple_of(6);
    let grid = cluster_atlas::index::NeighbourGrid::build(&index, &segment, 3, &clustered, 3000.0)
        .expect("a grid");
    let same = [true, false, true];
    for k in 0..300 {
        let site = LonLat::new(113.75 + 0.6 * r.next(), 22.4 + 0.4 * r.next());
        let p = index.projection.project(site);
        let radius = [3000.0, 150.0, 800.0, 6000.0][k % 4];
        let got = grid.count(&index, p, radius, &same, &segment, &clustered);
        let want = counted_by_visiting(&index, p, radius, &same, &segment, &clustered);
        assert_eq!(got, want, "site {site:?}, radius {radius}");
    }
}

/// With more segments than get prefix sums, the small ones are counted from their firm lists:
/// any mix of large and small segments counts exactly the firms within.
#[test]
fn the_counting_grid_counts_exactly_with_hundreds_of_segments() {
    let mut r = Lcg(35);
    let pts: Vec<LonLat> = (0..30_000)
        .map(|k| {
            let (cx, cy) = (113.9 + 0.04 * (k % 5) as f64, 22.55 + 0.03 * (k % 3) as f64);
            let spread = if k % 2 == 0 { 0.02 } else { 0.3 };
            LonLat::new(
                cx + spread * (r.next() - 0.5),
                cy + spread * (r.next() - 0.5),
            )
        })
        .collect();
    let firms = firms_at(pts);
    let index = SpatialIndex::build(&firms, &[]);
    // 300 segments of very different sizes: the 64 largest get sums, the rest are listed.
    let n_seg = 300;
    let segment: Vec<u16> = (0..index.firm_xy.len())
        .map(|_| (n_seg as f64 * r.next().powi(3)) as u16)
        .collect();
    let clustered = |i: usize| i % 7 == 3;
    let grid =
        cluster_atlas::index::NeighbourGrid::build(&index, &segment, n_seg, &clustered, 3000.0)
            .expect("a grid");
    let marks: [&dyn Fn(usize) -> bool; 6] = [
        &|s| s == 0,
        &|s| s == 250,
        &|s| s == 10 || s == 200 || s == 299,
        &|s| s % 3 == 0,
        &|_| true,
        &|_| false,
    ];
    for k in 0..240 {
        let site = LonLat::new(113.75 + 0.6 * r.next(), 22.4 + 0.4 * r.next());
        let p = index.projection.project(site);
        let radius = [3000.0, 150.0, 800.0, 6000.0][k % 4];
        let same: Vec<bool> = (0..n_seg).map(|s| marks[k % marks.len()](s)).collect();
        let got = grid.count(&index, p, radius, &same, &segment, &clustered);
        let want = counted_by_visiting(&index, p, radius, &same, &segment, &clustered);
        assert_eq!(got, want, "site {site:?}, radius {radius}, marks {}", k % 6);
    }
}

/// The raster of cell verdicts only skips measurements: the firms near each zone are exactly
/// those a measurement of every firm finds, for tiny to huge radii, holes and point zones,
/// and data centred far from the zones (so plane and ground lengths differ more).
#[test]
fn firms_near_zone_equals_measuring_every_firm() {
    let zones = load_zones_str(TEST_ZONES, "t", &ZoneLoadOptions::default())
        .unwrap()
        .zones;
    let mut pts = random_points(150_000, 17);
    // A second set spread 4° east, so the projection's centre sits far from the zones.
    let mut far = pts.clone();
    far.extend(
        random_points(20_000, 18)
            .iter()
            .map(|p| LonLat::new(p.lon + 4.0, p.lat + 1.5)),
    );
    // Points on a fine lattice around zone A's hole, at the edge of the smallest radius.
    for i in 0..200 {
        for j in 0..200 {
            pts.push(LonLat::new(
                113.93 + 0.0002 * i as f64,
                22.53 + 0.0002 * j as f64,
            ));
        }
    }
    for pts in [pts, far] {
        let firms = firms_at(pts.clone());
        let index = SpatialIndex::build(&firms, &zones);
        for radius in [5.0, 37.5, 400.0, 3000.0, 25_000.0] {
            for z in 0..zones.len() {
                let Some(shape) = index.shape_of(z) else {
                    continue;
                };
                let got = index.firms_near_zone(shape, &pts, radius);
                let want: Vec<u32> = (0..pts.len())
                    .filter(|&i| {
                        shape
                            .distance(pts[i], index.firm_xy[i], &index.projection)
                            .0
                            <= radius
                    })
                    .map(|i| i as u32)
                    .collect();
                assert!(
                    !want.is_empty() || radius < 100.0,
                    "zone {z} radius {radius}"
                );
                if got != want {
                    let extra = got
                        .iter()
                        .filter(|i| want.binary_search(i).is_err())
                        .count();
                    let missed = want
                        .iter()
                        .filter(|i| got.binary_search(i).is_err())
                        .count();
                    panic!("zone {z} radius {radius}: {extra} extra, {missed} missed");
                }
            }
        }
    }
}
