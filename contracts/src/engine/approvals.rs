//! Approval policies and requests.
//!
//! A policy says which approvals an operation kind needs above an amount threshold; the policy
//! with the highest threshold at or below the operation's amount applies. An operation a policy
//! covers opens a request keyed by its transaction hash. Each requirement is resolved to concrete
//! departments when the request opens; approvals are then matched to requirement slots by a
//! maximum bipartite matching, so the order in which people approve never matters (a line
//! director who could fill either "project owner director" or "any line director" is placed
//! where they leave room for others). The submitter never counts, a person counts once, and one
//! refusal by an eligible approver closes the request.

use gongxin_core::Hash;
use gongxin_core::model::{ApprovalPolicy, DepartmentKind, DepartmentSelector, Operation, Role};

use super::perm::role_name;
use super::{Cx, alerts, execute_operation, identity, projects};
use crate::events::Event;
use crate::keys;
use crate::limits::{DEPARTMENTS_MAX, POLICIES_PER_KIND_MAX};
use crate::records::{
    ApprovalEntry, DepartmentRecord, ProjectRecord, RequestRecord, RequestStatus,
    ResolvedRequirement,
};
use crate::rejection::Rejection;
use crate::state::{Overlay, State, StorageError};
use crate::store::{self, Fail, Rule};
use crate::validate;

/// The amount a policy threshold is compared with. It is the operation's own
/// [`Operation::amount_fen`], except where the money is in the state rather than the payload:
/// approving a project (立项) uses the project's requested budget, and marking a disbursement
/// paid uses the disbursement's amount — otherwise thresholds on those kinds could never apply.
pub fn policy_amount(st: &dyn State, op: &Operation) -> Result<u64, StorageError> {
    Ok(match op {
        Operation::ApproveProject { project } => {
            store::get::<ProjectRecord>(st, &keys::project(project))?
                .map_or(0, |p| p.requested_budget_fen)
        }
        Operation::MarkDisbursementPaid { disbursement, .. } => {
            store::get::<crate::records::DisbursementRecord>(st, &keys::disbursement(disbursement))?
                .map_or(0, |d| d.request.amount_fen)
        }
        _ => op.amount_fen(),
    })
}

/// The policy that covers `op` in the current state, if any.
pub fn policy_for(st: &dyn State, op: &Operation) -> Result<Option<ApprovalPolicy>, StorageError> {
    if super::is_policy_exempt(op.kind()) {
        return Ok(None);
    }
    let amount = policy_amount(st, op)?;
    let candidates = store::scan::<ApprovalPolicy>(
        st,
        &keys::policies_of(op.kind()),
        None,
        POLICIES_PER_KIND_MAX,
    )?;
    // Keys sort by threshold, so the last match is the highest threshold at or below `amount`.
    Ok(candidates
        .into_iter()
        .map(|(_, p)| p)
        .rfind(|p| p.min_amount_fen <= amount))
}

/// All departments, in id order.
pub(crate) fn departments(st: &dyn State) -> Result<Vec<DepartmentRecord>, StorageError> {
    Ok(
        store::scan::<DepartmentRecord>(st, keys::DEPARTMENTS, None, DEPARTMENTS_MAX)?
            .into_iter()
            .map(|(_, d)| d)
            .collect(),
    )
}

fn selector_text(selector: &DepartmentSelector) -> String {
    match selector {
        DepartmentSelector::ProjectOwner => "the project's owner department".into(),
        DepartmentSelector::Kind(kind) => {
            format!("a {} department", super::perm::department_kind_name(*kind))
        }
        DepartmentSelector::Id(id) => format!("department {id:?}"),
    }
}

