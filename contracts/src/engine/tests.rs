//! Unit tests: every transition, and every rejection reason (each test that expects a rejection
//! also checks that the rejected transaction left nothing but its trace).

use gongxin_core::Hash;
use gongxin_core::crypto::PublicKey;
use gongxin_core::entry::Outcome;
use gongxin_core::model::Role::{Auditor, Director, SectionChief, Specialist};
use gongxin_core::model::*;
use gongxin_core::tx::{REPLAY_WINDOW_BLOCKS_MAX, ReplayGuard, TxBody};

use super::*;
use crate::events::{Alert, AlertKind};
use crate::keys;
use crate::records::*;
use crate::state::MemoryState;
use crate::store;
use crate::testkit::*;

/// ¥ → fen.
const fn yuan(y: u64) -> u64 {
    y * 100
}

/// Key prefixes a rejected transaction may write: its de-dup entry, its rejection record and
/// index entry, and the alert it raised.
const TRACE_PREFIXES: &[&str] = &[
    "seen/",
    "exp/",
    "rej/",
    "idx/project_rejections/",
    "alert/",
    "idx/dept_alerts/",
    "idx/person_alerts/",
    "idx/alert/",
];

fn changed_keys(before: &MemoryState, after: &MemoryState) -> Vec<String> {
    let mut keys: Vec<Vec<u8>> = before
        .entries()
        .chain(after.entries())
        .map(|(k, _)| k.to_vec())
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| before.get(k).unwrap() != after.get(k).unwrap())
        .map(|k| String::from_utf8_lossy(&k).into_owned())
        .collect()
}

/// Submits `op`, expects rejection with `code`, and checks that nothing but the trace changed.
fn rejected(h: &mut Harness, dept: &str, role: Role, op: Operation, code: &str) -> Applied {
    let before = h.state.clone();
    let (_, applied) = h.submit(dept, role, op);
    assert_eq!(applied.code(), Some(code), "{:?}", applied.outcome);
    for key in changed_keys(&before, &h.state) {
        assert!(
            TRACE_PREFIXES.iter().any(|p| key.starts_with(p)),
            "a rejected transaction changed {key}"
        );
    }
    applied
}

fn project(h: &Harness, id: &str) -> ProjectRecord {
    store::get(&h.state, &keys::project(id)).unwrap().unwrap()
}

fn contract_of(h: &Harness, id: &str) -> ContractState {
    store::get(&h.state, &keys::contract(id)).unwrap().unwrap()
}

fn task(h: &Harness, id: &str) -> RectificationRecord {
    store::get(&h.state, &keys::rectification(id))
        .unwrap()
        .unwrap()
}

fn opened(applied: &Applied) -> bool {
    applied
        .events
        .iter()
        .any(|e| matches!(e, Event::RequestOpened { .. }))
}

fn alerts_of(applied: &Applied) -> Vec<&AlertKind> {
    applied
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Alert(a) => Some(&a.kind),
            _ => None,
        })
        .collect()
}

/// A harness without any policy, so single operations take effect at once.
fn bare() -> Harness {
    Harness::with_city(City::with_policies(Vec::new()))
}

fn propose(h: &mut Harness, id: &str, budget_fen: u64) {
    let now = h.ctx.time_ms;
    h.ok_approved(
        TRANSPORT,
        Specialist,
        Operation::ProposeProject(proposal(id, budget_fen, now, now + 120 * DAY_MS)),
    );
}

fn to_budgeted(h: &mut Harness, id: &str, budget_fen: u64) {
    propose(h, id, budget_fen);
    h.ok_approved(
        TRANSPORT,
        Director,
        Operation::ApproveProject { project: id.into() },
    );
    h.ok_approved(
        FINANCE,
        SectionChief,
        Operation::ApproveBudget(budget(id, budget_fen)),
    );
}

fn report(h: &mut Harness, project: &str, id: &str, percent_bp: u16) {
    h.ok(
        TRANSPORT,
        Specialist,
        Operation::ReportProgress(ProgressReport {
            id: id.into(),
            project: project.into(),
            percent_bp,
            milestone: None,
            evidence_hash: Hash::digest(id.as_bytes()),
            note: String::new(),
        }),
    );
    h.ok(
        TRANSPORT,
        Director,
        Operation::ReviewProgress {
            report: id.into(),
            accepted: true,
            note: String::new(),
        },
    );
}

fn disbursement(id: &str, contract: &str, amount_fen: u64) -> Operation {
    Operation::RequestDisbursement(DisbursementRequest {
        id: id.into(),
        contract: contract.into(),
        amount_fen,
        milestone: None,
        note: String::new(),
    })
}

fn rect_task(h: &Harness, id: &str, project: Option<&str>, days: u64) -> RectificationTask {
    RectificationTask {
        id: id.into(),
        project: project.map(str::to_owned),
        title: format!("整改 {id}"),
        finding: "dust control missing at the site".into(),
        responsible_department: ECOLOGY.into(),
        responsible_person: h.city.public(ECOLOGY, Specialist),
        deadline_ms: h.ctx.time_ms + days * DAY_MS,
        acceptance_standard: "PM10 below 80 µg/m³ for 30 days".into(),
        source_ref: "督察报告 2026-01".into(),
    }
}

// --- the replay guard -----------------------------------------------------------------------

#[test]
fn replay_is_rejected_and_writes_nothing() {
    let mut h = bare();
    let key = h.city.key(TRANSPORT, Specialist).clone();
    let tx = h.sign(
        &key,
        Operation::ProposeProject(proposal("P-1", yuan(1_000), 1, 2)),
    );
    assert!(h.apply_tx(&tx).is_applied());
    let before = h.state.clone();
    let again = h.apply_tx(&tx);
    assert_eq!(again.code(), Some("replay"));
    assert_eq!(h.state, before);
    // Still refused in a later block within the window.
    h.next_block(BLOCK_MS);
    assert_eq!(h.apply_tx(&tx).code(), Some("replay"));
}

#[test]
fn a_rejected_transaction_cannot_be_replayed_either() {
    let mut h = bare();
    let key = h.city.key(AUDIT, Auditor).clone();
    let tx = h.sign(
        &key,
        Operation::ProposeProject(proposal("P-1", yuan(1_000), 1, 2)),
    );
    assert_eq!(h.apply_tx(&tx).code(), Some("wrong_department"));
    assert_eq!(h.apply_tx(&tx).code(), Some("replay"));
}

#[test]
fn expiry_window_and_chain_are_enforced() {
    let mut h = bare();
    let key = h.city.key(TRANSPORT, Specialist).clone();
    let body = |_: &Harness, chain: &str, valid_until_height: u64, nonce: u64| {
        TxBody {
            chain_id: chain.into(),
            signer: key.public_key(),
            replay: ReplayGuard {
                nonce,
                valid_until_height,
            },
            operation: Operation::ProposeProject(proposal("P-1", yuan(1_000), 1, 2)),
        }
        .sign(&key)
    };
    let height = h.ctx.height;
    let before = h.state.clone();
    let expired = body(&h, CHAIN_ID, height - 1, 1);
    assert_eq!(h.apply_tx(&expired).code(), Some("expired"));
    let far = body(&h, CHAIN_ID, height + REPLAY_WINDOW_BLOCKS_MAX + 1, 2);
    assert_eq!(h.apply_tx(&far).code(), Some("expiry_too_far"));
    let other_chain = body(&h, "other-chain", height + 1, 3);
    assert_eq!(h.apply_tx(&other_chain).code(), Some("wrong_chain"));
    // Guard failures write nothing at all.
    assert_eq!(h.state, before);
    // The edges of the window are inside it.
    assert!(h.apply_tx(&body(&h, CHAIN_ID, height, 4)).is_applied());
    let edge = body(&h, CHAIN_ID, height + REPLAY_WINDOW_BLOCKS_MAX, 5);
    assert_eq!(h.apply_tx(&edge).code(), Some("already_exists"));
}

#[test]
fn dedup_entries_are_pruned_after_expiry_with_bounded_work() {
    let mut h = bare();
    let key = h.city.key(TRANSPORT, Specialist).clone();
    let tx = h.sign(
        &key,
        Operation::ProposeProject(proposal("P-1", yuan(1), 1, 2)),
    );
    let hash = tx.hash();
    let until = tx.body.replay.valid_until_height;
    assert!(h.apply_tx(&tx).is_applied());
    assert!(crate::queries::seen(&h.state, &hash).unwrap());
    while h.ctx.height <= until {
        h.next_block(BLOCK_MS);
        assert!(crate::queries::seen(&h.state, &hash).unwrap() || h.ctx.height > until);
    }
    assert!(!crate::queries::seen(&h.state, &hash).unwrap());
    // Now the transaction is refused as expired, never applied twice.
    assert_eq!(h.apply_tx(&tx).code(), Some("expired"));
}

#[test]
fn unknown_signer_is_rejected() {
    let mut h = bare();
    let stranger = derived_key("stranger");
    let (_, applied) = h.submit_key(
        &stranger,
        Operation::ProposeProject(proposal("P-1", yuan(1), 1, 2)),
    );
    assert_eq!(applied.code(), Some("unknown_signer"));
}

// --- identity -------------------------------------------------------------------------------

fn new_member(dept: &str, role: Role, n: u32) -> Member {
    Member {
        name: format!("new {dept} {n}"),
        department: dept.into(),
        role,
        public_key: member_key(dept, role, n).public_key(),
    }
}

