//! *Draw zone…* driven with the pointer and keys: a polygon with a hole is drawn on the map for
//! the empty slot Z08, a vertex dragged, undone and redone, a vertex deleted and restored, the
//! form refused until its source is given, then saved. The zone is digitised with its source on
//! screen, in exports, in *Save zones as…* (which loads back identical) and in the project.
#![cfg(feature = "gui")]

use crate::common;

use cluster_atlas::app::{ClusterAtlasApp, Command, ExportDialog, ExtentChoice, Settings};
use cluster_atlas::data::{ZoneLoadOptions, load_zones};
use cluster_atlas::export::Preset;
use cluster_atlas::model::{GeometryQuality, ZoneGeometry};
use cluster_atlas::scene::{Lang, Px};
use common::{temp_dir, wait_idle};
use egui::accesskit::Role;
use egui::{Modifiers, PointerButton, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

type H = Harness<'static, ClusterAtlasApp>;

/// Where the zone with this id is in the window's data.
fn zone_index(h: &H, id: &str) -> usize {
    h.state()
        .data
        .zones
        .iter()
        .position(|z| z.id == id)
        .unwrap()
}

/// The zone with this id in the window's data.
fn zone(h: &H, id: &str) -> cluster_atlas::model::Zone {
    h.state().data.zones[zone_index(h, id)].clone()
}

fn press(h: &mut H, p: Pos2, button: PointerButton, pressed: bool) {
    h.event(egui::Event::PointerButton {
        pos: p,
        button,
        pressed,
        modifiers: Modifiers::NONE,
    });
    h.step();
}

fn click_with(h: &mut H, p: Pos2, button: PointerButton) {
    h.hover_at(p);
    h.step();
    press(h, p, button, true);
    press(h, p, button, false);
    // keep clicks apart so none reads as a double click
    for _ in 0..25 {
        h.step();
    }
}

fn click(h: &mut H, p: Pos2) {
    click_with(h, p, PointerButton::Primary);
}

fn drag(h: &mut H, from: Pos2, to: Pos2) {
    h.hover_at(from);
    h.step();
    press(h, from, PointerButton::Primary, true);
    for k in 1..=6 {
        let t = k as f32 / 6.0;
        h.hover_at(from + (to - from) * t);
        h.step();
    }
    press(h, to, PointerButton::Primary, false);
    h.run_steps(5);
}

fn type_into(h: &mut H, label: &str, text: &str) {
    h.get_by_role_and_label(Role::TextInput, label).focus();
    h.step();
    h.get_by_role_and_label(Role::TextInput, label)
        .type_text(text);
    h.step();
}

/// Screen position of a plane point in the map.
fn screen(h: &H, xy: cluster_atlas::model::Xy) -> Pos2 {
    let map = h.state().layout().panel("map").expect("map drawn");
    let s = h.state().viewport().to_screen(xy);
    Pos2::new(map.min.x + s.x, map.min.y + s.y)
}

const OUTER: [(f32, f32); 4] = [
    (850.0, 130.0),
    (1250.0, 130.0),
    (1250.0, 380.0),
    (850.0, 380.0),
];
const HOLE: [(f32, f32); 4] = [
    (880.0, 200.0),
    (980.0, 200.0),
    (980.0, 300.0),
    (880.0, 300.0),
];

/// Draws, edits and saves Z08; returns the window with the zone saved.
fn draw_z08() -> H {
    let mut s = Settings::default();
    s.scene.lang = Lang::En;
    s.left_panel = false;
    s.right_panel = false;
    let mut h = common::window(ClusterAtlasApp::new(Some(s), Vec::new()));
    let z08 = zone_index(&h, "Z08");
    assert!(
        h.state().data.zones[z08].geometry.is_none(),
        "Z08 is an empty slot"
    );
    // An empty stretch of sea east of Dapeng, so no other label or zone is near.
    let proj = h.state().data.index.projection;
    let mut vp = h.state().viewport();
    vp.centre = proj.project(cluster_atlas::model::LonLat::new(114.75, 22.45));
    vp.m_per_px = 25.0;
    h.state_mut().settings.view = Some(vp);
    h.state_mut().push(Command::StartDigitiser(Some(z08)));
    h.run_steps(3);
    for (x, y) in OUTER {
        click(&mut h, Pos2::new(x, y));
    }
    click(&mut h, Pos2::new(OUTER[0].0, OUTER[0].1)); // the first vertex closes the ring
    h.get_by_label("Add hole").click();
    h.run_steps(2);
    for (x, y) in HOLE {
        click(&mut h, Pos2::new(x, y));
    }
    h.key_press(egui::Key::Enter); // closes the hole
    h.run_steps(2);
    let sk = h.state().sketch().unwrap().clone();
    assert_eq!(sk.rings.len(), 2);
    assert!(
        sk.rings.iter().all(|r| r.closed && r.vertices.len() == 4),
        "{sk:?}"
    );
    let drawn = sk.clone();

    // Drag a corner, undo, redo.
    let corner = screen(&h, sk.rings[0].vertices[2]);
    drag(&mut h, corner, corner + egui::vec2(30.0, -10.0));
    let moved = h.state().sketch().unwrap().rings[0].vertices[2];
    assert_ne!(moved, drawn.rings[0].vertices[2], "the vertex did not move");
    assert_eq!(
        h.state().sketch().unwrap().rings[0].vertices.len(),
        4,
        "a drag is not a click"
    );
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    assert_eq!(
        h.state().sketch().unwrap().rings,
        drawn.rings,
        "undo brings the corner back"
    );
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::Y);
    h.run_steps(2);
    assert_eq!(h.state().sketch().unwrap().rings[0].vertices[2], moved);
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    // Right-click deletes a vertex; undo restores it.
    let v = screen(&h, drawn.rings[0].vertices[1]);
    click_with(&mut h, v, PointerButton::Secondary);
    assert_eq!(h.state().sketch().unwrap().rings[0].vertices.len(), 3);
    h.get_by_label("Undo").click();
    h.run_steps(2);
    assert_eq!(h.state().sketch().unwrap().rings, drawn.rings);

    // The area shown is the hand-worked one: (400×250 − 100×100) px² at the view's scale.
    let vp = h.state().viewport();
    let proj = h.state().data.index.projection;
    let map = h.state().layout().panel("map").unwrap();
    let centre = vp.to_plane(Px::new(1050.0 - map.min.x, 255.0 - map.min.y));
    let k = proj.scale_factor(centre);
    let want = 90_000.0 * vp.m_per_px * vp.m_per_px / (k * k) / 1e6;
    let got = h.state().sketch().unwrap().area_km2(&proj);
    assert!((got - want).abs() / want < 0.01, "area {got} vs {want}");
    assert!(
        h.query_by_label_contains(&format!("Drawn area {got:.3} km²"))
            .is_some()
    );

    // Saving needs the source.
    assert!(h.query_by_label_contains("Before saving, give").is_some());
    type_into(&mut h, "Name (English)", "Plan zone");
    type_into(&mut h, "Source document (required)", "Plan map of the zone");
    type_into(&mut h, "Page (required)", "7");
    assert!(
        h.query_by_label_contains("Before saving, give").is_some(),
        "the date is missing"
    );
    type_into(
        &mut h,
        "Source date (required, e.g. 2018-06-01)",
        "2019-03-15",
    );
    type_into(&mut h, "Planned area (km², as the source states)", "2.5");
    assert!(h.query_by_label_contains("Before saving, give").is_none());
    h.get_by_label("Save zone").click();
    wait_idle(&mut h);
    h.run_steps(3);
    assert!(
        h.state().sketch().is_none(),
        "the digitiser closes on saving"
    );
    h
}

