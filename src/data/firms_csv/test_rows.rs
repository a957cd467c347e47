//! Rows for the loader's tests: random awkward rows, and a table's rows read back.

use crate::model::Firms;

/// One random row: names with a stray quote or quotes inside, addresses quoted with line
/// ends, doubled quotes or a quote never closed; ids sometimes repeated, coordinates
/// sometimes bad.
pub(super) fn random_row(rng: &mut crate::model::Rng, k: usize) -> String {
    let pick = |rng: &mut crate::model::Rng, n: u64| rng.next_u64() % n;
    let name = match pick(rng, 12) {
        0 => format!("示例\"星光{k}"),
        1 => format!("示例\"星光\"科技{k}"),
        2 => format!("\"示例,{k}\""),
        _ => format!("示例{k}"),
    };
    let addr = match pick(rng, 10) {
        0 => format!("\"南山区 {k} 号\n3楼\""),
        1 => format!("\"南山区 {k} 号\n\n\"\"B\"\" 座\n5楼\""),
        2 => format!("\"南山区 {k} 号, 3楼\""),
        3 if pick(rng, 6) == 0 => format!("\"未闭合 {k}"),
        _ => format!("南山区 {k} 号"),
    };
    let lon = if pick(rng, 40) == 0 {
        "x".to_string()
    } else {
        format!("{:.4}", 113.9 + pick(rng, 1000) as f64 * 1e-4)
    };
    let id = if pick(rng, 30) == 0 { 0 } else { k };
    format!("F{id},{name},{addr},{lon},22.5\n")
}

/// Each row's fields, read back from the file when the table let its text go.
pub(super) fn rows_of(f: &Firms) -> Vec<Vec<String>> {
    let rows = f.attrs.rows_in(0..f.len()).expect("rows read back");
    (0..f.len())
        .map(|i| rows.view(i).fields().map(str::to_string).collect())
        .collect()
}
