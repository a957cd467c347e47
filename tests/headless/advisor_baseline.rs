//! Staying put as the baseline and distance as a cost: a firm deep in its own cluster far from
//! every zone is told to stay; a lonely firm between two equally good zones is sent to the
//! nearer one; the current site and the distance cost are worked out by hand; and the
//! monotonic properties hold for many random weights and sites.

use crate::common;

use cluster_atlas::analysis::relocate::baseline::distance_cost;
use cluster_atlas::analysis::relocate::{
    Advisor, AdvisorParams, Criterion, Weights, stability::weight_draws,
};
use cluster_atlas::analysis::{AnalysisParams, dbscan};
use cluster_atlas::data::fit_table_from_str;
use cluster_atlas::index::SpatialIndex;
use cluster_atlas::model::{Firms, FitTable, GeometryQuality, LonLat, Zone, ZoneGeometry};
use common::Lcg;

fn fit() -> FitTable {
    fit_table_from_str(
        r#"{"segments": [
          {"key": "hardware", "label_zh": "硬件", "label_en": "Hardware",
           "fits": [{"zh": "可穿戴设备", "en": "wearable", "weight": 0.8}]}]}"#,
        "fit.json",
    )
    .unwrap()
}

/// A ~1.1 km square zone centred at (lon, lat), from the user's file, focus wearables, 1 km².
fn zone(id: &str, lon: f64, lat: f64) -> Zone {
    let h = 0.005;
    let ring = vec![
        (lon - h, lat - h),
        (lon + h, lat - h),
        (lon + h, lat + h),
        (lon - h, lat + h),
        (lon - h, lat - h),
    ];
    Zone {
        id: id.into(),
        geometry: ZoneGeometry::Area(geo::MultiPolygon::new(vec![geo::Polygon::new(
            ring.into(),
            vec![],
        )])),
        quality: GeometryQuality::Provided,
        area_km2: Some(1.0),
        focus_zh: vec!["可穿戴设备".into()],
        ..Default::default()
    }
}

/// `n` hardware firms on a grid of `step`° around (lon, lat).
fn grid(firms: &mut Firms, lon: f64, lat: f64, n: usize, step: f64) {
    let side = (n as f64).sqrt().ceil() as usize;
    for k in 0..n {
        let (i, j) = ((k % side) as f64, (k / side) as f64);
        firms.lonlat.push(LonLat::new(
            lon + (i - side as f64 / 2.0) * step,
            lat + (j - side as f64 / 2.0) * step,
        ));
        firms.segment.push(0);
    }
}

struct Case {
    zones: Vec<Zone>,
    firms: Firms,
    index: SpatialIndex,
    labels: Vec<i32>,
    fit: FitTable,
}

fn case(zones: Vec<Zone>, firms: Firms) -> Case {
    let index = SpatialIndex::build(&firms, &zones);
    let p = AnalysisParams::default().dbscan; // eps 500 m, min_pts 5
    let labels = dbscan::dbscan(&index.firm_xy, p);
    Case {
        zones,
        firms,
        index,
        labels,
        fit: fit(),
    }
}

fn advisor(c: &Case, params: AdvisorParams) -> Advisor<'_> {
    Advisor::new(&c.firms, &c.zones, &c.index, &c.labels, &[], &c.fit, params).unwrap()
}

fn hardware_firms() -> Firms {
    Firms {
        segments: vec!["hardware".into()],
        ..Default::default()
    }
}

#[test]
fn a_firm_deep_in_its_own_cluster_far_from_every_zone_is_told_to_stay() {
    // Two good zones (64 same-segment firms each) 10 km and 40 km from a 100-firm cluster.
    let mut firms = hardware_firms();
    grid(&mut firms, 113.80, 22.70, 100, 0.0005); // the firm's own cluster (~50 m grid)
    grid(&mut firms, 113.80 + 0.097, 22.70, 64, 0.0008); // around zone N, ~10 km east
    grid(&mut firms, 113.80 + 0.389, 22.70, 64, 0.0008); // around zone F, ~40 km east
    let zones = vec![zone("N", 113.897, 22.70), zone("F", 114.189, 22.70)];
    let c = case(zones, firms);
    let adv = advisor(&c, AdvisorParams::default());
    let s = adv.suggest(&adv.firm_site(45), &[]);
    assert!(!s.recommended, "{}", s.verdict_en);
    assert!(
        s.ranked
            .iter()
            .all(|r| !r.recommended && r.gain_vs_current < 0.0)
    );
    assert!(
        s.verdict_en.starts_with("Staying is better"),
        "{}",
        s.verdict_en
    );
    assert!(s.verdict_zh.starts_with("建议留在原址"), "{}", s.verdict_zh);
    assert!(s.current_site.cluster_near && s.current_site.same_segment_near >= 99);
    // The far zone pays the steep cost: 0.3 × ((40 − 15) / 15)² ≈ 0.83.
    let far = s.ranked.iter().find(|r| r.score.zone_id == "F").unwrap();
    assert!(far.score.distance_cost > 0.7, "{}", far.score.distance_cost);
}

