//! Loads a firms file and prints how long it took (for profiling the loader alone):
//!     cargo run --release --no-default-features --example load_csv -- firms.csv
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: load_csv FILE");
        return;
    };
    let t = std::time::Instant::now();
    match cluster_atlas::data::load_firms(std::path::Path::new(&path), &Default::default()) {
        Ok(f) => println!(
            "{} firms in {:.3} s",
            f.firms.len(),
            t.elapsed().as_secs_f64()
        ),
        Err(e) => eprintln!("{e}"),
    }
}
