//! Rectification (整改): audit or inspection raises a task with a responsible department and
//! person, a deadline and an acceptance standard; the responsible side submits evidence; the
//! raising department verifies it (closing the loop) or reopens it. Overdue tasks raise
//! reminders to the responsible person and their director (see [`super::sweep`]).
//!
//! A task about a closed project is allowed: audit often finds problems after closure. The task
//! is its own record; the closed project's records stay untouched.

use gongxin_core::Hash;
use gongxin_core::model::{Disclosure, RectificationTask};

use super::Cx;
use super::alerts;
use super::identity;
use super::perm::{self, Action, Bind};
use super::reminders;
use crate::events::{Event, RecordKind};
use crate::keys;
use crate::limits::RECTIFICATIONS_PER_PROJECT_MAX;
use crate::records::{ProjectRecord, RectStatus, RectificationRecord};
use crate::rejection::Rejection;
use crate::state::State;
use crate::store::{self, Rule};
use crate::validate;

pub(crate) fn load_task(st: &dyn State, id: &str) -> Rule<RectificationRecord> {
    store::load(st, &keys::rectification(id), "rectification task", id)
}

/// Moves a task to `to`, keeping the status index in step.
fn set_status(st: &mut dyn State, task: &mut RectificationRecord, to: RectStatus) -> Rule<()> {
    st.delete(&keys::rect_status(
        task.status,
        task.task.deadline_ms,
        &task.task.id,
    ))?;
    store::mark(
        st,
        &keys::rect_status(to, task.task.deadline_ms, &task.task.id),
    )?;
    task.status = to;
    Ok(())
}

pub(crate) fn save_task(st: &mut dyn State, task: &RectificationRecord) -> Rule<()> {
    Ok(store::put(st, &keys::rectification(&task.task.id), task)?)
}

pub(super) fn raise(st: &mut dyn State, cx: &mut Cx<'_>, t: &RectificationTask) -> Rule<()> {
    perm::authorize(st, cx, Action::RaiseRectification, &Bind::NONE)?;
    validate::id("task.id", &t.id)?;
    if store::exists(st, &keys::rectification(&t.id))? {
        return Err(Rejection::exists("rectification task", t.id.clone()).into());
    }
    validate::name("task.title", &t.title)?;
    validate::required_text("task.finding", &t.finding)?;
    validate::required_text("task.acceptance_standard", &t.acceptance_standard)?;
    validate::note("task.source_ref", &t.source_ref)?;
    let disclosure = match &t.project {
        Some(p) => {
            let project: ProjectRecord = store::load(st, &keys::project(p), "project", p)?;
            let existing = st.scan_prefix(
                &keys::project_rects(p),
                None,
                RECTIFICATIONS_PER_PROJECT_MAX,
            )?;
            if existing.len() >= RECTIFICATIONS_PER_PROJECT_MAX {
                return Err(Rejection::limit(
                    "rectification tasks per project",
                    RECTIFICATIONS_PER_PROJECT_MAX,
                )
                .into());
            }
            project.disclosure
        }
        None => Disclosure::Public,
    };
    if identity::department(st, &t.responsible_department)?.is_none() {
        return Err(Rejection::not_found("department", t.responsible_department.clone()).into());
    }
    let person = match identity::member(st, &t.responsible_person)? {
        Some(m) if m.department() == t.responsible_department => m.person,
        _ => {
            return Err(Rejection::invalid(
                "task.responsible_person",
                format!(
                    "{} is not a member of department {:?}",
                    t.responsible_person, t.responsible_department
                ),
            )
            .into());
        }
    };
    if t.deadline_ms <= cx.now() {
        return Err(
            Rejection::invalid("task.deadline_ms", "the deadline must be in the future").into(),
        );
    }
    let actor = cx.actor().clone();
    let record = RectificationRecord {
        task: t.clone(),
        responsible_person_id: person,
        raised_by: actor.key(),
        raising_department: actor.department().to_owned(),
        raised_ms: cx.now(),
        status: RectStatus::Open,
        submissions: 0,
        last_evidence: None,
        last_submitted_by: None,
        last_submitter_person: None,
        last_submitted_ms: None,
        last_submit_note: String::new(),
        verified_by: None,
        verified_ms: None,
        verified_submission_ms: None,
        last_verify_note: String::new(),
        overdue: false,
        reminders: 0,
        next_reminder_ms: Some(t.deadline_ms),
        escalated_ms: None,
        due_soon_sent_for: None,
        disclosure,
    };
    if let Some(p) = &t.project {
        store::mark(st, &keys::project_rect(p, &t.id))?;
    }
    store::mark(st, &keys::dept_rect(&t.responsible_department, &t.id))?;
    store::mark(
        st,
        &keys::rect_status(RectStatus::Open, t.deadline_ms, &t.id),
    )?;
    store::mark(st, &keys::deadline_rect(t.deadline_ms, &t.id))?;
    reminders::schedule_task_due_soon(st, cx.now(), &record)?;
    save_task(st, &record)?;
    cx.history(
        st,
        &keys::rectification(&t.id),
        "raise_rectification",
        format!(
            "raised by {} for {}, due {}",
            actor.department(),
            t.responsible_department,
            t.deadline_ms
        ),
    )?;
    cx.emit(Event::RecordCreated {
        kind: RecordKind::Rectification,
        id: t.id.clone(),
        project: t.project.clone(),
    });
    Ok(())
}

