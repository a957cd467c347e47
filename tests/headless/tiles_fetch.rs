//! The tile fetcher against a local server (127.0.0.1 only): download, cache hits, the size
//! limit, retries on 500, the pause on 429, no retry on 403/404, offline mode, corrupt tiles,
//! timeouts and the user agent.

use crate::common;

use std::time::Duration;

use cluster_atlas::tiles::{
    DiskCache, FailReason, FetchConfig, Fetcher, TileCrs, TileKey, TileSource, TileState,
};
use common::tile_server::{Reply, TileServer, png};

fn quick() -> FetchConfig {
    FetchConfig {
        workers: 2,
        retries: 3,
        backoff: Duration::from_millis(100),
        max_pause: Duration::from_secs(5),
        timeout: Duration::from_secs(2),
        ..FetchConfig::default()
    }
}

fn source(server: &TileServer) -> TileSource {
    TileSource::custom(&server.template(), TileCrs::Wgs84, "test").unwrap()
}

fn fetcher(server: &TileServer, cache: Option<DiskCache>, cfg: FetchConfig) -> Fetcher {
    Fetcher::new(source(server), cache, cfg)
}

const K: TileKey = TileKey::new(12, 3_345, 1_780);
const PATH: &str = "/12/3345/1780.png";

fn one(f: &Fetcher, k: TileKey) -> Result<(), Option<FailReason>> {
    let (ready, missing) = f.fetch_all(&[k], Duration::from_secs(20));
    match missing.into_iter().next() {
        Some((_, r)) => Err(r),
        None => {
            assert!(ready.contains_key(&k));
            Ok(())
        }
    }
}

#[test]
fn downloads_then_reuses_the_disk_cache_with_a_named_user_agent() {
    let server = TileServer::start(|_, _| Reply::ok(png(256, [200, 10, 10, 255])));
    let dir = common::temp_dir("tiles-cache-hit");
    let f = fetcher(&server, Some(DiskCache::new(dir.clone(), 1 << 30)), quick());
    one(&f, K).unwrap();
    let Some(TileState::Ready(t)) = f.state(K) else {
        panic!("not ready")
    };
    assert_eq!((t.width, t.height), (256, 256));
    assert_eq!(&t.rgba[..4], &[200, 10, 10, 255]);
    assert_eq!(f.stats().downloaded, 1);
    let log = server.log();
    assert!(
        log[0].2.starts_with("cluster-atlas/"),
        "user agent {:?}",
        log[0].2
    );
    drop(f);
    // A new fetcher (a restart) finds it on disk: no second request.
    let f = fetcher(&server, Some(DiskCache::new(dir, 1 << 30)), quick());
    one(&f, K).unwrap();
    assert_eq!(server.count(PATH), 1);
    assert_eq!(f.stats().from_cache, 1);
}

