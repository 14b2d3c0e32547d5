//! The health score of a project for a quarter: integer basis points, with every component and
//! the figures behind it kept, so anyone can see why a project scores what it does.
//!
//! | component | weight | score (10 000 = healthy) |
//! |-----------|--------|--------------------------|
//! | schedule variance | 35 % | 10 000 − how far accepted progress is behind the straight line from planned start to (current) planned end, in bp |
//! | cost variance | 30 % | 10 000 − (contract growth through change orders, bp of the original amount) − (payments beyond accepted work plus the advance, bp of the contract) |
//! | overdue items | 15 % | 10 000 − 2 000 per overdue milestone or overdue rectification task |
//! | rectification compliance | 20 % | share of the project's tasks due by then that were closed on time (10 000 when none was due) |
//!
//! Each score is clamped to 0..=10 000; the total is Σ score × weight / 10 000, rounded down.
//! Schedule keeps the larger weight because slipping schedules are the commonest failure of
//! public works; rectification compliance outweighs raw overdue counts because closing the loop
//! is what inspection asks for.
//!
//! The score is computed **as of** the end of the quarter (or now, for the current quarter) from
//! the records' own timestamps: progress accepted by then, payments made by then, change orders
//! executed by then, tasks verified by then. It is a pure function of the state, so every node
//! and the gateway compute the same figure and nothing has to be stored per quarter. (Milestone
//! due dates are taken as they are now, after any schedule changes.)
//!
//! Quarters are calendar quarters in China Standard Time (UTC+8).

use gongxin_core::model::{BasisPoints, FULL_BP, Fen, TimestampMs};
use serde::{Deserialize, Serialize};

use crate::display::{percent, percent_bp, yuan};
use crate::keys;
use crate::limits::{
    CHANGE_ORDERS_PER_CONTRACT_MAX, DAY_MS, DISBURSEMENTS_PER_CONTRACT_MAX,
    PROGRESS_REPORTS_PER_PROJECT_MAX, RECTIFICATIONS_PER_PROJECT_MAX,
};
use crate::records::{
    ChangeRecord, ContractState, DisbursementRecord, ProgressRecord, ProjectRecord,
    RectificationRecord, ReviewStatus,
};
use crate::state::{State, StorageError};
use crate::store;

pub const SCHEDULE_WEIGHT_BP: u16 = 3_500;
pub const COST_WEIGHT_BP: u16 = 3_000;
pub const OVERDUE_WEIGHT_BP: u16 = 1_500;
pub const RECTIFICATION_WEIGHT_BP: u16 = 2_000;
/// Points (bp) an overdue item costs.
pub const OVERDUE_ITEM_PENALTY_BP: u64 = 2_000;

/// China Standard Time is UTC+8 all year.
const CST_OFFSET_MS: u64 = 8 * 60 * 60 * 1000;

/// A calendar quarter in China Standard Time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Quarter {
    pub year: u16,
    /// 1–4.
    pub quarter: u8,
}

use gongxin_core::calendar::days_from_civil;

/// The civil (year, month) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32) {
    let (year, month, _) = gongxin_core::calendar::civil_from_days(days);
    (year, month)
}

impl Quarter {
    /// The quarter a moment falls in.
    pub fn of(time_ms: TimestampMs) -> Quarter {
        let days = (time_ms.saturating_add(CST_OFFSET_MS) / DAY_MS) as i64;
        let (year, month) = civil_from_days(days);
        Quarter {
            year: year.clamp(0, i64::from(u16::MAX)) as u16,
            quarter: ((month - 1) / 3 + 1) as u8,
        }
    }

    /// The first millisecond of the quarter.
    pub fn start_ms(self) -> TimestampMs {
        let month = u32::from(self.quarter.clamp(1, 4) - 1) * 3 + 1;
        let days = days_from_civil(i64::from(self.year), month, 1);
        (days.max(0) as u64 * DAY_MS).saturating_sub(CST_OFFSET_MS)
    }

