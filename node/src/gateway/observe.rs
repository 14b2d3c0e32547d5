//! Observation endpoints: server-sent events, Prometheus metrics and a health check.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use warp::Reply;
use warp::reply::Response;
use warp::sse::Event;

use crate::node::Node;

/// `GET /v1/events`: committed blocks and ledger events (alerts included) as they happen.
/// A subscriber that falls behind gets a `lagged` event saying how many it missed.
pub fn events(node: &Node) -> Response {
    let stream = BroadcastStream::new(node.subscribe()).filter_map(|item| async move {
        let event = match item {
            Ok(event) => {
                let name = match event.as_ref() {
                    crate::node::NodeEvent::Block { .. } => "block",
                    crate::node::NodeEvent::Ledger(gongxin_contracts::Event::Alert(_)) => "alert",
                    crate::node::NodeEvent::Ledger(_) => "ledger",
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
pub fn metrics(node: &Node) -> Response {
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
    warp::reply::with_header(out, "content-type", "text/plain; version=0.0.4").into_response()
}

/// `GET /health`: 200 while the node runs.
pub fn health(node: &Node) -> Response {
    warp::reply::json(&serde_json::json!({"status": "ok", "height": node.tip().0.height}))
        .into_response()
}
