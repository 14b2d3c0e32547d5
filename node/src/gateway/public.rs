//! The public portal API (`/public/v1/...`): no authentication, disclosed fields only. Every
//! value comes from `gongxin_contracts::disclosure`, whose property tests guarantee a public
//! view never contains an internal field; internal projects do not exist here at all.

use gongxin_contracts::disclosure::Disclose;
use gongxin_contracts::queries::{self, ProjectFilter, RectificationFilter};
use gongxin_core::model::ProjectStage;
use warp::http::StatusCode;

use serde_json::Value;

use super::error::{ApiError, ApiResult, json};
use super::ledger::Query;
use super::public_log::with_leaf_index;
use super::records::{enum_param, paging};
use crate::node::Node;

fn state_error(e: gongxin_contracts::StorageError) -> ApiError {
    tracing::error!(error = %e, "state read failed while serving a public request");
    ApiError::internal("the node could not read its state")
}

/// `GET /public/v1/projects?department=&programme=&stage=&after=&limit=` →
/// `{"total": N, "projects": [...], "next": cursor}`; `total` counts the disclosed projects
/// matching the filter. `after` is a position in id order (any id, existing or not, internal or
/// not, answers alike), and `next` the last id of the page. Bounded work: the rules keep an
/// index and a count per filter combination (`queries::public_projects`).
pub fn projects(node: &Node, query: &Query) -> ApiResult {
    let (limit, after) = paging(query)?;
    let filter = ProjectFilter {
        department: query.get("department").cloned(),
        stage: enum_param::<ProjectStage>(query, "stage")?,
        programme: query.get("programme").cloned(),
    };
    let state = node.reader().state();
    let (total, page) =
        queries::public_projects(&state, &filter, after.as_deref(), limit).map_err(state_error)?;
    let projects = page
        .items
        .into_iter()
        .map(|view| with_leaf_indexes(node, view))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({"total": total, "projects": projects, "next": page.next}),
    ))
}

/// `GET /public/v1/projects/{id}`: the disclosed view, with procurement and contracts; 404 for
/// unknown and for internal projects alike. Each record in it names its latest public-log leaf
/// (`leaf_index`), whose `view` is that record's object here without `leaf_index` (and, for
/// the project, without `procurement` and `contracts`).
pub fn project(node: &Node, id: &str) -> ApiResult {
    let state = node.reader().state();
    let view = queries::public_project(&state, id)
        .map_err(state_error)?
        .ok_or_else(|| {
            ApiError::not_found("unknown_project", format!("no public project {id:?}"))
        })?;
    Ok(json(StatusCode::OK, &with_leaf_indexes(node, view)?))
}

/// A public project's view (with its procurement and contracts, as the project endpoints
/// compose it) with each record's `leaf_index`.
fn with_leaf_indexes(node: &Node, mut view: Value) -> Result<Value, ApiError> {
    let id = view_id(&view);
    if let Some(fields) = view.as_object_mut() {
        if let Some(procurement) = fields.get_mut("procurement").filter(|p| !p.is_null()) {
            *procurement = with_leaf_index(node, "procurement", &id, procurement.take())?;
        }
        if let Some(Value::Array(contracts)) = fields.get_mut("contracts") {
            for contract in contracts.iter_mut() {
                let contract_id = view_id(contract);
                *contract = with_leaf_index(node, "contract", &contract_id, contract.take())?;
            }
        }
    }
    with_leaf_index(node, "project", &id, view)
}

/// A public view's `id` field.
fn view_id(view: &Value) -> String {
    view.get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Most index entries one public rectification page scans for disclosed tasks.
const RECTIFICATION_SCAN_MAX: usize = 20_000;

/// `GET /public/v1/rectifications?department=&after=&limit=`: disclosed fields of the
/// rectification tasks (title, department, deadline, status), in id order. `after` and `next`
/// are task ids of disclosed tasks (any id works as a position), never an internal task's.
pub fn rectifications(node: &Node, query: &Query) -> ApiResult {
    let (limit, after) = paging(query)?;
    let filter = RectificationFilter {
        department: query.get("department").cloned(),
        ..RectificationFilter::default()
    };
    let state = node.reader().state();
    let mut items: Vec<Value> = Vec::new();
    let mut last_id: Option<String> = None;
    let mut more = false;
    // The public listing has no status filter, so its index is in id order.
    let mut cursor = after
        .as_deref()
        .and_then(|id| queries::rectification_cursor_after(&filter, id));
    let mut scanned = 0usize;
    'pages: loop {
        let page =
            queries::rectifications(&state, &filter, cursor.as_deref(), super::records::PAGE_MAX)
                .map_err(state_error)?;
        for task in &page.items {
            scanned += 1;
            let Some(view) = task.public_view() else {
                continue;
            };
            if items.len() == limit {
                more = true;
                break 'pages;
            }
            items.push(with_leaf_index(node, "rectification", &task.task.id, view)?);
            last_id = Some(task.task.id.clone());
        }
        match page.next {
            Some(next) if scanned < RECTIFICATION_SCAN_MAX => cursor = Some(next),
            // A long run of undisclosed tasks: stop here; the page is shorter but its cursor
            // still names a disclosed task (or none, and the client starts again from `after`).
            Some(_) => {
                more = last_id.is_some();
                break;
            }
            None => break,
        }
    }
    let next = if more { last_id } else { None };
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({"items": items, "next": next}),
    ))
}