#[test]
fn a_zone_with_a_hole_is_drawn_edited_undone_and_saved_with_its_source() {
    let mut h = draw_z08();
    let z = zone(&h, "Z08");
    assert_eq!(z.quality, GeometryQuality::Digitised);
    let ZoneGeometry::Area(mp) = &z.geometry else {
        panic!("no area: {:?}", z.geometry)
    };
    assert_eq!((mp.0.len(), mp.0[0].interiors().len()), (1, 1));
    assert!(
        z.sources
            .iter()
            .any(|s| s.contains("Plan map of the zone, p. 7 (2019-03-15)"))
    );
    assert_eq!(z.area_km2, Some(2.5));

    // Save zones as…: the file loads back to the same zones, and writes the same bytes again.
    let dir = temp_dir("digitiser-save");
    let file = dir.join("zones.geojson");
    h.state_mut().push(Command::SaveZones(file.clone()));
    h.run_steps(2);
    let back = load_zones(&file, &ZoneLoadOptions::default()).unwrap();
    let z2 = back.zones.iter().find(|z| z.id == "Z08").unwrap();
    assert_eq!(z2.quality, GeometryQuality::Digitised);
    assert_eq!(z2.geometry, z.geometry);
    assert_eq!(
        z2.properties.get("digitised_from"),
        z.properties.get("digitised_from")
    );
    let mut again = Vec::new();
    cluster_atlas::output::write_zones_geojson(
        &mut again,
        &back.zones,
        "zones saved by cluster-atlas",
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(again).unwrap(),
        std::fs::read_to_string(&file).unwrap()
    );

    // On screen: the table and the inspector say digitised; exports label it with its source.
    let zi = zone_index(&h, "Z08");
    h.state_mut().settings.right_panel = true;
    h.state_mut()
        .push(Command::Select(cluster_atlas::app::map_view::Pick::Zone(
            zi,
        )));
    h.run_steps(4);
    assert!(
        h.query_by_label_contains("digitised boundary (traced from a plan map")
            .is_some()
    );
    assert!(h.query_by_label("Edit the digitised boundary…").is_some());
    let app = h.state();
    let mut d = ExportDialog::new(Lang::En);
    d.preset = Preset::Slide;
    d.extent = ExtentChoice::Zone(zi);
    let svg = dir.join("z08.svg");
    d.path = svg.display().to_string();
    let opts = app.final_options(&d, "2026-11-30".into());
    app.export_to(&svg, &opts).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("Z08 boundary digitised from Plan map of the zone, p. 7 (2019-03-15)"));
    assert!(text.contains("(digitised)"), "the map label says digitised");
    assert!(
        text.contains("Digitised boundary"),
        "the legend says digitised"
    );
    if let Ok(shot) = h.render() {
        let _ = shot.save(dir.join("digitised_window.png"));
    }
}

