//! The documented range of every number a user can set, in one place. The command line parses
//! with [`Limit::parse`], the window's widgets take [`Limit::range`], and the settings loader
//! repairs out-of-range values with [`Limit::repair`], so all three agree.
//!
//! Ranges are chosen so that no allowed value can exhaust memory or time on city-scale data
//! (4 million firms): e.g. DBSCAN's eps has a floor, stability draws a ceiling.

use std::fmt;

/// One settable number: its name (as the command line spells it), range, default and unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    /// Name as on the command line, without dashes (`eps-m`).
    pub name: &'static str,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    /// Unit shown after numbers (`m`, `px`, empty).
    pub unit: &'static str,
    /// Whole numbers only.
    pub integer: bool,
}

/// A value outside its documented range (or not a number).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{name} must be {range}, got {got}")]
pub struct LimitError {
    pub name: &'static str,
    pub range: String,
    pub got: String,
}

const fn real(name: &'static str, min: f64, max: f64, default: f64, unit: &'static str) -> Limit {
    Limit {
        name,
        min,
        max,
        default,
        unit,
        integer: false,
    }
}

const fn int(name: &'static str, min: f64, max: f64, default: f64) -> Limit {
    Limit {
        name,
        min,
        max,
        default,
        unit: "",
        integer: true,
    }
}

/// DBSCAN neighbourhood radius on the ground. The floor keeps the neighbour grid small.
pub const EPS_M: Limit = real("eps-m", 10.0, 20_000.0, 500.0, "m");
/// DBSCAN minimum points, counting the point itself.
pub const MIN_PTS: Limit = int("min-pts", 1.0, 1_000.0, 5.0);
/// Radius for counting firms near a zone (zone statistics, advisor).
pub const RADIUS_M: Limit = real("radius-m", 100.0, 20_000.0, 3_000.0, "m");
/// Kernel-density bandwidth (Gaussian sigma).
pub const BANDWIDTH_M: Limit = real("bandwidth-m", 50.0, 20_000.0, 800.0, "m");
/// Distance at which the advisor's proximity score falls to 1/e.
pub const PROXIMITY_SCALE_M: Limit = real("proximity-scale-m", 500.0, 50_000.0, 5_000.0, "m");
/// The advisor's commuting radius: moves within it cost nothing beyond lost proximity; beyond
/// it the distance cost rises with the square of the excess.
pub const COMMUTE_RADIUS_M: Limit = real("commute-radius-m", 1_000.0, 100_000.0, 15_000.0, "m");
/// The distance cost at twice the commuting radius, on the score's 0–1 scale.
pub const DISTANCE_COST: Limit = real("distance-cost", 0.0, 1.0, 0.3, "");
/// How much a target must beat staying (score points on the 0–1 scale) to be recommended.
pub const MARGIN: Limit = real("margin", 0.0, 0.5, 0.05, "");
/// One advisor weight (they are normalised to sum to 1; at least one must be above 0).
pub const WEIGHT: Limit = real("weight", 0.0, 100.0, 20.0, "");
/// Random weight draws for the advisor's rank-stability test.
pub const DRAWS: Limit = int("draws", 0.0, 10_000.0, 1_000.0);
/// Spread of the stability draws (each weight × exp(σ·N(0,1))).
pub const SIGMA: Limit = real("sigma", 0.0, 2.0, 0.35, "");
/// Targets or candidates listed per site.
pub const TOP: Limit = int("top", 1.0, 1_000.0, 5.0);
/// Firm dot radius on screen and on the page.
pub const FIRM_RADIUS_PX: Limit = real("firm-radius-px", 1.0, 6.0, 2.5, "px");
/// Layer opacity.
pub const OPACITY: Limit = real("opacity", 0.0, 1.0, 1.0, "");
/// Export resolution (the page must also fit [`MAX_PAGE_PIXELS`]).
pub const DPI: Limit = int("dpi", 30.0, 1_200.0, 300.0);
/// One side of a custom export size.
pub const PAGE_SIDE_PX: Limit = int("size", 200.0, 20_000.0, 1_920.0);
/// Synthetic sample size.
pub const SAMPLE_N: Limit = int("n", 1.0, 10_000_000.0, 2_000.0);
/// Map scale in the window, metres per screen pixel.
pub const M_PER_PX: Limit = real("m-per-px", 0.05, 5_000.0, 100.0, "m/px");
/// A map centre coordinate on the plane, metres from the projection centre.
pub const PLANE_COORD_M: Limit = real("view centre", -2.0e7, 2.0e7, 0.0, "m");

