//! The firms table's segment filter with a register's many 行业 values: the list opens with
//! its search box focused, typing narrows it to the matching names (with their firm counts),
//! and picking one filters the table to that segment's firms.
#![cfg(feature = "gui")]

use crate::common;

use cluster_atlas::app::{BottomTab, ClusterAtlasApp, Command, Settings};
use cluster_atlas::scene::Lang;
use common::wait_idle;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

type H = Harness<'static, ClusterAtlasApp>;

/// The labels of the window's labelled nodes that contain `part` (the legend's entries,
/// which name the commonest values too, carry no label of their own).
fn labels_with(h: &H, part: &str) -> Vec<String> {
    h.query_all_by_label_contains(part)
        .filter_map(|n| n.accesskit_node().label())
        .filter(|l| !l.is_empty())
        .collect()
}

/// A window in English with 80 firms over 40 segment values loaded: firm k has "C{k % 40}
/// 类别", two firms each.
fn forty_segments(dir: &str) -> H {
    let dir = common::temp_dir(dir);
    let f = dir.join("firms.csv");
    let mut csv = String::from("id,name,lng,lat,segment\n");
    for k in 0..80 {
        let (lon, lat) = (114.0 + 0.001 * k as f64, 22.55 + 0.0007 * k as f64);
        csv.push_str(&format!(
            "F{k},企业{k},{lon:.4},{lat:.4},C{} 类别\n",
            k % 40
        ));
    }
    std::fs::write(&f, csv).unwrap();
    let mut settings = Settings::default();
    settings.scene.lang = Lang::En;
    let app = ClusterAtlasApp::new(Some(settings), Vec::new());
    let mut h = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut ClusterAtlasApp| app.show(ui), app);
    wait_idle(&mut h);
    h.state_mut()
        .push(Command::LoadFirms(f, Default::default()));
    h.run_steps(2);
    wait_idle(&mut h);
    h
}

#[test]
fn many_segments_are_found_by_typing_and_filter_the_firms_table() {
    // 40 segment values: firm k has segment k % 40, so "C7 …" has 2 firms (k = 7, 47) and
    // the names holding "C1" are C1 and C10–C19 (11 names).
    let mut h = forty_segments("gui-segments");
    h.state_mut().bottom_tab = BottomTab::Firms;
    h.run_steps(3);
    assert!(h.query_by_label_contains("80 / 80 firms").is_some());

    // The drop-down's value is its choice.
    h.query_all_by_role(Role::ComboBox)
        .find(|n| n.accesskit_node().value().as_deref() == Some("All segments"))
        .expect("the segment filter")
        .click();
    h.run_steps(3);
    // The list is open, most firms first, and its search box has the keys.
    let focused: Vec<_> = h
        .query_all_by_role(Role::TextInput)
        .filter(|n| n.accesskit_node().is_focused())
        .collect();
    assert_eq!(focused.len(), 1, "one focused search box");
    focused[0].type_text("c1");
    h.run_steps(3);
    let shown = labels_with(&h, " 类别 (");
    assert_eq!(shown.len(), 11, "{shown:?}");
    assert!(
        shown
            .iter()
            .all(|l| l.starts_with("C1") && l.ends_with("(2)")),
        "{shown:?}"
    );

    h.get_by_label("C17 类别 (2)").click();
    h.run_steps(4);
    assert!(
        h.query_by_label_contains("2 / 80 firms").is_some(),
        "{:?}",
        labels_with(&h, "firms")
    );
    // The list closed on the choice, and the table holds that segment's two firms.
    assert!(labels_with(&h, " 类别 (").is_empty());
    assert!(h.query_by_label("企业17").is_some() && h.query_by_label("企业57").is_some());
    assert!(h.query_by_label("企业18").is_none());
}

/// The tick box called `label` in the open colour picker.
fn tick(h: &H, label: &str) {
    h.query_all_by_label(label)
        .find(|n| n.accesskit_node().role() == Role::CheckBox)
        .unwrap_or_else(|| panic!("no tick box {label}"))
        .click();
}