/// Resolves a policy's requirements for a request by the acting member.
fn resolve(
    st: &dyn State,
    cx: &Cx<'_>,
    op: &Operation,
    policy: &ApprovalPolicy,
) -> Rule<Vec<ResolvedRequirement>> {
    let owner = match op {
        // The project does not exist yet: its owner will be the proposer's department.
        Operation::ProposeProject(_) => cx.actor().department().to_owned(),
        _ => match projects::project_of_operation(st, op)? {
            Some(project) => store::get::<ProjectRecord>(st, &keys::project(&project))?
                .map_or_else(
                    || cx.actor().department().to_owned(),
                    |p| p.owner_department,
                ),
            // Operations about no project: the submitter's department answers for it.
            None => cx.actor().department().to_owned(),
        },
    };
    let all = departments(st)?;
    let of_kind = |kind: DepartmentKind| -> Vec<String> {
        all.iter()
            .filter(|d| d.kind() == kind)
            .map(|d| d.id().to_owned())
            .collect()
    };
    let mut resolved = Vec::with_capacity(policy.required.len());
    for r in &policy.required {
        let departments = match &r.department {
            DepartmentSelector::ProjectOwner => vec![owner.clone()],
            DepartmentSelector::Kind(kind) => of_kind(*kind),
            DepartmentSelector::Id(id) => all
                .iter()
                .filter(|d| d.id() == id)
                .map(|d| d.id().to_owned())
                .collect(),
        };
        if departments.is_empty() {
            return Err(Rejection::NotPermitted {
                reason: format!(
                    "the policy for {} requires approval by {}, and no such department exists",
                    keys::kind_name(op.kind()),
                    selector_text(&r.department)
                ),
            }
            .into());
        }
        resolved.push(ResolvedRequirement {
            selector: r.department.clone(),
            departments,
            role: r.role,
            count: r.count,
        });
    }
    Ok(resolved)
}

/// The project id, if it names a project that exists.
fn existing_project(
    st: &dyn State,
    project: &Option<String>,
) -> Result<Option<String>, StorageError> {
    match project {
        Some(p) if store::exists(st, &keys::project(p))? => Ok(Some(p.clone())),
        _ => Ok(None),
    }
}

/// Opens a request for `op` (already checked by a dry run) under `policy`.
pub(super) fn open_request(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    op: &Operation,
    policy: &ApprovalPolicy,
) -> Rule<()> {
    let hash = cx.tx.expect("requests are opened by transactions");
    let required = resolve(st, cx, op, policy)?;
    let actor = cx.actor().clone();
    let project = projects::project_of_operation(st, op)?;
    let request = RequestRecord {
        hash,
        operation: op.clone(),
        kind: op.kind(),
        submitter: actor.key(),
        submitter_person: actor.person,
        submitter_department: actor.department().to_owned(),
        project: project.clone(),
        amount_fen: policy_amount(st, op)?,
        policy_min_amount_fen: policy.min_amount_fen,
        policy_description: policy.description.clone(),
        required,
        approvals: Vec::new(),
        status: RequestStatus::Open,
        opened_height: cx.block.height,
        opened_ms: cx.now(),
        closed_height: None,
        closed_ms: None,
    };
    let departments = request.departments();
    for d in &departments {
        store::mark(st, &keys::dept_request(d, &hash))?;
    }
    if let Some(p) = &project {
        store::mark(st, &keys::project_request(p, &hash))?;
    }
    // A proposal's request concerns a project that does not exist yet: its history starts when
    // (if) it is created, so a refused proposal leaves nothing under an id nobody owns.
    if let Some(p) = existing_project(st, &project)? {
        cx.history(
            st,
            &keys::project(&p),
            &keys::kind_name(op.kind()),
            format!(
                "{} submitted for approval (request {hash})",
                keys::kind_name(op.kind())
            ),
        )?;
    }
    store::put(st, &keys::request(&hash), &request)?;
    cx.history(
        st,
        &keys::request(&hash),
        &keys::kind_name(op.kind()),
        format!("opened, needs {} approvals", request.slots()),
    )?;
    cx.emit(Event::RequestOpened {
        request: hash,
        kind: op.kind(),
        submitter: actor.key(),
        project,
        departments,
    });
    Ok(())
}

/// The largest number of approvers that can be placed in distinct requirement slots (Kuhn's
/// augmenting paths; slots and approvers are both at most `POLICY_APPROVALS_MAX`).
pub(crate) fn max_matching(required: &[ResolvedRequirement], approvers: &[(&str, Role)]) -> usize {
    let slots: Vec<usize> = required
        .iter()
        .enumerate()
        .flat_map(|(i, r)| std::iter::repeat_n(i, usize::from(r.count)))
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; slots.len()];
    let mut matched = 0;
    for a in 0..approvers.len() {
        let mut visited = vec![false; slots.len()];
        if augment(a, required, approvers, &slots, &mut owner, &mut visited) {
            matched += 1;
        }
    }
    matched
}

