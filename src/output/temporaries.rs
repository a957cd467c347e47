//! The temporary files and folders being written now, and which results were already put in
//! place, so an interrupted process removes the first and says truthfully whether the second
//! changed. One lock orders a commit's rename against the interruption's clean-up: either the
//! clean-up runs first (the rename is then refused) or the rename does (and is reported).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// What is being written, what was replaced, and whether an interruption has begun.
#[derive(Debug, Default)]
pub(super) struct Registry {
    paths: Vec<PathBuf>,
    replaced: Vec<PathBuf>,
    interrupted: bool,
}

/// The process's registry (the binary's signal thread clears it).
pub(super) static TEMPORARIES: Mutex<Registry> = Mutex::new(Registry {
    paths: Vec::new(),
    replaced: Vec::new(),
    interrupted: false,
});

fn lock(r: &Mutex<Registry>) -> MutexGuard<'_, Registry> {
    // A panic elsewhere while holding the lock leaves plain lists: still usable.
    r.lock().unwrap_or_else(|e| e.into_inner())
}

/// Notes a temporary path to remove if the process is interrupted; refused once an
/// interruption has begun (the process is exiting: nothing new is written).
pub(super) fn register(r: &Mutex<Registry>, p: &Path) -> io::Result<()> {
    let mut reg = lock(r);
    if reg.interrupted {
        return Err(interrupted());
    }
    reg.paths.push(p.to_path_buf());
    Ok(())
}

fn interrupted() -> io::Error {
    io::Error::new(
        io::ErrorKind::Interrupted,
        "interrupted before the results were put in place",
    )
}

/// Forgets a temporary path (renamed into place or removed).
pub(super) fn unregister(r: &Mutex<Registry>, p: &Path) {
    lock(r).paths.retain(|q| q != p);
}

/// Runs `replace`, the rename that puts new results at `target`, unless an interruption has
/// begun (then nothing is renamed and the error is `Interrupted`). The interruption's clean-up
/// waits for a rename under way, so it never removes a folder while it is being swapped.
pub(super) fn replace_unless_interrupted(
    r: &Mutex<Registry>,
    target: &Path,
    replace: impl FnOnce() -> io::Result<()>,
) -> io::Result<()> {
    let mut reg = lock(r);
    if reg.interrupted {
        return Err(interrupted());
    }
    replace()?;
    reg.replaced.push(target.to_path_buf());
    Ok(())
}

/// Removes every temporary path and refuses later renames; returns the targets that new
/// results had already replaced (empty: every earlier result is unchanged).
pub(super) fn clean_up(r: &Mutex<Registry>) -> Vec<PathBuf> {
    let mut reg = lock(r);
    reg.interrupted = true;
    for p in std::mem::take(&mut reg.paths) {
        if p.is_dir() {
            // Other threads may still be adding files to the folder (`analyze` writes
            // `firms.csv` beside the statistics): a removal that meets a new file fails, so
            // try again until the folder is gone (then nothing more can be added to it).
            for _ in 0..200 {
                if std::fs::remove_dir_all(&p).is_ok() || !p.exists() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        } else {
            let _ = std::fs::remove_file(&p);
        }
    }
    reg.replaced.clone()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    /// A fresh test folder (shared with `safety`'s tests).
    pub(in crate::output) fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ca-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// A registry holding one registered staging folder with a new file in it, in a fresh
    /// test folder: (registry, folder, staging).
    fn staged(name: &str) -> (Mutex<Registry>, PathBuf, PathBuf) {
        let reg = Mutex::new(Registry::default());
        let dir = tmp(name);
        let staging = dir.join(".partial");
        std::fs::create_dir(&staging).unwrap();
        std::fs::write(staging.join("a"), "new").unwrap();
        register(&reg, &staging).unwrap();
        (reg, dir, staging)
    }

    #[test]
    fn a_clean_up_during_a_rename_waits_for_it_and_reports_the_replacement() {
        let (reg, dir, staging) = staged("during");
        let target = dir.join("results");
        let renaming = AtomicBool::new(false);
        let replaced = std::thread::scope(|s| {
            let renamer = s.spawn(|| {
                replace_unless_interrupted(&reg, &target, || {
                    renaming.store(true, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(100));
                    std::fs::rename(&staging, &target)
                })
            });
            while !renaming.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            let replaced = clean_up(&reg);
            renamer.join().unwrap().unwrap();
            replaced
        });
        // The clean-up came after the rename: the new set is whole and reported.
        assert_eq!(replaced, vec![target.clone()]);
        assert_eq!(std::fs::read_to_string(target.join("a")).unwrap(), "new");
        assert!(!staging.exists());
    }

    #[test]
    fn a_rename_after_the_clean_up_is_refused_and_nothing_is_left() {
        let (reg, dir, staging) = staged("after");
        let file = dir.join(".f.tmp");
        std::fs::write(&file, "x").unwrap();
        register(&reg, &file).unwrap();
        assert!(clean_up(&reg).is_empty());
        assert!(!staging.exists() && !file.exists());
        let target = dir.join("results");
        let mut ran = false;
        let e = replace_unless_interrupted(&reg, &target, || {
            ran = true;
            Ok(())
        })
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Interrupted);
        assert!(!ran && !target.exists());
        // Nor can a new temporary be started (the process is exiting; it would be left).
        let late = dir.join(".late");
        let e = register(&reg, &late).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Interrupted);
        assert!(clean_up(&reg).is_empty());
        // A path unregistered before the clean-up is left alone.
        let kept = dir.join("kept");
        std::fs::write(&kept, "k").unwrap();
        let reg = Mutex::new(Registry::default());
        register(&reg, &kept).unwrap();
        unregister(&reg, &kept);
        clean_up(&reg);
        assert!(kept.exists());
    }
}
