//! The `cluster-atlas render` command line that redraws a picture: made from the same options
//! the export uses (files and how they were read, clustering, layers, page), so the window can
//! print a command that gives the same bytes.

use std::path::Path;

use super::{ExportOptions, Format, Preset};
use crate::analysis::relocate::Weights;
use crate::analysis::{AnalysisParams, StudyArea};
use crate::data::{FirmLoadOptions, ZoneLoadOptions};
use crate::scene::{FirmColour, Lang, LayerStyle, SceneSettings};
use crate::tiles::{TileKind, TileSettings};

/// Everything a picture depends on.
pub struct RenderCommand<'a> {
    /// The zone file and how it was read (`None`: the bundled zones).
    pub zones: Option<(&'a Path, &'a ZoneLoadOptions)>,
    /// The firm file and how it was read (`None`: the bundled synthetic sample).
    pub firms: Option<(&'a Path, &'a FirmLoadOptions)>,
    /// The clustering drawn (`None`: no analysis).
    pub analysis: Option<&'a AnalysisParams>,
    pub scene: &'a SceneSettings,
    pub weights: &'a Weights,
    pub opts: &'a ExportOptions,
    /// One page per zone in this format, into the folder `out`.
    pub atlas: Option<Format>,
    /// The street basemap under the data (`None` or kind `None`: no tiles).
    pub tiles: Option<&'a TileSettings>,
    pub out: &'a Path,
}

