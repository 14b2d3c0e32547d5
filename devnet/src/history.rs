//! A synthetic project history for the delay-risk model: a seeded city whose projects run day by
//! day through the real rules (`testkit::Harness`: every proposal, approval, contract, progress
//! report, payment, change order, rectification task and acceptance is a signed transaction the
//! engine applies), and slip for documented reasons. `gongxin-risk` trains and evaluates the
//! model on it (BENCHMARKS.md has the figures and the command).
//!
//! ## The delay process
//!
//! Projects start one after another over `span_days`, each owned by the transport or the ecology
//! bureau, in one of four categories, with a planned duration of 150–360 days and a budget of
//! ¥1 M–¥50 M (log-uniform). The contract (92 % of the budget) has a 10 % advance and milestones
//! at 30 %, 60 % and 100 % of the work, due at 30 %, 60 % and 100 % of the planned duration.
//!
//! Work advances every day by `speed / planned days`, where
//!
//! `speed = 1.3 × contractor reliability × payment factor × size factor ÷ category difficulty × noise`
//!
//! - **contractor reliability**: each of 30 contractors has a hidden figure, uniform in
//!   0.80–1.15 (seen by the model only through that contractor's earlier projects);
//! - **category difficulty**: traffic 1.00, environment monitoring 0.97, road resurfacing 1.08,
//!   drainage 1.12 (seen through the category's and department's earlier projects);
//! - **payment factor**: finance pays each disbursement a fixed lag after approval, 3–45 days
//!   per project; every day of lag beyond 15 costs 0.6 % of speed (seen as `payment_lag`);
//! - **size factor**: 1 − 0.03 × log₁₀(budget / ¥1 M) (seen as `budget_size`);
//! - **noise**: exp(0.08 · N(0, 1)) — the part nothing on the ledger explains.
//!
//! Two events, drawn at the start, disturb some projects:
//! - **a change order** (30 % of projects, at 15–50 % of the planned duration) moves the planned
//!   end by 15–60 days, and work stops for 0.6–1.2 × that long (seen from the moment it is
//!   executed);
//! - **a rectification task** (25 % of projects, at 20 % of the planned duration), due in 20
//!   days: a contractor with reliability below 0.92 closes it after 35 days (overdue), others
//!   after 10.
//!
//! Progress is reported and accepted every 30 days; each accepted report releases what the
//! contract then allows. When the work is complete the project is reported at 100 %, accepted
//! and so finished; it is **late** if that day is after its originally planned end.
#![allow(clippy::float_arithmetic)]

use std::collections::BTreeMap;

use gongxin_contracts::testkit::{City, Harness, award, budget, contract, procurement, proposal};
use gongxin_core::Hash;
use gongxin_core::model::Role::{Auditor, Director, SectionChief, Specialist};
use gongxin_core::model::*;

const DAY_MS: u64 = 86_400_000;
const CONTRACTORS: usize = 30;
const CATEGORIES: [(&str, &str, f64); 4] = [
    ("smart-city/traffic", "transport", 1.00),
    ("smart-city/environment-monitoring", "ecology", 0.97),
    ("roads/resurfacing", "transport", 1.08),
    ("water/drainage", "ecology", 1.12),
];
const REPORT_EVERY_DAYS: u64 = 30;
const TASK_DUE_DAYS: u64 = 20;

/// What to generate.
#[derive(Debug, Clone)]
pub struct HistoryConfig {
    pub projects: usize,
    pub seed: u64,
    /// Projects start evenly over this many days.
    pub span_days: u64,
}

impl HistoryConfig {
    /// One line naming the generator and its parameters (recorded in the model file).
    pub fn describe(&self) -> String {
        format!(
            "gongxin-devnet synthetic history v1: {} projects over {} days, seed {}",
            self.projects, self.span_days, self.seed
        )
    }
}

/// SplitMix64: small, seeded and the same everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// A standard normal draw (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-12);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// A project's course, fixed when it is drawn.
#[derive(Debug, Clone)]
struct Plan {
    id: String,
    department: &'static str,
    category: &'static str,
    contractor: u32,
    budget_fen: u64,
    start_day: u64,
    planned_days: u64,
    speed: f64,
    payment_lag_days: u64,
    change: Option<Change>,
    task: Option<Task>,
}

#[derive(Debug, Clone, Copy)]
struct Change {
    at_day: u64,
    delta_days: i32,
    pause_days: u64,
}

#[derive(Debug, Clone, Copy)]
struct Task {
    at_day: u64,
    closes_after_days: u64,
}

