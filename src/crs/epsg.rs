//! Projected and other EPSG coordinate systems, through proj4rs (a Rust port of PROJ) with the
//! EPSG definitions of `crs-definitions`: CGCS2000 Gauss–Krüger (3° and 6° zones), UTM, Web
//! Mercator and others. Also recognises a system from a Shapefile's `.prj` WKT, a GeoPackage's
//! SRS id or a GeoJSON `crs` member, and suggests systems for bare projected numbers.
//!
//! CGCS2000 and WGS 84 agree within a few centimetres (both are ITRF realisations), so CGCS2000
//! coordinates are taken as WGS 84 after unprojecting, as PROJ does without a grid.

use std::sync::Arc;

use proj4rs::proj::Proj;

use crate::model::LonLat;

/// Why a coordinate system cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CrsError {
    #[error(
        "EPSG:{0} is not a coordinate system cluster-atlas knows; use wgs84, gcj02, bd09, cgcs2000 or an EPSG code such as epsg:4547"
    )]
    Unknown(u32),
    #[error(
        "{0} uses the Beijing 1954 or Xi'an 1980 datum, whose parameters for converting to \
         WGS-84 are not public; ask the data's supplier for a CGCS2000 or WGS-84 copy"
    )]
    SecretDatum(String),
    #[error(
        "the coordinate system could not be recognised ({0}); give it with --zones-crs / --firms-crs, e.g. epsg:4547"
    )]
    Unrecognised(String),
}

/// An EPSG system ready to convert coordinates to WGS-84 longitude/latitude.
#[derive(Clone)]
pub struct EpsgTransform {
    pub code: u32,
    /// A name for messages and reports ("CGCS2000 / 3-degree Gauss-Kruger CM 114E").
    pub name: String,
    pub projected: bool,
    /// Unique to this system as built (its clones share it): the key of its patches.
    id: u64,
    src: Arc<Proj>,
    dst: Arc<Proj>,
}

/// A new [`EpsgTransform::id`].
fn next_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl std::fmt::Debug for EpsgTransform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EPSG:{} ({})", self.code, self.name)
    }
}

fn wgs84() -> Option<Proj> {
    Proj::from_proj_string("+proj=longlat +datum=WGS84 +no_defs").ok()
}

/// True for definitions on the Beijing 1954 or Xi'an 1980 datums.
fn secret_datum(wkt: &str) -> bool {
    let w = wkt.to_ascii_lowercase();
    [
        "beijing 1954",
        "beijing_1954",
        "xian 1980",
        "xian_1980",
        "xi'an 1980",
        "new beijing",
        "new_beijing",
    ]
    .iter()
    .any(|k| w.contains(k))
}

/// The name inside a WKT's first `["…"`.
fn wkt_name(wkt: &str) -> Option<&str> {
    let start = wkt.find("[\"")? + 2;
    let len = wkt[start..].find('"')?;
    Some(&wkt[start..start + len])
}

impl EpsgTransform {
    /// The system with this EPSG code.
    pub fn from_epsg(code: u32) -> Result<Self, CrsError> {
        let def = u16::try_from(code)
            .ok()
            .and_then(crs_definitions::from_code)
            .ok_or(CrsError::Unknown(code))?;
        let name = wkt_name(def.wkt).unwrap_or("").to_string();
        if secret_datum(def.wkt) {
            return Err(CrsError::SecretDatum(format!("EPSG:{code} ({name})")));
        }
        let src = Proj::from_proj_string(def.proj4).map_err(|_| CrsError::Unknown(code))?;
        let dst = wgs84().ok_or(CrsError::Unknown(4326))?;
        Ok(Self {
            code,
            name,
            projected: !src.is_latlong(),
            id: next_id(),
            src: Arc::new(src),
            dst: Arc::new(dst),
        })
    }

    /// Converts one coordinate pair (easting/northing in the system's units, or lon/lat in
    /// degrees for a geographic system) to WGS-84. None when it falls outside the system.
    pub fn to_wgs84(&self, x: f64, y: f64) -> Option<LonLat> {
        if !(x.is_finite() && y.is_finite()) {
            return None;
        }
        let mut p = if self.projected {
            (x, y, 0.0)
        } else {
            (x.to_radians(), y.to_radians(), 0.0)
        };
        proj4rs::transform::transform(&self.src, &self.dst, &mut p).ok()?;
        let ll = LonLat::new(p.0.to_degrees(), p.1.to_degrees());
        (ll.lon.is_finite() && ll.lat.is_finite() && ll.lon.abs() <= 180.0 && ll.lat.abs() <= 90.0)
            .then_some(ll)
    }

