//! The import dialog: coordinate system, columns, a preview of the first rows, then load.

use std::path::PathBuf;

use super::import_columns::ColumnPickers;
use crate::app::map_view::color;
use crate::app::state::Settings;
use crate::app::{ClusterAtlasApp, Command};
use crate::data::formats::{self, Format};
use crate::data::{FirmLoadOptions, ZoneLoadOptions, decode_text};
use crate::model::{Lang, SourceCrs};
use crate::scene::palette;

/// What the dialog shows about the file before loading it.
pub struct Preview {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub encoding: String,
}

/// An open import dialog.
pub struct ImportDialog {
    pub path: PathBuf,
    /// The file's format (from its extension).
    pub format: Option<Format>,
    /// Load as zones (GeoJSON polygons/points) rather than firms.
    pub zones: bool,
    pub firm_opts: FirmLoadOptions,
    pub zone_opts: ZoneLoadOptions,
    pub preview: Result<Preview, String>,
    /// Layers of a GeoPackage or Shapefiles of a `.zip`, sheets of a workbook.
    pub choices: Vec<String>,
    /// The coordinate system the file names (.prj, GeoPackage SRS, GeoJSON crs), if any.
    pub detected_crs: Option<String>,
    /// The EPSG code typed for "other system".
    pub epsg_text: String,
    /// When the preview's coordinates look projected: a sentence and the systems that fit.
    pub projected_hint: Option<(String, Vec<u32>)>,
    /// The column pickers' contents, remade when the options or language change.
    pub pickers: Option<ColumnPickers>,
}

/// Metres-looking coordinates in the preview's first row (two numbers over 1000 in columns
/// named like coordinates, else the first two such numbers), with the systems that fit.
fn projected_hint(p: &Preview) -> Option<(String, Vec<u32>)> {
    let row = p.rows.first()?;
    let coordish = |h: &str| {
        let h = h.to_lowercase();
        [
            "x", "y", "lon", "lat", "lng", "经度", "纬度", "坐标", "east", "north",
        ]
        .iter()
        .any(|k| h.contains(k))
    };
    let nums: Vec<(usize, f64)> = row
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.trim().parse::<f64>().ok().map(|v| (i, v)))
        .filter(|(_, v)| v.is_finite() && v.abs() > 1000.0)
        .collect();
    let named: Vec<f64> = nums
        .iter()
        .filter(|(i, _)| p.headers.get(*i).is_some_and(|h| coordish(h)))
        .map(|(_, v)| *v)
        .collect();
    let pair = if named.len() >= 2 {
        named
    } else {
        nums.iter().map(|(_, v)| *v).collect()
    };
    let (x, y) = (*pair.first()?, *pair.get(1)?);
    let fits: Vec<u32> = crate::crs::suggest_systems(x, y)
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    Some((crate::crs::describe_guess(x, y), fits))
}

/// The first rows of a delimited text for the preview.
fn preview_text(text: &str, encoding: &str) -> Result<Preview, String> {
    // From the header the loader will use (title lines above it are skipped), its columns
    // named as the loader reads them (made up for a file without a header, R's row names).
    let (read, found) = crate::data::header_for_preview(text);
    let text = read.get(found.start..).unwrap_or(&read);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(found.delimiter)
        .flexible(true)
        .has_headers(!found.headerless)
        .from_reader(text.as_bytes());
    let headers = match found.names {
        Some(names) => names,
        None => rdr
            .headers()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|h| h.trim().to_string())
            .collect(),
    };
    let rows = rdr
        .records()
        .take(8)
        .filter_map(Result::ok)
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
    Ok(Preview {
        headers,
        rows,
        encoding: encoding.to_string(),
    })
}

fn preview(path: &std::path::Path) -> Result<Preview, String> {
    let mut buf =
        crate::data::read_head(path, 64 * 1024).map_err(|e| format!("{e}: {}", path.display()))?;
    // Cut at the last full line so a multi-byte character is not split.
    if let Some(p) = buf.iter().rposition(|b| *b == b'\n') {
        buf.truncate(p + 1);
    }
    let text = decode_text(&buf, None, &path.display().to_string()).map_err(|e| e.to_string())?;
    preview_text(&text.text, text.encoding)
}

