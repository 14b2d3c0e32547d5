//! Observation endpoints: server-sent events (a signed read), Prometheus metrics and a health
//! check.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use gongxin_contracts::access;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use warp::Reply;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::sse::Event;

use super::auth::{self, Reader, SignedRequest};
use super::error::ApiError;
use super::ledger::Query;
use super::{Ctx, blocking};
use crate::chain::CommittedState;
use crate::node::{Node, NodeEvent};

/// Whether `reader` may see `event`: blocks are the consortium's; a ledger event follows the
/// records it concerns (`gongxin_contracts::access`).
fn may_see(node: &Node, reader: &Reader, event: &NodeEvent) -> bool {
    match event {
        NodeEvent::Block { .. } => true,
        NodeEvent::Ledger(_) if reader.reads_everything() => true,
        NodeEvent::Ledger(event) => {
            let state = CommittedState::new(&node.store);
            match access::event_subjects(&state, event) {
                Ok(subjects) => subjects.iter().any(|s| reader.may_read(s)),
                Err(e) => {
                    tracing::warn!(error = %e, "state read failed while filtering an event");
                    false
                }
            }
        }
    }
}

/// `GET /v1/events`: committed blocks and the ledger events (alerts included) the reader may
/// see, as they happen. A signed read (headers, or query parameters for `EventSource`); each
/// node holds a bounded number of streams, and each member a few. A subscriber that falls
/// behind gets a `lagged` event saying how many it missed.
pub async fn events(ctx: Ctx, signed: SignedRequest, _query: Query) -> Response {
    let guards = ctx.guards.clone();
    let (reader_tx, reader_rx) = tokio::sync::oneshot::channel();
    let authenticated = blocking(ctx.clone(), move |n| {
        let reader = auth::authenticate(n, &guards.replay, &signed)?;
        let _ = reader_tx.send(reader);
        Ok(warp::reply().into_response())
    })
    .await;
    let Ok(reader) = reader_rx.await else {
        return authenticated;
    };
    let slot = match ctx
        .guards
        .sse
        .acquire(&reader.member.member.public_key.to_string())
    {
        Ok(slot) => slot,
        Err(reason) => {
            return ApiError {
                retry_after_s: Some(5),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_streams", reason)
            }
            .into_response();
        }
    };
    let node = ctx.node.clone();
    let reader = Arc::new(reader);
    let stream = BroadcastStream::new(node.subscribe()).filter_map(move |item| {
        let node = node.clone();
        let reader = reader.clone();
        // The slot lives as long as the stream: dropped when the client goes.
        let _slot = &slot;
        async move {
            let event = match item {
                Ok(event) => {
                    if !may_see(&node, &reader, &event) {
                        return None;
                    }
                    let name = match event.as_ref() {
                        NodeEvent::Block { .. } => "block",
                        NodeEvent::Ledger(gongxin_contracts::Event::Alert(_)) => "alert",
                        NodeEvent::Ledger(_) => "ledger",
                    };
                    Event::default()
                        .event(name)
                        .json_data(event.as_ref())
                        .ok()?
                }
                Err(BroadcastStreamRecvError::Lagged(missed)) => {
                    Event::default().event("lagged").data(missed.to_string())
                }
            };
            Some(Ok::<_, Infallible>(event))
        }
    });
    warp::sse::reply(
        warp::sse::keep_alive()
            .interval(Duration::from_secs(15))
            .stream(stream),
    )
    .into_response()
}