#[test]
fn directors_add_remove_and_rotate_their_members() {
    let mut h = bare();
    let m = new_member(TRANSPORT, Specialist, 1);
    h.ok(TRANSPORT, Director, Operation::AddMember(m.clone()));
    let record = crate::queries::member(&h.state, &m.public_key)
        .unwrap()
        .unwrap();
    assert_eq!(record.person, m.public_key);
    // The new member can act.
    let key = member_key(TRANSPORT, Specialist, 1);
    let (_, a) = h.submit_key(
        &key,
        Operation::ProposeProject(proposal("P-1", yuan(1), 1, 2)),
    );
    assert!(a.is_applied());
    // Rotation keeps the person.
    let new_key = member_key(TRANSPORT, Specialist, 2).public_key();
    h.ok(
        TRANSPORT,
        Director,
        Operation::RotateMemberKey {
            old_key: m.public_key,
            new_key,
        },
    );
    assert!(
        crate::queries::member(&h.state, &m.public_key)
            .unwrap()
            .is_none()
    );
    let rotated = crate::queries::member(&h.state, &new_key).unwrap().unwrap();
    assert_eq!(rotated.person, m.public_key);
    let (_, a) = h.submit_key(
        &key,
        Operation::ProposeProject(proposal("P-2", yuan(1), 1, 2)),
    );
    assert_eq!(a.code(), Some("unknown_signer"));
    h.ok(
        TRANSPORT,
        Director,
        Operation::RemoveMember {
            public_key: new_key,
        },
    );
    assert!(
        crate::queries::member(&h.state, &new_key)
            .unwrap()
            .is_none()
    );
    let dept = crate::queries::department(&h.state, TRANSPORT)
        .unwrap()
        .unwrap();
    assert_eq!(dept.members, 4);
}

#[test]
fn member_management_rejections() {
    let mut h = bare();
    let m = new_member(TRANSPORT, Specialist, 1);
    rejected(
        &mut h,
        TRANSPORT,
        SectionChief,
        Operation::AddMember(m.clone()),
        "wrong_role",
    );
    rejected(
        &mut h,
        ECOLOGY,
        Director,
        Operation::AddMember(m.clone()),
        "wrong_department",
    );
    let existing = h.city.public(TRANSPORT, Specialist);
    let mut dup = m.clone();
    dup.public_key = existing;
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::AddMember(dup),
        "already_exists",
    );
    let mut bad = m.clone();
    bad.name = String::new();
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::AddMember(bad),
        "invalid_field",
    );
    // The last director cannot be removed.
    let director = h.city.public(FINANCE, Director);
    rejected(
        &mut h,
        FINANCE,
        Director,
        Operation::RemoveMember {
            public_key: director,
        },
        "not_permitted",
    );
    rejected(
        &mut h,
        FINANCE,
        Director,
        Operation::RemoveMember {
            public_key: derived_key("nobody").public_key(),
        },
        "not_found",
    );
    // A department has at most DIRECTORS_PER_DEPARTMENT_MAX directors.
    for n in 1..crate::limits::DIRECTORS_PER_DEPARTMENT_MAX as u32 {
        h.ok(
            FINANCE,
            Director,
            Operation::AddMember(new_member(FINANCE, Director, n)),
        );
    }
    let n = crate::limits::DIRECTORS_PER_DEPARTMENT_MAX as u32;
    rejected(
        &mut h,
        FINANCE,
        Director,
        Operation::AddMember(new_member(FINANCE, Director, n)),
        "limit_reached",
    );
}

// --- policies and requests ------------------------------------------------------------------

#[test]
fn a_policy_opens_a_request_that_executes_when_approved() {
    let mut h = Harness::new();
    propose(&mut h, "P-1", yuan(1_000_000));
    let (hash, applied) = h.ok(
        TRANSPORT,
        Director,
        Operation::ApproveProject {
            project: "P-1".into(),
        },
    );
    assert!(opened(&applied));
    assert_eq!(project(&h, "P-1").stage, ProjectStage::Proposed);
    let inbox = crate::queries::department_open_approvals(&h.state, FINANCE, None, 10).unwrap();
    assert_eq!(inbox.items.len(), 1);
    assert_eq!(inbox.items[0].hash, hash);
    let (_, approved) = h.ok(
        FINANCE,
        Director,
        Operation::Approve {
            request: hash,
            note: "affordable".into(),
        },
    );
    assert!(
        approved
            .events
            .iter()
            .any(|e| matches!(e, Event::RequestExecuted { .. }))
    );
    assert_eq!(project(&h, "P-1").stage, ProjectStage::Approved);
    assert_eq!(h.request(&hash).unwrap().status, RequestStatus::Executed);
    let inbox = crate::queries::department_open_approvals(&h.state, FINANCE, None, 10).unwrap();
    assert!(inbox.items.is_empty());
}

