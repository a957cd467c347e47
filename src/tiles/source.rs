//! Where basemap tiles come from: OpenStreetMap, Amap (高德), Tianditu (天地图) or a custom XYZ
//! template, each with the datum its tiles are drawn in and the attribution it requires.

use serde::{Deserialize, Serialize};

use super::TileKey;

/// The datum a tile service draws its streets in. Web Mercator tiles drawn from GCJ-02
/// coordinates (Amap, Tencent) sit ~500 m off WGS-84 data unless warped back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TileCrs {
    /// WGS-84 (also CGCS2000, which differs from it by centimetres).
    #[default]
    Wgs84,
    Gcj02,
}

impl TileCrs {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "wgs84" | "wgs-84" | "epsg:4326" | "cgcs2000" | "epsg:4490" => Some(Self::Wgs84),
            "gcj02" | "gcj-02" => Some(Self::Gcj02),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wgs84 => "wgs84",
            Self::Gcj02 => "gcj02",
        }
    }
}

/// Which basemap the user chose (persisted in the settings; the Tianditu key and the custom
/// template live beside it in [`TileSettings`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TileKind {
    /// No tiles: the app stays offline.
    #[default]
    None,
    Osm,
    Amap,
    Tianditu,
    Custom,
}

/// The basemap settings the window persists and the export dialog uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TileSettings {
    pub kind: TileKind,
    /// The user's Tianditu key (天地图 tk); never written into project files.
    pub tianditu_key: String,
    /// `{z}/{x}/{y}` template of a custom XYZ service (`{s}` picks a subdomain a–c).
    pub custom_url: String,
    pub custom_crs: TileCrs,
    /// What the custom service asks to be credited with.
    pub custom_attribution: String,
    /// Cached tiles only: nothing is downloaded.
    pub offline: bool,
    /// On-disk cache size in megabytes (`limits::TILE_CACHE_MB`).
    pub cache_mb: u32,
    /// Opacity of the tiles under the data (0–1).
    pub opacity: f32,
}

impl Default for TileSettings {
    fn default() -> Self {
        Self {
            kind: TileKind::None,
            tianditu_key: String::new(),
            custom_url: String::new(),
            custom_crs: TileCrs::Wgs84,
            custom_attribution: String::new(),
            offline: false,
            cache_mb: crate::model::limits::TILE_CACHE_MB.default as u32,
            opacity: 1.0,
        }
    }
}

impl TileSettings {
    /// The source these settings describe, or why there is none (no key, bad template).
    pub fn source(&self) -> Result<Option<TileSource>, String> {
        Ok(Some(match self.kind {
            TileKind::None => return Ok(None),
            TileKind::Osm => TileSource::osm(),
            TileKind::Amap => TileSource::amap(),
            TileKind::Tianditu => TileSource::tianditu(&self.tianditu_key)?,
            TileKind::Custom => {
                TileSource::custom(&self.custom_url, self.custom_crs, &self.custom_attribution)?
            }
        }))
    }
}

/// A tile service: URL templates (drawn in order, e.g. Tianditu's streets then its labels),
/// datum, zoom range and attribution.
#[derive(Clone, Debug, PartialEq)]
pub struct TileSource {
    /// Short name, also the cache folder (`osm`, `amap`, `tianditu`, `custom-<hash>`).
    pub name: String,
    /// URL templates with `{z}`, `{x}`, `{y}` and optionally `{s}` (subdomain).
    pub layers: Vec<String>,
    pub subdomains: Vec<String>,
    pub crs: TileCrs,
    pub max_zoom: u8,
    /// The credit line shown on the map and printed in exports.
    pub attribution: String,
}

impl TileSource {
    pub fn osm() -> Self {
        Self {
            name: "osm".into(),
            layers: vec!["https://tile.openstreetmap.org/{z}/{x}/{y}.png".into()],
            subdomains: Vec::new(),
            crs: TileCrs::Wgs84,
            max_zoom: 19,
            attribution: "© OpenStreetMap contributors".into(),
        }
    }

    pub fn amap() -> Self {
        Self {
            name: "amap".into(),
            layers: vec![
                "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
                    .into(),
            ],
            subdomains: ["1", "2", "3", "4"].map(String::from).to_vec(),
            crs: TileCrs::Gcj02,
            max_zoom: 18,
            attribution: "© 高德地图 AutoNavi (GCJ-02, warped to WGS-84)".into(),
        }
    }

