//! Tests of the neighbour searches against brute force.

use super::*;

fn brute_kth(points: &[Xy], k: usize) -> Vec<f64> {
    points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut d: Vec<f64> = points
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, q)| p.plane_distance(*q))
                .collect();
            d.sort_by(f64::total_cmp);
            d.get(k - 1).copied().unwrap_or(f64::INFINITY)
        })
        .collect()
}

#[test]
fn matches_brute_force_on_clustered_data_with_outliers_and_duplicates() {
    let mut rng = crate::model::Rng::new(42);
    let mut r = move || rng.uniform();
    let mut pts: Vec<Xy> = (0..600)
        .map(|k| {
            let c = [(0.0, 0.0), (5000.0, 800.0), (-3000.0, 4000.0)][k % 3];
            Xy::new(c.0 + (r() - 0.5) * 400.0, c.1 + (r() - 0.5) * 400.0)
        })
        .collect();
    pts.push(Xy::new(60_000.0, -40_000.0));
    pts.push(pts[5]);
    for k in [1, 4, 9] {
        let fast = kth_neighbour_distances(&pts, k);
        let slow = brute_kth(&pts, k);
        for (a, b) in fast.iter().zip(&slow) {
            assert!((a - b).abs() < 1e-9, "k={k}: {a} vs {b}");
        }
    }
}

#[test]
fn many_pieces_dense_cores_sparse_background_and_stacks_match_brute_force() {
    // > 4,096 points, so the cells are cut into several pieces; dense cores answer from
    // their 3×3 blocks, background points need the wider searches, stacked geocodes are 0.
    let mut rng = crate::model::Rng::new(7);
    let mut r = move || rng.uniform();
    let mut pts: Vec<Xy> = (0..6_000)
        .map(|k| match k % 4 {
            0 | 1 => Xy::new((r() - 0.5) * 300.0, (r() - 0.5) * 300.0),
            2 => Xy::new(2000.0 + (r() - 0.5) * 900.0, 700.0 + (r() - 0.5) * 900.0),
            _ => Xy::new((r() - 0.5) * 40_000.0, (r() - 0.5) * 30_000.0),
        })
        .collect();
    for _ in 0..50 {
        pts.push(Xy::new(12_345.0, -6_789.0));
    }
    for k in [1, 5] {
        let fast = kth_neighbour_distances(&pts, k);
        let slow = brute_kth(&pts, k);
        for (i, (a, b)) in fast.iter().zip(&slow).enumerate() {
            assert!((a - b).abs() < 1e-9, "k={k}, point {i}: {a} vs {b}");
        }
    }
    // The sum Clark–Evans uses equals the brute-force distances summed.
    let want: f64 = brute_kth(&pts, 1).iter().sum();
    let search = NeighbourSearch::new(&pts, 1);
    let got = nearest_neighbour_sum_in(&search);
    assert!((got - want).abs() <= 1e-9 * want, "{got} vs {want}");
    // Found beside the k-th neighbours in one pass: the same sum bit for bit (the same
    // pieces in the same order) and the same k-th distances, here with the wider
    // searches, the stacks' early stops and points alone in their blocks.
    for k in [1, 2, 4, 9] {
        let (sum, kth) = nearest_sum_and_kth_in(&search, k);
        assert_eq!(sum.to_bits(), got.to_bits(), "k={k}: {sum} vs {got}");
        assert_eq!(kth, kth_neighbour_distances_in(&search, k), "k={k}");
    }
}

/// Evenly spread points (a median of a few per coarse cell) with far outliers that only
/// wide searches settle.
#[test]
fn even_spread_with_far_outliers_matches_brute_force() {
    let mut rng = crate::model::Rng::new(11);
    let mut r = move || rng.uniform();
    let mut pts: Vec<Xy> = (0..5_000)
        .map(|_| Xy::new(r() * 20_000.0, r() * 15_000.0))
        .collect();
    pts.extend([
        Xy::new(-9_000.0, 4_000.0),
        Xy::new(31_000.0, 30_000.0),
        Xy::new(10_000.0, -12_000.0),
    ]);
    let search = NeighbourSearch::new(&pts, 1);
    for k in [1, 4] {
        let fast = kth_neighbour_distances_in(&search, k);
        let slow = brute_kth(&pts, k);
        for (i, (a, b)) in fast.iter().zip(&slow).enumerate() {
            assert!((a - b).abs() < 1e-9, "k={k}, point {i}: {a} vs {b}");
        }
    }
}