/// A project under way.
#[derive(Debug)]
struct Running {
    plan: Plan,
    work_done: f64,
    paused_until: u64,
    reports: u32,
    reported_bp: u16,
    disbursements: u32,
    finished: bool,
}

fn draw_plans(config: &HistoryConfig) -> Vec<Plan> {
    let mut rng = Rng::new(config.seed);
    let reliability: Vec<f64> = (0..CONTRACTORS).map(|_| rng.between(0.80, 1.15)).collect();
    (0..config.projects)
        .map(|i| {
            let (category, department, difficulty) =
                CATEGORIES[(rng.next_u64() % CATEGORIES.len() as u64) as usize];
            let contractor = (rng.next_u64() % CONTRACTORS as u64) as usize;
            let planned_days = 150 + rng.next_u64() % 211;
            let budget_yuan = 10f64.powf(rng.between(6.0, 7.7));
            let payment_lag_days = 3 + rng.next_u64() % 43;
            let payment_factor = 1.0 - 0.006 * payment_lag_days.saturating_sub(15) as f64;
            let size_factor = 1.0 - 0.03 * (budget_yuan / 1e6).log10();
            let noise = (0.08 * rng.normal()).exp();
            let speed =
                1.3 * reliability[contractor] * payment_factor * size_factor / difficulty * noise;
            let change = (rng.uniform() < 0.3).then(|| {
                let delta = 15 + rng.next_u64() % 46;
                Change {
                    at_day: (planned_days as f64 * rng.between(0.15, 0.5)) as u64,
                    delta_days: delta as i32,
                    pause_days: (delta as f64 * rng.between(0.6, 1.2)) as u64,
                }
            });
            let task = (rng.uniform() < 0.25).then(|| Task {
                at_day: planned_days / 5,
                closes_after_days: if reliability[contractor] < 0.92 {
                    35
                } else {
                    10
                },
            });
            Plan {
                id: format!("H-{i:05}"),
                department,
                category,
                contractor: contractor as u32,
                budget_fen: (budget_yuan as u64) * 100,
                start_day: i as u64 * config.span_days / config.projects.max(1) as u64,
                planned_days,
                speed,
                payment_lag_days,
                change,
                task,
            }
        })
        .collect()
}

/// The generated ledger (its in-memory state) and what happened.
#[derive(Debug)]
pub struct Generated {
    pub harness: Harness,
    pub finished: usize,
    pub late: usize,
    pub transactions: usize,
}

/// The city's day-by-day driver.
struct Driver {
    h: Harness,
    day: u64,
    /// Disbursements to pay, by the day finance pays them.
    payments: BTreeMap<u64, Vec<String>>,
    /// Rectification tasks to close, by day.
    closings: BTreeMap<u64, Vec<(String, &'static str)>>,
}

impl Driver {
    fn start(&mut self, plan: &Plan) {
        let (p, dept) = (plan.id.as_str(), plan.department);
        let start = self.h.ctx.time_ms;
        let end = start + plan.planned_days * DAY_MS;
        let mut proposed = proposal(p, plan.budget_fen, start, end);
        proposed.category = plan.category.to_owned();
        proposed.name = format!("合成项目 {p}");
        self.h
            .ok_approved(dept, Specialist, Operation::ProposeProject(proposed));
        self.h.ok_approved(
            dept,
            Director,
            Operation::ApproveProject { project: p.into() },
        );
        self.h.ok_approved(
            "finance",
            SectionChief,
            Operation::ApproveBudget(budget(p, plan.budget_fen)),
        );
        self.h.ok_approved(
            dept,
            Specialist,
            Operation::StartProcurement(procurement(p)),
        );
        let winner = plan.contractor * 3;
        let amount = plan.budget_fen / 100 * 92;
        self.h.ok_approved(
            dept,
            SectionChief,
            Operation::AwardProcurement(award(p, winner, amount)),
        );
        let mut signed = contract(&format!("{p}-C"), p, winner, amount, start);
        for (m, share) in signed.milestones.iter_mut().zip([30, 60, 100]) {
            m.due_ms = start + plan.planned_days * DAY_MS * share / 100;
        }
        self.h
            .ok_approved(dept, Director, Operation::SignContract(signed));
        self.h.ok_approved(
            dept,
            SectionChief,
            Operation::StartImplementation { project: p.into() },
        );
    }