#[test]
fn the_cache_stays_under_its_size_limit() {
    // Noisy tiles do not compress: each PNG is ~200 kB.
    let server = TileServer::start(|p, _| {
        let (_, x, y) = common::tile_server::zxy(p).unwrap();
        let mut rng = common::Lcg(u64::from(x * 7 + y));
        let img = image::RgbaImage::from_fn(256, 256, |_, _| {
            let mut b = || (rng.next() * 255.0) as u8;
            image::Rgba([b(), b(), b(), 255])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        Reply::ok(out.into_inner())
    });
    let dir = common::temp_dir("tiles-cache-limit");
    let limit = 1_000_000;
    let f = fetcher(&server, Some(DiskCache::new(dir.clone(), limit)), quick());
    let keys: Vec<TileKey> = (0..12)
        .map(|i| TileKey::new(12, 3_300 + i, 1_780))
        .collect();
    let (ready, missing) = f.fetch_all(&keys, Duration::from_secs(30));
    assert!(missing.is_empty() && ready.len() == 12);
    let on_disk = DiskCache::new(dir, limit).size_on_disk();
    assert!(on_disk <= limit, "{on_disk} bytes on disk, limit {limit}");
    assert!(on_disk > limit / 3, "eviction went too far: {on_disk}");
}

#[test]
fn a_500_is_retried_with_growing_waits() {
    let server = TileServer::start(|_, before| {
        if before < 2 {
            Reply::status(500)
        } else {
            Reply::ok(png(256, [1, 2, 3, 255]))
        }
    });
    let f = fetcher(&server, None, quick());
    one(&f, K).unwrap();
    let log = server.log();
    assert_eq!(log.len(), 3);
    let gap1 = log[1].1 - log[0].1;
    let gap2 = log[2].1 - log[1].1;
    assert!(gap1 >= Duration::from_millis(100), "{gap1:?}");
    assert!(
        gap2 >= Duration::from_millis(200),
        "backoff doubles: {gap2:?}"
    );
}

#[test]
fn a_429_pauses_for_retry_after() {
    let server = TileServer::start(|_, before| {
        if before == 0 {
            Reply::status(429).header("Retry-After", "1")
        } else {
            Reply::ok(png(256, [1, 2, 3, 255]))
        }
    });
    let f = fetcher(&server, None, quick());
    one(&f, K).unwrap();
    let log = server.log();
    assert_eq!(log.len(), 2);
    assert!(log[1].1 - log[0].1 >= Duration::from_millis(990));
}

#[test]
fn refused_and_missing_tiles_are_not_retried() {
    let server = TileServer::start(|p, _| {
        if p.starts_with("/12/1/") {
            Reply::status(403)
        } else {
            Reply::status(404)
        }
    });
    let f = fetcher(&server, None, quick());
    assert_eq!(
        one(&f, TileKey::new(12, 1, 1)),
        Err(Some(FailReason::Refused(403)))
    );
    assert_eq!(one(&f, K), Err(Some(FailReason::NotFound)));
    assert_eq!(server.log().len(), 2);
    assert_eq!(f.stats().failed, 2);
    assert!(f.stats().last_failure.is_some());
}

#[test]
fn corrupt_tiles_are_dropped_and_not_cached() {
    let server = TileServer::start(|_, _| Reply::ok(b"\x89PNG\r\n\x1a\nnot really".to_vec()));
    let dir = common::temp_dir("tiles-corrupt");
    let f = fetcher(&server, Some(DiskCache::new(dir.clone(), 1 << 30)), quick());
    assert_eq!(one(&f, K), Err(Some(FailReason::Corrupt)));
    assert_eq!(DiskCache::new(dir, 1 << 30).size_on_disk(), 0);
}

#[test]
fn offline_mode_uses_the_cache_only() {
    let server = TileServer::start(|_, _| Reply::ok(png(256, [9, 9, 9, 255])));
    let dir = common::temp_dir("tiles-offline");
    let offline = FetchConfig {
        offline: true,
        ..quick()
    };
    let f = fetcher(
        &server,
        Some(DiskCache::new(dir.clone(), 1 << 30)),
        offline.clone(),
    );
    assert_eq!(one(&f, K), Err(Some(FailReason::NotCached)));
    assert!(server.log().is_empty(), "offline sent a request");
    drop(f);
    let f = fetcher(&server, Some(DiskCache::new(dir.clone(), 1 << 30)), quick());
    one(&f, K).unwrap();
    drop(f);
    let f = fetcher(&server, Some(DiskCache::new(dir, 1 << 30)), offline);
    one(&f, K).unwrap();
    assert_eq!(server.log().len(), 1);
}

#[test]
fn a_server_that_hangs_times_out_and_the_wait_is_bounded() {
    let server =
        TileServer::start(|_, _| Reply::ok(png(256, [0; 4])).delay(Duration::from_secs(3)));
    let cfg = FetchConfig {
        retries: 1,
        timeout: Duration::from_millis(300),
        ..quick()
    };
    let f = fetcher(&server, None, cfg);
    let t = std::time::Instant::now();
    assert_eq!(one(&f, K), Err(Some(FailReason::Network)));
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    // An export waiting less than that reports the tile as still missing.
    let f = fetcher(&server, None, quick());
    let (_, missing) = f.fetch_all(&[K], Duration::from_millis(200));
    assert_eq!(missing, vec![(K, None)]);
}