fn augment(
    a: usize,
    required: &[ResolvedRequirement],
    approvers: &[(&str, Role)],
    slots: &[usize],
    owner: &mut [Option<usize>],
    visited: &mut [bool],
) -> bool {
    let (dept, role) = approvers[a];
    for s in 0..slots.len() {
        if visited[s] || !required[slots[s]].admits(dept, role) {
            continue;
        }
        visited[s] = true;
        let free = match owner[s] {
            None => true,
            Some(other) => augment(other, required, approvers, slots, owner, visited),
        };
        if free {
            owner[s] = Some(a);
            return true;
        }
    }
    false
}

fn load_open(st: &dyn State, hash: &Hash) -> Rule<RequestRecord> {
    let request: RequestRecord = store::load(st, &keys::request(hash), "request", &hash.to_hex())?;
    if request.status != RequestStatus::Open {
        return Err(Rejection::RequestClosed {
            request: *hash,
            status: request.status.name().to_owned(),
        }
        .into());
    }
    Ok(request)
}

/// Rejects an actor no requirement of `request` admits, naming what would be needed.
fn check_eligible(request: &RequestRecord, department: &str, role: Role, action: &str) -> Rule<()> {
    if request.required.iter().any(|r| r.admits(department, role)) {
        return Ok(());
    }
    let roles_here: Vec<&str> = request
        .required
        .iter()
        .filter(|r| r.departments.iter().any(|d| d == department))
        .map(|r| role_name(r.role))
        .collect();
    if roles_here.is_empty() {
        let needed: Vec<String> = request
            .required
            .iter()
            .map(|r| format!("{} {}", role_name(r.role), r.departments.join("/")))
            .collect();
        return Err(Rejection::WrongDepartment {
            action: action.to_owned(),
            needed: needed.join(", "),
            actual: department.to_owned(),
        }
        .into());
    }
    Err(Rejection::WrongRole {
        action: action.to_owned(),
        needed: format!("a {}", roles_here.join(" or ")),
        actual: role,
    }
    .into())
}

fn close(st: &mut dyn State, cx: &Cx<'_>, request: &mut RequestRecord) -> Rule<()> {
    request.closed_height = Some(cx.block.height);
    request.closed_ms = Some(cx.now());
    for d in request.departments() {
        st.delete(&keys::dept_request(&d, &request.hash))?;
    }
    if let Some(p) = &request.project {
        st.delete(&keys::project_request(p, &request.hash))?;
    }
    Ok(())
}

pub(super) fn approve(st: &mut dyn State, cx: &mut Cx<'_>, hash: &Hash, note: &str) -> Rule<()> {
    validate::note("note", note)?;
    let mut request = load_open(st, hash)?;
    let actor = cx.actor().clone();
    if actor.person == request.submitter_person {
        return Err(Rejection::SelfApproval { request: *hash }.into());
    }
    if request.approvals.iter().any(|a| a.person == actor.person) {
        return Err(Rejection::DuplicateApproval { request: *hash }.into());
    }
    check_eligible(
        &request,
        actor.department(),
        actor.role(),
        "approving this request",
    )?;
    let mut approvers: Vec<(&str, Role)> = request
        .approvals
        .iter()
        .map(|a| (a.department.as_str(), a.role))
        .collect();
    let before = max_matching(&request.required, &approvers);
    approvers.push((actor.department(), actor.role()));
    let after = max_matching(&request.required, &approvers);
    if after == before {
        return Err(Rejection::ApprovalNotNeeded {
            request: *hash,
            needed_by_signer: format!(
                "every {} approval from department {:?} it needs is already given",
                role_name(actor.role()),
                actor.department()
            ),
        }
        .into());
    }
    let remaining = request.slots() - after;
    request.approvals.push(ApprovalEntry {
        person: actor.person,
        key: actor.key(),
        department: actor.department().to_owned(),
        role: actor.role(),
        note: note.to_owned(),
        tx: cx.tx.expect("approvals are transactions"),
        height: cx.block.height,
        time_ms: cx.now(),
    });
    cx.history(
        st,
        &keys::request(hash),
        "approve",
        format!(
            "approved by a {} of {} ({remaining} still needed)",
            role_name(actor.role()),
            actor.department()
        ),
    )?;
    cx.emit(Event::RequestApproved {
        request: *hash,
        approver: actor.key(),
        remaining: remaining as u32,
    });
    if remaining == 0 {
        execute(st, cx, &mut request)?;
    }
    store::put(st, &keys::request(hash), &request)?;
    Ok(())
}

