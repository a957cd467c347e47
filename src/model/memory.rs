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

/// The parts joined in order, copied in parallel: each part's elements go straight to their
/// place, so the copy and the first touch of the new memory (most of the cost of a fresh
/// 100 MB vector) are shared by the threads instead of made by one.
pub fn concat_par<T: Copy + Send + Sync>(parts: &[&[T]]) -> Vec<T> {
    concat_map_par(parts, |_, x| x)
}

/// [`concat_par`] with each element mapped by `f(part index, element)` on the way.
pub fn concat_map_par<T, U, F>(parts: &[&[T]], f: F) -> Vec<U>
where
    T: Copy + Sync,
    U: Send,
    F: Fn(usize, T) -> U + Sync,
{
    use rayon::prelude::*;
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let mut out: Vec<U> = Vec::with_capacity(total);
    let mut targets = Vec::with_capacity(parts.len());
    let mut rest = &mut out.spare_capacity_mut()[..total];
    for p in parts {
        let (head, tail) = rest.split_at_mut(p.len());
        targets.push(head);
        rest = tail;
    }
    targets
        .into_par_iter()
        .zip(parts.par_iter())
        .enumerate()
        .for_each(|(k, (dst, src))| {
            // Pieces of about 1 MB, so a few large parts still spread over the threads.
            let step = (1 << 20) / std::mem::size_of::<T>().max(1);
            dst.par_chunks_mut(step)
                .zip(src.par_chunks(step))
                .for_each(|(d, s)| {
                    for (d, s) in d.iter_mut().zip(s) {
                        d.write(f(k, *s));
                    }
                });
        });
    // SAFETY: the targets split the first `total` spare slots into one piece per part, each
    // exactly as long as its part, and every slot of every piece was written above.
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
        let mapped = concat_map_par(&parts, |k, x| (k as u64) * 1_000_000 + x);
        let mut oracle = Vec::new();
        for (k, p) in parts.iter().enumerate() {
            oracle.extend(p.iter().map(|x| k as u64 * 1_000_000 + x));
        }
        assert_eq!(mapped, oracle);
        assert!(concat_par::<u8>(&[]).is_empty());
    }
}