/// The firm layer's colour per firm, the class drawn beneath, and the legend's firm entries.
fn firm_layer(h: &H) -> (Vec<u8>, Option<u8>, Vec<String>) {
    use cluster_atlas::scene::{Item, LayerKind};
    let scene = h.state().current_scene().expect("a scene");
    let Some(Item::Points(pts)) = scene.layer(LayerKind::Firms).and_then(|l| l.items.first())
    else {
        panic!("no firm layer")
    };
    let colour = (0..pts.xy.len()).map(|i| pts.colour_at(i)).collect();
    let legend = scene
        .legend
        .iter()
        .find(|s| s.title.to_lowercase().starts_with("firms"))
        .map(|s| s.entries.iter().map(|e| e.label.clone()).collect())
        .unwrap_or_default();
    (colour, pts.under, legend)
}

/// Each firm's class when the names `picked` take the colours in order, the rest the grey.
fn class_of(h: &H, picked: &[&str]) -> Vec<u8> {
    let firms = &h.state().data.firms;
    (firms.segment.iter())
        .map(|s| {
            let name = &firms.segments[*s as usize];
            picked.iter().position(|p| p == name).unwrap_or(5) as u8
        })
        .collect()
}

/// The legend's colour picker over 40 segment values the fit table does not know: the names
/// ticked take the colours in the order ticked (the map's classes and legend follow, the
/// rest grey and drawn beneath), a sixth cannot be ticked, unticking frees a colour, and
/// "Automatic" brings back the data's commonest names. Oracle: each firm's class from its
/// name's place in the ticked list.
#[test]
fn segment_colours_are_picked_in_the_legend() {
    let mut h = forty_segments("gui-segment-colours");
    let automatic = [
        "C0 类别 (2)",
        "C1 类别 (2)",
        "C2 类别 (2)",
        "C3 类别 (2)",
        "C4 类别 (2)",
    ];
    let (_, under, legend) = firm_layer(&h);
    assert_eq!(
        legend[..5],
        automatic,
        "the commonest names, ties by first seen"
    );
    assert_eq!(under, Some(5));

    h.query_all_by_role(Role::ComboBox)
        .find(|n| n.accesskit_node().value().as_deref() == Some("automatic"))
        .expect("the colour picker")
        .click();
    h.run_steps(3);
    let focused = h.query_all_by_role(Role::TextInput);
    let focused = focused.filter(|n| n.accesskit_node().is_focused()).count();
    assert_eq!(focused, 1, "the search box has the keys");
    let picked = ["C10 类别", "C0 类别", "C12 类别", "C13 类别", "C14 类别"];
    for name in picked.iter().chain(["C15 类别"].iter()) {
        tick(&h, &format!("{name} (2)"));
        h.run_steps(2);
    }
    wait_idle(&mut h);
    assert_eq!(
        h.state().settings.scene.segment_colours,
        picked,
        "five at most"
    );
    let (colour, under, legend) = firm_layer(&h);
    assert_eq!(colour, class_of(&h, &picked));
    assert_eq!(under, Some(5), "the rest is drawn beneath");
    let mut want: Vec<String> = picked.iter().map(|p| format!("{p} (2)")).collect();
    want.push("Other / unknown (70)".into());
    assert_eq!(legend, want);

    // Unticking frees a colour: the names after it move up.
    tick(&h, "C0 类别 (2)");
    h.run_steps(2);
    wait_idle(&mut h);
    let four = ["C10 类别", "C12 类别", "C13 类别", "C14 类别"];
    assert_eq!(h.state().settings.scene.segment_colours, four);
    assert_eq!(firm_layer(&h).0, class_of(&h, &four));

    h.get_by_label("Automatic: the 5 values with most firms")
        .click();
    h.run_steps(2);
    wait_idle(&mut h);
    assert!(h.state().settings.scene.segment_colours.is_empty());
    assert_eq!(firm_layer(&h).2[..5], automatic);
}