    /// The first millisecond after the quarter.
    pub fn end_ms(self) -> TimestampMs {
        self.next().start_ms()
    }

    pub fn next(self) -> Quarter {
        if self.quarter >= 4 {
            Quarter {
                year: self.year.saturating_add(1),
                quarter: 1,
            }
        } else {
            Quarter {
                year: self.year,
                quarter: self.quarter + 1,
            }
        }
    }

    /// `2026Q1`.
    pub fn label(self) -> String {
        format!("{}Q{}", self.year, self.quarter)
    }

    /// Parses `2026Q1`.
    pub fn parse(text: &str) -> Option<Quarter> {
        let (year, quarter) = text.split_once('Q')?;
        let year: u16 = year.parse().ok()?;
        let quarter: u8 = quarter.parse().ok()?;
        // Quarters before the Unix epoch or absurdly far ahead name no ledger time.
        ((1..=4).contains(&quarter) && (1970..=9999).contains(&year))
            .then_some(Quarter { year, quarter })
    }
}

/// How accepted progress compares with the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleComponent {
    pub planned_start_ms: TimestampMs,
    pub planned_end_ms: TimestampMs,
    /// Where a straight line from start to end says the project should be.
    pub expected_progress_bp: BasisPoints,
    pub accepted_progress_bp: BasisPoints,
    /// accepted − expected (negative = behind).
    pub variance_bp: i32,
    pub score_bp: BasisPoints,
    pub weight_bp: BasisPoints,
    pub explanation: String,
}

/// How money compares with the contract and the work accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostComponent {
    pub original_contract_fen: Fen,
    pub contract_fen: Fen,
    /// Growth of the contract through change orders, bp of the original.
    pub growth_bp: u64,
    pub paid_fen: Fen,
    /// Accepted progress × contract amount.
    pub earned_fen: Fen,
    pub advance_fen: Fen,
    /// Payments beyond earned value plus advance.
    pub ahead_fen: Fen,
    pub ahead_bp: u64,
    pub score_bp: BasisPoints,
    pub weight_bp: BasisPoints,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueComponent {
    pub overdue_milestones: u32,
    pub overdue_rectifications: u32,
    pub score_bp: BasisPoints,
    pub weight_bp: BasisPoints,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationComponent {
    /// Tasks about the project whose deadline had come.
    pub due: u32,
    /// Of those, verified on time.
    pub closed_on_time: u32,
    pub score_bp: BasisPoints,
    pub weight_bp: BasisPoints,
    pub explanation: String,
}

/// A project's health for a quarter, with its components.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthScore {
    pub project: String,
    pub quarter: Quarter,
    pub quarter_label: String,
    pub as_of_ms: TimestampMs,
    pub score_bp: BasisPoints,
    pub schedule: ScheduleComponent,
    pub cost: CostComponent,
    pub overdue: OverdueComponent,
    pub rectification: RectificationComponent,
}

fn clamp_score(penalty: u64) -> BasisPoints {
    (u64::from(FULL_BP) - penalty.min(u64::from(FULL_BP))) as BasisPoints
}

fn bp_of(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        0
    } else {
        (u128::from(part) * u128::from(FULL_BP) / u128::from(whole)) as u64
    }
}

/// Everything the score needs about one project, as of a moment.
struct Facts {
    accepted_progress_bp: BasisPoints,
    planned_end_ms: TimestampMs,
    contract: Option<ContractState>,
    contract_fen: Fen,
    paid_fen: Fen,
    tasks: Vec<RectificationRecord>,
}

