//! Writing without harming the user's files: atomic saves that never replace an input or a
//! non-regular file, result sets that a reader can never see half old and half new, and a
//! list of temporary paths removed if the process is interrupted.

use super::temporaries::{self, TEMPORARIES};
use super::writeback::DiskWriter;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

fn register(p: &Path) -> io::Result<()> {
    temporaries::register(&TEMPORARIES, p)
}

fn unregister(p: &Path) {
    temporaries::unregister(&TEMPORARIES, p);
}

/// Deletes every temporary file or folder still being written and refuses any later rename
/// into place (for signal handlers, just before the process exits). Returns the result paths
/// that new results had already replaced; empty when every earlier result is unchanged.
pub fn remove_temporaries() -> Vec<PathBuf> {
    temporaries::clean_up(&TEMPORARIES)
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// What kind of thing a path is, for messages.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let ft = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_fifo() {
            return "a named pipe";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a folder"
    } else if ft.is_file() {
        "a file"
    } else {
        "not a regular file"
    }
}

/// Where a save to `path` really goes: a symlink is followed (the link stays, its target is
/// written); anything that exists and is not a regular file is refused.
pub fn resolve_output_file(path: &Path) -> io::Result<PathBuf> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(path.to_path_buf());
    };
    let target = if meta.file_type().is_symlink() {
        match std::fs::canonicalize(path) {
            Ok(t) => t,
            Err(_) => {
                return Err(invalid(format!(
                    "{} is a symbolic link to nothing; give a path to a regular file",
                    path.display()
                )));
            }
        }
    } else {
        path.to_path_buf()
    };
    let meta = std::fs::metadata(&target)?;
    if !meta.is_file() {
        return Err(invalid(format!(
            "{} is {}, not a regular file; give a path to a new or existing regular file",
            path.display(),
            kind_of(&meta)
        )));
    }
    Ok(target)
}

/// True when two paths name the same existing file (same device and inode on Unix).
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
        false
    }
    #[cfg(not(unix))]
    {
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
}

/// Refuses an output path that is one of the inputs.
pub fn refuse_inputs(out: &Path, inputs: &[&Path]) -> io::Result<()> {
    for i in inputs {
        if same_file(out, i) {
            return Err(invalid(format!(
                "refusing to overwrite the input {}: choose another output path",
                i.display()
            )));
        }
    }
    Ok(())
}

