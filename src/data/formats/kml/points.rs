//! KML placemarks straight to a table for the firm loader, without a GeoJSON value per
//! placemark: the same cells as [`read`](super::read) then
//! [`Vector::into_points`](crate::data::formats::Vector::into_points) give. A million-firm
//! document took 3.5 GB as JSON values.

use std::ops::Range;

use roxmltree::Node;

use super::{BY_PLACEMARK, CRS_LABEL, NODES_LIMIT, each_property, no_placemark, placemark_point};
use crate::data::LoadError;
use crate::data::cells::{CellRun, columns_of, merged_keys};
use crate::data::formats::PointTable;

/// Placemarks read on one thread: their properties' cells, and each one's cells and point.
#[derive(Default)]
struct PointRun {
    cells: CellRun,
    rows: Vec<(Range<usize>, Option<[f64; 2]>)>,
    scratch: super::quick::Scratch,
}

fn add(run: &mut PointRun, p: Node) {
    let first = run.cells.cells.len();
    each_property(p, |k, v| {
        let slot = run.cells.slot(k);
        run.cells.push(slot, &v);
    });
    run.rows
        .push((first..run.cells.cells.len(), placemark_point(p)));
}

/// Adds a placemark read from its text without a tree ([`super::quick`]), if it can be.
fn quick(run: &mut PointRun, text: &str, prefixes: &[&str]) -> bool {
    let first = run.cells.cells.len();
    let cells = &mut run.cells;
    let add = |k: &str, v: &str| {
        let slot = cells.slot(k);
        cells.push(slot, v);
    };
    let Some(point) = super::quick::read(text, prefixes, &mut run.scratch, add) else {
        return false;
    };
    run.rows.push((first..run.cells.cells.len(), point));
    true
}

/// Reads KML text as a point table (WGS-84 unless the user names another system).
pub fn read_points(text: &str, path: &str) -> Result<PointTable, LoadError> {
    read_points_with(text, path, (BY_PLACEMARK, NODES_LIMIT))
}

fn read_points_with(text: &str, path: &str, limits: (usize, u32)) -> Result<PointTable, LoadError> {
    let runs = super::read_runs(text, path, limits, (add, Some(quick)))?;
    if runs.iter().all(|r| r.rows.is_empty()) {
        return Err(no_placemark(path));
    }
    let headers = merged_keys(runs.iter().map(|r| &r.cells));
    let mut table = PointTable::new(headers.clone());
    for run in &runs {
        let columns = columns_of(&run.cells, &headers);
        let mut row = vec![""; headers.len()];
        for (cells, point) in &run.rows {
            row.fill("");
            let column = |slot: u32| columns.get(slot as usize).copied().flatten();
            run.cells.fill(cells.clone(), column, &mut row);
            table.push_cells(&row, point.map(|[x, y]| (number(x), number(y))));
        }
    }
    table.crs_label = CRS_LABEL.into();
    Ok(table)
}