/// Stacks of 1 to 12 firms on one spot, close enough to share blocks, in an input order that
/// interleaves them (so a stack's firms are not always side by side in their cell), with
/// scattered points between: the twins' shortcut and the full searches agree with brute force.
#[test]
fn interleaved_stacks_of_every_size_match_brute_force() {
    let mut rng = crate::model::Rng::new(23);
    let mut r = move || rng.uniform();
    let spots: Vec<Xy> = (0..300)
        .map(|_| Xy::new(r() * 3_000.0, r() * 2_000.0))
        .collect();
    let mut pts = Vec::new();
    for copy in 0..12 {
        for (s, p) in spots.iter().enumerate() {
            if s % 12 >= copy {
                pts.push(*p);
            }
        }
        pts.extend((0..40).map(|_| Xy::new(r() * 3_000.0, r() * 2_000.0)));
    }
    let search = NeighbourSearch::new(&pts, 1);
    for k in [1, 2, 3, 5, 13] {
        let fast = kth_neighbour_distances_in(&search, k);
        let slow = brute_kth(&pts, k);
        for (i, (a, b)) in fast.iter().zip(&slow).enumerate() {
            assert!((a - b).abs() < 1e-9, "k={k}, point {i}: {a} vs {b}");
        }
    }
    let want: f64 = brute_kth(&pts, 1).iter().sum();
    let got = nearest_neighbour_sum_in(&search);
    assert!((got - want).abs() <= 1e-9 * want, "{got} vs {want}");
}

#[test]
fn too_few_points() {
    assert_eq!(
        kth_neighbour_distances(&[Xy::new(0.0, 0.0)], 1),
        vec![f64::INFINITY]
    );
    assert!(kth_neighbour_distances(&[], 1).is_empty());
    let one = [Xy::new(0.0, 0.0)];
    assert_eq!(
        nearest_neighbour_sum_in(&NeighbourSearch::new(&one, 1)),
        f64::INFINITY
    );
}

/// Runs `f` with a fresh grid, two points and a pool of two threads, on a thread of its own;
/// a hang fails the test after a minute instead of stopping the run.
fn with_a_lazy_grid_on_two_threads<T: Send + 'static>(
    f: impl FnOnce(&LazyGrid, &[Xy], &rayon::ThreadPool) -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let pts = vec![Xy::new(0.0, 0.0), Xy::new(10.0, 5.0)];
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let _ = tx.send(f(&LazyGrid::default(), &pts, &pool));
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("the test's threads hung")
}

/// A coarse grid is built on first use from inside the parallel searches, and its build is
/// parallel: the building thread, waiting inside it, may take on a search that needs the very
/// same grid (that hung `analyze` once, a thread waiting for itself). Asked again from inside
/// its own build, on a pool thread, the grid answers at once with None (use another grid).
#[test]
fn a_grid_asked_for_inside_its_own_build_answers_at_once() {
    let inner = with_a_lazy_grid_on_two_threads(|lazy, pts, pool| {
        pool.install(|| {
            let mut inner = None;
            let built = lazy.get_or_build(|| {
                inner = Some(lazy.get_or_build(|| unreachable!()).is_none());
                Grid::build(pts, 1.0)
            });
            // Built once, then found.
            assert_eq!(
                built.map(|g| g.n_cells()),
                lazy.grid.get().map(|g| g.n_cells())
            );
            inner
        })
    });
    assert_eq!(inner, Some(true));
}

/// Another pool thread asking for a grid while it is built must not wait for it: that thread
/// may hold a piece of the very build (it stole it, and a waiting thread takes on other
/// searches), and then the build would wait for it in turn (`suggest` hung so in CI).
#[test]
fn a_grid_asked_for_by_another_thread_during_its_build_answers_at_once() {
    use std::time::Duration;
    let (answer, built, kept) = with_a_lazy_grid_on_two_threads(|lazy, pts, pool| {
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (other_tx, other_rx) = std::sync::mpsc::channel();
        let (answer, built) = pool.install(|| {
            rayon::join(
                move || {
                    let mut answer = None;
                    let built = lazy.get_or_build(|| {
                        let _ = started_tx.send(());
                        // The other thread's answer arrives while this build is under way.
                        answer = other_rx.recv_timeout(Duration::from_secs(10)).ok();
                        Grid::build(pts, 1.0)
                    });
                    (answer, built.map(|g| g.n_cells()))
                },
                move || {
                    let _ = started_rx.recv_timeout(Duration::from_secs(10));
                    let got = lazy.get_or_build(|| unreachable!()).is_none();
                    let _ = other_tx.send(got);
                },
            )
            .0
        });
        (answer, built, lazy.grid.get().map(|g| g.n_cells()))
    });
    assert_eq!(answer, Some(true), "the other thread waited for the build");
    assert!(built.is_some());
    assert_eq!(built, kept, "built once and kept");
}
