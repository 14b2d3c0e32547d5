//! Internal record reads: every request signed by a member ([`super::auth`]); what a member may
//! see follows their department (audit everything; finance and planning every project; a line
//! department its own projects and the rectification tasks it answers for).

use gongxin_contracts::AlertKind;
use gongxin_contracts::health::Quarter;
use gongxin_contracts::queries::{
    self, AlertFilter, AlertState, Page, ProjectFilter, RectificationFilter,
};
use gongxin_contracts::records::RectStatus;
use gongxin_core::Hash;
use gongxin_core::model::ProjectStage;
use serde::Serialize;
use serde::de::DeserializeOwned;
use warp::http::StatusCode;

use gongxin_contracts::access::{self, RecordClass, Subject};

use super::auth::{Reader, forbidden, not_readable};
use super::error::{ApiError, ApiResult, json};
use super::ledger::Query;
use crate::node::Node;
use crate::reader::CommittedState;

/// Default page size of list endpoints (the largest is [`gongxin_core::api::PAGE_MAX`]).
pub const PAGE_DEFAULT: usize = 50;
pub const PAGE_MAX: usize = gongxin_core::api::PAGE_MAX as usize;

pub(super) fn state_error(e: gongxin_contracts::StorageError) -> ApiError {
    tracing::error!(error = %e, "state read failed while serving a request");
    ApiError::internal("the node could not read its state")
}

/// `limit` and `after` of a list request.
pub fn paging(query: &Query) -> Result<(usize, Option<String>), ApiError> {
    let limit = match query.get("limit") {
        None => PAGE_DEFAULT,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=PAGE_MAX).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_request(
                    "bad_query",
                    format!("limit must be an integer from 1 to {PAGE_MAX}, got {text:?}"),
                ));
            }
        },
    };
    Ok((limit, query.get("after").cloned()))
}

/// A snake_case enum value from the query string (stage, status).
pub fn enum_param<T: DeserializeOwned>(query: &Query, name: &str) -> Result<Option<T>, ApiError> {
    match query.get(name) {
        None => Ok(None),
        Some(text) => serde_json::from_value(serde_json::Value::String(text.clone()))
            .map(Some)
            .map_err(|_| {
                ApiError::bad_request("bad_query", format!("{name} {text:?} is not a known value"))
            }),
    }
}

#[derive(Serialize)]
struct PageReply<'a, T: Serialize> {
    items: &'a [T],
    next: &'a Option<String>,
}

fn page<T: Serialize>(page: &Page<T>) -> ApiResult {
    Ok(json(
        StatusCode::OK,
        &PageReply {
            items: &page.items,
            next: &page.next,
        },
    ))
}

/// Refuses unless `reader` may read project `id`. Absent and not readable are one answer
/// (403 `not_readable`) for readers who do not see every project; those who do get 404 for an
/// absent one, which tells them nothing they could not list.
pub(super) fn check_project(
    reader: &Reader,
    state: &CommittedState<'_>,
    id: &str,
) -> Result<(), ApiError> {
    let subject = access::project_subject(state, id).map_err(state_error)?;
    let exists = matches!(&subject, Subject::Project { owner: Some(_), .. });
    if exists && reader.may_read(&subject) {
        return Ok(());
    }
    if !exists && reader.reads_all(RecordClass::Project) {
        return Err(ApiError::not_found(
            "unknown_project",
            format!("no project {id:?}"),
        ));
    }
    Err(not_readable(&format!("project {id:?}"), reader))
}

/// `GET /v1/projects?department=&stage=&programme=&after=&limit=`.
pub fn list_projects(node: &Node, reader: &Reader, query: &Query) -> ApiResult {
    let (limit, after) = paging(query)?;
    let filter = project_filter(reader, query)?;
    let state = node.reader().state();
    page(&queries::list_projects(&state, &filter, after.as_deref(), limit).map_err(state_error)?)
}

