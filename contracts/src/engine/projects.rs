//! The project lifecycle: proposed → approved → budgeted → procurement → contracted →
//! in progress → acceptance requested → accepted → evaluated → closed, with suspension and
//! cancellation from any open stage. Stage changes that belong to money or progress live in
//! [`super::money`] and [`super::progress`]; this module has the plain transitions and the
//! helpers every rule uses to load a project that may still change.

use gongxin_core::model::{Operation, ProjectProposal, ProjectStage};

use super::Cx;
use super::perm::{self, Action, Bind};
use crate::events::{Event, RecordKind};
use crate::keys;
use crate::records::{
    ContractState, DisbursementRecord, ProgressRecord, ProjectRecord, RectificationRecord,
    RequestRecord,
};
use crate::rejection::Rejection;
use crate::state::{State, StorageError};
use crate::store::{self, Rule};
use crate::validate;

/// A readable stage name.
pub(crate) fn stage_text(stage: ProjectStage) -> &'static str {
    match stage {
        ProjectStage::Proposed => "proposed",
        ProjectStage::Approved => "approved (立项)",
        ProjectStage::Budgeted => "budgeted (预算批复)",
        ProjectStage::Procurement => "in procurement (招标采购)",
        ProjectStage::Contracted => "contracted",
        ProjectStage::InProgress => "in progress (实施)",
        ProjectStage::AcceptanceRequested => "awaiting acceptance",
        ProjectStage::Accepted => "accepted (验收)",
        ProjectStage::Evaluated => "evaluated (后评价)",
        ProjectStage::Closed => "closed",
        ProjectStage::Suspended => "suspended",
        ProjectStage::Cancelled => "cancelled",
    }
}

/// Whether a project in `stage` can never change again.
pub(crate) fn is_final(stage: ProjectStage) -> bool {
    matches!(stage, ProjectStage::Closed | ProjectStage::Cancelled)
}

/// The project an operation concerns, looking through contracts, reports, disbursements,
/// tasks and requests when the payload names only those.
pub fn project_of_operation(
    st: &dyn State,
    op: &Operation,
) -> Result<Option<String>, StorageError> {
    if let Some(p) = op.project() {
        return Ok(Some(p.to_owned()));
    }
    Ok(match op {
        Operation::RequestChangeOrder(c) => contract_project(st, &c.contract)?,
        Operation::RequestDisbursement(d) => contract_project(st, &d.contract)?,
        Operation::ReviewProgress { report, .. } => {
            store::get::<ProgressRecord>(st, &keys::progress(report))?.map(|r| r.report.project)
        }
        Operation::MarkDisbursementPaid { disbursement, .. } => {
            store::get::<DisbursementRecord>(st, &keys::disbursement(disbursement))?
                .map(|d| d.project)
        }
        Operation::SubmitRectification { task, .. }
        | Operation::VerifyRectification { task, .. } => {
            store::get::<RectificationRecord>(st, &keys::rectification(task))?
                .and_then(|t| t.task.project)
        }
        Operation::Approve { request, .. } | Operation::Refuse { request, .. } => {
            store::get::<RequestRecord>(st, &keys::request(request))?.and_then(|r| r.project)
        }
        _ => None,
    })
}

fn contract_project(st: &dyn State, contract: &str) -> Result<Option<String>, StorageError> {
    Ok(store::get::<ContractState>(st, &keys::contract(contract))?.map(|c| c.project))
}

pub(crate) fn load_project(st: &dyn State, id: &str) -> Rule<ProjectRecord> {
    store::load(st, &keys::project(id), "project", id)
}

/// Loads a project that may still change: closed and cancelled projects are refused with
/// `record_closed`.
pub(crate) fn load_live_project(st: &dyn State, id: &str) -> Rule<ProjectRecord> {
    let project = load_project(st, id)?;
    if is_final(project.stage) {
        return Err(Rejection::RecordClosed {
            project: project.id,
            stage: stage_text(project.stage).into(),
        }
        .into());
    }
    Ok(project)
}

/// Refuses unless the project is in one of `allowed`.
pub(crate) fn require_stage(
    project: &ProjectRecord,
    allowed: &[ProjectStage],
    action: &str,
) -> Rule<()> {
    if allowed.contains(&project.stage) {
        return Ok(());
    }
    let needed: Vec<&str> = allowed.iter().map(|s| stage_text(*s)).collect();
    Err(Rejection::WrongState {
        what: format!("project {:?}", project.id),
        state: stage_text(project.stage).into(),
        action: action.into(),
        needed: format!("a project that is {}", needed.join(" or ")),
    }
    .into())
}

