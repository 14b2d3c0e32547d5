//! The public portal API (`/public/v1/...`): no authentication, disclosed fields only. Every
//! value comes from `gongxin_contracts::disclosure`, whose property tests guarantee a public
//! view never contains an internal field; internal projects do not exist here at all.

use gongxin_contracts::disclosure::Disclose;
use gongxin_contracts::queries::{self, ProjectFilter, RectificationFilter};
use gongxin_core::model::ProjectStage;
use warp::http::StatusCode;

use super::error::{ApiError, ApiResult, json};
use super::ledger::Query;
use super::records::{enum_param, paging};
use crate::chain::CommittedState;
use crate::node::Node;

/// Counting public projects for `total` walks the project index; this bounds that walk.
const TOTAL_COUNT_MAX: usize = 100_000;

fn state_error(e: gongxin_contracts::StorageError) -> ApiError {
    tracing::error!(error = %e, "state read failed while serving a public request");
    ApiError::internal("the node could not read its state")
}

/// `GET /public/v1/projects?programme=&stage=&after=&limit=` →
/// `{"total": N, "projects": [...], "next": cursor}`; `total` counts the disclosed projects
/// matching the filter.
pub fn projects(node: &Node, query: &Query) -> ApiResult {
    let (limit, after) = paging(query)?;
    let filter = ProjectFilter {
        department: query.get("department").cloned(),
        stage: enum_param::<ProjectStage>(query, "stage")?,
        programme: query.get("programme").cloned(),
    };
    let state = CommittedState::new(&node.store);
    // One walk over the project index: count every disclosed project for `total`, and collect
    // the page that follows the `after` cursor (the last id of the previous page). The walk is
    // O(projects) reads, bounded by TOTAL_COUNT_MAX; a city has hundreds to thousands.
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    let mut last_on_page: Option<String> = None;
    let mut total = 0usize;
    let mut past_cursor = after.is_none();
    let mut scanned = 0usize;
    let mut index_cursor: Option<String> = None;
    loop {
        let page = queries::list_projects(&state, &filter, index_cursor.as_deref(), 500)
            .map_err(state_error)?;
        for summary in &page.items {
            scanned += 1;
            let view = queries::public_project(&state, &summary.id).map_err(state_error)?;
            if view.is_some() {
                total += 1;
            }
            if !past_cursor {
                // The cursor is a position in id order, not a record: any `after` (an existing
                // internal id, a public one, one that never existed) starts the page at the
                // first id after it, so the answer says nothing about undisclosed projects.
                past_cursor = after.as_deref().is_some_and(|a| summary.id.as_str() > a);
                if !past_cursor {
                    continue;
                }
            }
            let Some(view) = view else { continue };
            if items.len() < limit {
                items.push(view);
                last_on_page = Some(summary.id.clone());
            } else if next.is_none() {
                next = last_on_page.clone();
            }
        }
        match page.next {
            Some(cursor) if scanned < TOTAL_COUNT_MAX => index_cursor = Some(cursor),
            _ => break,
        }
    }
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({"total": total, "projects": items, "next": next}),
    ))
}

/// `GET /public/v1/projects/{id}`: the disclosed view, with procurement and contract; 404 for
/// unknown and for internal projects alike.
pub fn project(node: &Node, id: &str) -> ApiResult {
    let state = CommittedState::new(&node.store);
    let view = queries::public_project(&state, id)
        .map_err(state_error)?
        .ok_or_else(|| {
            ApiError::not_found("unknown_project", format!("no public project {id:?}"))
        })?;
    Ok(json(StatusCode::OK, &view))
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
    let state = CommittedState::new(&node.store);
    let mut items: Vec<serde_json::Value> = Vec::new();
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
            items.push(view);
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
