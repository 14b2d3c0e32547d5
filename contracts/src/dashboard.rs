//! The figures behind the console's dashboard (仪表盘): per department, everything a leader
//! looks at first — projects by stage, budget execution (执行率), on-time completion, open and
//! overdue rectification tasks, alerts by kind, and the quarterly health the annual assessment
//! (单位年度考核) ranks departments by.
//!
//! [`department_figures`] reads the whole state once (every project, task and alert), so it is
//! not for every request: the gateway computes it at most once per block in the background and
//! answers from the last result. What a reader sees is [`DashboardView::merge`] of the
//! departments they may read, so one computation serves every reader.
//!
//! Everything is integers: money in fen, rates and scores in basis points (10 000 = 100 %).

use std::collections::BTreeMap;

use gongxin_core::model::{FULL_BP, Fen, ProjectStage, TimestampMs};
use serde::{Deserialize, Serialize};

use crate::events::Alert;
use crate::health::{Quarter, health_dyn};
use crate::keys;
use crate::records::{ProjectRecord, RectStatus, RectificationRecord};
use crate::state::{State, StorageError};
use crate::store;

/// How many quarters the health trend covers (the current one and those before it).
pub const TREND_QUARTERS: usize = 4;

/// Rows read per scan while walking a prefix.
const SCAN_PAGE: usize = 1_000;

/// Money figures of a set of projects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub projects: u64,
    pub budget_fen: Fen,
    pub committed_fen: Fen,
    pub disbursed_fen: Fen,
}

impl Money {
    fn add_project(&mut self, p: &ProjectRecord) {
        self.projects += 1;
        self.budget_fen = self.budget_fen.saturating_add(p.budget_fen());
        self.committed_fen = self.committed_fen.saturating_add(p.committed_fen);
        self.disbursed_fen = self.disbursed_fen.saturating_add(p.disbursed_fen);
    }

    fn add(&mut self, other: &Money) {
        self.projects += other.projects;
        self.budget_fen = self.budget_fen.saturating_add(other.budget_fen);
        self.committed_fen = self.committed_fen.saturating_add(other.committed_fen);
        self.disbursed_fen = self.disbursed_fen.saturating_add(other.disbursed_fen);
    }

    /// Disbursed as a share of the approved budget (0 when nothing is budgeted).
    pub fn execution_bp(&self) -> u64 {
        ratio_bp(self.disbursed_fen, self.budget_fen)
    }
}

/// A sum of scores and how many were summed, so averages merge exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreSum {
    pub sum_bp: u64,
    pub count: u64,
}

impl ScoreSum {
    fn add(&mut self, other: ScoreSum) {
        self.sum_bp += other.sum_bp;
        self.count += other.count;
    }

    /// The mean score, `None` when nothing was scored.
    pub fn average_bp(&self) -> Option<u64> {
        (self.count > 0).then(|| self.sum_bp / self.count)
    }
}

/// Rectification tasks a department answers for, by where they stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationCounts {
    /// Awaiting the department (open or reopened).
    pub open: u64,
    /// Of those, past their deadline.
    pub overdue: u64,
    /// Submitted, awaiting verification.
    pub submitted: u64,
    /// Verified.
    pub closed: u64,
}

impl RectificationCounts {
    fn add_task(&mut self, task: &RectificationRecord, now_ms: TimestampMs) {
        match task.status {
            RectStatus::Open | RectStatus::Reopened => {
                self.open += 1;
                if task.task.deadline_ms < now_ms {
                    self.overdue += 1;
                }
            }
            RectStatus::Submitted => self.submitted += 1,
            RectStatus::Verified => self.closed += 1,
        }
    }

    fn add(&mut self, other: &RectificationCounts) {
        self.open += other.open;
        self.overdue += other.overdue;
        self.submitted += other.submitted;
        self.closed += other.closed;
    }
}

/// One department's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentFigures {
    pub name: String,
    pub money: Money,
    pub by_stage: BTreeMap<String, u64>,
    pub by_programme: BTreeMap<String, Money>,
    /// Projects accepted (or further), and of those, accepted by their planned end.
    pub completed: u64,
    pub completed_on_time: u64,
    pub rectifications: RectificationCounts,
    pub alerts_by_kind: BTreeMap<String, u64>,
    /// Health by quarter label (`2026Q4`), oldest first when iterated.
    pub health: BTreeMap<String, ScoreSum>,
}