/// A workbook sheet's first rows (after its title rows); only they are unpacked, so a
/// million-row workbook opens its dialog at once.
fn preview_sheet(path: &PathBuf, sheet: Option<&str>) -> (Result<Preview, String>, Vec<String>) {
    let name = path.display().to_string();
    match std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|b| formats::sheet::read_head(&b, &name, sheet, 60).map_err(|e| e.to_string()))
    {
        Ok(t) => {
            let note = format!("sheet '{}', header on row {}", t.sheet, t.header_row);
            (preview_text(&t.csv, &note), t.sheets)
        }
        Err(e) => (Err(e), Vec::new()),
    }
}

/// Whether a vector file holds polygons (zones) rather than points (firms), cheaply: the
/// Shapefile header's shape type, the GeoPackage layer's geometry type, the KML's first
/// geometry element.
fn holds_polygons(path: &PathBuf, format: Format) -> bool {
    use std::io::Read;
    let head = |n: usize| -> Vec<u8> {
        let mut buf = vec![0u8; n];
        let got = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut buf))
            .unwrap_or(0);
        buf.truncate(got);
        buf
    };
    match format {
        Format::Shapefile => {
            let shp = path.with_extension("shp");
            let mut buf = [0u8; 36];
            let ok = std::fs::File::open(&shp)
                .and_then(|mut f| f.read_exact(&mut buf))
                .is_ok();
            !ok || !matches!(buf[32], 1 | 8 | 11 | 18 | 21 | 28)
        }
        Format::GeoPackage => formats::gpkg::layers(path)
            .map(|l| {
                l.iter()
                    .any(|x| x.geometry_type.to_ascii_uppercase().contains("POLYGON"))
            })
            .unwrap_or(true),
        Format::Kml => {
            let t = String::from_utf8_lossy(&head(1 << 20)).to_string();
            match (t.find("<Polygon"), t.find("<Point")) {
                (Some(a), Some(b)) => a < b,
                (None, Some(_)) => false,
                _ => true,
            }
        }
        Format::GeoJson => crate::data::read_input(path)
            .map(|b| {
                let t = String::from_utf8_lossy(&b);
                t.contains("Polygon")
                    || t.contains("\"geometry\": null")
                    || t.contains("\"geometry\":null")
            })
            .unwrap_or(true),
        Format::Csv | Format::Sheet => false,
        Format::ShapefileZip | Format::Kmz => true,
    }
}

/// The system a vector file names, for the dialog.
fn detected_crs(path: &std::path::Path, format: Format) -> Option<String> {
    match format {
        Format::Shapefile => {
            let prj = std::fs::read_to_string(path.with_extension("prj")).ok()?;
            Some(match crate::crs::from_wkt(&prj) {
                Ok(t) if t.code > 0 => format!("EPSG:{} ({})", t.code, t.name),
                Ok(t) => t.name,
                Err(e) => e.to_string(),
            })
        }
        Format::GeoPackage => {
            let l = formats::gpkg::layers(path).ok()?;
            Some(format!("SRS {}", l.first()?.srs_id))
        }
        Format::GeoJson => {
            // A `crs` member comes before the features: the head is enough, and a large
            // file is not read on the window's thread.
            let head = crate::data::read_head(path, 64 * 1024).ok()?;
            let t = String::from_utf8_lossy(&head);
            let at = t.find("EPSG")?;
            let urn: String = t.get(at..)?.chars().take(16).collect();
            let code = crate::crs::code_from_urn(&urn)?;
            Some(format!("EPSG:{code}"))
        }
        Format::Kml | Format::Kmz => Some("WGS-84 (KML)".into()),
        _ => None,
    }
}

