//! `GET /v1/dashboard`: the console's 仪表盘, answered from a per-block snapshot.
//!
//! The figures ([`gongxin_contracts::dashboard`]) read the whole state, so no request computes
//! them while an answer exists: the gateway keeps the last snapshot and, when a request finds
//! it older than the tip and at least [`REFRESH_INTERVAL_MS`] old, starts one recomputation in
//! the background and answers from the snapshot it has. Only the very first request waits.
//! Every answer names the height and time it reflects. A reader sees the departments whose
//! projects they may read (every department, or their own).
//!
//! The same snapshot holds every open project's delay risk ([`gongxin_risk`]): the dashboard's
//! 高风险项目 ranking, `GET /v1/risk` and `GET /v1/projects/{id}/risk` answer from it, so a
//! whole-ledger scoring pass runs at most once per refresh, never per request.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use gongxin_contracts::access::RecordClass;
use gongxin_contracts::dashboard::{DashboardView, DepartmentFigures, department_figures};
use gongxin_contracts::records::ProjectRecord;
use gongxin_risk::score::{ModelRef, RiskLevel, scored};
use gongxin_risk::{LoadedModel, ProjectRisk, score_open_projects};
use serde::Serialize;
use warp::http::StatusCode;

use super::auth::Reader;
use super::error::{ApiError, ApiResult, json};
use super::ledger::Query;
use super::records::{check_project, state_error};
use crate::lock_unpoisoned;
use crate::node::Node;

/// The least time between two recomputations, whatever the block rate.
pub const REFRESH_INTERVAL_MS: u64 = 5_000;

/// The figures at one height.
#[derive(Debug)]
pub struct Snapshot {
    pub height: u64,
    /// The block time the figures are as of (deadlines and quarters are judged at it).
    pub as_of_ms: u64,
    /// When (node clock) the snapshot was computed.
    pub computed_ms: u64,
    pub departments: BTreeMap<String, DepartmentFigures>,
    /// The delay risk of every scored project, by id.
    pub risks: BTreeMap<String, ProjectRisk>,
}

/// The last snapshot, whether a recomputation is running, and the model that scores risk.
#[derive(Debug)]
pub struct DashboardCache {
    latest: Mutex<Option<Arc<Snapshot>>>,
    refreshing: AtomicBool,
    model: Arc<LoadedModel>,
}

impl Default for DashboardCache {
    /// Scores with the built-in model.
    fn default() -> DashboardCache {
        DashboardCache::with_model(Arc::new(LoadedModel::builtin().clone()))
    }
}

/// How many projects the dashboard's risk ranking lists.
pub const RISK_RANKING_LEN: usize = 10;

/// One line of a risk ranking.
#[derive(Debug, Serialize)]
struct RiskLine<'a> {
    project: &'a str,
    name: &'a str,
    department: &'a str,
    probability_bp: u16,
    level: RiskLevel,
    summary_zh: &'a str,
    summary_en: &'a str,
}

impl<'a> From<&'a ProjectRisk> for RiskLine<'a> {
    fn from(r: &'a ProjectRisk) -> RiskLine<'a> {
        RiskLine {
            project: &r.project,
            name: &r.name,
            department: &r.department,
            probability_bp: r.probability_bp,
            level: r.level,
            summary_zh: &r.summary_zh,
            summary_en: &r.summary_en,
        }
    }
}

/// The model of an answer: version, SM3, and the height of this node's `record_risk_model`
/// naming it (`null` until the ledger has it).
#[derive(Debug, Serialize)]
struct ModelAnswer {
    #[serde(flatten)]
    model: ModelRef,
    recorded_height: Option<u64>,
}

#[derive(Serialize)]
struct Reply<'a> {
    height: u64,
    as_of_ms: u64,
    #[serde(flatten)]
    view: &'a DashboardView,
    /// The readable scored projects, highest delay risk first (at most [`RISK_RANKING_LEN`]).
    risk_ranking: Vec<RiskLine<'a>>,
    risk_model: ModelAnswer,
}

