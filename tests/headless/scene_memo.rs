//! The window's scenes remember the firms' colour classes between builds (`ClassMemo`): a
//! scene built with the memo must equal one built without it, whatever changed in between,
//! and the memo must really be reused while nothing that sets the classes changed. Zone
//! fills, triangulated once per dataset, likewise draw what triangulating for each scene does.

use std::sync::Arc;

use cluster_atlas::data::bundled;
use cluster_atlas::model::Xy;
use cluster_atlas::pipeline::{self, Dataset};
use cluster_atlas::scene::{self, ClassMemo, Item, LayerKind, Scene, SceneSettings, Selection};

/// The firm layer's colours, the colours it draws (the year view applied) and its palette.
fn firm_colours(s: &Scene) -> (Arc<Vec<u8>>, Vec<u8>, Vec<scene::Rgba>) {
    let layer = s.layer(LayerKind::Firms).expect("a firm layer");
    match layer.items.first() {
        Some(Item::Points(p)) => {
            let drawn = (0..p.xy.len()).map(|i| p.colour_at(i)).collect();
            (p.colour.clone(), drawn, p.palette.clone())
        }
        _ => panic!("the firm layer holds points"),
    }
}

/// Builds with the memo until the scene is no longer pending (the window builds again a
/// frame later): a pending scene draws the same firms as the settled one, and its firm
/// legend lists the classes with "…" in place of the counts the background makes.
fn settled(build: impl Fn() -> Scene) -> Scene {
    let start = std::time::Instant::now();
    loop {
        let s = build();
        if !s.pending {
            return s;
        }
        let firm_entries = s.legend.iter().filter(|l| l.title.contains("alive in"));
        for e in firm_entries.flat_map(|l| &l.entries) {
            let dots = matches!(e.swatch, scene::Swatch::Dot(_)) && !e.label.contains("Founded");
            assert!(!dots || e.label.ends_with("(…)"), "{}", e.label);
        }
        assert!(start.elapsed().as_secs() < 30, "the counts never arrived");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[test]
fn scenes_built_with_the_class_memo_equal_those_built_without() {
    let data = Dataset::bundled().unwrap();
    let fit = bundled::fit_table().unwrap();
    let memo = ClassMemo::default();
    let (first, last) = data.year_range.expect("the sample has founding years");
    let build = |settings: &SceneSettings, generation: Option<u64>| {
        let mut input = pipeline::scene_input(&data, None, None, &fit, Selection::default());
        input.classes = generation.map(|g| (&memo, g));
        scene::build(&input, settings)
    };
    let mut cases = vec![SceneSettings::default()];
    for year in [first, (first + last) / 2, last] {
        cases.push(SceneSettings {
            year: Some(year),
            ..Default::default()
        });
    }
    cases.push(SceneSettings {
        firm_single_colour: Some([10, 20, 30]),
        ..Default::default()
    });
    cases.push(SceneSettings::default());
    for (k, settings) in cases.iter().enumerate() {
        let with = settled(|| build(settings, Some(data.generation)));
        let without = build(settings, None);
        assert!(!without.pending, "a scene built once is never pending");
        assert_eq!(firm_colours(&with), firm_colours(&without), "case {k}");
        assert_eq!(with.legend, without.legend, "case {k}");
    }
    // Without the year filter the colours are the memo's own: the same vector each time.
    let plain = SceneSettings::default();
    let a = firm_colours(&build(&plain, Some(data.generation))).0;
    let b = firm_colours(&build(&plain, Some(data.generation))).0;
    assert!(Arc::ptr_eq(&a, &b), "the memo was not reused");
    // Another data generation computes them again.
    let c = firm_colours(&build(&plain, Some(data.generation + 1))).0;
    assert!(!Arc::ptr_eq(&a, &c));
    assert_eq!(a, c);
    // The year filter hides some firms and keeps others in the sample.
    let mid = SceneSettings {
        year: Some((first + last) / 2),
        ..Default::default()
    };
    let filtered = firm_colours(&build(&mid, Some(data.generation))).1;
    assert!(filtered.contains(&255) && filtered.iter().any(|c| *c != 255));
}

/// Under the time slider every count in the firms' legend is the number of dots drawn in its
/// colour (oracle: the layer's own colours, point by point), and the title's count is all
/// the dots drawn; the memo's year tables answer every year and span alike.
#[test]
fn the_legend_counts_the_dots_drawn_in_each_colour_in_the_year_shown() {
    let data = Dataset::bundled().unwrap();
    let fit = bundled::fit_table().unwrap();
    let memo = ClassMemo::default();
    let (first, last) = data.year_range.expect("the sample has founding years");
    let number = |label: &str| -> usize {
        let open = label.rfind('(').expect("a count in brackets");
        label[open + 1..label.len() - 1].parse().expect("a number")
    };
    let mut checked = 0;
    for year in [first, (first + last) / 2, last - 1, last] {
        for new_years in [1, 4] {
            let settings = SceneSettings {
                year: Some(year),
                new_years,
                lang: scene::Lang::En,
                ..Default::default()
            };
            let mut input = pipeline::scene_input(&data, None, None, &fit, Selection::default());
            input.classes = Some((&memo, data.generation));
            let s = settled(|| scene::build(&input, &settings));
            let (_, drawn, palette) = firm_colours(&s);
            let section = s
                .legend
                .iter()
                .find(|l| l.title.contains(&format!("alive in {year}")))
                .expect("the firms' legend");
            let mut listed = 0;
            for entry in &section.entries {
                let scene::Swatch::Dot(c) = entry.swatch else {
                    panic!("firm entries are dots")
                };
                let k = palette.iter().position(|p| *p == c).unwrap();
                assert_eq!(palette.iter().filter(|p| **p == c).count(), 1);
                let dots = drawn.iter().filter(|d| usize::from(**d) == k).count();
                assert_eq!(number(&entry.label), dots, "{} in {year}", entry.label);
                listed += dots;
                checked += usize::from(dots > 0);
            }
            let shown = drawn.iter().filter(|d| **d != 255).count();
            assert_eq!(
                listed, shown,
                "the entries add up to the dots drawn in {year}"
            );
            assert!(
                section
                    .title
                    .contains(&format!("; {shown} alive in {year}"))
            );
        }
    }
    assert!(checked > 20, "most entries hold dots ({checked})");
}

/// The zone layer's polygons: rings, fill vertices and triangles.
type Polygons = Vec<(Vec<Vec<Xy>>, Vec<Xy>, Vec<u32>)>;

fn zone_polygons(s: &Scene) -> Polygons {
    let layer = s.layer(LayerKind::Zones).expect("a zone layer");
    layer
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Polygon(p) => Some((p.rings.clone(), p.vertices.clone(), p.triangles.clone())),
            _ => None,
        })
        .collect()
}

