//! Each pipeline step at 100k, 1M and 4M seeded synthetic firms (the sample generator, seed 1).
//!
//!     cargo bench --bench pipeline --no-default-features            # all sizes
//!     cargo bench --bench pipeline --no-default-features -- 100000  # one size
//!
//! Release-binary timings against the Python peers are in `benches/compare.sh`.

use std::sync::OnceLock;

use cluster_atlas::analysis::relocate::{
    Advisor, AdvisorContext, AdvisorParams, stability::weight_draws,
};
use cluster_atlas::analysis::{
    self, AnalysisParams, DbscanParams, StudyArea, dbscan, density, nearest, placement,
};
use cluster_atlas::crs;
use cluster_atlas::data::{
    FirmLoadOptions, bundled, load_firms, load_firms_csv_bytes, load_firms_csv_streamed,
    stream_window,
};
use cluster_atlas::index::SpatialIndex;
use cluster_atlas::model::{Firms, LonLat, SourceCrs, Zone};

const SIZES: [usize; 3] = [100_000, 1_000_000, 4_000_000];

fn main() {
    divan::main();
}

struct Data {
    csv: Vec<u8>,
    firms: Firms,
    zones: Vec<Zone>,
    index: SpatialIndex,
}

fn data(n: usize) -> &'static Data {
    static CACHE: [OnceLock<Data>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = SIZES
        .iter()
        .position(|s| *s == n)
        .expect("a benchmark size");
    CACHE[slot].get_or_init(|| {
        let mut csv = Vec::new();
        cluster_atlas::sample::write_sample(&mut csv, n, 1).expect("sample");
        let firms = load_firms_csv_bytes(&csv, "bench.csv", &FirmLoadOptions::default())
            .expect("load")
            .firms;
        let zones = bundled::zones().expect("zones").zones;
        let index = SpatialIndex::build(&firms, &zones);
        Data {
            csv,
            firms,
            zones,
            index,
        }
    })
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn csv_load(b: divan::Bencher, n: usize) {
    let d = data(n);
    b.bench(|| {
        load_firms_csv_bytes(&d.csv, "bench.csv", &FirmLoadOptions::default())
            .map(|f| f.firms.len())
    });
}

/// The file of `n` sample firms on disk (read from the page cache after the first run).
fn file(n: usize) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("cluster-atlas-bench-{n}.csv"));
    if std::fs::metadata(&path).map(|m| m.len()).ok() != Some(data(n).csv.len() as u64) {
        std::fs::write(&path, &data(n).csv).expect("bench file");
    }
    path
}

/// From disk, the file read whole and its rows kept (the window, `bench`).
#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn csv_load_file_whole(b: divan::Bencher, n: usize) {
    let path = file(n);
    b.bench(|| load_firms(&path, &FirmLoadOptions::default()).map(|f| f.firms.len()));
}

/// From disk, window by window with the rows let go (`analyze` on a file over 64 MB).
#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn csv_load_file_streamed(b: divan::Bencher, n: usize) {
    let path = file(n);
    b.bench(|| {
        load_firms_csv_streamed(&path, &FirmLoadOptions::default(), stream_window())
            .map(|f| f.map(|f| f.firms.len()))
    });
}

/// Register-shaped rows (credit code, a name with doubled quotes in one row of a hundred,
/// an address quoted because it holds a comma): the text a quoted export makes.
fn register_text(n: usize) -> Vec<u8> {
    let mut t = String::from("统一社会信用代码,企业名称,地址,经度,纬度,成立日期\n");
    for i in 0..n {
        let name = if i % 100 == 0 {
            format!("\"示例\"\"星光\"\"科技{i}有限公司\"")
        } else {
            format!("示例科技{i}有限公司")
        };
        t.push_str(&format!(
            "91440300MA5{i:07},{name},\"深圳市南山区示例路 {} 号, 3楼\",{:.6},{:.6},2015-03-02\n",
            i % 997,
            113.9 + (i % 1000) as f64 * 1e-4,
            22.5 + (i % 777) as f64 * 1e-4
        ));
    }
    t.into_bytes()
}

