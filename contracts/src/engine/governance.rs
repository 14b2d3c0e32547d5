//! Governance: changes to the consortium itself (policies, departments, validators), proposed
//! by a director and passed when directors of more than 2/3 of the departments approve.
//!
//! Each department has one vote, cast by any of its directors; the proposer's department votes
//! for its own proposal. The denominator is the departments that have a director: a department
//! added by governance has no members until one is named (the core has no operation for that
//! yet), and counting it would only make every later vote harder without it ever being able to
//! take part. A proposal is rejected as soon as it can no longer reach the quorum.
//!
//! The change is checked when proposed (a proposal that could never apply is refused) and again
//! when it passes; if it no longer applies then, the proposal is closed as failed and the vote
//! that passed it is still applied, as with requests.

use gongxin_core::model::{
    ApprovalPolicy, Department, DepartmentSelector, GovernanceChange, TEXT_BYTES_MAX,
};
use gongxin_core::validator::{Validator, ValidatorSet, is_valid_key_name};

use super::approvals::departments;
use super::perm::{self, Action, Bind, actor_department};
use super::{Cx, is_policy_exempt};
use crate::events::{Event, RecordKind};
use crate::keys;
use crate::limits::{
    DEPARTMENTS_MAX, POLICIES_PER_KIND_MAX, POLICY_APPROVALS_MAX, POLICY_REQUIREMENTS_MAX,
    VALIDATORS_MAX,
};
use crate::records::{DepartmentRecord, GovernanceRecord, GovernanceStatus, Vote};
use crate::rejection::Rejection;
use crate::state::{Overlay, State, StorageError};
use crate::store::{self, Fail, Rule};
use crate::validate;

pub(super) fn propose(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    id: &str,
    change: &GovernanceChange,
    note: &str,
) -> Rule<()> {
    // Any department's director: the row admits any department, so only the role is checked.
    perm::authorize(st, cx, Action::ProposeGovernance, &Bind::NONE)?;
    validate::id("id", id)?;
    validate::note("note", note)?;
    if store::exists(st, &keys::governance(id))? {
        return Err(Rejection::exists("governance proposal", id).into());
    }
    // Refuse a change that could not apply now.
    {
        let mark = cx.events.len();
        let mut scratch = Overlay::new(&mut *st);
        apply_change(&mut scratch, cx, change)?;
        scratch.discard();
        cx.events.truncate(mark);
    }
    let actor = cx.actor().clone();
    let mut record = GovernanceRecord {
        id: id.to_owned(),
        change: change.clone(),
        note: note.to_owned(),
        proposer: actor.key(),
        proposer_department: actor.department().to_owned(),
        votes: vec![Vote {
            department: actor.department().to_owned(),
            voter: actor.key(),
            approve: true,
            height: cx.block.height,
        }],
        status: GovernanceStatus::Open,
        opened_height: cx.block.height,
        closed_height: None,
    };
    cx.emit(Event::GovernanceProposed {
        id: id.to_owned(),
        proposer: actor.key(),
    });
    cx.history(st, &keys::governance(id), "propose_governance", "proposed")?;
    tally(st, cx, &mut record)?;
    store::put(st, &keys::governance(id), &record)?;
    Ok(())
}

pub(super) fn vote(st: &mut dyn State, cx: &mut Cx<'_>, id: &str, approve: bool) -> Rule<()> {
    perm::authorize(st, cx, Action::VoteGovernance, &Bind::NONE)?;
    let mut record: GovernanceRecord =
        store::load(st, &keys::governance(id), "governance proposal", id)?;
    if record.status != GovernanceStatus::Open {
        return Err(Rejection::WrongState {
            what: format!("governance proposal {id:?}"),
            state: status_name(&record.status).into(),
            action: "voting".into(),
            needed: "an open proposal".into(),
        }
        .into());
    }
    let department = actor_department(st, cx)?;
    if record.votes.iter().any(|v| v.department == department.id()) {
        return Err(Rejection::DuplicateVote {
            id: id.to_owned(),
            department: department.id().to_owned(),
        }
        .into());
    }
    record.votes.push(Vote {
        department: department.id().to_owned(),
        voter: cx.actor().key(),
        approve,
        height: cx.block.height,
    });
    cx.emit(Event::GovernanceVoted {
        id: id.to_owned(),
        department: department.id().to_owned(),
        approve,
    });
    cx.history(
        st,
        &keys::governance(id),
        "vote_governance",
        format!(
            "{} voted {}",
            department.id(),
            if approve { "for" } else { "against" }
        ),
    )?;
    tally(st, cx, &mut record)?;
    store::put(st, &keys::governance(id), &record)?;
    Ok(())
}

