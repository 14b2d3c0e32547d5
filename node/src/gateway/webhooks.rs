//! The node's webhook deliveries, for the department that runs it: `GET /v1/webhooks` (each
//! subscription — secret and access token left out —, its cursor, its dead letters) and
//! `POST /v1/webhooks/{id}/replay` (send the dead letters again). Signed requests by the
//! directors and section chiefs of the node's own department; audit may look.

use gongxin_core::model::Role;
use warp::http::StatusCode;

use super::auth::{Reader, forbidden};
use super::error::{ApiError, ApiResult, json};
use crate::node::Node;
use crate::webhooks;

fn storage_error(e: crate::storage::StorageError) -> ApiError {
    tracing::error!(error = %e, "webhook bookkeeping could not be read");
    ApiError::internal("the node could not read its webhook bookkeeping")
}

/// Whether `reader` may see (`replay` false) or act on this node's deliveries.
fn check(node: &Node, reader: &Reader, replay: bool) -> Result<(), ApiError> {
    let own = node.own_department();
    let leads = matches!(
        reader.member.member.role,
        Role::Director | Role::SectionChief
    );
    if own.as_deref() == Some(reader.department()) && leads {
        return Ok(());
    }
    if !replay && reader.reads_everything() {
        return Ok(());
    }
    Err(forbidden(format!(
        "this node's webhooks are for the directors and section chiefs of {}{}",
        own.as_deref().unwrap_or("its department"),
        if replay { "" } else { " (and audit, to look)" }
    )))
}

/// `GET /v1/webhooks`.
pub fn list(node: &Node, reader: &Reader) -> ApiResult {
    check(node, reader, false)?;
    let subscriptions = webhooks::status(node.store()).map_err(storage_error)?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "node": node.name,
            "department": node.own_department(),
            "subscriptions": subscriptions,
        }),
    ))
}

/// `POST /v1/webhooks/{id}/replay`.
pub fn replay(node: &Node, reader: &Reader, id: &str) -> ApiResult {
    check(node, reader, true)?;
    if !webhooks::known(node.store(), id).map_err(storage_error)? {
        return Err(ApiError::not_found(
            "unknown_webhook",
            format!("this node has no webhook {id:?}"),
        ));
    }
    let requeued = webhooks::replay_dead_letters(node.store(), id).map_err(storage_error)?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({ "webhook": id, "requeued": requeued }),
    ))
}
