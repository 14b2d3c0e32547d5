//! The devnet's demo data goes through a real node as planned: every transaction committed,
//! exactly the intended irregularities rejected, and the ledger shows both seed cases.

use gongxin_contracts::queries::{self, ProjectFilter, RectificationFilter};
use gongxin_core::entry::Outcome;
use gongxin_core::model::ProjectStage;
use gongxin_node::clock::{Clock, SystemClock};
use gongxin_node::config::Limits;

mod common;

#[test]
fn demo_plan_commits_with_only_the_intended_rejections() {
    let t = common::test_node(Limits::default());
    let plan = t.load_demo();
    assert!(plan.txs.len() > 1_000, "{} transactions", plan.txs.len());
    let mut rejected = Vec::new();
    for tx in &plan.txs {
        let location = t
            .node
            .reader()
            .tx_location(&tx.hash())
            .unwrap()
            .expect("committed");
        if location.rejected.is_some() {
            let entry = t.node.reader().entry(location.log_index).unwrap().unwrap();
            let entry = gongxin_core::entry::Entry::from_bytes(&entry).unwrap();
            if let Outcome::Rejected { code, reason } = entry.outcome {
                rejected.push(format!("{code}: {reason}"));
            }
        }
    }
    assert_eq!(rejected.len(), plan.expected_rejections, "{rejected:#?}");

    let state = t.node.reader().state();
    let now = SystemClock.now_ms();
    let mut stages = std::collections::BTreeSet::new();
    let mut after: Option<String> = None;
    let mut total = 0;
    loop {
        let filter = ProjectFilter {
            programme: Some("SC-2026".into()),
            ..Default::default()
        };
        let page = queries::list_projects(&state, &filter, after.as_deref(), 100).unwrap();
        total += page.items.len();
        for item in &page.items {
            stages.insert(format!("{:?}", item.stage));
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(total, 120);
    for stage in [
        ProjectStage::Proposed,
        ProjectStage::Approved,
        ProjectStage::Budgeted,
        ProjectStage::Procurement,
        ProjectStage::Contracted,
        ProjectStage::InProgress,
        ProjectStage::Accepted,
        ProjectStage::Evaluated,
        ProjectStage::Closed,
        ProjectStage::Suspended,
        ProjectStage::Cancelled,
    ] {
        assert!(
            stages.contains(&format!("{stage:?}")),
            "no project at {stage:?}: {stages:?}"
        );
    }
    let in_progress = queries::project(&state, "SC-2026-008", now)
        .unwrap()
        .unwrap();
    assert!(
        in_progress.totals.disbursed_fen > 0,
        "payments tied to progress were made"
    );
    let tasks =
        queries::rectifications(&state, &RectificationFilter::default(), None, 100).unwrap();
    assert_eq!(tasks.items.len(), 30);
}
