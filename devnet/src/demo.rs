//! Demo data for the devnet: both seed cases of MISSION.md as real signed transactions, built
//! against an in-memory copy of the rules (`gongxin_contracts::testkit::Harness`) so every
//! approval names the right request, then submitted through a gateway in order.
//!
//! 1. **Smart-city programme `SC-2026`**: 120 sub-projects owned by the transport and ecology
//!    bureaus, left at every lifecycle stage — proposed, approved (立项), budgeted, in
//!    procurement, contracted, in progress with accepted progress and payments tied to it,
//!    accepted, evaluated, closed, suspended, cancelled. Some projects have a milestone due a few
//!    minutes after loading (so overdue alerts appear while you watch), two try to pay ahead of
//!    progress and one to sign a contract over its budget (rejected, and on record for
//!    discipline inspection).
//! 2. **Environmental inspection rectification ledger `HB-2026`**: 30 measures raised by audit
//!    against the ecology bureau; a third verified (loop closed), some submitted and waiting,
//!    some reopened, and some due within minutes, so they turn overdue and remind the
//!    responsible officer and the bureau's director.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use gongxin_contracts::testkit::{City, Harness, award, budget, contract, procurement, proposal};
use gongxin_core::Hash;
use gongxin_core::model::Role::{Auditor, Director, SectionChief, Specialist};
use gongxin_core::model::*;
use gongxin_core::tx::SignedTx;
use gongxin_node::clock::{Clock, SystemClock};

use crate::{DevnetKeys, http_agent};

const DAY_MS: u64 = 86_400_000;
const PROGRAMME: &str = "SC-2026";
const PROJECTS: usize = 120;
const MEASURES: u32 = 30;
/// Demo transactions stay valid this many blocks, enough to load them on a busy devnet.
const VALIDITY_BLOCKS: u64 = 5_000;

/// What the demo will submit, and how many of its transactions are meant to be rejected.
#[derive(Debug)]
pub struct DemoPlan {
    pub txs: Vec<SignedTx>,
    pub expected_rejections: usize,
}

fn project_id(i: usize) -> String {
    format!("SC-2026-{i:03}")
}

fn owner(i: usize) -> &'static str {
    if i.is_multiple_of(3) {
        "ecology"
    } else {
        "transport"
    }
}

/// Budgets between ¥800,000 and ¥19,000,000, so some cross every policy threshold.
fn budget_fen(i: usize) -> u64 {
    (800_000 + (i as u64 * 7_919 % 120) * 152_000) * 100
}

/// The stage each sub-project is left at: a spread over the whole lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Proposed,
    Approved,
    Budgeted,
    Procurement,
    Contracted,
    InProgress,
    Accepted,
    Evaluated,
    Closed,
    Suspended,
    Cancelled,
}

fn target(i: usize) -> Target {
    match i % 20 {
        0 | 1 => Target::Proposed,
        2 => Target::Approved,
        3 | 4 => Target::Budgeted,
        5 => Target::Procurement,
        6 | 7 => Target::Contracted,
        8..=14 => Target::InProgress,
        15 => Target::Accepted,
        16 => Target::Evaluated,
        17 => Target::Closed,
        18 => Target::Suspended,
        _ => Target::Cancelled,
    }
}

struct Builder {
    h: Harness,
    start_ms: u64,
    rejections: usize,
    disbursements: BTreeMap<String, u32>,
}

impl Builder {
    fn pay(&mut self, i: usize, amount_fen: u64) {
        let p = project_id(i);
        let n = self.disbursements.entry(p.clone()).or_default();
        *n += 1;
        let id = format!("{p}-D{n}");
        self.h.ok_approved(
            owner(i),
            Specialist,
            Operation::RequestDisbursement(DisbursementRequest {
                id: id.clone(),
                contract: format!("{p}-C"),
                amount_fen,
                milestone: None,
                note: "按进度拨付".into(),
            }),
        );
        self.h.ok(
            "finance",
            Specialist,
            Operation::MarkDisbursementPaid {
                disbursement: id,
                voucher_ref: format!("CZ-2026-{p}-{n}"),
            },
        );
    }

