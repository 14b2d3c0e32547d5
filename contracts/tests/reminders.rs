//! Reminders before and after deadlines (due soon, overdue, escalated), the policy that sets
//! their thresholds, and acknowledgements — at exact block times, and as a property over random
//! deadlines and block spacings: each reminder fires once per interval, never before its
//! threshold, and no later than the first block after it.

use gongxin_contracts::events::{Alert, AlertKind, Event};
use gongxin_contracts::queries::{self, AlertFilter, AlertState};
use gongxin_contracts::testkit::*;
use gongxin_core::Hash;
use gongxin_core::model::Role::{Auditor, Director, SectionChief, Specialist};
use gongxin_core::model::*;
use proptest::prelude::*;

const HOUR_MS: u64 = 60 * 60 * 1000;

fn bare() -> Harness {
    Harness::with_city(City::with_policies(Vec::new()))
}

fn task(h: &Harness, id: &str, deadline_ms: u64) -> RectificationTask {
    RectificationTask {
        id: id.into(),
        project: None,
        title: format!("整改 {id}"),
        finding: "dust control missing at the site".into(),
        responsible_department: ECOLOGY.into(),
        responsible_person: h.city.public(ECOLOGY, Specialist),
        deadline_ms,
        acceptance_standard: "PM10 below 80 µg/m³ for 30 days".into(),
        source_ref: "督察报告 2026-01".into(),
    }
}

fn alerts(events: &[Event]) -> Vec<Alert> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Alert(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

fn codes(events: &[Event]) -> Vec<&'static str> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Alert(a) => Some(a.kind.code()),
            _ => None,
        })
        .collect()
}

/// Passes a governance change with three of the four directors.
fn govern(h: &mut Harness, id: &str, change: GovernanceChange) {
    h.ok(
        FINANCE,
        Director,
        Operation::ProposeGovernance {
            id: id.into(),
            change,
            note: String::new(),
        },
    );
    for dept in [AUDIT, TRANSPORT] {
        h.ok(
            dept,
            Director,
            Operation::VoteGovernance {
                id: id.into(),
                approve: true,
            },
        );
    }
}