#[test]
fn a_lonely_firm_between_two_equal_zones_is_sent_to_the_nearer_one() {
    // Two identical zones with 64 firms each, 3 km west and 9 km east of a lonely firm.
    let mut firms = hardware_firms();
    firms.lonlat.push(LonLat::new(114.0, 22.6));
    firms.segment.push(0);
    let (w, e) = (114.0 - 0.0292, 114.0 + 0.0876);
    grid(&mut firms, w, 22.6, 64, 0.0008);
    grid(&mut firms, e, 22.6, 64, 0.0008);
    let c = case(vec![zone("W", w, 22.6), zone("E", e, 22.6)], firms);
    let adv = advisor(&c, AdvisorParams::default());
    let s = adv.suggest(&adv.firm_site(0), &[]);
    assert_eq!(s.ranked[0].score.zone_id, "W", "the nearer zone first");
    assert!(s.ranked[0].recommended, "{}", s.verdict_en);
    assert!(s.recommended && s.verdict_en.starts_with("Moving to W is advised"));
    assert!(s.ranked[0].gain_vs_current > s.ranked[1].gain_vs_current);
    // Equal merit: the two zones differ only in proximity.
    let (a, b) = (&s.ranked[0].score, &s.ranked[1].score);
    for c in [
        Criterion::IndustryFit,
        Criterion::Agglomeration,
        Criterion::Room,
    ] {
        assert!(
            (a.part(c).normalised - b.part(c).normalised).abs() < 1e-9,
            "{c:?}"
        );
    }

    // For any weights, the nearer of two equal zones is never worse.
    let mut rng = Lcg(7);
    for _ in 0..200 {
        let w = Weights {
            proximity: rng.next() * 100.0,
            industry_fit: rng.next() * 100.0,
            agglomeration: rng.next() * 100.0,
            room: rng.next() * 100.0,
            confidence: rng.next() * 100.0 + 0.01,
        };
        let adv = advisor(
            &c,
            AdvisorParams {
                weights: w,
                ..Default::default()
            },
        );
        let scores = adv.score(&adv.firm_site(0));
        let net = |id: &str| {
            let s = scores.iter().find(|s| s.zone_id == id).unwrap();
            s.total - s.distance_cost
        };
        assert!(net("W") >= net("E") - 1e-12, "{w:?}");
    }
}

#[test]
fn the_current_site_matches_a_hand_worked_case() {
    // A lonely firm with 10 hardware firms within 3 km (no cluster: 1 km apart), no zone
    // around it; one zone 20 km away.
    let mut firms = hardware_firms();
    firms.lonlat.push(LonLat::new(114.0, 22.6));
    firms.segment.push(0);
    for k in 0..10 {
        let a = k as f64 * std::f64::consts::TAU / 10.0;
        // ~2 km away, ~1.2 km apart from each other: no DBSCAN cluster at eps 500 m.
        firms.lonlat.push(LonLat::new(
            114.0 + 0.0195 * a.cos(),
            22.6 + 0.018 * a.sin(),
        ));
        firms.segment.push(0);
    }
    let c = case(vec![zone("Z", 114.195, 22.6)], firms);
    assert!(c.labels.iter().all(|l| *l < 0), "no cluster");
    let adv = advisor(&c, AdvisorParams::default());
    let s = adv.suggest(&adv.firm_site(0), &[]);
    let cur = &s.current_site;
    // By hand (defaults 30/25/25/10/10, halves 10 and 30):
    //   proximity 1 (no move), fit 0 and room 0 (not in a zone), confidence 1,
    //   agglomeration 0.5·10/20 + 0.3·10/40 + 0 = 0.25 + 0.075 = 0.325
    //   total = 0.3 + 0 + 0.25·0.325 + 0 + 0.1 = 0.48125
    assert_eq!((cur.same_segment_near, cur.all_near), (10, 10));
    assert!(!cur.cluster_near && cur.zone_id.is_none());
    assert!((cur.total - 0.48125).abs() < 1e-12, "{}", cur.total);
    // The zone, ~20 km away: distance cost 0.3 × ((d − 15 km)/15 km)², d measured by the advisor.
    let z = &s.ranked[0];
    let d = z.score.distance_m;
    assert!((19_000.0..21_000.0).contains(&d), "{d}");
    let want = 0.3 * ((d - 15_000.0) / 15_000.0).powi(2);
    assert!((z.score.distance_cost - want).abs() < 1e-12);
    assert!((z.gain_vs_current - (z.score.total - want - 0.48125)).abs() < 1e-12);
}