#[test]
fn the_highest_matching_threshold_applies() {
    let mut h = Harness::new();
    propose(&mut h, "BIG", yuan(20_000_000));
    let policy = policy_for(
        &h.state,
        &Operation::ApproveProject {
            project: "BIG".into(),
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(policy.min_amount_fen, yuan(10_000_000));
    assert_eq!(policy.required.len(), 2);
    propose(&mut h, "SMALL", yuan(2_000_000));
    let policy = policy_for(
        &h.state,
        &Operation::ApproveProject {
            project: "SMALL".into(),
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(policy.min_amount_fen, 0);
    // No policy covers starting implementation.
    assert!(
        policy_for(
            &h.state,
            &Operation::StartImplementation {
                project: "SMALL".into()
            }
        )
        .unwrap()
        .is_none()
    );
}

#[test]
fn approval_rejections_self_duplicate_wrong_role_and_department() {
    let mut h = Harness::new();
    to_budgeted(&mut h, "P-1", yuan(5_000_000));
    let (hash, applied) = h.ok(
        TRANSPORT,
        SectionChief,
        Operation::AdjustBudget(BudgetAdjustment {
            project: "P-1".into(),
            line_code: "2140101".into(),
            delta_fen: yuan(100_000) as i64,
            reason: "price rise".into(),
            document_hash: None,
        }),
    );
    assert!(opened(&applied));
    let approve = |note: &str| Operation::Approve {
        request: hash,
        note: note.into(),
    };
    rejected(
        &mut h,
        TRANSPORT,
        SectionChief,
        approve(""),
        "self_approval",
    );
    rejected(
        &mut h,
        TRANSPORT,
        SectionChief,
        Operation::Refuse {
            request: hash,
            reason: "never mind".into(),
        },
        "self_approval",
    );
    rejected(&mut h, AUDIT, Director, approve(""), "wrong_department");
    rejected(&mut h, FINANCE, Specialist, approve(""), "wrong_role");
    h.ok(TRANSPORT, Director, approve("agreed"));
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        approve("again"),
        "duplicate_approval",
    );
    h.ok(FINANCE, Director, approve("agreed"));
    assert_eq!(project(&h, "P-1").budget_fen(), yuan(5_100_000));
    rejected(&mut h, FINANCE, SectionChief, approve(""), "request_closed");
    rejected(
        &mut h,
        FINANCE,
        Director,
        Operation::Approve {
            request: Hash::digest(b"no such request"),
            note: String::new(),
        },
        "not_found",
    );
}

#[test]
fn a_rotated_key_does_not_make_a_second_person() {
    let mut h = Harness::new();
    to_budgeted(&mut h, "P-1", yuan(5_000_000));
    let (hash, _) = h.ok(
        TRANSPORT,
        SectionChief,
        Operation::AdjustBudget(BudgetAdjustment {
            project: "P-1".into(),
            line_code: "2140101".into(),
            delta_fen: -(yuan(1_000) as i64),
            reason: "savings".into(),
            document_hash: None,
        }),
    );
    // Finance adds a second director, who approves, then gets a new key and tries again.
    let second = new_member(FINANCE, Director, 1);
    h.ok(FINANCE, Director, Operation::AddMember(second.clone()));
    let k1 = member_key(FINANCE, Director, 1);
    let (_, a) = h.submit_key(
        &k1,
        Operation::Approve {
            request: hash,
            note: String::new(),
        },
    );
    assert!(a.is_applied());
    let k2 = member_key(FINANCE, Director, 2);
    h.ok(
        FINANCE,
        Director,
        Operation::RotateMemberKey {
            old_key: k1.public_key(),
            new_key: k2.public_key(),
        },
    );
    let (_, a) = h.submit_key(
        &k2,
        Operation::Approve {
            request: hash,
            note: String::new(),
        },
    );
    assert_eq!(a.code(), Some("duplicate_approval"));
}

#[test]
fn approvals_fill_slots_in_any_order() {
    // "Any line director" and "the owner's director": the owner's director approving first must
    // not use up the slot another line director could not fill.
    let policy = ApprovalPolicy {
        kind: OperationKind::StartProcurement,
        min_amount_fen: 0,
        required: vec![
            ApprovalRequirement {
                department: DepartmentSelector::Kind(DepartmentKind::Line),
                role: Director,
                count: 1,
            },
            ApprovalRequirement {
                department: DepartmentSelector::ProjectOwner,
                role: Director,
                count: 1,
            },
        ],
        description: String::new(),
    };
    let mut h = Harness::with_city(City::with_policies(vec![policy]));
    to_budgeted(&mut h, "P-1", yuan(1_000));
    let (hash, _) = h.ok(
        TRANSPORT,
        Specialist,
        Operation::StartProcurement(procurement("P-1")),
    );
    let approve = Operation::Approve {
        request: hash,
        note: String::new(),
    };
    h.ok(TRANSPORT, Director, approve.clone());
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        approve.clone(),
        "duplicate_approval",
    );
    let (_, last) = h.ok(ECOLOGY, Director, approve);
    assert!(
        last.events
            .iter()
            .any(|e| matches!(e, Event::RequestExecuted { .. }))
    );
    assert_eq!(project(&h, "P-1").stage, ProjectStage::Procurement);
    // A third director has nothing left to approve.
    let mut h2 = Harness::with_city(City::with_policies(vec![ApprovalPolicy {
        kind: OperationKind::StartProcurement,
        min_amount_fen: 0,
        required: vec![ApprovalRequirement {
            department: DepartmentSelector::Kind(DepartmentKind::Line),
            role: Director,
            count: 1,
        }],
        description: String::new(),
    }]));
    to_budgeted(&mut h2, "P-1", yuan(1_000));
    h2.ok(
        TRANSPORT,
        Director,
        Operation::AddMember(new_member(TRANSPORT, Director, 1)),
    );
    let (hash, _) = h2.ok(
        TRANSPORT,
        Specialist,
        Operation::StartProcurement(procurement("P-1")),
    );
    let a = Operation::Approve {
        request: hash,
        note: String::new(),
    };
    // Two people race: the first executes the request, the second finds it closed.
    h2.ok(ECOLOGY, Director, a.clone());
    let k = member_key(TRANSPORT, Director, 1);
    let (_, late) = h2.submit_key(&k, a);
    assert_eq!(late.code(), Some("request_closed"));
}

#[test]
fn approval_not_needed_when_the_signer_s_slot_is_filled() {
    let policy = ApprovalPolicy {
        kind: OperationKind::StartProcurement,
        min_amount_fen: 0,
        required: vec![
            ApprovalRequirement {
                department: DepartmentSelector::Kind(DepartmentKind::Line),
                role: Director,
                count: 1,
            },
            ApprovalRequirement {
                department: DepartmentSelector::Kind(DepartmentKind::Finance),
                role: Director,
                count: 1,
            },
        ],
        description: String::new(),
    };
    let mut h = Harness::with_city(City::with_policies(vec![policy]));
    to_budgeted(&mut h, "P-1", yuan(1_000));
    let (hash, _) = h.ok(
        TRANSPORT,
        Specialist,
        Operation::StartProcurement(procurement("P-1")),
    );
    let a = Operation::Approve {
        request: hash,
        note: String::new(),
    };
    h.ok(TRANSPORT, Director, a.clone());
    rejected(&mut h, ECOLOGY, Director, a, "approval_not_needed");
}

#[test]
fn one_refusal_closes_a_request() {
    let mut h = Harness::new();
    propose(&mut h, "P-1", yuan(1_000_000));
    let (hash, _) = h.ok(
        TRANSPORT,
        Director,
        Operation::ApproveProject {
            project: "P-1".into(),
        },
    );
    h.ok(
        FINANCE,
        Director,
        Operation::Refuse {
            request: hash,
            reason: "not in this year's plan".into(),
        },
    );
    assert!(matches!(
        h.request(&hash).unwrap().status,
        RequestStatus::Refused { .. }
    ));
    assert_eq!(project(&h, "P-1").stage, ProjectStage::Proposed);
    rejected(
        &mut h,
        FINANCE,
        Director,
        Operation::Approve {
            request: hash,
            note: String::new(),
        },
        "request_closed",
    );
}

#[test]
fn a_request_that_no_longer_passes_fails_on_its_last_approval() {
    let mut h = Harness::new();
    h.project_in_progress("P-1", yuan(10_000_000), yuan(9_000_000), 1);
    // Advance 10 % = ¥900,000. Two requests of ¥500,000 each pass on their own.
    let (a, ra) = h.ok(
        TRANSPORT,
        Specialist,
        disbursement("D-1", "P-1-C", yuan(500_000)),
    );
    let (b, rb) = h.ok(
        TRANSPORT,
        Specialist,
        disbursement("D-2", "P-1-C", yuan(500_000)),
    );
    assert!(opened(&ra) && opened(&rb));
    h.approve_all(&a);
    let (_, last) = h.ok(
        FINANCE,
        SectionChief,
        Operation::Approve {
            request: b,
            note: String::new(),
        },
    );
    assert!(last.is_applied());
    let failed = last.events.iter().find_map(|e| match e {
        Event::RequestFailed { code, .. } => Some(code.clone()),
        _ => None,
    });
    assert_eq!(failed.as_deref(), Some("ahead_of_progress"));
    assert!(matches!(
        alerts_of(&last)[..],
        [AlertKind::DisbursementAheadOfProgress { .. }]
    ));
    assert!(matches!(
        h.request(&b).unwrap().status,
        RequestStatus::Failed { .. }
    ));
    assert_eq!(project(&h, "P-1").approved_unpaid_fen, yuan(500_000));
}

// --- the lifecycle --------------------------------------------------------------------------

#[test]
fn the_full_lifecycle_with_every_transition() {
    let mut h = Harness::new();
    h.project_in_progress("P-1", yuan(10_000_000), yuan(9_000_000), 1);
    let p = project(&h, "P-1");
    assert_eq!(p.stage, ProjectStage::InProgress);
    assert_eq!(p.committed_fen, yuan(9_000_000));
    // Advance payment, below the ¥1,000,000 threshold: finance section chief review.
    let (_, r) = h.ok_approved(
        TRANSPORT,
        Specialist,
        disbursement("D-0", "P-1-C", yuan(900_000)),
    );
    assert!(r.is_applied());
    h.ok(
        FINANCE,
        Specialist,
        Operation::MarkDisbursementPaid {
            disbursement: "D-0".into(),
            voucher_ref: "V-0001".into(),
        },
    );
    // Progress 30 % accepted: milestone "foundation" (20 %) becomes payable.
    report(&mut h, "P-1", "R-1", 3_000);
    assert!(contract_of(&h, "P-1-C").milestones[0].reached_ms.is_some());
    h.ok_approved(
        TRANSPORT,
        Specialist,
        disbursement("D-1", "P-1-C", yuan(1_800_000)),
    );
    h.ok(
        FINANCE,
        Specialist,
        Operation::MarkDisbursementPaid {
            disbursement: "D-1".into(),
            voucher_ref: "V-0002".into(),
        },
    );
    let p = project(&h, "P-1");
    assert_eq!(p.disbursed_fen, yuan(2_700_000));
    // Change order +¥500,000 and +10 days, approved by the owner's director and finance.
    let end_before = p.planned_end_ms;
    h.ok_approved(
        TRANSPORT,
        Specialist,
        Operation::RequestChangeOrder(ChangeOrder {
            id: "CO-1".into(),
            contract: "P-1-C".into(),
            amount_delta_fen: yuan(500_000) as i64,
            schedule_delta_days: 10,
            reason: "extra drainage".into(),
            document_hash: Hash::digest(b"co-1"),
        }),
    );
    let p = project(&h, "P-1");
    assert_eq!(p.committed_fen, yuan(9_500_000));
    assert_eq!(p.planned_end_ms, end_before + 10 * DAY_MS);
    let c = contract_of(&h, "P-1-C");
    assert_eq!(c.amount_fen, yuan(9_500_000));
    assert_eq!(
        c.milestones[1].milestone.due_ms,
        c.milestones[1].original_due_ms + 10 * DAY_MS
    );
    assert_eq!(
        c.milestones[0].milestone.due_ms,
        c.milestones[0].original_due_ms
    );
    // A rejected report leaves accepted progress alone.
    h.ok(
        TRANSPORT,
        Specialist,
        Operation::ReportProgress(ProgressReport {
            id: "R-2".into(),
            project: "P-1".into(),
            percent_bp: 9_000,
            milestone: Some(1),
            evidence_hash: Hash::digest(b"r2"),
            note: "optimistic".into(),
        }),
    );
    h.ok(
        TRANSPORT,
        Director,
        Operation::ReviewProgress {
            report: "R-2".into(),
            accepted: false,
            note: "not what we saw on site".into(),
        },
    );
    assert_eq!(project(&h, "P-1").accepted_progress_bp, 3_000);
    report(&mut h, "P-1", "R-3", 10_000);
    h.ok(
        TRANSPORT,
        SectionChief,
        Operation::RequestAcceptance {
            project: "P-1".into(),
        },
    );
    assert_eq!(project(&h, "P-1").stage, ProjectStage::AcceptanceRequested);
    let acceptance = |passed| {
        Operation::RecordAcceptance(AcceptanceRecord {
            project: "P-1".into(),
            passed,
            committee: vec!["王工".into(), "李工".into(), "赵工".into()],
            document_hash: Hash::digest(b"acceptance"),
            note: String::new(),
        })
    };
    h.ok(TRANSPORT, Director, acceptance(false));
    assert_eq!(project(&h, "P-1").stage, ProjectStage::InProgress);
    h.ok(
        TRANSPORT,
        SectionChief,
        Operation::RequestAcceptance {
            project: "P-1".into(),
        },
    );
    h.ok(TRANSPORT, Director, acceptance(true));
    let p = project(&h, "P-1");
    assert_eq!(p.stage, ProjectStage::Accepted);
    assert_eq!(p.acceptance.as_ref().unwrap().attempts, 2);
    // Final settlement: after acceptance everything up to the contract is payable.
    let rest = yuan(9_500_000) - yuan(2_700_000);
    h.ok_approved(TRANSPORT, Specialist, disbursement("D-2", "P-1-C", rest));
    let (_, paid) = h.ok(
        FINANCE,
        Specialist,
        Operation::MarkDisbursementPaid {
            disbursement: "D-2".into(),
            voucher_ref: "V-0003".into(),
        },
    );
    assert!(matches!(
        alerts_of(&paid)[..],
        [AlertKind::BudgetUse80 { .. }]
    ));
    h.ok(
        AUDIT,
        Auditor,
        Operation::RecordEvaluation(Evaluation {
            project: "P-1".into(),
            scores: vec![
                EvaluationScore {
                    criterion: "quality".into(),
                    score_bp: 9_000,
                },
                EvaluationScore {
                    criterion: "schedule".into(),
                    score_bp: 7_000,
                },
            ],
            document_hash: Hash::digest(b"eval"),
            summary: "good".into(),
        }),
    );
    let p = project(&h, "P-1");
    assert_eq!(p.stage, ProjectStage::Evaluated);
    assert_eq!(p.evaluation.as_ref().unwrap().overall_bp, 8_000);
    h.ok_approved(
        TRANSPORT,
        Director,
        Operation::CloseProject {
            project: "P-1".into(),
        },
    );
    let p = project(&h, "P-1");
    assert_eq!(p.stage, ProjectStage::Closed);
    assert!(p.closed_ms.is_some());
    // Closed projects never change.
    rejected(
        &mut h,
        AUDIT,
        Director,
        Operation::SuspendProject {
            project: "P-1".into(),
            reason: "late finding".into(),
        },
        "record_closed",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        disbursement("D-9", "P-1-C", 1),
        "record_closed",
    );
    // The history tells the story, stage by stage.
    let history = crate::queries::project_history(&h.state, "P-1", None, 500).unwrap();
    let actions: Vec<&str> = history.items.iter().map(|e| e.action.as_str()).collect();
    for action in [
        "propose_project",
        "approve_project",
        "approve_budget",
        "start_procurement",
        "award_procurement",
        "sign_contract",
        "start_implementation",
        "review_progress",
        "request_change_order",
        "record_acceptance",
        "record_evaluation",
        "close_project",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
}

#[test]
fn wrong_state_and_wrong_actor_for_lifecycle_steps() {
    let mut h = bare();
    propose(&mut h, "P-1", yuan(1_000_000));
    rejected(
        &mut h,
        FINANCE,
        SectionChief,
        Operation::ApproveBudget(budget("P-1", yuan(1_000_000))),
        "wrong_state",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        Operation::ApproveProject {
            project: "P-1".into(),
        },
        "wrong_role",
    );
    rejected(
        &mut h,
        ECOLOGY,
        Director,
        Operation::ApproveProject {
            project: "P-1".into(),
        },
        "wrong_department",
    );
    rejected(
        &mut h,
        FINANCE,
        Director,
        Operation::ApproveProject {
            project: "P-1".into(),
        },
        "wrong_department",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::ApproveProject {
            project: "P-404".into(),
        },
        "not_found",
    );
    h.ok(
        TRANSPORT,
        Director,
        Operation::ApproveProject {
            project: "P-1".into(),
        },
    );
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::ApproveProject {
            project: "P-1".into(),
        },
        "wrong_state",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::ApproveBudget(budget("P-1", yuan(1_000_000))),
        "wrong_department",
    );
    rejected(
        &mut h,
        FINANCE,
        Specialist,
        Operation::ApproveBudget(budget("P-1", yuan(1_000_000))),
        "wrong_role",
    );
    let now = h.ctx.time_ms;
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        Operation::ProposeProject(proposal("P-1", yuan(1), now, now + 1)),
        "already_exists",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        Operation::ProposeProject(proposal("P-2", yuan(1), now + 1, now)),
        "invalid_field",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        Operation::ProposeProject(proposal("P/2", yuan(1), now, now + 1)),
        "invalid_field",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        Operation::StartImplementation {
            project: "P-1".into(),
        },
        "wrong_role",
    );
    rejected(
        &mut h,
        TRANSPORT,
        SectionChief,
        Operation::StartImplementation {
            project: "P-1".into(),
        },
        "wrong_state",
    );
    rejected(
        &mut h,
        TRANSPORT,
        SectionChief,
        Operation::RequestAcceptance {
            project: "P-1".into(),
        },
        "wrong_state",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::CloseProject {
            project: "P-1".into(),
        },
        "wrong_state",
    );
}

#[test]
fn budget_overflow_is_a_rejection() {
    let mut h = bare();
    propose(&mut h, "P-1", yuan(1));
    h.ok(
        TRANSPORT,
        Director,
        Operation::ApproveProject {
            project: "P-1".into(),
        },
    );
    let mut b = budget("P-1", u64::MAX / 2 + 1);
    b.lines.push(BudgetLine {
        code: "2140102".into(),
        name: "more".into(),
        amount_fen: u64::MAX / 2 + 1,
    });
    rejected(
        &mut h,
        FINANCE,
        SectionChief,
        Operation::ApproveBudget(b),
        "overflow",
    );
    h.ok(
        FINANCE,
        SectionChief,
        Operation::ApproveBudget(budget("P-1", u64::MAX - 5)),
    );
    rejected(
        &mut h,
        TRANSPORT,
        SectionChief,
        Operation::AdjustBudget(BudgetAdjustment {
            project: "P-1".into(),
            line_code: "2140101".into(),
            delta_fen: 10,
            reason: "more".into(),
            document_hash: None,
        }),
        "overflow",
    );
}

#[test]
fn over_budget_attempts_are_rejected_with_an_alert_on_record() {
    let mut h = bare();
    to_budgeted(&mut h, "P-1", yuan(1_000_000));
    h.ok(
        TRANSPORT,
        Specialist,
        Operation::StartProcurement(procurement("P-1")),
    );
    let applied = rejected(
        &mut h,
        TRANSPORT,
        SectionChief,
        Operation::AwardProcurement(award("P-1", 1, yuan(1_200_000))),
        "over_budget",
    );
    match &applied.outcome {
        Outcome::Rejected { reason, .. } => {
            assert!(reason.contains("¥1,000,000.00"), "{reason}");
            assert!(reason.contains("¥200,000.00 over"), "{reason}");
        }
        Outcome::Applied => unreachable!(),
    }
    assert!(matches!(
        alerts_of(&applied)[..],
        [AlertKind::OverBudgetAttempt { .. }]
    ));
    let rejections = crate::queries::project_rejections(&h.state, "P-1", None, 10).unwrap();
    assert_eq!(rejections.items.len(), 1);
    assert_eq!(rejections.items[0].rejection.code(), "over_budget");
    assert!(rejections.items[0].alert.is_some());
    let alerts = crate::queries::project_alerts(&h.state, "P-1", None, 10).unwrap();
    assert_eq!(alerts.items.len(), 1);
    assert_eq!(
        alerts.items[0].responsible_person,
        Some(h.city.public(TRANSPORT, SectionChief))
    );
    assert_eq!(
        alerts.items[0].director,
        Some(h.city.public(TRANSPORT, Director))
    );
    // The award within budget, then a contract above it.
    h.ok(
        TRANSPORT,
        SectionChief,
        Operation::AwardProcurement(award("P-1", 1, yuan(1_000_000))),
    );
    let now = h.ctx.time_ms;
    let mut c = contract("C-1", "P-1", 1, yuan(1_000_000), now);
    c.amount_fen = yuan(1_000_001);
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::SignContract(c),
        "invalid_field",
    );
    // Cutting the budget below the commitment is over budget too.
    h.ok(
        TRANSPORT,
        Director,
        Operation::SignContract(contract("C-1", "P-1", 1, yuan(900_000), now)),
    );
    rejected(
        &mut h,
        FINANCE,
        SectionChief,
        Operation::AdjustBudget(BudgetAdjustment {
            project: "P-1".into(),
            line_code: "2140101".into(),
            delta_fen: -(yuan(200_000) as i64),
            reason: "savings".into(),
            document_hash: None,
        }),
        "over_budget",
    );
    // A change order beyond the budget.
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        Operation::RequestChangeOrder(ChangeOrder {
            id: "CO-1".into(),
            contract: "C-1".into(),
            amount_delta_fen: yuan(100_001) as i64,
            schedule_delta_days: 0,
            reason: "more".into(),
            document_hash: Hash::digest(b"x"),
        }),
        "over_budget",
    );
}

