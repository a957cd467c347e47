//! Polite tile downloads off the UI thread: a few workers, newest requests first, the disk
//! cache before the network, retries with exponential backoff on 5xx and timeouts, a pause for
//! the whole service on 429 (honouring `Retry-After`), no retry on 403/404, and tiles whose
//! bytes do not decode dropped (never cached).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{DiskCache, TileImage, TileKey, TileSource};

/// Why a tile is missing.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FailReason {
    /// Offline mode and not in the cache.
    NotCached,
    /// 404/410: the service has no such tile.
    NotFound,
    /// 401/403: refused (a wrong Tianditu key, or a service that blocks the app).
    Refused(u16),
    /// Still 429 after the retries.
    RateLimited,
    /// Another HTTP status after the retries.
    Status(u16),
    /// Connection failed or timed out after the retries.
    Network,
    /// The bytes are not a PNG/JPEG image.
    Corrupt,
}

impl FailReason {
    /// One short phrase for the map's notice.
    pub fn describe(&self) -> String {
        match self {
            Self::NotCached => "not in the cache (offline)".into(),
            Self::NotFound => "not on the server (404)".into(),
            Self::Refused(c) => format!("refused ({c}): check the key or the service's terms"),
            Self::RateLimited => "too many requests (429)".into(),
            Self::Status(c) => format!("server error ({c})"),
            Self::Network => "no connection or timed out".into(),
            Self::Corrupt => "not a readable image".into(),
        }
    }
}

/// Decoded tiles by key.
pub type ReadyTiles = HashMap<TileKey, Arc<TileImage>>;

/// Where one tile stands.
#[derive(Clone, Debug)]
pub enum TileState {
    Pending,
    Ready(Arc<TileImage>),
    Failed(FailReason),
}

/// How the fetcher behaves; the defaults suit public services, tests shorten the waits.
#[derive(Clone, Debug)]
pub struct FetchConfig {
    pub workers: usize,
    /// Extra attempts after a 5xx, a 429 or a network error.
    pub retries: u32,
    /// First backoff; doubled on every retry.
    pub backoff: Duration,
    /// Longest wait a `Retry-After` may ask for.
    pub max_pause: Duration,
    pub timeout: Duration,
    pub offline: bool,
    /// Decoded tiles kept in memory.
    pub memory_tiles: usize,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            workers: 4,
            retries: 3,
            backoff: Duration::from_millis(500),
            max_pause: Duration::from_secs(30),
            timeout: Duration::from_secs(15),
            offline: false,
            memory_tiles: 512,
        }
    }
}

/// What the fetcher has done, for the quiet notice under the map.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FetchStats {
    pub downloaded: usize,
    pub from_cache: usize,
    pub failed: usize,
    pub last_failure: Option<(TileKey, FailReason)>,
}

/// The user agent sent with every request: names the app and where to find it.
pub fn user_agent() -> String {
    format!(
        "cluster-atlas/{} (Shenzhen industry-cluster map; desktop)",
        env!("CARGO_PKG_VERSION")
    )
}

#[derive(Default)]
struct Shared {
    states: HashMap<TileKey, TileState>,
    queue: VecDeque<TileKey>,
    /// Ready tiles, oldest first, for the memory limit.
    ready_order: VecDeque<TileKey>,
    stats: FetchStats,
    /// No requests before this instant (a 429 pauses the whole service).
    pause_until: Option<Instant>,
}

struct Inner {
    source: TileSource,
    cache: Option<DiskCache>,
    cfg: FetchConfig,
    agent: ureq::Agent,
    shared: Mutex<Shared>,
    /// Wakes workers when the queue grows.
    work: Condvar,
    /// Wakes waiters when a tile settles.
    done: Condvar,
    stop: AtomicBool,
    on_change: Mutex<Option<Box<dyn Fn() + Send>>>,
}

/// A pool of tile downloads for one source.
pub struct Fetcher {
    inner: Arc<Inner>,
    workers: Vec<std::thread::JoinHandle<()>>,
}

