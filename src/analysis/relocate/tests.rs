//! Properties of the advisor's score, checked on hand-made cases and the bundled data.

use super::*;
use crate::analysis::{self, AnalysisParams};
use crate::data::bundled;
use crate::model::{Firms, ZoneGeometry};

fn square(lon: f64, lat: f64, half: f64) -> ZoneGeometry {
    let ring = vec![
        (lon - half, lat - half),
        (lon + half, lat - half),
        (lon + half, lat + half),
        (lon - half, lat + half),
        (lon - half, lat - half),
    ];
    ZoneGeometry::Area(geo::MultiPolygon::new(vec![geo::Polygon::new(
        ring.into(),
        vec![],
    )]))
}

fn zone(id: &str, geometry: ZoneGeometry, focus: &[&str], quality: GeometryQuality) -> Zone {
    Zone {
        id: id.into(),
        name_zh: Some(format!("{id}区")),
        geometry,
        focus_zh: focus.iter().map(|s| s.to_string()).collect(),
        quality,
        area_km2: Some(4.0),
        ..Default::default()
    }
}

/// Firms: `n_near` content firms around (114.0, 22.6), plus one far firm of the same segment.
fn firms_around(n_near: usize) -> Firms {
    let mut f = Firms {
        segments: vec!["content_software".into()],
        ..Default::default()
    };
    f.attrs = crate::model::AttrTable::new(vec!["id".into()]);
    f.id_col = Some(0);
    for k in 0..n_near {
        let a = k as f64 * 0.7;
        f.lonlat
            .push(LonLat::new(114.0 + 0.004 * a.cos(), 22.6 + 0.004 * a.sin()));
        f.segment.push(0);
        f.attrs.push_row([format!("F{k}").as_str()]);
    }
    f.lonlat.push(LonLat::new(114.3, 22.75));
    f.segment.push(0);
    f.attrs.push_row(["FAR"]);
    f
}

struct Case {
    firms: Firms,
    zones: Vec<Zone>,
    index: SpatialIndex,
    labels: Vec<i32>,
    clusters: Vec<ClusterSummary>,
    fit: FitTable,
}

fn case() -> Case {
    let firms = firms_around(40);
    let zones = vec![
        // Next to the firms, matching focus, where the peers cluster: must rank first.
        zone(
            "Z1",
            square(114.0, 22.6, 0.01),
            &["新一代信息技术"],
            GeometryQuality::ApproximateFootprint,
        ),
        // Far away, non-matching.
        zone(
            "Z2",
            square(114.25, 22.7, 0.01),
            &["生命健康"],
            GeometryQuality::Provided,
        ),
        // A point zone in between with a matching focus.
        zone(
            "Z3",
            ZoneGeometry::Point(LonLat::new(114.12, 22.65)),
            &["互联网"],
            GeometryQuality::ApproximatePoint,
        ),
        // No geometry: never a target.
        zone(
            "Z4",
            ZoneGeometry::None,
            &["新一代信息技术"],
            GeometryQuality::None,
        ),
    ];
    let index = SpatialIndex::build(&firms, &zones);
    let params = AnalysisParams::default();
    let a = analysis::analyse(&firms, &zones, &index, &params, &|_, _| {}).unwrap();
    Case {
        firms,
        zones,
        index,
        labels: a.labels,
        clusters: a.clusters,
        fit: bundled::fit_table().unwrap(),
    }
}

fn advisor(c: &Case, params: AdvisorParams) -> Advisor<'_> {
    Advisor::new(
        &c.firms,
        &c.zones,
        &c.index,
        &c.labels,
        &c.clusters,
        &c.fit,
        params,
    )
    .unwrap()
}