/// The project filter of a list (`department`, `stage`, `programme`), narrowed to the reader's
/// own projects for a line department.
pub(super) fn project_filter(reader: &Reader, query: &Query) -> Result<ProjectFilter, ApiError> {
    let mut filter = ProjectFilter {
        department: query.get("department").cloned(),
        stage: enum_param::<ProjectStage>(query, "stage")?,
        programme: query.get("programme").cloned(),
    };
    if !reader.reads_all(RecordClass::Project) {
        // A line department sees its own projects only.
        match &filter.department {
            Some(d) if d != reader.department() => {
                return Err(forbidden(format!(
                    "{} may not list projects of {d}",
                    reader.department()
                )));
            }
            _ => filter.department = Some(reader.department().to_owned()),
        }
    }
    Ok(filter)
}

/// `GET /v1/projects/{id}`: record, totals (budget vs committed vs disbursed), procurement,
/// contracts, history, alerts, rejected attempts, open requests and this quarter's health.
pub fn project(node: &Node, reader: &Reader, id: &str) -> ApiResult {
    let state = node.reader().state();
    check_project(reader, &state, id)?;
    let view = queries::project(&state, id, node.clock.now_ms())
        .map_err(state_error)?
        .ok_or_else(|| ApiError::not_found("unknown_project", format!("no project {id:?}")))?;
    Ok(json(StatusCode::OK, &view))
}

/// `GET /v1/projects/{id}/history?after=&limit=`.
pub fn project_history(node: &Node, reader: &Reader, id: &str, query: &Query) -> ApiResult {
    let (limit, after) = paging(query)?;
    let state = node.reader().state();
    check_project(reader, &state, id)?;
    page(&queries::project_history(&state, id, after.as_deref(), limit).map_err(state_error)?)
}

/// `GET /v1/projects/{id}/alerts?after=&limit=`.
pub fn project_alerts(node: &Node, reader: &Reader, id: &str, query: &Query) -> ApiResult {
    let (limit, after) = paging(query)?;
    let state = node.reader().state();
    check_project(reader, &state, id)?;
    page(&queries::project_alerts(&state, id, after.as_deref(), limit).map_err(state_error)?)
}

/// `GET /v1/projects/{id}/rejections?after=&limit=`: attempted irregularities on record.
pub fn project_rejections(node: &Node, reader: &Reader, id: &str, query: &Query) -> ApiResult {
    let (limit, after) = paging(query)?;
    let state = node.reader().state();
    check_project(reader, &state, id)?;
    page(&queries::project_rejections(&state, id, after.as_deref(), limit).map_err(state_error)?)
}

/// `GET /v1/rejections?from_height=&after=&limit=`: the rejected attempts of every project (and
/// those about no project), oldest first, from block `from_height` (default 0) on. For readers
/// who read everything (the audit department): it crosses every department's records.
pub fn rejections(node: &Node, reader: &Reader, query: &Query) -> ApiResult {
    if !reader.reads_everything() {
        return Err(forbidden(format!(
            "rejected attempts across all projects are read by the audit department, not {}",
            reader.department()
        )));
    }
    let (limit, after) = paging(query)?;
    let from_height = super::ledger::param_u64(query, "from_height")?.unwrap_or(0);
    let state = node.reader().state();
    page(&queries::rejections(&state, from_height, after.as_deref(), limit).map_err(state_error)?)
}

/// `GET /v1/projects/{id}/health?quarter=2026Q2` (default: the current quarter).
pub fn project_health(node: &Node, reader: &Reader, id: &str, query: &Query) -> ApiResult {
    let state = node.reader().state();
    check_project(reader, &state, id)?;
    let now = node.clock.now_ms();
    let quarter = match query.get("quarter") {
        None => Quarter::of(now),
        Some(text) => Quarter::parse(text).ok_or_else(|| {
            ApiError::bad_request(
                "bad_query",
                format!("quarter must look like 2026Q2, got {text:?}"),
            )
        })?,
    };
    let health = queries::health(&state, id, quarter, now)
        .map_err(state_error)?
        .ok_or_else(|| {
            ApiError::not_found(
                "no_health",
                format!("no health score for {id} in {}", quarter.label()),
            )
        })?;
    Ok(json(StatusCode::OK, &health))
}