/// The layers `--hide` and `--opacity` name, with their styles.
pub fn layer_styles(s: &SceneSettings) -> [(&'static str, LayerStyle); 7] {
    [
        ("land", s.land),
        ("districts", s.districts),
        ("zones", s.zones),
        ("firms", s.firms),
        ("clusters", s.clusters),
        ("density", s.density),
        ("hotspots", s.hotspots),
    ]
}

fn path_arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn push(args: &mut Vec<String>, flag: &str, value: impl Into<String>) {
    args.push(flag.to_string());
    args.push(value.into());
}

impl RenderCommand<'_> {
    /// The arguments after `cluster-atlas` (only what differs from the defaults, plus the
    /// page, language, extent, date and output, which are always given).
    pub fn args(&self) -> Vec<String> {
        let mut a = vec!["render".to_string()];
        self.input_args(&mut a);
        self.analysis_args(&mut a);
        self.layer_args(&mut a);
        self.tile_args(&mut a);
        self.page_args(&mut a);
        a
    }

    /// The basemap flags; a Tianditu key is never printed (the command reads TIANDITU_KEY).
    fn tile_args(&self, a: &mut Vec<String>) {
        let Some(t) = self.tiles else { return };
        let spec = match t.kind {
            TileKind::None => return,
            TileKind::Osm => "osm".to_string(),
            TileKind::Amap => "amap".to_string(),
            TileKind::Tianditu => "tianditu".to_string(),
            TileKind::Custom => t.custom_url.clone(),
        };
        push(a, "--tiles", spec);
        if t.kind == TileKind::Custom {
            push(a, "--tiles-crs", t.custom_crs.as_str());
        }
        if t.opacity != 1.0 {
            push(a, "--tiles-opacity", t.opacity.to_string());
        }
        if t.offline {
            a.push("--tiles-offline".into());
        }
    }

    fn input_args(&self, a: &mut Vec<String>) {
        if let Some((path, o)) = self.zones {
            push(a, "--zones", path_arg(path));
            if o.crs != ZoneLoadOptions::default().crs {
                push(a, "--zones-crs", o.crs.as_str());
            }
            let fields = [
                ("--zones-layer", &o.layer),
                ("--zone-id-field", &o.fields.id),
                ("--zone-name-field", &o.fields.name),
            ];
            for (flag, v) in fields {
                if let Some(v) = v {
                    push(a, flag, v.clone());
                }
            }
        }
        if let Some((path, o)) = self.firms {
            push(a, "--firms", path_arg(path));
            if o.crs != FirmLoadOptions::default().crs {
                push(a, "--firms-crs", o.crs.as_str());
            }
            let fields = [
                ("--sheet", &o.sheet),
                ("--firms-layer", &o.layer),
                ("--lon-col", &o.lon_col),
                ("--lat-col", &o.lat_col),
                ("--id-col", &o.id_col),
                ("--name-col", &o.name_col),
                ("--segment-col", &o.segment_col),
                ("--encoding", &o.encoding),
            ];
            for (flag, v) in fields {
                if let Some(v) = v {
                    push(a, flag, v.clone());
                }
            }
            if o.keep_distant {
                a.push("--keep-distant".into());
            }
        }
    }

    fn analysis_args(&self, a: &mut Vec<String>) {
        let Some(p) = self.analysis else {
            return;
        };
        a.push("--analysis".into());
        push(a, "--eps-m", p.dbscan.eps_m.to_string());
        push(a, "--min-pts", p.dbscan.min_pts.to_string());
        match &p.study_area {
            StudyArea::Bbox => {}
            other => push(a, "--study-area", other.kind().as_str()),
        }
        if self.scene.firm_colour == FirmColour::Cluster {
            push(a, "--colour", "cluster");
        }
        if *self.weights != Weights::default() {
            let json = serde_json::to_string(self.weights).unwrap_or_default();
            push(a, "--weights", json);
        }
    }

    fn layer_args(&self, a: &mut Vec<String>) {
        let (s, d) = (self.scene, SceneSettings::default());
        let mut hidden: Vec<&str> = layer_styles(s)
            .iter()
            .filter(|(name, l)| !l.visible && *name != "density" && *name != "hotspots")
            .map(|(name, _)| *name)
            .collect();
        if !s.district_labels {
            hidden.push("district-labels");
        }
        if !hidden.is_empty() {
            push(a, "--hide", hidden.join(","));
        }
        let defaults = layer_styles(&d);
        for ((name, l), (_, dl)) in layer_styles(s).iter().zip(defaults.iter()) {
            if l.opacity != dl.opacity {
                push(a, "--opacity", format!("{name}={}", l.opacity));
            }
        }
        if s.firm_radius_px != d.firm_radius_px {
            push(a, "--firm-radius-px", s.firm_radius_px.to_string());
        }
        if s.density.visible {
            a.push("--density".into());
        }
        if s.hotspots.visible {
            a.push("--hotspots".into());
        }
        if let Some(y) = s.year {
            push(a, "--year", y.to_string());
            if s.new_years != d.new_years {
                push(a, "--new-years", s.new_years.to_string());
            }
        }
        if s.density_bandwidth_m != d.density_bandwidth_m {
            push(a, "--bandwidth-m", s.density_bandwidth_m.to_string());
        }
        if !s.labels {
            a.push("--no-labels".into());
        }
        // Picked segment colours, when firms are coloured by segment (`--colour cluster`
        // goes with the analysis; without one the window colours by segment too).
        let by_cluster = s.firm_colour == FirmColour::Cluster && self.analysis.is_some();
        if s.firm_single_colour.is_none() && !by_cluster {
            for name in &s.segment_colours {
                push(a, "--segment-colour", name.clone());
            }
        }
    }

    fn page_args(&self, a: &mut Vec<String>) {
        let o = self.opts;
        match o.preset {
            Preset::Custom(w, h) => push(a, "--size", format!("{w}x{h}")),
            p => push(a, "--preset", p.name()),
        }
        push(a, "--dpi", o.dpi.to_string());
        let lang = match o.lang {
            Lang::Zh => "zh",
            Lang::En => "en",
            Lang::Both => "both",
        };
        push(a, "--lang", lang);
        if let Some(t) = &o.title {
            push(a, "--title", t.clone());
        }
        if let Some(t) = &o.subtitle {
            push(a, "--subtitle", t.clone());
        }
        push(a, "--extent", o.extent.to_arg());
        push(a, "--date", o.date.clone());
        if let Some(f) = self.atlas {
            a.push("--atlas".into());
            let name = match f {
                Format::Png => "png",
                Format::Svg => "svg",
                Format::Pdf => "pdf",
            };
            push(a, "--format", name);
        }
        push(a, "--out", path_arg(self.out));
    }

    /// The command as one line for a POSIX shell (arguments quoted where needed).
    pub fn shell(&self) -> String {
        std::iter::once("cluster-atlas".to_string())
            .chain(self.args().iter().map(|s| shell_quote(s)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One argument quoted for a POSIX shell when it holds anything but safe characters.
pub fn shell_quote(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_words_together() {
        assert_eq!(shell_quote("a4"), "a4");
        assert_eq!(shell_quote("深圳 map"), "'深圳 map'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn defaults_give_a_short_command() {
        let scene = SceneSettings::default();
        let opts = ExportOptions::default();
        let cmd = RenderCommand {
            zones: None,
            firms: None,
            analysis: None,
            scene: &scene,
            weights: &Weights::default(),
            opts: &opts,
            atlas: None,
            tiles: None,
            out: Path::new("map.png"),
        };
        let args = cmd.args();
        assert!(
            !args
                .iter()
                .any(|a| a == "--hide" || a == "--opacity" || a == "--analysis")
        );
        assert_eq!(args.last().map(String::as_str), Some("map.png"));
    }
}