pub(crate) fn save_project(
    st: &mut dyn State,
    cx: &Cx<'_>,
    project: &mut ProjectRecord,
) -> Result<(), StorageError> {
    project.updated_ms = cx.now();
    store::put(st, &keys::project(&project.id), &*project)
}

/// Moves a project to `to`, keeping the stage index, history and events in step. The caller
/// saves the project.
pub(crate) fn set_stage(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    project: &mut ProjectRecord,
    to: ProjectStage,
    action: &str,
) -> Result<(), StorageError> {
    let from = project.stage;
    st.delete(&keys::stage_project(from, &project.id))?;
    store::mark(st, &keys::stage_project(to, &project.id))?;
    project.stage = to;
    super::public_index::on_stage_change(st, project, from)?;
    if is_final(to) {
        project.closed_ms = Some(cx.now());
    }
    cx.history(
        st,
        &keys::project(&project.id),
        action,
        format!("{} → {}", stage_text(from), stage_text(to)),
    )?;
    cx.emit(Event::StageChanged {
        project: project.id.clone(),
        from,
        to,
    });
    Ok(())
}

pub(super) fn propose(st: &mut dyn State, cx: &mut Cx<'_>, p: &ProjectProposal) -> Rule<()> {
    perm::authorize(st, cx, Action::ProposeProject, &Bind::NONE)?;
    validate::id("project.id", &p.id)?;
    validate::name("project.name", &p.name)?;
    validate::name("project.category", &p.category)?;
    validate::name("project.location", &p.location)?;
    if let Some(programme) = &p.programme {
        validate::id("project.programme", programme)?;
    }
    validate::note("project.description", &p.description)?;
    if p.planned_start_ms >= p.planned_end_ms {
        return Err(Rejection::invalid(
            "project.planned_end_ms",
            "the planned end must be after the planned start",
        )
        .into());
    }
    if p.requested_budget_fen == 0 {
        return Err(Rejection::invalid("project.requested_budget_fen", "must be positive").into());
    }
    if store::exists(st, &keys::project(&p.id))? {
        return Err(Rejection::exists("project", p.id.clone()).into());
    }
    let actor = cx.actor().clone();
    let mut project = ProjectRecord {
        id: p.id.clone(),
        name: p.name.clone(),
        category: p.category.clone(),
        location: p.location.clone(),
        programme: p.programme.clone(),
        owner_department: actor.department().to_owned(),
        planned_start_ms: p.planned_start_ms,
        planned_end_ms: p.planned_end_ms,
        original_planned_end_ms: p.planned_end_ms,
        requested_budget_fen: p.requested_budget_fen,
        disclosure: p.disclosure,
        description: p.description.clone(),
        proposer: actor.key(),
        stage: ProjectStage::Proposed,
        resume_stage: None,
        suspended_by: None,
        stage_reason: String::new(),
        budget: None,
        contract: None,
        committed_fen: 0,
        approved_unpaid_fen: 0,
        disbursed_fen: 0,
        accepted_progress_bp: 0,
        reported_progress_bp: 0,
        progress_reports: 0,
        rectifications: 0,
        budget_alert_bp: 0,
        acceptance: None,
        evaluation: None,
        created_height: cx.block.height,
        created_ms: cx.now(),
        updated_ms: cx.now(),
        closed_ms: None,
    };
    store::mark(st, &keys::dept_project(actor.department(), &p.id))?;
    store::mark(st, &keys::stage_project(ProjectStage::Proposed, &p.id))?;
    if let Some(programme) = &p.programme {
        store::mark(st, &keys::programme_project(programme, &p.id))?;
    }
    super::public_index::on_propose(st, &project)?;
    save_project(st, cx, &mut project)?;
    cx.history(
        st,
        &keys::project(&p.id),
        "propose_project",
        format!(
            "proposed by {} with a requested budget of {}",
            actor.department(),
            crate::display::yuan(p.requested_budget_fen)
        ),
    )?;
    cx.emit(Event::RecordCreated {
        kind: RecordKind::Project,
        id: p.id.clone(),
        project: Some(p.id.clone()),
    });
    Ok(())
}

