//! The fast .xlsx reader against calamine's path (the oracle): the same table, cell for cell,
//! on hand-made workbooks, the fixtures and random sheets cut into parts of every size.

use std::io::{Cursor, Write};

use super::{SheetTable, fast, read_with_calamine};

/// A workbook of `sheets` (name, `<sheetData>` content), with optional shared strings and
/// styles parts and extra `<workbook>` content.
fn workbook(
    sheets: &[(&str, &str)],
    shared: Option<&str>,
    styles: Option<&str>,
    wb_extra: &str,
) -> Vec<u8> {
    const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    let mut put = |name: &str, text: &str| {
        zip.start_file(name, opts).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    };
    put(
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#,
    );
    put(
        "_rels/.rels",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{R}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        ),
    );
    let mut list = String::new();
    let mut rels = String::new();
    for (k, (name, data)) in sheets.iter().enumerate() {
        let n = k + 1;
        list.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="{R}/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
        put(
            &format!("xl/worksheets/sheet{n}.xml"),
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{NS}"><dimension ref="A1"/><sheetData>{data}</sheetData></worksheet>"#
            ),
        );
    }
    put(
        "xl/workbook.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{R}">{wb_extra}<sheets>{list}</sheets></workbook>"#
        ),
    );
    put(
        "xl/_rels/workbook.xml.rels",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
        ),
    );
    if let Some(s) = shared {
        put(
            "xl/sharedStrings.xml",
            &format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}">{s}</sst>"#),
        );
    }
    if let Some(s) = styles {
        put(
            "xl/styles.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{NS}">{s}</styleSheet>"#
            ),
        );
    }
    zip.finish().unwrap().into_inner()
}

type Seen = Result<(String, String, u64, Vec<String>, Vec<String>), String>;

fn seen(r: Result<SheetTable, crate::data::LoadError>) -> Seen {
    r.map(|t| (t.csv, t.sheet, t.header_row, t.skipped_above, t.sheets))
        .map_err(|e| e.to_string())
}

/// The fast reader reads `bytes` (with every part size) and agrees with calamine's path.
fn agrees(bytes: &[u8], sheet: Option<&str>) -> Seen {
    let oracle = seen(read_with_calamine(bytes, "t.xlsx", sheet));
    for part_len in [1, 7, 64, 4096, 1 << 22] {
        let fast = fast::read(bytes, "t.xlsx", sheet, part_len)
            .unwrap_or_else(|| panic!("declined (parts of {part_len} bytes)"));
        assert_eq!(seen(fast), oracle, "parts of {part_len} bytes");
    }
    oracle
}

const STYLES: &str = r#"<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="165" formatCode="0.000"/><numFmt numFmtId="166" formatCode="[h]:mm:ss"/></numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="31"/></cellXfs>"#;