/// Executes a fully approved request as its submitter, in its own overlay: if the operation no
/// longer passes the rules, only the request's closing is written.
fn execute(st: &mut dyn State, cx: &mut Cx<'_>, request: &mut RequestRecord) -> Rule<()> {
    let submitter = match identity::current_key(st, &request.submitter_person)? {
        Some(key) => identity::member(st, &key)?,
        None => None,
    };
    let result = match submitter {
        None => Err(Rejection::UnknownSigner {
            key: request.submitter,
        }),
        Some(submitter) => {
            let saved_actor = cx.actor.replace(submitter);
            let saved_request = cx.request.replace(request.hash);
            let mut overlay = Overlay::new(&mut *st);
            let outcome = execute_operation(&mut overlay, cx, &request.operation);
            cx.actor = saved_actor;
            cx.request = saved_request;
            match outcome {
                Ok(()) => {
                    overlay.commit()?;
                    Ok(())
                }
                Err(Fail::Storage(e)) => return Err(Fail::Storage(e)),
                Err(Fail::Reject(r)) => {
                    overlay.discard();
                    Err(*r)
                }
            }
        }
    };
    close(st, cx, request)?;
    match result {
        Ok(()) => {
            request.status = RequestStatus::Executed;
            cx.history(st, &keys::request(&request.hash), "execute", "executed")?;
            cx.emit(Event::RequestExecuted {
                request: request.hash,
            });
        }
        Err(rejection) => {
            cx.history(
                st,
                &keys::request(&request.hash),
                "execute",
                format!("failed: {rejection}"),
            )?;
            if let Some(p) = existing_project(st, &request.project)? {
                cx.history(
                    st,
                    &keys::project(&p),
                    "execute",
                    format!(
                        "approved {} (request {}) failed: {rejection}",
                        keys::kind_name(request.kind),
                        request.hash
                    ),
                )?;
            }
            cx.emit(Event::RequestFailed {
                request: request.hash,
                code: rejection.code().to_owned(),
                reason: rejection.to_string(),
            });
            alerts::alert_for_rejection(st, cx, &rejection, Some(request.submitter))?;
            request.status = RequestStatus::Failed { rejection };
        }
    }
    Ok(())
}

pub(super) fn refuse(st: &mut dyn State, cx: &mut Cx<'_>, hash: &Hash, reason: &str) -> Rule<()> {
    validate::required_text("reason", reason)?;
    let mut request = load_open(st, hash)?;
    let actor = cx.actor().clone();
    if actor.person == request.submitter_person {
        return Err(Rejection::SelfApproval { request: *hash }.into());
    }
    check_eligible(
        &request,
        actor.department(),
        actor.role(),
        "refusing this request",
    )?;
    close(st, cx, &mut request)?;
    request.status = RequestStatus::Refused {
        by: actor.key(),
        reason: reason.to_owned(),
    };
    cx.history(
        st,
        &keys::request(hash),
        "refuse",
        format!(
            "refused by a {} of {}",
            role_name(actor.role()),
            actor.department()
        ),
    )?;
    if let Some(p) = existing_project(st, &request.project)? {
        cx.history(
            st,
            &keys::project(&p),
            "refuse",
            format!(
                "{} (request {hash}) refused by {}",
                keys::kind_name(request.kind),
                actor.department()
            ),
        )?;
    }
    store::put(st, &keys::request(hash), &request)?;
    cx.emit(Event::RequestRefused {
        request: *hash,
        by: actor.key(),
        reason: reason.to_owned(),
    });
    Ok(())
}