impl Fetcher {
    pub fn new(source: TileSource, cache: Option<DiskCache>, cfg: FetchConfig) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(cfg.timeout))
            .user_agent(user_agent())
            .build()
            .into();
        let inner = Arc::new(Inner {
            source,
            cache,
            cfg,
            agent,
            shared: Mutex::new(Shared::default()),
            work: Condvar::new(),
            done: Condvar::new(),
            stop: AtomicBool::new(false),
            on_change: Mutex::new(None),
        });
        let workers = (0..inner.cfg.workers.max(1))
            .filter_map(|i| {
                let inner = Arc::clone(&inner);
                std::thread::Builder::new()
                    .name(format!("tiles-{i}"))
                    .spawn(move || worker(&inner))
                    .ok()
            })
            .collect();
        Self { inner, workers }
    }

    pub fn source(&self) -> &TileSource {
        &self.inner.source
    }

    /// Called (from a worker) whenever a tile settles: the window asks for a repaint.
    pub fn set_on_change(&self, f: impl Fn() + Send + 'static) {
        *lock(&self.inner.on_change) = Some(Box::new(f));
    }

    /// Asks for tiles; new ones go to the front of the queue. Queued tiles not in `keys` are
    /// dropped when `only_these` (the window moved on).
    pub fn request(&self, keys: &[TileKey], only_these: bool) {
        let mut s = lock(&self.inner.shared);
        if only_these {
            let wanted: std::collections::HashSet<TileKey> = keys.iter().copied().collect();
            let dropped: Vec<TileKey> = s
                .queue
                .iter()
                .filter(|k| !wanted.contains(k))
                .copied()
                .collect();
            s.queue.retain(|k| wanted.contains(k));
            for k in dropped {
                s.states.remove(&k);
            }
        }
        let mut added = false;
        for &k in keys.iter().rev() {
            if let std::collections::hash_map::Entry::Vacant(e) = s.states.entry(k) {
                e.insert(TileState::Pending);
                s.queue.push_front(k);
                added = true;
            }
        }
        drop(s);
        if added {
            self.inner.work.notify_all();
        }
    }

    pub fn state(&self, k: TileKey) -> Option<TileState> {
        lock(&self.inner.shared).states.get(&k).cloned()
    }

    pub fn ready(&self, k: TileKey) -> Option<Arc<TileImage>> {
        match lock(&self.inner.shared).states.get(&k) {
            Some(TileState::Ready(t)) => Some(Arc::clone(t)),
            _ => None,
        }
    }

    pub fn stats(&self) -> FetchStats {
        lock(&self.inner.shared).stats.clone()
    }

    /// Forgets failed tiles so that they are asked for again (after a key or network fix).
    pub fn retry_failed(&self) {
        lock(&self.inner.shared)
            .states
            .retain(|_, st| !matches!(st, TileState::Failed(_)));
    }

    /// Requests `keys` and waits until each is ready or failed, or the deadline passes.
    /// Returns the ready tiles and the missing ones with their reasons (`None`: timed out).
    pub fn fetch_all(
        &self,
        keys: &[TileKey],
        timeout: Duration,
    ) -> (ReadyTiles, Vec<(TileKey, Option<FailReason>)>) {
        self.request(keys, false);
        let deadline = Instant::now() + timeout;
        let mut s = lock(&self.inner.shared);
        loop {
            let pending = keys
                .iter()
                .any(|k| matches!(s.states.get(k), Some(TileState::Pending) | None));
            let now = Instant::now();
            if !pending || now >= deadline {
                break;
            }
            s = match self.inner.done.wait_timeout(s, deadline - now) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
        let (mut ready, mut missing) = (HashMap::new(), Vec::new());
        for &k in keys {
            match s.states.get(&k) {
                Some(TileState::Ready(t)) => {
                    ready.insert(k, Arc::clone(t));
                }
                Some(TileState::Failed(r)) => missing.push((k, Some(r.clone()))),
                _ => missing.push((k, None)),
            }
        }
        (ready, missing)
    }
}

impl Drop for Fetcher {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::SeqCst);
        self.inner.work.notify_all();
        // Workers finish their current request (bounded by the timeout) on their own;
        // joining here would freeze the window when the user switches basemaps.
        self.workers.clear();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn worker(inner: &Inner) {
    loop {
        let key = {
            let mut s = lock(&inner.shared);
            loop {
                if inner.stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Some(k) = s.queue.pop_front() {
                    break k;
                }
                s = match inner.work.wait(s) {
                    Ok(g) => g,
                    Err(e) => e.into_inner(),
                };
            }
        };
        let result = load_tile(inner, key);
        settle(inner, key, result);
    }
}