/// A coordinate as the features' JSON writes it.
fn number(x: f64) -> String {
    serde_json::Number::from_f64(x).map_or_else(String::new, |n| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random documents of points, polygons, mixed MultiGeometry, placemarks without
    /// geometry, repeated and coordinate-named fields, a commented-out placemark and CDATA,
    /// read whole and a placemark at a time: the table is the one the features give (the
    /// oracle), column order, cells, coordinates and the count of non-points included.
    #[test]
    fn points_are_the_cells_the_features_give() {
        let pool = [
            r#"<Placemark><name>甲</name><Point><coordinates>114.05,22.54,0</coordinates></Point></Placemark>"#,
            r#"<Placemark><name>乙</name><description>d &amp; e</description><ExtendedData><Data name="staff"><value>12</value></Data><SchemaData><SimpleData name="year">2019</SimpleData><SimpleData name="staff">13</SimpleData></SchemaData></ExtendedData><Point><coordinates> 113.9 , 22.6 </coordinates></Point></Placemark>"#,
            r#"<Placemark><ExtendedData><Data name="wgs84_lon"><value>1</value></Data><Data name="x"><value>y</value></Data></ExtendedData><MultiGeometry><Point><coordinates>114.1,22.5</coordinates></Point><Point><coordinates>114.2,22.5</coordinates></Point></MultiGeometry></Placemark>"#,
            r#"<Placemark><name>面</name><MultiGeometry><Point><coordinates>114.1,22.5</coordinates></Point><Polygon><outerBoundaryIs><LinearRing><coordinates>114,22 114.1,22 114.1,22.1 114,22</coordinates></LinearRing></outerBoundaryIs></Polygon></MultiGeometry></Placemark>"#,
            r#"<Placemark><name>线</name><LineString><coordinates>114,22 114.1,22.1</coordinates></LineString><Point><coordinates>114.3,22.3</coordinates></Point></Placemark>"#,
            r#"<Placemark><name>无</name></Placemark>"#,
            r#"<Placemark><name><![CDATA[<Placemark>x</Placemark>]]></name><Point><coordinates>1e2,2.25e1</coordinates></Point></Placemark>"#,
            r#"<!-- <Placemark><name>注释</name></Placemark> -->"#,
            r#"<Placemark/>"#,
            r#"<Placemark><Point><coordinates>bad</coordinates></Point><ExtendedData><Data name="only"><value>v</value></Data></ExtendedData></Placemark>"#,
            // The word searched for where it is no tag; CDATA and comments holding tags.
            r#"<Placemark><name>Placemark 7</name><description><![CDATA[</Placemark><Placemark>]]></description><Point><coordinates>114.2,22.7</coordinates></Point></Placemark>"#,
            r#"<Placemarks><name>not one</name></Placemarks>"#,
            r#"<Placemark id='q'><!-- </Placemark> --><name>c</name><Point><coordinates>114.3,22.1</coordinates></Point></Placemark>"#,
            r#"<Placemark><name>a &amp; &#x4E2D;</name><ExtendedData><SchemaData schemaUrl="s"><SimpleData name="id">S1</SimpleData></SchemaData></ExtendedData><Point><coordinates>114.0,22.0</coordinates></Point></Placemark>"#,
            "<Placemark><name>crlf\r\nname</name><Point><coordinates>114.4,22.4</coordinates></Point></Placemark>",
        ];
        let mut rng = crate::model::Rng::new(41);
        let (mut points, mut others) = (0, 0);
        for _ in 0..300 {
            let n = 1 + (rng.next_u64() % 10) as usize;
            let body: String = (0..n)
                .map(|_| pool[(rng.next_u64() % pool.len() as u64) as usize])
                .collect();
            let doc = format!(
                r#"<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder>{body}</Folder></Document></kml>"#
            );
            // The oracle is the whole tree: a placemark at a time, the document is cut by
            // text and read without trees where it can be.
            for limits in [(usize::MAX, NODES_LIMIT), (0, NODES_LIMIT)] {
                let oracle = super::super::read_with(&doc, "t.kml", (usize::MAX, NODES_LIMIT));
                let ours = read_points_with(&doc, "t.kml", limits);
                let (oracle, ours) = match (oracle, ours) {
                    (Ok(o), Ok(p)) => (o.into_points(), p),
                    (Err(_), Err(_)) => continue,
                    (a, b) => panic!("{doc}: {:?} {:?}", a.is_ok(), b.is_ok()),
                };
                assert_eq!(ours.not_points, oracle.not_points, "{doc}");
                assert_eq!(ours.crs_label, oracle.crs_label);
                others += ours.not_points;
                let (ours, oracle) = (ours.into_csv(), oracle.into_csv());
                assert_eq!(ours, oracle, "{doc}");
                points += ours.lines().count() - 1;
            }
        }
        points -= others;
        assert!(points > 800 && others > 800, "{points} {others}");
    }
}
