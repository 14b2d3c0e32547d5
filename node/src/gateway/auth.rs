//! Authentication of internal reads: a request signed by a member's key
//! (`gongxin_core::request_auth`), checked against the committed member registry.
//!
//! Who may read what (role rules) is decided by the handlers with [`Reader`]: audit and
//! discipline inspection read everything; finance and planning read every project's financial
//! records; a line department reads its own projects and the rectification tasks it answers for.

use gongxin_contracts::keys;
use gongxin_contracts::records::{DepartmentRecord, MemberRecord};
use gongxin_core::crypto::{PublicKey, Signature};
use gongxin_core::model::DepartmentKind;
use gongxin_core::request_auth::{
    KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_read_request,
};
use warp::http::{HeaderMap, StatusCode};

use super::error::ApiError;
use crate::chain::CommittedState;
use crate::node::{Node, wall_clock_ms};

/// The authenticated member behind a request.
#[derive(Debug, Clone)]
pub struct Reader {
    pub member: MemberRecord,
    pub department_kind: DepartmentKind,
}

impl Reader {
    pub fn department(&self) -> &str {
        &self.member.member.department
    }

    /// Audit / discipline inspection sees every record.
    pub fn reads_everything(&self) -> bool {
        self.department_kind == DepartmentKind::Audit
    }

    /// Whether this reader may see the records of a project owned by `owner`.
    pub fn may_read_project(&self, owner: &str) -> bool {
        match self.department_kind {
            DepartmentKind::Audit | DepartmentKind::Finance | DepartmentKind::Planning => true,
            DepartmentKind::Line => self.department() == owner,
        }
    }
}

fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message)
}

pub fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, ApiError> {
    headers
        .get(name)
        .ok_or_else(|| {
            unauthorized(
                "unauthenticated",
                format!("internal reads need a signed request: missing {name} header"),
            )
        })?
        .to_str()
        .map_err(|_| unauthorized("bad_auth_header", format!("{name} is not text")))
}

/// Checks the request's signature headers and that the key belongs to a current member.
pub fn authenticate(
    node: &Node,
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
) -> Result<Reader, ApiError> {
    let key: PublicKey = header(headers, KEY_HEADER)?
        .parse()
        .map_err(|e| unauthorized("bad_auth_header", format!("{KEY_HEADER}: {e}")))?;
    let timestamp_ms: u64 = header(headers, TIMESTAMP_HEADER)?.parse().map_err(|_| {
        unauthorized(
            "bad_auth_header",
            format!("{TIMESTAMP_HEADER} must be milliseconds since the epoch"),
        )
    })?;
    let signature: Signature = header(headers, SIGNATURE_HEADER)?
        .parse()
        .map_err(|e| unauthorized("bad_auth_header", format!("{SIGNATURE_HEADER}: {e}")))?;
    let now = wall_clock_ms();
    let skew = node.limits.auth_clock_skew_ms;
    if timestamp_ms.abs_diff(now) > skew {
        return Err(unauthorized(
            "stale_request",
            format!(
                "request time {timestamp_ms} is more than {skew} ms from the node's clock {now}"
            ),
        ));
    }
    if !verify_read_request(
        &key,
        &signature,
        node.chain_id(),
        method,
        path_and_query,
        timestamp_ms,
    ) {
        return Err(unauthorized(
            "bad_signature",
            "the request signature does not verify",
        ));
    }
    let state = CommittedState::new(&node.store);
    let member: MemberRecord = gongxin_contracts::store::get(&state, &keys::member(&key))
        .map_err(|e| ApiError::internal(format!("member registry: {e}")))?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "not_a_member",
                format!("{key} is not a current member"),
            )
        })?;
    let department: DepartmentRecord =
        gongxin_contracts::store::get(&state, &keys::department(&member.member.department))
            .map_err(|e| ApiError::internal(format!("department registry: {e}")))?
            .ok_or_else(|| {
                ApiError::internal(format!(
                    "member's department {} is missing",
                    member.member.department
                ))
            })?;
    Ok(Reader {
        member,
        department_kind: department.department.kind,
    })
}