#[test]
fn hand_made_cells_read_as_calamine_reads_them() {
    let shared = concat!(
        r#"<si><t>企业名称</t></si><si><t xml:space="preserve">  经度 </t></si><si><t>纬度</t></si>"#,
        r#"<si><r><rPr><b/></rPr><t xml:space="preserve">深圳 </t></r><r><t> 甲公司 </t></r><rPh sb="0" eb="2"><t>shenzhen</t></rPh></si>"#,
        r#"<si><t>A &amp; B, "quoted"</t></si><si/><si><t>&#x4E2D;&#25991;&lt;&gt;</t></si><si><t>line
two</t></si>"#,
    );
    let data = concat!(
        r#"<row r="1"><c r="B1" t="inlineStr"><is><t>名录（测试）</t></is></c></row>"#,
        r#"<row r="3" spans="2:9"><c r="B3" t="s"><v>0</v></c><c r="C3" t="s"><v>1</v></c><c r="D3" t="s"><v>2</v></c><c r="E3" t="inlineStr"><is><t>成立</t></is></c><c r="F3" t="inlineStr"><is><t>n</t></is></c><c r="G3" t="inlineStr"><is><t>flag</t></is></c><c r="H3" t="inlineStr"><is><t>f</t></is></c><c r="I3" t="inlineStr"><is><t>d</t></is></c></row>"#,
        r#"<row r="4"><c r="B4" t="s"><v>3</v></c><c r="C4"><v>114.022014</v></c><c r="D4" t="n"><v>22.5</v></c><c r="E4" s="1"><v>40252</v></c><c r="F4" s="3"><v>1.10</v></c><c r="G4" t="b"><v>1</v></c><c r="H4" t="str"><f>A1&amp;"x"</f><v>a&amp;b </v></c><c r="I4" s="4"><v>1.5</v></c></row>"#,
        r#"<row r="5"><c r="B5" t="s"><v>4</v></c><c r="C5"><v>-0</v></c><c r="D5"><v>1E-3</v></c><c r="E5" s="2"><v>44985.5</v></c><c r="F5"><v>0.30000000000000004</v></c><c r="G5" t="b"><v>false</v></c><c r="H5" t="e"><v>#N/A</v></c><c r="I5" s="5"><v>45000</v></c></row>"#,
        r#"<row r="6"><c r="B6" t="s"><v>5</v></c><c r="C6" t="s"><v>6</v></c><c r="D6"><v>12345678901234567</v></c><c r="E6" s="9"><v>43466</v></c><c r="F6"><v>1e20</v></c><c r="G6"/><c r="H6"><f>1+1</f><v>2</v></c><c r="I6"><v>2</v><f>1+1</f></c><c r="J6"><v>3</v><f>X</f></c></row>"#,
        r#"<row r="9"><c r="B9" t="s"><v>7</v></c><c r="C9" t="inlineStr"><is/></c><c r="D9" t="s"><v></v></c><c r="E9"><v>100</v></c><c r="F9" t="str"><v></v></c><c r="G9" t="inlineStr"><v>ignored</v></c></row>"#,
        r#"<row r="10"><c r="C10"><v>007</v></c><c r="D10"><v>-12.50</v></c><c r="E10" s="1"><v>0.25</v></c></row>"#,
    );
    let bytes = workbook(&[("企业", data)], Some(shared), Some(STYLES), "");
    let (csv, sheet, header_row, skipped, sheets) = agrees(&bytes, None).unwrap();
    // Hand-checked against what the sheet says, so the oracle cannot be wrong with it.
    assert_eq!(
        (sheet.as_str(), header_row, sheets),
        ("企业", 3, vec!["企业".to_owned()])
    );
    assert_eq!(skipped, vec!["名录（测试）"]);
    let lines: Vec<&str> = csv.lines().collect();
    // J6's formula comes after its value, so it has none (calamine keeps the last child):
    // the table ends at column I.
    assert_eq!(lines[0], "企业名称,经度,纬度,成立,n,flag,f,d");
    assert_eq!(
        lines[1],
        "深圳 甲公司,114.022014,22.5,2010-03-15,1.1,true,a&b,1.5"
    );
    assert_eq!(
        lines[2],
        "\"A & B, \"\"quoted\"\"\",0,0.001,2023-02-28 12:00:00,0.30000000000000004,false,,2023-03-15"
    );
}

#[test]
fn sheets_by_name_and_number_and_the_fixtures() {
    let a = r#"<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B2" t="inlineStr"><is><t>y</t></is></c></row><row r="3"><c r="A3"><v>1</v></c><c r="B3"><v>2</v></c></row>"#;
    let empty = r#"<row r="1"><c r="A1" t="inlineStr"><is><t> </t></is></c></row>"#;
    let bytes = workbook(&[("空", empty), ("Data", a)], None, None, "<workbookPr/>");
    assert_eq!(agrees(&bytes, None).unwrap().1, "Data");
    assert_eq!(agrees(&bytes, Some("data")).unwrap().0, "x,y\n1,2\n");
    assert_eq!(agrees(&bytes, Some("2")).unwrap().1, "Data");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/formats");
    let fixture = std::fs::read(format!("{dir}/firms_gcj02.xlsx")).unwrap();
    for sheet in [None, Some("企业名录"), Some("说明"), Some("2")] {
        agrees(&fixture, sheet).unwrap();
    }
    // A stray far cell is refused with calamine's path's words, before any layout.
    let far = workbook(
        &[(
            "S",
            r#"<row r="1"><c r="A1"><v>1</v></c><c r="XFD1048576"><v>2</v></c></row>"#,
        )],
        None,
        None,
        "",
    );
    let e = seen(fast::read(&far, "t.xlsx", None, 64).unwrap()).unwrap_err();
    assert_eq!(
        e,
        seen(read_with_calamine(&far, "t.xlsx", None)).unwrap_err()
    );
    assert!(e.contains("spans 1048576 rows × 16384 columns"), "{e}");
}

