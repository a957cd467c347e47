//! Briefing export: page sizes, a true scale bar, a legend of exactly the visible layers,
//! SVG text, a golden SVG, and every preset drawn without missing glyphs.

mod common;

use cluster_atlas::analysis::{self, AnalysisParams};
use cluster_atlas::crs::Projection;
use cluster_atlas::data::{
    FirmLoadOptions, ZoneLoadOptions, bundled, load_firms_csv_bytes, load_zones_str,
};
use cluster_atlas::export::{self, ExportData, ExportOptions, Extent, Preset, Stamp};
use cluster_atlas::index::SpatialIndex;
use cluster_atlas::model::{Firms, Zone};
use cluster_atlas::scene::{
    self, Basemap, Lang, LayerKind, Scene, SceneInput, SceneSettings, Selection,
};

struct Fixture {
    zones: Vec<Zone>,
    firms: Firms,
    index: SpatialIndex,
    basemap: Basemap,
    analysis: analysis::Analysis,
}

fn bundled_fixture() -> Fixture {
    let zones = bundled::zones().unwrap().zones;
    let firms = bundled::sample_firms().unwrap().firms;
    fixture(zones, firms)
}

fn fixture(zones: Vec<Zone>, firms: Firms) -> Fixture {
    let proj = Projection::default();
    let index = SpatialIndex::build_with(proj, &firms, &zones);
    let basemap = Basemap::bundled(&proj);
    let analysis = analysis::analyse(
        &firms,
        &zones,
        &index,
        &AnalysisParams::default(),
        &|_, _| {},
    )
    .unwrap();
    Fixture {
        zones,
        firms,
        index,
        basemap,
        analysis,
    }
}

fn scene_of(f: &Fixture, s: &SceneSettings, synthetic: bool) -> Scene {
    let fit = bundled::fit_table().unwrap();
    scene::build(
        &SceneInput {
            projection: &f.index.projection,
            basemap: &f.basemap,
            zones: &f.zones,
            zone_shapes: &f.index.zone_shapes,
            firms: &f.firms,
            firm_xy: &f.index.firm_xy,
            fit: &fit,
            labels: Some(&f.analysis.labels),
            clusters: &f.analysis.clusters,
            density: None,
            selection: Selection::default(),
            synthetic,
        },
        s,
    )
}

/// An SVG page as text.
fn render_svg(
    data: &ExportData,
    opts: &ExportOptions,
    stamp: &Stamp,
) -> Result<String, export::ExportError> {
    export::render(export::Format::Svg, data, opts, stamp)
        .map(|b| String::from_utf8(b).expect("SVG is UTF-8"))
}

fn stamp() -> Stamp {
    Stamp {
        sources: vec!["test sources".into()],
        parameters: "eps 500 m".into(),
        input_hash: "0123456789ab".into(),
    }
}

fn png_size_and_dpi(png: &[u8]) -> (u32, u32, Option<u32>) {
    let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
    let dpi = png.windows(4).position(|w| w == b"pHYs").map(|i| {
        let ppm = u32::from_be_bytes(png[i + 4..i + 8].try_into().unwrap());
        (ppm as f64 * 0.0254).round() as u32
    });
    (w, h, dpi)
}

#[test]
fn scale_bar_length_matches_the_ground_within_one_percent() {
    let f = bundled_fixture();
    let sc = scene_of(&f, &SceneSettings::default(), true);
    let data = ExportData {
        scene: &sc,
        zones: &f.zones,
        index: &f.index,
    };
    for (preset, dpi, extent) in [
        (Preset::Slide, 96, Extent::All),
        (Preset::A4, 300, Extent::Zone("Z03".into())),
        (Preset::A4Portrait, 150, Extent::All),
        (
            Preset::A3,
            300,
            Extent::parse("bbox:114.3,22.55,114.6,22.75").unwrap(),
        ),
    ] {
        let opts = ExportOptions {
            preset,
            dpi,
            extent,
            ..Default::default()
        };
        let layout = export::page_layout(&sc, &opts).unwrap();
        let vp = export::map_viewport(&data, &opts.extent, &layout).unwrap();
        let (a, b, bar) = export::scale_bar_geometry(&layout, &vp, &f.index.projection);
        // Page pixels → plane → ground metres, independently of the scale-bar code.
        let to_plane = |p: [f32; 2]| vp.to_plane([p[0] - layout.map[0], p[1] - layout.map[1]]);
        let ground = f.index.projection.ground_distance(to_plane(a), to_plane(b));
        assert!(
            (ground - bar.length_m).abs() / bar.length_m < 0.01,
            "{preset:?}: {ground} m drawn as {} m",
            bar.length_m
        );
        let first = bar.length_m / 10f64.powf(bar.length_m.log10().floor());
        assert!(
            [1.0, 2.0, 5.0].iter().any(|r| (first - r).abs() < 1e-9),
            "round length {}",
            bar.length_m
        );
    }
}

