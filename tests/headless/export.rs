//! Briefing export: page sizes, a true scale bar, a legend of exactly the visible layers,
//! SVG text, a golden SVG, and every preset drawn without missing glyphs.

use crate::common;

use cluster_atlas::analysis::{self, AnalysisParams};
use cluster_atlas::crs::Projection;
use cluster_atlas::data::{
    FirmLoadOptions, LoadedFirms, LoadedZones, ZoneLoadOptions, bundled, load_firms_csv_bytes,
    load_zones_str,
};
use cluster_atlas::export::{self, ExportData, ExportOptions, Extent, Preset, Stamp};
use cluster_atlas::model::{Firms, LonLat, Zone};
use cluster_atlas::pipeline::{self, Dataset};
use cluster_atlas::scene::{self, Lang, LayerKind, Px, Scene, SceneSettings, Selection, Viewport};

struct Fixture {
    data: Dataset,
    analysis: analysis::Analysis,
}

fn bundled_fixture() -> Fixture {
    let zones = bundled::zones().unwrap().zones;
    let firms = bundled::sample_firms().unwrap().firms;
    fixture(zones, firms)
}

/// The zones and firms through the pipeline, as the window and the CLI see them.
fn fixture(zones: Vec<Zone>, firms: Firms) -> Fixture {
    let zones = LoadedZones {
        zones,
        report: Default::default(),
    };
    let firms = LoadedFirms {
        firms,
        report: Default::default(),
        times: None,
    };
    let data = Dataset::new(zones, firms, false, None, 1);
    assert_eq!(
        data.index.projection,
        Projection::default(),
        "Shenzhen's plane"
    );
    let none = pipeline::Extras::default();
    let results = pipeline::analyse(&data, &AnalysisParams::default(), none, &|_, _| {});
    Fixture {
        data,
        analysis: results.unwrap().analysis,
    }
}

fn scene_of(f: &Fixture, s: &SceneSettings, synthetic: bool) -> Scene {
    let fit = bundled::fit_table().unwrap();
    let mut input =
        pipeline::scene_input(&f.data, Some(&f.analysis), None, &fit, Selection::default());
    input.synthetic = synthetic;
    scene::build(&input, s)
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

/// Karney's geodesic distance on WGS-84 (geographiclib, through geo): the independent oracle.
fn geodesic_m(a: LonLat, b: LonLat) -> f64 {
    use geo::{Distance, Geodesic, Point};
    Geodesic.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat))
}

#[test]
fn scale_bar_is_true_on_the_ground_two_degrees_from_the_central_meridian() {
    // Two degrees east of the central meridian (about 206 km) the transverse Mercator plane is
    // stretched by k − 1 ≈ x²/2R² ≈ 5.2e-4, so a bar that forgets the scale factor is 5e-4
    // too long on the ground; the tolerance below is 50 times smaller than that.
    let proj = Projection::default();
    let cm = proj.centre();
    for (dlon, lat) in [(2.0, cm.lat), (-2.5, 22.0), (1.0, 23.5)] {
        let centre = proj.project(LonLat::new(cm.lon + dlon, lat));
        let vp = Viewport {
            centre,
            m_per_px: 17.0,
            width_px: 1200.0,
            height_px: 900.0,
        };
        let bar = scene::scale_bar(&vp, &proj, 300.0);
        // The bar centred on the view's centre, where it is measured.
        let (cx, cy) = (vp.width_px / 2.0, vp.height_px / 2.0);
        let a = proj.unproject(vp.to_plane(Px::new(cx - bar.length_px / 2.0, cy)));
        let b = proj.unproject(vp.to_plane(Px::new(cx + bar.length_px / 2.0, cy)));
        let ground = geodesic_m(a, b);
        let rel = (ground - bar.length_m).abs() / bar.length_m;
        assert!(
            rel < 1e-5,
            "{dlon}° from the central meridian: {ground} m on the ground drawn as {} m ({rel:e})",
            bar.length_m
        );
        // The stretch is really there: plane length and ground length differ measurably.
        let plane = bar.length_px as f64 * vp.m_per_px;
        assert!(
            (plane - ground) / ground > 1e-4,
            "{dlon}°: plane {plane} m vs ground {ground} m"
        );
    }
}

