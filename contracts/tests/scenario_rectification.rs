//! Seed case 2: a provincial environmental-inspection rectification ledger. Each measure has an
//! owner, a deadline and an acceptance standard; overdue measures raise reminders to the
//! responsible person and their director, weekly, until the department answers; the loop
//! closes only when inspection verifies the evidence.

use gongxin_contracts::events::{AlertKind, Event};
use gongxin_contracts::health::Quarter;
use gongxin_contracts::queries::{self, RectificationFilter};
use gongxin_contracts::records::RectStatus;
use gongxin_contracts::testkit::*;
use gongxin_core::Hash;
use gongxin_core::crypto::PublicKey;
use gongxin_core::model::Role::{Auditor, Director, SectionChief, Specialist};
use gongxin_core::model::*;

/// ¥ → fen.
const fn yuan(y: u64) -> u64 {
    y * 100
}

const TASKS: u32 = 30;

/// How each measure goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Evidence before the deadline, verified.
    OnTime,
    /// Evidence before the deadline, rejected, fixed and verified after it.
    ReopenedLate,
    /// Ignored for three weeks past the deadline, then answered and verified.
    Ignored,
}

fn fate(n: u32) -> Fate {
    match n % 3 {
        0 => Fate::OnTime,
        1 => Fate::ReopenedLate,
        _ => Fate::Ignored,
    }
}

fn task_id(n: u32) -> String {
    format!("HB-2026-{n:03}")
}

/// Deadlines 20 to 48 days out, so tasks fall due on different days.
fn deadline_days(n: u32) -> u64 {
    20 + u64::from(n % 8) * 4
}

