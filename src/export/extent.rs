//! What part of the map a picture shows: all data, one zone, or a checked lon/lat box.

use super::ExportError;
use crate::model::{LonLat, Xy};
use crate::scene::Viewport;

/// What part of the map the picture shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Extent {
    /// All zones with geometry and all firms.
    All,
    /// One zone with a margin.
    Zone(String),
    /// A WGS-84 box: south-west and north-east corners.
    BBox(LonLat, LonLat),
}

/// Smallest side of a `bbox:` extent, degrees (about 1 m).
pub const MIN_BBOX_DEG: f64 = 1e-5;
/// Largest side of a `bbox:` extent, degrees.
pub const MAX_BBOX_DEG: f64 = 10.0;

impl Extent {
    /// `all`, `zone:Z03` or `bbox:min_lon,min_lat,max_lon,max_lat` (WGS-84 degrees; each side
    /// between [`MIN_BBOX_DEG`] and [`MAX_BBOX_DEG`], so the map scale stays meaningful).
    pub fn parse(s: &str) -> Result<Self, ExportError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("all") {
            return Ok(Extent::All);
        }
        if let Some(z) = s.strip_prefix("zone:") {
            if z.trim().is_empty() {
                return Err(ExportError::BadExtent(s.to_string()));
            }
            return Ok(Extent::Zone(z.trim().to_string()));
        }
        if let Some(b) = s.strip_prefix("bbox:") {
            let bad = |why: &str| ExportError::BadBbox(format!("{b} ({why})"));
            let v: Vec<f64> = b
                .split(',')
                .map(|x| x.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| bad("four numbers are needed"))?;
            let [a, b2, c, d] = v.as_slice() else {
                return Err(bad("four numbers are needed"));
            };
            let (a, b2, c, d) = (*a, *b2, *c, *d);
            if !(v.iter().all(|x| x.is_finite())
                && (-180.0..=180.0).contains(&a)
                && (-180.0..=180.0).contains(&c)
                && (-85.0..=85.0).contains(&b2)
                && (-85.0..=85.0).contains(&d))
            {
                return Err(bad(
                    "longitudes must lie within ±180°, latitudes within ±85°",
                ));
            }
            if !(a < c && b2 < d) {
                return Err(bad("min must be less than max"));
            }
            if (c - a).max(d - b2) > MAX_BBOX_DEG {
                return Err(bad(&format!(
                    "a briefing map spans at most {MAX_BBOX_DEG}°; use --extent all for all data"
                )));
            }
            if (c - a).min(d - b2) < MIN_BBOX_DEG {
                return Err(bad(&format!(
                    "each side must span at least {MIN_BBOX_DEG}° (about 1 m)"
                )));
            }
            return Ok(Extent::BBox(LonLat::new(a, b2), LonLat::new(c, d)));
        }
        Err(ExportError::BadExtent(s.to_string()))
    }

    /// The lon/lat box of a view (what the window exports as "current view").
    pub fn of_view(vp: &Viewport, proj: &crate::crs::Projection) -> Self {
        let (lo, hi) = vp.plane_bounds();
        let corners = [lo, hi, Xy::new(lo.x, hi.y), Xy::new(hi.x, lo.y)].map(|p| proj.unproject(p));
        let r6 = |v: f64| (v * 1e6).round() / 1e6;
        let min = LonLat::new(
            r6(corners.iter().map(|c| c.lon).fold(f64::MAX, f64::min)),
            r6(corners.iter().map(|c| c.lat).fold(f64::MAX, f64::min)),
        );
        let max = LonLat::new(
            r6(corners.iter().map(|c| c.lon).fold(f64::MIN, f64::max)),
            r6(corners.iter().map(|c| c.lat).fold(f64::MIN, f64::max)),
        );
        // A view zoomed out past what `--extent bbox:` accepts (or in past it) exports all
        // data instead, so the equivalent command stays valid.
        let (w, h) = (max.lon - min.lon, max.lat - min.lat);
        if !(w.is_finite() && h.is_finite()) || w.max(h) > MAX_BBOX_DEG || w.min(h) < MIN_BBOX_DEG {
            return Extent::All;
        }
        Extent::BBox(min, max)
    }

    /// The `--extent` argument for this extent.
    pub fn to_arg(&self) -> String {
        match self {
            Extent::All => "all".into(),
            Extent::Zone(z) => format!("zone:{z}"),
            Extent::BBox(a, b) => format!("bbox:{},{},{},{}", a.lon, a.lat, b.lon, b.lat),
        }
    }
}
