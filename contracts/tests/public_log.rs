//! The public disclosure log's changes as the node derives them, transaction by transaction.

use gongxin_contracts::public_log::{
    apply_with_public_changes, begin_block_with_public_changes, current_view, public_changes,
};
use gongxin_contracts::records::ProjectRecord;
use gongxin_contracts::testkit::*;
use gongxin_contracts::{WriteSet, keys, store};
use gongxin_core::model::Role::Specialist;
use gongxin_core::model::{Disclosure, Operation};

#[test]
fn a_proposal_discloses_its_project_and_a_rejection_discloses_nothing() {
    let mut h = Harness::new();
    let now = h.ctx.time_ms;
    let key = h.city.key(TRANSPORT, Specialist).clone();
    let tx = h.sign(
        &key,
        Operation::ProposeProject(proposal("P-1", 1_000_000, now, now + 1)),
    );
    let ctx = h.ctx.clone();
    let (applied, changes) =
        apply_with_public_changes(&mut h.state, &ctx, &tx, &tx.hash()).unwrap();
    assert!(applied.is_applied());
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        (changes[0].kind, changes[0].id.as_str()),
        ("project", "P-1")
    );
    let view = changes[0].view.as_ref().unwrap();
    assert_eq!(view["stage"], "proposed");
    assert_eq!(
        changes[0].view,
        current_view(&h.state, "project", "P-1").unwrap()
    );

    // The same proposal again is rejected: the rejection's trace is no public change.
    let again = h.sign(
        &key,
        Operation::ProposeProject(proposal("P-1", 1_000_000, now, now + 1)),
    );
    let (applied, changes) =
        apply_with_public_changes(&mut h.state, &ctx, &again, &again.hash()).unwrap();
    assert!(!applied.is_applied());
    assert!(changes.is_empty(), "{changes:?}");

    // A block with nothing due changes no public view either.
    let (_, changes) = begin_block_with_public_changes(&mut h.state, &ctx).unwrap();
    assert!(changes.is_empty());
}

#[test]
fn a_project_turned_internal_gets_one_null_change_and_nothing_after() {
    let mut h = Harness::new();
    h.project_in_progress("P-2", 10_000_000, 9_000_000, 1);
    let key = keys::project("P-2");
    let mut record = store::get::<ProjectRecord>(&h.state, &key)
        .unwrap()
        .unwrap();
    assert!(current_view(&h.state, "project", "P-2").unwrap().is_some());

    record.disclosure = Disclosure::Internal;
    let writes: WriteSet = [(key.clone(), Some(gongxin_core::encoding::encode(&record)))].into();
    let changes = public_changes(&h.state, &writes).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].view, None, "the null leaf");
    h.state.apply_writes(writes);

    // Any later change of the internal record is no public change.
    record.name = "renamed".into();
    let writes: WriteSet = [(key, Some(gongxin_core::encoding::encode(&record)))].into();
    assert!(public_changes(&h.state, &writes).unwrap().is_empty());
}
