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
            let is_cursor = after.as_deref() == Some(summary.id.as_str());
            let view = queries::public_project(&state, &summary.id).map_err(state_error)?;
            if view.is_some() {
                total += 1;
            }
            if !past_cursor {
                // The cursor counts even if its project stopped being public meanwhile, so the
                // next page still starts right after it.
                past_cursor = is_cursor;
                continue;
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

/// `GET /public/v1/rectifications?department=&after=&limit=`: disclosed fields of the
/// rectification tasks (title, department, deadline, status).
pub fn rectifications(node: &Node, query: &Query) -> ApiResult {
    let (limit, after) = paging(query)?;
    let filter = RectificationFilter {
        department: query.get("department").cloned(),
        ..RectificationFilter::default()
    };
    let state = CommittedState::new(&node.store);
    let page =
        queries::rectifications(&state, &filter, after.as_deref(), limit).map_err(state_error)?;
    let items: Vec<serde_json::Value> = page
        .items
        .iter()
        .filter_map(Disclose::public_view)
        .collect();
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({"items": items, "next": page.next}),
    ))
}
