//! Read-only queries for the gateway: each returns a serde-serialisable view, and each is
//! bounded (lists page through an ordered index with a cursor — the last key returned — and at
//! most [`QUERY_PAGE_MAX`] entries per page).
//!
//! These are the internal API's views (full records). The public portal must pass records
//! through [`crate::disclosure`]; [`public_project`] does that for a project and its contract.

use gongxin_core::Hash;
use gongxin_core::crypto::PublicKey;
use gongxin_core::model::{
    ApprovalPolicy, BasisPoints, Fen, OperationKind, ProjectStage, ReminderPolicy, TimestampMs,
};
use gongxin_core::validator::Validator;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::disclosure::Disclose;
use crate::engine::allowed_payment;
use crate::events::Alert;
use crate::health::{HealthScore, Quarter, health_dyn};
use crate::keys;
use crate::limits::{POLICIES_PER_KIND_MAX, QUERY_PAGE_MAX, VALIDATORS_MAX};
use crate::records::{
    AckRecord, ChangeRecord, ContractState, DepartmentRecord, DisbursementRecord, GovernanceRecord,
    HistoryEntry, MemberRecord, Params, ProcurementRecord, ProgressRecord, ProjectRecord,
    RectStatus, RectificationRecord, RejectionRecord, RequestRecord,
};
use crate::state::{State, StorageError};
use crate::store;

/// One page of a list, with the cursor to pass as `after` for the next page (`None` at the end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

fn clamp(limit: usize) -> usize {
    limit.clamp(1, QUERY_PAGE_MAX)
}

fn key_text(key: &[u8]) -> String {
    String::from_utf8_lossy(key).into_owned()
}

/// A page of the records stored directly under `prefix`.
fn page_of<T: bincode::Decode<()>>(
    st: &dyn State,
    prefix: &[u8],
    after: Option<&str>,
    limit: usize,
) -> Result<Page<T>, StorageError> {
    let limit = clamp(limit);
    let entries = store::scan::<T>(st, prefix, after.map(str::as_bytes), limit)?;
    let next = (entries.len() == limit).then(|| key_text(&entries[limit - 1].0));
    Ok(Page {
        items: entries.into_iter().map(|(_, v)| v).collect(),
        next,
    })
}

/// A page through an index: `load` gets each entry's key and value, fetches the record (index
/// entries are empty with the record id as the key's last component, or hold the record's key)
/// and may drop it (a filter). The page scans at most `4 × limit` entries, so a selective filter
/// cannot make one query unbounded; it then ends short with a cursor to continue from.
fn page_via_index<T>(
    st: &dyn State,
    prefix: &[u8],
    after: Option<&str>,
    limit: usize,
    mut load: impl FnMut(&dyn State, &[u8], &[u8]) -> Result<Option<T>, StorageError>,
) -> Result<Page<T>, StorageError> {
    let limit = clamp(limit);
    let scan_max = limit * 4;
    let entries = st.scan_prefix(prefix, after.map(str::as_bytes), scan_max)?;
    let mut items = Vec::new();
    let mut last: Option<Vec<u8>> = None;
    let scanned_all = entries.len() < scan_max;
    for (key, value) in &entries {
        last = Some(key.clone());
        if let Some(item) = load(st, key, value)? {
            items.push(item);
            if items.len() == limit {
                break;
            }
        }
    }
    let at_end = scanned_all && last.as_deref() == entries.last().map(|(k, _)| k.as_slice());
    Ok(Page {
        items,
        next: if at_end {
            None
        } else {
            last.map(|k| key_text(&k))
        },
    })
}

/// A project's money and progress at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectTotals {
    pub budget_fen: Fen,
    /// Contract amount (after change orders).
    pub committed_fen: Fen,
    /// Budget not yet committed.
    pub uncommitted_fen: Fen,
    pub approved_unpaid_fen: Fen,
    pub disbursed_fen: Fen,
    /// Paid as a share of the budget (budget use).
    pub budget_use_bp: u64,
    pub accepted_progress_bp: BasisPoints,
    pub reported_progress_bp: BasisPoints,
    /// What accepted progress (and the advance) allows to be paid or approved in total.
    pub payable_fen: Fen,
    pub payable_bp: BasisPoints,
}