#[test]
fn contract_and_award_field_rules() {
    let mut h = bare();
    to_budgeted(&mut h, "P-1", yuan(1_000_000));
    let now = h.ctx.time_ms;
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::SignContract(contract("C-1", "P-1", 1, yuan(900_000), now)),
        "wrong_state",
    );
    h.ok(
        TRANSPORT,
        Specialist,
        Operation::StartProcurement(procurement("P-1")),
    );
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::SignContract(contract("C-1", "P-1", 1, yuan(900_000), now)),
        "wrong_state",
    );
    let mut two_bids = award("P-1", 1, yuan(900_000));
    two_bids.bids.pop();
    rejected(
        &mut h,
        TRANSPORT,
        SectionChief,
        Operation::AwardProcurement(two_bids),
        "invalid_field",
    );
    let mut bad_code = award("P-1", 1, yuan(900_000));
    bad_code.bids[1].bidder.credit_code = "91320100000000000X".into();
    rejected(
        &mut h,
        TRANSPORT,
        SectionChief,
        Operation::AwardProcurement(bad_code),
        "invalid_field",
    );
    let mut stranger = award("P-1", 1, yuan(900_000));
    stranger.winner_credit_code = credit_code(77);
    rejected(
        &mut h,
        TRANSPORT,
        SectionChief,
        Operation::AwardProcurement(stranger),
        "invalid_field",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        Operation::AwardProcurement(award("P-1", 1, yuan(900_000))),
        "wrong_role",
    );
    h.ok(
        TRANSPORT,
        SectionChief,
        Operation::AwardProcurement(award("P-1", 1, yuan(900_000))),
    );
    rejected(
        &mut h,
        TRANSPORT,
        SectionChief,
        Operation::AwardProcurement(award("P-1", 1, yuan(900_000))),
        "already_exists",
    );
    // Only with the winner; shares within 100 %; advance at most 30 %.
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::SignContract(contract("C-1", "P-1", 2, yuan(900_000), now)),
        "invalid_field",
    );
    let mut shares = contract("C-1", "P-1", 1, yuan(900_000), now);
    shares.milestones[2].share_bp = 6_000;
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::SignContract(shares),
        "invalid_field",
    );
    let mut advance = contract("C-1", "P-1", 1, yuan(900_000), now);
    advance.advance_share_bp = 3_001;
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::SignContract(advance),
        "invalid_field",
    );
    let mut order = contract("C-1", "P-1", 1, yuan(900_000), now);
    order.milestones.swap(0, 1);
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::SignContract(order),
        "invalid_field",
    );
    h.ok(
        TRANSPORT,
        Director,
        Operation::SignContract(contract("C-1", "P-1", 1, yuan(900_000), now)),
    );
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::SignContract(contract("C-2", "P-1", 1, yuan(1), now)),
        "wrong_state",
    );
}