/// Repetitions of each step in the hidden `bench` command.
pub const REPEAT: Limit = int("repeat", 1.0, 100.0, 3.0);

/// On-disk tile cache size; oldest tiles are evicted beyond it.
pub const TILE_CACHE_MB: Limit = int("tile-cache-mb", 16.0, 20_000.0, 500.0);
/// How long an export waits for its basemap tiles.
pub const TILE_TIMEOUT_S: Limit = real("tiles-timeout-s", 1.0, 600.0, 60.0, "s");

/// Hot-spot fishnet cell side (default from the data).
pub const CELL_M: Limit = real("cell-m", 10.0, 20_000.0, 1_000.0, "m");
/// Hot-spot neighbourhood distance between cell centres (default 2.5 cells).
pub const BAND_M: Limit = real("band-m", 10.0, 100_000.0, 2_500.0, "m");
/// Largest distance of Ripley's K/L (default the smaller of 3 km and a quarter of √area).
pub const RIPLEY_MAX_M: Limit = real("ripley-max-m", 10.0, 50_000.0, 3_000.0, "m");
/// Years of newly founded firms highlighted in the year view.
pub const NEW_YEARS: Limit = int("new-years", 1.0, 10.0, 3.0);
/// A year to look at (firms alive then).
pub const YEAR: Limit = int("year", 1900.0, 2100.0, 2024.0);

/// Segment names picked to take the segment colours (the legend's picker, `render
/// --segment-colour`): as many as the palette has colours before its grey.
pub const SEGMENT_COLOURS: Limit = int("segment-colour", 0.0, 5.0, 0.0);

/// Largest export picture (width × height): 100 million pixels is 400 MB of RGBA.
pub const MAX_PAGE_PIXELS: u64 = 100_000_000;

impl Limit {
    /// The range as a person reads it: "10–20000 m".
    pub fn describe(&self) -> String {
        let unit = if self.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", self.unit)
        };
        format!("{}–{}{unit}", short(self.min), short(self.max))
    }

    /// True for a finite value inside the range (and whole, for integer limits).
    pub fn contains(&self, v: f64) -> bool {
        v.is_finite() && v >= self.min && v <= self.max && (!self.integer || v.fract() == 0.0)
    }

    /// Checks a value, with a message naming the range.
    pub fn check(&self, v: f64) -> Result<f64, LimitError> {
        if self.contains(v) {
            Ok(v)
        } else {
            Err(self.error(&short(v)))
        }
    }

    fn error(&self, got: &str) -> LimitError {
        let kind = if self.integer { "a whole number " } else { "" };
        LimitError {
            name: self.name,
            range: format!("{kind}between {}", self.describe().replace('–', " and ")),
            got: crate::model::escape_controls(got).into_owned(),
        }
    }

    /// Parses command-line text and checks the range.
    pub fn parse(&self, s: &str) -> Result<f64, LimitError> {
        let v: f64 = s.trim().parse().map_err(|_| self.error(s))?;
        self.check(v)
    }

    /// Parses a whole number (counts).
    pub fn parse_usize(&self, s: &str) -> Result<usize, LimitError> {
        let v = self.parse(s)?;
        Ok(v as usize)
    }

    /// Parses a whole number (resolutions, sizes).
    pub fn parse_u32(&self, s: &str) -> Result<u32, LimitError> {
        let v = self.parse(s)?;
        Ok(v as u32)
    }

    /// The range for sliders and drag values.
    pub fn range(&self) -> std::ops::RangeInclusive<f64> {
        self.min..=self.max
    }

    /// The range for `f32` widgets.
    pub fn range_f32(&self) -> std::ops::RangeInclusive<f32> {
        self.min as f32..=self.max as f32
    }

    /// The range for `u32` widgets.
    pub fn range_u32(&self) -> std::ops::RangeInclusive<u32> {
        self.min as u32..=self.max as u32
    }

    /// The range for integer widgets.
    pub fn range_usize(&self) -> std::ops::RangeInclusive<usize> {
        self.min as usize..=self.max as usize
    }

    /// A value read from a settings file: kept when in range, else reset to the default with
    /// a note for the user (`field` names it as the file does).
    pub fn repair(&self, field: &str, v: &mut f64, notes: &mut Vec<String>) {
        if !self.contains(*v) {
            notes.push(format!(
                "{field} = {} is outside {}; reset to {}",
                short(*v),
                self.describe(),
                short(self.default)
            ));
            *v = self.default;
        }
    }

    /// [`Self::repair`] for an `f32` field.
    pub fn repair_f32(&self, field: &str, v: &mut f32, notes: &mut Vec<String>) {
        let mut x = *v as f64;
        self.repair(field, &mut x, notes);
        *v = x as f32;
    }

    /// [`Self::repair`] for a count.
    pub fn repair_usize(&self, field: &str, v: &mut usize, notes: &mut Vec<String>) {
        let mut x = *v as f64;
        self.repair(field, &mut x, notes);
        *v = x as usize;
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.describe())
    }
}