/// Zone fills triangulated once per dataset draw exactly the polygons a scene triangulating
/// its own draws (the bundled zones, and the detailed district outlines as zones), and a
/// year's dataset (the same zones) reuses them.
#[test]
fn scenes_with_the_zone_fills_equal_those_triangulating_their_own() {
    let bundled_data = Dataset::bundled().unwrap();
    let districts = cluster_atlas::data::load_zones_str(
        bundled::DISTRICTS_LAND_GEOJSON,
        "districts",
        &Default::default(),
    )
    .unwrap();
    let district_data = bundled_data.with_zones(districts);
    let fit = bundled::fit_table().unwrap();
    let settings = SceneSettings::default();
    for (data, areas_at_least) in [(&bundled_data, 3), (&district_data, 10)] {
        let with = pipeline::scene_input(data, None, None, &fit, Selection::default());
        let mut without = pipeline::scene_input(data, None, None, &fit, Selection::default());
        without.zone_fills = None;
        let (a, b) = (
            zone_polygons(&scene::build(&with, &settings)),
            zone_polygons(&scene::build(&without, &settings)),
        );
        assert_eq!(a, b);
        let areas = data
            .index
            .zone_shapes
            .iter()
            .filter(|s| s.is_area())
            .count();
        assert!(
            a.len() >= areas && areas >= areas_at_least,
            "{} polygons",
            a.len()
        );
        assert!(a.iter().all(|(_, v, t)| v.len() >= 3 && t.len() >= 3));
        let (first, _) = data.year_range.expect("the sample has founding years");
        let year = data.alive_in(first + 5).expect("a year's firms");
        assert!(Arc::ptr_eq(data.zone_fills(), year.zone_fills()));
    }
}
