//! What a public project listing (`GET /public/v1/projects`) costs as the ledger grows: builds a
//! state of N public projects (4 departments, 3 programmes, stages spread) through the rules
//! engine, stores it in a sealed RocksDB database as a node does, then times the listing's work
//! (`queries::public_projects` and the JSON of the answer) for 1,000 requests with random
//! filters, cursors and page sizes, and prints p50 / p99 / max. A measuring tool, not a test:
//!
//! ```sh
//! cargo run -p gongxin-node --example public_list_cost -- 1000 100000
//! ```

use std::time::Instant;

use gongxin_contracts::queries::{ProjectFilter, public_projects};
use gongxin_contracts::testkit::{City, ECOLOGY, Harness, TRANSPORT, proposal};
use gongxin_core::model::{Operation, ProjectStage, Role};
use gongxin_node::chain::CommittedState;
use gongxin_node::storage::Store;

mod support;

const PROGRAMMES: [&str; 3] = ["SC-2026", "RIVER-2026", "ROADS-2027"];
const REQUESTS: usize = 1_500;
/// Page sizes asked: a phone's page, the default, the largest.
const PAGE_SIZES: [usize; 3] = [20, 50, 500];

/// A small deterministic generator (no dependency on a random crate for a measuring tool).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// A store holding `n` public projects (every 4th approved), built by the rules.
fn build(n: usize, dir: &std::path::Path) -> Store {
    let mut h = Harness::with_city(City::with_policies(Vec::new()));
    let now = h.ctx.time_ms;
    for i in 0..n {
        let dept = if i % 2 == 0 { TRANSPORT } else { ECOLOGY };
        let id = format!("P-{i:07}");
        let mut p = proposal(&id, 1_000_000, now, now + 86_400_000 * 120);
        p.programme = Some(PROGRAMMES[i % 3].to_owned());
        h.ok(dept, Role::Specialist, Operation::ProposeProject(p));
        if i % 4 == 0 {
            h.ok(
                dept,
                Role::Director,
                Operation::ApproveProject { project: id },
            );
        }
    }
    support::store_of(&h.state, dir)
}

fn main() {
    let sizes = support::sizes_from_args(&[1_000, 100_000]);
    println!("| public projects | page size | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    for n in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = build(n, &dir.path().join("data"));
        let state = CommittedState::new(&store);
        let mut rng = Lcg(n as u64);
        let mut times: Vec<(usize, std::time::Duration)> = Vec::with_capacity(REQUESTS);
        for _ in 0..REQUESTS {
            let filter = ProjectFilter {
                department: (rng.next(2) == 0)
                    .then(|| [TRANSPORT, ECOLOGY][rng.next(2) as usize].to_owned()),
                programme: (rng.next(2) == 0).then(|| PROGRAMMES[rng.next(3) as usize].to_owned()),
                stage: (rng.next(3) == 0).then(|| {
                    [ProjectStage::Proposed, ProjectStage::Approved][rng.next(2) as usize]
                }),
            };
            let after = (rng.next(2) == 0).then(|| format!("P-{:07}", rng.next(n as u64)));
            let limit = PAGE_SIZES[rng.next(3) as usize];
            let started = Instant::now();
            let (total, page) =
                public_projects(&state, &filter, after.as_deref(), limit).expect("listing");
            let body = serde_json::to_vec(&serde_json::json!({
                "total": total, "projects": page.items, "next": page.next,
            }))
            .expect("json");
            times.push((limit, started.elapsed()));
            std::hint::black_box(body);
        }
        for limit in PAGE_SIZES {
            let of_size = times
                .iter()
                .filter(|(l, _)| *l == limit)
                .map(|(_, d)| *d)
                .collect();
            println!("| {n} | {limit} | {} |", support::percentiles(of_size));
        }
    }
}