fn status_name(status: &GovernanceStatus) -> &'static str {
    match status {
        GovernanceStatus::Open => "open",
        GovernanceStatus::Passed => "passed",
        GovernanceStatus::Rejected => "rejected",
        GovernanceStatus::Failed { .. } => "failed",
    }
}

/// Closes the proposal if it has passed (and applies it) or can no longer pass.
fn tally(st: &mut dyn State, cx: &mut Cx<'_>, record: &mut GovernanceRecord) -> Rule<()> {
    let voting: Vec<String> = departments(st)?
        .into_iter()
        .filter(|d| !d.directors.is_empty())
        .map(|d| d.department.id)
        .collect();
    let counts = |approve: bool| {
        record
            .votes
            .iter()
            .filter(|v| v.approve == approve && voting.contains(&v.department))
            .count() as u64
    };
    let (yes, no, total) = (counts(true), counts(false), voting.len() as u64);
    if yes * 3 > total * 2 {
        record.closed_height = Some(cx.block.height);
        let mark = cx.events.len();
        let mut overlay = Overlay::new(&mut *st);
        match apply_change(&mut overlay, cx, &record.change) {
            Ok(()) => {
                overlay.commit()?;
                record.status = GovernanceStatus::Passed;
                cx.emit(Event::GovernancePassed {
                    id: record.id.clone(),
                });
                cx.history(
                    st,
                    &keys::governance(&record.id),
                    "pass",
                    "passed and applied",
                )?;
            }
            Err(Fail::Storage(e)) => return Err(Fail::Storage(e)),
            Err(Fail::Reject(rejection)) => {
                overlay.discard();
                cx.events.truncate(mark);
                cx.emit(Event::GovernanceFailed {
                    id: record.id.clone(),
                    code: rejection.code().to_owned(),
                    reason: rejection.to_string(),
                });
                cx.history(
                    st,
                    &keys::governance(&record.id),
                    "pass",
                    format!("passed but failed to apply: {rejection}"),
                )?;
                record.status = GovernanceStatus::Failed {
                    rejection: *rejection,
                };
            }
        }
    } else if (total - no.min(total)) * 3 <= total * 2 {
        record.closed_height = Some(cx.block.height);
        record.status = GovernanceStatus::Rejected;
        cx.emit(Event::GovernanceRejected {
            id: record.id.clone(),
        });
        cx.history(
            st,
            &keys::governance(&record.id),
            "reject",
            "can no longer pass",
        )?;
    }
    Ok(())
}

/// Checks a policy on its own and against the departments in `st` (shared with genesis).
pub(crate) fn check_policy(st: &dyn State, policy: &ApprovalPolicy) -> Rule<()> {
    let kind = keys::kind_name(policy.kind);
    if is_policy_exempt(policy.kind) {
        return Err(Rejection::invalid(
            "policy.kind",
            format!("{kind} has its own rules and cannot be put under an approval policy"),
        )
        .into());
    }
    validate::list_len(
        "policy.required",
        policy.required.len(),
        POLICY_REQUIREMENTS_MAX,
        false,
    )?;
    let mut total = 0usize;
    for r in &policy.required {
        if r.count == 0 {
            return Err(Rejection::invalid("policy.required.count", "must be at least 1").into());
        }
        total += usize::from(r.count);
        if let DepartmentSelector::Id(id) = &r.department
            && !store::exists(st, &keys::department(id))?
        {
            return Err(Rejection::not_found("department", id.clone()).into());
        }
    }
    if total > POLICY_APPROVALS_MAX {
        return Err(Rejection::invalid(
            "policy.required",
            format!("needs {total} approvals in all, at most {POLICY_APPROVALS_MAX} are allowed"),
        )
        .into());
    }
    if policy.description.len() > TEXT_BYTES_MAX {
        return Err(Rejection::invalid("policy.description", "is too long").into());
    }
    let key = keys::policy(policy.kind, policy.min_amount_fen);
    if !store::exists(st, &key)? {
        let existing =
            st.scan_prefix(&keys::policies_of(policy.kind), None, POLICIES_PER_KIND_MAX)?;
        if existing.len() >= POLICIES_PER_KIND_MAX {
            return Err(
                Rejection::limit("policies per operation kind", POLICIES_PER_KIND_MAX).into(),
            );
        }
    }
    Ok(())
}

/// Writes a checked policy (shared with genesis).
pub(crate) fn store_policy(
    st: &mut dyn State,
    policy: &ApprovalPolicy,
) -> Result<(), StorageError> {
    store::put(
        st,
        &keys::policy(policy.kind, policy.min_amount_fen),
        policy,
    )
}