#[test]
fn an_ignored_task_is_due_soon_then_overdue_weekly_then_escalated_once_to_its_raiser() {
    let mut h = bare();
    let deadline = h.ctx.time_ms + 10 * DAY_MS;
    h.ok(
        AUDIT,
        Auditor,
        Operation::RaiseRectification(task(&h, "T-1", deadline)),
    );

    let mut timeline: Vec<(u64, &'static str)> = Vec::new();
    for _ in 0..45 {
        let events = h.next_block(DAY_MS);
        for code in codes(&events) {
            timeline.push(((h.ctx.time_ms - (deadline - 10 * DAY_MS)) / DAY_MS, code));
        }
    }
    // With a block a day, each reminder comes with the first block strictly past its time:
    // day 8 is the first past "3 days before"; day 11 the first past the deadline; then the
    // first past each reminder plus a week; day 41 the first past 30 days overdue.
    assert_eq!(
        timeline,
        vec![
            (8, "rectification_due_soon"),
            (11, "rectification_overdue"),
            (19, "rectification_overdue"),
            (27, "rectification_overdue"),
            (35, "rectification_overdue"),
            (41, "rectification_escalated"),
            (43, "rectification_overdue"),
        ]
    );

    // The escalation goes to the audit department that raised the task and to its director;
    // the ecology department and its director still see it.
    let escalated = queries::department_alerts(
        &h.state,
        AUDIT,
        &AlertFilter {
            kinds: vec!["rectification_escalated".into()],
            ..Default::default()
        },
        None,
        10,
    )
    .unwrap();
    assert_eq!(escalated.items.len(), 1);
    let view = &escalated.items[0];
    assert_eq!(view.alert.escalated_to.as_deref(), Some(AUDIT));
    assert_eq!(view.alert.responsible_department, ECOLOGY);
    assert!(matches!(
        view.alert.kind,
        AlertKind::RectificationEscalated {
            days_overdue: 31,
            ..
        }
    ));
    let audit_director = h.city.public(AUDIT, Director);
    let mine = queries::person_alerts(&h.state, &audit_director, &AlertFilter::default(), None, 50)
        .unwrap();
    assert_eq!(
        mine.items.len(),
        1,
        "the audit director hears of escalations only"
    );
    let ecology_director = h.city.public(ECOLOGY, Director);
    let theirs = queries::person_alerts(
        &h.state,
        &ecology_director,
        &AlertFilter::default(),
        None,
        50,
    )
    .unwrap();
    assert_eq!(
        theirs.items.len(),
        7,
        "the director gets every reminder of the task"
    );
    let record: gongxin_contracts::records::RectificationRecord =
        gongxin_contracts::store::get(&h.state, &gongxin_contracts::keys::rectification("T-1"))
            .unwrap()
            .unwrap();
    assert_eq!(record.escalated_ms, Some(view.alert.time_ms));

    // Ecology's specialist acknowledges the escalation: it is still open for audit, whose list
    // counts only its own people's acknowledgements.
    h.ok(
        ECOLOGY,
        Specialist,
        Operation::AcknowledgeAlert {
            alert: view.digest,
            note: String::new(),
        },
    );
    let open_for = |h: &Harness, dept: &str| {
        queries::department_alerts(
            &h.state,
            dept,
            &AlertFilter {
                kinds: vec!["rectification_escalated".into()],
                state: Some(AlertState::Open),
                ..Default::default()
            },
            None,
            10,
        )
        .unwrap()
        .items
        .len()
    };
    assert_eq!((open_for(&h, AUDIT), open_for(&h, ECOLOGY)), (1, 0));
    h.ok(
        AUDIT,
        Director,
        Operation::AcknowledgeAlert {
            alert: view.digest,
            note: "已督办".into(),
        },
    );
    assert_eq!(open_for(&h, AUDIT), 0);
}

#[test]
fn a_task_submitted_in_time_gets_only_its_due_soon_and_a_reopened_late_one_escalates_once() {
    let mut h = bare();
    let start = h.ctx.time_ms;
    h.ok(
        AUDIT,
        Auditor,
        Operation::RaiseRectification(task(&h, "T-1", start + 10 * DAY_MS)),
    );
    let submit = Operation::SubmitRectification {
        task: "T-1".into(),
        evidence_hash: Hash::digest(b"report"),
        note: String::new(),
    };
    assert_eq!(codes(&h.advance_days(9)), vec!["rectification_due_soon"]);
    h.ok(ECOLOGY, Specialist, submit.clone());
    assert!(
        codes(&h.advance_days(60)).is_empty(),
        "submitted: nothing more"
    );

    // Reopened 70 days after its deadline: overdue at once, and escalated at the next block
    // (its escalation time has long passed) — once.
    let (_, reopened) = h.ok(
        AUDIT,
        Auditor,
        Operation::VerifyRectification {
            task: "T-1".into(),
            accepted: false,
            note: "evidence incomplete".into(),
        },
    );
    assert_eq!(codes(&reopened.events), vec!["rectification_overdue"]);
    assert_eq!(
        codes(&h.next_block(BLOCK_MS)),
        vec!["rectification_escalated"]
    );
    h.ok(ECOLOGY, Specialist, submit);
    h.ok(
        AUDIT,
        Auditor,
        Operation::VerifyRectification {
            task: "T-1".into(),
            accepted: false,
            note: "still incomplete".into(),
        },
    );
    let later = codes(&h.advance_days(8));
    assert!(!later.contains(&"rectification_escalated"), "{later:?}");
}

#[test]
fn milestones_due_soon_are_reminded_unless_reached() {
    let mut h = bare();
    h.project_in_progress("P-1", 100_000_000, 100_000_000, 1);
    // Milestones at 30 %, 60 % and 100 %, due on days 30, 60, 90. Reach the first early.
    h.ok(
        TRANSPORT,
        Specialist,
        Operation::ReportProgress(ProgressReport {
            id: "R-1".into(),
            project: "P-1".into(),
            percent_bp: 3_000,
            milestone: None,
            evidence_hash: Hash::digest(b"R-1"),
            note: String::new(),
        }),
    );
    h.ok(
        TRANSPORT,
        Director,
        Operation::ReviewProgress {
            report: "R-1".into(),
            accepted: true,
            note: String::new(),
        },
    );
    let start = h.ctx.time_ms;
    let mut seen: Vec<(u64, &'static str, u16)> = Vec::new();
    for _ in 0..65 {
        for a in alerts(&h.next_block(DAY_MS)) {
            let index = match a.kind {
                AlertKind::MilestoneDueSoon { milestone, .. }
                | AlertKind::MilestoneOverdue { milestone, .. } => milestone,
                _ => continue,
            };
            seen.push((
                (h.ctx.time_ms - start).div_ceil(DAY_MS),
                a.kind.code(),
                index,
            ));
            assert_eq!(a.responsible_department, TRANSPORT);
            assert_eq!(a.director, Some(h.city.public(TRANSPORT, Director)));
        }
    }
    // Only milestone 1 (60 %, due day 60) is unreached in the window: due soon after day 57,
    // overdue after day 60.
    assert_eq!(
        seen.iter().map(|s| (s.1, s.2)).collect::<Vec<_>>(),
        vec![("milestone_due_soon", 1), ("milestone_overdue", 1)]
    );
    assert!(seen[0].0 <= 58 && seen[0].0 >= 57, "{seen:?}");
}

#[test]
fn governance_sets_the_thresholds_for_deadlines_scheduled_after_it() {
    let mut h = bare();
    let day = DAY_MS;
    govern(
        &mut h,
        "G-R",
        GovernanceChange::SetReminderPolicy(ReminderPolicy {
            due_soon_lead_ms: 7 * day,
            escalate_after_ms: 10 * day,
        }),
    );
    assert_eq!(
        queries::reminder_policy(&h.state).unwrap().due_soon_lead_ms,
        7 * day
    );
    let start = h.ctx.time_ms;
    h.ok(
        AUDIT,
        Auditor,
        Operation::RaiseRectification(task(&h, "T-1", start + 20 * day)),
    );
    let mut timeline = Vec::new();
    for _ in 0..32 {
        let events = h.next_block(day);
        for code in codes(&events) {
            timeline.push(((h.ctx.time_ms - start) / day, code));
        }
    }
    assert_eq!(
        timeline,
        vec![
            (14, "rectification_due_soon"),
            (21, "rectification_overdue"),
            (29, "rectification_overdue"),
            (31, "rectification_escalated"),
        ]
    );
    // Out-of-range thresholds are refused when proposed.
    let bad = Operation::ProposeGovernance {
        id: "G-bad".into(),
        change: GovernanceChange::SetReminderPolicy(ReminderPolicy {
            due_soon_lead_ms: 0,
            escalate_after_ms: 0,
        }),
        note: String::new(),
    };
    assert_eq!(h.reject(FINANCE, Director, bad), "invalid_field");
}

#[test]
fn the_people_an_alert_addresses_acknowledge_it_once_and_nobody_else_can() {
    let mut h = bare();
    let start = h.ctx.time_ms;
    h.ok(
        AUDIT,
        Auditor,
        Operation::RaiseRectification(task(&h, "T-1", start + 2 * DAY_MS)),
    );
    let soon = alerts(&h.next_block(BLOCK_MS));
    assert_eq!(
        soon.len(),
        1,
        "due within the lead: reminded at the next block"
    );
    let digest = soon[0].digest();
    let ack = |note: &str| Operation::AcknowledgeAlert {
        alert: digest,
        note: note.into(),
    };

    assert_eq!(
        h.reject(
            ECOLOGY,
            Specialist,
            Operation::AcknowledgeAlert {
                alert: Hash::digest(b"no such alert"),
                note: String::new(),
            }
        ),
        "not_found"
    );
    assert_eq!(h.reject(TRANSPORT, Director, ack("")), "wrong_department");
    let open = AlertFilter {
        state: Some(AlertState::Open),
        ..Default::default()
    };
    assert_eq!(
        queries::department_alerts(&h.state, ECOLOGY, &open, None, 10)
            .unwrap()
            .items
            .len(),
        1
    );

    let (tx, applied) = h.ok(ECOLOGY, Specialist, ack("已阅，明日提交"));
    assert!(applied.events.iter().any(|e| matches!(
        e,
        Event::AlertAcknowledged { alert, responsible_department, .. }
            if *alert == digest && responsible_department == ECOLOGY
    )));
    assert_eq!(
        h.reject(ECOLOGY, Specialist, ack("again")),
        "already_exists"
    );
    h.ok(ECOLOGY, Director, ack(""));
    h.ok(ECOLOGY, SectionChief, ack("section chief saw it too"));

    let view = queries::alert(&h.state, &digest).unwrap().unwrap();
    assert_eq!(view.acknowledgements.len(), 3);
    let officer = view
        .acknowledgements
        .iter()
        .find(|a| a.by == h.city.public(ECOLOGY, Specialist))
        .unwrap();
    assert_eq!(officer.tx, tx);
    assert_eq!(officer.note, "已阅，明日提交");
    assert_eq!(officer.time_ms, h.ctx.time_ms);
    assert!(
        queries::department_alerts(&h.state, ECOLOGY, &open, None, 10)
            .unwrap()
            .items
            .is_empty()
    );
    let acknowledged = AlertFilter {
        state: Some(AlertState::Acknowledged),
        kinds: vec!["rectification_due_soon".into()],
        ..Default::default()
    };
    assert_eq!(
        queries::person_alerts(
            &h.state,
            &h.city.public(ECOLOGY, Specialist),
            &acknowledged,
            None,
            10
        )
        .unwrap()
        .items
        .len(),
        1
    );
}

/// When each reminder of one task fired, from a run of blocks.
#[derive(Debug, Default)]
struct Fired {
    due_soon: Vec<u64>,
    overdue: Vec<u64>,
    escalated: Vec<u64>,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random deadlines (hours to weeks away) and block spacings (seconds to two days): each
    /// reminder fires at the first block strictly past its threshold, once per interval.
    #[test]
    fn each_reminder_fires_once_per_interval_and_never_before_its_threshold(
        deadline_hours in 1u64..(40 * 24),
        gaps in proptest::collection::vec(1u64..(48 * 60), 40..140),
    ) {
        let mut h = bare();
        let raised = h.ctx.time_ms;
        let deadline = raised + deadline_hours * HOUR_MS;
        h.ok(AUDIT, Auditor, Operation::RaiseRectification(task(&h, "T-1", deadline)));
        let policy = ReminderPolicy::default();
        let mut fired = Fired::default();
        let mut times = vec![h.ctx.time_ms];
        for gap_minutes in gaps {
            let events = h.next_block(gap_minutes * 60 * 1000);
            times.push(h.ctx.time_ms);
            for a in alerts(&events) {
                match a.kind {
                    AlertKind::RectificationDueSoon { .. } => fired.due_soon.push(a.time_ms),
                    AlertKind::RectificationOverdue { .. } => fired.overdue.push(a.time_ms),
                    AlertKind::RectificationEscalated { .. } => fired.escalated.push(a.time_ms),
                    _ => {}
                }
            }
        }
        // The first block strictly after `t`, if the run reached it.
        let first_after = |t: u64| times.iter().copied().find(|&b| b > t);

        let soon_at = deadline.saturating_sub(policy.due_soon_lead_ms).max(raised);
        prop_assert_eq!(&fired.due_soon, &first_after(soon_at).filter(|&b| b <= deadline).into_iter().collect::<Vec<_>>());

        // Overdue: first block past the deadline, then the first block past each previous
        // reminder plus a week.
        let mut expected = Vec::new();
        let mut next = deadline;
        while let Some(at) = first_after(next) {
            expected.push(at);
            next = at + 7 * DAY_MS;
        }
        prop_assert_eq!(&fired.overdue, &expected);

        let escalate_at = deadline + policy.escalate_after_ms;
        prop_assert_eq!(&fired.escalated, &first_after(escalate_at).into_iter().collect::<Vec<_>>());
    }
}

#[test]
fn a_deadline_is_reminded_of_once_even_when_a_task_is_reopened_inside_the_lead_time() {
    let mut h = bare();
    let start = h.ctx.time_ms;
    h.ok(
        AUDIT,
        Auditor,
        Operation::RaiseRectification(task(&h, "T-1", start + 10 * DAY_MS)),
    );
    assert_eq!(codes(&h.advance_days(8)), vec!["rectification_due_soon"]);
    h.ok(
        ECOLOGY,
        Specialist,
        Operation::SubmitRectification {
            task: "T-1".into(),
            evidence_hash: Hash::digest(b"report"),
            note: String::new(),
        },
    );
    // Reopened a day before its deadline: no second due-soon for the same deadline; the
    // overdue reminder still comes after it.
    h.ok(
        AUDIT,
        Auditor,
        Operation::VerifyRectification {
            task: "T-1".into(),
            accepted: false,
            note: "incomplete".into(),
        },
    );
    assert_eq!(codes(&h.advance_days(3)), vec!["rectification_overdue"]);
}
