//! How the process's large buffers use memory.
//!
//! Large buffers are ordinary allocations: no huge-page advice. On this kind of machine (a VM
//! whose guest hands freed memory back to the host) a 2 MB page first touched costs ~4× the
//! 4 KB pages it replaces: a 300 MB buffer took 0.45–0.69 s with `MADV_HUGEPAGE` against
//! 0.12–0.15 s without (`BENCHMARKS.md`, issue 16 session 10), and the 4-million-firm CSV load
//! ran 0.83–0.85 s with it, 0.58–0.65 s without.

/// Makes the allocator hand large blocks back to the system when they are freed. glibc's
/// default raises its "map separately" threshold to 32 MB after the first large block is
/// freed, after which blocks of a few megabytes (per-thread parse results, grid pieces) come
/// from heaps that keep their pages: ~90 MB of dead memory at 4 million firms. A fixed 1 MB
/// threshold keeps every large block separately mapped. Call once, first thing.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before other threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