    /// The key of this system's patches (see `crs::patches`).
    pub(super) fn id(&self) -> u64 {
        self.id
    }

    /// WGS-84 to this system (for tests and for writing files back).
    pub fn from_wgs84(&self, ll: LonLat) -> Option<(f64, f64)> {
        let mut p = (ll.lon.to_radians(), ll.lat.to_radians(), 0.0);
        proj4rs::transform::transform(&self.dst, &self.src, &mut p).ok()?;
        let out = if self.projected {
            (p.0, p.1)
        } else {
            (p.0.to_degrees(), p.1.to_degrees())
        };
        (out.0.is_finite() && out.1.is_finite()).then_some(out)
    }
}

/// ESRI names (what GDAL and ArcGIS write into `.prj` files, without EPSG codes) of the systems
/// planners' files use, with their EPSG codes.
fn esri_name_to_epsg(name: &str) -> Option<u32> {
    let n = name.to_ascii_lowercase().replace([' ', '-', '/'], "_");
    let n = n.trim_matches('_');
    let simple = |code| Some(code);
    match n {
        "gcs_wgs_1984" | "wgs_84" | "wgs_1984" => return simple(4326),
        "gcs_china_geodetic_coordinate_system_2000"
        | "china_geodetic_coordinate_system_2000"
        | "cgcs2000" => {
            return simple(4490);
        }
        "wgs_1984_web_mercator_auxiliary_sphere"
        | "wgs_84_pseudo_mercator"
        | "wgs_1984_web_mercator" => {
            return simple(3857);
        }
        _ => {}
    }
    // CGCS2000_3_Degree_GK_CM_114E, CGCS2000_3_Degree_GK_Zone_38, CGCS2000_GK_CM_117E,
    // CGCS2000_GK_Zone_20.
    if let Some(rest) = n.strip_prefix("cgcs2000_") {
        let (three, rest) = match rest.strip_prefix("3_degree_") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let rest = rest
            .strip_prefix("gauss_kruger_")
            .or(rest.strip_prefix("gk_"))?;
        if let Some(cm) = rest.strip_prefix("cm_") {
            let cm: u32 = cm.trim_end_matches('e').parse().ok()?;
            return if three {
                // 3°: CM 75…135 ↔ EPSG 4534…4554.
                (75..=135)
                    .contains(&cm)
                    .then(|| 4534 + (cm - 75) / 3)
                    .filter(|_| cm.is_multiple_of(3))
            } else {
                // 6°: CM 75…135 ↔ EPSG 4502…4512.
                (75..=135)
                    .contains(&cm)
                    .then(|| 4502 + (cm - 75) / 6)
                    .filter(|_| (cm - 75).is_multiple_of(6))
            };
        }
        if let Some(zone) = rest.strip_prefix("zone_") {
            let z: u32 = zone.parse().ok()?;
            return if three {
                // 3° zones 25…45 ↔ EPSG 4513…4533.
                (25..=45).contains(&z).then(|| 4513 + z - 25)
            } else {
                // 6° zones 13…23 ↔ EPSG 4491…4501.
                (13..=23).contains(&z).then(|| 4491 + z - 13)
            };
        }
        return None;
    }
    // WGS_1984_UTM_Zone_50N
    if let Some(z) = n
        .strip_prefix("wgs_1984_utm_zone_")
        .or(n.strip_prefix("wgs_84_utm_zone_"))
    {
        let north = z.ends_with('n');
        let num: u32 = z.trim_end_matches(['n', 's']).parse().ok()?;
        return (1..=60)
            .contains(&num)
            .then(|| if north { 32600 + num } else { 32700 + num });
    }
    None
}

/// The last `AUTHORITY["EPSG","N"]` (WKT1) or `ID["EPSG",N]` (WKT2) of the outermost object.
fn wkt_authority(wkt: &str) -> Option<u32> {
    let w = wkt.trim();
    let candidates = [w.rfind("AUTHORITY[\"EPSG\",\""), w.rfind("ID[\"EPSG\",")];
    let at = candidates.into_iter().flatten().max()?;
    // Only the outermost object's id: it must close the whole WKT.
    let tail = &w[at..];
    let digits: String = tail
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let after = tail.find(']')?;
    if tail[after + 1..]
        .trim()
        .trim_end_matches(']')
        .trim()
        .is_empty()
    {
        digits.parse().ok()
    } else {
        None
    }
}

