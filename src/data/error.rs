//! Errors that stop a whole file from loading. Row- and feature-level problems go into the
//! [`super::LoadReport`] instead, so the rest of the file still loads.

use thiserror::Error;

/// Why a file could not be loaded at all. Each message says what is wrong and what to do,
/// with the file path last.
#[derive(Debug, Error)]
pub enum LoadError {
    // The cause is in the message (the window shows only the message), so it is not also
    // a `source`: error chains would print it twice.
    #[error("cannot read the file ({cause}): {path}")]
    Io { path: String, cause: std::io::Error },
    #[error("the file is empty: {path}")]
    Empty { path: String },
    #[error(
        "not valid JSON at line {line}, column {column} ({message}); check the file is complete: {path}"
    )]
    Json {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{message}: {path}")]
    Format { path: String, message: String },
    #[error(
        "coordinates look projected (metres), not longitude/latitude degrees (for example \
         {example}); {guess} (--zones-crs / --firms-crs, or the import dialog's system): {path}"
    )]
    Projected {
        path: String,
        example: String,
        guess: String,
    },
    #[error(
        "no longitude/latitude columns found among [{headers}]; name them lon/lat (or 经度/纬度) \
         or choose them (--lon-col/--lat-col, or the column pickers of the window's import \
         dialog): {path}"
    )]
    NoCoordinateColumns { path: String, headers: String },
    #[error("column '{column}' is not in the header [{headers}]: {path}")]
    MissingColumn {
        path: String,
        column: String,
        headers: String,
    },
    #[error("no usable rows ({reasons}): {path}")]
    NoUsableRows { path: String, reasons: String },
    #[error(
        "cannot decode the text as {encoding}; save it as UTF-8 or pass the right encoding: {path}"
    )]
    Encoding { path: String, encoding: String },
}

impl LoadError {
    /// A whole file of projected-looking numbers, with the systems that would fit them.
    pub fn projected(path: &str, example: String) -> Self {
        let guess = super::geometry::projected_guess(&example)
            .unwrap_or_else(|| "give the file's coordinate system as epsg:N".into());
        LoadError::Projected {
            path: path.to_string(),
            example,
            guess,
        }
    }

    /// A JSON syntax error with its line and column, naming the file.
    pub fn json(path: &str, e: &serde_json::Error) -> Self {
        LoadError::Json {
            path: path.to_string(),
            line: e.line(),
            column: e.column(),
            message: e
                .to_string()
                .split(" at line")
                .next()
                .unwrap_or_default()
                .to_string(),
        }
    }
}
