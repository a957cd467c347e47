//! Firms over time, hot spots and Ripley from the command line, on the bundled sample (which
//! carries founding years) and on small files.

use crate::common;

use common::{run, stderr, temp_dir};

fn sample_years() -> Vec<i32> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/sample_firms.csv"
    ))
    .unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let col = rdr
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "founded")
        .unwrap();
    rdr.records()
        .map(|r| r.unwrap()[col].parse().unwrap())
        .collect()
}

#[test]
fn analyze_year_keeps_the_firms_alive_then_and_writes_time_tables() {
    let dir = temp_dir("time-analyze");
    let out = dir.join("out");
    let o = run(&[
        "analyze",
        "--year",
        "2016",
        "--hotspots",
        "--ripley",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let want = sample_years().iter().filter(|y| **y <= 2016).count();
    let rows = csv::Reader::from_path(out.join("firms.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(
        rows, want,
        "firms alive in 2016 (founded by then; the sample has no closings)"
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // by-year counts of the city against a group-by of the founding years
    let years = sample_years();
    for row in s["time"]["city"].as_array().unwrap() {
        let y = row["year"].as_i64().unwrap() as i32;
        let founded = years.iter().filter(|v| **v == y && y <= 2016).count();
        assert_eq!(row["founded"].as_u64().unwrap() as usize, founded, "{y}");
    }
    assert_eq!(s["time"]["founded_column"], "founded");
    let z02 = s["time"]["zones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["id"] == "Z02")
        .unwrap();
    assert_eq!(z02["designated"], 2017);
    let hs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("hotspots.geojson")).unwrap())
            .unwrap();
    let total: u64 = hs["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, want);
    assert_eq!(
        s["hotspots"]["n_cells"].as_u64().unwrap() as usize,
        hs["features"].as_array().unwrap().len()
    );
    let r = &s["ripley"];
    assert_eq!(
        r["d"].as_array().unwrap().len(),
        r["l"].as_array().unwrap().len()
    );
    assert!(
        r["estimator"]
            .as_str()
            .unwrap()
            .contains("no edge correction")
    );
}

#[test]
fn render_years_writes_an_animated_png_with_a_frame_a_year() {
    let dir = temp_dir("time-render");
    let out = dir.join("anim.png");
    let o = run(&[
        "render",
        "--years",
        "2016-2019",
        "--lang",
        "en",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    let count = |tag: &[u8]| bytes.windows(4).filter(|w| *w == tag).count();
    assert_eq!(count(b"acTL"), 1);
    assert_eq!(count(b"fcTL"), 4, "one frame a year");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().unwrap();
    assert_eq!(
        reader.info().animation_control().map(|a| a.num_frames),
        Some(4)
    );
}

#[test]
fn years_and_hot_spots_are_refused_where_they_cannot_work() {
    let dir = temp_dir("time-bad");
    let f = dir.join("f.csv");
    std::fs::write(&f, "id,lon,lat\na,114.0,22.5\nb,114.01,22.51\n").unwrap();
    let o = run(&[
        "render",
        "--firms",
        f.to_str().unwrap(),
        "--year",
        "2018",
        "--out",
        dir.join("x.png").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("founding dates"), "{}", stderr(&o));
    let o = run(&[
        "render",
        "--years",
        "2018-2016",
        "--out",
        dir.join("y.png").to_str().unwrap(),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("--years"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "render",
        "--years",
        "2016-2018",
        "--out",
        dir.join("y.svg").to_str().unwrap(),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("animated PNG"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "analyze",
        "--cell-m",
        "5",
        "--out",
        dir.join("o").to_str().unwrap(),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("cell-m"),
        "{}",
        stderr(&o)
    );
}