/// `GET /metrics`: Prometheus text exposition.
#[allow(clippy::float_arithmetic)] // seconds for the exposition format; not consensus-facing
pub fn metrics(ctx: &Ctx) -> Response {
    let node = &ctx.node;
    let (tip, _) = node.tip();
    let (mempool_txs, mempool_bytes) = node.mempool_len();
    let m = &node.metrics;
    let blocks = m.blocks_committed.load(Ordering::Relaxed);
    let latency_sum_s = m.commit_latency_us_sum.load(Ordering::Relaxed) as f64 / 1e6;
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: String| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    metric(
        "gongxin_height",
        "gauge",
        "Height of the last committed block.",
        tip.height.to_string(),
    );
    metric(
        "gongxin_log_size",
        "gauge",
        "Entries in the ledger log.",
        tip.log_size.to_string(),
    );
    metric(
        "gongxin_blocks_committed_total",
        "counter",
        "Blocks committed by this process.",
        blocks.to_string(),
    );
    metric(
        "gongxin_txs_committed_total",
        "counter",
        "Transactions committed by this process (tx/s = rate of this).",
        m.txs_committed.load(Ordering::Relaxed).to_string(),
    );
    metric(
        "gongxin_txs_admitted_total",
        "counter",
        "Transactions admitted to the mempool.",
        m.txs_admitted.load(Ordering::Relaxed).to_string(),
    );
    metric(
        "gongxin_txs_refused_total",
        "counter",
        "Transactions refused at admission.",
        m.txs_refused.load(Ordering::Relaxed).to_string(),
    );
    metric(
        "gongxin_signature_checks_total",
        "counter",
        "Transaction signatures verified.",
        m.signature_checks.load(Ordering::Relaxed).to_string(),
    );
    metric(
        "gongxin_equivocation_evidence_total",
        "counter",
        "Heights at which consensus recorded a validator signing two proposals or votes.",
        m.equivocation_evidence.load(Ordering::Relaxed).to_string(),
    );
    metric(
        "gongxin_mempool_txs",
        "gauge",
        "Transactions waiting in the mempool.",
        mempool_txs.to_string(),
    );
    metric(
        "gongxin_mempool_bytes",
        "gauge",
        "Bytes waiting in the mempool.",
        mempool_bytes.to_string(),
    );
    metric(
        "gongxin_commit_latency_seconds_sum",
        "counter",
        "Total time spent building and committing blocks.",
        format!("{latency_sum_s:.6}"),
    );
    metric(
        "gongxin_commit_latency_seconds_count",
        "counter",
        "Blocks timed in the sum.",
        blocks.to_string(),
    );
    metric(
        "gongxin_commit_latency_seconds_last",
        "gauge",
        "Build-and-commit time of the last block.",
        format!(
            "{:.6}",
            m.commit_latency_us_last.load(Ordering::Relaxed) as f64 / 1e6
        ),
    );
    let g = &ctx.guards.metrics;
    let gateway_counters: [(&str, &str, &str, u64); 6] = [
        (
            "gongxin_http_connections_open",
            "gauge",
            "Open HTTP connections.",
            g.connections_open.load(Ordering::Relaxed),
        ),
        (
            "gongxin_http_connections_refused_total",
            "counter",
            "Connections refused because the node had as many as it may hold.",
            g.connections_refused.load(Ordering::Relaxed),
        ),
        (
            "gongxin_http_rate_limited_total",
            "counter",
            "Requests answered 429 by a rate limit.",
            g.rate_limited.load(Ordering::Relaxed),
        ),
        (
            "gongxin_http_signature_budget_refused_total",
            "counter",
            "Submissions refused because the signature-check budget was spent.",
            g.signature_budget_refused.load(Ordering::Relaxed),
        ),
        (
            "gongxin_http_handler_timeouts_total",
            "counter",
            "Requests answered 503 because their handler could not finish in time.",
            g.handlers_timed_out.load(Ordering::Relaxed),
        ),
        (
            "gongxin_sse_subscribers",
            "gauge",
            "Open event streams.",
            ctx.guards.sse.open() as u64,
        ),
    ];
    for (name, kind, help, value) in gateway_counters {
        metric(name, kind, help, value.to_string());
    }
    warp::reply::with_header(out, "content-type", "text/plain; version=0.0.4").into_response()
}

/// `GET /health`: 200 while the node runs.
pub fn health(node: &Node) -> Response {
    warp::reply::json(&serde_json::json!({"status": "ok", "height": node.tip().0.height}))
        .into_response()
}
