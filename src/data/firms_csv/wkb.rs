//! Points written as hex (E)WKB, as PostGIS writes a geometry column into CSV
//! (`COPY … TO … CSV`, `0101000020E6100000…`), and the SRID a combined column names
//! (EWKB's flag, EWKT's `SRID=4547;POINT(…)`): the file's coordinate system, as a `.prj`
//! names a Shapefile's.

/// EWKB's flags on the geometry type (PostGIS): Z, M, and an SRID after the type.
const EWKB_Z: u32 = 0x8000_0000;
const EWKB_M: u32 = 0x4000_0000;
const EWKB_SRID: u32 = 0x2000_0000;

/// The parts of a hex WKB point: where its numbers start and how many there are.
struct Header {
    little: bool,
    srid: Option<u32>,
    /// Hex digits before the first coordinate.
    numbers_at: usize,
}

/// A hex WKB or EWKB point's header, when `s` is exactly one (upper or lower case): ISO
/// types 1, 1001, 2001, 3001 and EWKB's flagged 1.
fn header(s: &str) -> Option<Header> {
    let b = s.as_bytes();
    // The shortest: a byte order, a type and two numbers (42 hex digits).
    if b.len() < 42 || !b.len().is_multiple_of(2) || !matches!(b.get(..2)?, b"00" | b"01") {
        return None;
    }
    let little = b.get(1) == Some(&b'1');
    let ty = word(b.get(2..10)?, little)?;
    let (base, srid_flag) = (ty & 0x0fff_ffff, ty & EWKB_SRID != 0);
    let flags = usize::from(ty & EWKB_Z != 0) + usize::from(ty & EWKB_M != 0);
    let dims = match base {
        1 => 2 + flags,
        1001 | 2001 if flags == 0 => 3,
        3001 if flags == 0 => 4,
        _ => return None,
    };
    let (srid, numbers_at) = if srid_flag {
        (Some(word(b.get(10..18)?, little)?), 18)
    } else {
        (None, 10)
    };
    let all_hex = b.iter().all(|c| HEX[usize::from(*c)] != 0xff);
    (b.len() == numbers_at + 16 * dims && all_hex).then_some(Header {
        little,
        srid,
        numbers_at,
    })
}