/// A project with everything the internal portal shows on its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectView {
    pub project: ProjectRecord,
    pub totals: ProjectTotals,
    pub procurement: Option<ProcurementRecord>,
    pub contracts: Vec<ContractState>,
    /// The first page of the history, oldest first (page on with [`project_history`]).
    pub history: Page<HistoryEntry>,
    pub alerts: Page<Alert>,
    pub rejections: Page<RejectionRecord>,
    pub open_requests: Page<RequestRecord>,
    /// The health score of the current quarter.
    pub health: Option<HealthScore>,
}

fn totals(st: &dyn State, p: &ProjectRecord) -> Result<ProjectTotals, StorageError> {
    let budget = p.budget_fen();
    let (payable_bp, payable_fen) = match &p.contract {
        Some(id) => match store::get::<ContractState>(st, &keys::contract(id))? {
            Some(c) => allowed_payment(&c, p),
            None => (0, 0),
        },
        None => (0, 0),
    };
    Ok(ProjectTotals {
        budget_fen: budget,
        committed_fen: p.committed_fen,
        uncommitted_fen: budget.saturating_sub(p.committed_fen),
        approved_unpaid_fen: p.approved_unpaid_fen,
        disbursed_fen: p.disbursed_fen,
        budget_use_bp: if budget == 0 {
            0
        } else {
            (u128::from(p.disbursed_fen) * 10_000 / u128::from(budget)) as u64
        },
        accepted_progress_bp: p.accepted_progress_bp,
        reported_progress_bp: p.reported_progress_bp,
        payable_fen,
        payable_bp,
    })
}

/// A project with its totals, procurement, contract, first pages of history, alerts, rejected
/// attempts and open requests, and its health this quarter (as of `now_ms`).
pub fn project<S: State>(
    state: &S,
    id: &str,
    now_ms: TimestampMs,
) -> Result<Option<ProjectView>, StorageError> {
    let st: &dyn State = state;
    let Some(p) = store::get::<ProjectRecord>(st, &keys::project(id))? else {
        return Ok(None);
    };
    let contracts = contracts_dyn(st, id)?;
    Ok(Some(ProjectView {
        totals: totals(st, &p)?,
        procurement: store::get(st, &keys::procurement(id))?,
        contracts,
        history: page_of(st, &keys::history_of(&keys::project(id)), None, 100)?,
        alerts: page_of(st, &keys::project_alerts(id), None, 100)?,
        rejections: page_via_index(st, &keys::project_rejections(id), None, 100, load_at)?,
        open_requests: open_requests_dyn(st, &keys::project_requests(id), None, 100)?,
        health: health_dyn(st, id, Quarter::of(now_ms), now_ms)?,
        project: p,
    }))
}

/// Loads the record at the key an index entry holds.
fn load_at<T: bincode::Decode<()>>(
    st: &dyn State,
    _index_key: &[u8],
    record_key: &[u8],
) -> Result<Option<T>, StorageError> {
    store::get(st, record_key)
}

/// The public view of a project with its procurement and contract (for the public portal), or
/// `None` when the project does not exist or is internal.
pub fn public_project<S: State>(state: &S, id: &str) -> Result<Option<Value>, StorageError> {
    let st: &dyn State = state;
    let Some(p) = store::get::<ProjectRecord>(st, &keys::project(id))? else {
        return Ok(None);
    };
    let Some(mut view) = p.public_view() else {
        return Ok(None);
    };
    let procurement =
        store::get::<ProcurementRecord>(st, &keys::procurement(id))?.and_then(|r| r.public_view());
    let contracts: Vec<Value> = contracts_dyn(st, id)?
        .iter()
        .filter_map(Disclose::public_view)
        .collect();
    if let Some(object) = view.as_object_mut() {
        object.insert("procurement".into(), procurement.unwrap_or(Value::Null));
        object.insert("contracts".into(), Value::Array(contracts));
    }
    Ok(Some(view))
}

