//! Progress, acceptance and evaluation: line specialists report progress, the line director
//! accepts or rejects each report (separation of duties: the one who claims is not the one who
//! accepts), accepted progress unlocks payment milestones, and at 100 % the project goes to
//! acceptance (验收) and then post-evaluation (后评价) by finance, audit or planning.

use gongxin_core::model::{AcceptanceRecord, Evaluation, FULL_BP, ProgressReport, ProjectStage};

use super::Cx;
use super::perm::{self, Action, Bind};
use super::projects::{load_live_project, require_stage, save_project, set_stage};
use crate::display::percent_bp;
use crate::events::{Event, RecordKind};
use crate::keys;
use crate::limits::{COMMITTEE_MAX, PROGRESS_REPORTS_PER_PROJECT_MAX, SCORES_MAX};
use crate::records::{
    AcceptanceState, ContractState, EvaluationState, ProgressRecord, ReviewStatus,
};
use crate::rejection::Rejection;
use crate::state::State;
use crate::store::{self, Rule};
use crate::validate;

pub(super) fn report(st: &mut dyn State, cx: &mut Cx<'_>, r: &ProgressReport) -> Rule<()> {
    let mut project = load_live_project(st, &r.project)?;
    perm::authorize(
        st,
        cx,
        Action::ReportProgress,
        &Bind::owner(&project.owner_department),
    )?;
    require_stage(&project, &[ProjectStage::InProgress], "reporting progress")?;
    validate::id("report.id", &r.id)?;
    validate::note("note", &r.note)?;
    if store::exists(st, &keys::progress(&r.id))? {
        return Err(Rejection::exists("progress report", r.id.clone()).into());
    }
    if project.progress_reports as usize >= PROGRESS_REPORTS_PER_PROJECT_MAX {
        return Err(Rejection::limit(
            "progress reports per project",
            PROGRESS_REPORTS_PER_PROJECT_MAX,
        )
        .into());
    }
    validate::share("percent_bp", r.percent_bp)?;
    if r.percent_bp < project.accepted_progress_bp {
        return Err(Rejection::invalid(
            "percent_bp",
            format!(
                "progress is cumulative: {} is below the {} already accepted",
                percent_bp(r.percent_bp),
                percent_bp(project.accepted_progress_bp)
            ),
        )
        .into());
    }
    if let Some(m) = r.milestone {
        let contract_id = project.contract.clone().unwrap_or_default();
        let contract: ContractState =
            store::load(st, &keys::contract(&contract_id), "contract", &contract_id)?;
        let Some(milestone) = contract.milestones.get(usize::from(m)) else {
            return Err(Rejection::invalid(
                "milestone",
                format!(
                    "contract {:?} has {} milestones",
                    contract.id,
                    contract.milestones.len()
                ),
            )
            .into());
        };
        if r.percent_bp < milestone.milestone.progress_bp {
            return Err(Rejection::invalid(
                "percent_bp",
                format!(
                    "milestone {:?} needs {} progress, the report claims {}",
                    milestone.milestone.name,
                    percent_bp(milestone.milestone.progress_bp),
                    percent_bp(r.percent_bp)
                ),
            )
            .into());
        }
    }
    let record = ProgressRecord {
        report: r.clone(),
        reporter: cx.actor().key(),
        submitted_ms: cx.now(),
        status: ReviewStatus::Submitted,
        reviewer: None,
        reviewed_ms: None,
        review_note: String::new(),
        disclosure: project.disclosure,
    };
    project.reported_progress_bp = r.percent_bp;
    project.progress_reports += 1;
    store::put(st, &keys::progress(&r.id), &record)?;
    store::mark(st, &keys::project_progress_report(&project.id, &r.id))?;
    cx.history(
        st,
        &keys::project(&project.id),
        "report_progress",
        format!("report {:?} claims {}", r.id, percent_bp(r.percent_bp)),
    )?;
    save_project(st, cx, &mut project)?;
    cx.emit(Event::RecordCreated {
        kind: RecordKind::ProgressReport,
        id: r.id.clone(),
        project: Some(project.id.clone()),
    });
    Ok(())
}

pub(super) fn review(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    id: &str,
    accepted: bool,
    note: &str,
) -> Rule<()> {
    let mut record: ProgressRecord = store::load(st, &keys::progress(id), "progress report", id)?;
    let mut project = load_live_project(st, &record.report.project)?;
    perm::authorize(
        st,
        cx,
        Action::ReviewProgress,
        &Bind::owner(&project.owner_department),
    )?;
    require_stage(&project, &[ProjectStage::InProgress], "reviewing progress")?;
    if record.status != ReviewStatus::Submitted {
        return Err(Rejection::WrongState {
            what: format!("progress report {id:?}"),
            state: "already reviewed".into(),
            action: "reviewing it".into(),
            needed: "a submitted report".into(),
        }
        .into());
    }
    validate::note("note", note)?;
    record.reviewer = Some(cx.actor().key());
    record.reviewed_ms = Some(cx.now());
    record.review_note = note.to_owned();
    if accepted {
        record.status = ReviewStatus::Accepted;
        let new_progress = project.accepted_progress_bp.max(record.report.percent_bp);
        project.accepted_progress_bp = new_progress;
        if let Some(contract_id) = project.contract.clone() {
            let mut contract: ContractState =
                store::load(st, &keys::contract(&contract_id), "contract", &contract_id)?;
            let mut reached = false;
            for m in contract.milestones.iter_mut() {
                if m.reached_ms.is_none() && m.milestone.progress_bp <= new_progress {
                    m.reached_ms = Some(cx.now());
                    reached = true;
                }
            }
            if reached {
                store::put(st, &keys::contract(&contract.id), &contract)?;
            }
        }
    } else {
        record.status = ReviewStatus::Rejected;
        project.reported_progress_bp = project.accepted_progress_bp;
    }
    store::put(st, &keys::progress(id), &record)?;
    cx.history(
        st,
        &keys::project(&project.id),
        "review_progress",
        format!(
            "report {id:?} ({}) {}; accepted progress {}",
            percent_bp(record.report.percent_bp),
            if accepted { "accepted" } else { "rejected" },
            percent_bp(project.accepted_progress_bp)
        ),
    )?;
    save_project(st, cx, &mut project)?;
    cx.emit(Event::RecordUpdated {
        kind: RecordKind::ProgressReport,
        id: id.to_owned(),
        project: Some(project.id.clone()),
        what: if accepted { "accepted" } else { "rejected" }.into(),
    });
    Ok(())
}