    /// Requests what the contract now allows; finance pays it `lag` days later.
    fn request_payable(&mut self, run: &mut Running) {
        let p = run.plan.id.clone();
        let view = gongxin_contracts::queries::project(&self.h.state, &p, self.h.ctx.time_ms)
            .ok()
            .flatten();
        let Some(view) = view else { return };
        let due = view
            .totals
            .payable_fen
            .saturating_sub(view.totals.disbursed_fen)
            .saturating_sub(view.totals.approved_unpaid_fen);
        if due == 0 {
            return;
        }
        run.disbursements += 1;
        let id = format!("{p}-D{}", run.disbursements);
        self.h.ok_approved(
            run.plan.department,
            Specialist,
            Operation::RequestDisbursement(DisbursementRequest {
                id: id.clone(),
                contract: format!("{p}-C"),
                amount_fen: due,
                milestone: None,
                note: "按进度拨付".into(),
            }),
        );
        self.payments
            .entry(self.day + run.plan.payment_lag_days)
            .or_default()
            .push(id);
    }

    fn report(&mut self, run: &mut Running) {
        let bp = (run.work_done.min(1.0) * 10_000.0) as u16;
        if bp <= run.reported_bp {
            return;
        }
        run.reports += 1;
        run.reported_bp = bp;
        let p = &run.plan.id;
        let report = format!("{p}-R{}", run.reports);
        crate::demo::report_accepted(&mut self.h, run.plan.department, p, &report, bp, "监理月报");
        self.request_payable(run);
    }

    fn finish(&mut self, run: &mut Running) {
        run.work_done = 1.0;
        self.report(run);
        let (p, dept) = (run.plan.id.clone(), run.plan.department);
        self.h.ok_approved(
            dept,
            SectionChief,
            Operation::RequestAcceptance { project: p.clone() },
        );
        self.h.ok_approved(
            dept,
            Director,
            Operation::RecordAcceptance(AcceptanceRecord {
                project: p.clone(),
                passed: true,
                committee: vec!["专家甲".into(), "专家乙".into(), "专家丙".into()],
                document_hash: Hash::digest(format!("验收 {p}").as_bytes()),
                note: String::new(),
            }),
        );
        run.finished = true;
    }

    fn change(&mut self, run: &mut Running, change: Change) {
        let p = run.plan.id.clone();
        self.h.ok_approved(
            run.plan.department,
            SectionChief,
            Operation::RequestChangeOrder(ChangeOrder {
                id: format!("{p}-CO1"),
                contract: format!("{p}-C"),
                amount_delta_fen: 0,
                schedule_delta_days: change.delta_days,
                reason: "地下管线迁改 utility relocation".into(),
                document_hash: Hash::digest(format!("变更 {p}").as_bytes()),
            }),
        );
        run.paused_until = self.day + change.pause_days;
    }

    fn raise_task(&mut self, run: &Running, task: Task) {
        let (p, dept) = (run.plan.id.clone(), run.plan.department);
        let id = format!("{p}-T1");
        let person = self.h.city.public(dept, Specialist);
        self.h.ok_approved(
            "audit",
            Auditor,
            Operation::RaiseRectification(RectificationTask {
                id: id.clone(),
                project: Some(p),
                title: "施工安全隐患整改".into(),
                finding: "现场临边防护缺失".into(),
                responsible_department: dept.into(),
                responsible_person: person,
                deadline_ms: self.h.ctx.time_ms + TASK_DUE_DAYS * DAY_MS,
                acceptance_standard: "复查无隐患".into(),
                source_ref: "安全专项检查".into(),
            }),
        );
        self.closings
            .entry(self.day + task.closes_after_days)
            .or_default()
            .push((id, dept));
    }

    /// Payments and task closings due today.
    fn settle(&mut self) {
        for id in self.payments.remove(&self.day).unwrap_or_default() {
            self.h.ok_approved(
                "finance",
                Specialist,
                Operation::MarkDisbursementPaid {
                    voucher_ref: format!("CZ-{id}"),
                    disbursement: id,
                },
            );
        }
        for (task, dept) in self.closings.remove(&self.day).unwrap_or_default() {
            self.h.ok_approved(
                dept,
                Specialist,
                Operation::SubmitRectification {
                    task: task.clone(),
                    evidence_hash: Hash::digest(format!("整改 {task}").as_bytes()),
                    note: String::new(),
                },
            );
            self.h.ok_approved(
                "audit",
                Auditor,
                Operation::VerifyRectification {
                    task,
                    accepted: true,
                    note: "复查通过".into(),
                },
            );
        }
    }