impl ImportDialog {
    pub fn new(path: PathBuf, settings: &Settings) -> Self {
        let format = Format::of_path(&path).or_else(|| {
            // (Unpacked when gzip data: `firms.geojson.gz`.)
            crate::data::read_head(&path, 64)
                .ok()
                .filter(|b| b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{'))
                .map(|_| Format::GeoJson)
        });
        let zones = format.is_some_and(|f| holds_polygons(&path, f));
        // This file read as last time (system, columns, sheet…); a new file starts on the
        // coordinate system of the last firm file.
        let same = settings.recent.iter().find(|r| !r.zones && r.path == path);
        let last = settings
            .recent
            .iter()
            .find(|r| !r.zones)
            .map(|r| r.firm_options.clone())
            .unwrap_or_default();
        let last_zone = settings
            .recent
            .iter()
            .find(|r| r.zones && r.path == path)
            .map(|r| r.zone_options.clone())
            .unwrap_or_default();
        let firm_opts = match same {
            Some(r) => r.firm_options.clone(),
            None => FirmLoadOptions {
                crs: last.crs,
                ..Default::default()
            },
        };
        let mut choices = Vec::new();
        let preview = match format {
            Some(Format::Sheet) => {
                let (p, sheets) = preview_sheet(&path, None);
                choices = sheets;
                p
            }
            Some(Format::Csv) | None => preview(&path),
            Some(Format::GeoPackage) => {
                choices = formats::gpkg::layers(&path)
                    .map(|l| l.into_iter().map(|x| x.table).collect())
                    .unwrap_or_default();
                Err(String::new())
            }
            Some(Format::ShapefileZip) => {
                choices = std::fs::read(&path)
                    .ok()
                    .and_then(|b| formats::shp::shapefiles_in_zip(&b, "").ok())
                    .unwrap_or_default();
                Err(String::new())
            }
            _ => Err(String::new()),
        };
        let detected_crs = format.and_then(|f| detected_crs(&path, f));
        let projected_hint = preview.as_ref().ok().and_then(projected_hint);
        Self {
            path,
            format,
            zones,
            firm_opts,
            zone_opts: last_zone,
            preview,
            choices,
            detected_crs,
            epsg_text: String::new(),
            projected_hint,
            pickers: None,
        }
    }
}

fn crs_label(c: SourceCrs, lang: Lang) -> String {
    let s = match (c, lang.chinese()) {
        (SourceCrs::Wgs84, true) => "WGS-84（GPS、OSM）",
        (SourceCrs::Wgs84, false) => "WGS-84 (GPS, OSM)",
        (SourceCrs::Gcj02, true) => "GCJ-02（高德、腾讯）",
        (SourceCrs::Gcj02, false) => "GCJ-02 (Amap, Tencent)",
        (SourceCrs::Bd09, true) => "BD-09（百度）",
        (SourceCrs::Bd09, false) => "BD-09 (Baidu)",
        (SourceCrs::Epsg(4490), true) => "CGCS2000（国家 2000）",
        (SourceCrs::Epsg(4490), false) => "CGCS2000",
        (SourceCrs::Epsg(code), _) => return format!("EPSG:{code}"),
    };
    s.to_string()
}

impl ClusterAtlasApp {
    /// Shows the dialog; returns it back while it stays open.
    pub(crate) fn import_window(
        &mut self,
        ctx: &egui::Context,
        mut d: ImportDialog,
    ) -> Option<ImportDialog> {
        let lang = self.lang();
        let mut open = true;
        let mut load = false;
        egui::Window::new(self.tr("导入文件", "Import file"))
            .open(&mut open)
            .default_width(640.0)
            .show(ctx, |ui| {
                load = self.import_dialog_ui(ui, &mut d, lang);
            });
        if load {
            if d.zones {
                self.push(Command::LoadZones(d.path.clone(), d.zone_opts.clone()));
            } else {
                self.push(Command::LoadFirms(d.path.clone(), d.firm_opts.clone()));
            }
            return None;
        }
        open.then_some(d)
    }

    /// Draws the dialog's contents, section by section (returns whether Load was clicked).
    fn import_dialog_ui(&self, ui: &mut egui::Ui, d: &mut ImportDialog, lang: Lang) -> bool {
        ui.label(d.path.display().to_string());
        ui.horizontal(|ui| {
            ui.radio_value(&mut d.zones, false, self.tr("企业（点）", "Firms (points)"));
            ui.radio_value(
                &mut d.zones,
                true,
                self.tr("集聚区（多边形或点）", "Zones (polygons or points)"),
            );
        });
        if let Some(f) = d.format {
            ui.small(format!("{}: {}", self.tr("格式", "Format"), f.name()));
        }
        self.import_crs(ui, d, lang);
        if !d.choices.is_empty() {
            self.import_layer_choice(ui, d);
        }
        ui.small(self.tr("高德 / 腾讯导出的坐标是 GCJ-02，百度是 BD-09；选错会偏移约 500 米。", "Amap/Tencent exports are GCJ-02, Baidu BD-09; the wrong choice shifts points by about 500 m."));
        if d.zones {
            self.zone_field_inputs(ui, &mut d.zone_opts);
        } else if let Ok(p) = &d.preview {
            if !d
                .pickers
                .as_ref()
                .is_some_and(|k| k.fits(&d.firm_opts, lang))
            {
                d.pickers = Some(ColumnPickers::new(&p.headers, &d.firm_opts, lang));
            }
            if let Some(pickers) = &d.pickers {
                self.firm_column_choice(ui, &mut d.firm_opts, pickers, lang);
            }
            ui.small(format!(
                "{}: {}",
                self.tr("读取方式", "Read as"),
                p.encoding
            ));
            preview_grid(ui, p);
        } else if let Err(e) = &d.preview
            && !e.is_empty()
        {
            ui.colored_label(color(palette::ERROR, 1.0), e);
        }
        ui.separator();
        let mut load = false;
        ui.horizontal(|ui| {
            if ui.button(self.tr("载入", "Load")).clicked() {
                load = true;
            }
            ui.small(self.tr("载入失败时保留当前数据；跳过的行列在“载入报告”中。", "If loading fails the current data stays; skipped rows are listed under Load report."));
        });
        load
    }

    /// Draws the coordinate-system choice, the projected-coordinates hint, the system the file
    /// names and an unknown EPSG code's error.
    fn import_crs(&self, ui: &mut egui::Ui, d: &mut ImportDialog, lang: Lang) {
        let crs = if d.zones {
            &mut d.zone_opts.crs
        } else {
            &mut d.firm_opts.crs
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(lang.one("坐标系", "Coordinate system"));
            for c in SourceCrs::ALL {
                ui.radio_value(crs, c, crs_label(c, lang));
            }
            ui.radio_value(
                crs,
                SourceCrs::Epsg(4490),
                crs_label(SourceCrs::Epsg(4490), lang),
            );
            ui.label("EPSG:");
            let edit = ui.add(
                egui::TextEdit::singleline(&mut d.epsg_text)
                    .desired_width(60.0)
                    .hint_text("4547"),
            );
            if edit.changed()
                && let Ok(code) = d.epsg_text.trim().parse::<u32>()
            {
                *crs = SourceCrs::Epsg(code);
            }
        });
        if let (Some((text, fits)), false) = (&d.projected_hint, d.zones) {
            ui.colored_label(
                color(palette::WARNING, 1.0),
                format!(
                    "{} {text}",
                    self.tr(
                        "坐标看起来是米（投影坐标）：",
                        "The coordinates look like metres (projected):"
                    )
                ),
            );
            ui.horizontal(|ui| {
                for code in fits.iter().take(3) {
                    if ui
                        .button(format!("{} EPSG:{code}", self.tr("使用", "Use")))
                        .clicked()
                    {
                        *crs = SourceCrs::Epsg(*code);
                        d.epsg_text = code.to_string();
                    }
                }
            });
        }
        if let Some(det) = &d.detected_crs {
            ui.small(format!(
                "{}: {det}",
                self.tr(
                    "文件自带的坐标系（选 WGS-84 时采用）",
                    "System named in the file (used when WGS-84 is chosen)"
                )
            ));
        }
        if let SourceCrs::Epsg(code) = *crs
            && let Err(e) = crate::crs::Reader::new(*crs)
        {
            ui.colored_label(color(palette::ERROR, 1.0), format!("EPSG:{code}: {e}"));
        }
    }

    /// Draws the layer (or workbook sheet) choice, re-reading the preview for another sheet.
    fn import_layer_choice(&self, ui: &mut egui::Ui, d: &mut ImportDialog) {
        let is_sheet = d.format == Some(Format::Sheet);
        let label = if is_sheet {
            self.tr("工作表", "Sheet")
        } else {
            self.tr("图层", "Layer")
        };
        let current = if is_sheet {
            d.firm_opts.sheet.clone()
        } else if d.zones {
            d.zone_opts.layer.clone()
        } else {
            d.firm_opts.layer.clone()
        };
        let mut chosen = current.clone();
        ui.horizontal(|ui| {
            ui.label(&label);
            egui::ComboBox::from_id_salt("import-layer")
                .selected_text(
                    chosen
                        .clone()
                        .unwrap_or_else(|| self.tr("（第一个）", "(first)")),
                )
                .show_ui(ui, |ui| {
                    for c in &d.choices {
                        ui.selectable_value(&mut chosen, Some(c.clone()), c);
                    }
                });
        });
        if chosen != current {
            if is_sheet {
                d.firm_opts.sheet = chosen.clone();
                let (p, _) = preview_sheet(&d.path, chosen.as_deref());
                d.preview = p;
            } else if d.zones {
                d.zone_opts.layer = chosen;
            } else {
                d.firm_opts.layer = chosen;
            }
        }
    }

    /// Draws the zone file's id and name property boxes.
    fn zone_field_inputs(&self, ui: &mut egui::Ui, opts: &mut ZoneLoadOptions) {
        ui.horizontal(|ui| {
            ui.label(self.tr("编号字段（空 = 自动）", "Id property (empty = detect)"));
            let mut v = opts.fields.id.clone().unwrap_or_default();
            ui.text_edit_singleline(&mut v);
            opts.fields.id = Some(v).filter(|s| !s.trim().is_empty());
        });
        ui.horizontal(|ui| {
            ui.label(self.tr("名称字段（空 = 自动）", "Name property (empty = detect)"));
            let mut v = opts.fields.name.clone().unwrap_or_default();
            ui.text_edit_singleline(&mut v);
            opts.fields.name = Some(v).filter(|s| !s.trim().is_empty());
        });
    }

    /// Draws the firm file's column choices and the keep-distant-firms checkbox.
    fn firm_column_choice(
        &self,
        ui: &mut egui::Ui,
        opts: &mut FirmLoadOptions,
        pickers: &ColumnPickers,
        lang: Lang,
    ) {
        let auto = |detected: &Option<String>| match detected {
            Some(h) => format!(
                "{}{h}{}",
                self.tr("（自动：", "(detect: "),
                self.tr("）", ")")
            ),
            None => self.tr("（自动：无）", "(detect: none)"),
        };
        let [lon, lat, name, segment, id, founded] = &pickers.detected;
        let combo = |ui: &mut egui::Ui, label: &str, v: &mut Option<String>, detected| {
            let auto = auto(detected);
            let shown = match v.as_deref() {
                None => auto.clone(),
                Some(value) => pickers.label_of(value),
            };
            ui.label(label);
            egui::ComboBox::from_id_salt(label.to_string())
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(v, None, auto.clone());
                    for (value, text) in &pickers.choices {
                        ui.selectable_value(v, Some(value.clone()), text);
                    }
                });
        };
        egui::Grid::new("import-cols")
            .num_columns(4)
            .show(ui, |ui| {
                let long = lang.one("经度列", "Longitude column");
                combo(ui, long, &mut opts.lon_col, lon);
                let lat_label = lang.one("纬度列", "Latitude column");
                combo(ui, lat_label, &mut opts.lat_col, lat);
                ui.end_row();
                combo(
                    ui,
                    lang.one("名称列", "Name column"),
                    &mut opts.name_col,
                    name,
                );
                let seg = lang.one("领域列", "Segment column");
                combo(ui, seg, &mut opts.segment_col, segment);
                ui.end_row();
                combo(ui, lang.one("编号列", "Id column"), &mut opts.id_col, id);
                let dates = lang.one("成立日期列", "Founding date column");
                combo(ui, dates, &mut opts.founded_col, founded);
                ui.end_row();
            });
        ui.checkbox(
            &mut opts.keep_distant,
            self.tr(
                "保留远离其他企业（200 公里以上）的点",
                "Keep distant firms (over 200 km from the others)",
            ),
        )
        .on_hover_text(self.tr(
            "默认不载入这类点（多为地理编码错误），并在载入报告中逐条列出。",
            "By default such rows (usually failed geocodes) are left out and listed in the load report.",
        ));
    }
}