#[test]
fn scale_bar_length_matches_the_ground_within_1e_4() {
    let f = bundled_fixture();
    let sc = scene_of(&f, &SceneSettings::default(), true);
    let data = ExportData {
        scene: &sc,
        zones: &f.data.zones,
        index: &f.data.index,
        tiles: None,
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
        let (a, b, bar) = export::scale_bar_geometry(&layout, &vp, &f.data.index.projection);
        // Page pixels → plane → WGS-84 → Karney's geodesic: no use of the projection's own
        // distance code. The bar is measured at the map's centre but drawn in its corner, up
        // to about 25 km away, where the plane's scale differs by a few 1e-5.
        let proj = &f.data.index.projection;
        let to_ll = |p: Px| proj.unproject(vp.to_plane(p.offset(-layout.map[0], -layout.map[1])));
        let ground = geodesic_m(to_ll(a), to_ll(b));
        assert!(
            (ground - bar.length_m).abs() / bar.length_m < 1e-4,
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
        zones: &f.data.zones,
        index: &f.data.index,
        tiles: None,
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
            zones: &f.data.zones,
            index: &f.data.index,
            tiles: None,
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

/// The test zones (hole, MultiPolygon, C shape, overlapping squares, point) and five firms.
fn small_fixture() -> Fixture {
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
    fixture(zones, firms)
}

#[test]
fn golden_svg_for_a_small_fixture() {
    let f = small_fixture();
    let sc = scene_of(&f, &SceneSettings::default(), false);
    let data = ExportData {
        scene: &sc,
        zones: &f.data.zones,
        index: &f.data.index,
        tiles: None,
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
    // Only an explicit request writes the golden: a missing file is a failure, not a pass.
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::write(&path, &svg).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to create it from the current output",
            path.display()
        )
    });
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
        zones: &f.data.zones,
        index: &f.data.index,
        tiles: None,
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
        zones: &f.data.zones,
        index: &f.data.index,
        tiles: None,
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

/// A decoded PNG page (the page is opaque, so premultiplied = straight colour).
struct Page(tiny_skia::Pixmap);

impl Page {
    fn decode(png: &[u8]) -> Self {
        Self(tiny_skia::Pixmap::decode_png(png).expect("a PNG tiny-skia can read"))
    }

    fn rgb(&self, p: [f32; 2]) -> [f64; 3] {
        let c = self
            .0
            .pixel(p[0].floor() as u32, p[1].floor() as u32)
            .expect("pixel on the page");
        assert_eq!(c.alpha(), 255, "the page is opaque");
        [c.red() as f64, c.green() as f64, c.blue() as f64]
    }
}

/// Page pixel (x right, y down) of a WGS-84 point in a map frame.
fn page_px(f: &Fixture, vp: &Viewport, map: [f32; 4], ll: LonLat) -> [f32; 2] {
    let s = vp.to_screen(f.data.index.projection.project(ll));
    [map[0] + s.x, map[1] + s.y]
}

fn hex(c: u32) -> [f64; 3] {
    [
        (c >> 16) as f64,
        ((c >> 8) & 0xff) as f64,
        (c & 0xff) as f64,
    ]
}

/// Source-over of `top` with opacity `a` on `bottom`, by hand.
fn over(bottom: [f64; 3], top: [f64; 3], a: f64) -> [f64; 3] {
    std::array::from_fn(|k| bottom[k] * (1.0 - a) + top[k] * a)
}

fn max_diff(a: [f64; 3], b: [f64; 3]) -> f64 {
    (0..3).map(|k| (a[k] - b[k]).abs()).fold(0.0, f64::max)
}

/// Two renders of one fixture that differ only in `change`, with the same map frame.
fn png_pair(
    f: &Fixture,
    base: &SceneSettings,
    change: impl Fn(&mut SceneSettings),
    opts: &ExportOptions,
) -> (Page, Page, Viewport, [f32; 4]) {
    let mut other = base.clone();
    change(&mut other);
    let mut frame = None;
    let pages = [base, &other].map(|s| {
        let sc = scene_of(f, s, false);
        let data = ExportData {
            scene: &sc,
            zones: &f.data.zones,
            index: &f.data.index,
            tiles: None,
        };
        let layout = export::page_layout(&sc, opts).unwrap();
        let vp = export::map_viewport(&data, &opts.extent, &layout).unwrap();
        match frame {
            None => frame = Some((vp, layout.map)),
            Some(fr) => assert_eq!(fr, (vp, layout.map), "same map frame in both renders"),
        }
        Page::decode(&export::render(export::Format::Png, &data, opts, &stamp()).unwrap())
    });
    let [a, b] = pages;
    let (vp, map) = frame.unwrap();
    (a, b, vp, map)
}

#[test]
fn png_fills_zones_in_their_colour_and_leaves_holes_notches_and_outside_alone() {
    let f = small_fixture();
    // Labels off, so nothing but the zones differs between the two renders at the samples.
    let base = SceneSettings {
        labels: false,
        district_labels: false,
        ..Default::default()
    };
    let opts = ExportOptions {
        preset: Preset::Custom(1600, 1100),
        dpi: 96,
        extent: Extent::parse("bbox:113.83,22.50,114.22,22.72").unwrap(),
        date: "2026-01-01".into(),
        ..Default::default()
    };
    let (with, without, vp, map) = png_pair(&f, &base, |s| s.zones.visible = false, &opts);
    // The test zones carry no batch: the palette's purple, filled at 22 % in a layer drawn at
    // 90 % (SceneSettings' default zone opacity).
    let purple = hex(0x7b4f9d);
    let a = 0.22 * 0.9;
    // Points at least 0.005° (about 15 px here) from every edge, firm and zone centre.
    let inside = [
        ("A's ring", 113.93, 22.53),
        ("B's first part", 114.055, 22.535),
        ("B's second part", 114.095, 22.565),
        ("C's spine", 113.855, 22.63),
        ("D alone", 114.01, 22.63),
        ("E alone", 114.05, 22.67),
    ];
    let outside = [
        ("A's hole", 113.945, 22.545),
        ("C's notch", 113.885, 22.63),
        ("open land", 114.15, 22.60),
        ("between B's parts", 114.08, 22.55),
    ];
    let at = |lon, lat| page_px(&f, &vp, map, LonLat::new(lon, lat));
    for (what, lon, lat) in inside {
        let (got, under) = (with.rgb(at(lon, lat)), without.rgb(at(lon, lat)));
        let want = over(under, purple, a);
        assert!(
            max_diff(got, want) <= 3.0,
            "{what}: {got:?}, expected {want:?} (the zone fill over {under:?})"
        );
        assert!(max_diff(got, under) >= 8.0, "{what}: visibly tinted");
    }
    // Both squares fill the overlap: twice the tint.
    let p = at(114.03, 22.65);
    let want = over(over(without.rgb(p), purple, a), purple, a);
    assert!(max_diff(with.rgb(p), want) <= 3.0, "D∩E: {:?}", with.rgb(p));
    for (what, lon, lat) in outside {
        let p = at(lon, lat);
        assert!(
            max_diff(with.rgb(p), without.rgb(p)) <= 1.0,
            "{what} must not be filled: {:?} vs {:?}",
            with.rgb(p),
            without.rgb(p)
        );
    }
    // The point zone is a star in the zone colour at 90 %.
    let p = at(114.2, 22.7);
    let want = over(without.rgb(p), purple, 0.9);
    assert!(
        max_diff(with.rgb(p), want) <= 3.0,
        "star: {:?}",
        with.rgb(p)
    );
}

/// Okabe–Ito segment colours as the legend documents them (hand-copied, not from the code).
fn segment_colour(segment: &str) -> [f64; 3] {
    hex(match segment {
        "hardware" => 0x0072b2,
        "optics_display" => 0xcc79a7,
        "components" => 0xe69f00,
        "content_software" => 0x009e73,
        "platforms_services" => 0xd55e00,
        _ => 0x808080,
    })
}

/// Firms whose marker no other firm's marker reaches (centres more than `gap` pixels apart),
/// with their page pixel.
fn isolated_firms(f: &Fixture, vp: &Viewport, map: [f32; 4], gap: f32) -> Vec<(usize, [f32; 2])> {
    let px: Vec<[f32; 2]> = (0..f.data.firms.len())
        .map(|i| page_px(f, vp, map, f.data.firms.lonlat[i]))
        .collect();
    (0..px.len())
        .filter(|&i| {
            let [x, y] = px[i];
            x > map[0] + gap
                && x < map[0] + map[2] - gap
                && y > map[1] + gap
                && y < map[1] + map[3] - gap
        })
        .filter(|&i| {
            (0..px.len()).all(|j| j == i || (px[i][0] - px[j][0]).hypot(px[i][1] - px[j][1]) > gap)
        })
        .map(|i| (i, px[i]))
        .collect()
}

#[test]
fn png_draws_every_firm_where_it_is_in_its_segment_colour() {
    let f = bundled_fixture();
    // Labels, hulls and point-zone stars are drawn over firms: off here (checked elsewhere).
    let mut base = SceneSettings {
        labels: false,
        district_labels: false,
        ..Default::default()
    };
    base.clusters.visible = false;
    base.zones.visible = false;
    let opts = ExportOptions {
        preset: Preset::A4,
        dpi: 150,
        extent: Extent::parse("bbox:113.75,22.45,114.65,22.85").unwrap(),
        date: "2026-01-01".into(),
        ..Default::default()
    };
    let (with, without, vp, map) = png_pair(&f, &base, |s| s.firms.visible = false, &opts);
    let mut in_frame = 0;
    for i in 0..f.data.firms.len() {
        let p = page_px(&f, &vp, map, f.data.firms.lonlat[i]);
        if p[0] < map[0] + 1.0
            || p[1] < map[1] + 1.0
            || p[0] > map[0] + map[2] - 1.0
            || p[1] > map[1] + map[3] - 1.0
        {
            continue;
        }
        in_frame += 1;
        assert!(
            max_diff(with.rgb(p), without.rgb(p)) >= 20.0,
            "firm {i} at {:?} not drawn: {:?}",
            f.data.firms.lonlat[i],
            with.rgb(p)
        );
    }
    assert!(in_frame > 1900, "{in_frame} of 2000 firms in the frame");
    // A lone marker's centre pixel is the segment colour at the layer's 85 % over the map.
    let lone = isolated_firms(&f, &vp, map, 12.0);
    assert!(lone.len() > 100, "only {} isolated firms", lone.len());
    for (i, p) in lone {
        let want = over(
            without.rgb(p),
            segment_colour(f.data.firms.segment_name(i)),
            0.85,
        );
        assert!(
            max_diff(with.rgb(p), want) <= 4.0,
            "firm {i} ({}) at {p:?}: {:?}, expected {want:?}",
            f.data.firms.segment_name(i),
            with.rgb(p)
        );
    }
}

/// The streams of a PDF as (dictionary, data), FlateDecode ones inflated.
fn pdf_streams(pdf: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(k) = find(&pdf[from..], b"stream") {
        let at = from + k;
        from = at + 6;
        if pdf[..at].ends_with(b"end") {
            continue;
        }
        let mut start = at + 6;
        if pdf.get(start) == Some(&b'\r') {
            start += 1;
        }
        if pdf.get(start) != Some(&b'\n') {
            continue;
        }
        start += 1;
        let obj = pdf[..at]
            .windows(4)
            .rposition(|w| w == b" obj")
            .expect("a stream inside an object");
        let dict = String::from_utf8_lossy(&pdf[obj..at]).to_string();
        let len: usize = dict
            .split("/Length ")
            .nth(1)
            .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no direct /Length in {dict}"));
        let raw = &pdf[start..start + len];
        let data = if dict.contains("/FlateDecode") {
            let mut v = Vec::new();
            flate2::read::ZlibDecoder::new(raw)
                .read_to_end(&mut v)
                .expect("a valid Flate stream");
            v
        } else {
            raw.to_vec()
        };
        out.push((dict, data));
        from = start + len;
    }
    out
}

#[derive(Debug, PartialEq)]
enum Tok {
    Num(f64),
    Str(Vec<u8>),
    Op(String),
    Open,
    Close,
}

/// Tokens of a content stream (numbers, strings, array brackets, operators; names dropped).
fn tokens(s: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    let delim = |c: u8| c.is_ascii_whitespace() || b"()<>[]{}/%".contains(&c);
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'(' {
            let (mut depth, mut v) = (1, Vec::new());
            i += 1;
            while depth > 0 {
                let c = s[i];
                i += 1;
                match c {
                    b'\\' => {
                        let e = s[i];
                        i += 1;
                        match e {
                            b'n' => v.push(b'\n'),
                            b'r' => v.push(b'\r'),
                            b't' => v.push(b'\t'),
                            b'b' => v.push(8),
                            b'f' => v.push(12),
                            b'0'..=b'7' => {
                                let mut n = (e - b'0') as u32;
                                for _ in 0..2 {
                                    if (b'0'..=b'7').contains(&s[i]) {
                                        n = n * 8 + (s[i] - b'0') as u32;
                                        i += 1;
                                    }
                                }
                                v.push(n as u8);
                            }
                            b'\n' => {}
                            other => v.push(other),
                        }
                    }
                    b'(' => {
                        depth += 1;
                        v.push(c);
                    }
                    b')' => {
                        depth -= 1;
                        if depth > 0 {
                            v.push(c);
                        }
                    }
                    _ => v.push(c),
                }
            }
            out.push(Tok::Str(v));
        } else if c == b'<' && s.get(i + 1) != Some(&b'<') {
            let end = i + s[i..].iter().position(|&c| c == b'>').unwrap();
            let hex: Vec<u8> = s[i + 1..end]
                .iter()
                .copied()
                .filter(|c| c.is_ascii_hexdigit())
                .collect();
            let v = hex
                .chunks(2)
                .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
                .collect();
            out.push(Tok::Str(v));
            i = end + 1;
        } else if c == b'[' || c == b']' {
            out.push(if c == b'[' { Tok::Open } else { Tok::Close });
            i += 1;
        } else if c == b'%' {
            while i < s.len() && s[i] != b'\n' {
                i += 1;
            }
        } else {
            let start = i;
            i += 1;
            while i < s.len() && !delim(s[i]) {
                i += 1;
            }
            let word = std::str::from_utf8(&s[start..i]).unwrap_or("");
            if c == b'/' || word == "<<" || word == ">>" {
                continue;
            }
            out.push(match word.parse::<f64>() {
                Ok(x) => Tok::Num(x),
                Err(_) => Tok::Op(word.to_string()),
            });
        }
    }
    out
}

/// Glyph id → text, from a ToUnicode CMap (bfchar and bfrange entries).
fn to_unicode(cmap: &str) -> std::collections::HashMap<u16, String> {
    let hex = |h: &str| u32::from_str_radix(h.trim_matches(|c| c == '<' || c == '>'), 16).unwrap();
    let utf16 = |h: &str| {
        let h = h.trim_matches(|c| c == '<' || c == '>');
        let units: Vec<u16> = (0..h.len() / 4)
            .map(|k| u16::from_str_radix(&h[4 * k..4 * k + 4], 16).unwrap())
            .collect();
        String::from_utf16(&units).unwrap()
    };
    let mut map = std::collections::HashMap::new();
    let mut mode = "";
    for line in cmap.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.last().copied() {
            Some("beginbfchar") => mode = "char",
            Some("beginbfrange") => mode = "range",
            Some("endbfchar") | Some("endbfrange") => mode = "",
            _ if mode == "char" && w.len() == 2 => {
                map.insert(hex(w[0]) as u16, utf16(w[1]));
            }
            _ if mode == "range" && w.len() == 3 => {
                let (lo, hi, first) = (hex(w[0]), hex(w[1]), utf16(w[2]));
                let base = first.chars().next().unwrap() as u32;
                for (k, g) in (lo..=hi).enumerate() {
                    let c = char::from_u32(base + k as u32).unwrap();
                    map.insert(g as u16, c.to_string());
                }
            }
            _ => {}
        }
    }
    map
}