/// Writes a file atomically: into a temporary file beside it, synced, then renamed over the
/// target, so a crash never leaves a half-written file in place of a good one. A symlink is
/// written through; a folder, device, pipe or socket at `path` is refused, never replaced.
pub fn atomic_write(
    path: &Path,
    write: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
) -> io::Result<()> {
    let path = resolve_output_file(path)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    register(&tmp)?;
    let result = (|| {
        DiskWriter::write_synced(std::fs::File::create(&tmp)?, write)?;
        temporaries::replace_unless_interrupted(&TEMPORARIES, &path, || {
            std::fs::rename(&tmp, &path)
        })?;
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    unregister(&tmp);
    result
}

/// Makes a rename durable (best effort; not every platform can open a folder).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// A folder of result files written as one set: files go into a hidden staging folder beside
/// the target, which then replaces the target in one step, so a reader sees the old set or
/// the new one, never a mix. The target must be new, empty, or hold only files that
/// cluster-atlas writes (an earlier result set); any other content is refused, never deleted.
pub struct ResultSet {
    target: PathBuf,
    staging: PathBuf,
    names: Vec<String>,
}

impl ResultSet {
    /// Prepares a result set for `target`, whose file names will be `names`. `inputs` must not
    /// be inside the target (they would be replaced).
    pub fn create(target: &Path, names: &[&str], inputs: &[&Path]) -> io::Result<Self> {
        if target.as_os_str() == "-" {
            return Err(invalid(
                "--out - (standard output) is for single files; give a folder for the results"
                    .into(),
            ));
        }
        let target = match std::fs::symlink_metadata(target) {
            Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(target).map_err(|_| {
                invalid(format!(
                    "--out {} is a symbolic link to nothing; give a folder",
                    target.display()
                ))
            })?,
            _ => target.to_path_buf(),
        };
        if let Ok(meta) = std::fs::metadata(&target) {
            if !meta.is_dir() {
                return Err(invalid(format!(
                    "--out {} is {}; give a folder for the results (it is created if missing)",
                    target.display(),
                    kind_of(&meta)
                )));
            }
            for entry in std::fs::read_dir(&target)? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().to_string();
                let ours = RESULT_FILES.contains(&name.as_str()) || names.contains(&name.as_str());
                if !ours || !entry.file_type()?.is_file() {
                    return Err(invalid(format!(
                        "--out {} already holds {} that cluster-atlas did not write; give a new \
                         or empty folder, or an earlier results folder (nothing was changed)",
                        target.display(),
                        crate::model::escape_controls(&name)
                    )));
                }
                let p = entry.path();
                if inputs.iter().any(|i| same_file(&p, i)) {
                    return Err(invalid(format!(
                        "--out {} holds the input {}: the results would replace it; choose \
                         another folder (nothing was changed)",
                        target.display(),
                        p.display()
                    )));
                }
            }
        }
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        std::fs::create_dir_all(&parent)?;
        let base = target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "results".into());
        let staging = parent.join(format!(".{base}.partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        register(&staging)?;
        if let Err(e) = std::fs::create_dir(&staging) {
            unregister(&staging);
            return Err(e);
        }
        Ok(Self {
            target,
            staging,
            names: names.iter().map(|s| s.to_string()).collect(),
        })
    }

    /// The path a file of the set is written to now (inside the staging folder).
    pub fn path(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// The path the file will have once the set is committed.
    pub fn final_path(&self, name: &str) -> PathBuf {
        self.target.join(name)
    }

    /// Writes one file of the set (synced before the set is committed).
    pub fn write(
        &self,
        name: &str,
        write: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
    ) -> io::Result<()> {
        debug_assert!(self.names.iter().any(|n| n == name));
        DiskWriter::write_synced(std::fs::File::create(self.path(name))?, write).map(drop)
    }

    /// Puts the new set in place of the old one.
    pub fn commit(self) -> io::Result<PathBuf> {
        // Files of another command's set (e.g. `analyze` results beside `suggest` ones) stay.
        if let Ok(entries) = std::fs::read_dir(&self.target) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if !self.names.contains(&name) {
                    let to = self.staging.join(&name);
                    if std::fs::hard_link(e.path(), &to).is_err() {
                        std::fs::copy(e.path(), &to)?;
                    }
                }
            }
        }
        sync_dir(&self.staging);
        let parent = self
            .staging
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let result = if self.target.exists() {
            // The new folder keeps the old one's permissions (e.g. a shared, sticky folder).
            if let Ok(m) = std::fs::metadata(&self.target) {
                let _ = std::fs::set_permissions(&self.staging, m.permissions());
            }
            temporaries::replace_unless_interrupted(&TEMPORARIES, &self.target, || {
                swap_dirs(&self.staging, &self.target)
            })
            .map(|()| {
                // The staging path now holds the old set (still registered: an interruption
                // now removes it too).
                let _ = std::fs::remove_dir_all(&self.staging);
            })
        } else {
            temporaries::replace_unless_interrupted(&TEMPORARIES, &self.target, || {
                std::fs::rename(&self.staging, &self.target)
            })
        };
        sync_dir(&parent);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
        unregister(&self.staging);
        result.map(|()| self.target.clone())
    }
}

impl Drop for ResultSet {
    fn drop(&mut self) {
        // Not committed (an error on the way): leave the old set untouched, remove the new.
        if self.staging.exists() {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
        unregister(&self.staging);
    }
}

/// Every file name a cluster-atlas result folder may hold.
pub const RESULT_FILES: &[&str] = &[
    "firms.csv",
    "summary.json",
    "clusters.geojson",
    "hotspots.geojson",
    "suggestions.csv",
    "suggestions.json",
    "candidates.csv",
    "candidates.json",
];

/// Exchanges two folders in one step where the OS can (Linux), else by two renames (the old
/// set is moved aside first, so the target is briefly absent, never mixed).
fn swap_dirs(new: &Path, target: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let a = CString::new(new.as_os_str().as_bytes()).map_err(|e| invalid(e.to_string()))?;
        let b = CString::new(target.as_os_str().as_bytes()).map_err(|e| invalid(e.to_string()))?;
        // SAFETY: both are valid NUL-terminated paths; renameat2 only reads them.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        // Filesystems without RENAME_EXCHANGE fall through to two renames.
    }
    let aside = new.with_extension("old");
    std::fs::rename(target, &aside)?;
    if let Err(e) = std::fs::rename(new, target) {
        let _ = std::fs::rename(&aside, target);
        return Err(e);
    }
    // Leave the old set where the caller removes the staging folder.
    std::fs::rename(&aside, new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::temporaries::tests::tmp;

    #[test]
    fn atomic_write_follows_symlinks_and_refuses_folders() {
        let d = tmp("links");
        let target = d.join("real.txt");
        std::fs::write(&target, "old").unwrap();
        #[cfg(unix)]
        {
            let link = d.join("link.txt");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            atomic_write(&link, |w| w.write_all(b"new")).unwrap();
            assert!(
                std::fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        }
        let e = atomic_write(&d, |w| w.write_all(b"x")).unwrap_err();
        assert!(e.to_string().contains("a folder"), "{e}");
        // No temporary file is left behind.
        let left: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(left.is_empty());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_never_replaced() {
        let e = atomic_write(Path::new("/dev/null"), |w| w.write_all(b"x")).unwrap_err();
        assert!(e.to_string().contains("character device"), "{e}");
        assert!(
            std::fs::metadata("/dev/null")
                .map(|m| !m.is_file())
                .unwrap_or(true)
        );
    }

    #[test]
    fn result_set_replaces_an_old_set_whole_and_refuses_foreign_files() {
        let d = tmp("set");
        let out = d.join("results");
        let set = ResultSet::create(&out, &["summary.json", "firms.csv"], &[]).unwrap();
        set.write("summary.json", |w| w.write_all(b"1")).unwrap();
        set.write("firms.csv", |w| w.write_all(b"1")).unwrap();
        set.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).unwrap(),
            "1"
        );
        // A second run replaces both files.
        let set = ResultSet::create(&out, &["summary.json", "firms.csv"], &[]).unwrap();
        set.write("summary.json", |w| w.write_all(b"2")).unwrap();
        set.write("firms.csv", |w| w.write_all(b"2")).unwrap();
        set.commit().unwrap();
        assert_eq!(std::fs::read_to_string(out.join("firms.csv")).unwrap(), "2");
        // An abandoned run leaves the old set and no staging folder.
        {
            let set = ResultSet::create(&out, &["summary.json"], &[]).unwrap();
            set.write("summary.json", |w| w.write_all(b"3")).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).unwrap(),
            "2"
        );
        let names: Vec<String> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, vec!["results".to_string()]);
        // A folder with the user's own files is refused and left alone.
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let e = ResultSet::create(&out, &["summary.json"], &[])
            .err()
            .unwrap();
        assert!(e.to_string().contains("notes.txt"), "{e}");
        assert!(out.join("notes.txt").exists());
        // An input inside the folder is refused even with a result file's name.
        std::fs::remove_file(out.join("notes.txt")).unwrap();
        let input = out.join("firms.csv");
        let e = ResultSet::create(&out, &["firms.csv"], &[&input])
            .err()
            .unwrap();
        assert!(e.to_string().contains("input"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
