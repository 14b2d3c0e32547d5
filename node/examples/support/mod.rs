//! What the measuring examples share: their command line (ledger sizes), storing a state the
//! rules built into a sealed RocksDB database as a node does, and the p50 / p99 / max line.

use std::path::Path;
use std::time::Duration;

use gongxin_contracts::MemoryState;
use gongxin_node::storage::{BlockWrite, Store};

/// The ledger sizes given as arguments, or `default` when none are.
pub fn sizes_from_args(default: &[usize]) -> Vec<usize> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("sizes are whole numbers"))
        .collect();
    if sizes.is_empty() {
        default.to_vec()
    } else {
        sizes
    }
}

/// A store at `dir` holding every entry of `state`, written in blocks of 50,000 keys.
pub fn store_of(state: &MemoryState, dir: &Path) -> Store {
    let store = Store::open(dir).expect("open store");
    let writes: Vec<(Vec<u8>, Option<Vec<u8>>)> = state
        .entries()
        .map(|(k, v)| (k.to_vec(), Some(v.to_vec())))
        .collect();
    for chunk in writes.chunks(50_000) {
        store
            .commit(BlockWrite {
                state_writes: chunk.to_vec(),
                ..BlockWrite::default()
            })
            .expect("write state");
    }
    store
}

/// `p50 | p99 | max` in milliseconds, for a Markdown table row.
#[allow(clippy::float_arithmetic)] // a report for people
pub fn percentiles(mut times: Vec<Duration>) -> String {
    assert!(!times.is_empty(), "no times to summarise");
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let count = times.len();
    format!(
        "{:.3} | {:.3} | {:.3}",
        ms(times[count / 2]),
        ms(times[(count * 99 / 100).min(count - 1)]),
        ms(times[count - 1]),
    )
}