/// What a PDF page draws: its text (through the font's ToUnicode map, one line per text
/// object) and every stroked path as (stroke colour, points).
struct PdfPage {
    text: String,
    stroked: Vec<([f64; 3], Vec<[f64; 2]>)>,
    images: Vec<(String, Vec<u8>)>,
}

fn read_pdf_page(pdf: &[u8]) -> PdfPage {
    let streams = pdf_streams(pdf);
    let cmaps: Vec<&(String, Vec<u8>)> = streams
        .iter()
        .filter(|(d, _)| d.contains("/Type/CMap"))
        .collect();
    assert_eq!(cmaps.len(), 1, "one font, one ToUnicode map");
    let glyphs = to_unicode(&String::from_utf8_lossy(&cmaps[0].1));
    let content: Vec<&(String, Vec<u8>)> = streams
        .iter()
        .filter(|(d, c)| !d.contains("/Type") && !d.contains("/Subtype") && c.starts_with(b"q "))
        .collect();
    assert_eq!(content.len(), 1, "one page content stream");
    let (mut text, mut stroked) = (String::new(), Vec::new());
    let (mut nums, mut strs) = (Vec::<f64>::new(), Vec::<Vec<u8>>::new());
    let (mut colour, mut path) = ([0.0; 3], Vec::<[f64; 2]>::new());
    for t in tokens(&content[0].1) {
        let op = match t {
            Tok::Num(x) => {
                nums.push(x);
                continue;
            }
            Tok::Str(s) => {
                strs.push(s);
                continue;
            }
            Tok::Open | Tok::Close => continue,
            Tok::Op(op) => op,
        };
        let n = nums.len();
        match op.as_str() {
            "RG" => colour = [nums[n - 3], nums[n - 2], nums[n - 1]],
            "m" | "l" | "c" | "v" | "y" => path.push([nums[n - 2], nums[n - 1]]),
            "re" => {
                let [x, y, w, h] = [nums[n - 4], nums[n - 3], nums[n - 2], nums[n - 1]];
                path.extend([[x, y], [x + w, y], [x + w, y + h], [x, y + h]]);
            }
            "S" | "s" | "B" | "B*" | "b" | "b*" => {
                stroked.push((colour, std::mem::take(&mut path)))
            }
            "f" | "f*" | "F" | "n" => path.clear(),
            "Tj" | "TJ" | "'" | "\"" => {
                for s in &strs {
                    for g in s.chunks(2) {
                        let id = u16::from_be_bytes([g[0], *g.get(1).unwrap_or(&0)]);
                        text.push_str(glyphs.get(&id).map(String::as_str).unwrap_or("\u{fffd}"));
                    }
                }
            }
            "ET" => text.push('\n'),
            _ => {}
        }
        nums.clear();
        strs.clear();
    }
    let images = streams
        .into_iter()
        .filter(|(d, _)| d.contains("/Subtype/Image"))
        .collect();
    PdfPage {
        text,
        stroked,
        images,
    }
}