    /// One day of a running project.
    fn work(&mut self, run: &mut Running) {
        let plan = run.plan.clone();
        let day_of_project = self.day - plan.start_day;
        if let Some(change) = plan.change.filter(|c| c.at_day == day_of_project) {
            self.change(run, change);
        }
        if let Some(task) = plan.task.filter(|t| t.at_day == day_of_project) {
            self.raise_task(run, task);
        }
        if self.day >= run.paused_until {
            run.work_done += plan.speed / plan.planned_days as f64;
        }
        if run.work_done >= 1.0 {
            self.finish(run);
        } else if day_of_project > 0 && day_of_project.is_multiple_of(REPORT_EVERY_DAYS) {
            self.report(run);
        }
    }
}

/// Runs the city until every project is accepted.
pub fn generate(config: &HistoryConfig) -> Generated {
    let plans = draw_plans(config);
    let mut harness = Harness::with_city(City::new());
    harness.tx_validity_blocks = 10;
    let mut d = Driver {
        h: harness,
        day: 0,
        payments: BTreeMap::new(),
        closings: BTreeMap::new(),
    };
    let mut waiting = plans.into_iter().peekable();
    let mut running: Vec<Running> = Vec::new();
    loop {
        while let Some(plan) = waiting.next_if(|p| p.start_day <= d.day) {
            d.start(&plan);
            let mut run = Running {
                plan,
                work_done: 0.0,
                paused_until: 0,
                reports: 0,
                reported_bp: 0,
                disbursements: 0,
                finished: false,
            };
            d.request_payable(&mut run);
            running.push(run);
        }
        d.settle();
        for run in running.iter_mut().filter(|r| !r.finished) {
            d.work(run);
        }
        let open = running.iter().any(|r| !r.finished) || !d.payments.is_empty();
        if !open && waiting.peek().is_none() && d.closings.is_empty() {
            break;
        }
        d.day += 1;
        d.h.next_block(DAY_MS);
    }
    let late = running
        .iter()
        .filter(|r| {
            let store = &d.h.state;
            gongxin_contracts::store::get::<gongxin_contracts::records::ProjectRecord>(
                store,
                &gongxin_contracts::keys::project(&r.plan.id),
            )
            .ok()
            .flatten()
            .and_then(|p| {
                p.acceptance
                    .map(|a| a.recorded_ms > p.original_planned_end_ms)
            })
            .unwrap_or(false)
        })
        .count();
    Generated {
        finished: running.len(),
        late,
        transactions: d
            .h
            .journal
            .iter()
            .filter(|e| matches!(e, gongxin_contracts::testkit::JournalEntry::Tx(_)))
            .count(),
        harness: d.h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_city_and_another_seed_another() {
        let config = HistoryConfig {
            projects: 50,
            seed: 7,
            span_days: 100,
        };
        let a: Vec<_> = draw_plans(&config)
            .iter()
            .map(|p| (p.speed, p.contractor))
            .collect();
        let b: Vec<_> = draw_plans(&config)
            .iter()
            .map(|p| (p.speed, p.contractor))
            .collect();
        assert_eq!(a, b);
        let other = HistoryConfig { seed: 8, ..config };
        let c: Vec<_> = draw_plans(&other)
            .iter()
            .map(|p| (p.speed, p.contractor))
            .collect();
        assert_ne!(a, c);
    }
}

/// Share of projects (percent) held out of training for the evaluation.
pub const HELD_OUT_PERCENT: u8 = 30;
/// The L2 penalty the shipped model is trained with.
pub const LAMBDA: f64 = 1.0;

/// A trained model and its evaluation on the held-out projects.
#[derive(Debug)]
pub struct Experiment {
    pub model: gongxin_risk::Model,
    pub evaluation: gongxin_risk::training::Evaluation,
    pub generated_projects: usize,
    pub late_projects: usize,
    pub transactions: usize,
    pub training_rows: usize,
}

/// Generates a history, trains on the projects not held out and evaluates on the others.
pub fn experiment(config: &HistoryConfig, version: &str) -> Experiment {
    let generated = generate(config);
    let rows = gongxin_risk::training::rows(&generated.harness.state)
        .expect("an in-memory state never fails");
    let (test, train): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|r| gongxin_risk::training::held_out(&r.project, config.seed, HELD_OUT_PERCENT));
    let features: Vec<_> = train.iter().map(|r| r.features).collect();
    let late: Vec<bool> = train.iter().map(|r| r.late).collect();
    let mut training_projects: Vec<&str> = train.iter().map(|r| r.project.as_str()).collect();
    training_projects.dedup();
    let model = gongxin_risk::model::train(
        &features,
        &late,
        &gongxin_risk::model::TrainingSetup {
            version: version.to_owned(),
            source: config.describe(),
            projects: training_projects.len(),
            lambda: LAMBDA,
        },
    )
    .expect("a history of at least one finished project");
    Experiment {
        evaluation: gongxin_risk::training::evaluate(&model, &test),
        model,
        generated_projects: generated.finished,
        late_projects: generated.late,
        transactions: generated.transactions,
        training_rows: train.len(),
    }
}