impl DashboardCache {
    /// A cache whose snapshots score risk with `model`.
    pub fn with_model(model: Arc<LoadedModel>) -> DashboardCache {
        DashboardCache {
            latest: Mutex::default(),
            refreshing: AtomicBool::new(false),
            model,
        }
    }

    /// The model this gateway scores with, and the height from which the ledger says so.
    fn model_answer(&self, node: &Node) -> ModelAnswer {
        let recorded =
            gongxin_contracts::queries::latest_risk_model(&node.reader().state(), &node.name)
                .ok()
                .flatten()
                .filter(|r| r.sm3 == self.model.sm3 && r.version == self.model.model.version);
        ModelAnswer {
            model: ModelRef {
                version: self.model.model.version.clone(),
                sm3: self.model.sm3,
            },
            recorded_height: recorded.map(|r| r.height),
        }
    }

    /// The snapshot to answer from: the cached one (starting a background refresh when it is
    /// stale), or a fresh one when there is none yet.
    pub fn snapshot(self: &Arc<Self>, node: &Arc<Node>) -> Result<Arc<Snapshot>, ApiError> {
        let cached = lock_unpoisoned(&self.latest).clone();
        let Some(snapshot) = cached else {
            let fresh = Arc::new(compute(node, &self.model)?);
            *lock_unpoisoned(&self.latest) = Some(fresh.clone());
            return Ok(fresh);
        };
        let stale = snapshot.height < node.tip().height()
            && node.clock.now_ms().saturating_sub(snapshot.computed_ms) >= REFRESH_INTERVAL_MS;
        if stale && !self.refreshing.swap(true, Ordering::AcqRel) {
            let cache = self.clone();
            let node = node.clone();
            std::thread::spawn(move || {
                // Cleared however the computation ends, a panic included: a flag left set
                // would freeze the dashboard at this snapshot for good.
                let _done = RefreshDone(&cache.refreshing);
                match compute(&node, &cache.model) {
                    Ok(fresh) => *lock_unpoisoned(&cache.latest) = Some(Arc::new(fresh)),
                    Err(e) => tracing::warn!(error = %e.message, "dashboard refresh failed"),
                }
            });
        }
        Ok(snapshot)
    }
}

/// Clears the "refresh running" flag when dropped.
struct RefreshDone<'a>(&'a AtomicBool);

impl Drop for RefreshDone<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Computes every department's figures and every open project's risk at the current tip.
fn compute(node: &Node, model: &LoadedModel) -> Result<Snapshot, ApiError> {
    let tip = node.tip();
    let as_of_ms = tip.header.timestamp_ms;
    let state = node.reader().state();
    let failed = |e: gongxin_contracts::StorageError| {
        tracing::error!(error = %e, "state read failed while computing the dashboard");
        ApiError::internal("the node could not read its state")
    };
    let departments = department_figures(&state, as_of_ms).map_err(failed)?;
    let risks = score_open_projects(&state, model, as_of_ms)
        .map_err(failed)?
        .into_iter()
        .map(|r| (r.project.clone(), r))
        .collect();
    Ok(Snapshot {
        height: tip.height(),
        as_of_ms,
        computed_ms: node.clock.now_ms(),
        departments,
        risks,
    })
}

/// The scored projects `reader` may see, highest risk first (ties by id).
fn readable_risks<'a>(snapshot: &'a Snapshot, reader: &Reader) -> Vec<&'a ProjectRisk> {
    let all = reader.reads_all(RecordClass::Project);
    let mut risks: Vec<&ProjectRisk> = snapshot
        .risks
        .values()
        .filter(|r| all || r.department == reader.department())
        .collect();
    risks.sort_by(|a, b| {
        b.probability_bp
            .cmp(&a.probability_bp)
            .then(a.project.cmp(&b.project))
    });
    risks
}