#[test]
fn obvious_case_ranks_the_matching_clustered_zone_first() {
    let c = case();
    let adv = advisor(&c, AdvisorParams::default());
    let site = Site {
        firm: None,
        lonlat: LonLat::new(114.02, 22.61),
        segment: Some("content_software".into()),
    };
    let s = adv.suggest(&site, &stability::weight_draws(adv.weights(), 200, 1, 0.35));
    assert_eq!(s.ranked[0].score.zone_id, "Z1");
    assert_eq!(
        s.ranked.len(),
        3,
        "the zone without geometry is not a target"
    );
    assert!(s.ranked[0].stability.first > 0.9);
    assert!(
        s.ranked[0]
            .explanation_en
            .starts_with("Z1 (Z1区) ranks first: "),
        "{}",
        s.ranked[0].explanation_en
    );
    assert!(s.ranked[0].explanation_en.contains("40 firms within 3 km"));
    assert!(s.ranked[0].explanation_en.ends_with("boundary approximate"));
    assert!(
        s.ranked[0]
            .explanation_zh
            .contains("主导产业包括新一代信息技术")
    );
    assert!(!s.nearby_clusters.is_empty());
    // A Chinese synonym of the segment counts the same peers.
    let alias = Site {
        segment: Some("内容与软件".into()),
        ..site.clone()
    };
    let t = adv.suggest(&alias, &[]);
    assert_eq!(
        t.ranked[0].score.same_segment_near,
        s.ranked[0].score.same_segment_near
    );
    assert!(t.ranked[0].score.same_segment_near >= 40);
}

#[test]
fn the_total_weighs_each_normalised_part_by_the_users_weight_share() {
    // Weights 40/30/20/10/0 written out as shares by hand, independent of `Shares`.
    let c = case();
    let params = AdvisorParams {
        weights: Weights {
            proximity: 40.0,
            industry_fit: 30.0,
            agglomeration: 20.0,
            room: 10.0,
            confidence: 0.0,
        },
        ..Default::default()
    };
    let by_hand = [0.4, 0.3, 0.2, 0.1, 0.0];
    let adv = advisor(&c, params);
    for i in 0..c.firms.len() {
        for z in adv.score(&adv.firm_site(i)) {
            let want: f64 = (0..5).map(|k| by_hand[k] * z.parts[k].normalised).sum();
            assert!((want - z.total).abs() < 1e-12, "{want} vs {}", z.total);
            for (k, p) in z.parts.iter().enumerate() {
                assert_eq!(p.criterion, Criterion::ALL[k]);
                assert!((p.weight - by_hand[k]).abs() < 1e-12);
                assert!((0.0..=1.0).contains(&p.normalised));
            }
        }
    }
}

#[test]
fn moving_closer_never_lowers_proximity() {
    let c = case();
    let adv = advisor(&c, AdvisorParams::default());
    // Walk in a straight line from far away to a point inside (or at) each zone: the distance
    // to a convex zone can only shrink, so proximity can only grow.
    for (z, target) in [
        ("Z1", (114.0, 22.6)),
        ("Z2", (114.25, 22.7)),
        ("Z3", (114.12, 22.65)),
    ] {
        for start in [(113.6, 22.3), (114.6, 22.9), (113.9, 22.8)] {
            let mut last = -1.0;
            for k in 0..=50 {
                let t = k as f64 / 50.0;
                let ll = LonLat::new(
                    start.0 + (target.0 - start.0) * t,
                    start.1 + (target.1 - start.1) * t,
                );
                let site = Site {
                    firm: None,
                    lonlat: ll,
                    segment: None,
                };
                let scores = adv.score(&site);
                let p = scores
                    .iter()
                    .find(|s| s.zone_id == z)
                    .unwrap()
                    .part(Criterion::Proximity)
                    .normalised;
                assert!(p >= last - 1e-12, "{z} step {k}: {p} < {last}");
                last = p;
            }
            assert!(
                (last - 1.0).abs() < 1e-9,
                "{z}: at the zone proximity is 1, got {last}"
            );
        }
    }
}

#[test]
fn raising_a_weight_never_lowers_the_rank_of_the_zone_best_on_it() {
    let c = case();
    let bundled_zones = bundled::zones().unwrap().zones;
    let sample = bundled::sample_firms().unwrap().firms;
    let idx = SpatialIndex::build(&sample, &bundled_zones);
    let a = analysis::analyse(
        &sample,
        &bundled_zones,
        &idx,
        &AnalysisParams::default(),
        &|_, _| {},
    )
    .unwrap();
    let mut rng = crate::model::Rng::new(5);
    for (firms, zones, index, labels, clusters) in [
        (&c.firms, &c.zones, &c.index, &c.labels, &c.clusters),
        (&sample, &bundled_zones, &idx, &a.labels, &a.clusters),
    ] {
        for trial in 0..60 {
            let mut w = Weights::default();
            for crit in Criterion::ALL {
                w.set(crit, rng.uniform() * 50.0);
            }
            let i = (rng.uniform() * firms.len() as f64) as usize;
            let crit = Criterion::ALL[trial % 5];
            let base = Advisor::new(
                firms,
                zones,
                index,
                labels,
                clusters,
                &c.fit,
                AdvisorParams {
                    weights: w,
                    ..Default::default()
                },
            )
            .unwrap();
            let before = base.score(&base.firm_site(i));
            let best_norm = before
                .iter()
                .map(|s| s.part(crit).normalised)
                .fold(f64::MIN, f64::max);
            let mut w2 = w;
            w2.set(crit, w.get(crit) + 10.0 + rng.uniform() * 40.0);
            let raised = Advisor::new(
                firms,
                zones,
                index,
                labels,
                clusters,
                &c.fit,
                AdvisorParams {
                    weights: w2,
                    ..Default::default()
                },
            )
            .unwrap();
            let after = raised.score(&raised.firm_site(i));
            for (rank_before, s) in before.iter().enumerate() {
                if s.part(crit).normalised < best_norm {
                    continue;
                }
                let rank_after = after.iter().position(|x| x.zone_id == s.zone_id).unwrap();
                assert!(
                    rank_after <= rank_before,
                    "{crit:?}: {} fell from {rank_before} to {rank_after}",
                    s.zone_id
                );
            }
        }
    }
}