#[test]
fn gains_fall_as_the_distance_cost_rises_and_as_the_margin_is_raised_fewer_are_recommended() {
    let data = cluster_atlas::pipeline::Dataset::bundled().unwrap();
    let none = cluster_atlas::pipeline::Extras::default();
    let r = cluster_atlas::pipeline::analyse(&data, &AnalysisParams::default(), none, &|_, _| {})
        .unwrap();
    let fit = cluster_atlas::data::bundled::fit_table().unwrap();
    let a = &r.analysis;
    let make = |p: AdvisorParams| {
        Advisor::new(
            &data.firms,
            &data.zones,
            &data.index,
            &a.labels,
            &a.clusters,
            &fit,
            p,
        )
        .unwrap()
    };
    let mut rng = Lcg(11);
    let sites: Vec<usize> = (0..40)
        .map(|_| (rng.next() * data.firms.len() as f64) as usize)
        .collect();
    let costs = [0.0, 0.1, 0.3, 0.6, 1.0];
    for &f in &sites {
        let mut last: Option<Vec<(String, f64)>> = None;
        for &k in &costs {
            let adv = make(AdvisorParams {
                distance_cost: k,
                ..Default::default()
            });
            let s = adv.suggest(&adv.firm_site(f), &[]);
            let mut gains: Vec<(String, f64)> = s
                .ranked
                .iter()
                .map(|r| (r.score.zone_id.clone(), r.gain_vs_current))
                .collect();
            gains.sort_by(|x, y| x.0.cmp(&y.0));
            if let Some(prev) = &last {
                for (p, g) in prev.iter().zip(&gains) {
                    assert!(
                        g.1 <= p.1 + 1e-12,
                        "firm {f}, zone {}: {} > {}",
                        g.0,
                        g.1,
                        p.1
                    );
                }
            }
            last = Some(gains);
        }
        let count = |m: f64| {
            let adv = make(AdvisorParams {
                margin: m,
                ..Default::default()
            });
            let s = adv.suggest(&adv.firm_site(f), &[]);
            s.ranked.iter().filter(|r| r.recommended).count()
        };
        assert!(count(0.0) >= count(0.05) && count(0.05) >= count(0.2));
    }
    // The cost curve itself: zero within the radius, then non-decreasing.
    let p = AdvisorParams::default();
    assert_eq!(distance_cost(p.commute_radius_m, &p), 0.0);
    assert!(distance_cost(2.0 * p.commute_radius_m, &p) > 0.0);
    // Stability draws still rank by score less distance cost.
    let adv = make(AdvisorParams::default());
    let draws = weight_draws(adv.weights(), 50, 3, 0.35);
    let s = adv.suggest(&adv.firm_site(sites[0]), &draws);
    let total: f64 = s.ranked.iter().map(|r| r.stability.first).sum();
    assert!(
        (total - 1.0).abs() < 1e-9,
        "each draw has exactly one first"
    );
}