#[test]
fn disbursements_are_tied_to_progress_and_the_contract() {
    let mut h = bare();
    h.project_in_progress("P-1", yuan(1_000_000), yuan(1_000_000), 1);
    // 10 % advance is payable before any progress.
    let applied = rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        disbursement("D-1", "P-1-C", yuan(100_001)),
        "ahead_of_progress",
    );
    assert!(matches!(
        alerts_of(&applied)[..],
        [AlertKind::DisbursementAheadOfProgress { .. }]
    ));
    h.ok(
        TRANSPORT,
        Specialist,
        disbursement("D-1", "P-1-C", yuan(100_000)),
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        disbursement("D-1", "P-1-C", 1),
        "already_exists",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        disbursement("D-2", "P-404", 1),
        "not_found",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        disbursement("D-2", "P-1-C", 0),
        "invalid_field",
    );
    rejected(
        &mut h,
        FINANCE,
        Specialist,
        disbursement("D-2", "P-1-C", 1),
        "wrong_department",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Auditor,
        disbursement("D-2", "P-1-C", 1),
        "wrong_role",
    );
    // 25 % accepted: no milestone reached yet (the first is at 30 %).
    report(&mut h, "P-1", "R-1", 2_500);
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        disbursement("D-2", "P-1-C", 1),
        "ahead_of_progress",
    );
    report(&mut h, "P-1", "R-2", 6_000);
    // advance 10 % + 20 % + 30 % = 60 %.
    h.ok(
        TRANSPORT,
        Specialist,
        disbursement("D-2", "P-1-C", yuan(500_000)),
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        disbursement("D-3", "P-1-C", 1),
        "ahead_of_progress",
    );
    let (payable_bp, payable) = {
        let c = contract_of(&h, "P-1-C");
        allowed_payment(&c, &project(&h, "P-1"))
    };
    assert_eq!((payable_bp, payable), (6_000, yuan(600_000)));
    // Paying: finance only, once.
    let pay = |id: &str| Operation::MarkDisbursementPaid {
        disbursement: id.into(),
        voucher_ref: format!("V-{id}"),
    };
    rejected(&mut h, TRANSPORT, Director, pay("D-1"), "wrong_department");
    rejected(&mut h, FINANCE, Auditor, pay("D-1"), "wrong_role");
    h.ok(FINANCE, Specialist, pay("D-1"));
    rejected(&mut h, FINANCE, Specialist, pay("D-1"), "wrong_state");
    rejected(&mut h, FINANCE, Specialist, pay("D-404"), "not_found");
    h.ok(FINANCE, Specialist, pay("D-2"));
    let p = project(&h, "P-1");
    assert_eq!((p.disbursed_fen, p.approved_unpaid_fen), (yuan(600_000), 0));
    // After acceptance the rest is payable, but never more than the contract.
    report(&mut h, "P-1", "R-3", 10_000);
    h.ok(
        TRANSPORT,
        Director,
        Operation::RequestAcceptance {
            project: "P-1".into(),
        },
    );
    h.ok(
        TRANSPORT,
        Director,
        Operation::RecordAcceptance(AcceptanceRecord {
            project: "P-1".into(),
            passed: true,
            committee: vec!["陈工".into()],
            document_hash: Hash::digest(b"a"),
            note: String::new(),
        }),
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        disbursement("D-3", "P-1-C", yuan(400_001)),
        "over_contract",
    );
    h.ok(
        TRANSPORT,
        Specialist,
        disbursement("D-3", "P-1-C", yuan(400_000)),
    );
    let (_, paid) = h.ok(FINANCE, Specialist, pay("D-3"));
    assert!(matches!(
        alerts_of(&paid)[..],
        [
            AlertKind::BudgetUse80 { .. },
            AlertKind::BudgetUse100 { .. }
        ]
    ));
}

#[test]
fn progress_rules() {
    let mut h = bare();
    h.project_in_progress("P-1", yuan(1_000_000), yuan(1_000_000), 1);
    let rep = |id: &str, percent_bp, milestone| {
        Operation::ReportProgress(ProgressReport {
            id: id.into(),
            project: "P-1".into(),
            percent_bp,
            milestone,
            evidence_hash: Hash::digest(id.as_bytes()),
            note: String::new(),
        })
    };
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        rep("R-1", 1_000, None),
        "wrong_role",
    );
    rejected(
        &mut h,
        ECOLOGY,
        Specialist,
        rep("R-1", 1_000, None),
        "wrong_department",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        rep("R-1", 10_001, None),
        "invalid_field",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        rep("R-1", 1_000, Some(0)),
        "invalid_field",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        rep("R-1", 1_000, Some(9)),
        "invalid_field",
    );
    h.ok(TRANSPORT, Specialist, rep("R-1", 3_000, Some(0)));
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        rep("R-1", 3_000, None),
        "already_exists",
    );
    let review = |accepted| Operation::ReviewProgress {
        report: "R-1".into(),
        accepted,
        note: String::new(),
    };
    rejected(&mut h, TRANSPORT, SectionChief, review(true), "wrong_role");
    h.ok(TRANSPORT, Director, review(true));
    rejected(&mut h, TRANSPORT, Director, review(true), "wrong_state");
    // Cumulative: below accepted is refused.
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        rep("R-2", 2_000, None),
        "invalid_field",
    );
    rejected(
        &mut h,
        TRANSPORT,
        SectionChief,
        Operation::RequestAcceptance {
            project: "P-1".into(),
        },
        "wrong_state",
    );
}

#[test]
fn change_order_rules() {
    let mut h = bare();
    h.project_in_progress("P-1", yuan(2_000_000), yuan(1_000_000), 1);
    let co = |id: &str, amount: i64, days: i32| {
        Operation::RequestChangeOrder(ChangeOrder {
            id: id.into(),
            contract: "P-1-C".into(),
            amount_delta_fen: amount,
            schedule_delta_days: days,
            reason: "site conditions".into(),
            document_hash: Hash::digest(id.as_bytes()),
        })
    };
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        co("CO-1", 0, 0),
        "invalid_field",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        co("CO-1", -(yuan(1_000_001) as i64), 0),
        "invalid_field",
    );
    rejected(
        &mut h,
        FINANCE,
        Director,
        co("CO-1", 1, 0),
        "wrong_department",
    );
    h.ok(
        TRANSPORT,
        Specialist,
        disbursement("D-1", "P-1-C", yuan(100_000)),
    );
    // Cannot cut below what is already approved.
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        co("CO-1", -(yuan(900_001) as i64), 0),
        "invalid_field",
    );
    // ¥100,000 advance approved: a contract of ¥900,000 would allow only ¥90,000 before
    // progress, so the cut would leave payments ahead of progress.
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        co("CO-1", -(yuan(100_000) as i64), -5),
        "ahead_of_progress",
    );
    h.ok(TRANSPORT, Specialist, co("CO-1", yuan(100_000) as i64, -5));
    assert_eq!(project(&h, "P-1").committed_fen, yuan(1_100_000));
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        co("CO-1", 1, 0),
        "already_exists",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        co("CO-2", 0, -100_000),
        "invalid_field",
    );
}

#[test]
fn suspension_resume_and_cancellation() {
    let mut h = bare();
    h.project_in_progress("P-1", yuan(1_000_000), yuan(1_000_000), 1);
    let suspend = Operation::SuspendProject {
        project: "P-1".into(),
        reason: "inspection finding".into(),
    };
    rejected(&mut h, AUDIT, Auditor, suspend.clone(), "wrong_role");
    rejected(
        &mut h,
        ECOLOGY,
        Director,
        suspend.clone(),
        "wrong_department",
    );
    h.ok(AUDIT, Director, suspend.clone());
    assert_eq!(project(&h, "P-1").stage, ProjectStage::Suspended);
    rejected(&mut h, AUDIT, Director, suspend, "wrong_state");
    // Nothing moves while suspended.
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        disbursement("D-1", "P-1-C", 1),
        "wrong_state",
    );
    // Only the suspending department lifts it.
    let resume = Operation::ResumeProject {
        project: "P-1".into(),
    };
    rejected(
        &mut h,
        TRANSPORT,
        Director,
        resume.clone(),
        "wrong_department",
    );
    h.ok(AUDIT, Director, resume.clone());
    assert_eq!(project(&h, "P-1").stage, ProjectStage::InProgress);
    rejected(&mut h, AUDIT, Director, resume, "wrong_state");
    let cancel = Operation::CancelProject {
        project: "P-1".into(),
        reason: "superseded".into(),
    };
    rejected(
        &mut h,
        FINANCE,
        Director,
        cancel.clone(),
        "wrong_department",
    );
    h.ok(TRANSPORT, Director, cancel.clone());
    let p = project(&h, "P-1");
    assert_eq!(p.stage, ProjectStage::Cancelled);
    rejected(&mut h, TRANSPORT, Director, cancel, "record_closed");
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        Operation::ReportProgress(ProgressReport {
            id: "R-1".into(),
            project: "P-1".into(),
            percent_bp: 1,
            milestone: None,
            evidence_hash: Hash::ZERO,
            note: String::new(),
        }),
        "record_closed",
    );
}