/// The quote check and line count over register-shaped text (the splitter's pass), one core.
#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn quote_scan_register(b: divan::Bencher, n: usize) {
    let text = register_text(n);
    b.bench(|| {
        cluster_atlas::model::quotes::quote_shape_and_lines(&text, b',')
            .1
            .newlines
    });
}

/// Formatting `firms.csv` for register-shaped rows held in memory (into a sink: the
/// formatting and copying, not the disk).
#[divan::bench(args = [100_000, 1_000_000], sample_count = 5, sample_size = 1)]
fn firms_csv_format_register(b: divan::Bencher, n: usize) {
    let text = register_text(n);
    let firms = load_firms_csv_bytes(&text, "register.csv", &FirmLoadOptions::default())
        .expect("load")
        .firms;
    let zones = bundled::zones().expect("zones").zones;
    let index = SpatialIndex::build(&firms, &zones);
    let placed = placement::place_firms(&index, &firms, &zones);
    let labels = dbscan::dbscan(&index.firm_xy, DbscanParams::new(500.0, 5).expect("params"));
    b.bench(|| {
        cluster_atlas::output::write_firms_csv(
            &mut std::io::sink(),
            &firms,
            &zones,
            &labels,
            &placed,
        )
        .is_ok()
    });
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn index_build(b: divan::Bencher, n: usize) {
    let d = data(n);
    b.bench(|| SpatialIndex::build(&d.firms, &d.zones).n_firms());
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn point_in_zone_and_nearest(b: divan::Bencher, n: usize) {
    let d = data(n);
    b.bench(|| placement::place_firms(&d.index, &d.firms, &d.zones).len());
}

/// The bundled district outlines as zones (10 zones, 10,999 vertices, every firm inside
/// one): detailed real boundaries, as a planner's own zone file may hold, with an index of
/// the same firms for them.
fn districts(n: usize) -> &'static (Vec<Zone>, SpatialIndex) {
    static CACHE: [OnceLock<(Vec<Zone>, SpatialIndex)>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = SIZES
        .iter()
        .position(|s| *s == n)
        .expect("a benchmark size");
    CACHE[slot].get_or_init(|| {
        let zones = cluster_atlas::data::load_zones_str(
            bundled::DISTRICTS_LAND_GEOJSON,
            "districts",
            &Default::default(),
        )
        .expect("the bundled districts")
        .zones;
        let index = SpatialIndex::build(&data(n).firms, &zones);
        (zones, index)
    })
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn point_in_zone_and_nearest_district_outlines(b: divan::Bencher, n: usize) {
    let (zones, index) = districts(n);
    b.bench(|| placement::place_firms(index, &data(n).firms, zones).len());
}

/// The firms within 1 km of each district and each district's statistics (members, their
/// Clark–Evans, segment counts).
#[divan::bench(args = SIZES, sample_count = 3, sample_size = 1)]
fn zone_statistics_district_outlines(b: divan::Bencher, n: usize) {
    let (zones, index) = districts(n);
    let firms = &data(n).firms;
    b.bench(|| {
        let near = analysis::zone_stats::near_sets(index, firms, zones, 1000.0);
        analysis::zone_stats::zone_stats(index, firms, zones, 1000.0, &near)
            .0
            .len()
    });
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn dbscan_eps500_min5(b: divan::Bencher, n: usize) {
    let d = data(n);
    let p = DbscanParams::new(500.0, 5).expect("params");
    b.bench(|| dbscan::dbscan(&d.index.firm_xy, p).len());
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn clark_evans_bbox(b: divan::Bencher, n: usize) {
    let d = data(n);
    b.bench(|| analysis::study_area_clark_evans(&d.index, &d.firms, &StudyArea::Bbox).r);
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn nearest_neighbours(b: divan::Bencher, n: usize) {
    let d = data(n);
    b.bench(|| nearest::nearest_neighbour_distances(&d.index.firm_xy).len());
}

/// The firms' positions as Amap (GCJ-02) and Baidu (BD-09) would give them: the loaders turn
/// each back to WGS-84 (one thread here; the loaders convert on every core).
fn offset_positions(n: usize) -> &'static (Vec<LonLat>, Vec<LonLat>) {
    static CACHE: OnceLock<(Vec<LonLat>, Vec<LonLat>)> = OnceLock::new();
    CACHE.get_or_init(|| {
        let lonlat = &data(n).firms.lonlat;
        let shifted = |to: fn(LonLat) -> LonLat| lonlat.iter().map(|p| to(*p)).collect();
        (shifted(crs::wgs84_to_gcj02), shifted(crs::wgs84_to_bd09))
    })
}

/// Amap's or Baidu's positions of 100,000 firms back to WGS-84, by the published formulas.
#[divan::bench(args = ["gcj02", "bd09"], sample_count = 5, sample_size = 1)]
fn offsets_to_wgs84_100k(b: divan::Bencher, from: &str) {
    let (gcj, bd) = offset_positions(100_000);
    let (points, from) = match from {
        "gcj02" => (gcj, SourceCrs::Gcj02),
        _ => (bd, SourceCrs::Bd09),
    };
    b.bench(|| {
        points
            .iter()
            .map(|p| crs::convert(*p, from, SourceCrs::Wgs84).lon)
            .sum::<f64>()
    });
}

/// The same 100,000 positions read 40 times over (4 million, as a thread of the loaders sees
/// a city-wide file): by the formulas, and as the loaders read them (`crs::Reader`, through
/// GCJ-02's patch interpolants).
#[divan::bench(
    args = ["gcj02 formula", "gcj02 reader", "bd09 formula", "bd09 reader"],
    sample_count = 3,
    sample_size = 1
)]
fn offsets_to_wgs84_4m(b: divan::Bencher, how: &str) {
    let (gcj, bd) = offset_positions(100_000);
    let (points, from) = match how {
        "gcj02 formula" | "gcj02 reader" => (gcj, SourceCrs::Gcj02),
        _ => (bd, SourceCrs::Bd09),
    };
    let reader = crs::Reader::new(from).expect("an offset system");
    let one = |p: LonLat| match how {
        "gcj02 reader" | "bd09 reader" => reader.to_wgs84(p.lon, p.lat).map_or(0.0, |q| q.lon),
        _ => crs::convert(p, from, SourceCrs::Wgs84).lon,
    };
    b.bench(|| {
        (0..40)
            .flat_map(|_| points.iter())
            .map(|p| one(*p))
            .sum::<f64>()
    });
}

/// The firms table's search over 4 million firms' names and ids: lowercasing a copy of each
/// (as before) and `LowercaseSearch`, for a number and a Chinese word.
#[divan::bench(
    args = ["copy 299", "search 299", "copy 星光", "search 星光"],
    sample_count = 3,
    sample_size = 1
)]
fn search_names_4m(b: divan::Bencher, how: &str) {
    let firms = &data(4_000_000).firms;
    let (way, query) = how.split_once(' ').expect("two words");
    let search = cluster_atlas::model::LowercaseSearch::new(query);
    b.bench(|| {
        (0..firms.len())
            .filter(|&i| match way {
                "copy" => {
                    firms.name(i).to_lowercase().contains(query)
                        || firms.id(i).to_lowercase().contains(query)
                }
                _ => {
                    let (name, id) = firms.name_and_id(i);
                    search.matches(name) || search.matches(&id)
                }
            })
            .count()
    });
}

/// 100,000 firms' CGCS2000 Gauss–Krüger metres (EPSG:4547) back to WGS-84: by proj4rs a
/// point at a time, and as the loaders do it (patch interpolants, `crs::Reader`).
#[divan::bench(args = ["proj4rs", "patches"], sample_count = 5, sample_size = 1)]
fn projected_to_wgs84_100k(b: divan::Bencher, how: &str) {
    static CACHE: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    let t = crs::EpsgTransform::from_epsg(4547).expect("EPSG:4547");
    let points = CACHE.get_or_init(|| {
        let lonlat = &data(100_000).firms.lonlat;
        lonlat.iter().filter_map(|p| t.from_wgs84(*p)).collect()
    });
    let reader = crs::Reader::Epsg(t.clone());
    let one = |x, y| match how {
        "proj4rs" => t.to_wgs84(x, y),
        _ => reader.to_wgs84(x, y),
    };
    b.bench(|| {
        points
            .iter()
            .filter_map(|&(x, y)| one(x, y))
            .map(|p| p.lon)
            .sum::<f64>()
    });
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn kernel_density_800m(b: divan::Bencher, n: usize) {
    let d = data(n);
    b.bench(|| {
        density::kernel_density(
            &d.index.firm_xy,
            800.0,
            cluster_atlas::pipeline::DENSITY_MAX_CELLS,
        )
        .max
    });
}

#[divan::bench(args = SIZES, sample_count = 3, sample_size = 1)]
fn analyse_all(b: divan::Bencher, n: usize) {
    let d = data(n);
    b.bench(|| {
        analysis::analyse(
            &d.firms,
            &d.zones,
            &d.index,
            &AnalysisParams::default(),
            &|_, _| {},
        )
        .map(|a| a.clusters.len())
    });
}

/// The window's firm texture for a 1600×1000 view of the whole city (every firm in view:
/// the aggregated path), redrawn on every view change.
#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn firm_raster_city_view(b: divan::Bencher, n: usize) {
    use cluster_atlas::scene::{PointsItem, Rgba, Viewport, raster};
    let d = data(n);
    let xy = d.index.firm_xy.clone();
    let item = PointsItem {
        colour: std::sync::Arc::new(vec![0u8; xy.len()]),
        xy,
        palette: vec![Rgba([40, 90, 200, 255])],
        radius_px: 2.0,
        years: None,
        under: None,
    };
    let vp = Viewport::fit(d.index.firm_bounds.expect("firms"), 1600.0, 1000.0, 0.03);
    b.bench(|| raster::rasterize_adaptive(&item, &vp, 0.8, 2.0).1);
}

/// [`firm_raster_city_view`] with the time slider's year set: firms founded 2000–2024, a
/// third closed (SYNTHETIC years), as an export or one step of the slider draws them (the
/// year is applied as the points are drawn).
#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn firm_raster_city_view_year(b: divan::Bencher, n: usize) {
    use cluster_atlas::scene::{PointsItem, Rgba, Viewport, YearView, raster};
    use std::sync::Arc;
    let d = data(n);
    let xy = d.index.firm_xy.clone();
    let times = synthetic_years(xy.len());
    let item = PointsItem {
        colour: Arc::new(vec![0u8; xy.len()]),
        xy,
        palette: vec![Rgba([40, 90, 200, 255]), Rgba([250, 200, 0, 255])],
        radius_px: 2.0,
        years: Some(YearView {
            times: Arc::new(times),
            year: 2018,
            first_new: 2018,
            highlight: 1,
        }),
        under: None,
    };
    let vp = Viewport::fit(d.index.firm_bounds.expect("firms"), 1600.0, 1000.0, 0.03);
    b.bench(|| raster::rasterize_adaptive(&item, &vp, 0.8, 2.0).1);
}