/// Each byte's value as a hex digit; 0xff for any other byte.
const HEX: [u8; 256] = {
    let mut t = [0xff; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// The bytes of hex digits `h` (two per byte).
fn bytes_of<const N: usize>(h: &[u8]) -> Option<[u8; N]> {
    if h.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    let mut bad = 0u8;
    for (o, pair) in out.iter_mut().zip(h.chunks_exact(2)) {
        let (hi, lo) = (HEX[usize::from(pair[0])], HEX[usize::from(pair[1])]);
        bad |= hi | lo;
        *o = (hi << 4) | (lo & 0x0f);
    }
    (bad & 0xf0 == 0).then_some(out)
}

fn word(h: &[u8], little: bool) -> Option<u32> {
    let b = bytes_of::<4>(h)?;
    Some(if little {
        u32::from_le_bytes(b)
    } else {
        u32::from_be_bytes(b)
    })
}

fn number(h: &[u8], little: bool) -> Option<f64> {
    let b = bytes_of::<8>(h)?;
    Some(if little {
        f64::from_le_bytes(b)
    } else {
        f64::from_be_bytes(b)
    })
}

/// A hex WKB/EWKB point's x and y (numbers after them, Z or M, are left), or None when `s`
/// is not one.
pub(crate) fn hex_point(s: &str) -> Option<(f64, f64)> {
    let h = header(s)?;
    let b = s.as_bytes();
    let at = h.numbers_at;
    Some((
        number(b.get(at..at + 16)?, h.little)?,
        number(b.get(at + 16..at + 32)?, h.little)?,
    ))
}

/// `s` with its point's x and y replaced (the same byte order, type, SRID and digits' case;
/// Z or M kept), or None when `s` is not a hex WKB point.
pub(crate) fn with_point(s: &str, (x, y): (f64, f64)) -> Option<String> {
    let h = header(s)?;
    let upper = s.bytes().any(|c| c.is_ascii_uppercase());
    let hex = |v: f64| {
        let b = if h.little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        };
        b.iter()
            .map(|c| {
                if upper {
                    format!("{c:02X}")
                } else {
                    format!("{c:02x}")
                }
            })
            .collect::<String>()
    };
    let at = h.numbers_at;
    Some(format!(
        "{}{}{}{}",
        s.get(..at)?,
        hex(x),
        hex(y),
        s.get(at + 32..)?
    ))
}

/// The SRID a combined column's value names: EWKB's, or EWKT's `SRID=n;` prefix.
pub(crate) fn srid_of(s: &str) -> Option<u32> {
    let t = s.trim();
    if let Some(h) = header(t) {
        return h.srid;
    }
    let (code, _) = srid_prefix(t)?;
    Some(code)
}

/// EWKT's `SRID=n;` prefix: the code, and the text after the `;`.
pub(crate) fn srid_prefix(t: &str) -> Option<(u32, &str)> {
    let head = t.get(..5)?;
    if !head.eq_ignore_ascii_case("srid=") {
        return None;
    }
    let (code, rest) = t.get(5..)?.split_once(';')?;
    Some((code.trim().parse().ok()?, rest))
}

/// The SRID the first rows of `body` (a delimited text's rows) name in column `col`: the
/// file's coordinate system, as PostGIS wrote it (None: no SRID among the first ten values).
pub(crate) fn first_srid(body: &str, delimiter: u8, col: usize) -> Option<u32> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(body.as_bytes());
    reader
        .records()
        .take(10)
        .map_while(Result::ok)
        .find_map(|r| srid_of(r.get(col)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A point as PostGIS and shapely write it, encoded by hand from the definition (the
    /// oracle): byte order, type (with EWKB's flags), SRID, then the numbers.
    fn encode(little: bool, ty: u32, srid: Option<u32>, nums: &[f64]) -> String {
        let mut bytes = vec![u8::from(little)];
        let w = |v: u32| {
            if little {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        bytes.extend(w(ty));
        if let Some(s) = srid {
            bytes.extend(w(s));
        }
        for n in nums {
            bytes.extend(if little {
                n.to_le_bytes()
            } else {
                n.to_be_bytes()
            });
        }
        bytes.iter().map(|b| format!("{b:02X}")).collect()
    }

    #[test]
    fn points_in_every_wkb_flavour_read_their_x_and_y() {
        // PostGIS' `ST_SetSRID(ST_MakePoint(114.05, 22.54), 4326)`, as `COPY` writes it.
        assert_eq!(
            hex_point("0101000020E61000003333333333835C400AD7A3703D8A3640"),
            Some((114.05, 22.54))
        );
        assert_eq!(
            srid_of("0101000020E61000003333333333835C400AD7A3703D8A3640"),
            Some(4326)
        );
        let mut rng = crate::model::Rng::new(5);
        for _ in 0..2000 {
            let little = rng.next_u64().is_multiple_of(2);
            let (x, y) = (rng.uniform() * 1e6 - 5e5, rng.uniform() * 180.0 - 90.0);
            let extra = [rng.uniform(), rng.uniform()];
            let srid =
                (rng.next_u64().is_multiple_of(2)).then_some(4490 + (rng.next_u64() % 70) as u32);
            let (ty, n) = match rng.next_u64() % 7 {
                0 => (1, 0),
                1 => (1001, 1),
                2 => (2001, 1),
                3 => (3001, 2),
                4 => (1 | EWKB_Z, 1),
                5 => (1 | EWKB_M, 1),
                _ => (1 | EWKB_Z | EWKB_M, 2),
            };
            // ISO types carry no SRID flag.
            let (ty, srid) = match (ty, srid) {
                (t, Some(s)) if t & 0x0fff_ffff == 1 => (t | EWKB_SRID, Some(s)),
                (t, _) => (t, None),
            };
            let nums: Vec<f64> = [x, y]
                .into_iter()
                .chain(extra.into_iter().take(n))
                .collect();
            let mut s = encode(little, ty, srid, &nums);
            if rng.next_u64().is_multiple_of(2) {
                s = s.to_lowercase();
            }
            assert_eq!(hex_point(&s), Some((x, y)), "{s}");
            assert_eq!(srid_of(&s), srid, "{s}");
            let moved = with_point(&s, (y, x)).unwrap();
            assert_eq!(hex_point(&moved), Some((y, x)), "{s}");
            assert_eq!(moved.len(), s.len());
            assert_eq!(moved.get(..10), s.get(..10));
            // Cut short, grown, or another geometry type: not a point.
            assert_eq!(hex_point(&s[..s.len() - 2]), None);
            assert_eq!(hex_point(&format!("{s}00")), None);
        }
        let line = encode(true, 2, None, &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(hex_point(&line), None);
        // Text that is not hex, or a number pair, is not WKB.
        assert_eq!(
            hex_point("0101000000zz33333333835C400AD7A3703D8A3640"),
            None
        );
        assert_eq!(hex_point("114.05,22.54"), None);
        assert_eq!(srid_of("SRID=4547;POINT(500000 2500000)"), Some(4547));
        assert_eq!(srid_of(" srid = 4490 ;POINT(1 2)"), None);
        assert_eq!(srid_of("POINT(1 2)"), None);
    }

    /// A PostGIS export in CGCS2000 / 3-degree Gauss–Krüger (EPSG:4547), as hex EWKB and as
    /// EWKT: the SRID sets the system, and the firms land where the same points given in
    /// degrees land (the oracle); WGS-84's SRID reads as degrees. `convert` rewrites a WKB
    /// value's two numbers only.
    #[test]
    fn a_postgis_export_loads_in_the_system_its_srid_names() {
        use crate::data::firms_csv::load_firms_csv_bytes;
        let gk = crate::crs::EpsgTransform::from_epsg(4547).unwrap();
        let pts = [(114.05, 22.54), (113.93, 22.52), (114.2, 22.7)];
        let (mut ewkb, mut ewkt) = (String::from("id,geom\n"), String::from("id,geom\n"));
        let mut wgs = String::from("id,geom\n");
        for (i, (lon, lat)) in pts.into_iter().enumerate() {
            let (x, y) = gk.from_wgs84(crate::model::LonLat { lon, lat }).unwrap();
            let flags = 1 | EWKB_SRID;
            ewkb.push_str(&format!(
                "{i},{}\n",
                encode(true, flags, Some(4547), &[x, y])
            ));
            ewkt.push_str(&format!("{i},SRID=4547;POINT({x} {y})\n"));
            wgs.push_str(&format!(
                "{i},{}\n",
                encode(false, flags, Some(4326), &[lon, lat])
            ));
        }
        // An empty point (PostGIS' NaN pair) is skipped and named.
        let empty = "0101000000000000000000F87F000000000000F87F";
        let with_empty = format!("{ewkb}9,{empty}\n");
        let got =
            load_firms_csv_bytes(with_empty.as_bytes(), "p.csv", &Default::default()).unwrap();
        assert_eq!(got.firms.len(), 3);
        let skipped = &got.report.skipped;
        assert!(
            skipped.len() == 1 && skipped[0].reason.contains("empty point"),
            "{skipped:?}"
        );
        for text in [&ewkb, &ewkt, &wgs] {
            let got = load_firms_csv_bytes(text.as_bytes(), "p.csv", &Default::default()).unwrap();
            assert_eq!(got.firms.len(), 3, "{text}");
            for (p, (lon, lat)) in got.firms.lonlat.iter().zip(pts) {
                assert!(
                    (p.lon - lon).abs() < 1e-7 && (p.lat - lat).abs() < 1e-7,
                    "{p:?} {text}"
                );
            }
            let crs = got.report.crs_used.unwrap_or_default();
            assert_eq!(crs.contains("4547"), !std::ptr::eq(text, &wgs), "{crs}");
        }
        // GCJ-02 to WGS-84: each value keeps its header bytes and gets the converted point.
        let from = crate::model::SourceCrs::Gcj02;
        let to = crate::model::SourceCrs::Wgs84;
        let opts = Default::default();
        let (out, report) =
            crate::data::convert_csv(wgs.as_bytes(), "p.csv", from, to, &opts).unwrap();
        assert_eq!(report.loaded, 3);
        let out = String::from_utf8(out).unwrap();
        for (line, (lon, lat)) in out.lines().skip(1).zip(pts) {
            let value = line.split(',').nth(1).unwrap();
            let want = crate::crs::convert(crate::model::LonLat { lon, lat }, from, to);
            assert_eq!(hex_point(value), Some((want.lon, want.lat)), "{line}");
            assert_eq!(srid_of(value), Some(4326));
            assert!(value.starts_with("0020000001000010E6"), "{value}");
        }
    }
}