/// A page of a project's history, oldest first.
pub fn project_history<S: State>(
    state: &S,
    id: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<HistoryEntry>, StorageError> {
    page_of(state, &keys::history_of(&keys::project(id)), after, limit)
}

/// A page of the history of any record, by its state key (e.g. `contract/C-1`).
pub fn record_history<S: State>(
    state: &S,
    record_key: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<HistoryEntry>, StorageError> {
    page_of(
        state,
        &keys::history_of(record_key.as_bytes()),
        after,
        limit,
    )
}

/// A page of a project's alerts, oldest first.
pub fn project_alerts<S: State>(
    state: &S,
    id: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<Alert>, StorageError> {
    page_of(state, &keys::project_alerts(id), after, limit)
}

/// A page of the rejected attempts concerning a project, oldest first.
pub fn project_rejections<S: State>(
    state: &S,
    id: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<RejectionRecord>, StorageError> {
    page_via_index(state, &keys::project_rejections(id), after, limit, load_at)
}

/// A page of all rejected transactions, oldest first, from block `from_height` on (and after
/// the cursor `after`, when it is further on).
pub fn rejections<S: State>(
    state: &S,
    from_height: u64,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<RejectionRecord>, StorageError> {
    // Every rejection key of a height ≥ from_height sorts after `rej/<hex16(from_height)>`.
    let start = format!("rej/{}", keys::hex16(from_height));
    let after = match after {
        Some(cursor) if cursor > start.as_str() => cursor,
        _ => start.as_str(),
    };
    page_of(state, b"rej/", Some(after), limit)
}

/// Filters for [`list_projects`]; all given filters must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectFilter {
    pub department: Option<String>,
    pub stage: Option<ProjectStage>,
    pub programme: Option<String>,
}

/// A project in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectSummary {
    pub id: String,
    pub name: String,
    pub owner_department: String,
    pub programme: Option<String>,
    pub stage: ProjectStage,
    pub budget_fen: Fen,
    pub committed_fen: Fen,
    pub disbursed_fen: Fen,
    pub accepted_progress_bp: BasisPoints,
    /// Latest claimed progress, accepted or not.
    pub reported_progress_bp: BasisPoints,
    /// The schedule a Gantt chart draws: planned start, current planned end (after approved
    /// change orders) and the planned end as first approved.
    pub planned_start_ms: TimestampMs,
    pub planned_end_ms: TimestampMs,
    pub original_planned_end_ms: TimestampMs,
}

fn summary(p: &ProjectRecord) -> ProjectSummary {
    ProjectSummary {
        id: p.id.clone(),
        name: p.name.clone(),
        owner_department: p.owner_department.clone(),
        programme: p.programme.clone(),
        stage: p.stage,
        budget_fen: p.budget_fen(),
        committed_fen: p.committed_fen,
        disbursed_fen: p.disbursed_fen,
        accepted_progress_bp: p.accepted_progress_bp,
        reported_progress_bp: p.reported_progress_bp,
        planned_start_ms: p.planned_start_ms,
        planned_end_ms: p.planned_end_ms,
        original_planned_end_ms: p.original_planned_end_ms,
    }
}

/// Projects matching `filter`, in id order, through the most selective index available.
pub fn list_projects<S: State>(
    state: &S,
    filter: &ProjectFilter,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<ProjectSummary>, StorageError> {
    let st: &dyn State = state;
    let keep = |p: &ProjectRecord| {
        filter
            .department
            .as_ref()
            .is_none_or(|d| &p.owner_department == d)
            && filter.stage.is_none_or(|s| p.stage == s)
            && filter
                .programme
                .as_ref()
                .is_none_or(|g| p.programme.as_ref() == Some(g))
    };
    let by_id =
        |st: &dyn State, key: &[u8], _: &[u8]| -> Result<Option<ProjectSummary>, StorageError> {
            let id = keys::last_component(key);
            Ok(store::get::<ProjectRecord>(st, &keys::project(id))?
                .filter(|p| keep(p))
                .map(|p| summary(&p)))
        };
    // The department's own index comes first: the cursor of a page is the last index key
    // scanned, so a reader confined to one department must page through that department's
    // index only, or cursors would name other departments' records.
    let prefix = if let Some(d) = &filter.department {
        keys::dept_projects(d)
    } else if let Some(g) = &filter.programme {
        keys::programme_projects(g)
    } else if let Some(s) = filter.stage {
        keys::stage_projects(s)
    } else {
        keys::PROJECTS.to_vec()
    };
    page_via_index(st, &prefix, after, limit, by_id)
}

/// A page of public projects matching `filter` (disclosed views, with procurement and
/// contracts) in id order after the position `after` (any string: a position, not a record),
/// and how many public projects match in all. One prefix scan and one counter read, whatever
/// the ledger's size (`engine::public_index`). A department or programme that is not a valid
/// id matches nothing.
pub fn public_projects<S: State>(
    state: &S,
    filter: &ProjectFilter,
    after: Option<&str>,
    limit: usize,
) -> Result<(u64, Page<Value>), StorageError> {
    let st: &dyn State = state;
    let valid = |v: &Option<String>| v.as_deref().is_none_or(gongxin_core::model::is_valid_id);
    if !valid(&filter.department) || !valid(&filter.programme) {
        return Ok((
            0,
            Page {
                items: Vec::new(),
                next: None,
            },
        ));
    }
    let components = [
        filter.department.as_deref().unwrap_or(keys::ANY),
        filter.programme.as_deref().unwrap_or(keys::ANY),
        filter.stage.map_or(keys::ANY, keys::stage_name),
    ];
    let total = store::get::<u64>(st, &keys::public_count(components))?.unwrap_or(0);
    let prefix = keys::public_projects_in(components);
    let limit = clamp(limit);
    let start = after.map(|a| {
        let mut key = prefix.clone();
        key.extend_from_slice(a.as_bytes());
        key
    });
    let listed = st.scan_prefix(&prefix, start.as_deref(), limit + 1)?;
    let more = listed.len() > limit;
    let mut items = Vec::with_capacity(limit.min(listed.len()));
    let mut last = None;
    for (key, _) in listed.iter().take(limit) {
        let id = keys::last_component(key);
        if let Some(view) = public_project(state, id)? {
            items.push(view);
            last = Some(id.to_owned());
        }
    }
    Ok((
        total,
        Page {
            items,
            next: if more { last } else { None },
        },
    ))
}

/// Whether `key` is validator `name`'s current key (who may sign `anchor_access_log` for it).
pub fn is_validator_key<S: State>(
    state: &S,
    name: &str,
    key: &PublicKey,
) -> Result<bool, StorageError> {
    let st: &dyn State = state;
    Ok(store::get::<Validator>(st, &keys::validator(name))?.is_some_and(|v| v.public_key == *key))
}

/// The newest anchor of validator `node`'s operation log.
pub fn latest_access_anchor<S: State>(
    state: &S,
    node: &str,
) -> Result<Option<crate::records::AccessAnchorRecord>, StorageError> {
    let st: &dyn State = state;
    store::get(st, &keys::access_anchor_latest(node))
}

/// The delay-risk model validator `node` recorded last (`record_risk_model`).
pub fn latest_risk_model<S: State>(
    state: &S,
    node: &str,
) -> Result<Option<crate::records::RiskModelRecord>, StorageError> {
    let st: &dyn State = state;
    store::get(st, &keys::risk_model_latest(node))
}

/// Anchors of validator `node`'s operation log in count order, after the anchor with count
/// `after` (if given), at most `limit`.
pub fn access_anchors<S: State>(
    state: &S,
    node: &str,
    after: Option<u64>,
    limit: usize,
) -> Result<Vec<crate::records::AccessAnchorRecord>, StorageError> {
    let st: &dyn State = state;
    let after = after.map(|count| keys::access_anchor(node, count));
    Ok(
        store::scan(st, &keys::access_anchors(node), after.as_deref(), limit)?
            .into_iter()
            .map(|(_, anchor)| anchor)
            .collect(),
    )
}

fn contracts_dyn(st: &dyn State, project: &str) -> Result<Vec<ContractState>, StorageError> {
    let mut out = Vec::new();
    for (key, ()) in store::scan::<()>(st, &keys::project_contracts(project), None, QUERY_PAGE_MAX)?
    {
        if let Some(c) = store::get(st, &keys::contract(keys::last_component(&key)))? {
            out.push(c);
        }
    }
    Ok(out)
}

/// A project's contracts.
pub fn contracts_of_project<S: State>(
    state: &S,
    project: &str,
) -> Result<Vec<ContractState>, StorageError> {
    contracts_dyn(state, project)
}

pub fn contract<S: State>(state: &S, id: &str) -> Result<Option<ContractState>, StorageError> {
    store::get(state, &keys::contract(id))
}

/// A page of a contract's disbursements, in id order.
pub fn disbursements<S: State>(
    state: &S,
    contract: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<DisbursementRecord>, StorageError> {
    page_via_index(
        state,
        &keys::contract_disbursements(contract),
        after,
        limit,
        |st, key, _| store::get(st, &keys::disbursement(keys::last_component(key))),
    )
}

/// A page of a contract's executed change orders.
pub fn change_orders<S: State>(
    state: &S,
    contract: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<ChangeRecord>, StorageError> {
    page_via_index(
        state,
        &keys::contract_changes(contract),
        after,
        limit,
        |st, key, _| store::get(st, &keys::change(keys::last_component(key))),
    )
}

/// A page of a project's progress reports.
pub fn progress_reports<S: State>(
    state: &S,
    project: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<ProgressRecord>, StorageError> {
    page_via_index(
        state,
        &keys::project_progress(project),
        after,
        limit,
        |st, key, _| store::get(st, &keys::progress(keys::last_component(key))),
    )
}

/// Filters for [`rectifications`]; all given filters must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationFilter {
    pub status: Option<RectStatus>,
    pub department: Option<String>,
    pub project: Option<String>,
    /// Only tasks awaiting the responsible department whose deadline is before this time.
    pub overdue_at: Option<TimestampMs>,
}

/// Rectification tasks matching `filter`. With a status filter and no department filter they
/// come earliest deadline first (through the status index); otherwise in id order.
pub fn rectifications<S: State>(
    state: &S,
    filter: &RectificationFilter,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<RectificationRecord>, StorageError> {
    let keep = |t: &RectificationRecord| {
        filter.status.is_none_or(|s| t.status == s)
            && filter
                .department
                .as_ref()
                .is_none_or(|d| &t.task.responsible_department == d)
            && filter
                .project
                .as_ref()
                .is_none_or(|p| t.task.project.as_ref() == Some(p))
            && filter
                .overdue_at
                .is_none_or(|at| t.status.awaits_submission() && t.task.deadline_ms < at)
    };
    let by_id = |st: &dyn State,
                 key: &[u8],
                 _: &[u8]|
     -> Result<Option<RectificationRecord>, StorageError> {
        Ok(
            store::get::<RectificationRecord>(st, &keys::rectification(keys::last_component(key)))?
                .filter(|t| keep(t)),
        )
    };
    page_via_index(state, &rectification_index(filter), after, limit, by_id)
}

/// The index a rectification listing under `filter` walks. Department first, for the same
/// reason as in `list_projects`: a department-confined reader's cursors must stay inside its
/// own index.
fn rectification_index(filter: &RectificationFilter) -> Vec<u8> {
    if let Some(d) = &filter.department {
        keys::dept_rects(d)
    } else if let Some(s) = filter.status {
        keys::rect_statuses(s)
    } else if let Some(p) = &filter.project {
        keys::project_rects(p)
    } else {
        b"rect/".to_vec()
    }
}

/// The cursor that starts a [`rectifications`] listing under `filter` right after task id
/// `id`, whether or not such a task exists; `None` when that index is not in id order (a
/// status filter alone orders by deadline).
pub fn rectification_cursor_after(filter: &RectificationFilter, id: &str) -> Option<String> {
    if filter.department.is_none() && filter.status.is_some() {
        return None;
    }
    let mut cursor = rectification_index(filter);
    cursor.extend_from_slice(id.as_bytes());
    Some(key_text(&cursor))
}

fn open_requests_dyn(
    st: &dyn State,
    prefix: &[u8],
    after: Option<&str>,
    limit: usize,
) -> Result<Page<RequestRecord>, StorageError> {
    page_via_index(st, prefix, after, limit, |st, key, _| {
        let Ok(hash) = Hash::from_hex(keys::last_component(key)) else {
            return Err(StorageError::Corrupt {
                key: key_text(key),
                reason: "not a request index key".into(),
            });
        };
        store::get(st, &keys::request(&hash))
    })
}

/// Open requests a department's members can approve (its approval inbox).
pub fn department_open_approvals<S: State>(
    state: &S,
    department: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<RequestRecord>, StorageError> {
    open_requests_dyn(state, &keys::dept_requests(department), after, limit)
}

/// An alert with its digest (what `acknowledge_alert` names) and who acknowledged it. The
/// alert's own fields are flattened, so the JSON is the alert's with two more fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertView {
    pub digest: Hash,
    #[serde(flatten)]
    pub alert: Alert,
    pub acknowledgements: Vec<AckRecord>,
}

/// Whether the one asking has acknowledged an alert yet: for a department's list, anyone of
/// that department; for a person's, that person. (An escalation acknowledged by the
/// responsible department is still open for the audit department it went to.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Open,
    Acknowledged,
}

/// Which alerts a list shows: kinds (by code; empty = every kind), one project, one state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    pub kinds: Vec<String>,
    pub project: Option<String>,
    pub state: Option<AlertState>,
}

/// Acknowledgements one alert view carries (the first ones, by person key order).
const ACKS_PER_ALERT_MAX: usize = 64;

/// The alert at `record_key` with its acknowledgements, if it passes `filter`.
fn alert_view(
    st: &dyn State,
    record_key: &[u8],
    filter: &AlertFilter,
    seen_by: &dyn Fn(&AckRecord) -> bool,
) -> Result<Option<AlertView>, StorageError> {
    let Some(alert) = store::get::<Alert>(st, record_key)? else {
        return Ok(None);
    };
    if !filter.kinds.is_empty() && !filter.kinds.iter().any(|k| k == alert.kind.code()) {
        return Ok(None);
    }
    if filter.project.is_some() && alert.project != filter.project {
        return Ok(None);
    }
    let digest = alert.digest();
    let acknowledgements: Vec<AckRecord> =
        store::scan(st, &keys::acks(&digest), None, ACKS_PER_ALERT_MAX)?
            .into_iter()
            .map(|(_, a)| a)
            .collect();
    let state = if acknowledgements.iter().any(seen_by) {
        AlertState::Acknowledged
    } else {
        AlertState::Open
    };
    if filter.state.is_some_and(|wanted| wanted != state) {
        return Ok(None);
    }
    Ok(Some(AlertView {
        digest,
        alert,
        acknowledgements,
    }))
}

/// Alerts addressed to a department (its reminders, and escalations to it), oldest first.
pub fn department_alerts<S: State>(
    state: &S,
    department: &str,
    filter: &AlertFilter,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<AlertView>, StorageError> {
    page_via_index(
        state,
        &keys::dept_alerts(department),
        after,
        limit,
        |st, _, record_key| alert_view(st, record_key, filter, &|a| a.department == department),
    )
}

/// Alerts naming a person (first key): as the one responsible, or as a director the alert goes
/// to; oldest first.
pub fn person_alerts<S: State>(
    state: &S,
    person: &PublicKey,
    filter: &AlertFilter,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<AlertView>, StorageError> {
    page_via_index(
        state,
        &keys::person_alerts(person),
        after,
        limit,
        |st, _, record_key| alert_view(st, record_key, filter, &|a| a.person == *person),
    )
}

/// One alert by digest, with its acknowledgements.
pub fn alert<S: State>(state: &S, digest: &Hash) -> Result<Option<AlertView>, StorageError> {
    let st: &dyn State = state;
    match st.get(&keys::alert_by_digest(digest))? {
        Some(record_key) => alert_view(st, &record_key, &AlertFilter::default(), &|_| true),
        None => Ok(None),
    }
}

/// The persons (first keys) an alert names: its responsible person and the directors it goes
/// to (who see it under `GET /v1/me/alerts`).
pub fn alert_persons(state: &dyn State, alert: &Alert) -> Result<Vec<PublicKey>, StorageError> {
    crate::engine::addressed_persons(state, alert)
}

/// The reminder thresholds in force.
pub fn reminder_policy<S: State>(state: &S) -> Result<ReminderPolicy, StorageError> {
    crate::engine::reminder_policy(state)
}

pub fn request<S: State>(state: &S, hash: &Hash) -> Result<Option<RequestRecord>, StorageError> {
    store::get(state, &keys::request(hash))
}

pub fn governance<S: State>(state: &S, id: &str) -> Result<Option<GovernanceRecord>, StorageError> {
    store::get(state, &keys::governance(id))
}

pub fn member<S: State>(state: &S, key: &PublicKey) -> Result<Option<MemberRecord>, StorageError> {
    store::get(state, &keys::member(key))
}

/// The members of a department, by key.
pub fn members_of<S: State>(
    state: &S,
    department: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Page<MemberRecord>, StorageError> {
    page_via_index(
        state,
        &keys::dept_members(department),
        after,
        limit,
        |st, key, _| {
            let text = keys::last_component(key);
            match text.parse::<PublicKey>() {
                Ok(k) => store::get(st, &keys::member(&k)),
                Err(_) => Err(StorageError::Corrupt {
                    key: key_text(key),
                    reason: "not a member index key".into(),
                }),
            }
        },
    )
}

pub fn department<S: State>(state: &S, id: &str) -> Result<Option<DepartmentRecord>, StorageError> {
    store::get(state, &keys::department(id))
}

pub fn departments<S: State>(state: &S) -> Result<Vec<DepartmentRecord>, StorageError> {
    Ok(store::scan(state, keys::DEPARTMENTS, None, QUERY_PAGE_MAX)?
        .into_iter()
        .map(|(_, d)| d)
        .collect())
}

/// Every approval policy, by kind and threshold (at most `POLICIES_PER_KIND_MAX` per kind).
pub fn policies<S: State>(state: &S) -> Result<Vec<ApprovalPolicy>, StorageError> {
    let max = OperationKind::ALL.len() * POLICIES_PER_KIND_MAX;
    Ok(store::scan(state, keys::POLICIES, None, max)?
        .into_iter()
        .map(|(_, p)| p)
        .collect())
}

pub fn validators<S: State>(state: &S) -> Result<Vec<Validator>, StorageError> {
    Ok(store::scan(state, keys::VALIDATORS, None, VALIDATORS_MAX)?
        .into_iter()
        .map(|(_, v)| v)
        .collect())
}

pub fn params<S: State>(state: &S) -> Result<Option<Params>, StorageError> {
    store::get(state, keys::PARAMS)
}

/// The health of a project in a quarter (see [`crate::health`]).
pub fn health<S: State>(
    state: &S,
    project: &str,
    quarter: Quarter,
    now_ms: TimestampMs,
) -> Result<Option<HealthScore>, StorageError> {
    health_dyn(state, project, quarter, now_ms)
}

/// Whether a transaction hash is in the de-duplication index (committed within its window).
pub fn seen<S: State>(state: &S, tx: &Hash) -> Result<bool, StorageError> {
    store::exists(state, &keys::seen(tx))
}
