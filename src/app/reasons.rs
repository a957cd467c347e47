//! The load report's reasons and warnings in the window's language. The data layer writes
//! them in English (the command line prints them so); the window shows the known ones in
//! Chinese and keeps the English text for any it does not know.

use crate::digitise::SketchError;
use crate::model::Lang;

use super::reason_texts::{KNOWN, kind_zh};

/// Why a drawn polygon cannot be saved yet, in the window's language.
pub fn sketch_error(e: &SketchError, lang: Lang) -> String {
    let zh = match e {
        SketchError::TooFewVertices => "边界至少需要 3 个顶点".to_string(),
        SketchError::NotClosed => "请先闭合边界（单击第一个顶点）".into(),
        SketchError::BadHole(h) => format!("内洞 {h} 至少需要 3 个顶点并须闭合"),
        SketchError::SelfIntersecting => "边界自相交".into(),
        SketchError::HoleOutside(h) => format!("内洞 {h} 不在边界内"),
        SketchError::HoleCrosses(h) => format!("内洞 {h} 与边界或其他内洞相交"),
    };
    lang.pick(&zh, &e.to_string())
}

/// A reason or warning from the data layer in the window's language: Chinese when it is a
/// known text, else the English as written.
/// The report draws its lines every frame, so each text's Chinese is kept once found.
pub fn report_text(text: &str, lang: Lang) -> String {
    if lang.chinese()
        && let Some(zh) = remembered(text)
    {
        return zh;
    }
    text.to_string()
}

/// [`to_chinese`] of `text`, kept for the next frame: a load report repeats up to 200
/// reasons, each tried against every template of the table. The memo is emptied when it
/// holds [`MEMO_MAX`] texts, so it never grows past one report's worth by much.
fn remembered(text: &str) -> Option<String> {
    thread_local! {
        static MEMO: std::cell::RefCell<std::collections::HashMap<String, Option<String>>> =
            Default::default();
    }
    MEMO.with_borrow_mut(|memo| {
        if let Some(zh) = memo.get(text) {
            return zh.clone();
        }
        if memo.len() >= MEMO_MAX {
            memo.clear();
        }
        let zh = to_chinese(text);
        memo.insert(text.to_string(), zh.clone());
        zh
    })
}

/// The most texts [`remembered`] keeps.
const MEMO_MAX: usize = 4096;

/// The Chinese of a known English reason or warning: a text of the table
/// ([`KNOWN`]), a known reason after its label (`zone 'A': …`), or the "no usable rows" error
/// with its summary and first reasons ([`super::reason_parts`]).
pub fn to_chinese(text: &str) -> Option<String> {
    from_table(text)
        .or_else(|| super::reason_parts::labelled(text, to_chinese))
        .or_else(|| super::reason_parts::no_usable_rows(text, to_chinese))
}

/// A text of the table in Chinese: its values put at `{0}`, `{1}`…, or at `{=0}`… put in
/// Chinese themselves when they are known texts (a reason quoted inside an error).
fn from_table(text: &str) -> Option<String> {
    KNOWN.iter().find_map(|(en, zh)| {
        let values = match_template(en, text)?;
        let mut out = (*zh).to_string();
        for (k, v) in values.iter().enumerate() {
            let nested = format!("{{={k}}}");
            if out.contains(&nested) {
                out = out.replace(&nested, &to_chinese(v).unwrap_or_else(|| v.to_string()));
            }
            out = out.replace(&format!("{{{k}}}"), v);
        }
        Some(out)
    })
}

/// The values in `text` at the `{}` marks of `template`, if the rest matches exactly. A
/// value runs to the first match of the text after its mark, except the last, which runs
/// to the text's end (a value may hold that text itself: `(… (number or array))`).
fn match_template<'t>(template: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let mut pieces = template.split("{}").peekable();
    let first = pieces.next().unwrap_or_default();
    let mut rest = text.strip_prefix(first)?;
    let mut values = Vec::new();
    while let Some(piece) = pieces.next() {
        if piece.is_empty() {
            values.push(rest);
            rest = "";
            continue;
        }
        let at = if pieces.peek().is_none() {
            rest.strip_suffix(piece)?.len()
        } else {
            rest.find(piece)?
        };
        values.push(&rest[..at]);
        rest = &rest[at + piece.len()..];
    }
    rest.is_empty().then_some(values)
}