    fn pay_what_progress_allows(&mut self, i: usize) {
        let view =
            gongxin_contracts::queries::project(&self.h.state, &project_id(i), self.h.ctx.time_ms)
                .ok()
                .flatten();
        if let Some(view) = view {
            let due = view
                .totals
                .payable_fen
                .saturating_sub(view.totals.disbursed_fen)
                .saturating_sub(view.totals.approved_unpaid_fen);
            if due > 0 {
                self.pay(i, due);
            }
        }
    }

    fn report(&mut self, i: usize, n: u32, percent_bp: u16) {
        let p = project_id(i);
        report_accepted(
            &mut self.h,
            owner(i),
            &p,
            &format!("{p}-R{n}"),
            percent_bp,
            "现场照片与监理报告",
        );
    }

    fn project(&mut self, i: usize) {
        let p = project_id(i);
        let dept = owner(i);
        let goal = target(i);
        let (start, now) = (self.start_ms, self.h.ctx.time_ms);
        let mut proposal = proposal(&p, budget_fen(i), start, start + 300 * DAY_MS);
        proposal.programme = Some(PROGRAMME.into());
        proposal.name = if dept == "ecology" {
            format!("智慧环保监测点 {i:03} environmental monitoring station")
        } else {
            format!("智慧交通路口 {i:03} adaptive traffic junction")
        };
        proposal.category = if dept == "ecology" {
            "smart-city/environment-monitoring"
        } else {
            "smart-city/traffic"
        }
        .into();
        self.h
            .ok_approved(dept, Specialist, Operation::ProposeProject(proposal));
        if goal == Target::Proposed {
            return;
        }
        if goal == Target::Cancelled {
            self.h.ok_approved(
                dept,
                Director,
                Operation::CancelProject {
                    project: p,
                    reason: "并入市级统建项目 merged into a city-wide project".into(),
                },
            );
            return;
        }
        self.h.ok_approved(
            dept,
            Director,
            Operation::ApproveProject { project: p.clone() },
        );
        if goal == Target::Approved {
            return;
        }
        self.h.ok_approved(
            "finance",
            SectionChief,
            Operation::ApproveBudget(budget(&p, budget_fen(i))),
        );
        if goal == Target::Budgeted {
            return;
        }
        self.h.ok_approved(
            dept,
            Specialist,
            Operation::StartProcurement(procurement(&p)),
        );
        if goal == Target::Procurement {
            return;
        }
        let contract_fen = budget_fen(i) / 100 * 92;
        if i == 26 {
            // Tries to contract above the budget: rejected, an alert for discipline inspection.
            let mut over = contract(
                &format!("{p}-C"),
                &p,
                i as u32 * 10,
                budget_fen(i) + 10_000_000,
                start,
            );
            over.milestones.clear();
            let code = self.h.reject(dept, Director, Operation::SignContract(over));
            debug_assert!(!code.is_empty());
            self.rejections += 1;
        }
        self.h.ok_approved(
            dept,
            SectionChief,
            Operation::AwardProcurement(award(&p, i as u32 * 10, contract_fen)),
        );
        let mut signed = contract(&format!("{p}-C"), &p, i as u32 * 10, contract_fen, start);
        // Milestones: the first is due a few minutes after loading for every fifth project,
        // which will not have reached it — the overdue alert shows up while the devnet runs.
        let first_due = if i % 5 == 4 {
            now + 3 * 60_000
        } else {
            now + 30 * DAY_MS
        };
        for (k, m) in signed.milestones.iter_mut().enumerate() {
            m.due_ms = first_due + k as u64 * 60 * DAY_MS;
        }
        self.h
            .ok_approved(dept, Director, Operation::SignContract(signed));
        if goal == Target::Contracted {
            return;
        }
        self.h.ok_approved(
            dept,
            SectionChief,
            Operation::StartImplementation { project: p.clone() },
        );
        self.pay_what_progress_allows(i);
        let percent: u16 = match goal {
            Target::InProgress | Target::Suspended => 1_500 + (i as u16 % 7) * 1_000,
            _ => 10_000,
        };
        if i % 5 != 4 {
            self.report(i, 1, percent);
            self.pay_what_progress_allows(i);
        }
        if i == 28 || i == 48 {
            // Pays ahead of accepted progress: rejected, with an alert.
            let (_, attempt) = self.h.submit(
                dept,
                Specialist,
                Operation::RequestDisbursement(DisbursementRequest {
                    id: format!("{p}-EARLY"),
                    contract: format!("{p}-C"),
                    amount_fen: contract_fen / 100 * 80,
                    milestone: None,
                    note: "提前支付80% pay 80 % now".into(),
                }),
            );
            if !attempt.is_applied() {
                self.rejections += 1;
            }
        }
        match goal {
            Target::Suspended => {
                self.h.ok_approved(
                    "audit",
                    Director,
                    Operation::SuspendProject {
                        project: p,
                        reason: "审计发现招标程序问题，暂停整改".into(),
                    },
                );
            }
            Target::Accepted | Target::Evaluated | Target::Closed => {
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
                self.pay_what_progress_allows(i);
                if goal == Target::Accepted {
                    return;
                }
                self.h.ok_approved(
                    "finance",
                    SectionChief,
                    Operation::RecordEvaluation(Evaluation {
                        project: p.clone(),
                        scores: vec![
                            EvaluationScore {
                                criterion: "绩效目标 outcomes".into(),
                                score_bp: 8_800,
                            },
                            EvaluationScore {
                                criterion: "资金管理 funds".into(),
                                score_bp: 9_200,
                            },
                        ],
                        document_hash: Hash::digest(format!("后评价 {p}").as_bytes()),
                        summary: "达到预期 met its targets".into(),
                    }),
                );
                if goal == Target::Closed {
                    self.h
                        .ok_approved(dept, Director, Operation::CloseProject { project: p });
                }
            }
            _ => {}
        }
    }