pub(super) fn submit(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    id: &str,
    evidence: &Hash,
    note: &str,
) -> Rule<()> {
    let mut task = load_task(st, id)?;
    let actor = cx.actor().clone();
    // The responsible person submits; their department's director or section chief may submit
    // for them (the department answers for the task as a whole).
    if actor.person != task.responsible_person_id {
        perm::authorize(
            st,
            cx,
            Action::SubmitRectification,
            &Bind::responsible(&task.task.responsible_department),
        )?;
    }
    if !task.status.awaits_submission() {
        return Err(Rejection::WrongState {
            what: format!("rectification task {id:?}"),
            state: task.status.name().into(),
            action: "submitting it".into(),
            needed: "an open or reopened task".into(),
        }
        .into());
    }
    validate::note("note", note)?;
    set_status(st, &mut task, RectStatus::Submitted)?;
    task.submissions += 1;
    task.last_evidence = Some(*evidence);
    task.last_submitted_by = Some(actor.key());
    task.last_submitter_person = Some(actor.person);
    task.last_submitted_ms = Some(cx.now());
    task.last_submit_note = note.to_owned();
    task.next_reminder_ms = None;
    save_task(st, &task)?;
    cx.history(
        st,
        &keys::rectification(id),
        "submit_rectification",
        format!(
            "submission {} with evidence {evidence}{}",
            task.submissions,
            if cx.now() > task.task.deadline_ms {
                " (after the deadline)"
            } else {
                ""
            }
        ),
    )?;
    cx.emit(Event::RecordUpdated {
        kind: RecordKind::Rectification,
        id: id.to_owned(),
        project: task.task.project.clone(),
        what: "submitted".into(),
    });
    Ok(())
}

pub(super) fn verify(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    id: &str,
    accepted: bool,
    note: &str,
) -> Rule<()> {
    let mut task = load_task(st, id)?;
    perm::authorize(
        st,
        cx,
        Action::VerifyRectification,
        &Bind::raiser(&task.raising_department),
    )?;
    if task.status != RectStatus::Submitted {
        return Err(Rejection::WrongState {
            what: format!("rectification task {id:?}"),
            state: task.status.name().into(),
            action: "verifying it".into(),
            needed: "a submitted task".into(),
        }
        .into());
    }
    let actor = cx.actor().clone();
    if task.last_submitter_person == Some(actor.person) {
        return Err(Rejection::NotPermitted {
            reason: "the person who submitted a rectification cannot verify it".into(),
        }
        .into());
    }
    validate::note("note", note)?;
    task.last_verify_note = note.to_owned();
    if accepted {
        set_status(st, &mut task, RectStatus::Verified)?;
        task.verified_by = Some(actor.key());
        task.verified_ms = Some(cx.now());
        task.verified_submission_ms = task.last_submitted_ms;
        task.next_reminder_ms = None;
    } else {
        set_status(st, &mut task, RectStatus::Reopened)?;
        if cx.now() > task.task.deadline_ms {
            // Reopened after its deadline: it is overdue from this moment.
            alerts::rectification_overdue(st, cx, &mut task)?;
        } else {
            task.next_reminder_ms = Some(task.task.deadline_ms);
            store::mark(st, &keys::deadline_rect(task.task.deadline_ms, id))?;
            reminders::schedule_task_due_soon(st, cx.now(), &task)?;
        }
    }
    save_task(st, &task)?;
    cx.history(
        st,
        &keys::rectification(id),
        "verify_rectification",
        if accepted { "verified" } else { "reopened" },
    )?;
    cx.emit(Event::RecordUpdated {
        kind: RecordKind::Rectification,
        id: id.to_owned(),
        project: task.task.project.clone(),
        what: if accepted { "verified" } else { "reopened" }.into(),
    });
    Ok(())
}
