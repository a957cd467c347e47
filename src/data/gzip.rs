//! Gzip-compressed inputs (`firms.csv.gz`, `zones.geojson.gz`, as registers are often mailed
//! and downloaded): found by their first bytes whatever the name, and unpacked in memory so
//! the loaders read the text inside with every check they make.

use std::io::Read;

use super::{FileBytes, LoadError, MAX_STREAM_BYTES};

/// The first two bytes of every gzip member (RFC 1952).
const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// True when `bytes` start as gzip data does.
pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// The text inside `bytes` when they are gzip data (every member, as `gzip -d` gives),
/// stamped as the file was read; other bytes as they are. At most [`MAX_STREAM_BYTES`]
/// are unpacked: more is refused, not read into memory.
pub(crate) fn unpacked(bytes: FileBytes, path: &str) -> Result<FileBytes, LoadError> {
    if !is_gzip(&bytes) {
        return Ok(bytes);
    }
    let stamp = bytes.stamp();
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(4));
    flate2::read::MultiGzDecoder::new(&bytes[..])
        .take(MAX_STREAM_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| LoadError::Format {
            path: path.to_string(),
            message: format!(
                "this gzip-compressed file is damaged or cut short ({e}); download or copy it \
                 again, or unpack it with another program and open the file inside"
            ),
        })?;
    if out.len() as u64 > MAX_STREAM_BYTES {
        return Err(LoadError::Format {
            path: path.to_string(),
            message: format!(
                "this gzip-compressed file holds more than {} GB; unpack it (gzip -d) and \
                 open the file inside, which is read without this limit",
                MAX_STREAM_BYTES >> 30
            ),
        });
    }
    Ok(FileBytes {
        bytes: out,
        stamp: Some(stamp),
        utf8: false,
        packed: Some(bytes.len() as u64),
    })
}

/// Up to `limit` bytes from the start of the file at `path`, unpacked when it is gzip data
/// (for previews: only what is needed is read and unpacked).
pub fn read_head(path: &std::path::Path, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let mut head = Vec::new();
    (&mut file).take(limit as u64).read_to_end(&mut head)?;
    if !is_gzip(&head) {
        return Ok(head);
    }
    let mut out = Vec::new();
    let read = flate2::read::MultiGzDecoder::new(std::fs::File::open(path)?)
        .take(limit as u64)
        .read_to_end(&mut out);
    match read {
        // A file cut short still previews what it holds; loading it says it is damaged.
        Err(_) if !out.is_empty() => Ok(out),
        Err(e) => Err(std::io::Error::new(
            e.kind(),
            format!("a damaged gzip file ({e})"),
        )),
        Ok(_) => Ok(out),
    }
}

/// The load report's note on a file that was unpacked.
pub(crate) fn note(bytes: &FileBytes) -> Option<String> {
    bytes.packed.map(|packed| {
        format!(
            "unpacked from gzip: {} of text from {}",
            size(bytes.len() as u64),
            size(packed)
        )
    })
}

/// A size as people read it: "812 bytes", "35.2 KB", "720.9 MB".
fn size(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} bytes"),
        1_000..1_000_000 => format!("{:.1} KB", n as f64 / 1e3),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(text: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_data_is_unpacked_and_keeps_the_files_stamp() {
        let packed = gz(b"id,lon,lat\n1,114.05,22.54\n");
        let stamp_len = packed.len();
        let stamp = FileBytes::new(packed.clone()).stamp();
        let b = unpacked(FileBytes::new(packed), "f.csv.gz").unwrap();
        assert_eq!(&b[..], b"id,lon,lat\n1,114.05,22.54\n");
        assert_eq!(b.stamp(), stamp, "the stamp is the file's, as read");
        assert_eq!(
            note(&b).as_deref(),
            Some(
                format!(
                    "unpacked from gzip: 26 bytes of text from {} bytes",
                    stamp_len
                )
                .as_str()
            )
        );
        // Two members, as `cat a.gz b.gz` makes: both.
        let two = [gz(b"a\n"), gz(b"b\n")].concat();
        assert_eq!(&unpacked(FileBytes::new(two), "t").unwrap()[..], b"a\nb\n");
        // Other bytes pass through untouched, with no note.
        let plain = unpacked(FileBytes::new(b"id\n".to_vec()), "t").unwrap();
        assert!(&plain[..] == b"id\n" && note(&plain).is_none());
    }

    /// A register and its gzip copy load the same firms, whole or through the batch
    /// loader (which does not stream gzip data), and the preview reads the text inside.
    #[test]
    fn a_gzip_file_loads_as_the_file_inside() {
        let dir = std::env::temp_dir().join(format!("ca-gzip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut text = "统一社会信用代码,企业名称,经度,纬度,备注\n".to_string();
        // A note of scrambled digits per row keeps the packed file larger than a streamed
        // window that is not short (twice the header search's 64 KB).
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for i in 0..20_000 {
            let (x, y) = (
                113.8 + f64::from(i % 97) * 0.004,
                22.5 + f64::from(i % 89) * 0.003,
            );
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            text.push_str(&format!(
                "9144{i:014},示例{i}（合成）,{x:.6},{y:.6},{seed:x}\n"
            ));
        }
        let (plain, packed) = (dir.join("f.csv"), dir.join("f.csv.gz"));
        std::fs::write(&plain, &text).unwrap();
        std::fs::write(&packed, gz(text.as_bytes())).unwrap();
        let opts = crate::data::FirmLoadOptions::default();
        let want = crate::data::load_firms(&plain, &opts).unwrap();
        for got in [
            crate::data::load_firms(&packed, &opts).unwrap(),
            crate::data::load_firms_released(&packed, &opts).unwrap(),
        ] {
            assert_eq!(got.firms.len(), 20_000);
            assert_eq!(got.firms.lonlat, want.firms.lonlat);
            assert_eq!(got.firms.id(19_999), want.firms.id(19_999));
            assert!(
                got.report
                    .notes
                    .iter()
                    .any(|n| n.starts_with("unpacked from gzip"))
            );
        }
        let window = 200_000;
        assert!(std::fs::metadata(&packed).unwrap().len() > 2 * window);
        assert!(
            crate::data::load_firms_csv_streamed(&packed, &opts, window as usize)
                .unwrap()
                .is_none(),
            "gzip data is not streamed"
        );
        assert_eq!(read_head(&packed, 100).unwrap(), &text.as_bytes()[..100]);
        assert_eq!(read_head(&plain, 100).unwrap(), &text.as_bytes()[..100]);
        // Cut short: the preview has what came before the cut.
        let packed_bytes = std::fs::read(&packed).unwrap();
        std::fs::write(&packed, &packed_bytes[..packed_bytes.len() / 2]).unwrap();
        let head = read_head(&packed, 1 << 30).unwrap();
        assert!(head.len() > 1000 && text.as_bytes().starts_with(&head));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(812), "812 bytes");
        assert_eq!(size(35_200), "35.2 KB");
        assert_eq!(size(720_850_133), "720.9 MB");
    }

    #[test]
    fn damaged_gzip_is_a_clear_error() {
        let mut cut = gz(&b"id,lon,lat\n".repeat(1000));
        cut.truncate(cut.len() / 2);
        let e = unpacked(FileBytes::new(cut), "f.csv.gz").map(|_| ());
        let e = e.unwrap_err().to_string();
        assert!(e.contains("f.csv.gz") && e.contains("damaged"), "{e}");
    }
}
