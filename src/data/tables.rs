//! Loaders for the policy facts and the segment-fit table (bundled or user-edited JSON).

use super::LoadError;
use crate::model::{FitTable, Policy};

fn parse<T: serde::de::DeserializeOwned>(text: &str, path: &str) -> Result<T, LoadError> {
    serde_json::from_str(text).map_err(|e| LoadError::json(path, &e))
}

/// Parses and checks a fit table: weights must be numbers from 0 to 1.
pub fn fit_table_from_str(text: &str, path: &str) -> Result<FitTable, LoadError> {
    let t: FitTable = parse(text, path)?;
    for s in &t.segments {
        for f in &s.fits {
            if !(0.0..=1.0).contains(&f.weight) {
                return Err(LoadError::Format {
                    path: path.to_string(),
                    message: format!(
                        "segment '{}': weight {} for '{}' must be between 0 and 1",
                        s.key, f.weight, f.zh
                    ),
                });
            }
        }
    }
    if t.segments.is_empty() {
        return Err(LoadError::Format {
            path: path.to_string(),
            message: "the fit table lists no segments".into(),
        });
    }
    Ok(t)
}

pub fn policy_from_str(text: &str, path: &str) -> Result<Policy, LoadError> {
    parse(text, path)
}

/// Reads a fit table from a file.
pub fn load_fit_table(path: &std::path::Path) -> Result<FitTable, LoadError> {
    let text = super::read_small_text(path, 16 << 20)?;
    fit_table_from_str(&text, &path.display().to_string())
}