fn facts(
    st: &dyn State,
    project: &ProjectRecord,
    as_of: TimestampMs,
) -> Result<Facts, StorageError> {
    let reports: Vec<ProgressRecord> = store::records_via(
        st,
        &keys::project_progress(&project.id),
        PROGRESS_REPORTS_PER_PROJECT_MAX,
        keys::progress,
    )?;
    let mut accepted = reports
        .iter()
        .filter(|r| r.status == ReviewStatus::Accepted && r.reviewed_ms.is_some_and(|t| t <= as_of))
        .map(|r| r.report.percent_bp)
        .max()
        .unwrap_or(0);
    // Passing acceptance means all the work was accepted, whatever the last report said.
    if project
        .acceptance
        .as_ref()
        .is_some_and(|a| a.record.passed && a.recorded_ms <= as_of)
    {
        accepted = FULL_BP;
    }
    let mut planned_end = project.original_planned_end_ms;
    let mut contract_fen = 0;
    let mut paid = 0u64;
    let contract = match &project.contract {
        Some(id) => store::get::<ContractState>(st, &keys::contract(id))?,
        None => None,
    };
    if let Some(c) = contract.as_ref().filter(|c| c.signed_ms <= as_of) {
        contract_fen = c.original_amount_fen;
        let changes: Vec<ChangeRecord> = store::records_via(
            st,
            &keys::contract_changes(&c.id),
            CHANGE_ORDERS_PER_CONTRACT_MAX,
            keys::change,
        )?;
        for ch in changes.iter().filter(|ch| ch.executed_ms <= as_of) {
            contract_fen = contract_fen.saturating_add_signed(ch.order.amount_delta_fen);
            let shift = i64::from(ch.order.schedule_delta_days).saturating_mul(DAY_MS as i64);
            planned_end = planned_end.saturating_add_signed(shift);
        }
        let disbursements: Vec<DisbursementRecord> = store::records_via(
            st,
            &keys::contract_disbursements(&c.id),
            DISBURSEMENTS_PER_CONTRACT_MAX,
            keys::disbursement,
        )?;
        for d in disbursements
            .iter()
            .filter(|d| d.paid_ms.is_some_and(|t| t <= as_of))
        {
            paid = paid.saturating_add(d.request.amount_fen);
        }
    }
    let tasks: Vec<RectificationRecord> = store::records_via::<RectificationRecord>(
        st,
        &keys::project_rects(&project.id),
        RECTIFICATIONS_PER_PROJECT_MAX,
        keys::rectification,
    )?
    .into_iter()
    .filter(|t| t.raised_ms <= as_of)
    .collect();
    Ok(Facts {
        accepted_progress_bp: accepted,
        planned_end_ms: planned_end,
        contract: contract.filter(|c| c.signed_ms <= as_of),
        contract_fen,
        paid_fen: paid,
        tasks,
    })
}

fn schedule(project: &ProjectRecord, f: &Facts, as_of: TimestampMs) -> ScheduleComponent {
    let start = project.planned_start_ms;
    let end = f.planned_end_ms.max(start + 1);
    let expected = if as_of <= start {
        0
    } else if as_of >= end {
        FULL_BP
    } else {
        bp_of(as_of - start, end - start) as BasisPoints
    };
    let behind = u64::from(expected.saturating_sub(f.accepted_progress_bp));
    let score = clamp_score(behind);
    let explanation = if behind == 0 {
        format!(
            "{} accepted, on or ahead of the {} planned by now",
            percent_bp(f.accepted_progress_bp),
            percent_bp(expected)
        )
    } else {
        format!(
            "{} accepted against {} planned by now: {} behind",
            percent_bp(f.accepted_progress_bp),
            percent_bp(expected),
            percent(behind)
        )
    };
    ScheduleComponent {
        planned_start_ms: start,
        planned_end_ms: f.planned_end_ms,
        expected_progress_bp: expected,
        accepted_progress_bp: f.accepted_progress_bp,
        variance_bp: i32::from(f.accepted_progress_bp) - i32::from(expected),
        score_bp: score,
        weight_bp: SCHEDULE_WEIGHT_BP,
        explanation,
    }
}