/// Every department's figures at one height.
pub fn department_figures<S: State>(
    state: &S,
    now_ms: TimestampMs,
) -> Result<BTreeMap<String, DepartmentFigures>, StorageError> {
    let st: &dyn State = state;
    let mut figures: BTreeMap<String, DepartmentFigures> = BTreeMap::new();
    for (_, department) in store::scan::<crate::records::DepartmentRecord>(
        st,
        keys::DEPARTMENTS,
        None,
        crate::limits::QUERY_PAGE_MAX,
    )? {
        figures
            .entry(department.department.id.clone())
            .or_default()
            .name = department.department.name.clone();
    }
    let quarters = trend_quarters(now_ms);
    for_each::<ProjectRecord>(st, keys::PROJECTS, &mut |p| {
        let fig = figures.entry(p.owner_department.clone()).or_default();
        add_project(fig, &p);
        for &quarter in &quarters {
            if let Some(score) = health_dyn(st, &p.id, quarter, now_ms)? {
                fig.health
                    .entry(quarter.label())
                    .or_default()
                    .add(ScoreSum {
                        sum_bp: u64::from(score.score_bp),
                        count: 1,
                    });
            }
        }
        Ok(())
    })?;
    for_each::<RectificationRecord>(st, keys::RECTIFICATIONS, &mut |task| {
        let department = task.task.responsible_department.clone();
        figures
            .entry(department)
            .or_default()
            .rectifications
            .add_task(&task, now_ms);
        Ok(())
    })?;
    for (department, fig) in figures.iter_mut() {
        fig.alerts_by_kind = alerts_by_kind(state, department)?;
    }
    Ok(figures)
}

fn add_project(fig: &mut DepartmentFigures, p: &ProjectRecord) {
    fig.money.add_project(p);
    *fig.by_stage
        .entry(keys::stage_name(p.stage).to_owned())
        .or_default() += 1;
    if let Some(programme) = &p.programme {
        fig.by_programme
            .entry(programme.clone())
            .or_default()
            .add_project(p);
    }
    if let Some(accepted_ms) = completed_at(p) {
        fig.completed += 1;
        if accepted_ms <= p.planned_end_ms {
            fig.completed_on_time += 1;
        }
    }
}

/// When a project was completed (its acceptance was recorded with it passing), if it was.
fn completed_at(p: &ProjectRecord) -> Option<TimestampMs> {
    matches!(
        p.stage,
        ProjectStage::Accepted | ProjectStage::Evaluated | ProjectStage::Closed
    )
    .then(|| p.acceptance.as_ref().map(|a| a.recorded_ms))
    .flatten()
}

/// The current quarter and the ones before it, oldest first.
fn trend_quarters(now_ms: TimestampMs) -> Vec<Quarter> {
    let mut quarters = vec![Quarter::of(now_ms)];
    while quarters.len() < TREND_QUARTERS {
        let first = quarters[0].start_ms();
        if first == 0 {
            break;
        }
        quarters.insert(0, Quarter::of(first - 1));
    }
    quarters
}

/// A department's alerts (its reminder index, a page at a time), counted by kind. Escalations
/// addressed to it about another department's task count for the responsible department only,
/// so a consortium total counts each alert once.
fn alerts_by_kind<S: State>(
    state: &S,
    department: &str,
) -> Result<BTreeMap<String, u64>, StorageError> {
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = crate::queries::department_alerts(
            state,
            department,
            &crate::queries::AlertFilter::default(),
            after.as_deref(),
            crate::limits::QUERY_PAGE_MAX,
        )?;
        for view in &page.items {
            if view.alert.responsible_department == department {
                *by_kind.entry(alert_kind_name(&view.alert)).or_default() += 1;
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(by_kind),
        }
    }
}

/// An alert's kind as its code (`budget_use_80`, `rectification_overdue`, …), which is also
/// its JSON tag.
fn alert_kind_name(alert: &Alert) -> String {
    alert.kind.code().to_owned()
}

/// Calls `visit` with every record under `prefix` (keys `prefix<id>`, not their sub-keys), a
/// page at a time.
fn for_each<T: bincode::Decode<()>>(
    st: &dyn State,
    prefix: &[u8],
    visit: &mut dyn FnMut(T) -> Result<(), StorageError>,
) -> Result<(), StorageError> {
    let mut after: Option<Vec<u8>> = None;
    loop {
        let rows = st.scan_prefix(prefix, after.as_deref(), SCAN_PAGE)?;
        let full = rows.len() == SCAN_PAGE;
        for (key, bytes) in &rows {
            if !key[prefix.len()..].contains(&b'/') {
                visit(store::decode_value(key, bytes)?)?;
            }
        }
        match rows.into_iter().last() {
            Some((key, _)) if full => after = Some(key),
            _ => return Ok(()),
        }
    }
}