    fn rectification_ledger(&mut self) {
        let now = self.h.ctx.time_ms;
        let officer = self.h.city.public("ecology", Specialist);
        for n in 0..MEASURES {
            let id = format!("HB-2026-{n:03}");
            // A third are due within minutes: overdue reminders appear while the devnet runs.
            let deadline_ms = if n % 3 == 2 {
                now + (2 + u64::from(n % 4)) * 60_000
            } else {
                now + (20 + u64::from(n)) * DAY_MS
            };
            self.h.ok(
                "audit",
                Auditor,
                Operation::RaiseRectification(RectificationTask {
                    id: id.clone(),
                    project: (n < 6).then(|| project_id(9)),
                    title: format!("督察整改措施 {n}: 河段 {n} 排污口整治 outfall {n} clean-up"),
                    finding: format!("排污口 {n} COD 超标 outfall {n} exceeds COD limits"),
                    responsible_department: "ecology".into(),
                    responsible_person: officer,
                    deadline_ms,
                    acceptance_standard:
                        "连续三个月监测达标 three consecutive monthly samples within limits".into(),
                    source_ref: "第二轮生态环境保护督察 反馈意见".into(),
                }),
            );
            match n % 3 {
                0 => {
                    self.h.ok(
                        "ecology",
                        Specialist,
                        Operation::SubmitRectification {
                            task: id.clone(),
                            evidence_hash: Hash::digest(format!("监测报告 {id}").as_bytes()),
                            note: "已完成截污改造".into(),
                        },
                    );
                    let accepted = n % 6 == 0;
                    self.h.ok(
                        "audit",
                        Auditor,
                        Operation::VerifyRectification {
                            task: id,
                            accepted,
                            note: if accepted {
                                "核查通过".into()
                            } else {
                                "抽检仍超标，退回整改".into()
                            },
                        },
                    );
                }
                1 if n % 2 == 1 => {
                    self.h.ok(
                        "ecology",
                        Specialist,
                        Operation::SubmitRectification {
                            task: id.clone(),
                            evidence_hash: Hash::digest(format!("整改材料 {id}").as_bytes()),
                            note: String::new(),
                        },
                    );
                }
                _ => {}
            }
        }
    }
}

/// Reports `percent_bp` of `project` as report `report` (the department's specialist) and
/// accepts it (its director): progress as the rules record it, for the demo and the synthetic
/// history alike.
pub(crate) fn report_accepted(
    h: &mut Harness,
    dept: &str,
    project: &str,
    report: &str,
    percent_bp: u16,
    note: &str,
) {
    h.ok(
        dept,
        Specialist,
        Operation::ReportProgress(ProgressReport {
            id: report.to_owned(),
            project: project.to_owned(),
            percent_bp,
            milestone: None,
            evidence_hash: Hash::digest(report.as_bytes()),
            note: note.to_owned(),
        }),
    );
    h.ok(
        dept,
        Director,
        Operation::ReviewProgress {
            report: report.to_owned(),
            accepted: true,
            note: String::new(),
        },
    );
}

