//! What the model looks at: ten figures of a project **as of a moment**, read from the ledger's
//! records and their own timestamps (progress accepted by then, change orders executed by then,
//! payments made by then, tasks raised by then), so a project can be described as it stood at any
//! past moment — which is how training rows are made from finished projects — and as it stands
//! now.
//!
//! | feature | unit | from |
//! |---|---|---|
//! | `schedule_gap` | percentage points | accepted progress behind the straight line to the (current) planned end (the health score's schedule component) |
//! | `elapsed_share` | % | time since the planned start, of the originally planned duration |
//! | `schedule_extension` | days | schedule deltas of the change orders executed by then |
//! | `change_orders` | count | change orders executed by then |
//! | `payment_lag` | days | mean time from a disbursement's approval to its payment (still unpaid: to the moment) |
//! | `overdue_items` | count | milestones and rectification tasks past their deadline and still open |
//! | `contractor_late_rate` | % | share of the contractor's earlier projects accepted after their original planned end |
//! | `department_late_rate` | % | the same for the owning department |
//! | `category_late_rate` | % | the same for the project's category |
//! | `budget_size` | log₁₀ yuan | the approved budget (the requested one before approval) |
//!
//! The three late rates only count projects accepted **before** the moment and never the project
//! itself, shrunk towards the ledger-wide rate by [`PRIOR_WEIGHT`] pseudo-projects so one earlier
//! project does not make a contractor 0 % or 100 % late.

use gongxin_contracts::health::{Quarter, project_health};
use gongxin_contracts::keys;
use gongxin_contracts::limits::{
    CHANGE_ORDERS_PER_CONTRACT_MAX, DAY_MS, DISBURSEMENTS_PER_CONTRACT_MAX,
};
use gongxin_contracts::records::{ChangeRecord, ContractState, DisbursementRecord, ProjectRecord};
use gongxin_contracts::state::{State, StorageError};
use gongxin_contracts::store;
use gongxin_core::model::TimestampMs;
use serde::{Deserialize, Serialize};

/// How many pseudo-projects at the ledger-wide rate each late rate starts from.
pub const PRIOR_WEIGHT: f64 = 3.0;
/// The late rate assumed when no project has been accepted yet at all.
pub const EMPTY_LEDGER_LATE_RATE: f64 = 0.3;

/// One of the model's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    ScheduleGap,
    ElapsedShare,
    ScheduleExtension,
    ChangeOrders,
    PaymentLag,
    OverdueItems,
    ContractorLateRate,
    DepartmentLateRate,
    CategoryLateRate,
    BudgetSize,
}

/// The number of features.
pub const FEATURE_COUNT: usize = 10;

/// A project's features, in [`Feature::ALL`] order.
pub type FeatureVector = [f64; FEATURE_COUNT];

impl Feature {
    pub const ALL: [Feature; FEATURE_COUNT] = [
        Feature::ScheduleGap,
        Feature::ElapsedShare,
        Feature::ScheduleExtension,
        Feature::ChangeOrders,
        Feature::PaymentLag,
        Feature::OverdueItems,
        Feature::ContractorLateRate,
        Feature::DepartmentLateRate,
        Feature::CategoryLateRate,
        Feature::BudgetSize,
    ];