/// `part / whole` in basis points, 0 when `whole` is 0.
fn ratio_bp(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        0
    } else {
        (u128::from(part) * u128::from(FULL_BP) / u128::from(whole)) as u64
    }
}

/// The dashboard as one reader sees it: the departments they may read, merged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardView {
    pub projects: ProjectTotals,
    pub departments: Vec<DepartmentRow>,
    pub programmes: Vec<ProgrammeRow>,
    pub rectifications: RectificationCounts,
    pub alerts_by_kind: BTreeMap<String, u64>,
    pub quarters: Vec<QuarterRow>,
    /// Departments by this quarter's average health, best first (ties by id).
    pub ranking: Vec<RankRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectTotals {
    pub total: u64,
    pub by_stage: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentRow {
    pub id: String,
    pub name: String,
    pub projects: u64,
    pub budget_fen: Fen,
    pub committed_fen: Fen,
    pub disbursed_fen: Fen,
    pub execution_bp: u64,
    pub completed: u64,
    pub completed_on_time: u64,
    pub on_time_bp: u64,
    /// This quarter's average health, when any project was scored.
    pub health_avg_bp: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeRow {
    pub id: String,
    pub projects: u64,
    pub budget_fen: Fen,
    pub disbursed_fen: Fen,
    pub execution_bp: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarterRow {
    pub quarter: String,
    pub health_avg_bp: Option<u64>,
    pub projects_scored: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankRow {
    pub rank: u32,
    pub department: String,
    pub name: String,
    pub health_avg_bp: u64,
}

impl DashboardView {
    /// Merges the figures of the given departments (those a reader may see).
    pub fn merge<'a>(
        departments: impl IntoIterator<Item = (&'a String, &'a DepartmentFigures)>,
        now_ms: TimestampMs,
    ) -> DashboardView {
        let current = Quarter::of(now_ms).label();
        let mut view = DashboardView::default();
        let mut programmes: BTreeMap<String, Money> = BTreeMap::new();
        let mut quarters: BTreeMap<String, ScoreSum> = BTreeMap::new();
        for (id, fig) in departments {
            view.projects.total += fig.money.projects;
            for (stage, n) in &fig.by_stage {
                *view.projects.by_stage.entry(stage.clone()).or_default() += n;
            }
            for (programme, money) in &fig.by_programme {
                programmes.entry(programme.clone()).or_default().add(money);
            }
            for (kind, n) in &fig.alerts_by_kind {
                *view.alerts_by_kind.entry(kind.clone()).or_default() += n;
            }
            for (quarter, sum) in &fig.health {
                quarters.entry(quarter.clone()).or_default().add(*sum);
            }
            view.rectifications.add(&fig.rectifications);
            view.departments.push(DepartmentRow {
                id: id.clone(),
                name: fig.name.clone(),
                projects: fig.money.projects,
                budget_fen: fig.money.budget_fen,
                committed_fen: fig.money.committed_fen,
                disbursed_fen: fig.money.disbursed_fen,
                execution_bp: fig.money.execution_bp(),
                completed: fig.completed,
                completed_on_time: fig.completed_on_time,
                on_time_bp: ratio_bp(fig.completed_on_time, fig.completed),
                health_avg_bp: fig.health.get(&current).and_then(ScoreSum::average_bp),
            });
        }
        view.programmes = programmes
            .into_iter()
            .map(|(id, m)| ProgrammeRow {
                execution_bp: m.execution_bp(),
                id,
                projects: m.projects,
                budget_fen: m.budget_fen,
                disbursed_fen: m.disbursed_fen,
            })
            .collect();
        view.quarters = quarters
            .into_iter()
            .map(|(quarter, sum)| QuarterRow {
                quarter,
                health_avg_bp: sum.average_bp(),
                projects_scored: sum.count,
            })
            .collect();
        view.ranking = ranking(&view.departments);
        view
    }
}

/// Departments with a health score this quarter, best first; equal scores share a rank.
fn ranking(rows: &[DepartmentRow]) -> Vec<RankRow> {
    let mut scored: Vec<(&DepartmentRow, u64)> = rows
        .iter()
        .filter_map(|r| r.health_avg_bp.map(|h| (r, h)))
        .collect();
    scored.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
    let mut ranks: Vec<RankRow> = Vec::with_capacity(scored.len());
    for (i, (row, health)) in scored.into_iter().enumerate() {
        let rank = match ranks.last() {
            Some(prev) if prev.health_avg_bp == health => prev.rank,
            _ => i as u32 + 1,
        };
        ranks.push(RankRow {
            rank,
            department: row.id.clone(),
            name: row.name.clone(),
            health_avg_bp: health,
        });
    }
    ranks
}

#[cfg(test)]
mod tests {
    use gongxin_core::model::Role::{Auditor, Specialist};
    use gongxin_core::model::{Operation, RectificationTask};

    use super::*;
    use crate::limits::DAY_MS;
    use crate::testkit::*;

    fn row(id: &str, health: Option<u64>) -> DepartmentRow {
        DepartmentRow {
            id: id.into(),
            name: id.into(),
            projects: 1,
            budget_fen: 0,
            committed_fen: 0,
            disbursed_fen: 0,
            execution_bp: 0,
            completed: 0,
            completed_on_time: 0,
            on_time_bp: 0,
            health_avg_bp: health,
        }
    }

    #[test]
    fn ranking_is_best_first_with_shared_ranks_and_skips_unscored() {
        let rows = [
            row("a", Some(7_000)),
            row("b", Some(9_000)),
            row("c", None),
            row("d", Some(7_000)),
            row("e", Some(5_000)),
        ];
        let ranked: Vec<(u32, String)> = ranking(&rows)
            .into_iter()
            .map(|r| (r.rank, r.department))
            .collect();
        let expected = [(1, "b"), (2, "a"), (2, "d"), (4, "e")].map(|(r, d)| (r, d.to_owned()));
        assert_eq!(ranked, expected);
    }

    #[test]
    fn figures_count_projects_money_stages_health_and_overdue_tasks() {
        let mut h = Harness::new();
        h.project_in_progress("TR-1", 1_000_000, 900_000, 1);
        h.project_in_progress("TR-2", 3_000_000, 2_000_000, 2);
        let now = h.ctx.time_ms;
        let officer = h.city.public(TRANSPORT, Specialist);
        for (id, deadline) in [("RT-1", now + DAY_MS), ("RT-2", now + 2 * DAY_MS)] {
            h.ok(
                AUDIT,
                Auditor,
                Operation::RaiseRectification(RectificationTask {
                    id: id.into(),
                    project: Some("TR-1".into()),
                    title: "fix".into(),
                    finding: "found".into(),
                    responsible_department: TRANSPORT.into(),
                    responsible_person: officer,
                    deadline_ms: deadline,
                    acceptance_standard: "done".into(),
                    source_ref: String::new(),
                }),
            );
        }
        h.advance_days(1);
        h.next_block(1_000);
        let now = h.ctx.time_ms;

        let figures = department_figures(&h.state, now).unwrap();
        let transport = &figures[TRANSPORT];
        assert_eq!(transport.money.projects, 2);
        assert_eq!(transport.money.budget_fen, 4_000_000);
        assert_eq!(transport.money.committed_fen, 2_900_000);
        assert_eq!(transport.by_stage["in_progress"], 2);
        assert_eq!(
            transport.rectifications,
            RectificationCounts {
                open: 2,
                overdue: 1,
                submitted: 0,
                closed: 0
            }
        );
        let this_quarter = Quarter::of(now).label();
        assert_eq!(transport.health[&this_quarter].count, 2);
        assert!(
            transport.alerts_by_kind.values().sum::<u64>() >= 1,
            "the overdue task alerts"
        );

        // A reader who may see only ecology sees none of transport's figures.
        let ecology_only = DashboardView::merge(figures.iter().filter(|(d, _)| *d == ECOLOGY), now);
        assert_eq!(ecology_only.projects.total, 0);
        assert_eq!(ecology_only.rectifications, RectificationCounts::default());
        let all = DashboardView::merge(figures.iter(), now);
        assert_eq!(all.projects.total, 2);
        assert_eq!(all.rectifications.overdue, 1);
        let transport_row = all.departments.iter().find(|d| d.id == TRANSPORT).unwrap();
        assert!(transport_row.health_avg_bp.is_some());
        assert_eq!(all.ranking[0].rank, 1);
        assert_eq!(all.quarters.last().unwrap().quarter, this_quarter);
    }

    #[test]
    fn execution_and_on_time_rates_are_integer_basis_points() {
        let money = Money {
            projects: 1,
            budget_fen: 3,
            committed_fen: 0,
            disbursed_fen: 1,
        };
        assert_eq!(money.execution_bp(), 3_333);
        assert_eq!(Money::default().execution_bp(), 0);
        assert_eq!(ratio_bp(2, 2), 10_000);
    }

    #[test]
    fn the_trend_is_four_quarters_oldest_first() {
        // 2026-12-02 in Beijing.
        let quarters: Vec<String> = trend_quarters(1_796_200_000_000)
            .into_iter()
            .map(Quarter::label)
            .collect();
        assert_eq!(quarters, ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]);
    }
}
