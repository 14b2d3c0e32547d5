//! What every route handler runs with: the node and the gateway's guards ([`Ctx`]), the
//! bounded handler pool ([`on_handler_pool`], [`blocking`]) and the operation-log record of a
//! signed read ([`log_read`]).

use std::net::SocketAddr;
use std::sync::Arc;

use warp::reply::Response;

use super::auth::{self, Reader};
use super::dashboard::DashboardCache;
use super::error::{self, ApiError, ApiResult};
use super::guard::Guards;
use crate::node::Node;

/// The peer address of a connection, put into each request's extensions by the server.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub SocketAddr);

/// What every route needs: the node, the gateway's guards and its dashboard snapshot.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub node: Arc<Node>,
    pub guards: Arc<Guards>,
    pub dashboard: Arc<DashboardCache>,
}

impl Ctx {
    /// A gateway's context: fresh guards from the node's limits, no dashboard computed yet.
    pub fn new(node: Arc<Node>) -> Ctx {
        Ctx {
            guards: Guards::new(&node.limits),
            node,
            dashboard: Arc::default(),
        }
    }

    /// The same, scoring delay risk with `model` instead of the built-in one.
    pub fn with_risk_model(node: Arc<Node>, model: gongxin_risk::LoadedModel) -> Ctx {
        Ctx {
            dashboard: Arc::new(DashboardCache::with_model(Arc::new(model))),
            ..Ctx::new(node)
        }
    }
}

/// Appends a signed read (or a request that claimed a key and was refused) to the operation
/// log: its status and, when refused, the error code. A request that claims no key is not
/// logged: it read nothing signed. If the log has stopped, the read is refused rather than
/// answered unlogged.
pub(crate) fn log_read(
    node: &Node,
    claim: Option<&auth::Claim>,
    reader: Option<&Reader>,
    status: warp::http::StatusCode,
    code: Option<&str>,
) -> Result<(), ApiError> {
    let Some(claim) = claim else {
        return Ok(());
    };
    let (actor, department) = match reader {
        Some(r) => (
            r.member.member.public_key.to_string(),
            r.department().to_owned(),
        ),
        None => (claim.key.clone(), String::new()),
    };
    let outcome = match code {
        Some(code) => format!("{} {code}", status.as_str()),
        None => status.as_str().to_owned(),
    };
    node.access_log
        .append(crate::access_log::Act {
            kind: gongxin_core::access_log::AccessKind::Read,
            actor,
            department,
            target: claim.target.clone(),
            outcome,
        })
        .map_err(|e| ApiError {
            retry_after_s: Some(5),
            ..ApiError::new(
                warp::http::StatusCode::SERVICE_UNAVAILABLE,
                "log_stopped",
                e.to_string(),
            )
        })
}

/// Runs a blocking handler (signature checks, RocksDB reads, proofs) on the gateway's bounded
/// handler pool and answers with its result.
pub async fn blocking<F>(ctx: Ctx, handler: F) -> Response
where
    F: FnOnce(&Node) -> ApiResult + Send + 'static,
{
    error::respond(
        on_handler_pool(&ctx, handler)
            .await
            .and_then(|result| result),
    )
}

/// Runs `work` on the gateway's bounded handler pool within the node's request timeout: work
/// that cannot start and finish in time is a 503 with `Retry-After`. Work still queued when its
/// deadline passes is dropped without running; work already running finishes on its thread but
/// is not awaited.
pub async fn on_handler_pool<T, F>(ctx: &Ctx, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Node) -> T + Send + 'static,
{
    let deadline = handler_deadline(ctx);
    let permits = ctx.guards.handlers.clone();
    let Ok(Ok(permit)) = tokio::time::timeout_at(deadline, permits.acquire_owned()).await else {
        return Err(timed_out(ctx));
    };
    let node = ctx.node.clone();
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        (tokio::time::Instant::now() < deadline).then(|| work(&node))
    });
    match tokio::time::timeout_at(deadline, task).await {
        Ok(Ok(Some(value))) => Ok(value),
        Ok(Ok(None)) | Err(_) => Err(timed_out(ctx)),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "request handler failed");
            Err(ApiError::internal("the request could not be completed"))
        }
    }
}

/// The gateway runtime's worker threads (`main.rs` builds it with this many): they accept
/// connections, move bytes and fire timers; handlers run on the bounded pool beside them.
pub const WORKER_THREADS: usize = 2;
/// Handlers that may run on the workers themselves at once ([`inline`]): one fewer than the
/// workers, so one is always free for connections, I/O and timers.
pub const INLINE_HANDLERS_MAX: usize = WORKER_THREADS - 1;

/// Runs a short handler on a gateway runtime worker itself when one of the
/// [`INLINE_HANDLERS_MAX`] slots and a handler permit are free at once, and on the bounded
/// pool ([`blocking`]) otherwise. Handing short work to the pool and back costs two thread
/// switches and a timer, about as much as the work. Used for:
/// - the open proofs: a few point reads and hashes (about 2·log₂ n log nodes, which stay in
///   RocksDB's block cache), no signature check, no write;
/// - one submitted transaction: a signature check (≈ 45 µs for ed25519, ≈ 290 µs for SM2), a
///   few point reads and the operation-log record.
///
/// Work run here has no request timeout. The operation-log record waits while the log's queue
/// is full (a stalled disk), so such a submission waits until the disk recovers, with no 503;
/// its worker waits with it, the other stays free, and further submissions go to the pool and
/// meet its timeout.
///
/// A panic in the handler is a 500, as on the pool.
pub async fn inline<F>(ctx: Ctx, handler: F) -> Response
where
    F: FnOnce(&Node) -> ApiResult + Send + 'static,
{
    let (Ok(slot), Ok(permit)) = (
        ctx.guards.inline_slots.try_acquire(),
        ctx.guards.handlers.try_acquire(),
    ) else {
        return blocking(ctx, handler).await;
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(&ctx.node)))
        .unwrap_or_else(|_| {
            tracing::error!("request handler panicked");
            Err(ApiError::internal("the request could not be completed"))
        });
    drop((permit, slot));
    error::respond(result)
}

/// How long a request's handler may take, queueing included: the node's request timeout.
fn request_timeout(ctx: &Ctx) -> std::time::Duration {
    std::time::Duration::from_millis(ctx.node.limits.http_request_timeout_ms.max(1))
}

/// When a request's handler must have finished.
fn handler_deadline(ctx: &Ctx) -> tokio::time::Instant {
    tokio::time::Instant::now() + request_timeout(ctx)
}

/// The 503 of a handler that could not start or finish in time, counted.
fn timed_out(ctx: &Ctx) -> ApiError {
    ctx.guards
        .metrics
        .handlers_timed_out
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ApiError {
        retry_after_s: Some(1),
        ..ApiError::new(
            warp::http::StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!(
                "the request took longer than {} ms",
                request_timeout(ctx).as_millis()
            ),
        )
    }
}