#[test]
fn the_planners_candidates_are_the_firms_whose_own_advice_recommends_the_zone() {
    let data = cluster_atlas::pipeline::Dataset::bundled().unwrap();
    let none = cluster_atlas::pipeline::Extras::default();
    let r = cluster_atlas::pipeline::analyse(&data, &AnalysisParams::default(), none, &|_, _| {})
        .unwrap();
    let fit = cluster_atlas::data::bundled::fit_table().unwrap();
    let a = &r.analysis;
    let adv = Advisor::new(
        &data.firms,
        &data.zones,
        &data.index,
        &a.labels,
        &a.clusters,
        &fit,
        AdvisorParams::default(),
    )
    .unwrap();
    let z03 = data.zones.iter().position(|z| z.id == "Z03").unwrap();
    let outside: Vec<bool> = (0..a.placement.len())
        .map(|i| a.placement.zone(i).is_none())
        .collect();
    let cands = adv.candidates_for_zone(z03, &outside);
    assert!(
        cands.len() >= 10,
        "Z03 can attract some firms: {}",
        cands.len()
    );
    let mut got: Vec<usize> = cands.iter().map(|c| c.firm).collect();
    got.sort_unstable();
    let by_hand: Vec<usize> = (0..data.firms.len())
        .filter(|&i| outside[i])
        .filter(|&i| {
            let s = adv.suggest(&adv.firm_site(i), &[]);
            s.ranked
                .iter()
                .any(|r| r.score.zone == z03 && r.recommended)
        })
        .collect();
    assert_eq!(got, by_hand);
    assert!(
        cands
            .windows(2)
            .all(|w| w[0].gain_vs_current >= w[1].gain_vs_current)
    );
}

#[test]
fn a_general_firm_list_is_not_read_as_vr_ar_segments() {
    let fit = cluster_atlas::data::bundled::fit_table().unwrap();
    for general in [
        "software", "services", "trading", "软件", "服务", "设备", "platform",
    ] {
        assert!(
            fit.segment(general).is_none(),
            "{general} is not a VR/AR segment"
        );
    }
    for vr in [
        "hardware",
        "头显",
        "内容与软件",
        "platforms & services",
        "光学",
    ] {
        assert!(fit.segment(vr).is_some(), "{vr} is a VR/AR synonym");
    }
}

/// Advisors made one after another over one prepared context (the window's clicks, with the
/// weights changed between them) share the grids an advisor warmed ahead of them (as the
/// window does once the map is still), and answer exactly as advisors that prepare
/// everything themselves (the oracle): 30,000 sample firms, so the counting grid is used,
/// sites of every kind, three sets of weights.
#[test]
fn advisors_over_one_context_answer_as_fresh_ones() {
    use cluster_atlas::analysis::relocate::AdvisorContext;
    let mut csv = Vec::new();
    cluster_atlas::sample::write_sample(&mut csv, 30_000, 4).unwrap();
    let opts = cluster_atlas::data::FirmLoadOptions::default();
    let firms = cluster_atlas::data::load_firms_csv_bytes(&csv, "s.csv", &opts)
        .unwrap()
        .firms;
    let zones = cluster_atlas::data::bundled::zones().unwrap().zones;
    let fit = cluster_atlas::data::bundled::fit_table().unwrap();
    let index = SpatialIndex::build(&firms, &zones);
    let a = cluster_atlas::analysis::analyse(
        &firms,
        &zones,
        &index,
        &AnalysisParams::default(),
        &|_, _| {},
    )
    .unwrap();
    let radius = AdvisorParams::default().radius_m;
    let ctx = std::sync::Arc::new(AdvisorContext::prepare(
        &firms,
        &zones,
        &index,
        &a.clusters,
        &fit,
        radius,
    ));
    let over_ctx = |params| {
        let (labels, clusters, ctx) = (&a.labels, &a.clusters, std::sync::Arc::clone(&ctx));
        Advisor::with_context(&firms, &zones, &index, labels, clusters, &fit, params, ctx).unwrap()
    };
    over_ctx(AdvisorParams::default()).warm();
    let memo = format!("{ctx:?}");
    assert!(
        memo.contains("Memo { grid: Some(true), cluster_grid: Some(true), segments: true }"),
        "warmed before any click: {memo}"
    );
    let mut rng = Lcg(11);
    for round in 0..3 {
        let mut params = AdvisorParams::default();
        if round > 0 {
            let mut w = Weights::default();
            for c in Criterion::ALL {
                w.set(c, rng.next());
            }
            params.weights = w;
        }
        let shared = over_ctx(params);
        let fresh =
            Advisor::new(&firms, &zones, &index, &a.labels, &a.clusters, &fit, params).unwrap();
        let draws = weight_draws(shared.weights(), 50, 3, 0.35);
        for k in 0..40 {
            let i = (k * 7_919 + round * 13) % firms.len();
            let site = shared.firm_site(i);
            assert_eq!(
                shared.suggest(&site, &draws),
                fresh.suggest(&site, &draws),
                "{i}"
            );
        }
    }
}