/// Recognises the system of a `.prj` file or any WKT: by its EPSG id, by its ESRI name, or by
/// converting the WKT's parameters to a PROJ string.
pub fn from_wkt(wkt: &str) -> Result<EpsgTransform, CrsError> {
    // Real definitions nest a handful of levels; a deeply nested text would exhaust the
    // parser's stack.
    let mut depth = 0usize;
    for c in wkt.chars() {
        match c {
            '[' | '(' => {
                depth += 1;
                if depth > 32 {
                    return Err(CrsError::Unrecognised(
                        "the definition nests too deeply".into(),
                    ));
                }
            }
            ']' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if wkt.len() > 64 << 10 {
        return Err(CrsError::Unrecognised(
            "the definition is longer than 64 KB".into(),
        ));
    }
    if secret_datum(wkt) {
        return Err(CrsError::SecretDatum(
            wkt_name(wkt).unwrap_or("this file's system").to_string(),
        ));
    }
    if let Some(code) = wkt_authority(wkt) {
        return EpsgTransform::from_epsg(code);
    }
    if let Some(code) = wkt_name(wkt).and_then(esri_name_to_epsg) {
        return EpsgTransform::from_epsg(code);
    }
    // Other systems: PROJ parameters from the WKT (ESRI's Gauss_Kruger is PROJ's tmerc).
    let fixed = wkt.replace("\"Gauss_Kruger\"", "\"Transverse_Mercator\"");
    let proj = proj4wkt::wkt_to_projstring(&fixed)
        .map_err(|e| CrsError::Unrecognised(format!("{e:?}")))?;
    let src =
        Proj::from_proj_string(&proj).map_err(|e| CrsError::Unrecognised(format!("{e:?}")))?;
    let dst = wgs84().ok_or(CrsError::Unknown(4326))?;
    Ok(EpsgTransform {
        code: 0,
        name: wkt_name(wkt).unwrap_or("custom").to_string(),
        projected: !src.is_latlong(),
        id: next_id(),
        src: Arc::new(src),
        dst: Arc::new(dst),
    })
}

/// The EPSG code in a GeoJSON `crs` name (`urn:ogc:def:crs:EPSG::3857`, `EPSG:4547`,
/// `urn:ogc:def:crs:OGC:1.3:CRS84`).
pub fn code_from_urn(name: &str) -> Option<u32> {
    let n = name.trim();
    if n.to_ascii_uppercase().ends_with("CRS84") {
        return Some(4326);
    }
    let upper = n.to_ascii_uppercase();
    let at = upper.rfind("EPSG")?;
    let digits: String = n[at + 4..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// Systems a planner's projected numbers commonly come in, tried by [`suggest_systems`].
const LIKELY: [u32; 13] = [
    4547, 4546, 4548, 4526, 4525, 4527, 4497, 4498, 4508, 4509, 32650, 32649, 3857,
];

/// EPSG systems that put a projected coordinate pair in or near Shenzhen (within 150 km of
/// 114.06 E, 22.55 N), nearest first, with their names. For messages such as "X ≈ 500,000 and
/// Y ≈ 2.5 million: CGCS2000 GK CM 114E, EPSG:4547?".
pub fn suggest_systems(x: f64, y: f64) -> Vec<(u32, String)> {
    let centre = LonLat::new(114.06, 22.55);
    let mut hits: Vec<(f64, u32, String)> = LIKELY
        .iter()
        .filter_map(|&code| {
            let t = EpsgTransform::from_epsg(code).ok()?;
            let ll = t.to_wgs84(x, y)?;
            let km = super::great_circle_km(ll, centre);
            (km < 150.0).then(|| (km, code, t.name.clone()))
        })
        .collect();
    hits.sort_by(|a, b| a.0.total_cmp(&b.0));
    hits.into_iter().map(|(_, c, n)| (c, n)).collect()
}

/// A sentence naming the systems that fit these numbers, or saying none does.
pub fn describe_guess(x: f64, y: f64) -> String {
    let fits = suggest_systems(x, y);
    let shown = format!(
        "X ≈ {}, Y ≈ {}",
        crate::model::limits::short(x.round()),
        crate::model::limits::short(y.round())
    );
    if fits.is_empty() {
        format!("{shown} fit none of the usual Shenzhen systems; give the system as epsg:N")
    } else {
        let list: Vec<String> = fits
            .iter()
            .take(3)
            .map(|(c, n)| format!("EPSG:{c} ({n})"))
            .collect();
        format!(
            "{shown} would lie in Shenzhen in {}; give it as epsg:{}",
            list.join(" or "),
            fits[0].0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published/independent values: the CGCS2000 3° GK CM 114E coordinates of a Shenzhen
    /// point, computed independently with pyproj 3.7.2 (PROJ 9.5.1): EPSG:4490 → EPSG:4547 for
    /// (114.0579, 22.5431): x = 505955.846 m, y = 2493941.246 m.
    #[test]
    fn gauss_kruger_cm114_matches_proj_to_the_centimetre() {
        let t = EpsgTransform::from_epsg(4547).unwrap();
        assert!(t.projected);
        let (x, y) = t.from_wgs84(LonLat::new(114.0579, 22.5431)).unwrap();
        assert!((x - 505_955.846).abs() < 0.01, "{x}");
        assert!((y - 2_493_941.246).abs() < 0.01, "{y}");
        let back = t.to_wgs84(x, y).unwrap();
        assert!((back.lon - 114.0579).abs() < 1e-9 && (back.lat - 22.5431).abs() < 1e-9);
    }

    #[test]
    fn names_urns_and_wkt_are_recognised() {
        assert_eq!(
            esri_name_to_epsg("CGCS2000_3_Degree_GK_CM_114E"),
            Some(4547)
        );
        assert_eq!(
            esri_name_to_epsg("CGCS2000_3_Degree_GK_Zone_38"),
            Some(4526)
        );
        assert_eq!(esri_name_to_epsg("CGCS2000_GK_Zone_20"), Some(4498));
        assert_eq!(esri_name_to_epsg("CGCS2000_GK_CM_117E"), Some(4509));
        assert_eq!(esri_name_to_epsg("WGS_1984_UTM_Zone_50N"), Some(32650));
        assert_eq!(
            esri_name_to_epsg("GCS_China_Geodetic_Coordinate_System_2000"),
            Some(4490)
        );
        assert_eq!(code_from_urn("urn:ogc:def:crs:EPSG::3857"), Some(3857));
        assert_eq!(code_from_urn("EPSG:4547"), Some(4547));
        assert_eq!(code_from_urn("urn:ogc:def:crs:OGC:1.3:CRS84"), Some(4326));
        assert!(from_wkt(&"PROJCS[".repeat(3000)).is_err());
        let esri = r#"PROJCS["CGCS2000_3_Degree_GK_CM_114E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        assert_eq!(from_wkt(esri).unwrap().code, 4547);
        // An unnamed Gauss–Krüger with the same parameters converts the same way.
        let custom = esri.replace("CGCS2000_3_Degree_GK_CM_114E", "my_local_grid");
        let t = from_wkt(&custom).unwrap();
        let a = t.to_wgs84(505_955.846, 2_493_941.246).unwrap();
        assert!(
            (a.lon - 114.0579).abs() < 1e-7 && (a.lat - 22.5431).abs() < 1e-7,
            "{a:?}"
        );
        let ogc = crs_definitions::from_code(4526).unwrap().wkt;
        assert_eq!(from_wkt(ogc).unwrap().code, 4526);
    }

    #[test]
    fn beijing_1954_and_xian_1980_are_refused_with_the_reason() {
        for code in [4214, 2435, 4610, 2383] {
            let e = EpsgTransform::from_epsg(code).unwrap_err();
            assert!(matches!(e, CrsError::SecretDatum(_)), "{code}: {e}");
            assert!(e.to_string().contains("not public"));
        }
        let wkt = r#"PROJCS["Beijing_1954_3_Degree_GK_CM_114E",GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]]]]"#;
        assert!(matches!(from_wkt(wkt), Err(CrsError::SecretDatum(_))));
    }

    #[test]
    fn projected_numbers_get_the_systems_that_fit() {
        let fits = suggest_systems(505_956.0, 2_493_941.0);
        assert_eq!(fits.first().map(|f| f.0), Some(4547));
        // Web Mercator numbers for Shenzhen (pyproj: 114.06, 22.55 → 12697101.1, 2577688.7).
        assert_eq!(
            suggest_systems(12_697_101.1, 2_577_688.7)
                .first()
                .map(|f| f.0),
            Some(3857)
        );
        // Zone number in the false easting: 38 500 000 m.
        assert_eq!(
            suggest_systems(38_505_956.0, 2_493_941.0)
                .first()
                .map(|f| f.0),
            Some(4526)
        );
        let msg = describe_guess(505_956.0, 2_493_941.0);
        assert!(
            msg.contains("EPSG:4547") && msg.contains("epsg:4547"),
            "{msg}"
        );
        assert!(suggest_systems(5.0, 7.0).is_empty());
    }
}