/// The load report's one-line summary in Chinese.
pub fn summary_zh(r: &crate::data::LoadReport) -> String {
    let mut s = format!("载入 {} / {}", r.loaded, r.read);
    if r.skipped_count > 0 {
        let kinds: Vec<String> = r
            .skipped_by_kind
            .iter()
            .map(|(k, v)| format!("{} {v}", kind_zh(k)))
            .collect();
        s.push_str(&format!(
            "；跳过 {}（{}）",
            r.skipped_count,
            kinds.join("，")
        ));
    }
    s
}

/// A word of the load report's "how it was read" line (delimiter, column role, "CRS") in the
/// window's language; other words (encodings, file names) as they are.
pub fn report_word(word: &str, lang: Lang) -> &str {
    if !lang.chinese() {
        return word;
    }
    match word {
        "CRS" => "坐标系",
        "comma" => "逗号分隔",
        "semicolon" => "分号分隔",
        "pipe" => "竖线分隔",
        "tab" => "制表符分隔",
        "space" => "空格分隔",
        "other" => "其他分隔符",
        "id" => "编号",
        "name" => "名称",
        "lon" => "经度",
        "lat" => "纬度",
        "segment" => "领域",
        other => other,
    }
}

/// A background job's step name (the workers report them in English) in the window's
/// language; unknown steps are shown as they are.
pub fn step_name(step: &str, lang: Lang) -> &str {
    if !lang.chinese() {
        return step;
    }
    match step {
        "reading" => "读取",
        "indexing" => "建立索引",
        "dbscan" => "DBSCAN 聚类",
        "clusters" => "汇总集群",
        "density" => "密度面",
        "zones" => "落区",
        "clark-evans" => "Clark–Evans",
        "zone statistics" => "集聚区统计",
        "k-distance" => "k 距离",
        "advisor" => "选址建议",
        "time" => "时间序列",
        "hot spots" => "热点",
        "Ripley" => "Ripley K",
        "done" => "完成",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_analysis_warnings_as_written_read_in_chinese() {
        // eps 20 km joins the bundled sample into one cluster: the warning as the analysis
        // writes it must match its template (a changed English text would fall back to English).
        let data = crate::pipeline::Dataset::bundled().unwrap();
        let mut params = crate::analysis::AnalysisParams::default();
        params.dbscan.eps_m = 20_000.0;
        let none = crate::pipeline::Extras {
            density_bandwidth_m: None,
            advisor_fit: None,
            hotspots: None,
            ripley: None,
            map_ready: None,
            placed: None,
        };
        let r = crate::pipeline::analyse(&data, &params, none, &|_, _| {}).unwrap();
        let w = r.analysis.warnings.first().expect("one-cluster warning");
        let zh = to_chinese(w).expect("translated");
        assert!(
            zh.starts_with("eps 20000 米把 ") && zh.contains("建议约"),
            "{zh}"
        );
        let overlap = "3 firms lie in more than one zone; zone_id lists the first by id, \
                       summary.json lists all zones of the first 3";
        assert_eq!(
            to_chinese(overlap).as_deref(),
            Some(
                "3 家企业位于多个集聚区内；zone_id 列出编号最小的一个，summary.json 列出前 3 家所在的全部集聚区"
            )
        );
    }

    /// The loader's note on R's backslash-escaped quotes, as it writes it, reads in Chinese.
    #[test]
    fn the_backslash_quotes_note_reads_in_chinese() {
        let text =
            "\"id\" \"name\" \"lon\" \"lat\"\n\"1\" \"F1\" \"示例\\\"星光\\\"\" 114.05 22.55\n";
        let opts = crate::data::FirmLoadOptions::default();
        let loaded = crate::data::load_firms_csv_bytes(text.as_bytes(), "r.csv", &opts).unwrap();
        let n = (loaded.report.notes.iter())
            .find(|n| n.contains("backslash"))
            .expect("the note");
        let zh = to_chinese(n).expect("translated");
        assert!(
            zh.starts_with("以反斜杠转义的引号") && zh.contains("第 2 行"),
            "{zh}"
        );
        assert_eq!(loaded.firms.name(0), "示例\"星光\"");
    }

    #[test]
    fn remembered_texts_read_as_found_afresh_past_the_memos_size() {
        // The oracle is `to_chinese` itself; more distinct texts than the memo holds, each
        // asked twice and in a different order, must read the same as found afresh.
        let texts: Vec<String> = (0..MEMO_MAX + 50)
            .map(|i| match i % 3 {
                0 => format!("line {i}: longitude or latitude is empty"),
                1 => format!("longitude/latitude 'x{i}', '22.5' is not a number"),
                _ => format!("a text no table knows {i}"),
            })
            .collect();
        for t in texts.iter().chain(texts.iter().rev()) {
            let afresh = to_chinese(t).unwrap_or_else(|| t.clone());
            assert_eq!(report_text(t, Lang::Zh), afresh, "{t}");
            assert_eq!(report_text(t, Lang::En), *t);
        }
        assert_eq!(
            report_text("line 7: longitude or latitude is empty", Lang::Zh),
            "第 7 行：经度或纬度为空"
        );
    }

    #[test]
    fn known_reasons_read_in_chinese_and_others_stay_english() {
        assert_eq!(
            report_text("longitude or latitude is empty", Lang::Zh),
            "经度或纬度为空"
        );
        assert_eq!(
            report_text("longitude/latitude 'abc', '22.5' is not a number", Lang::Zh),
            "经纬度“abc”“22.5”不是数字"
        );
        assert_eq!(
            report_text(
                "longitude/latitude 'NA', '22.5': a value is missing",
                Lang::Zh
            ),
            "经纬度“NA”“22.5”：缺少数值"
        );
        assert_eq!(
            report_text(
                "'114.2' does not hold both longitude and latitude",
                Lang::Zh
            ),
            "“114.2”未同时包含经度和纬度"
        );
        // Notes, as the loaders write them.
        for (en, zh) in [
            (
                "header on line 3: the 2 line(s) above it skipped (title or notes): '名录'",
                "表头在第 3 行：其上 2 行已跳过（标题或说明）: '名录'",
            ),
            (
                "founding years from column '成立日期': 54 of 60 firms",
                "成立年份取自列“成立日期”：60 家企业中 54 家",
            ),
            (
                "founding years from column '成立日期': 54 of 60 firms; closing years from 注销日期 (3 closed)",
                "成立年份取自列“成立日期”：60 家企业中 54 家；注销年份取自 注销日期（3 家已注销）",
            ),
            (
                "(113971389, 22608845) looks like degrees × 1,000,000 (113.971389, 22.608845); divide the columns by 1,000,000",
                "(113971389, 22608845) 疑似放大了 1,000,000 倍的经纬度（113.971389, 22.608845）；请将两列除以 1,000,000",
            ),
            ("the file is empty: /tmp/a.csv", "文件是空的：/tmp/a.csv"),
            (
                "this gzip-compressed file is damaged or cut short (incomplete deflate stream); download or copy it again, or unpack it with another program and open the file inside: /tmp/f.csv.gz",
                "该 gzip 压缩文件已损坏或不完整（incomplete deflate stream）；请重新下载或复制，或用其他程序解压后打开其中的文件：/tmp/f.csv.gz",
            ),
            (
                "column '经度' is not in the header [id, lon, lat]: f.csv",
                "表头 [id, lon, lat] 中没有列“经度”：f.csv",
            ),
            (
                "unpacked from gzip: 720.9 MB of text from 160.2 MB",
                "已从 gzip 解压：160.2 MB 解压为 720.9 MB 文本",
            ),
            (
                "120 of 200 firms alive in 2016 (founded by then, not closed)",
                "200 家企业中 120 家在 2016 年存续（届时已成立且未注销）",
            ),
        ] {
            assert_eq!(report_text(en, Lang::Zh), zh);
        }
        assert_eq!(
            report_text(
                "2 founding dates are not dates (id 5 'soon', id 9 '2015-13-01'); those firms count as founded at an unknown time",
                Lang::Zh
            ),
            "2 个成立日期不是日期（id 5 'soon', id 9 '2015-13-01'）；这些企业按成立时间未知计"
        );
        let stray = "firm X2 «远处» at (120.50000, 30.20000) is 1067 km from the median of the other firms (114.015, 22.561): probably a wrong geocode, so it is left out; fix its coordinates, or keep it with --keep-distant (window: “Keep distant firms” in the import dialog)";
        let zh = report_text(stray, Lang::Zh);
        assert!(
            zh.starts_with("企业 X2 «远处» 位于 (120.50000, 30.20000)"),
            "{zh}"
        );
        assert!(
            zh.contains("1067 公里") && zh.contains("保留远离其他企业"),
            "{zh}"
        );
        assert_eq!(
            report_text(
                "1 firm(s) more than 200 km from the others were left out (kind 'stray'); see the skipped list",
                Lang::Zh
            ),
            "1 家企业距其他企业超过 200 公里，已略去（类别“远离其他企业”）；见跳过列表"
        );
        // Unknown texts and English mode keep the English.
        assert_eq!(report_text("something new", Lang::Zh), "something new");
        assert_eq!(
            report_text("longitude or latitude is empty", Lang::En),
            "longitude or latitude is empty"
        );
        assert_eq!(
            report_text("longitude or latitude is empty!", Lang::Zh),
            "longitude or latitude is empty!"
        );
    }

    /// Every whole-file load error as the data layer words it has its Chinese: the English
    /// comes from the errors themselves, so a reworded message fails here.
    #[test]
    fn whole_file_load_errors_read_in_chinese() {
        use crate::data::LoadError;
        let path = || "f.csv".to_string();
        let errors = [
            LoadError::Empty { path: path() },
            LoadError::Io {
                path: path(),
                cause: std::io::Error::other("denied"),
            },
            LoadError::NoCoordinateColumns {
                path: path(),
                headers: "id, name".into(),
            },
            LoadError::MissingColumn {
                path: path(),
                column: "经度".into(),
                headers: "id, lon".into(),
            },
            LoadError::Encoding {
                path: path(),
                encoding: "gbk".into(),
            },
        ];
        let not_text = LoadError::not_text("f.csv", "\u{7f}ELF\0").map(|e| e.to_string());
        let mut texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
        texts.extend(not_text);
        // A gzip file cut short, as the loader reports it.
        let dir = std::env::temp_dir().join(format!("ca-reasons-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let gz = dir.join("f.csv.gz");
        std::fs::write(&gz, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1]).unwrap();
        let cut = crate::data::read_input(&gz).map(|_| ()).unwrap_err();
        texts.push(cut.to_string());
        std::fs::remove_dir_all(&dir).ok();
        for en in &texts {
            let zh = to_chinese(en).unwrap_or_else(|| panic!("no Chinese for {en}"));
            assert!(zh.ends_with(".csv") || zh.ends_with(".gz"), "{zh}");
            assert!(!zh.contains("{"), "{zh}");
        }
    }

    /// A file that gave no rows says so in Chinese, in its own format's words.
    #[test]
    fn empty_files_read_in_chinese() {
        let opts = crate::data::FirmLoadOptions::default();
        let csv = crate::data::load_firms_csv_bytes(b"lon,lat\n", "f.csv", &opts);
        let collection = r#"{"type":"FeatureCollection","features":[]}"#;
        let geojson = crate::data::load_firms_geojson_str(collection, "f.geojson", &opts);
        for (r, want) in [(csv, "没有数据行"), (geojson, "没有要素")] {
            let en = r.err().map(|e| e.to_string()).unwrap_or_default();
            let zh = to_chinese(&en).unwrap_or_else(|| panic!("no Chinese for {en}"));
            assert!(zh.starts_with("没有可用的行") && zh.contains(want), "{zh}");
        }
    }

    /// Every reason the CSV loader gives for a skipped row, as it writes them, reads in
    /// Chinese (one bad row of each kind).
    #[test]
    fn row_reasons_as_the_loader_writes_them_read_in_chinese() {
        let text = "id,lon,lat\n1,114.0,22.5\n2,abc,22.5\n3,22.5,114.0\n4,inf,22\n5,,22\n\
                    6,NA,22.5\n7,500000,2500000\n8,0,0\n9,113971389,22608845\n10,400,95\n\
                    11,22.5N,114.0\n12,114E,22.5E\n13,9e300,1e300\n14\n15,\"a,b\"\n";
        let f = crate::data::load_firms_csv_bytes(
            text.as_bytes(),
            "f.csv",
            &crate::data::FirmLoadOptions::default(),
        )
        .unwrap();
        assert_eq!(f.report.skipped.len(), 14, "{:?}", f.report.skipped);
        for item in &f.report.skipped {
            assert!(
                to_chinese(&item.reason).is_some(),
                "no Chinese for {}",
                item.reason
            );
        }
    }

    /// The load notes of a CSV text that `keep` picks, in Chinese.
    fn notes_in_chinese(csv: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
        let f = crate::data::load_firms_csv_bytes(
            csv.as_bytes(),
            "f.csv",
            &crate::data::FirmLoadOptions::default(),
        )
        .unwrap();
        let notes = f.report.notes.iter().filter(|n| keep(n));
        notes.map(|n| report_text(n, Lang::Zh)).collect()
    }

    #[test]
    fn a_repeated_header_note_reads_in_chinese() {
        let notes = notes_in_chinese("id,lon,lat,lon,lat\n1,114.05,22.54,0,0\n", |n| {
            n.contains("more than once")
        });
        assert_eq!(
            notes,
            [
                "表头中“lon”出现多次（另见第 4 列）；读取的是第 2 列；如需读取其他列，请用列号指定（命令行 --lon-col 4，或在导入对话框中选“lon（第 4 列）”）",
                "表头中“lat”出现多次（另见第 5 列）；读取的是第 3 列；如需读取其他列，请用列号指定（命令行 --lat-col 5，或在导入对话框中选“lat（第 5 列）”）",
            ]
        );
    }

    #[test]
    fn missing_column_notes_read_in_chinese() {
        for (text, named) in [
            (
                "ID,Name,Lon,Lat,Type,Year\nG1,a,114.05,22.54,optics,2015\n",
                true,
            ),
            ("lon,lat\n114.05,22.54\n", false),
        ] {
            let zh = notes_in_chinese(text, |n| n.starts_with("no "));
            assert_eq!(zh.len(), 2, "{zh:?}");
            assert!(zh[0].starts_with("未找到领域列"), "{}", zh[0]);
            assert!(zh[1].starts_with("未找到成立日期列"), "{}", zh[1]);
            assert_eq!(zh[0].contains("列“Type”可能是领域"), named, "{}", zh[0]);
            assert_eq!(zh[1].contains("--founded-col 'Year'"), named, "{}", zh[1]);
        }
    }

    #[test]
    fn the_report_line_words_read_in_chinese() {
        // The words as the loader writes them.
        let load = |text: &str| {
            crate::data::load_firms_csv_bytes(
                text.as_bytes(),
                "f.csv",
                &crate::data::FirmLoadOptions::default(),
            )
            .unwrap()
        };
        let f = load("id;name;lon;lat;segment\n1;A;114.05;22.54;VR\n");
        for (f, zh) in [
            (&f, "分号分隔"),
            (&load("id lon lat\nA 114.05 22.54\n"), "空格分隔"),
        ] {
            let delimiter = f.report.delimiter.as_deref().unwrap_or_default();
            assert_eq!(report_word(delimiter, Lang::Zh), zh);
        }
        let roles: Vec<&str> = f
            .report
            .columns
            .keys()
            .map(|k| report_word(k, Lang::Zh))
            .collect();
        assert_eq!(roles, ["编号", "纬度", "经度", "名称", "领域"]);
        assert_eq!(report_word("comma", Lang::En), "comma");
        assert_eq!(report_word("utf-8", Lang::Zh), "utf-8");
    }

    #[test]
    fn job_steps_are_named_in_chinese_and_unknown_ones_pass_through() {
        assert_eq!(step_name("reading", Lang::Zh), "读取");
        assert_eq!(step_name("zone statistics", Lang::Zh), "集聚区统计");
        assert_eq!(step_name("reading", Lang::En), "reading");
        assert_eq!(step_name("tiles 3/9", Lang::Zh), "tiles 3/9");
    }
}