#[test]
fn a_project_carries_the_digitised_zone_to_a_fresh_window() {
    let mut h = draw_z08();
    let dir = temp_dir("digitiser-project");
    let project = dir.join("p.atlas.json");
    h.state_mut().push(Command::SaveProject(project.clone()));
    h.run_steps(2);
    let text = std::fs::read_to_string(&project).unwrap();
    assert!(text.contains("\"digitised\"") && text.contains("Plan map of the zone"));
    let before = zone(&h, "Z08");

    let mut s = Settings::default();
    s.scene.lang = Lang::En;
    let mut fresh = common::window(ClusterAtlasApp::new(
        Some(s),
        vec![Command::OpenProject(project)],
    ));
    wait_idle(&mut fresh);
    fresh.run_steps(5);
    wait_idle(&mut fresh);
    let after = fresh
        .state()
        .data
        .zones
        .iter()
        .find(|z| z.id == "Z08")
        .unwrap();
    assert_eq!(after.quality, GeometryQuality::Digitised);
    assert_eq!(after.geometry, before.geometry);
    assert_eq!(after.sources, before.sources);
}

#[test]
fn a_restart_brings_the_drawn_zone_back_and_undo_removes_it() {
    let mut h = draw_z08();
    // The view stayed where the user drew.
    let vp = h.state().viewport();
    assert_eq!(vp.m_per_px, 25.0, "saving a zone must not refit the map");
    let stored = cluster_atlas::app::settings_file::to_stored(&h.state().settings);
    let (settings, notes) = cluster_atlas::app::settings_file::from_stored(&stored);
    assert!(notes.is_empty(), "{notes:?}");
    let mut fresh = common::window(ClusterAtlasApp::new(Some(settings), Vec::new()));
    wait_idle(&mut fresh);
    let z = fresh
        .state()
        .data
        .zones
        .iter()
        .find(|z| z.id == "Z08")
        .unwrap();
    assert_eq!(
        z.quality,
        GeometryQuality::Digitised,
        "the drawn zone was lost on restart"
    );

    // Undo in the first window takes the edit back (and the next start forgets it).
    h.state_mut().push(Command::UndoLoad);
    wait_idle(&mut h);
    let z = h.state().data.zones.iter().find(|z| z.id == "Z08").unwrap();
    assert!(z.geometry.is_none());
    assert!(h.state().settings.digitised.is_empty());
}