#[test]
fn legend_lists_exactly_the_visible_layers() {
    let f = bundled_fixture();
    let all = scene_of(&f, &SceneSettings::default(), true);
    let titles = |s: &Scene| s.legend.iter().map(|l| l.title.clone()).collect::<Vec<_>>();
    assert_eq!(all.legend.len(), 4, "{:?}", titles(&all));
    let mut s = SceneSettings::default();
    s.firms.visible = false;
    s.clusters.visible = false;
    let fewer = scene_of(&f, &s, true);
    assert_eq!(fewer.legend.len(), 2, "{:?}", titles(&fewer));
    assert!(fewer.layer(LayerKind::Firms).is_none() && fewer.layer(LayerKind::Clusters).is_none());
    assert!(
        !titles(&fewer)
            .iter()
            .any(|t| t.contains("企业") || t.contains("集群"))
    );
    s.zones.visible = false;
    s.districts.visible = false;
    assert!(scene_of(&f, &s, true).legend.is_empty());
    // Approximate geometry shown ⇒ the note is there; hidden ⇒ gone.
    assert!(all.shows_approximate_geometry());
    assert!(!scene_of(&f, &s, true).shows_approximate_geometry());
}

#[test]
fn png_dimensions_follow_preset_and_dpi() {
    let f = bundled_fixture();
    let sc = scene_of(&f, &SceneSettings::default(), true);
    let data = ExportData {
        scene: &sc,
        zones: &f.zones,
        index: &f.index,
    };
    for (preset, dpi) in [
        (Preset::Slide, 96),
        (Preset::A4, 72),
        (Preset::A4Portrait, 60),
        (Preset::A3, 50),
        (Preset::Custom(800, 600), 96),
    ] {
        let opts = ExportOptions {
            preset,
            dpi,
            date: "2026-01-01".into(),
            ..Default::default()
        };
        let png = export::render(export::Format::Png, &data, &opts, &stamp()).unwrap();
        let (w, h, d) = png_size_and_dpi(&png);
        assert_eq!((w, h), preset.size_px(dpi), "{preset:?}");
        assert_eq!(d, Some(dpi));
    }
    let bad = ExportOptions {
        preset: Preset::Custom(10, 10),
        ..Default::default()
    };
    assert!(export::render(export::Format::Png, &data, &bad, &stamp()).is_err());
}

#[test]
fn svg_parses_and_holds_zone_names_as_text() {
    let f = bundled_fixture();
    for lang in [Lang::Zh, Lang::En, Lang::Both] {
        let s = SceneSettings {
            lang,
            ..Default::default()
        };
        let sc = scene_of(&f, &s, true);
        let data = ExportData {
            scene: &sc,
            zones: &f.zones,
            index: &f.index,
        };
        let opts = ExportOptions {
            lang,
            date: "2026-01-01".into(),
            ..Default::default()
        };
        let svg = render_svg(&data, &opts, &stamp()).unwrap();
        let doc = roxmltree::Document::parse(&svg).expect("valid XML");
        let texts: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(String::from))
            .collect();
        let joined = texts.join("\n");
        let expect = match lang {
            Lang::En => vec!["Longhua Hi-tech Zone", "Legend", "Sources"],
            _ => vec!["龙华高新区", "图例", "数据来源"],
        };
        for e in expect {
            assert!(joined.contains(e), "{lang:?}: '{e}' not in SVG text");
        }
        assert!(joined.contains("≈"), "approximate zones are marked");
        assert!(joined.contains("0123456789ab"), "input hash in the footer");
    }
}