/// `GET /v1/dashboard`: the snapshot, merged over the departments `reader` may see.
pub fn dashboard(
    cache: &DashboardCache,
    snapshot: &Snapshot,
    node: &Node,
    reader: &Reader,
) -> ApiResult {
    let all = reader.reads_all(RecordClass::Project);
    let visible = snapshot
        .departments
        .iter()
        .filter(|(id, _)| all || id.as_str() == reader.department());
    let view = DashboardView::merge(visible, snapshot.as_of_ms);
    let risk_ranking = readable_risks(snapshot, reader)
        .into_iter()
        .take(RISK_RANKING_LEN)
        .map(RiskLine::from)
        .collect();
    Ok(json(
        StatusCode::OK,
        &Reply {
            height: snapshot.height,
            as_of_ms: snapshot.as_of_ms,
            view: &view,
            risk_ranking,
            risk_model: cache.model_answer(node),
        },
    ))
}

#[derive(Serialize)]
struct RiskList<'a> {
    height: u64,
    as_of_ms: u64,
    model: ModelAnswer,
    items: Vec<&'a ProjectRisk>,
}

/// `GET /v1/risk?level=high|medium|low&department=`: every readable scored project, highest
/// risk first, with its factors.
pub fn risk_list(
    cache: &DashboardCache,
    snapshot: &Snapshot,
    node: &Node,
    reader: &Reader,
    query: &Query,
) -> ApiResult {
    let level = match query.get("level").map(String::as_str) {
        None => None,
        Some("high") => Some(RiskLevel::High),
        Some("medium") => Some(RiskLevel::Medium),
        Some("low") => Some(RiskLevel::Low),
        Some(other) => {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("level must be high, medium or low, got {other:?}"),
            ));
        }
    };
    let department = query.get("department");
    if let Some(d) = department
        && !reader.reads_all(RecordClass::Project)
        && d != reader.department()
    {
        return Err(super::auth::forbidden(format!(
            "{} may not read the projects of {d}",
            reader.department()
        )));
    }
    let items = readable_risks(snapshot, reader)
        .into_iter()
        .filter(|r| level.is_none_or(|l| r.level == l))
        .filter(|r| department.is_none_or(|d| &r.department == d))
        .collect();
    Ok(json(
        StatusCode::OK,
        &RiskList {
            height: snapshot.height,
            as_of_ms: snapshot.as_of_ms,
            model: cache.model_answer(node),
            items,
        },
    ))
}

#[derive(Serialize)]
struct OneRisk<'a> {
    project: &'a str,
    height: u64,
    as_of_ms: u64,
    model: ModelAnswer,
    /// `null` when the project is not scored; `not_scored` then says why.
    risk: Option<&'a ProjectRisk>,
    not_scored: Option<&'static str>,
}

/// `GET /v1/projects/{id}/risk`: the project's delay risk with every factor, or why it has none.
pub fn project_risk(
    cache: &DashboardCache,
    snapshot: &Snapshot,
    node: &Node,
    reader: &Reader,
    id: &str,
) -> ApiResult {
    let state = node.reader().state();
    check_project(reader, &state, id)?;
    let risk = snapshot.risks.get(id);
    let not_scored = match risk {
        Some(_) => None,
        None => {
            let project = gongxin_contracts::store::get::<ProjectRecord>(
                &state,
                &gongxin_contracts::keys::project(id),
            )
            .map_err(state_error)?;
            Some(match project {
                Some(p) if scored(p.stage) => {
                    "评估快照尚未包含该项目，稍后刷新 the risk snapshot does not include it yet"
                }
                _ => {
                    "仅评估已签约、实施中或暂停的项目 only contracted, in-progress or suspended projects are scored"
                }
            })
        }
    };
    Ok(json(
        StatusCode::OK,
        &OneRisk {
            project: id,
            height: snapshot.height,
            as_of_ms: snapshot.as_of_ms,
            model: cache.model_answer(node),
            risk,
            not_scored,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_refresh_still_clears_the_running_flag() {
        let flag = Arc::new(AtomicBool::new(true));
        let in_thread = flag.clone();
        let outcome = std::thread::spawn(move || {
            let _done = RefreshDone(&in_thread);
            panic!("state read blew up");
        })
        .join();
        assert!(outcome.is_err());
        assert!(!flag.load(Ordering::Acquire));
    }
}