/// Contract `id` if `reader` may read its project; the one answer for absent and not yours.
fn readable_contract(
    reader: &Reader,
    state: &CommittedState<'_>,
    id: &str,
) -> Result<gongxin_contracts::records::ContractState, ApiError> {
    let contract = queries::contract(state, id).map_err(state_error)?;
    match contract {
        Some(contract) if check_project(reader, state, &contract.project).is_ok() => Ok(contract),
        None if reader.reads_all(RecordClass::Project) => Err(ApiError::not_found(
            "unknown_contract",
            format!("no contract {id:?}"),
        )),
        _ => Err(not_readable(&format!("contract {id:?}"), reader)),
    }
}

/// `GET /v1/contracts/{id}`.
pub fn contract(node: &Node, reader: &Reader, id: &str) -> ApiResult {
    let state = node.reader().state();
    let contract = readable_contract(reader, &state, id)?;
    Ok(json(StatusCode::OK, &contract))
}

/// `GET /v1/contracts/{id}/disbursements?after=&limit=`.
pub fn disbursements(node: &Node, reader: &Reader, id: &str, query: &Query) -> ApiResult {
    let (limit, after) = paging(query)?;
    let state = node.reader().state();
    readable_contract(reader, &state, id)?;
    page(&queries::disbursements(&state, id, after.as_deref(), limit).map_err(state_error)?)
}

/// `GET /v1/rectifications?status=&department=&project=&overdue=true&after=&limit=`.
pub fn rectifications(node: &Node, reader: &Reader, query: &Query) -> ApiResult {
    let (limit, after) = paging(query)?;
    let filter = rectification_filter(node, reader, query)?;
    let state = node.reader().state();
    page(&queries::rectifications(&state, &filter, after.as_deref(), limit).map_err(state_error)?)
}

/// The rectification filter of a list (`status`, `department`, `project`, `overdue`),
/// narrowed to the tasks the reader's department answers for unless it reads them all.
pub(super) fn rectification_filter(
    node: &Node,
    reader: &Reader,
    query: &Query,
) -> Result<RectificationFilter, ApiError> {
    let overdue = match query.get("overdue").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("overdue must be true or false, got {other:?}"),
            ));
        }
    };
    let mut filter = RectificationFilter {
        status: enum_param::<RectStatus>(query, "status")?,
        department: query.get("department").cloned(),
        project: query.get("project").cloned(),
        overdue_at: overdue.then(|| node.clock.now_ms()),
    };
    if !reader.reads_all(RecordClass::Rectification) {
        // Others see the tasks their department answers for.
        match &filter.department {
            Some(d) if d != reader.department() => {
                return Err(forbidden(format!(
                    "{} may not read rectification tasks of {d}",
                    reader.department()
                )));
            }
            _ => filter.department = Some(reader.department().to_owned()),
        }
    }
    Ok(filter)
}

/// Checks that `reader` may read `department`'s queues (`what`, e.g. "the alerts of …") and
/// that the department exists: 403 `not_readable`, then 404 `unknown_department`.
fn check_department(
    reader: &Reader,
    state: &CommittedState<'_>,
    department: &str,
    what: &str,
) -> Result<(), ApiError> {
    if !reader.may_read(&Subject::Department(department.to_owned())) {
        return Err(not_readable(&format!("{what} {department:?}"), reader));
    }
    if queries::department(state, department)
        .map_err(state_error)?
        .is_none()
    {
        return Err(ApiError::not_found(
            "unknown_department",
            format!("no department {department:?}"),
        ));
    }
    Ok(())
}

/// `GET /v1/departments/{id}/approvals?after=&limit=`: requests waiting for the department.
pub fn department_approvals(
    node: &Node,
    reader: &Reader,
    department: &str,
    query: &Query,
) -> ApiResult {
    let (limit, after) = paging(query)?;
    let state = node.reader().state();
    check_department(reader, &state, department, "the approval queue of")?;
    page(
        &queries::department_open_approvals(&state, department, after.as_deref(), limit)
            .map_err(state_error)?,
    )
}