#[test]
fn golden_svg_for_a_small_fixture() {
    let zones = load_zones_str(
        common::TEST_ZONES,
        "fixture-zones.geojson",
        &ZoneLoadOptions::default(),
    )
    .unwrap()
    .zones;
    let csv = "id,name,lon,lat,segment\nA,甲,113.95,22.55,hardware\nB,乙,113.951,22.551,hardware\nC,丙,114.06,22.54,content_software\nD,丁,114.061,22.541,platforms_services\nE,戊,113.87,22.63,components\n";
    let firms = load_firms_csv_bytes(
        csv.as_bytes(),
        "fixture-firms.csv",
        &FirmLoadOptions::default(),
    )
    .unwrap()
    .firms;
    let f = fixture(zones, firms);
    let sc = scene_of(&f, &SceneSettings::default(), false);
    let data = ExportData {
        scene: &sc,
        zones: &f.zones,
        index: &f.index,
    };
    let opts = ExportOptions {
        preset: Preset::Custom(900, 600),
        dpi: 96,
        lang: Lang::Both,
        date: "2026-01-01".into(),
        title: Some("Golden 金样".into()),
        ..Default::default()
    };
    let svg = render_svg(&data, &opts, &stamp()).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/small.svg");
    if std::env::var("UPDATE_GOLDEN").is_ok() || !path.exists() {
        std::fs::write(&path, &svg).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert!(
        svg == want,
        "SVG differs from tests/golden/small.svg (UPDATE_GOLDEN=1 to accept a deliberate change)"
    );
}

#[test]
fn every_label_and_legend_text_has_glyphs() {
    let f = bundled_fixture();
    for lang in [Lang::Zh, Lang::En, Lang::Both] {
        let sc = scene_of(
            &f,
            &SceneSettings {
                lang,
                ..Default::default()
            },
            true,
        );
        let mut all = String::new();
        for l in &sc.labels {
            all.push_str(&l.text);
        }
        for s in &sc.legend {
            all.push_str(&s.title);
            for e in &s.entries {
                all.push_str(&e.label);
            }
        }
        for n in &sc.notes {
            all.push_str(n);
        }
        for (_, en, zh) in bundled::SOURCES {
            all.push_str(en);
            all.push_str(zh);
        }
        let missing = export::text::missing_glyphs(&all);
        assert!(missing.is_empty(), "{lang:?}: no glyph for {missing:?}");
    }
    // Characters GB2312 lacks but Shenzhen place names use.
    assert!(export::text::missing_glyphs("圳漖埗").is_empty());
}

#[test]
fn atlas_pages_share_one_scale() {
    let f = bundled_fixture();
    let sc = scene_of(&f, &SceneSettings::default(), true);
    let data = ExportData {
        scene: &sc,
        zones: &f.zones,
        index: &f.index,
    };
    let dir = common::temp_dir("atlas");
    let opts = ExportOptions {
        preset: Preset::Custom(640, 400),
        date: "2026-01-01".into(),
        ..Default::default()
    };
    let files = export::export_atlas(&dir, export::Format::Svg, &data, &opts, &stamp()).unwrap();
    assert_eq!(files.len(), 7, "one page per zone with geometry");
    // Same scale ⇒ the same scale-bar label on every page.
    let bars: Vec<String> = files
        .iter()
        .map(|p| {
            let svg = std::fs::read_to_string(p).unwrap();
            let doc = roxmltree::Document::parse(&svg).unwrap();
            doc.descendants()
                .filter(|n| n.has_tag_name("text"))
                .filter_map(|n| n.text())
                .find(|t| t.ends_with(" km") || t.ends_with(" m"))
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(bars.windows(2).all(|w| w[0] == w[1]), "{bars:?}");
    let unknown = ExportOptions {
        extent: Extent::Zone("Z99".into()),
        ..opts.clone()
    };
    assert!(render_svg(&data, &unknown, &stamp()).is_err());
    let no_geom = ExportOptions {
        extent: Extent::Zone("Z08".into()),
        ..opts
    };
    assert!(
        render_svg(&data, &no_geom, &stamp())
            .unwrap_err()
            .to_string()
            .contains("no geometry")
    );
}

#[test]
fn pdf_export_embeds_the_font_and_keeps_text() {
    let f = bundled_fixture();
    let sc = scene_of(
        &f,
        &SceneSettings {
            lang: Lang::Both,
            ..Default::default()
        },
        true,
    );
    let data = ExportData {
        scene: &sc,
        zones: &f.zones,
        index: &f.index,
    };
    let opts = ExportOptions {
        preset: Preset::A4,
        dpi: 150,
        lang: Lang::Both,
        date: "2026-01-01".into(),
        ..Default::default()
    };
    let pdf = export::render(export::Format::Pdf, &data, &opts, &stamp()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.windows(5).rev().take(64).any(|w| w == b"%%EOF"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/FontFile"), "the bundled font is embedded");
    assert!(text.contains("/ToUnicode"), "text stays searchable");
    // A4 landscape at any DPI is about 842 × 595 points.
    let mb = text.split("/MediaBox[").nth(1).expect("a MediaBox");
    let nums: Vec<f64> = mb
        .split(']')
        .next()
        .unwrap()
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    assert!(
        (nums[2] - 841.9).abs() < 1.0 && (nums[3] - 595.3).abs() < 1.0,
        "{nums:?}"
    );
    let dir = common::temp_dir("pdf");
    let path = dir.join("map.pdf");
    export::export_file(&path, &data, &opts, &stamp()).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() > 10_000);
}