fn cost(f: &Facts) -> CostComponent {
    let Some(c) = &f.contract else {
        return CostComponent {
            original_contract_fen: 0,
            contract_fen: 0,
            growth_bp: 0,
            paid_fen: 0,
            earned_fen: 0,
            advance_fen: 0,
            ahead_fen: 0,
            ahead_bp: 0,
            score_bp: FULL_BP,
            weight_bp: COST_WEIGHT_BP,
            explanation: "no contract yet".into(),
        };
    };
    let original = c.original_amount_fen;
    let growth_bp = bp_of(f.contract_fen.saturating_sub(original), original);
    let earned = crate::engine::share_of(f.contract_fen, f.accepted_progress_bp);
    let advance = crate::engine::share_of(f.contract_fen, c.advance_share_bp);
    let ahead = f.paid_fen.saturating_sub(earned.saturating_add(advance));
    let ahead_bp = bp_of(ahead, f.contract_fen);
    let score = clamp_score(growth_bp.saturating_add(ahead_bp));
    let explanation = format!(
        "contract {} (originally {}, growth {}); paid {} against {} earned plus {} advance{}",
        yuan(f.contract_fen),
        yuan(original),
        percent(growth_bp),
        yuan(f.paid_fen),
        yuan(earned),
        yuan(advance),
        if ahead > 0 {
            format!(": {} paid ahead of accepted work", yuan(ahead))
        } else {
            String::new()
        }
    );
    CostComponent {
        original_contract_fen: original,
        contract_fen: f.contract_fen,
        growth_bp,
        paid_fen: f.paid_fen,
        earned_fen: earned,
        advance_fen: advance,
        ahead_fen: ahead,
        ahead_bp,
        score_bp: score,
        weight_bp: COST_WEIGHT_BP,
        explanation,
    }
}

/// Whether a task was still awaiting closure after its deadline at `as_of`.
fn task_overdue(t: &RectificationRecord, as_of: TimestampMs) -> bool {
    t.task.deadline_ms < as_of && t.verified_ms.is_none_or(|v| v > as_of)
}

fn overdue(f: &Facts, as_of: TimestampMs) -> OverdueComponent {
    let milestones = f.contract.as_ref().map_or(0, |c| {
        c.milestones
            .iter()
            .filter(|m| m.milestone.due_ms < as_of && m.reached_ms.is_none_or(|r| r > as_of))
            .count() as u32
    });
    let tasks = f.tasks.iter().filter(|t| task_overdue(t, as_of)).count() as u32;
    let count = u64::from(milestones) + u64::from(tasks);
    OverdueComponent {
        overdue_milestones: milestones,
        overdue_rectifications: tasks,
        score_bp: clamp_score(count.saturating_mul(OVERDUE_ITEM_PENALTY_BP)),
        weight_bp: OVERDUE_WEIGHT_BP,
        explanation: format!(
            "{milestones} overdue milestones, {tasks} overdue rectification tasks"
        ),
    }
}

fn rectification(f: &Facts, as_of: TimestampMs) -> RectificationComponent {
    let due: Vec<&RectificationRecord> = f
        .tasks
        .iter()
        .filter(|t| t.task.deadline_ms <= as_of)
        .collect();
    let on_time = due
        .iter()
        .filter(|t| t.on_time() && t.verified_ms.is_some_and(|v| v <= as_of))
        .count() as u32;
    let score = if due.is_empty() {
        FULL_BP
    } else {
        bp_of(u64::from(on_time), due.len() as u64) as BasisPoints
    };
    RectificationComponent {
        due: due.len() as u32,
        closed_on_time: on_time,
        score_bp: score,
        weight_bp: RECTIFICATION_WEIGHT_BP,
        explanation: if due.is_empty() {
            "no rectification task was due".into()
        } else {
            format!("{on_time} of {} tasks due were closed on time", due.len())
        },
    }
}

