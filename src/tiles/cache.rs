//! The on-disk tile cache: one file per tile and layer under the user's cache folder, written
//! atomically, used least-recently first out when the folder outgrows its size limit.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use super::TileKey;

/// The per-user folder for cached tiles: `$CLUSTER_ATLAS_TILE_CACHE` if set, else the platform's
/// cache folder (`%LOCALAPPDATA%\cluster-atlas\tiles`, `~/Library/Caches/cluster-atlas/tiles`,
/// `$XDG_CACHE_HOME/cluster-atlas/tiles` or `~/.cache/cluster-atlas/tiles`).
pub fn default_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = env("CLUSTER_ATLAS_TILE_CACHE") {
        return Some(d);
    }
    let base = if cfg!(windows) {
        env("LOCALAPPDATA")?
    } else if cfg!(target_os = "macos") {
        env("HOME")?.join("Library/Caches")
    } else {
        env("XDG_CACHE_HOME").or_else(|| env("HOME").map(|h| h.join(".cache")))?
    };
    Some(base.join("cluster-atlas").join("tiles"))
}

/// A size-limited folder of tiles.
pub struct DiskCache {
    root: PathBuf,
    limit_bytes: u64,
    /// Bytes in the folder, counted on the first write.
    total: Mutex<Option<u64>>,
}

impl DiskCache {
    pub fn new(root: PathBuf, limit_bytes: u64) -> Self {
        Self {
            root,
            limit_bytes,
            total: Mutex::new(None),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, source: &str, layer: usize, k: TileKey) -> PathBuf {
        self.root
            .join(source)
            .join(layer.to_string())
            .join(k.z.to_string())
            .join(k.x.to_string())
            .join(format!("{}.tile", k.y))
    }

    /// The cached bytes of a tile, marking it as recently used.
    pub fn get(&self, source: &str, layer: usize, k: TileKey) -> Option<Vec<u8>> {
        let p = self.path(source, layer, k);
        let bytes = std::fs::read(&p).ok()?;
        if let Ok(f) = std::fs::File::options().write(true).open(&p) {
            let _ = f.set_modified(SystemTime::now());
        }
        Some(bytes)
    }

    /// Stores a tile (atomically: a reader never sees half a file), then evicts the least
    /// recently used tiles if the folder is over its limit.
    pub fn put(&self, source: &str, layer: usize, k: TileKey, bytes: &[u8]) -> std::io::Result<()> {
        let p = self.path(source, layer, k);
        let dir = p.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(
            ".{}.{}.{:?}.tmp",
            k.y,
            std::process::id(),
            std::thread::current().id()
        ));
        let old = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        let mut total = self.total.lock().unwrap_or_else(|e| e.into_inner());
        let t = total.get_or_insert_with(|| self.scan().iter().map(|f| f.1).sum());
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
        }
        if let Err(e) = std::fs::rename(&tmp, &p) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        *t = (*t + bytes.len() as u64).saturating_sub(old);
        if *t > self.limit_bytes {
            *t = self.evict();
        }
        Ok(())
    }

    /// Every cached file with its size and last use.
    fn scan(&self) -> Vec<(SystemTime, u64, PathBuf)> {
        let mut out = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let Ok(m) = e.metadata() else { continue };
                if m.is_dir() {
                    stack.push(e.path());
                } else if e.path().extension().is_some_and(|x| x == "tile") {
                    let t = m.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                    out.push((t, m.len(), e.path()));
                }
            }
        }
        out
    }

    /// Deletes the least recently used tiles until the folder holds at most 90 % of its limit;
    /// returns the bytes left.
    fn evict(&self) -> u64 {
        let mut files = self.scan();
        files.sort();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        let goal = self.limit_bytes / 10 * 9;
        for (_, len, path) in files {
            if total <= goal {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
        total
    }

    /// Bytes in the folder now (a full scan; for tests and the settings panel).
    pub fn size_on_disk(&self) -> u64 {
        self.scan().iter().map(|f| f.1).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_and_eviction_of_the_least_recently_used() {
        let dir = std::env::temp_dir().join(format!("ca-tilecache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let c = DiskCache::new(dir.clone(), 10_000);
        let k = |i| TileKey::new(3, i, 1);
        for i in 0..4 {
            c.put("t", 0, k(i), &[i as u8; 2_000]).unwrap();
            // distinct modification times, oldest first
            let p = c.path("t", 0, k(i));
            let f = std::fs::File::options().write(true).open(p).unwrap();
            f.set_modified(
                SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000 + i as u64),
            )
            .unwrap();
        }
        assert_eq!(c.get("t", 0, k(2)).unwrap(), vec![2u8; 2_000]);
        assert!(c.get("t", 1, k(2)).is_none());
        // tile 0 is used now, so 1 is the oldest; two more tiles go over 10 kB
        assert!(c.get("t", 0, k(0)).is_some());
        c.put("t", 0, k(4), &[4; 2_000]).unwrap();
        c.put("t", 0, k(5), &[5; 2_000]).unwrap();
        assert!(c.size_on_disk() <= 9_000, "{}", c.size_on_disk());
        assert!(
            c.get("t", 0, k(1)).is_none(),
            "the least recently used went first"
        );
        assert!(c.get("t", 0, k(5)).is_some() && c.get("t", 0, k(0)).is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
