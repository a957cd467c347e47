//! Version and provenance of this build: the package version, the commit it was built from and
//! the build date (set by `build.rs`), shown by `--version` and the About box.

/// The package version, e.g. `0.1.0`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The commit the binary was built from (12 hex digits), or `unknown` outside a git checkout.
pub const COMMIT: &str = env!("CLUSTER_ATLAS_COMMIT");
/// The UTC date of the build, YYYY-MM-DD.
pub const BUILD_DATE: &str = env!("CLUSTER_ATLAS_BUILD_DATE");

/// `0.1.0 (commit 0123456789ab, built 2026-11-30)`.
pub const LONG: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("CLUSTER_ATLAS_COMMIT"),
    ", built ",
    env!("CLUSTER_ATLAS_BUILD_DATE"),
    ")"
);

#[cfg(test)]
mod tests {
    #[test]
    fn long_version_names_version_commit_and_date() {
        assert!(super::LONG.starts_with(super::VERSION));
        assert!(super::LONG.contains(super::COMMIT));
        let d = super::BUILD_DATE.as_bytes();
        assert_eq!(d.len(), 10, "{}", super::BUILD_DATE);
        assert!(d[4] == b'-' && d[7] == b'-');
        let year: u32 = super::BUILD_DATE[..4].parse().unwrap();
        assert!((2024..2200).contains(&year));
    }
}