// --- deadlines and rectification -------------------------------------------------------------

#[test]
fn overdue_milestones_raise_alerts_once() {
    let mut h = bare();
    h.project_in_progress("P-1", yuan(1_000_000), yuan(1_000_000), 1);
    // Milestone 0 is due in 30 days and needs 30 %.
    report(&mut h, "P-1", "R-1", 3_000);
    let events = h.advance_days(61);
    let overdue: Vec<u16> = events
        .iter()
        .filter_map(|e| match e {
            Event::Alert(a) => match &a.kind {
                AlertKind::MilestoneOverdue { milestone, .. } => Some(*milestone),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(overdue, vec![1]);
    let overdue_only = crate::queries::AlertFilter {
        kinds: vec!["milestone_overdue".into()],
        ..Default::default()
    };
    let alerts =
        crate::queries::department_alerts(&h.state, TRANSPORT, &overdue_only, None, 10).unwrap();
    assert_eq!(alerts.items.len(), 1);
    assert_eq!(
        alerts.items[0].alert.director,
        Some(h.city.public(TRANSPORT, Director))
    );
    assert_eq!(
        alerts.items[0].alert.responsible_person,
        Some(h.city.public(TRANSPORT, Specialist))
    );
}

#[test]
fn the_sweep_does_bounded_work_per_block_and_catches_up_in_order() {
    let mut h = bare();
    let n = crate::limits::DEADLINE_SWEEP_ITEMS_MAX + 44;
    for i in 0..n {
        let t = rect_task(&h, &format!("T-{i:03}"), None, 1 + (i as u64 % 3));
        h.ok(AUDIT, Auditor, Operation::RaiseRectification(t));
    }
    // Every task is due within the reminder lead, so each has a due-soon entry (at its
    // raising) before its overdue one: 2n index entries, at most the bound per block, in time
    // order. A block on day 5 is past every deadline, so the due-soon entries are dropped
    // without an alert (the overdue reminder says more) — but they still count against the
    // bound: the first block sends nothing, the next two the n overdue reminders.
    let max = crate::limits::DEADLINE_SWEEP_ITEMS_MAX;
    let kinds = |events: &[Event]| -> Vec<&'static str> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Alert(a) => Some(a.kind.code()),
                _ => None,
            })
            .collect()
    };
    assert!(kinds(&h.next_block(5 * DAY_MS)).is_empty());
    let mut sent = kinds(&h.next_block(BLOCK_MS));
    assert_eq!(sent.len(), max - (n - max));
    let third = kinds(&h.next_block(BLOCK_MS));
    assert_eq!(third.len(), n - sent.len());
    sent.extend(third);
    assert!(kinds(&h.next_block(BLOCK_MS)).is_empty());
    assert!(sent.iter().all(|k| *k == "rectification_overdue"));
}