/// Draws the preview of the file's first rows under its headers.
fn preview_grid(ui: &mut egui::Ui, p: &Preview) {
    egui::ScrollArea::horizontal().show(ui, |ui| {
        egui::Grid::new("import-preview")
            .striped(true)
            .show(ui, |ui| {
                for h in &p.headers {
                    ui.strong(h);
                }
                ui.end_row();
                for r in &p.rows {
                    for c in r {
                        ui.label(c);
                    }
                    ui.end_row();
                }
            });
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_preview_starts_at_the_header_the_loader_uses() {
        let p =
            super::preview_text("企业名录（合成）\n\nid,lon,lat\n1,114.0,22.5\n", "utf-8").unwrap();
        assert_eq!(p.headers, ["id", "lon", "lat"]);
        assert_eq!(p.rows, [["1", "114.0", "22.5"]]);
        let p = super::preview_text("id,lon,lat\n1,114.0,22.5\n", "utf-8").unwrap();
        assert_eq!(p.headers, ["id", "lon", "lat"]);
    }

    /// A file with no header shows the loader's made-up names over all its lines; R's row
    /// names get the unnamed column the loader adds.
    #[test]
    fn the_preview_names_columns_as_the_loader_does() {
        let p = super::preview_text("A,114.05,22.54\nB,114.06,22.55\n", "utf-8").unwrap();
        assert_eq!(p.headers, ["column 1", "column 2", "column 3"]);
        assert_eq!(
            p.rows.first().map(Vec::as_slice),
            Some(&["A", "114.05", "22.54"].map(String::from)[..])
        );
        assert_eq!(p.rows.len(), 2);
        let p = super::preview_text("\"lon\" \"lat\"\n\"1\" 114.05 22.54\n", "utf-8").unwrap();
        assert_eq!(p.headers, ["", "lon", "lat"]);
    }

    /// R's escaped quotes show as the loader reads them (the oracle: the loaded firm), in the
    /// header's names too, a header that splits wrongly before they are rewritten included.
    #[test]
    fn the_preview_reads_r_escaped_quotes_as_the_loader_does() {
        let text = "\"id\" \"name\" \"备\\\"注\\\"\" \"lon\" \"lat\"\n\
                    \"1\" \"F1\" \"示例\\\"星光\\\"科技\" \"x\\\"y\" 114.05 22.54\n";
        let p = super::preview_text(text, "utf-8").unwrap();
        let loaded = crate::data::load_firms_csv_bytes(
            text.as_bytes(),
            "r.txt",
            &crate::data::FirmLoadOptions::default(),
        )
        .unwrap();
        assert_eq!(p.headers, loaded.firms.attrs.headers);
        assert_eq!(p.headers[3], "备\"注\"");
        let row = p.rows.first().unwrap();
        assert_eq!(row[2], loaded.firms.attrs.row_view(0).get(2));
        assert_eq!(row[2], "示例\"星光\"科技");
    }
}