    /// The stable name used in model files and answers.
    pub fn name(self) -> &'static str {
        match self {
            Feature::ScheduleGap => "schedule_gap",
            Feature::ElapsedShare => "elapsed_share",
            Feature::ScheduleExtension => "schedule_extension",
            Feature::ChangeOrders => "change_orders",
            Feature::PaymentLag => "payment_lag",
            Feature::OverdueItems => "overdue_items",
            Feature::ContractorLateRate => "contractor_late_rate",
            Feature::DepartmentLateRate => "department_late_rate",
            Feature::CategoryLateRate => "category_late_rate",
            Feature::BudgetSize => "budget_size",
        }
    }

    /// Whether a higher value can only mean more risk, as the domain says (a larger schedule
    /// gap, more extensions, longer payment lags, worse histories, bigger budgets); training
    /// keeps such a feature's weight at or above zero, so no explanation says "0 % of earlier
    /// projects late raises the risk". The share of the schedule used is not constrained: it
    /// tells how much of the outcome is already known, not which way.
    pub fn raises_risk(self) -> bool {
        !matches!(self, Feature::ElapsedShare)
    }

    /// The feature's position in a [`FeatureVector`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The figure in plain Chinese, as a reader of the project page says it.
    pub fn describe_zh(self, value: f64) -> String {
        match self {
            Feature::ScheduleGap if value >= 0.5 => {
                format!("验收进度落后计划 {value:.0} 个百分点")
            }
            Feature::ScheduleGap => "验收进度未落后于计划".to_owned(),
            Feature::ElapsedShare => format!("已用去原计划工期的 {value:.0}%"),
            Feature::ScheduleExtension if value >= 0.5 => {
                format!("变更已累计顺延工期 {value:.0} 天")
            }
            Feature::ScheduleExtension if value <= -0.5 => {
                format!("变更已累计缩短工期 {:.0} 天", -value)
            }
            Feature::ScheduleExtension => "工期未经变更调整".to_owned(),
            Feature::ChangeOrders => format!("已执行变更 {value:.0} 次"),
            Feature::PaymentLag => format!("拨付从批准到支付平均 {value:.0} 天"),
            Feature::OverdueItems => format!("逾期未完成的付款节点和整改任务 {value:.0} 项"),
            Feature::ContractorLateRate => format!("承建单位以往项目延期率约 {value:.0}%"),
            Feature::DepartmentLateRate => format!("本部门以往项目延期率约 {value:.0}%"),
            Feature::CategoryLateRate => format!("同类项目以往延期率约 {value:.0}%"),
            Feature::BudgetSize => format!("预算规模 {}", wan_yuan(value)),
        }
    }

    /// The same in English, for the console's English mode.
    pub fn describe_en(self, value: f64) -> String {
        match self {
            Feature::ScheduleGap if value >= 0.5 => {
                format!("accepted progress {value:.0} points behind plan")
            }
            Feature::ScheduleGap => "accepted progress not behind plan".to_owned(),
            Feature::ElapsedShare => format!("{value:.0}% of the original schedule used"),
            Feature::ScheduleExtension => {
                format!("change orders moved the end by {value:+.0} days")
            }
            Feature::ChangeOrders => format!("{value:.0} change orders executed"),
            Feature::PaymentLag => {
                format!("payments wait {value:.0} days after approval on average")
            }
            Feature::OverdueItems => format!("{value:.0} milestones or tasks overdue"),
            Feature::ContractorLateRate => {
                format!("the contractor finished about {value:.0}% of earlier projects late")
            }
            Feature::DepartmentLateRate => {
                format!("the department finished about {value:.0}% of earlier projects late")
            }
            Feature::CategoryLateRate => {
                format!("about {value:.0}% of earlier projects of this kind finished late")
            }
            Feature::BudgetSize => format!("budget ¥{:.0}", 10f64.powf(value)),
        }
    }
}

/// `log₁₀ yuan` → `1,250 万元` or `3.2 亿元`.
fn wan_yuan(log10_yuan: f64) -> String {
    let yuan = 10f64.powf(log10_yuan);
    if yuan >= 1e8 {
        format!("{:.1} 亿元", yuan / 1e8)
    } else {
        format!("{:.0} 万元", yuan / 1e4)
    }
}

/// A project accepted by the ledger, as the late rates need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub project: String,
    pub accepted_ms: TimestampMs,
    /// Accepted after its originally planned end.
    pub late: bool,
    pub contractor: Option<String>,
    pub department: String,
    pub category: String,
}

impl Finished {
    /// The project's outcome, if it has passed acceptance.
    pub fn of(project: &ProjectRecord, contract: Option<&ContractState>) -> Option<Finished> {
        let acceptance = project.acceptance.as_ref().filter(|a| a.record.passed)?;
        Some(Finished {
            project: project.id.clone(),
            accepted_ms: acceptance.recorded_ms,
            late: acceptance.recorded_ms > project.original_planned_end_ms,
            contractor: contract.map(|c| c.contractor.credit_code.clone()),
            department: project.owner_department.clone(),
            category: project.category.clone(),
        })
    }
}

/// Every accepted project of the ledger, for the late rates.
#[derive(Debug, Clone, Default)]
pub struct History {
    finished: Vec<Finished>,
}

impl History {
    pub fn new(mut finished: Vec<Finished>) -> History {
        finished.sort_by(|a, b| (a.accepted_ms, &a.project).cmp(&(b.accepted_ms, &b.project)));
        History { finished }
    }

    pub fn finished(&self) -> &[Finished] {
        &self.finished
    }

    /// The smoothed late rate (%) of the projects accepted before `as_of`, other than
    /// `project`, that `matches` selects.
    fn late_rate(
        &self,
        as_of: TimestampMs,
        project: &str,
        matches: impl Fn(&Finished) -> bool,
    ) -> f64 {
        let earlier = self
            .finished
            .iter()
            .take_while(|f| f.accepted_ms < as_of)
            .filter(|f| f.project != project);
        let (mut all, mut all_late, mut n, mut late) = (0u32, 0u32, 0u32, 0u32);
        for f in earlier {
            all += 1;
            all_late += u32::from(f.late);
            if matches(f) {
                n += 1;
                late += u32::from(f.late);
            }
        }
        let prior = if all == 0 {
            EMPTY_LEDGER_LATE_RATE
        } else {
            f64::from(all_late) / f64::from(all)
        };
        100.0 * (f64::from(late) + PRIOR_WEIGHT * prior) / (f64::from(n) + PRIOR_WEIGHT)
    }
}

/// A project and its contract, read once.
#[derive(Debug, Clone)]
pub struct ProjectFacts {
    pub project: ProjectRecord,
    pub contract: Option<ContractState>,
}