pub(super) fn approve(st: &mut dyn State, cx: &mut Cx<'_>, id: &str) -> Rule<()> {
    let mut project = load_live_project(st, id)?;
    perm::authorize(
        st,
        cx,
        Action::ApproveProject,
        &Bind::owner(&project.owner_department),
    )?;
    require_stage(&project, &[ProjectStage::Proposed], "approving it")?;
    set_stage(
        st,
        cx,
        &mut project,
        ProjectStage::Approved,
        "approve_project",
    )?;
    save_project(st, cx, &mut project)?;
    Ok(())
}

pub(super) fn start_implementation(st: &mut dyn State, cx: &mut Cx<'_>, id: &str) -> Rule<()> {
    let mut project = load_live_project(st, id)?;
    perm::authorize(
        st,
        cx,
        Action::StartImplementation,
        &Bind::owner(&project.owner_department),
    )?;
    require_stage(
        &project,
        &[ProjectStage::Contracted],
        "starting implementation",
    )?;
    set_stage(
        st,
        cx,
        &mut project,
        ProjectStage::InProgress,
        "start_implementation",
    )?;
    save_project(st, cx, &mut project)?;
    Ok(())
}

pub(super) fn close(st: &mut dyn State, cx: &mut Cx<'_>, id: &str) -> Rule<()> {
    let mut project = load_live_project(st, id)?;
    perm::authorize(
        st,
        cx,
        Action::CloseProject,
        &Bind::owner(&project.owner_department),
    )?;
    require_stage(&project, &[ProjectStage::Evaluated], "closing it")?;
    if project.approved_unpaid_fen > 0 {
        return Err(Rejection::WrongState {
            what: format!("project {id:?}"),
            state: format!(
                "owed {} in approved, unpaid disbursements",
                crate::display::yuan(project.approved_unpaid_fen)
            ),
            action: "closing it".into(),
            needed: "every approved disbursement paid".into(),
        }
        .into());
    }
    set_stage(st, cx, &mut project, ProjectStage::Closed, "close_project")?;
    save_project(st, cx, &mut project)?;
    Ok(())
}

pub(super) fn suspend(st: &mut dyn State, cx: &mut Cx<'_>, id: &str, reason: &str) -> Rule<()> {
    let mut project = load_live_project(st, id)?;
    perm::authorize(
        st,
        cx,
        Action::SuspendProject,
        &Bind::owner(&project.owner_department),
    )?;
    if project.stage == ProjectStage::Suspended {
        return Err(Rejection::WrongState {
            what: format!("project {id:?}"),
            state: "suspended".into(),
            action: "suspending it".into(),
            needed: "an open, not suspended project".into(),
        }
        .into());
    }
    validate::required_text("reason", reason)?;
    project.resume_stage = Some(project.stage);
    project.suspended_by = Some(cx.actor().department().to_owned());
    project.stage_reason = reason.to_owned();
    set_stage(
        st,
        cx,
        &mut project,
        ProjectStage::Suspended,
        "suspend_project",
    )?;
    save_project(st, cx, &mut project)?;
    Ok(())
}

pub(super) fn resume(st: &mut dyn State, cx: &mut Cx<'_>, id: &str) -> Rule<()> {
    let mut project = load_live_project(st, id)?;
    let (Some(to), Some(by)) = (project.resume_stage, project.suspended_by.clone()) else {
        return Err(Rejection::WrongState {
            what: format!("project {id:?}"),
            state: stage_text(project.stage).into(),
            action: "resuming it".into(),
            needed: "a suspended project".into(),
        }
        .into());
    };
    // Only the department that suspended a project may lift its own suspension: an inspection
    // stop is not the line department's to undo.
    perm::authorize(st, cx, Action::ResumeProject, &Bind::suspender(&by))?;
    project.resume_stage = None;
    project.suspended_by = None;
    set_stage(st, cx, &mut project, to, "resume_project")?;
    save_project(st, cx, &mut project)?;
    Ok(())
}

pub(super) fn cancel(st: &mut dyn State, cx: &mut Cx<'_>, id: &str, reason: &str) -> Rule<()> {
    let mut project = load_live_project(st, id)?;
    perm::authorize(
        st,
        cx,
        Action::CancelProject,
        &Bind::owner(&project.owner_department),
    )?;
    validate::required_text("reason", reason)?;
    project.stage_reason = reason.to_owned();
    project.resume_stage = None;
    project.suspended_by = None;
    set_stage(
        st,
        cx,
        &mut project,
        ProjectStage::Cancelled,
        "cancel_project",
    )?;
    save_project(st, cx, &mut project)?;
    Ok(())
}
