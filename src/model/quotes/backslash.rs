//! R's `write.table` escapes a quote inside a quoted field with a backslash (`"示例\"星光\""`)
//! where CSV doubles it. Such text is rewritten in place with doubled quotes (the same
//! length: offsets stay) before it is read as CSV, by the loader and by rows read back from
//! the file ([`crate::model::AttrTable::rows_in`]).

/// True for a byte between fields: the delimiter or a line end.
pub fn is_break(b: u8, delimiter: u8) -> bool {
    b == delimiter || b == b'\n' || b == b'\r'
}

/// Rewrites each backslash-escaped quote inside a quoted field of `b` (which starts outside
/// quotes, at a record's start) as a doubled quote, and returns how many (fields open at a
/// quote after the delimiter or a line end, as CSV reads them). As R reads its files back,
/// every `\"` inside quotes is a quote, one before the delimiter included (`"甲\" 乙"` is
/// `甲" 乙`): R does not escape backslashes, so a value ending in one (`"C:\"`) is not read
/// back by R either. Only ASCII backslashes become ASCII quotes: UTF-8 stays UTF-8. Not to
/// be run twice over the same bytes (`\\"` would become `""` the second time).
pub fn double_backslash_quotes(b: &mut [u8], delimiter: u8) -> usize {
    let (mut inside, mut i, mut count) = (false, 0, 0);
    while let Some(k) = b
        .get(i..)
        .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
    {
        let j = i + k;
        let next = b.get(j + 1).copied();
        i = j + 1;
        match (b.get(j).copied(), next) {
            // A doubled quote inside a field.
            (Some(b'"'), Some(b'"')) if inside => i = j + 2,
            (Some(b'"'), _) if inside => inside = false,
            // A quote opens a field only at its start (else it is text, as CSV reads it).
            (Some(b'"'), _) => {
                inside = j
                    .checked_sub(1)
                    .is_none_or(|p| b.get(p).is_some_and(|&c| is_break(c, delimiter)))
            }
            (Some(_), Some(b'"')) if inside => {
                if let Some(c) = b.get_mut(j) {
                    *c = b'"';
                }
                count += 1;
                i = j + 2;
            }
            _ => {}
        }
    }
    count
}

/// Quotes in `b` that are not escaped with a backslash (R's text): how a row end's place
/// outside quotes is found in it, as the quotes' parity finds it in CSV.
pub fn unescaped_quotes(b: &[u8]) -> usize {
    let quotes = memchr::memchr_iter(b'"', b).count();
    let escaped = memchr::memmem::find_iter(b, b"\\\"").count();
    quotes - escaped
}
