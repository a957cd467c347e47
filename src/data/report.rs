//! What a load kept, skipped and warned about, so users see exactly which rows were left out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::SourceCrs;

/// Only this many skipped rows are listed one by one; the rest are counted by reason.
pub const MAX_DETAILED_SKIPS: usize = 500;

/// One row or feature that was not loaded, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkippedItem {
    /// 1-based line in the file (CSV), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 0-based feature index (GeoJSON), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<usize>,
    /// Short reason class, e.g. `swapped`, `unparsable`, `out_of_range`.
    pub kind: String,
    pub reason: String,
}

impl SkippedItem {
    /// `line 12: reason`, `feature 3: reason`, or just the reason when neither is known.
    pub fn describe(&self) -> String {
        match (self.line, self.feature) {
            (Some(l), _) => format!("line {l}: {}", self.reason),
            (_, Some(f)) => format!("feature {f}: {}", self.reason),
            _ => self.reason.clone(),
        }
    }
}

/// The outcome of loading one file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadReport {
    pub file: String,
    pub crs: SourceCrs,
    /// The system the coordinates were read in, as a person reads it (the file's own system
    /// when it names one: GeoJSON `crs`, `.prj`, GeoPackage SRS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crs_used: Option<String>,
    /// Short hash of the file's bytes, to stamp outputs with the data they came from.
    pub hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Which input column or property was used for each role.
    pub columns: BTreeMap<String, String>,
    /// Data rows or features seen.
    pub read: usize,
    /// Rows or features loaded.
    pub loaded: usize,
    /// Total skipped (may exceed `skipped.len()`).
    pub skipped_count: usize,
    pub skipped_by_kind: BTreeMap<String, usize>,
    pub skipped: Vec<SkippedItem>,
    pub warnings: Vec<String>,
    /// How the file was read (layer or sheet, encoding, rows above the header …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl LoadReport {
    pub fn new(file: &str, crs: SourceCrs) -> Self {
        Self {
            file: file.to_string(),
            crs,
            ..Default::default()
        }
    }

    pub fn skip(&mut self, item: SkippedItem) {
        self.skipped_count += 1;
        *self.skipped_by_kind.entry(item.kind.clone()).or_default() += 1;
        if self.skipped.len() < MAX_DETAILED_SKIPS {
            self.skipped.push(item);
        }
    }

    pub fn skip_line(&mut self, line: u64, kind: &str, reason: String) {
        self.skip(SkippedItem {
            line: Some(line),
            feature: None,
            kind: kind.to_string(),
            reason,
        });
    }

    pub fn skip_feature(&mut self, feature: usize, kind: &str, reason: String) {
        self.skip(SkippedItem {
            line: None,
            feature: Some(feature),
            kind: kind.to_string(),
            reason,
        });
    }

    pub fn warn(&mut self, msg: impl Into<String>) {
        self.warnings.push(msg.into());
    }

    /// Merges a report of another chunk of the same file.
    pub fn absorb(&mut self, other: LoadReport) {
        self.read += other.read;
        self.loaded += other.loaded;
        self.skipped_count += other.skipped_count;
        for (k, v) in other.skipped_by_kind {
            *self.skipped_by_kind.entry(k).or_default() += v;
        }
        let room = MAX_DETAILED_SKIPS.saturating_sub(self.skipped.len());
        self.skipped.extend(other.skipped.into_iter().take(room));
        self.warnings.extend(other.warnings);
    }

    /// One-line human summary, e.g. `1998 of 2000 rows loaded; 2 skipped (swapped 1, unparsable 1)`.
    pub fn summary(&self) -> String {
        let mut s = format!("{} of {} loaded", self.loaded, self.read);
        if self.skipped_count > 0 {
            let kinds: Vec<String> = self
                .skipped_by_kind
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            s.push_str(&format!(
                "; {} skipped ({})",
                self.skipped_count,
                kinds.join(", ")
            ));
        }
        s
    }

    /// The first few skip reasons with their lines, for messages.
    pub fn first_reasons(&self, n: usize) -> String {
        self.skipped
            .iter()
            .take(n)
            .map(SkippedItem::describe)
            .collect::<Vec<_>>()
            .join("; ")
    }
}