/// Every project of the ledger with its contract, in id order.
pub fn read_projects<S: State>(st: &S) -> Result<Vec<ProjectFacts>, StorageError> {
    const PAGE: usize = 512;
    let mut out = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = store::scan::<ProjectRecord>(st, keys::PROJECTS, after.as_deref(), PAGE)?;
        let full = page.len() == PAGE;
        for (key, project) in page {
            let contract = match &project.contract {
                Some(id) => store::get::<ContractState>(st, &keys::contract(id))?,
                None => None,
            };
            out.push(ProjectFacts { project, contract });
            after = Some(key);
        }
        if !full {
            return Ok(out);
        }
    }
}

/// The history of a set of projects.
pub fn history_of(projects: &[ProjectFacts]) -> History {
    History::new(
        projects
            .iter()
            .filter_map(|p| Finished::of(&p.project, p.contract.as_ref()))
            .collect(),
    )
}

/// A project's features as of `as_of`, with the health score's schedule score beside them (the
/// baseline the model is compared with); `None` if the project did not exist yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    pub features: FeatureVector,
    /// The health score's schedule component (10 000 = on plan) at the same moment.
    pub schedule_score_bp: u16,
}

/// The features of `facts` as of `as_of`.
pub fn describe<S: State>(
    st: &S,
    facts: &ProjectFacts,
    history: &History,
    as_of: TimestampMs,
) -> Result<Option<Described>, StorageError> {
    let p = &facts.project;
    let Some(health) = project_health(st, &p.id, Quarter::of(as_of), as_of)? else {
        return Ok(None);
    };
    let mut x = [0.0; FEATURE_COUNT];
    let schedule = &health.schedule;
    x[Feature::ScheduleGap.index()] = f64::from((-schedule.variance_bp).max(0)) / 100.0;
    let planned = p
        .original_planned_end_ms
        .saturating_sub(p.planned_start_ms)
        .max(1);
    let elapsed = as_of.saturating_sub(p.planned_start_ms);
    x[Feature::ElapsedShare.index()] = (100.0 * elapsed as f64 / planned as f64).min(300.0);
    x[Feature::ScheduleExtension.index()] =
        (schedule.planned_end_ms as f64 - p.original_planned_end_ms as f64) / DAY_MS as f64;
    let contract = facts.contract.as_ref().filter(|c| c.signed_ms <= as_of);
    if let Some(c) = contract {
        let changes: Vec<ChangeRecord> = store::records_via(
            st,
            &keys::contract_changes(&c.id),
            CHANGE_ORDERS_PER_CONTRACT_MAX,
            keys::change,
        )?;
        x[Feature::ChangeOrders.index()] =
            changes.iter().filter(|ch| ch.executed_ms <= as_of).count() as f64;
        let disbursements: Vec<DisbursementRecord> = store::records_via(
            st,
            &keys::contract_disbursements(&c.id),
            DISBURSEMENTS_PER_CONTRACT_MAX,
            keys::disbursement,
        )?;
        x[Feature::PaymentLag.index()] = mean_payment_lag_days(&disbursements, as_of);
    }
    x[Feature::OverdueItems.index()] =
        f64::from(health.overdue.overdue_milestones + health.overdue.overdue_rectifications);
    let contractor = contract.map(|c| c.contractor.credit_code.as_str());
    x[Feature::ContractorLateRate.index()] = history.late_rate(as_of, &p.id, |f| {
        contractor.is_some() && f.contractor.as_deref() == contractor
    });
    x[Feature::DepartmentLateRate.index()] =
        history.late_rate(as_of, &p.id, |f| f.department == p.owner_department);
    x[Feature::CategoryLateRate.index()] =
        history.late_rate(as_of, &p.id, |f| f.category == p.category);
    let budget_fen = p
        .budget
        .as_ref()
        .filter(|b| b.approved_ms <= as_of)
        .map_or(p.requested_budget_fen, |b| b.total_fen);
    x[Feature::BudgetSize.index()] = ((budget_fen / 100).max(1) as f64).log10();
    Ok(Some(Described {
        features: x,
        schedule_score_bp: schedule.score_bp,
    }))
}

/// Mean days from approval to payment of the disbursements approved by `as_of` (one still
/// unpaid then counts until `as_of`); 0 when there is none.
fn mean_payment_lag_days(disbursements: &[DisbursementRecord], as_of: TimestampMs) -> f64 {
    let lags: Vec<u64> = disbursements
        .iter()
        .filter(|d| d.approved_ms <= as_of)
        .map(|d| {
            let paid = d.paid_ms.filter(|&t| t <= as_of).unwrap_or(as_of);
            paid.saturating_sub(d.approved_ms)
        })
        .collect();
    if lags.is_empty() {
        return 0.0;
    }
    lags.iter().sum::<u64>() as f64 / lags.len() as f64 / DAY_MS as f64
}
