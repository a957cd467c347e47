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

/// Maps in the whole pages of `buf` at once before it is first written (Linux's
/// `MADV_POPULATE_WRITE`), so a read into fresh memory does not fault page by page: the
/// 4-million-firm CSV load 0.63–0.64 → 0.60 s, 1M 0.093 → 0.088 s (`BENCHMARKS.md`, issue 16
/// session 45). Only advice: the contents stay as they are, and an older kernel or another
/// system ignores it.
pub fn populate<T>(buf: &mut [T]) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        /// `MADV_POPULATE_WRITE` (Linux 5.14); the libc crate names it only on some targets.
        const POPULATE_WRITE: libc::c_int = 23;
        let start = buf.as_mut_ptr() as usize;
        let (a, b) = (
            start.next_multiple_of(PAGE),
            (start + std::mem::size_of_val(buf)) / PAGE * PAGE,
        );
        if b > a {
            // SAFETY: the range lies inside `buf`, which this call borrows mutably; populating
            // writable pages changes no byte of them.
            unsafe {
                libc::madvise(a as *mut libc::c_void, b - a, POPULATE_WRITE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = buf;
}

/// Asks the processor to start loading the cache line holding `s[i]` (the last element when
/// `i` is past the end; nothing for an empty slice). Only a hint: it changes no value. On
/// this kind of machine the processor's own prefetcher falls behind scans that do some work
/// per cache line, which then wait on memory: scans ask for what they read next.
#[inline(always)]
pub fn prefetch<T>(s: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = s.get(i.min(s.len().saturating_sub(1))) {
        // SAFETY: a prefetch reads nothing the program sees and cannot fault; the address
        // is inside `s` anyway. SSE is part of the x86-64 baseline.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                std::ptr::from_ref(x).cast::<i8>(),
            );
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (s, i);
}

#[cfg(test)]
mod tests {
    /// Populating changes no value, whatever the slice's size and alignment.
    #[test]
    fn populating_keeps_the_contents() {
        let mut v: Vec<u8> = (0..3 * 4096 + 77).map(|i| (i * 7 % 251) as u8).collect();
        let want = v.clone();
        for (a, b) in [(0, v.len()), (1, 4099), (5, 5), (4096, 8192), (3, v.len())] {
            super::populate(&mut v[a..b]);
        }
        super::populate::<u8>(&mut []);
        assert_eq!(v, want);
        let mut fresh = vec![0u64; 1 << 20];
        super::populate(&mut fresh);
        assert!(fresh.iter().all(|x| *x == 0));
    }

    /// A hint at any position, past the end or into an empty slice, is harmless.
    #[test]
    fn prefetch_takes_any_position() {
        for len in [0usize, 1, 63, 64, 5000] {
            let v = vec![1.5f64; len];
            for i in [0, len / 2, len, len + 1, usize::MAX] {
                super::prefetch(&v, i);
            }
        }
    }
}