#[test]
fn rectification_loop_with_overdue_reminders() {
    let mut h = bare();
    propose(&mut h, "P-1", yuan(1_000));
    let t = rect_task(&h, "T-1", Some("P-1"), 10);
    let raise = Operation::RaiseRectification(t.clone());
    rejected(&mut h, ECOLOGY, Director, raise.clone(), "wrong_department");
    rejected(&mut h, AUDIT, Specialist, raise.clone(), "wrong_role");
    let mut stranger = t.clone();
    stranger.responsible_person = h.city.public(TRANSPORT, Specialist);
    rejected(
        &mut h,
        AUDIT,
        Auditor,
        Operation::RaiseRectification(stranger),
        "invalid_field",
    );
    let mut past = t.clone();
    past.deadline_ms = h.ctx.time_ms;
    rejected(
        &mut h,
        AUDIT,
        Auditor,
        Operation::RaiseRectification(past),
        "invalid_field",
    );
    h.ok(AUDIT, Auditor, raise.clone());
    rejected(&mut h, AUDIT, Auditor, raise, "already_exists");
    let submit = |note: &str| Operation::SubmitRectification {
        task: "T-1".into(),
        evidence_hash: Hash::digest(note.as_bytes()),
        note: note.into(),
    };
    // Before the deadline only the due-soon reminder, three days ahead, to the officer and
    // the director; one overdue reminder after it, then one a week.
    let before = h.advance_days(6);
    assert!(before.iter().all(|e| !matches!(e, Event::Alert(_))));
    let soon: Vec<Alert> = h
        .advance_days(4)
        .into_iter()
        .filter_map(|e| match e {
            Event::Alert(a) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(soon.len(), 1, "{soon:?}");
    assert!(matches!(&soon[0].kind, AlertKind::RectificationDueSoon { task, .. } if task == "T-1"));
    assert_eq!(
        (soon[0].responsible_person, soon[0].director),
        (
            Some(h.city.public(ECOLOGY, Specialist)),
            Some(h.city.public(ECOLOGY, Director))
        )
    );
    let events = h.advance_days(9);
    let overdue: Vec<(u32, Option<PublicKey>, Option<PublicKey>)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Alert(a) => match a.kind {
                AlertKind::RectificationOverdue { reminder, .. } => {
                    Some((reminder, a.responsible_person, a.director))
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(
        overdue,
        vec![
            (
                1,
                Some(h.city.public(ECOLOGY, Specialist)),
                Some(h.city.public(ECOLOGY, Director))
            ),
            (
                2,
                Some(h.city.public(ECOLOGY, Specialist)),
                Some(h.city.public(ECOLOGY, Director))
            ),
        ]
    );
    assert!(task(&h, "T-1").overdue);
    rejected(&mut h, ECOLOGY, Auditor, submit("x"), "wrong_role");
    rejected(&mut h, TRANSPORT, Director, submit("x"), "wrong_department");
    h.ok(ECOLOGY, Specialist, submit("sprinklers installed"));
    rejected(&mut h, ECOLOGY, Specialist, submit("again"), "wrong_state");
    // Submitted: no more reminders.
    assert!(
        h.advance_days(14)
            .iter()
            .all(|e| !matches!(e, Event::Alert(_)))
    );
    let verify = |accepted| Operation::VerifyRectification {
        task: "T-1".into(),
        accepted,
        note: String::new(),
    };
    rejected(&mut h, ECOLOGY, Director, verify(true), "wrong_department");
    rejected(&mut h, AUDIT, Specialist, verify(true), "wrong_role");
    // Reopened after the deadline: overdue again at once.
    let (_, reopened) = h.ok(AUDIT, Auditor, verify(false));
    assert!(matches!(
        alerts_of(&reopened)[..],
        [AlertKind::RectificationOverdue { reminder: 3, .. }]
    ));
    h.ok(ECOLOGY, Director, submit("monitoring data for 30 days"));
    h.ok(AUDIT, SectionChief, verify(true));
    let t = task(&h, "T-1");
    assert_eq!(t.status, RectStatus::Verified);
    assert!(!t.on_time());
    assert!(
        h.advance_days(30)
            .iter()
            .all(|e| !matches!(e, Event::Alert(_)))
    );
    rejected(&mut h, AUDIT, Auditor, verify(true), "wrong_state");
    let verified = crate::queries::rectifications(
        &h.state,
        &crate::queries::RectificationFilter {
            status: Some(RectStatus::Verified),
            ..Default::default()
        },
        None,
        10,
    )
    .unwrap();
    assert_eq!(verified.items.len(), 1);
}

#[test]
fn the_submitter_cannot_verify_their_own_rectification() {
    let mut h = bare();
    let mut t = rect_task(&h, "T-1", None, 10);
    t.responsible_department = AUDIT.into();
    t.responsible_person = h.city.public(AUDIT, Auditor);
    h.ok(AUDIT, Director, Operation::RaiseRectification(t));
    h.ok(
        AUDIT,
        Auditor,
        Operation::SubmitRectification {
            task: "T-1".into(),
            evidence_hash: Hash::ZERO,
            note: String::new(),
        },
    );
    rejected(
        &mut h,
        AUDIT,
        Auditor,
        Operation::VerifyRectification {
            task: "T-1".into(),
            accepted: true,
            note: String::new(),
        },
        "not_permitted",
    );
}

// --- governance -----------------------------------------------------------------------------

#[test]
fn governance_passes_with_more_than_two_thirds_of_departments() {
    let mut h = Harness::new();
    let new_policy = ApprovalPolicy {
        kind: OperationKind::StartProcurement,
        min_amount_fen: 0,
        required: vec![ApprovalRequirement {
            department: DepartmentSelector::Kind(DepartmentKind::Audit),
            role: Auditor,
            count: 1,
        }],
        description: "audit witnesses every procurement".into(),
    };
    let propose = Operation::ProposeGovernance {
        id: "G-1".into(),
        change: GovernanceChange::SetPolicy(new_policy.clone()),
        note: String::new(),
    };
    rejected(&mut h, FINANCE, SectionChief, propose.clone(), "wrong_role");
    h.ok(FINANCE, Director, propose.clone());
    rejected(&mut h, FINANCE, Director, propose, "already_exists");
    let vote = |approve| Operation::VoteGovernance {
        id: "G-1".into(),
        approve,
    };
    rejected(&mut h, FINANCE, Director, vote(true), "duplicate_vote");
    rejected(&mut h, AUDIT, Auditor, vote(true), "wrong_role");
    // 2 of 4 is not more than 2/3; 3 of 4 is.
    h.ok(AUDIT, Director, vote(true));
    assert!(
        crate::queries::policies(&h.state)
            .unwrap()
            .iter()
            .all(|p| p.kind != OperationKind::StartProcurement)
    );
    let (_, passed) = h.ok(TRANSPORT, Director, vote(true));
    assert!(
        passed
            .events
            .iter()
            .any(|e| matches!(e, Event::GovernancePassed { .. }))
    );
    assert!(
        crate::queries::policies(&h.state)
            .unwrap()
            .contains(&new_policy)
    );
    rejected(&mut h, ECOLOGY, Director, vote(true), "wrong_state");
    // A policy on approvals themselves is refused at proposal.
    let mut bad = new_policy;
    bad.kind = OperationKind::Approve;
    rejected(
        &mut h,
        FINANCE,
        Director,
        Operation::ProposeGovernance {
            id: "G-2".into(),
            change: GovernanceChange::SetPolicy(bad),
            note: String::new(),
        },
        "invalid_field",
    );
    rejected(
        &mut h,
        FINANCE,
        Director,
        Operation::ProposeGovernance {
            id: "G-3".into(),
            change: GovernanceChange::RemovePolicy {
                kind: OperationKind::SuspendProject,
                min_amount_fen: 0,
            },
            note: String::new(),
        },
        "not_found",
    );
}

#[test]
fn governance_is_rejected_when_it_can_no_longer_pass() {
    let mut h = Harness::new();
    h.ok(
        FINANCE,
        Director,
        Operation::ProposeGovernance {
            id: "G-1".into(),
            change: GovernanceChange::RemovePolicy {
                kind: OperationKind::RequestDisbursement,
                min_amount_fen: 0,
            },
            note: "less paperwork".into(),
        },
    );
    h.ok(
        AUDIT,
        Director,
        Operation::VoteGovernance {
            id: "G-1".into(),
            approve: false,
        },
    );
    let (_, last) = h.ok(
        TRANSPORT,
        Director,
        Operation::VoteGovernance {
            id: "G-1".into(),
            approve: false,
        },
    );
    assert!(
        last.events
            .iter()
            .any(|e| matches!(e, Event::GovernanceRejected { .. }))
    );
    let g = crate::queries::governance(&h.state, "G-1")
        .unwrap()
        .unwrap();
    assert_eq!(g.status, GovernanceStatus::Rejected);
    // The policy is still there.
    assert!(
        policy_for(&h.state, &disbursement("D", "C", 1))
            .unwrap()
            .is_some()
    );
}

#[test]
fn governance_changes_validators_and_departments() {
    let mut h = Harness::new();
    let v = gongxin_core::validator::Validator {
        name: "planning.validator".into(),
        department: "planning".into(),
        public_key: derived_key("planning/validator").public_key(),
        power: 1,
    };
    let pass = |h: &mut Harness, id: &str, change: GovernanceChange| -> Applied {
        h.ok(
            FINANCE,
            Director,
            Operation::ProposeGovernance {
                id: id.into(),
                change,
                note: String::new(),
            },
        );
        h.ok(
            AUDIT,
            Director,
            Operation::VoteGovernance {
                id: id.into(),
                approve: true,
            },
        );
        h.ok(
            TRANSPORT,
            Director,
            Operation::VoteGovernance {
                id: id.into(),
                approve: true,
            },
        )
        .1
    };
    // The validator's department must exist first.
    rejected(
        &mut h,
        FINANCE,
        Director,
        Operation::ProposeGovernance {
            id: "G-0".into(),
            change: GovernanceChange::AddValidator(v.clone()),
            note: String::new(),
        },
        "not_found",
    );
    pass(
        &mut h,
        "G-1",
        GovernanceChange::AddDepartment(Department {
            id: "planning".into(),
            name: "市发展改革委 Development and Reform Commission".into(),
            kind: DepartmentKind::Planning,
        }),
    );
    let last = pass(&mut h, "G-2", GovernanceChange::AddValidator(v));
    let set = last
        .events
        .iter()
        .find_map(|e| match e {
            Event::ValidatorSetChanged { validators } => Some(validators.len()),
            _ => None,
        })
        .unwrap();
    assert_eq!(set, 5);
    pass(
        &mut h,
        "G-3",
        GovernanceChange::RemoveValidator {
            name: "planning.validator".into(),
        },
    );
    assert_eq!(crate::queries::validators(&h.state).unwrap().len(), 4);
}

// --- determinism and the record of every code -------------------------------------------------

fn credit_check(project: &str, winner: u32, verdict: CreditVerdict, checked_ms: u64) -> Operation {
    Operation::RecordCreditCheck(CreditCheck {
        project: project.into(),
        party: Party {
            name: format!("Contractor {winner}"),
            credit_code: credit_code(winner),
        },
        registry: "creditchina".into(),
        verdict,
        result_hash: Hash::digest(format!("answer {winner} {verdict:?}").as_bytes()),
        checked_ms,
        summary: match verdict {
            CreditVerdict::Clear => "未列入".into(),
            CreditVerdict::Listed => "失信被执行人".into(),
        },
    })
}

#[test]
fn a_contractor_last_found_listed_cannot_be_signed_with() {
    let mut h = bare();
    to_budgeted(&mut h, "P-1", yuan(1_000_000));
    h.ok(
        TRANSPORT,
        Specialist,
        Operation::StartProcurement(procurement("P-1")),
    );
    h.ok(
        TRANSPORT,
        SectionChief,
        Operation::AwardProcurement(award("P-1", 1, yuan(900_000))),
    );
    let now = h.ctx.time_ms;
    // Who may record a check: the owner's staff, not another department, not an auditor.
    rejected(
        &mut h,
        ECOLOGY,
        Director,
        credit_check("P-1", 1, CreditVerdict::Clear, now),
        "wrong_department",
    );
    rejected(
        &mut h,
        AUDIT,
        Auditor,
        credit_check("P-1", 1, CreditVerdict::Clear, now),
        "wrong_department",
    );
    // Fields are checked: a bad credit code, an answer dated after the block.
    let Operation::RecordCreditCheck(mut bad) = credit_check("P-1", 1, CreditVerdict::Clear, now)
    else {
        unreachable!()
    };
    bad.party.credit_code = "91320100000000001X".into();
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        Operation::RecordCreditCheck(bad),
        "invalid_field",
    );
    rejected(
        &mut h,
        TRANSPORT,
        Specialist,
        credit_check("P-1", 1, CreditVerdict::Clear, now + DAY_MS),
        "invalid_field",
    );
    // Listed: the contract is refused, and nothing is signed.
    h.ok(
        TRANSPORT,
        Specialist,
        credit_check("P-1", 1, CreditVerdict::Listed, now),
    );
    let refused = rejected(
        &mut h,
        TRANSPORT,
        Director,
        Operation::SignContract(contract("C-1", "P-1", 1, yuan(900_000), now)),
        "wrong_state",
    );
    let Outcome::Rejected { reason, .. } = &refused.outcome else {
        unreachable!()
    };
    assert!(reason.contains("listed by creditchina"), "{reason}");
    assert!(!store::exists(&h.state, &keys::contract("C-1")).unwrap());
    // A later check finds it clear (the listing was lifted): the latest check counts.
    h.ok(
        TRANSPORT,
        SectionChief,
        credit_check("P-1", 1, CreditVerdict::Clear, now),
    );
    h.ok(
        TRANSPORT,
        Director,
        Operation::SignContract(contract("C-1", "P-1", 1, yuan(900_000), now)),
    );
    let record: CreditCheckRecord =
        store::get(&h.state, &keys::credit_check("P-1", &credit_code(1)))
            .unwrap()
            .unwrap();
    assert_eq!(record.check.verdict, CreditVerdict::Clear);
    // Both checks and the evidence hash are in the project's history; the contract's names the
    // check it was signed on.
    let history = crate::queries::project_history(&h.state, "P-1", None, 50).unwrap();
    let checks: Vec<_> = history
        .items
        .iter()
        .filter(|e| e.action == "record_credit_check")
        .collect();
    assert_eq!(checks.len(), 2);
    assert!(
        checks[1]
            .summary
            .contains(&record.check.result_hash.to_hex())
    );
    let signed = crate::queries::record_history(&h.state, "contract/C-1", None, 10)
        .unwrap()
        .items;
    assert!(
        signed[0].summary.contains("credit checked at creditchina"),
        "{}",
        signed[0].summary
    );
}

#[test]
fn every_rejection_code_has_a_test() {
    let source = include_str!("tests.rs");
    for code in Rejection::CODES {
        assert!(
            source.contains(&format!("\"{code}\"")),
            "no test expects the rejection code {code}"
        );
    }
}

#[test]
fn internal_projects_have_no_public_view_and_queries_page() {
    let mut h = bare();
    let now = h.ctx.time_ms;
    for i in 0..5 {
        let mut p = proposal(&format!("P-{i}"), yuan(1_000), now, now + DAY_MS);
        if i == 2 {
            p.disclosure = Disclosure::Internal;
        }
        h.ok(TRANSPORT, Specialist, Operation::ProposeProject(p));
    }
    assert!(
        crate::queries::public_project(&h.state, "P-2")
            .unwrap()
            .is_none()
    );
    let public = crate::queries::public_project(&h.state, "P-1")
        .unwrap()
        .unwrap();
    assert_eq!(public["id"], "P-1");
    assert!(public.get("description").is_none());
    let filter = crate::queries::ProjectFilter {
        department: Some(TRANSPORT.into()),
        stage: Some(ProjectStage::Proposed),
        programme: None,
    };
    let first = crate::queries::list_projects(&h.state, &filter, None, 3).unwrap();
    assert_eq!(first.items.len(), 3);
    let rest = crate::queries::list_projects(&h.state, &filter, first.next.as_deref(), 3).unwrap();
    assert_eq!(rest.items.len(), 2);
    assert!(rest.next.is_none());
    let view = crate::queries::project(&h.state, "P-0", h.ctx.time_ms)
        .unwrap()
        .unwrap();
    assert_eq!(view.history.items.len(), 1);
    assert_eq!(view.totals.budget_fen, 0);
    assert!(view.health.is_some());
}

#[test]
fn a_validator_anchors_its_own_operation_log_with_growing_counts() {
    use gongxin_core::access_log::ChainPoint;
    let mut h = Harness::new();
    let validator = derived_key("audit/validator");
    let point = |count: u64| ChainPoint {
        count,
        head: Hash::digest(&count.to_be_bytes()),
    };
    let anchor = |node: &str, count: u64| Operation::AnchorAccessLog {
        node: node.into(),
        point: point(count),
    };
    let (hash, applied) = h.submit_key(&validator, anchor("audit.validator", 5));
    assert!(applied.is_applied(), "{:?}", applied.outcome);
    let stored: AccessAnchorRecord =
        store::get(&h.state, &keys::access_anchor("audit.validator", 5))
            .unwrap()
            .unwrap();
    assert_eq!((stored.point, stored.tx), (point(5), hash));
    let latest: AccessAnchorRecord =
        store::get(&h.state, &keys::access_anchor_latest("audit.validator"))
            .unwrap()
            .unwrap();
    assert_eq!(latest, stored);

    // Not growing: refused, and nothing but the trace is written.
    for count in [5, 4] {
        let before = h.state.clone();
        let (_, applied) = h.submit_key(&validator, anchor("audit.validator", count));
        assert_eq!(applied.code(), Some("invalid_field"));
        for key in changed_keys(&before, &h.state) {
            assert!(TRACE_PREFIXES.iter().any(|p| key.starts_with(p)), "{key}");
        }
    }
    // Another validator's log, a member's key, a name that is no validator: not permitted.
    let (_, applied) = h.submit_key(&validator, anchor("finance.validator", 9));
    assert_eq!(applied.code(), Some("not_permitted"));
    let member = h.city.key("audit", Director).clone();
    let (_, applied) = h.submit_key(&member, anchor("audit.validator", 9));
    assert_eq!(applied.code(), Some("not_permitted"));
    let (_, applied) = h.submit_key(&validator, anchor("nobody", 9));
    assert_eq!(applied.code(), Some("not_permitted"));
    // An anchor can never be the operation a policy gates.
    assert!(is_policy_exempt(OperationKind::AnchorAccessLog));
    let (_, applied) = h.submit_key(&validator, anchor("audit.validator", 6));
    assert!(applied.is_applied());
}

#[test]
fn a_validator_records_the_risk_model_it_scores_with_once_per_change() {
    use crate::records::RiskModelRecord;
    let mut h = Harness::new();
    let validator = derived_key("audit/validator");
    let record = |node: &str, version: &str, file: &str| Operation::RecordRiskModel {
        node: node.into(),
        version: version.into(),
        sm3: Hash::digest(file.as_bytes()),
    };
    let (hash, applied) = h.submit_key(&validator, record("audit.validator", "v1", "model one"));
    assert!(applied.is_applied(), "{:?}", applied.outcome);
    let latest = crate::queries::latest_risk_model(&h.state, "audit.validator")
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            latest.version.as_str(),
            latest.sm3,
            latest.tx,
            latest.height
        ),
        ("v1", Hash::digest(b"model one"), hash, h.ctx.height)
    );
    let stored: RiskModelRecord =
        store::get(&h.state, &keys::risk_model("audit.validator", h.ctx.height))
            .unwrap()
            .unwrap();
    assert_eq!(stored, latest);
    // The same model again: nothing to record.
    let (_, applied) = h.submit_key(&validator, record("audit.validator", "v1", "model one"));
    assert_eq!(applied.code(), Some("already_exists"));
    // A new model is recorded, at its height; the earlier record stays.
    h.next_block(5_000);
    let (_, applied) = h.submit_key(&validator, record("audit.validator", "v2", "model two"));
    assert!(applied.is_applied());
    assert_eq!(
        crate::queries::latest_risk_model(&h.state, "audit.validator")
            .unwrap()
            .unwrap()
            .version,
        "v2"
    );
    assert!(
        store::get::<RiskModelRecord>(
            &h.state,
            &keys::risk_model("audit.validator", stored.height)
        )
        .unwrap()
        .is_some()
    );
    // Another validator's name, a member's key, an empty version: refused.
    let (_, applied) = h.submit_key(&validator, record("finance.validator", "v1", "x"));
    assert_eq!(applied.code(), Some("not_permitted"));
    let member = h.city.key("audit", Director).clone();
    let (_, applied) = h.submit_key(&member, record("audit.validator", "v3", "x"));
    assert_eq!(applied.code(), Some("not_permitted"));
    let (_, applied) = h.submit_key(&validator, record("audit.validator", " ", "x"));
    assert_eq!(applied.code(), Some("invalid_field"));
    assert!(is_policy_exempt(OperationKind::RecordRiskModel));
}

#[test]
fn the_public_index_answers_every_filter_with_a_page_and_an_exact_total() {
    use crate::queries::{ProjectFilter, public_projects};
    let mut h = bare();
    let now = h.ctx.time_ms;
    let propose_as =
        |h: &mut Harness, dept: &str, id: &str, programme: Option<&str>, public: bool| {
            let mut p = proposal(id, yuan(1_000), now, now + 120 * DAY_MS);
            p.programme = programme.map(str::to_owned);
            if !public {
                p.disclosure = Disclosure::Internal;
            }
            h.ok(dept, Specialist, Operation::ProposeProject(p));
        };
    propose_as(&mut h, TRANSPORT, "T-1", Some("SC"), true);
    propose_as(&mut h, TRANSPORT, "T-2", None, true);
    propose_as(&mut h, TRANSPORT, "T-3", Some("SC"), false);
    propose_as(&mut h, ECOLOGY, "E-1", Some("SC"), true);
    h.ok(
        TRANSPORT,
        Director,
        Operation::ApproveProject {
            project: "T-1".into(),
        },
    );

    let list = |h: &Harness, department: Option<&str>, programme: Option<&str>, stage| {
        let filter = ProjectFilter {
            department: department.map(str::to_owned),
            programme: programme.map(str::to_owned),
            stage,
        };
        let (total, page) = public_projects(&h.state, &filter, None, 50).unwrap();
        let ids: Vec<String> = page
            .items
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_owned())
            .collect();
        (total, ids)
    };
    let ids = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(list(&h, None, None, None), (3, ids(&["E-1", "T-1", "T-2"])));
    assert_eq!(
        list(&h, Some(TRANSPORT), None, None),
        (2, ids(&["T-1", "T-2"]))
    );
    assert_eq!(list(&h, None, Some("SC"), None), (2, ids(&["E-1", "T-1"])));
    assert_eq!(
        list(&h, None, None, Some(ProjectStage::Proposed)),
        (2, ids(&["E-1", "T-2"]))
    );
    assert_eq!(
        list(
            &h,
            Some(TRANSPORT),
            Some("SC"),
            Some(ProjectStage::Approved)
        ),
        (1, ids(&["T-1"]))
    );
    assert_eq!(
        list(
            &h,
            Some(TRANSPORT),
            Some("SC"),
            Some(ProjectStage::Proposed)
        ),
        (0, ids(&[]))
    );
    // A filter value that is not an id (it could reach into another index) matches nothing.
    assert_eq!(list(&h, Some("transport/*"), None, None), (0, ids(&[])));
    // Paging: positions in id order; an internal id as a position answers like any other.
    let filter = ProjectFilter::default();
    let (_, first) = public_projects(&h.state, &filter, None, 2).unwrap();
    assert_eq!(first.next.as_deref(), Some("T-1"));
    let (_, rest) = public_projects(&h.state, &filter, first.next.as_deref(), 2).unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.next, None);
    let (_, from_internal) = public_projects(&h.state, &filter, Some("T-3"), 2).unwrap();
    let (_, from_nothing) = public_projects(&h.state, &filter, Some("T-2a"), 2).unwrap();
    assert_eq!(from_internal.items, from_nothing.items);
    // Every counter equals its index's size (no drift after stage moves).
    for (key, count) in store::scan::<u64>(&h.state, b"count/pub/", None, 1_000).unwrap() {
        let filter = String::from_utf8(key[b"count/pub/".len()..].to_vec()).unwrap();
        let entries = h
            .state
            .scan_prefix(format!("idx/pub/{filter}/").as_bytes(), None, 1_000)
            .unwrap();
        assert_eq!(entries.len() as u64, count, "{filter}");
    }
}