#[test]
fn an_environmental_rectification_ledger_closes_its_loop() {
    let mut h = Harness::new();
    let start = h.ctx.time_ms;

    // The ecology bureau names five officers answerable for measures.
    let officers: Vec<PublicKey> = (1..=5)
        .map(|k| {
            let member = Member {
                name: format!("生态环境局 officer {k}"),
                department: ECOLOGY.into(),
                role: Specialist,
                public_key: member_key(ECOLOGY, Specialist, k).public_key(),
            };
            h.ok(ECOLOGY, Director, Operation::AddMember(member));
            member_key(ECOLOGY, Specialist, k).public_key()
        })
        .collect();
    let officer_key = |n: u32| member_key(ECOLOGY, Specialist, n % 5 + 1);

    // An ecology project the first ten measures concern (the rest are department-wide).
    h.ok_approved(
        ECOLOGY,
        Specialist,
        Operation::ProposeProject(proposal(
            "ECO-RIVER",
            yuan(5_000_000),
            start,
            start + 200 * DAY_MS,
        )),
    );

    // The inspection report: thirty measures.
    for n in 0..TASKS {
        h.ok(
            AUDIT,
            Auditor,
            Operation::RaiseRectification(RectificationTask {
                id: task_id(n),
                project: (n < 10).then(|| "ECO-RIVER".to_owned()),
                title: format!("督察整改措施 {n}: river section {n} discharge"),
                finding: format!("outfall {n} exceeds COD limits"),
                responsible_department: ECOLOGY.into(),
                responsible_person: officers[(n % 5) as usize],
                deadline_ms: start + deadline_days(n) * DAY_MS,
                acceptance_standard: "COD below 50 mg/L in three consecutive monthly samples"
                    .into(),
                source_ref: "第二轮中央生态环境保护督察 反馈意见".into(),
            }),
        );
    }
    let open = queries::rectifications(
        &h.state,
        &RectificationFilter {
            status: Some(RectStatus::Open),
            ..Default::default()
        },
        None,
        100,
    )
    .unwrap();
    assert_eq!(open.items.len(), TASKS as usize);
    // The status index lists the earliest deadline first.
    assert!(
        open.items
            .windows(2)
            .all(|w| w[0].task.deadline_ms <= w[1].task.deadline_ms)
    );

    let submit = |h: &mut Harness, n: u32, note: &str| {
        let (_, a) = h.submit_key(
            &officer_key(n),
            Operation::SubmitRectification {
                task: task_id(n),
                evidence_hash: Hash::digest(format!("{n} {note}").as_bytes()),
                note: note.into(),
            },
        );
        assert!(a.is_applied(), "{:?}", a.outcome);
    };
    // Returns the events: reopening after the deadline reminds at once.
    let verify = |h: &mut Harness, n: u32, accepted: bool| -> Vec<Event> {
        h.ok(
            AUDIT,
            if accepted { SectionChief } else { Auditor },
            Operation::VerifyRectification {
                task: task_id(n),
                accepted,
                note: String::new(),
            },
        )
        .1
        .events
    };

    // Day by day for eleven weeks: officers answer before their deadlines (or not), inspection
    // verifies or reopens, the sweep reminds.
    let mut reminders: Vec<(String, u32, Option<PublicKey>, Option<PublicKey>)> = Vec::new();
    let mut collect = |events: Vec<Event>| {
        for event in events {
            if let Event::Alert(a) = event
                && let AlertKind::RectificationOverdue { task, reminder, .. } = a.kind
            {
                assert_eq!(a.responsible_department, ECOLOGY);
                reminders.push((task, reminder, a.responsible_person, a.director));
            }
        }
    };
    for day in 1..=75u64 {
        collect(h.next_block(DAY_MS));
        for n in 0..TASKS {
            let due = deadline_days(n);
            match fate(n) {
                Fate::OnTime if day == due - 5 => submit(&mut h, n, "sampling report"),
                Fate::OnTime if day == due - 2 => collect(verify(&mut h, n, true)),
                Fate::ReopenedLate if day == due - 3 => submit(&mut h, n, "partial"),
                Fate::ReopenedLate if day == due + 2 => collect(verify(&mut h, n, false)),
                Fate::ReopenedLate if day == due + 6 => submit(&mut h, n, "complete"),
                Fate::ReopenedLate if day == due + 8 => collect(verify(&mut h, n, true)),
                Fate::Ignored if day == due + 21 => submit(&mut h, n, "at last"),
                Fate::Ignored if day == due + 23 => collect(verify(&mut h, n, true)),
                _ => {}
            }
        }
        // Mid-way, the overdue list is exactly the ignored and reopened measures past due.
        if day == 45 {
            let overdue = queries::rectifications(
                &h.state,
                &RectificationFilter {
                    department: Some(ECOLOGY.into()),
                    overdue_at: Some(h.ctx.time_ms),
                    ..Default::default()
                },
                None,
                100,
            )
            .unwrap();
            for t in &overdue.items {
                let n: u32 = t.task.id[8..].parse().unwrap();
                assert_ne!(fate(n), Fate::OnTime, "{}", t.task.id);
            }
            assert!(!overdue.items.is_empty());
        }
    }

    // Reminders: every ignored measure got its first at the deadline and then weekly (three in
    // 21 days), each addressed to its officer and the ecology director; reopened ones one each.
    let director = h.city.public(ECOLOGY, Director);
    for n in 0..TASKS {
        let mine: Vec<_> = reminders.iter().filter(|r| r.0 == task_id(n)).collect();
        let expected = match fate(n) {
            Fate::OnTime => 0,
            Fate::ReopenedLate => 1,
            Fate::Ignored => 3,
        };
        assert_eq!(mine.len(), expected, "{}: {mine:?}", task_id(n));
        for (k, r) in mine.iter().enumerate() {
            assert_eq!(r.1, k as u32 + 1);
            assert_eq!(r.2, Some(officers[(n % 5) as usize]));
            assert_eq!(r.3, Some(director));
        }
    }
    // The director's inbox has them all.
    let overdue_only = queries::AlertFilter {
        kinds: vec!["rectification_overdue".into()],
        ..Default::default()
    };
    let inbox = queries::department_alerts(&h.state, ECOLOGY, &overdue_only, None, 500).unwrap();
    assert_eq!(inbox.items.len(), reminders.len());

    // The loop is closed: every measure verified, none open, none overdue.
    for status in [
        RectStatus::Open,
        RectStatus::Submitted,
        RectStatus::Reopened,
    ] {
        let left = queries::rectifications(
            &h.state,
            &RectificationFilter {
                status: Some(status),
                ..Default::default()
            },
            None,
            100,
        )
        .unwrap();
        assert!(left.items.is_empty(), "{status:?}: {:?}", left.items);
    }
    let all =
        queries::rectifications(&h.state, &RectificationFilter::default(), None, 100).unwrap();
    assert_eq!(all.items.len(), TASKS as usize);
    for t in &all.items {
        let n: u32 = t.task.id[8..].parse().unwrap();
        assert_eq!(t.status, RectStatus::Verified);
        assert_eq!(t.on_time(), fate(n) == Fate::OnTime, "{}", t.task.id);
        assert_eq!(t.overdue, fate(n) != Fate::OnTime, "{}", t.task.id);
    }
    // Nothing more is sent once the loop is closed.
    assert!(
        h.advance_days(30)
            .iter()
            .all(|e| !matches!(e, Event::Alert(_)))
    );

    // The project's health shows the rectification compliance of its ten measures.
    let health = queries::health(
        &h.state,
        "ECO-RIVER",
        Quarter::of(start + 75 * DAY_MS),
        h.ctx.time_ms,
    )
    .unwrap()
    .unwrap();
    let on_time = (0..10).filter(|n| fate(*n) == Fate::OnTime).count() as u32;
    assert_eq!(health.rectification.due, 10);
    assert_eq!(health.rectification.closed_on_time, on_time);
    assert_eq!(
        u32::from(health.rectification.score_bp),
        on_time * 10_000 / 10
    );
    // Findings never reach the public view.
    let public = gongxin_contracts::disclosure::public_view(&all.items[0]).unwrap();
    assert!(!public.to_string().contains("COD limits"));
    assert!(public.to_string().contains("river section"));
}
