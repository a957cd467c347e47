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

/// The parts joined in order, copied in parallel: each part goes straight to its place in
/// pieces of about 1 MB, so the copy and the first touch of the new memory (most of the cost
/// of a fresh 100 MB vector) are shared by the threads instead of made by one.
pub fn concat_par<T: Copy + Send + Sync>(parts: &[&[T]]) -> Vec<T> {
    use rayon::prelude::*;
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let mut out: Vec<T> = Vec::with_capacity(total);
    let mut pieces = Vec::new();
    let mut rest = &mut out.spare_capacity_mut()[..total];
    let step = ((1 << 20) / std::mem::size_of::<T>().max(1)).max(1);
    for p in parts {
        for src in p.chunks(step) {
            let (dst, tail) = rest.split_at_mut(src.len());
            pieces.push((dst, src));
            rest = tail;
        }
    }
    pieces.into_par_iter().for_each(|(dst, src)| {
        dst.write_copy_of_slice(src);
    });
    // SAFETY: the pieces split the first `total` spare slots end to end, each exactly as long
    // as its source, and every piece was written above.
    unsafe { out.set_len(total) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_concatenation_equals_the_sequential_one() {
        let a: Vec<u64> = (0..300_000).collect();
        let b: Vec<u64> = vec![];
        let c: Vec<u64> = (0..5).map(|x| x * 7).collect();
        let parts = [&a[..], &b[..], &c[..], &a[..1000]];
        let expected: Vec<u64> = parts.concat();
        assert_eq!(concat_par(&parts), expected);
        assert!(concat_par::<u8>(&[]).is_empty());
    }
}
