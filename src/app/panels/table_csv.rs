//! The bottom tables saved as CSV for Excel (UTF-8 with a BOM): the zones with their
//! statistics, every firm with its zone, nearest zone, distance and cluster, and the load
//! report's skipped rows with their reasons, headers in the window's language.

use std::path::{Path, PathBuf};

use super::BottomTab;
use crate::app::reasons::report_text;
use crate::app::{ClusterAtlasApp, Command, Message};
use crate::model::Lang;

/// A table as text: header and rows.
pub type TableText = (Vec<String>, Vec<Vec<String>>);

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}")).unwrap_or_default()
}

impl ClusterAtlasApp {
    /// The rows of a bottom tab as saved (`None` for the policy tab, which is text).
    pub fn table_text(&self, tab: BottomTab) -> Option<TableText> {
        match tab {
            BottomTab::Zones => Some(self.zone_table_text()),
            BottomTab::Firms => Some(self.firm_table_text()),
            BottomTab::Report => Some(self.report_table_text()),
            BottomTab::Policy => None,
        }
    }

    fn zone_table_text(&self) -> TableText {
        let lang = self.lang();
        let header = [
            ("编号", "id"),
            ("名称", "name"),
            ("批次", "batch"),
            ("所在区", "district"),
            ("几何", "geometry"),
            ("区内企业", "firms_inside"),
            ("附近企业", "firms_nearby"),
            ("附近半径（米）", "nearby_radius_m"),
            ("面积（平方公里）", "area_km2"),
            ("密度（家/平方公里）", "density_per_km2"),
            ("占全市比例", "share"),
        ];
        let stats = self.results.as_ref().map(|r| &r.analysis.zone_stats);
        let rows = self
            .data
            .zones
            .iter()
            .enumerate()
            .map(|(zi, z)| {
                let s = stats.and_then(|s| s.get(zi));
                vec![
                    z.id.clone(),
                    z.display_name(lang).to_string(),
                    z.batch.map(|b| format!("{b:?}")).unwrap_or_default(),
                    z.district_zh.clone().unwrap_or_default(),
                    format!("{:?}", z.quality),
                    s.and_then(|s| s.firms_inside)
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                    s.and_then(|s| s.firms_nearby)
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                    num(s.map(|s| s.nearby_radius_m), 0),
                    num(s.and_then(|s| s.area_km2), 3),
                    num(s.and_then(|s| s.density_per_km2), 2),
                    num(s.and_then(|s| s.share), 4),
                ]
            })
            .collect();
        (pick(&header, lang), rows)
    }

    fn firm_table_text(&self) -> TableText {
        let lang = self.lang();
        let header = [
            ("编号", "id"),
            ("名称", "name"),
            ("领域", "segment"),
            ("所在集聚区", "zone"),
            ("最近集聚区", "nearest_zone"),
            ("距离（米）", "nearest_zone_m"),
            ("集群", "cluster"),
            ("经度 WGS-84", "wgs84_lon"),
            ("纬度 WGS-84", "wgs84_lat"),
        ];
        let (data, analysis) = (&self.data, self.results.as_ref().map(|r| &r.analysis));
        let zone_id = |z: Option<u32>| {
            z.and_then(|z| data.zones.get(z as usize))
                .map(|z| z.id.clone())
                .unwrap_or_default()
        };
        let rows = (0..data.firms.len())
            .map(|f| {
                let p = analysis.map(|a| &a.placement);
                vec![
                    data.firms.id(f).into_owned(),
                    data.firms.name(f).to_string(),
                    self.fit.label(data.firms.segment_name(f), lang).to_string(),
                    zone_id(p.and_then(|p| p.zone(f))),
                    zone_id(p.and_then(|p| p.nearest_zone(f))),
                    num(p.and_then(|p| p.nearest_m.get(f).copied()), 1),
                    analysis
                        .and_then(|a| a.labels.get(f))
                        .map(|l| l.to_string())
                        .unwrap_or_default(),
                    format!("{:.6}", data.firms.lonlat[f].lon),
                    format!("{:.6}", data.firms.lonlat[f].lat),
                ]
            })
            .collect();
        (pick(&header, lang), rows)
    }

    fn report_table_text(&self) -> TableText {
        let lang = self.lang();
        let header = [
            ("文件", "file"),
            ("行", "line"),
            ("要素", "feature"),
            ("原因", "reason"),
        ];
        let reports = [&self.data.zones_report, &self.data.firms_report];
        let rows = reports
            .iter()
            .flat_map(|r| {
                r.skipped.iter().map(move |s| {
                    vec![
                        r.file.clone(),
                        s.line.map(|l| l.to_string()).unwrap_or_default(),
                        s.feature.map(|f| f.to_string()).unwrap_or_default(),
                        report_text(&s.reason, lang),
                    ]
                })
            })
            .collect();
        (pick(&header, lang), rows)
    }

    /// Writes a bottom tab as CSV (atomically; never over an input or a non-regular file).
    pub fn save_table(&mut self, tab: BottomTab, path: &Path) {
        let Some((header, rows)) = self.table_text(tab) else {
            return;
        };
        let inputs: Vec<PathBuf> = [&self.data.zones_report.file, &self.data.firms_report.file]
            .iter()
            .map(PathBuf::from)
            .collect();
        let refs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let result = crate::output::refuse_inputs(path, &refs).and_then(|_| {
            crate::output::atomic_write(path, |w| {
                crate::output::write_table_csv(w, &header, rows.iter())
            })
        });
        let shown = path.display();
        let m = match result {
            Ok(()) => Message::plain(false, format!("→ {shown}")),
            Err(e) => Message::both(
                true,
                self.lang(),
                format!("无法保存 {shown}: {e}"),
                format!("Cannot save {shown}: {e}"),
            ),
        };
        self.messages.push(m);
    }

    /// The "save table as CSV" box; returns the path typed while it stays open.
    pub(crate) fn save_table_window(
        &mut self,
        ctx: &egui::Context,
        tab: BottomTab,
        path: String,
    ) -> Option<String> {
        let title = self.tr("表格另存为 CSV", "Save table as CSV");
        let note = self.tr(
            "UTF-8（带 BOM）CSV，Excel 可直接打开中文。",
            "UTF-8 CSV with a BOM, so Excel opens Chinese text correctly.",
        );
        let save = self.tr("保存", "Save");
        match super::path_box(ctx, title, note, "/path/to/table.csv", save, path) {
            super::PathBox::Open(p) => Some(p),
            super::PathBox::Closed => None,
            super::PathBox::Chosen(p) => {
                self.push(Command::SaveTable(tab, p));
                None
            }
        }
    }
}

fn pick(header: &[(&str, &str)], lang: Lang) -> Vec<String> {
    header.iter().map(|(z, e)| lang.pick(z, e)).collect()
}
