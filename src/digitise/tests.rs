use super::*;
use crate::model::{GeometryQuality, Lang, LonLat};

fn square(s: &mut Sketch, x0: f64, y0: f64, w: f64) {
    for (x, y) in [(x0, y0), (x0 + w, y0), (x0 + w, y0 + w), (x0, y0 + w)] {
        assert!(s.add_vertex(Xy::new(x, y)));
    }
}

#[test]
fn a_square_with_a_hole_has_the_hand_worked_area() {
    let proj = Projection::centred_on(LonLat::new(114.06, 22.54));
    let mut s = Sketch::default();
    square(&mut s, 0.0, 0.0, 1_000.0);
    assert_eq!(s.validate(), Err(SketchError::NotClosed));
    assert!(s.close_ring());
    assert!(
        !s.add_vertex(Xy::new(5.0, 5.0)),
        "closed: a hole must be started first"
    );
    assert!(s.start_hole());
    square(&mut s, 200.0, 200.0, 300.0);
    assert_eq!(s.validate(), Err(SketchError::BadHole(1)));
    assert!(s.close_ring());
    s.validate().unwrap();
    // 1 km² less 0.09 km², on the central meridian (scale factor 1 ± 1e-9)
    assert!(
        (s.area_km2(&proj) - 0.91).abs() < 1e-6,
        "{}",
        s.area_km2(&proj)
    );
    let mp = s.to_lonlat(&proj).unwrap();
    let p = &mp.0[0];
    assert_eq!(p.interiors().len(), 1);
    assert_eq!(p.exterior().0.first(), p.exterior().0.last());
    assert!(
        signed_area(&p.exterior().0) > 0.0,
        "exterior counter-clockwise"
    );
    assert!(signed_area(&p.interiors()[0].0) < 0.0, "hole clockwise");
}

#[test]
fn undo_and_redo_walk_every_step() {
    let mut s = Sketch::default();
    square(&mut s, 0.0, 0.0, 100.0);
    s.close_ring();
    let closed = s.rings.clone();
    s.begin_move();
    s.move_vertex(0, 2, Xy::new(150.0, 150.0));
    s.move_vertex(0, 2, Xy::new(160.0, 160.0));
    assert!(s.delete_vertex(0, 1) || s.rings[0].vertices.len() == 3);
    assert!(s.undo()); // the delete
    assert!(s.undo()); // the whole drag
    assert_eq!(s.rings, closed);
    assert!(s.redo());
    assert_eq!(s.rings[0].vertices[2], Xy::new(160.0, 160.0));
    // five adds and the close undo back to nothing
    while s.undo() {}
    assert!(s.rings.is_empty());
    assert!(s.can_redo());
}

#[test]
fn invalid_shapes_are_named() {
    let mut bow = Sketch::default();
    for (x, y) in [(0.0, 0.0), (100.0, 100.0), (100.0, 0.0), (0.0, 100.0)] {
        bow.add_vertex(Xy::new(x, y));
    }
    bow.close_ring();
    assert_eq!(bow.validate(), Err(SketchError::SelfIntersecting));
    let mut out = Sketch::default();
    square(&mut out, 0.0, 0.0, 100.0);
    out.close_ring();
    out.start_hole();
    square(&mut out, 500.0, 500.0, 10.0);
    out.close_ring();
    assert_eq!(out.validate(), Err(SketchError::HoleOutside(1)));
    let mut cross = Sketch::default();
    square(&mut cross, 0.0, 0.0, 100.0);
    cross.close_ring();
    cross.start_hole();
    square(&mut cross, 50.0, 50.0, 100.0);
    cross.close_ring();
    assert_eq!(cross.validate(), Err(SketchError::HoleCrosses(1)));
    assert_eq!(
        Sketch::default().validate(),
        Err(SketchError::TooFewVertices)
    );
}

#[test]
fn snapping_prefers_vertices_then_edges_within_the_tolerance() {
    let rings = vec![vec![
        Xy::new(0.0, 0.0),
        Xy::new(100.0, 0.0),
        Xy::new(100.0, 100.0),
        Xy::new(0.0, 0.0),
    ]];
    assert_eq!(
        snap(Xy::new(103.0, 4.0), &rings, 10.0),
        Some(Xy::new(100.0, 0.0))
    );
    assert_eq!(
        snap(Xy::new(50.0, 3.0), &rings, 10.0),
        Some(Xy::new(50.0, 0.0))
    );
    assert_eq!(snap(Xy::new(50.0, 30.0), &rings, 10.0), None);
}

#[test]
fn vertices_and_edges_are_found_under_the_pointer() {
    let mut s = Sketch::default();
    square(&mut s, 0.0, 0.0, 100.0);
    s.close_ring();
    assert_eq!(s.vertex_near(Xy::new(98.0, 101.0), 5.0), Some((0, 2)));
    assert_eq!(s.vertex_near(Xy::new(50.0, 50.0), 5.0), None);
    let (r, i, q) = s.edge_near(Xy::new(50.0, 102.0), 5.0).unwrap();
    assert_eq!((r, i), (0, 2));
    assert_eq!(q, Xy::new(50.0, 100.0));
    assert!(s.insert_vertex(r, i, q));
    assert_eq!(s.rings[0].vertices[3], Xy::new(50.0, 100.0));
    // a closed ring keeps three vertices
    let mut t = Sketch::default();
    square(&mut t, 0.0, 0.0, 10.0);
    t.close_ring();
    assert!(t.delete_vertex(0, 0));
    assert!(!t.delete_vertex(0, 0));
}

#[test]
fn the_form_requires_its_source_and_makes_a_digitised_zone() {
    let mut f = ZoneForm {
        name_zh: "九龙山未来产业集聚区".into(),
        ..Default::default()
    };
    let missing = f.missing(Lang::En);
    assert_eq!(missing.len(), 3, "{missing:?}");
    f.source = DigitisedSource {
        document: "规划图".into(),
        page: "12".into(),
        date: "2018-13-01".into(),
    };
    assert_eq!(f.missing(Lang::En).len(), 1, "month 13 is not a date");
    f.source.date = "2018-06".into();
    f.planned_km2 = "abc".into();
    assert_eq!(f.missing(Lang::En).len(), 1);
    f.planned_km2 = "5.6".into();
    f.focus = "虚拟现实、人工智能, 机器人".into();
    assert!(f.missing(Lang::Zh).is_empty());
    let mp = geo::MultiPolygon(vec![]);
    let z = f.to_zone(None, "D01", mp);
    assert_eq!(z.quality, GeometryQuality::Digitised);
    assert_eq!(z.focus_zh, ["虚拟现实", "人工智能", "机器人"]);
    assert_eq!(z.area_km2, Some(5.6));
    assert!(
        z.sources
            .last()
            .unwrap()
            .contains("规划图, p. 12 (2018-06)")
    );
    assert_eq!(DigitisedSource::of_zone(&z), Some(f.source.clone()));
    assert_eq!(ZoneForm::of_zone(&z).source, f.source);
}