/// The validator set in the state, in name order.
pub(crate) fn validators(st: &dyn State) -> Result<Vec<Validator>, StorageError> {
    Ok(
        store::scan::<Validator>(st, keys::VALIDATORS, None, VALIDATORS_MAX + 1)?
            .into_iter()
            .map(|(_, v)| v)
            .collect(),
    )
}

fn check_validator_set(list: Vec<Validator>) -> Rule<Vec<Validator>> {
    if list.len() > VALIDATORS_MAX {
        return Err(Rejection::limit("validators", VALIDATORS_MAX).into());
    }
    let set = ValidatorSet::new(list.clone())
        .map_err(|e| Rejection::invalid("validators", e.to_string()))?;
    drop(set);
    Ok(list)
}

fn apply_change(st: &mut dyn State, cx: &mut Cx<'_>, change: &GovernanceChange) -> Rule<()> {
    match change {
        GovernanceChange::SetPolicy(policy) => {
            check_policy(st, policy)?;
            store_policy(st, policy)?;
            cx.emit(Event::PolicySet {
                kind: policy.kind,
                min_amount_fen: policy.min_amount_fen,
            });
        }
        GovernanceChange::RemovePolicy {
            kind,
            min_amount_fen,
        } => {
            let key = keys::policy(*kind, *min_amount_fen);
            if !store::exists(st, &key)? {
                return Err(Rejection::not_found(
                    "policy",
                    format!(
                        "{} from {}",
                        keys::kind_name(*kind),
                        crate::display::yuan(*min_amount_fen)
                    ),
                )
                .into());
            }
            st.delete(&key)?;
            cx.emit(Event::PolicyRemoved {
                kind: *kind,
                min_amount_fen: *min_amount_fen,
            });
        }
        GovernanceChange::AddDepartment(department) => add_department(st, cx, department)?,
        GovernanceChange::AddValidator(validator) => {
            if !store::exists(st, &keys::department(&validator.department))? {
                return Err(
                    Rejection::not_found("department", validator.department.clone()).into(),
                );
            }
            if !is_valid_key_name(&validator.name) {
                return Err(Rejection::invalid(
                    "validator.name",
                    "1-64 characters without spaces, '+' or control characters",
                )
                .into());
            }
            if store::exists(st, &keys::validator(&validator.name))? {
                return Err(Rejection::exists("validator", validator.name.clone()).into());
            }
            let mut list = validators(st)?;
            list.push(validator.clone());
            let list = check_validator_set(list)?;
            store::put(st, &keys::validator(&validator.name), validator)?;
            cx.emit(Event::ValidatorSetChanged {
                validators: sorted(list),
            });
        }
        GovernanceChange::RemoveValidator { name } => {
            if !store::exists(st, &keys::validator(name))? {
                return Err(Rejection::not_found("validator", name.clone()).into());
            }
            let list: Vec<Validator> = validators(st)?
                .into_iter()
                .filter(|v| &v.name != name)
                .collect();
            let list = check_validator_set(list)?;
            st.delete(&keys::validator(name))?;
            cx.emit(Event::ValidatorSetChanged { validators: list });
        }
        GovernanceChange::RotateValidatorKey { name, new_key } => {
            let mut validator: Validator =
                store::load(st, &keys::validator(name), "validator", name)?;
            validator.public_key = *new_key;
            let list: Vec<Validator> = validators(st)?
                .into_iter()
                .map(|v| {
                    if &v.name == name {
                        validator.clone()
                    } else {
                        v
                    }
                })
                .collect();
            let list = check_validator_set(list)?;
            store::put(st, &keys::validator(name), &validator)?;
            cx.emit(Event::ValidatorSetChanged { validators: list });
        }
        GovernanceChange::SetReminderPolicy(policy) => {
            super::reminders::set_policy(st, policy)?;
            cx.emit(Event::ReminderPolicySet { policy: *policy });
        }
    }
    Ok(())
}

fn sorted(mut list: Vec<Validator>) -> Vec<Validator> {
    list.sort_by(|a, b| a.name.cmp(&b.name));
    list
}

fn add_department(st: &mut dyn State, cx: &mut Cx<'_>, department: &Department) -> Rule<()> {
    validate::id("department.id", &department.id)?;
    validate::name("department.name", &department.name)?;
    if store::exists(st, &keys::department(&department.id))? {
        return Err(Rejection::exists("department", department.id.clone()).into());
    }
    if departments(st)?.len() >= DEPARTMENTS_MAX {
        return Err(Rejection::limit("departments", DEPARTMENTS_MAX).into());
    }
    let record = DepartmentRecord {
        department: department.clone(),
        directors: Vec::new(),
        members: 0,
    };
    store::put(st, &keys::department(&department.id), &record)?;
    cx.emit(Event::RecordCreated {
        kind: RecordKind::Department,
        id: department.id.clone(),
        project: None,
    });
    Ok(())
}