    /// Tianditu's vector streets with their Chinese labels; needs the user's key.
    pub fn tianditu(key: &str) -> Result<Self, String> {
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(
                "天地图 needs your key (tk): 32 letters and digits from console.tianditu.gov.cn \
                 / Tianditu needs your key (tk)"
                    .into(),
            );
        }
        let layer = |l: &str| {
            format!(
                "https://t{{s}}.tianditu.gov.cn/{l}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0\
                 &LAYER={l}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}\
                 &TILECOL={{x}}&tk={key}"
            )
        };
        Ok(Self {
            name: "tianditu".into(),
            layers: vec![layer("vec"), layer("cva")],
            subdomains: (0..8).map(|i| i.to_string()).collect(),
            crs: TileCrs::Wgs84,
            max_zoom: 18,
            attribution: "© 天地图 Tianditu (国家地理信息公共服务平台)".into(),
        })
    }

    /// A custom XYZ template such as `http://127.0.0.1:8000/{z}/{x}/{y}.png`.
    pub fn custom(template: &str, crs: TileCrs, attribution: &str) -> Result<Self, String> {
        let t = template.trim();
        if !(t.starts_with("http://") || t.starts_with("https://")) {
            return Err(format!(
                "a tile template starts with http:// or https://, got '{}'",
                crate::model::escape_controls(t)
            ));
        }
        if !["{z}", "{x}", "{y}"].iter().all(|p| t.contains(p)) {
            return Err(format!(
                "a tile template needs {{z}}, {{x}} and {{y}}, e.g. https://host/{{z}}/{{x}}/{{y}}.png; got '{t}'"
            ));
        }
        let host = t.split('/').nth(2).unwrap_or("custom").to_string();
        let attribution = if attribution.trim().is_empty() {
            format!("Tiles: {host}")
        } else {
            attribution.trim().to_string()
        };
        Ok(Self {
            name: format!("custom-{}", crate::model::short_hash(&[t.as_bytes()])),
            layers: vec![t.to_string()],
            subdomains: ["a", "b", "c"].map(String::from).to_vec(),
            crs,
            max_zoom: 20,
            attribution,
        })
    }

    /// The source `render --tiles` names: osm, amap, tianditu or a URL template.
    pub fn from_cli(spec: &str, crs: Option<TileCrs>, key: Option<&str>) -> Result<Self, String> {
        match spec.trim() {
            "osm" => Ok(Self::osm()),
            "amap" | "gaode" => Ok(Self::amap()),
            "tianditu" => Self::tianditu(key.unwrap_or_default()),
            url => Self::custom(url, crs.unwrap_or_default(), ""),
        }
    }

    /// The URL of one layer of one tile.
    pub fn url(&self, layer: usize, k: TileKey) -> Option<String> {
        let t = self.layers.get(layer)?;
        let s = match self.subdomains.len() {
            0 => String::new(),
            n => self.subdomains[(k.x as usize + k.y as usize) % n].clone(),
        };
        Some(
            t.replace("{z}", &k.z.to_string())
                .replace("{x}", &k.x.to_string())
                .replace("{y}", &k.y.to_string())
                .replace("{s}", &s),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_fill_the_template() {
        let k = TileKey::new(15, 26_700, 14_250);
        let osm = TileSource::osm();
        assert_eq!(
            osm.url(0, k).as_deref(),
            Some("https://tile.openstreetmap.org/15/26700/14250.png")
        );
        let a = TileSource::amap();
        let u = a.url(0, k).unwrap();
        assert!(
            u.contains("x=26700&y=14250&z=15") && u.contains("webrd03"),
            "{u}"
        );
        let t = TileSource::tianditu("abc123").unwrap();
        assert_eq!(t.layers.len(), 2);
        let u = t.url(1, k).unwrap();
        assert!(u.contains("cva_w") && u.contains("TILEROW=14250") && u.contains("tk=abc123"));
        assert!(t.url(2, k).is_none());
    }

    #[test]
    fn bad_sources_are_refused_with_a_reason() {
        assert!(TileSource::tianditu("").unwrap_err().contains("key"));
        assert!(TileSource::tianditu("a b").is_err());
        assert!(TileSource::custom("ftp://x/{z}/{x}/{y}", TileCrs::Wgs84, "").is_err());
        assert!(
            TileSource::custom("http://x/{z}/{x}.png", TileCrs::Wgs84, "")
                .unwrap_err()
                .contains("{y}")
        );
        let c = TileSource::from_cli(
            "http://127.0.0.1:9/{z}/{x}/{y}.png",
            Some(TileCrs::Gcj02),
            None,
        )
        .unwrap();
        assert_eq!(c.crs, TileCrs::Gcj02);
        assert_eq!(c.attribution, "Tiles: 127.0.0.1:9");
        assert_eq!(TileCrs::parse("GCJ-02"), Some(TileCrs::Gcj02));
        assert_eq!(TileCrs::parse("bd09"), None);
    }
}