/// Records a finished tile and wakes whoever waits.
fn settle(inner: &Inner, key: TileKey, result: Result<(TileImage, bool), FailReason>) {
    let mut s = lock(&inner.shared);
    match result {
        Ok((img, cached)) => {
            if cached {
                s.stats.from_cache += 1;
            } else {
                s.stats.downloaded += 1;
            }
            s.states.insert(key, TileState::Ready(Arc::new(img)));
            s.ready_order.retain(|k| *k != key);
            s.ready_order.push_back(key);
            while s.ready_order.len() > inner.cfg.memory_tiles {
                if let Some(old) = s.ready_order.pop_front() {
                    s.states.remove(&old);
                }
            }
        }
        Err(r) => {
            s.stats.failed += 1;
            s.stats.last_failure = Some((key, r.clone()));
            s.states.insert(key, TileState::Failed(r));
        }
    }
    drop(s);
    inner.done.notify_all();
    if let Some(f) = lock(&inner.on_change).as_ref() {
        f();
    }
}

/// Every layer of one tile (cache first), decoded and drawn over each other.
/// The bool says whether every layer came from the cache.
fn load_tile(inner: &Inner, key: TileKey) -> Result<(TileImage, bool), FailReason> {
    let mut out: Option<TileImage> = None;
    let mut all_cached = true;
    for layer in 0..inner.source.layers.len() {
        let name = &inner.source.name;
        let cached = inner.cache.as_ref().and_then(|c| c.get(name, layer, key));
        let (img, from_cache) = match cached.and_then(|b| TileImage::decode(key, &b)) {
            Some(img) => (img, true),
            None if inner.cfg.offline => return Err(FailReason::NotCached),
            None => {
                let url = inner.source.url(layer, key).ok_or(FailReason::NotFound)?;
                let bytes = download(inner, &url)?;
                let img = TileImage::decode(key, &bytes).ok_or(FailReason::Corrupt)?;
                if let Some(c) = &inner.cache {
                    let _ = c.put(name, layer, key, &bytes);
                }
                (img, false)
            }
        };
        all_cached &= from_cache;
        out = Some(match out {
            None => img,
            Some(mut base) => {
                base.draw_over(&img);
                base
            }
        });
    }
    out.map(|t| (t, all_cached)).ok_or(FailReason::NotFound)
}

/// One GET with retries: backoff doubling from `cfg.backoff` on 5xx and network errors, a pause
/// of the whole service on 429.
fn download(inner: &Inner, url: &str) -> Result<Vec<u8>, FailReason> {
    let cfg = &inner.cfg;
    let mut last = FailReason::Network;
    for attempt in 0..=cfg.retries {
        wait_for_pause(inner);
        if inner.stop.load(Ordering::SeqCst) {
            return Err(last);
        }
        let backoff = cfg.backoff * 2u32.saturating_pow(attempt);
        match inner.agent.get(url).call() {
            Ok(mut resp) => {
                let code = resp.status().as_u16();
                match code {
                    204 | 404 | 410 => return Err(FailReason::NotFound),
                    200..=299 => {
                        return resp
                            .body_mut()
                            .with_config()
                            .limit(8 << 20)
                            .read_to_vec()
                            .map_err(|_| FailReason::Network);
                    }
                    401 | 403 => return Err(FailReason::Refused(code)),
                    429 => {
                        let asked = resp
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .map(Duration::from_secs);
                        let wait = asked.unwrap_or(backoff).min(cfg.max_pause);
                        lock(&inner.shared).pause_until = Some(Instant::now() + wait);
                        last = FailReason::RateLimited;
                    }
                    500..=599 => {
                        last = FailReason::Status(code);
                        std::thread::sleep(backoff);
                    }
                    _ => return Err(FailReason::Status(code)),
                }
            }
            Err(_) => {
                last = FailReason::Network;
                std::thread::sleep(backoff);
            }
        }
    }
    Err(last)
}

fn wait_for_pause(inner: &Inner) {
    let until = lock(&inner.shared).pause_until;
    if let Some(t) = until {
        let now = Instant::now();
        if t > now {
            std::thread::sleep(t - now);
        }
    }
}
