//! The window's scenes remember the firms' colour classes between builds (`ClassMemo`): a
//! scene built with the memo must equal one built without it, whatever changed in between,
//! and the memo must really be reused while nothing that sets the classes changed.

use std::sync::Arc;

use cluster_atlas::data::bundled;
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
        let with = build(settings, Some(data.generation));
        let without = build(settings, None);
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