#[test]
fn what_it_does_not_know_is_left_to_calamine() {
    let cell = |c: &str| {
        format!(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c><c r="B1" t="inlineStr"><is><t>i</t></is></c></row><row r="2">{c}</row>"#
        )
    };
    let cases = [
        (
            cell(r#"<c r="A2" t="inlineStr"><is><t>a_x000D_b</t></is></c>"#),
            "",
        ),
        (cell(r#"<c t="inlineStr"><is><t>no ref</t></is></c>"#), ""),
        (
            cell(r#"<c r="A2" t="d"><v>2024-01-01T00:00:00</v></c>"#),
            "",
        ),
        (cell(r#"<!-- note --><c r="A2"><v>1</v></c>"#), ""),
        (cell(r#"<c r="B2"><v>1</v></c><c r="A2"><v>2</v></c>"#), ""),
        (cell(r#"<c r="A2"><v>0x10</v></c>"#), ""),
    ];
    for (data, extra) in &cases {
        let bytes = workbook(&[("S", data)], None, None, extra);
        assert!(
            fast::read(&bytes, "t.xlsx", None, 64).is_none(),
            "{data} {extra}"
        );
        // Still read: by calamine, through the public entry.
        let _ = super::read(&bytes, "t.xlsx", None);
    }
}

#[test]
fn dates_of_a_1904_workbook_are_the_same_days() {
    let data = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c><c r="B1" t="inlineStr"><is><t>成立日期</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>甲</t></is></c><c r="B2" s="1"><v>38887</v></c></row>"#;
    for (extra, day) in [
        (r#"<workbookPr date1904="1"/>"#, "2010-06-20"),
        (r#"<workbookPr date1904="false"/>"#, "2006-06-19"),
    ] {
        let bytes = workbook(&[("S", data)], None, Some(STYLES), extra);
        // Python: date(1904, 1, 1) + 38887 days = 2010-06-20; date(1899, 12, 30) + 38887
        // days = 2006-06-19.
        let csv = agrees(&bytes, None).unwrap().0;
        assert_eq!(csv, format!("名称,成立日期\n甲,{day}\n"), "{extra}");
    }
}

#[test]
fn rows_longer_than_a_part_and_cells_outside_rows() {
    // One row of 300 cells, read in parts far shorter than it; then cells with no row tag
    // around them at all (calamine reads them by their references).
    let wide: String = (1..=300)
        .map(|c| {
            let mut col = String::new();
            let mut n = c;
            while n > 0 {
                col.insert(0, (b'A' + ((n - 1) % 26) as u8) as char);
                n = (n - 1) / 26;
            }
            format!(r#"<c r="{col}2"><v>{c}</v></c>"#)
        })
        .collect();
    let data = format!(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c><c r="B1" t="inlineStr"><is><t>经度</t></is></c></row><row r="2">{wide}</row><c r="A5"><v>5</v></c><c r="B5"><v>6</v></c>"#
    );
    let bytes = workbook(&[("S", &data)], None, None, "");
    let csv = agrees(&bytes, None).unwrap().0;
    assert_eq!(csv.lines().count(), 5, "{csv}");
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn random_sheets_read_as_calamine_reads_them() {
    let words = [
        "甲",
        "  乙 ",
        "a,b",
        "q\"uote",
        "&amp;x",
        "",
        " ",
        "line\nbreak",
        "测试企业",
    ];
    for seed in 1..=12u64 {
        let mut rng = Rng(seed * 0x9E37_79B9_7F4A_7C15);
        let shared: String = words
            .iter()
            .map(|w| format!("<si><t>{w}</t></si>"))
            .collect();
        let mut data = String::new();
        let mut row = rng.below(3) as u32;
        for _ in 0..40 + rng.below(60) {
            row += 1 + u32::from(rng.below(5) == 0) * rng.below(3) as u32;
            data.push_str(&format!("<row r=\"{row}\">"));
            let mut col = rng.below(2) as u8;
            for _ in 0..1 + rng.below(6) {
                col += 1 + u8::from(rng.below(4) == 0);
                if col > 20 {
                    break;
                }
                let r = format!("{}{row}", (b'A' + col - 1) as char);
                data.push_str(&match rng.below(9) {
                    0 => format!(
                        r#"<c r="{r}" t="s"><v>{}</v></c>"#,
                        rng.below(words.len() as u64)
                    ),
                    1 => format!(
                        r#"<c r="{r}" t="inlineStr"><is><t>{}</t></is></c>"#,
                        words[rng.below(words.len() as u64) as usize]
                    ),
                    2 => format!(
                        r#"<c r="{r}"><v>{}</v></c>"#,
                        rng.below(1_000_000) as f64 / 1000.0
                    ),
                    3 => format!(
                        r#"<c r="{r}" s="{}"><v>{}</v></c>"#,
                        rng.below(8),
                        30_000 + rng.below(20_000)
                    ),
                    4 => format!(r#"<c r="{r}" t="b"><v>{}</v></c>"#, rng.below(2)),
                    5 => format!(r#"<c r="{r}"/>"#),
                    6 => format!(
                        r#"<c r="{r}" t="n"><v>-{}.{}</v></c>"#,
                        rng.below(1000),
                        rng.below(100)
                    ),
                    7 => format!(
                        r#"<c r="{r}" t="str"><f>X</f><v>{}</v></c>"#,
                        words[rng.below(words.len() as u64) as usize]
                    ),
                    _ => format!(
                        r#"<c r="{r}" s="3"><v>{}e{}</v></c>"#,
                        rng.below(100),
                        rng.below(5)
                    ),
                });
            }
            data.push_str("</row>");
        }
        let bytes = workbook(&[("R", &data)], Some(&shared), Some(STYLES), "");
        agrees(&bytes, None).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    }
}

/// On a large workbook of your own: `CA_XLSX=big.xlsx cargo test --release -- --ignored
/// a_large_workbook` (session 38 ran it on a million SYNTHETIC firms written by pandas).
#[test]
#[ignore = "needs CA_XLSX, a large workbook"]
fn a_large_workbook_reads_as_calamine_reads_it() {
    let path = std::env::var("CA_XLSX").expect("CA_XLSX names a workbook");
    let bytes = std::fs::read(path).unwrap();
    let oracle = seen(read_with_calamine(&bytes, "t.xlsx", None));
    let t = std::time::Instant::now();
    let fast = seen(fast::read(&bytes, "t.xlsx", None, super::PART_LEN).expect("declined"));
    eprintln!("whole sheet read in {:?}", t.elapsed());
    assert!(
        fast == oracle,
        "the fast reader differs from calamine's path"
    );
    let t = std::time::Instant::now();
    let head = seen(super::read_head(&bytes, "t.xlsx", None, 60)).unwrap();
    eprintln!("preview's head read in {:?}", t.elapsed());
    let whole = oracle.unwrap();
    assert!(whole.0.starts_with(&head.0) && head.0.len() < whole.0.len() / 100);
}

/// Sheets cut short or with a byte changed anywhere: the fast reader never panics, and when
/// it answers, calamine's path answers the same.
#[test]
fn damaged_sheets_never_panic_and_never_disagree() {
    let data = concat!(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>经度</t></is></c><c r="C1" t="inlineStr"><is><r><t>a</t></r></is></c></row>"#,
        r#"<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" s="1"><v>40252.5</v></c><c r="C2" t="str"><f>X</f><v>a&amp;b</v></c></row>"#,
    );
    let shared = r#"<si><t>名称</t></si><si><t xml:space="preserve"> x </t></si>"#;
    let (mut answered, mut declined) = (0, 0);
    let mut check = |d: &str, sst: &str| {
        let bytes = workbook(&[("S", d)], Some(sst), Some(STYLES), "");
        match fast::read(&bytes, "t.xlsx", None, 16) {
            Some(r) => {
                answered += 1;
                let oracle = read_with_calamine(&bytes, "t.xlsx", None);
                assert_eq!(seen(r), seen(oracle), "{d} {sst}");
            }
            None => declined += 1,
        }
    };
    // Each text cut short, then each byte replaced by one that matters to XML.
    let damaged = |text: &str| -> Vec<String> {
        let mut out: Vec<String> = (0..=text.len())
            .filter_map(|n| text.get(..n).map(str::to_owned))
            .collect();
        for i in 0..text.len() {
            for b in ["<", ">", "\"", "&", "/", " ", "9", "Z"] {
                if let (Some(head), Some(tail)) = (text.get(..i), text.get(i + 1..)) {
                    out.push(format!("{head}{b}{tail}"));
                }
            }
        }
        out
    };
    for d in damaged(data) {
        check(&d, shared);
    }
    for sst in damaged(shared) {
        check(data, &sst);
    }
    assert!(
        answered > 100 && declined > 100,
        "{answered} answered, {declined} declined"
    );
}

/// A preview's head: the header where the whole read finds it, and its first rows equal
/// the whole table's first lines, read only as far as they go.
#[test]
fn the_head_of_a_sheet_is_the_start_of_the_whole_table() {
    let mut data = String::from(
        r#"<row r="2"><c r="B2" t="inlineStr"><is><t>名录</t></is></c></row><row r="3"><c r="B3" t="inlineStr"><is><t>名称</t></is></c><c r="C3" t="inlineStr"><is><t>经度</t></is></c><c r="D3" t="inlineStr"><is><t>纬度</t></is></c></row>"#,
    );
    for r in 4..2000 {
        data.push_str(&format!(
            r#"<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>企业{r}</t></is></c><c r="C{r}"><v>114.{r}</v></c><c r="D{r}"><v>22.{r}</v></c></row>"#
        ));
    }
    let bytes = workbook(&[("S", &data)], None, None, "");
    let whole = agrees(&bytes, None).unwrap();
    let head = seen(super::read_head(&bytes, "t.xlsx", None, 60)).unwrap();
    assert_eq!(
        (&head.1, head.2, &head.3, &head.4),
        (&whole.1, whole.2, &whole.3, &whole.4)
    );
    let lines = head.0.lines().count();
    assert!((58..1000).contains(&lines), "{lines} lines: not the head");
    assert!(
        whole.0.starts_with(&head.0),
        "the head is the whole table's start"
    );
    // A head longer than the sheet is the whole sheet.
    let all = seen(super::read_head(&bytes, "t.xlsx", None, 100_000)).unwrap();
    assert_eq!(all, whole);
}
