//! Build script: the commit and build date for `--version` and the About box, and on Windows
//! the icon, version resource and manifest linked into the executable.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-env-changed=CLUSTER_ATLAS_COMMIT");
    let commit = std::env::var("CLUSTER_ATLAS_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    watch_git_head();
    println!("cargo:rustc-env=CLUSTER_ATLAS_COMMIT={commit}");
    println!("cargo:rustc-env=CLUSTER_ATLAS_BUILD_DATE={}", build_date());
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
        windows_resources();
    }
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// Re-runs this script when HEAD moves (a commit, a checkout), so the commit stays true.
fn watch_git_head() {
    let Some(dir) = git(&["rev-parse", "--git-dir"]) else {
        return;
    };
    let dir = PathBuf::from(dir);
    println!("cargo:rerun-if-changed={}", dir.join("HEAD").display());
    if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]) {
        println!("cargo:rerun-if-changed={}", dir.join(r).display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        dir.join("packed-refs").display()
    );
}

/// UTC date of the build (or of `SOURCE_DATE_EPOCH`, for reproducible builds), YYYY-MM-DD.
fn build_date() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    // Days to civil date (H. Hinnant's algorithm).
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Compiles the icon, version information and manifest with mingw's windres and links them.
fn windows_resources() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let icon = root.join("assets/icon/icon.ico");
    let manifest = root.join("assets/windows/cluster-atlas.manifest");
    println!("cargo:rerun-if-changed={}", icon.display());
    println!("cargo:rerun-if-changed={}", manifest.display());
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let mut nums: Vec<u32> = version
        .split(['.', '-', '+'])
        .take(3)
        .map(|p| p.parse().unwrap_or(0))
        .collect();
    nums.resize(4, 0);
    let commas = nums
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let rc = format!(
        r#"#pragma code_page(65001)
1 ICON "{icon}"
1 24 "{manifest}"
1 VERSIONINFO
FILEVERSION {commas}
PRODUCTVERSION {commas}
FILEOS 0x40004
FILETYPE 0x1
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "080404B0"
    BEGIN
      VALUE "CompanyName", "cluster-atlas"
      VALUE "FileDescription", "cluster-atlas 深圳产业集聚区地图"
      VALUE "FileVersion", "{version}"
      VALUE "ProductName", "cluster-atlas"
      VALUE "ProductVersion", "{version}"
      VALUE "OriginalFilename", "cluster-atlas.exe"
      VALUE "LegalCopyright", "MIT OR Apache-2.0"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x0804, 1200
  END
END
"#,
        icon = rc_path(&icon),
        manifest = rc_path(&manifest),
    );
    let rc_file = out.join("cluster-atlas.rc");
    let obj = out.join("cluster-atlas-res.o");
    if std::fs::write(&rc_file, rc).is_err() {
        println!("cargo:warning=cannot write {}", rc_file.display());
        return;
    }
    let windres = std::env::var("WINDRES").unwrap_or_else(|_| "x86_64-w64-mingw32-windres".into());
    println!("cargo:rerun-if-env-changed=WINDRES");
    let ok = Command::new(&windres)
        .arg("--input-format=rc")
        .arg("--output-format=coff")
        .arg("-i")
        .arg(&rc_file)
        .arg("-o")
        .arg(&obj)
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        println!("cargo:rustc-link-arg-bins={}", obj.display());
    } else {
        println!(
            "cargo:warning={windres} failed or is missing: the .exe has no icon, version \
             resource or manifest (install gcc-mingw-w64-x86-64 / binutils-mingw-w64-x86-64)"
        );
    }
}

/// A path as an .rc string literal (forward slashes, quotes escaped).
fn rc_path(p: &Path) -> String {
    p.display()
        .to_string()
        .replace('\\', "/")
        .replace('"', "\\\"")
}