pub(super) fn request_acceptance(st: &mut dyn State, cx: &mut Cx<'_>, id: &str) -> Rule<()> {
    let mut project = load_live_project(st, id)?;
    perm::authorize(
        st,
        cx,
        Action::RequestAcceptance,
        &Bind::owner(&project.owner_department),
    )?;
    require_stage(
        &project,
        &[ProjectStage::InProgress],
        "requesting acceptance",
    )?;
    if project.accepted_progress_bp < FULL_BP {
        return Err(Rejection::WrongState {
            what: format!("project {id:?}"),
            state: format!(
                "{} complete (accepted)",
                percent_bp(project.accepted_progress_bp)
            ),
            action: "requesting acceptance".into(),
            needed: "100 % accepted progress".into(),
        }
        .into());
    }
    set_stage(
        st,
        cx,
        &mut project,
        ProjectStage::AcceptanceRequested,
        "request_acceptance",
    )?;
    save_project(st, cx, &mut project)?;
    Ok(())
}

pub(super) fn record_acceptance(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    a: &AcceptanceRecord,
) -> Rule<()> {
    let mut project = load_live_project(st, &a.project)?;
    perm::authorize(
        st,
        cx,
        Action::RecordAcceptance,
        &Bind::owner(&project.owner_department),
    )?;
    require_stage(
        &project,
        &[ProjectStage::AcceptanceRequested],
        "recording acceptance",
    )?;
    validate::list_len("committee", a.committee.len(), COMMITTEE_MAX, false)?;
    for name in &a.committee {
        validate::name("committee", name)?;
    }
    validate::note("note", &a.note)?;
    let attempts = project.acceptance.as_ref().map_or(0, |s| s.attempts) + 1;
    project.acceptance = Some(AcceptanceState {
        record: a.clone(),
        recorded_by: cx.actor().key(),
        recorded_ms: cx.now(),
        attempts,
    });
    // A failed acceptance sends the project back to work; it may ask again when fixed.
    let to = if a.passed {
        ProjectStage::Accepted
    } else {
        ProjectStage::InProgress
    };
    cx.history(
        st,
        &keys::project(&project.id),
        "record_acceptance",
        format!(
            "acceptance {} by a committee of {}",
            if a.passed { "passed" } else { "failed" },
            a.committee.len()
        ),
    )?;
    set_stage(st, cx, &mut project, to, "record_acceptance")?;
    save_project(st, cx, &mut project)?;
    Ok(())
}

pub(super) fn record_evaluation(st: &mut dyn State, cx: &mut Cx<'_>, e: &Evaluation) -> Rule<()> {
    let mut project = load_live_project(st, &e.project)?;
    perm::authorize(st, cx, Action::RecordEvaluation, &Bind::NONE)?;
    require_stage(&project, &[ProjectStage::Accepted], "evaluating it")?;
    validate::list_len("scores", e.scores.len(), SCORES_MAX, false)?;
    let mut sum = 0u32;
    for (i, s) in e.scores.iter().enumerate() {
        validate::name("scores.criterion", &s.criterion)?;
        validate::share("scores.score_bp", s.score_bp)?;
        if e.scores[..i].iter().any(|o| o.criterion == s.criterion) {
            return Err(Rejection::invalid(
                "scores.criterion",
                format!("{:?} appears twice", s.criterion),
            )
            .into());
        }
        sum += u32::from(s.score_bp);
    }
    validate::note("summary", &e.summary)?;
    let overall = (sum / e.scores.len() as u32) as u16;
    project.evaluation = Some(EvaluationState {
        scores: e.scores.clone(),
        overall_bp: overall,
        document_hash: e.document_hash,
        summary: e.summary.clone(),
        evaluator: cx.actor().key(),
        evaluating_department: cx.actor().department().to_owned(),
        recorded_ms: cx.now(),
    });
    cx.history(
        st,
        &keys::project(&project.id),
        "record_evaluation",
        format!("post-evaluation overall {}", percent_bp(overall)),
    )?;
    set_stage(
        st,
        cx,
        &mut project,
        ProjectStage::Evaluated,
        "record_evaluation",
    )?;
    save_project(st, cx, &mut project)?;
    Ok(())
}
