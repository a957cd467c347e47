//! The advisor's score on a case small enough to work out by hand: every part and the total
//! are compared with numbers computed in the comments, not with the code's own sums.

use cluster_atlas::analysis::relocate::{Advisor, AdvisorParams, Criterion, Site, Weights};
use cluster_atlas::data::fit_table_from_str;
use cluster_atlas::index::SpatialIndex;
use cluster_atlas::model::{Firms, GeometryQuality, LonLat, Zone, ZoneGeometry};
use geo::{Distance, Geodesic, Point};

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

#[test]
fn score_parts_and_total_match_a_hand_worked_case() {
    // Fit table: a hardware firm fits "可穿戴设备" at 0.8; "content" fits nothing here.
    let fit = fit_table_from_str(
        r#"{"segments": [
          {"key": "hardware", "label_zh": "硬件", "label_en": "Hardware",
           "fits": [{"zh": "可穿戴设备", "en": "wearable", "weight": 0.8}]},
          {"key": "content", "label_zh": "内容", "label_en": "Content", "fits": []}]}"#,
        "fit.json",
    )
    .unwrap();
    // Z1: a ~1 km square at (114.0, 22.6) from the user's file, 5 km² stated, focus wearables.
    // Z2: an approximate point 0.1° east, no area, no focus.
    let zones = vec![
        Zone {
            id: "Z1".into(),
            geometry: square(114.0, 22.6, 0.005),
            quality: GeometryQuality::Provided,
            area_km2: Some(5.0),
            focus_zh: vec!["可穿戴设备".into()],
            ..Default::default()
        },
        Zone {
            id: "Z2".into(),
            geometry: ZoneGeometry::Point(LonLat::new(114.1, 22.6)),
            quality: GeometryQuality::ApproximatePoint,
            ..Default::default()
        },
    ];
    // Firms: 60 inside Z1 (10 hardware, 50 content), 5 hardware 50 km away.
    let mut firms = Firms {
        segments: vec!["hardware".into(), "content".into()],
        ..Default::default()
    };
    for k in 0..60 {
        let (dx, dy) = (
            (k % 10) as f64 * 0.0008 - 0.0036,
            (k / 10) as f64 * 0.0012 - 0.003,
        );
        firms.lonlat.push(LonLat::new(114.0 + dx, 22.6 + dy));
        firms.segment.push(if k < 10 { 0 } else { 1 });
    }
    for k in 0..5 {
        firms
            .lonlat
            .push(LonLat::new(114.5, 22.9 + 0.001 * k as f64));
        firms.segment.push(0);
    }
    let index = SpatialIndex::build(&firms, &zones);
    // Weights 40/30/20/10/0 → fractions 0.4, 0.3, 0.2, 0.1, 0.
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
    let adv = Advisor::new(&firms, &zones, &index, &[], &[], &fit, params).unwrap();
    let site = Site {
        firm: None,
        lonlat: LonLat::new(114.0, 22.6),
        segment: Some("hardware".into()),
    };
    let scores = adv.score(&site);
    assert_eq!(scores.len(), 2);
    let z1 = scores.iter().find(|s| s.zone_id == "Z1").unwrap();
    let z2 = scores.iter().find(|s| s.zone_id == "Z2").unwrap();

    // Z1 by hand (defaults: proximity scale 5 km, radius 3 km, halves 10 / 30 / 5 km²):
    //   proximity     d = 0 (inside)                        exp(0)              = 1
    //   industry fit  best weight among focus terms                             = 0.8
    //   agglomeration s = 10 hardware, a = 60 firms within 3 km, no cluster:
    //                 0.5·10/(10+10) + 0.3·60/(60+30) + 0.2·0 = 0.25 + 0.2      = 0.45
    //   room          5/(5+5)                                                   = 0.5
    //   confidence    boundary from the user's file                             = 1
    //   total = 0.4·1 + 0.3·0.8 + 0.2·0.45 + 0.1·0.5 + 0·1
    //         = 0.4 + 0.24 + 0.09 + 0.05 + 0                                    = 0.78
    let hand = [
        (Criterion::Proximity, 0.4, 1.0),
        (Criterion::IndustryFit, 0.3, 0.8),
        (Criterion::Agglomeration, 0.2, 0.45),
        (Criterion::Room, 0.1, 0.5),
        (Criterion::Confidence, 0.0, 1.0),
    ];
    for (c, w, n) in hand {
        let p = z1.part(c);
        assert!((p.weight - w).abs() < 1e-12, "{c:?} weight {}", p.weight);
        assert!(
            (p.normalised - n).abs() < 1e-12,
            "{c:?} value {}",
            p.normalised
        );
        assert!((p.contribution - w * n).abs() < 1e-12, "{c:?}");
    }
    assert_eq!((z1.same_segment_near, z1.all_near), (10, 60));
    assert!(z1.inside && z1.distance_m == 0.0);
    assert!((z1.total - 0.78).abs() < 1e-12, "Z1 total {}", z1.total);

    // Z2 by hand: d = geodesic distance 0.1° along 22.6° N ≈ 10.28 km (Karney below), so
    //   proximity exp(−d/5000) ≈ exp(−2.056) ≈ 0.128; no focus → fit 0; no firm within
    //   3 km → agglomeration 0; no stated area → room 0; approximate point → confidence 0.3.
    //   total = 0.4·exp(−d/5000) ≈ 0.0512
    let d = Geodesic.distance(Point::new(114.0, 22.6), Point::new(114.1, 22.6));
    assert!((d - 10_280.0).abs() < 10.0, "{d}");
    assert!((z2.distance_m - d).abs() < 0.5, "{} vs {d}", z2.distance_m);
    let prox = (-d / 5000.0).exp();
    assert!((z2.part(Criterion::Proximity).normalised - prox).abs() < 1e-4);
    assert_eq!(z2.part(Criterion::IndustryFit).normalised, 0.0);
    assert_eq!(z2.part(Criterion::Agglomeration).normalised, 0.0);
    assert_eq!(z2.part(Criterion::Room).normalised, 0.0);
    assert!((z2.part(Criterion::Confidence).normalised - 0.3).abs() < 1e-12);
    assert!(
        (z2.total - 0.4 * prox).abs() < 1e-4,
        "Z2 total {}",
        z2.total
    );
    assert!((z2.total - 0.0512).abs() < 5e-4);
    // Best first.
    assert_eq!(scores[0].zone_id, "Z1");
}
