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

    /// No coordinate columns among `headers` (listed shortened for the message).
    pub fn no_coordinates(path: &str, headers: &[String]) -> Self {
        LoadError::NoCoordinateColumns {
            path: path.to_string(),
            headers: header_list(headers),
        }
    }

    /// A file whose start holds NUL bytes: not text at all (a program, an archive, a
    /// spreadsheet format not read), said as such instead of listing its bytes as headers.
    pub fn not_text(path: &str, start: &str) -> Option<Self> {
        let nul = start.bytes().take(4096).any(|b| b == 0);
        nul.then(|| LoadError::Format {
            path: path.to_string(),
            message: "this is not a text table: its first bytes hold NUL characters (a program, \
                      an archive or a spreadsheet in a format not read here); save the firms \
                      as CSV, Excel (.xlsx), GeoJSON, GeoPackage, Shapefile or KML"
                .into(),
        })
    }

    /// `column` is not among `headers` (listed shortened).
    pub fn missing_column(path: &str, column: &str, headers: &[String]) -> Self {
        LoadError::MissingColumn {
            path: path.to_string(),
            column: column.to_string(),
            headers: header_list(headers),
        }
    }
}

/// Headers for a message: each cut to 30 characters, at most 20 of them, then how many more.
fn header_list(headers: &[String]) -> String {
    const MAX_CHARS: usize = 30;
    const MAX_HEADERS: usize = 20;
    let mut out: Vec<String> = headers
        .iter()
        .take(MAX_HEADERS)
        .map(|h| match h.char_indices().nth(MAX_CHARS) {
            Some((at, _)) => format!("{}…", &h[..at]),
            None => h.clone(),
        })
        .collect();
    if headers.len() > MAX_HEADERS {
        out.push(format!("… {} more", headers.len() - MAX_HEADERS));
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::LoadError;

    #[test]
    fn long_and_many_headers_are_shortened_and_files_with_nul_bytes_named() {
        let long = "经".repeat(60);
        let mut headers: Vec<String> = (0..45).map(|k| format!("c{k}")).collect();
        headers[0] = long.clone();
        let msg = LoadError::no_coordinates("f.csv", &headers).to_string();
        assert!(msg.contains(&format!("{}…, c1,", "经".repeat(30))), "{msg}");
        assert!(msg.contains("c19, … 25 more]"), "{msg}");
        assert!(!msg.contains("c20"), "{msg}");
        let short = LoadError::missing_column("f.csv", "lon", &headers[1..3]).to_string();
        assert!(short.contains("[c1, c2]"), "{short}");
        let msg = LoadError::not_text("a.out", "\u{7f}ELF\0\u{2}").map(|e| e.to_string());
        assert!(msg.is_some_and(|m| m.starts_with("this is not a text table")));
        assert!(LoadError::not_text("f.csv", "lon,lat\n1,2").is_none());
    }
}