fn dict_number(dict: &str, key: &str) -> usize {
    dict.split(key)
        .nth(1)
        .and_then(|t| t.trim_start().split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {dict}"))
}

#[test]
fn pdf_page_holds_the_map_labels_outlines_and_firms() {
    let f = bundled_fixture();
    let settings = SceneSettings {
        lang: Lang::Both,
        ..Default::default()
    };
    let sc = scene_of(&f, &settings, true);
    let data = ExportData {
        scene: &sc,
        zones: &f.data.zones,
        index: &f.data.index,
        tiles: None,
    };
    let opts = ExportOptions {
        preset: Preset::A4,
        dpi: 150,
        lang: Lang::Both,
        date: "2026-01-01".into(),
        ..Default::default()
    };
    let page = read_pdf_page(&export::render(export::Format::Pdf, &data, &opts, &stamp()).unwrap());
    let layout = export::page_layout(&sc, &opts).unwrap();
    let vp = export::map_viewport(&data, &opts.extent, &layout).unwrap();
    let map = layout.map;

    // Text, read back through the embedded font's ToUnicode map: the title, the legend and a
    // label for every zone that has a place on the map.
    for t in ["深圳产业集聚区与 VR/AR 企业分布", "图例", "0123456789ab"] {
        assert!(
            page.text.contains(t),
            "'{t}' not in the PDF text:\n{}",
            page.text
        );
    }
    let placed: Vec<&Zone> = f.data.zones.iter().filter(|z| z.has_geometry()).collect();
    assert_eq!(placed.len(), 7);
    for z in &placed {
        let name = scene::short_zone_name(z, cluster_atlas::model::Lang::Zh);
        assert!(
            page.text.contains(&name),
            "label '{name}' missing:\n{}",
            page.text
        );
    }

    // Every zone footprint is outlined in its batch's colour, where it lies on the page (the
    // outline's extent matches the footprint's projected extent within a pixel).
    let batch_colour = |z: &Zone| {
        use cluster_atlas::model::Batch;
        hex(match z.batch {
            Some(Batch::Future2017) => 0xd55e00,
            Some(Batch::Emerging2018) => 0x0072b2,
            None => 0x7b4f9d,
        })
        .map(|c| c / 255.0)
    };
    let bbox = |pts: &mut dyn Iterator<Item = [f64; 2]>| {
        pts.fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |b, p| {
            [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ]
        })
    };
    let (mut outlined, mut starred) = (0, 0);
    for z in &placed {
        use cluster_atlas::model::ZoneGeometry;
        let mp = match &z.geometry {
            ZoneGeometry::Area(mp) => mp,
            ZoneGeometry::Point(q) => {
                // A star around the point, edged in white.
                let c = page_px(&f, &vp, map, *q);
                let found = page.stroked.iter().any(|(colour, pts)| {
                    let b = bbox(&mut pts.iter().copied());
                    *colour == [1.0; 3]
                        && ((b[0] + b[2]) / 2.0 - c[0] as f64).abs() < 3.0
                        && ((b[1] + b[3]) / 2.0 - c[1] as f64).abs() < 3.0
                        && (b[2] - b[0]) > 10.0
                });
                assert!(found, "{}: no star at {c:?}", z.id);
                starred += 1;
                continue;
            }
            ZoneGeometry::None => unreachable!(),
        };
        for poly in &mp.0 {
            let want = bbox(&mut poly.exterior().0.iter().map(|c| {
                let p = page_px(&f, &vp, map, LonLat::new(c.x, c.y));
                [p[0] as f64, p[1] as f64]
            }));
            let found = page.stroked.iter().any(|(colour, pts)| {
                max_diff(*colour, batch_colour(z)) < 0.003 && {
                    let got = bbox(&mut pts.iter().copied());
                    (0..4).all(|k| (got[k] - want[k]).abs() < 1.0)
                }
            });
            assert!(found, "{}: no outline at {want:?}", z.id);
        }
        outlined += 1;
    }
    assert_eq!(
        outlined + starred,
        placed.len(),
        "every placed zone checked"
    );
    assert!(outlined > 0 && starred > 0);

    // Firms are one image the size of the map frame (straight RGB plus a soft mask): opaque
    // at every firm, in the firm's segment colour where its marker stands alone, and clear
    // almost everywhere else.
    let (mw, mh) = (map[2].round() as usize, map[3].round() as usize);
    let sized = |(d, _): &&(String, Vec<u8>)| {
        dict_number(d, "/Width") == mw && dict_number(d, "/Height") == mh
    };
    let rgb = page
        .images
        .iter()
        .filter(sized)
        .find(|(d, _)| d.contains("/DeviceRGB"))
        .expect("the firms image");
    let mask = page
        .images
        .iter()
        .filter(sized)
        .find(|(d, _)| d.contains("/DeviceGray"))
        .expect("its soft mask");
    assert_eq!((rgb.1.len(), mask.1.len()), (mw * mh * 3, mw * mh));
    let pixel = |p: [f32; 2]| {
        let (x, y) = ((p[0] - map[0]) as usize, (p[1] - map[1]) as usize);
        let k = y * mw + x;
        let c = &rgb.1[3 * k..3 * k + 3];
        ([c[0] as f64, c[1] as f64, c[2] as f64], mask.1[k])
    };
    for i in 0..f.data.firms.len() {
        let p = page_px(&f, &vp, map, f.data.firms.lonlat[i]);
        let (_, alpha) = pixel(p);
        assert!(alpha > 0, "firm {i} at {p:?} not drawn");
    }
    let lone = isolated_firms(&f, &vp, map, 12.0);
    assert!(lone.len() > 100, "only {} isolated firms", lone.len());
    for (i, p) in lone {
        let (c, alpha) = pixel(p);
        let want = segment_colour(f.data.firms.segment_name(i));
        assert!(
            max_diff(c, want) <= 2.0 && (alpha as f64 - 0.85 * 255.0).abs() <= 2.0,
            "firm {i}: {c:?} α {alpha}, expected {want:?} at 85 %"
        );
    }
    let painted = mask.1.iter().filter(|&&a| a > 0).count();
    assert!(
        painted < mw * mh / 10,
        "{painted} of {} mask pixels painted",
        mw * mh
    );
}