#[test]
fn unknown_segment_and_lonely_firm_still_get_an_answer() {
    let c = case();
    let adv = advisor(&c, AdvisorParams::default());
    let site = Site {
        firm: None,
        lonlat: LonLat::new(113.5, 22.2),
        segment: Some("量子传送".into()),
    };
    let s = adv.suggest(&site, &stability::weight_draws(adv.weights(), 50, 2, 0.35));
    assert_eq!(s.ranked.len(), 3);
    assert!(!s.segment_known);
    assert!(
        s.ranked
            .iter()
            .all(|r| r.score.part(Criterion::IndustryFit).normalised == UNKNOWN_FIT)
    );
    assert_eq!(
        s.current_site.parts[Criterion::IndustryFit.index()].normalised,
        UNKNOWN_FIT,
        "neutral for staying too"
    );
    assert!(s.ranked[0].explanation_en.contains("industry fit unknown"));
    assert!(s.nearby_clusters.is_empty());
    let none = Site {
        firm: None,
        lonlat: LonLat::new(113.5, 22.2),
        segment: None,
    };
    assert_eq!(adv.score(&none).len(), 3);
}

#[test]
fn same_seed_same_stability_and_invalid_weights_rejected() {
    let c = case();
    let adv = advisor(&c, AdvisorParams::default());
    let site = adv.firm_site(0);
    let a = adv.suggest(&site, &stability::weight_draws(adv.weights(), 300, 9, 0.35));
    let b = adv.suggest(&site, &stability::weight_draws(adv.weights(), 300, 9, 0.35));
    assert_eq!(a, b);
    let bad = Weights {
        proximity: -1.0,
        ..Default::default()
    };
    assert!(
        Advisor::new(
            &c.firms,
            &c.zones,
            &c.index,
            &c.labels,
            &c.clusters,
            &c.fit,
            AdvisorParams {
                weights: bad,
                ..Default::default()
            }
        )
        .is_err()
    );
    let zero = Weights {
        proximity: 0.0,
        industry_fit: 0.0,
        agglomeration: 0.0,
        room: 0.0,
        confidence: 0.0,
    };
    assert!(zero.normalised().is_err());
}

#[test]
fn candidates_for_a_zone_are_outside_firms_best_first() {
    let c = case();
    let adv = advisor(&c, AdvisorParams::default());
    let outside: Vec<bool> = c
        .firms
        .lonlat
        .iter()
        .map(|p| {
            c.index
                .zones_containing(*p, c.index.projection.project(*p))
                .is_empty()
        })
        .collect();
    let cands = adv.candidates_for_zone(1, &outside);
    assert!(
        cands
            .windows(2)
            .all(|w| w[0].gain_vs_current >= w[1].gain_vs_current)
    );
    assert!(cands.iter().all(|k| outside[k.firm]));
    // The same firms as asking each outside firm's own advice whether zone 1 is recommended.
    let by_hand: Vec<usize> = (0..c.firms.len())
        .filter(|&i| outside[i])
        .filter(|&i| {
            let s = adv.suggest(&adv.firm_site(i), &[]);
            s.ranked.iter().any(|r| r.score.zone == 1 && r.recommended)
        })
        .collect();
    let mut got: Vec<usize> = cands.iter().map(|k| k.firm).collect();
    got.sort_unstable();
    assert_eq!(got, by_hand);
}
