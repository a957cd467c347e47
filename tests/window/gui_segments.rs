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

#[test]
fn many_segments_are_found_by_typing_and_filter_the_firms_table() {
    // 40 segment values: firm k has segment k % 40, so "C7 …" has 2 firms (k = 7, 47) and
    // the names holding "C1" are C1 and C10–C19 (11 names).
    let dir = common::temp_dir("gui-segments");
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