#[test]
fn the_firm_layer_and_default_title_name_what_the_data_is() {
    // A user's list: named by its file, never called VR/AR; the bundled sample: VR/AR firms.
    let zones = load_zones_str(
        common::TEST_ZONES,
        "fixture-zones.geojson",
        &ZoneLoadOptions::default(),
    )
    .unwrap();
    let csv = "id,name,lon,lat,segment\nA,甲,113.95,22.55,trading\nB,乙,114.06,22.54,software\n";
    let firms = load_firms_csv_bytes(
        csv.as_bytes(),
        "/data/incoming/全市企业名录.csv",
        &FirmLoadOptions::default(),
    )
    .unwrap();
    let data = Dataset::new(zones, firms, false, None, 1);
    let fit = bundled::fit_table().unwrap();
    let input = pipeline::scene_input(&data, None, None, &fit, Selection::default());
    let settings = SceneSettings {
        lang: Lang::Both,
        ..Default::default()
    };
    let sc = scene::build(&input, &settings);
    let titles: Vec<&str> = sc.legend.iter().map(|s| s.title.as_str()).collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("企业（全市企业名录）：2 家")),
        "{titles:?}"
    );
    assert!(titles.iter().all(|t| !t.contains("VR/AR")), "{titles:?}");
    let opts = ExportOptions {
        date: "2026-01-01".into(),
        lang: Lang::En,
        ..Default::default()
    };
    let en = scene::build(
        &input,
        &SceneSettings {
            lang: Lang::En,
            ..Default::default()
        },
    );
    let ed = ExportData {
        scene: &en,
        zones: &data.zones,
        index: &data.index,
        tiles: None,
    };
    let svg = render_svg(&ed, &opts, &stamp()).unwrap();
    assert!(svg.contains("Shenzhen cluster zones and firms (全市企业名录)"));
    assert!(!svg.contains("VR/AR"));

    let sample = pipeline::Dataset::bundled().unwrap();
    let input = pipeline::scene_input(&sample, None, None, &fit, Selection::default());
    let sc = scene::build(&input, &settings);
    assert!(
        sc.legend.iter().any(|s| s.title.starts_with("VR/AR 企业")),
        "the sample is VR/AR"
    );
}