/// The health of `project` in `quarter`, as of the quarter's end or `now_ms`, whichever is
/// earlier; `None` if the project does not exist, did not exist yet, or the quarter has not
/// begun.
pub fn project_health<S: State>(
    state: &S,
    project: &str,
    quarter: Quarter,
    now_ms: TimestampMs,
) -> Result<Option<HealthScore>, StorageError> {
    let st: &dyn State = state;
    health_dyn(st, project, quarter, now_ms)
}

pub(crate) fn health_dyn(
    st: &dyn State,
    project: &str,
    quarter: Quarter,
    now_ms: TimestampMs,
) -> Result<Option<HealthScore>, StorageError> {
    if quarter.start_ms() > now_ms {
        return Ok(None);
    }
    let Some(p) = store::get::<ProjectRecord>(st, &keys::project(project))? else {
        return Ok(None);
    };
    let as_of = now_ms.min(quarter.end_ms().saturating_sub(1));
    if p.created_ms > as_of {
        return Ok(None);
    }
    let f = facts(st, &p, as_of)?;
    let schedule = schedule(&p, &f, as_of);
    let cost = cost(&f);
    let overdue = overdue(&f, as_of);
    let rectification = rectification(&f, as_of);
    let total: u64 = [
        (schedule.score_bp, schedule.weight_bp),
        (cost.score_bp, cost.weight_bp),
        (overdue.score_bp, overdue.weight_bp),
        (rectification.score_bp, rectification.weight_bp),
    ]
    .iter()
    .map(|(s, w)| u64::from(*s) * u64::from(*w))
    .sum::<u64>()
        / u64::from(FULL_BP);
    Ok(Some(HealthScore {
        project: p.id.clone(),
        quarter,
        quarter_label: quarter.label(),
        as_of_ms: as_of,
        score_bp: total as BasisPoints,
        schedule,
        cost,
        overdue,
        rectification,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_add_up_to_one() {
        assert_eq!(
            u32::from(SCHEDULE_WEIGHT_BP)
                + u32::from(COST_WEIGHT_BP)
                + u32::from(OVERDUE_WEIGHT_BP)
                + u32::from(RECTIFICATION_WEIGHT_BP),
            u32::from(FULL_BP)
        );
    }

    #[test]
    fn quarters_follow_china_standard_time() {
        // 2026-01-01T00:00:00+08:00 = 2025-12-31T16:00:00Z.
        let q1 = Quarter {
            year: 2026,
            quarter: 1,
        };
        assert_eq!(q1.start_ms(), 1_767_196_800_000);
        assert_eq!(Quarter::of(1_767_196_800_000), q1);
        assert_eq!(
            Quarter::of(1_767_196_799_999),
            Quarter {
                year: 2025,
                quarter: 4
            }
        );
        // Q2 starts 2026-04-01T00:00:00+08:00.
        assert_eq!(q1.end_ms(), 1_774_972_800_000);
        assert_eq!(
            Quarter::of(q1.end_ms()),
            Quarter {
                year: 2026,
                quarter: 2
            }
        );
        assert_eq!(Quarter::of(q1.end_ms() - 1), q1);
        assert_eq!(Quarter::parse("1969Q4"), None);
        assert_eq!(Quarter::parse("0Q1"), None);
        assert_eq!(Quarter::parse("2026Q5"), None);
        assert_eq!(
            Quarter {
                year: 2026,
                quarter: 4
            }
            .next(),
            Quarter {
                year: 2027,
                quarter: 1
            }
        );
        assert_eq!(
            Quarter::parse("2026Q3"),
            Some(Quarter {
                year: 2026,
                quarter: 3
            })
        );
        assert_eq!(Quarter::parse("2026Q5"), None);
        assert_eq!(q1.label(), "2026Q1");
        // Leap year: 2024-03-01 follows 2024-02-29.
        assert_eq!(
            days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 1),
            29
        );
        assert_eq!(civil_from_days(days_from_civil(2024, 12, 31)), (2024, 12));
    }
}