/// Builds the demo's transactions for a ledger at `height`, block time about `now_ms`.
pub fn plan(keys: &DevnetKeys, height: u64, now_ms: u64) -> Result<DemoPlan> {
    let mut by_role = BTreeMap::new();
    for (_, department, role, key) in &keys.members {
        by_role
            .entry((department.clone(), *role))
            .or_insert_with(|| key.clone());
    }
    for (department, role) in [
        ("finance", Specialist),
        ("audit", Auditor),
        ("ecology", Specialist),
        ("transport", Specialist),
    ] {
        if !by_role.contains_key(&(department.to_owned(), role)) {
            bail!("the devnet genesis has no {role:?} in {department}; the demo needs one");
        }
    }
    let city = City::from_parts(keys.genesis.clone(), by_role);
    let mut h = Harness::with_city_at(city, height + 1, now_ms);
    h.tx_validity_blocks = VALIDITY_BLOCKS;
    let start_ms = now_ms;
    let mut builder = Builder {
        h,
        start_ms,
        rejections: 0,
        disbursements: BTreeMap::new(),
    };
    for i in 0..PROJECTS {
        builder.project(i);
    }
    builder.rectification_ledger();
    let txs = builder
        .h
        .journal
        .iter()
        .filter_map(|entry| match entry {
            gongxin_contracts::testkit::JournalEntry::Tx(tx) => Some(SignedTx::clone(tx)),
            gongxin_contracts::testkit::JournalEntry::Block(_) => None,
        })
        .collect();
    Ok(DemoPlan {
        txs,
        expected_rejections: builder.rejections,
    })
}

fn get_json(agent: &ureq::Agent, url: &str) -> Result<serde_json::Value> {
    let mut response = agent
        .get(url)
        .call()
        .with_context(|| format!("GET {url}"))?;
    let body = response.body_mut().read_to_string()?;
    serde_json::from_str(&body).with_context(|| format!("GET {url}: not JSON"))
}

/// Loads the demo through the gateway at `url` when the ledger is empty. Returns a summary, or
/// `None` when the ledger already has entries.
pub fn load_if_empty(url: &str, keys: &DevnetKeys) -> Result<Option<String>> {
    let agent = http_agent();
    let status = get_json(&agent, &format!("{url}/v1/status"))?;
    if status["log_size"].as_u64() != Some(0) {
        return Ok(None);
    }
    let height = status["height"].as_u64().context("status without height")?;
    let plan = plan(keys, height, SystemClock.now_ms())?;
    let started = Instant::now();
    for (n, tx) in plan.txs.iter().enumerate() {
        // Back off while the mempool is full; give up after a minute of refusals.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let response = agent
                .post(&format!("{url}/v1/txs"))
                .header("content-type", "application/octet-stream")
                .send(tx.to_bytes().as_slice())
                .with_context(|| format!("submitting demo transaction {n}"))?;
            match response.status().as_u16() {
                202 => break,
                503 if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
                status => {
                    let body = response.into_body().read_to_string().unwrap_or_default();
                    bail!("demo transaction {n} refused with {status}: {body}");
                }
            }
        }
    }
    let last = plan
        .txs
        .last()
        .map(SignedTx::hash)
        .context("the demo has no transactions")?;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let tx = get_json(&agent, &format!("{url}/v1/txs/{last}"))?;
        if tx["status"] == "committed" {
            break;
        }
        if Instant::now() > deadline {
            bail!("the demo's last transaction was not committed within 2 minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(Some(format!(
        "{} transactions in {:.1} s: programme {PROGRAMME} ({PROJECTS} sub-projects at every stage), rectification ledger HB-2026 ({MEASURES} measures); {} attempted irregularities rejected on purpose",
        plan.txs.len(),
        started.elapsed().as_secs_f64(),
        plan.expected_rejections
    )))
}
