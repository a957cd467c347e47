//! Shared input options: which zone and firm files, their coordinate systems and columns.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use cluster_atlas::data::{self, FirmLoadOptions, ZoneFields, ZoneLoadOptions, bundled};
use cluster_atlas::model::SourceCrs;
use cluster_atlas::pipeline::Dataset;

use super::parse_crs;

/// How to read a zones file: its system, layer and id/name properties (shared by every
/// command that reads zones).
#[derive(Debug, Args, Clone)]
pub struct ZoneReadArgs {
    /// Coordinate system of the zones file: wgs84, gcj02, bd09, cgcs2000 or epsg:N (e.g.
    /// epsg:4547 for CGCS2000 3° Gauss-Krüger CM 114E). Default: the one the file names
    /// (.prj, GeoPackage SRS, GeoJSON crs), else wgs84.
    #[arg(long, default_value = "wgs84", value_parser = parse_crs)]
    pub zones_crs: SourceCrs,
    /// Layer of a GeoPackage (or Shapefile in a .zip) with several; they are listed when
    /// this is missing.
    #[arg(long, value_name = "LAYER")]
    pub zones_layer: Option<String>,
    /// Property holding the zone id (default: id, code, 编号, …).
    #[arg(long, value_name = "PROPERTY")]
    pub zone_id_field: Option<String>,
    /// Property holding the zone name (default: name_zh, 名称, name, …).
    #[arg(long, value_name = "PROPERTY")]
    pub zone_name_field: Option<String>,
}

impl ZoneReadArgs {
    pub fn options(&self) -> ZoneLoadOptions {
        ZoneLoadOptions {
            crs: self.zones_crs,
            fields: ZoneFields {
                id: self.zone_id_field.clone(),
                name: self.zone_name_field.clone(),
                name_en: None,
            },
            layer: self.zones_layer.clone(),
        }
    }
}

#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// Zones file: GeoJSON, Shapefile (.shp, or a .zip holding one), GeoPackage (.gpkg), KML or
    /// KMZ (default: the bundled 15 zone slots).
    #[arg(long, value_name = "FILE")]
    pub zones: Option<PathBuf>,
    #[command(flatten)]
    pub zone_read: ZoneReadArgs,
    /// Firms file: CSV, Excel (.xlsx/.xls) or .ods, GeoJSON points, or points in a
    /// Shapefile, GeoPackage or KML (default: the bundled SYNTHETIC sample); - reads standard
    /// input.
    #[arg(long, value_name = "FILE")]
    pub firms: Option<PathBuf>,
    /// Coordinate system of the firms file: wgs84, gcj02 (Amap, Tencent), bd09 (Baidu),
    /// cgcs2000 or epsg:N for projected X/Y in metres (e.g. epsg:4547).
    #[arg(long, default_value = "wgs84", value_parser = parse_crs)]
    pub firms_crs: SourceCrs,
    /// Sheet of a workbook (name or number, 1 = first; default: the first with data).
    #[arg(long, value_name = "SHEET")]
    pub sheet: Option<String>,
    /// Layer of a GeoPackage holding the firm points.
    #[arg(long, value_name = "LAYER")]
    pub firms_layer: Option<String>,
    /// Longitude column (detected from lon/lng/longitude/x/经度 when absent).
    #[arg(long, value_name = "COLUMN")]
    pub lon_col: Option<String>,
    /// Latitude column (detected from lat/latitude/y/纬度 when absent).
    #[arg(long, value_name = "COLUMN")]
    pub lat_col: Option<String>,
    /// Firm id column.
    #[arg(long, value_name = "COLUMN")]
    pub id_col: Option<String>,
    /// Firm name column.
    #[arg(long, value_name = "COLUMN")]
    pub name_col: Option<String>,
    /// Firm segment column.
    #[arg(long, value_name = "COLUMN")]
    pub segment_col: Option<String>,
    /// Founding date column (found from 成立日期, founded, reg_date … when absent).
    #[arg(long, value_name = "COLUMN")]
    pub founded_col: Option<String>,
    /// Text encoding of the firms file: utf-8 or gbk (detected when absent).
    #[arg(long)]
    pub encoding: Option<String>,
    /// Keep firms more than 200 km from the median of the others (by default they are left
    /// out as probable geocoding errors and listed in the load report).
    #[arg(long)]
    pub keep_distant: bool,
}

impl InputArgs {
    /// The input files named on the command line (to keep outputs off them).
    pub fn paths(&self) -> Vec<PathBuf> {
        self.zones.iter().chain(&self.firms).cloned().collect()
    }

    /// Loads the zones and firms (the bundled ones where none is named) and indexes them.
    pub fn load(&self) -> Result<Dataset> {
        self.load_with(data::load_firms)
    }

    /// [`Self::load`] for a run that reads each firm's row once more, to copy it: the text
    /// of a file over 64 MB is not held ([`data::load_firms_released`]).
    pub fn load_released(&self) -> Result<Dataset> {
        self.load_with(data::load_firms_released)
    }

    fn load_with(
        &self,
        load_firms: fn(
            &std::path::Path,
            &FirmLoadOptions,
        ) -> Result<data::LoadedFirms, data::LoadError>,
    ) -> Result<Dataset> {
        let stdin = |p: &Option<PathBuf>| p.as_ref().is_some_and(|p| p.as_os_str() == "-");
        if stdin(&self.zones) && stdin(&self.firms) {
            anyhow::bail!("--zones and --firms cannot both read standard input ('-')");
        }
        let zone_opts = self.zone_read.options();
        let zones = match &self.zones {
            Some(p) => data::load_zones(p, &zone_opts)?,
            None => bundled::zones()?,
        };
        let firm_opts = FirmLoadOptions {
            crs: self.firms_crs,
            lon_col: self.lon_col.clone(),
            lat_col: self.lat_col.clone(),
            id_col: self.id_col.clone(),
            name_col: self.name_col.clone(),
            segment_col: self.segment_col.clone(),
            founded_col: self.founded_col.clone(),
            encoding: self.encoding.clone(),
            delimiter: None,
            keep_distant: self.keep_distant,
            sheet: self.sheet.clone(),
            layer: self.firms_layer.clone(),
        };
        let (firms, synthetic) = match &self.firms {
            Some(p) => (load_firms(p, &firm_opts)?, false),
            None => (bundled::sample_firms()?, true),
        };
        Ok(Dataset::new(zones, firms, synthetic, None, 1))
    }
}