/// Founding years 2000–2024 and a third of the firms closed 2005–2024 (SYNTHETIC).
fn synthetic_years(n: usize) -> cluster_atlas::model::FirmTimes {
    let founded = (0..n).map(|i| 2000 + (i * 7 % 25) as i16).collect();
    let closed = (0..n)
        .map(|i| {
            if i % 3 == 0 {
                2005 + (i * 13 % 20) as i16
            } else {
                0
            }
        })
        .collect();
    cluster_atlas::model::FirmTimes::new(founded, closed)
}

/// The time slider's year table (`YearCounts`), built once per data set in the load job.
#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn year_counts(b: divan::Bencher, n: usize) {
    let t = synthetic_years(n);
    b.bench(|| cluster_atlas::model::YearCounts::new(&t.founded, &t.closed).alive_new(2018, 2016));
}

/// The legend's per-class year tables (eight colour classes), made in the background when the
/// year view first shows a class colouring.
#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn year_counts_by_class(b: divan::Bencher, n: usize) {
    let t = synthetic_years(n);
    let class: Vec<u8> = (0..n).map(|i| (i * 13 % 8) as u8).collect();
    b.bench(|| cluster_atlas::model::YearCounts::by_class(&class, 8, &t.founded, &t.closed).len());
}

/// `n` plane points (metres) as a city register's geocodes fall (SYNTHETIC): the first 80 %
/// on 20,000 building spots around 30 centres, spot sizes Zipf-distributed (the largest holds
/// about 8 % of all firms), the rest spread evenly over 60 × 45 km. Like
/// `benches/stacked_csv.py`.
fn stacked(n: usize) -> &'static [cluster_atlas::model::Xy] {
    use cluster_atlas::model::{Rng, Xy};
    static CACHE: [OnceLock<Vec<Xy>>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = SIZES
        .iter()
        .position(|s| *s == n)
        .expect("a benchmark size");
    CACHE[slot].get_or_init(|| {
        let mut rng = Rng::new(7);
        let mut u = move || rng.uniform();
        let normal = |u: &mut dyn FnMut() -> f64| {
            (-2.0 * u().max(1e-300).ln()).sqrt() * (std::f64::consts::TAU * u()).cos()
        };
        let centres: Vec<Xy> = (0..30)
            .map(|_| {
                Xy::new(
                    18_000.0 + normal(&mut u) * 8_000.0,
                    10_000.0 + normal(&mut u) * 5_500.0,
                )
            })
            .collect();
        let spots: Vec<Xy> = (0..20_000)
            .map(|k| {
                let c = centres[k % centres.len()];
                Xy::new(
                    c.x + normal(&mut u) * 2_000.0,
                    c.y + normal(&mut u) * 1_600.0,
                )
            })
            .collect();
        let mut cumulative = Vec::with_capacity(spots.len());
        let mut total = 0.0;
        for k in 0..spots.len() {
            total += 1.0 / (k + 1) as f64;
            cumulative.push(total);
        }
        (0..n)
            .map(|i| {
                if i >= n / 5 * 4 {
                    return Xy::new(u() * 60_000.0, u() * 45_000.0);
                }
                let at = cumulative.partition_point(|c| *c < u() * total);
                spots[at.min(spots.len() - 1)]
            })
            .collect()
    })
}