/// `GET /v1/whoami`: the member and department a signed request reads as.
pub fn whoami(reader: &Reader) -> ApiResult {
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "name": reader.member.member.name,
            "department": reader.department(),
            "department_kind": reader.role.kind,
            "role": reader.member.member.role,
            "public_key": reader.member.member.public_key,
            "reads_everything": reader.reads_everything(),
        }),
    ))
}

/// The alert filters of a list request: `kind` (codes, comma-separated), `project`, `state`
/// (`open`: nobody acknowledged it yet; `acknowledged`).
fn alert_filter(query: &Query) -> Result<AlertFilter, ApiError> {
    let mut kinds = Vec::new();
    if let Some(text) = query.get("kind") {
        for kind in text.split(',') {
            if !AlertKind::CODES.contains(&kind) {
                return Err(ApiError::bad_request(
                    "bad_query",
                    format!(
                        "kind {kind:?} is not an alert kind; known: {}",
                        AlertKind::CODES.join(", ")
                    ),
                ));
            }
            kinds.push(kind.to_owned());
        }
    }
    Ok(AlertFilter {
        kinds,
        project: query.get("project").cloned(),
        state: enum_param::<AlertState>(query, "state")?,
    })
}

/// `GET /v1/departments/{id}/alerts?kind=&project=&state=&after=&limit=`: the alerts addressed
/// to a department (its reminders, and escalations to it), oldest first, each with its digest
/// and acknowledgements; readable by whoever may read the department.
pub fn department_alerts(
    node: &Node,
    reader: &Reader,
    department: &str,
    query: &Query,
) -> ApiResult {
    let (limit, after) = paging(query)?;
    let filter = alert_filter(query)?;
    let state = node.reader().state();
    check_department(reader, &state, department, "the alerts of")?;
    page(
        &queries::department_alerts(&state, department, &filter, after.as_deref(), limit)
            .map_err(state_error)?,
    )
}

/// `GET /v1/me/alerts?kind=&project=&state=&after=&limit=`: the alerts naming the reader — as
/// the person responsible, or as a director they go to — oldest first.
pub fn my_alerts(node: &Node, reader: &Reader, query: &Query) -> ApiResult {
    let (limit, after) = paging(query)?;
    let filter = alert_filter(query)?;
    let state = node.reader().state();
    page(
        &queries::person_alerts(
            &state,
            &reader.member.person,
            &filter,
            after.as_deref(),
            limit,
        )
        .map_err(state_error)?,
    )
}

/// `GET /v1/alerts/{digest}`: one alert with its acknowledgements, to whoever may see it (a
/// reader of one of its departments or its project).
pub fn alert(node: &Node, reader: &Reader, digest: &str) -> ApiResult {
    let hash = Hash::from_hex(digest).map_err(|_| {
        ApiError::bad_request("bad_query", "an alert digest is 64 hex digits".to_owned())
    })?;
    let state = node.reader().state();
    let hidden = || not_readable(&format!("alert {digest}"), reader);
    let Some(view) = queries::alert(&state, &hash).map_err(state_error)? else {
        // Only a reader of everything may learn that an alert does not exist.
        if reader.reads_everything() {
            return Err(ApiError::not_found(
                "unknown_alert",
                format!("no alert {digest}"),
            ));
        }
        return Err(hidden());
    };
    let subjects =
        access::event_subjects(&state, &gongxin_contracts::Event::Alert(view.alert.clone()))
            .map_err(state_error)?;
    if !subjects.iter().any(|s| reader.may_read(s)) {
        return Err(hidden());
    }
    Ok(json(StatusCode::OK, &view))
}

/// `GET /v1/policies`: the approval policies and reminder thresholds in force (any member), so
/// a form can say which approvals an operation will need before it is signed.
pub fn policies(node: &Node) -> ApiResult {
    let state = node.reader().state();
    let policies = queries::policies(&state).map_err(state_error)?;
    let reminders = queries::reminder_policy(&state).map_err(state_error)?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({ "policies": policies, "reminders": reminders }),
    ))
}