/// A number as short text: whole numbers without decimals, others with up to 6 significant
/// digits, huge or tiny ones in scientific notation.
pub fn short(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    if v.abs() >= 1e6 || v.abs() < 1e-4 {
        return format!("{v:.3e}");
    }
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Checks an export size in pixels against [`MAX_PAGE_PIXELS`].
pub fn check_page_pixels(w: u32, h: u32) -> Result<(), String> {
    let px = w as u64 * h as u64;
    if px > MAX_PAGE_PIXELS {
        return Err(format!(
            "a {w}×{h} px picture ({:.0} million pixels) is larger than the {} million \
             pixels allowed; lower --dpi or --size",
            px as f64 / 1e6,
            MAX_PAGE_PIXELS / 1_000_000
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_accepts_the_range_and_names_it_when_refusing() {
        assert_eq!(EPS_M.check(10.0), Ok(10.0));
        assert_eq!(EPS_M.check(20_000.0), Ok(20_000.0));
        for bad in [9.99, 20_000.5, f64::NAN, f64::INFINITY, -1.0, 1e-6] {
            let e = EPS_M.check(bad).unwrap_err();
            assert!(e.to_string().contains("between 10 and 20000 m"), "{e}");
        }
        assert!(MIN_PTS.parse("2.5").is_err());
        assert!(MIN_PTS.parse("1000000000000").is_err());
        assert_eq!(MIN_PTS.parse_usize(" 7 "), Ok(7));
        assert!(DRAWS.parse("abc").unwrap_err().to_string().contains("abc"));
    }

    #[test]
    fn repair_resets_only_bad_values_and_says_so() {
        let mut notes = Vec::new();
        let mut ok = 800.0;
        BANDWIDTH_M.repair("density_bandwidth_m", &mut ok, &mut notes);
        assert_eq!(ok, 800.0);
        assert!(notes.is_empty());
        let mut bad = f64::NAN;
        EPS_M.repair("eps_m", &mut bad, &mut notes);
        assert_eq!(bad, 500.0);
        let mut huge = 1e30f32;
        FIRM_RADIUS_PX.repair_f32("firm_radius_px", &mut huge, &mut notes);
        assert_eq!(huge, 2.5);
        assert_eq!(notes.len(), 2);
        assert!(notes[1].contains("firm_radius_px") && notes[1].contains("1.000e30"));
    }

    #[test]
    fn defaults_lie_inside_their_ranges() {
        for l in [
            EPS_M,
            MIN_PTS,
            RADIUS_M,
            BANDWIDTH_M,
            PROXIMITY_SCALE_M,
            COMMUTE_RADIUS_M,
            DISTANCE_COST,
            MARGIN,
            WEIGHT,
            DRAWS,
            SIGMA,
            TOP,
            FIRM_RADIUS_PX,
            OPACITY,
            DPI,
            PAGE_SIDE_PX,
            SAMPLE_N,
            M_PER_PX,
            PLANE_COORD_M,
            REPEAT,
        ] {
            assert!(l.contains(l.default), "{l}");
        }
    }

    #[test]
    fn page_pixels_are_bounded() {
        assert!(check_page_pixels(9921, 7016).is_ok());
        assert!(check_page_pixels(20_000, 20_000).is_err());
    }
}