/// DBSCAN on firms stacked on shared geocodes ([`stacked`]).
#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn dbscan_stacked(b: divan::Bencher, n: usize) {
    let pts = stacked(n);
    let p = DbscanParams::new(500.0, 5).expect("params");
    b.bench(|| dbscan::dbscan(pts, p).len());
}

/// Clark–Evans's neighbour pass as `analyze` runs it (grids and the sum of nearest
/// distances) on firms stacked on shared geocodes ([`stacked`]).
#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn nearest_sum_stacked(b: divan::Bencher, n: usize) {
    let pts = stacked(n);
    b.bench(|| nearest::nearest_neighbour_sum_in(&nearest::NeighbourSearch::new(pts, 1)));
}

/// The analysis and the advisor's per-zone counts of `n` firms, as the window holds them
/// after a run.
fn advised(n: usize) -> &'static (analysis::Analysis, std::sync::Arc<AdvisorContext>) {
    static CACHE: [OnceLock<(analysis::Analysis, std::sync::Arc<AdvisorContext>)>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = SIZES.iter().position(|s| *s == n).expect("a size");
    CACHE[slot].get_or_init(|| {
        let d = data(n);
        let a = analysis::analyse(
            &d.firms,
            &d.zones,
            &d.index,
            &AnalysisParams::default(),
            &|_, _| {},
        )
        .expect("analysis");
        let fit = bundled::fit_table().expect("fit table");
        let radius = AdvisorParams::default().radius_m;
        let ctx = AdvisorContext::prepare(&d.firms, &d.zones, &d.index, &a.clusters, &fit, radius);
        (a, std::sync::Arc::new(ctx))
    })
}

/// One click on a firm in the window: an advisor made from the prepared counts, and its
/// ranking with 1,000 stability draws (the window's job per click).
#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn advice_one_click(b: divan::Bencher, n: usize) {
    let d = data(n);
    let (a, ctx) = advised(n);
    let fit = bundled::fit_table().expect("fit table");
    let mut k = 0;
    b.bench_local(|| {
        let adv = Advisor::with_context(
            &d.firms,
            &d.zones,
            &d.index,
            &a.labels,
            &a.clusters,
            &fit,
            AdvisorParams::default(),
            std::sync::Arc::clone(ctx),
        )
        .expect("advisor");
        let draws = weight_draws(adv.weights(), 1000, 1, 0.35);
        k = (k + 7919) % n;
        adv.suggest(&adv.firm_site(k), &draws).ranked.len()
    });
}
