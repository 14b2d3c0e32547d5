//! Observation endpoints: server-sent events (a signed read), Prometheus metrics and a health
//! check.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use warp::Reply;
use warp::http::StatusCode;
use warp::reply::Response;

use super::auth::{self, SignedRequest};
use super::context::{Ctx, log_read, on_handler_pool};
use super::error::ApiError;
use super::feed::{self, FeedItem, StreamFilter};
use super::ledger::Query;
use crate::event_log::{EventId, Replay};
use crate::node::Node;

/// The gateway's event feed: one task reads the node's events, looks up the records each
/// concerns (one state read per event, however many subscribers), and re-broadcasts them.
/// Started by the first subscriber; it ends when the node does.
fn feed(ctx: &Ctx) -> broadcast::Receiver<Arc<FeedItem>> {
    ctx.guards
        .event_feed
        .get_or_init(|| {
            let (sender, _) = broadcast::channel(EVENT_FEED_CAPACITY);
            let mut events = ctx.node.subscribe();
            let node = Arc::downgrade(&ctx.node);
            let out = sender.clone();
            tokio::spawn(async move {
                loop {
                    let item = match events.recv().await {
                        Ok(event) => {
                            let Some(node) = node.upgrade() else { break };
                            let resolving = event.clone();
                            let (subjects, persons) = tokio::task::spawn_blocking(move || {
                                let state = node.reader().state();
                                feed::resolve(&state, &resolving.event)
                            })
                            .await
                            .map_err(|e| e.to_string())
                            .and_then(|r| r.map_err(|e| e.to_string()))
                            .unwrap_or_else(|e| {
                                tracing::warn!(error = %e, "could not resolve an event's records; shown to audit only");
                                (Vec::new(), Vec::new())
                            });
                            FeedItem::Event {
                                event,
                                subjects,
                                persons,
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(missed)) => FeedItem::Lagged(missed),
                        Err(broadcast::error::RecvError::Closed) => break,
                    };
                    // No subscriber at the moment is fine.
                    let _ = out.send(Arc::new(item));
                }
            });
            sender
        })
        .subscribe()
}

/// Events the feed holds for a slow subscriber before it lags.
const EVENT_FEED_CAPACITY: usize = 4096;

/// Where a resuming subscriber left off: the `Last-Event-ID` header (what `EventSource` sends)
/// or, for a client that opens a new signed URL, the `last_event_id` query parameter.
fn resume_point(signed: &SignedRequest, query: &Query) -> Result<Option<EventId>, ApiError> {
    let parse = |t: &str| {
        t.parse()
            .map(Some)
            .map_err(|e: String| ApiError::bad_request("bad_event_id", e))
    };
    match signed.headers.get("last-event-id") {
        // An empty header is what a browser sends before it has seen an id: no resume.
        Some(value) => match value.to_str() {
            Ok("") => Ok(None),
            Ok(text) => parse(text),
            Err(_) => Err(ApiError::bad_request(
                "bad_event_id",
                "Last-Event-ID is not text".to_owned(),
            )),
        },
        None => query.get("last_event_id").map_or(Ok(None), |t| parse(t)),
    }
}

/// The missed events after `after`, resolved like live ones, or a reset when there are too
/// many.
fn replayed(node: &Node, after: EventId) -> Result<Vec<FeedItem>, ApiError> {
    let replay = node.replay_events(after).map_err(|e| {
        tracing::error!(error = %e, "could not read stored events for a resuming stream");
        ApiError::internal("the node could not read its stored events")
    })?;
    let events = match replay {
        Replay::TooFar { behind_blocks } => return Ok(vec![FeedItem::Reset { behind_blocks }]),
        Replay::Events(events) => events,
    };
    let state = node.reader().state();
    events
        .into_iter()
        .map(|event| {
            let (subjects, persons) = feed::resolve(&state, &event.event).map_err(|e| {
                tracing::error!(error = %e, "could not resolve a stored event's records");
                ApiError::internal("the node could not read its state")
            })?;
            Ok(FeedItem::Event {
                event: Arc::new(event),
                subjects,
                persons,
            })
        })
        .collect()
}

/// `GET /v1/events?types=&kinds=&projects=&mine=&last_event_id=`: committed blocks and the
/// ledger events (alerts included) the reader may see, as they happen, each with its durable
/// id (`<height>-<index>`, see [`crate::event_log`]). A signed read (headers, or query
/// parameters for `EventSource`); filtered as [`StreamFilter`] says; resumed after
/// `Last-Event-ID` with exactly the events missed (replayed from storage, bounded: further
/// back, a `reset` event). Each node holds a bounded number of streams, and each member a few.
/// A subscriber that falls behind gets a `lagged` event saying how many it missed.
pub async fn events(ctx: Ctx, signed: SignedRequest, query: Query) -> Response {
    let guards = ctx.guards.clone();
    // Subscribe before reading what was missed, so nothing falls between the two: the live
    // stream then skips what the replay already sent.
    let live = feed(&ctx);
    // Authenticate, take a stream slot, read what was missed and log the outcome, all on the
    // handler pool (the log may wait for its writer): the log says whether the stream was
    // really opened.
    let opened = on_handler_pool(&ctx, move |n| {
        let attempt = auth::authenticate(n, &guards.replay, &guards.read_keys, &signed);
        let opened = attempt.reader.and_then(|reader| {
            let filter = StreamFilter::from_query(&query)?;
            let resume = resume_point(&signed, &query)?;
            let member = reader.member.member.public_key.to_string();
            let slot = guards.sse.acquire(&member).map_err(|reason| ApiError {
                retry_after_s: Some(5),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_streams", reason)
            })?;
            let missed = match resume {
                Some(after) => replayed(n, after)?,
                None => Vec::new(),
            };
            Ok((reader, slot, filter, resume, missed))
        });
        let (status, code) = match &opened {
            Ok(_) => (StatusCode::OK, None),
            Err(e) => (e.status, Some(e.code)),
        };
        log_read(
            n,
            attempt.claim.as_ref(),
            opened.as_ref().ok().map(|(reader, ..)| reader),
            status,
            code,
        )?;
        opened
    })
    .await;
    let (reader, slot, filter, resume, missed) = match opened.and_then(|opened| opened) {
        Ok(opened) => opened,
        Err(e) => return e.into_response(),
    };
    let reader = Arc::new(reader);
    let filter = Arc::new(filter);
    // The newest id sent so far; live events at or before it were replayed already.
    // After a reset the subscriber starts over: every live event is new to it.
    let reset = missed
        .iter()
        .any(|item| matches!(item, FeedItem::Reset { .. }));
    let sent_through = missed
        .iter()
        .rev()
        .find_map(|item| match item {
            FeedItem::Event { event, .. } => Some(event.id),
            _ => None,
        })
        .or(resume)
        .filter(|_| !reset);
    let keep = {
        let (reader, filter) = (reader.clone(), filter.clone());
        move |item: &FeedItem| item.visible_to(&reader) && filter.admits(item, &reader)
    };
    let replay = futures_util::stream::iter(
        missed
            .into_iter()
            .filter(keep.clone())
            .filter_map(|item| item.to_sse())
            .map(Ok::<_, Infallible>),
    );
    let live = BroadcastStream::new(live).filter_map(move |item| {
        // The slot lives as long as the stream: dropped when the client goes.
        let _slot = &slot;
        let event = match item {
            Ok(item) => {
                let fresh = match (item.as_ref(), sent_through) {
                    (FeedItem::Event { event, .. }, Some(through)) => event.id > through,
                    _ => true,
                };
                (fresh && keep(&item)).then(|| item.to_sse()).flatten()
            }
            Err(BroadcastStreamRecvError::Lagged(missed)) => FeedItem::Lagged(missed).to_sse(),
        };
        std::future::ready(event.map(Ok::<_, Infallible>))
    });
    warp::sse::reply(
        warp::sse::keep_alive()
            .interval(Duration::from_secs(15))
            .stream(replay.chain(live)),
    )
    .into_response()
}

/// `GET /metrics`: Prometheus text exposition.
#[allow(clippy::float_arithmetic)] // seconds for the exposition format; not consensus-facing
pub fn metrics(ctx: &Ctx) -> Response {
    let node = &ctx.node;
    let tip = node.tip().chain;
    let pool = node.admission.pool_size();
    let (mempool_txs, mempool_bytes) = (pool.txs, pool.bytes);
    let m = &node.metrics;
    let admitted = &node.admission.metrics;
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
        admitted.txs_admitted.load(Ordering::Relaxed).to_string(),
    );
    metric(
        "gongxin_txs_refused_total",
        "counter",
        "Transactions refused at admission.",
        admitted.txs_refused.load(Ordering::Relaxed).to_string(),
    );
    metric(
        "gongxin_signature_checks_total",
        "counter",
        "Transaction signatures verified.",
        admitted
            .signature_checks
            .load(Ordering::Relaxed)
            .to_string(),
    );
    let counter = |value: &std::sync::atomic::AtomicU64| value.load(Ordering::Relaxed).to_string();
    metric(
        "gongxin_gossip_batches_rejected_total",
        "counter",
        "Gossip batches refused as their sender's fault (malformed, oversized, bad signature, no member).",
        counter(&admitted.gossip_batches_rejected),
    );
    metric(
        "gongxin_gossip_batches_ignored_total",
        "counter",
        "Gossip batches neither checked nor forwarded (sender over its budget, check queue full).",
        counter(&admitted.gossip_batches_ignored),
    );
    metric(
        "gongxin_gossip_peer_bans_total",
        "counter",
        "Gossip peers disconnected for repeated rejected batches.",
        counter(&admitted.gossip_peer_bans),
    );
    metric(
        "gongxin_gossip_connections_refused_total",
        "counter",
        "Inbound gossip connections refused before their handshake: from an address that is no configured peer's, over its share, over the share of all such addresses, or within its cooldown.",
        counter(&admitted.gossip_connections_refused),
    );
    metric(
        "gongxin_equivocation_evidence_total",
        "counter",
        "Heights at which consensus recorded a validator signing two proposals or votes.",
        m.equivocation_evidence.load(Ordering::Relaxed).to_string(),
    );
    metric(
        "gongxin_consensus_lowest_signed_height",
        "gauge",
        "The lowest height this validator has signed a vote, proposal or checkpoint at since it started (0: none yet).",
        m.lowest_signed_height.load(Ordering::Relaxed).to_string(),
    );
    metric(
        "gongxin_consensus_signing_paused_through",
        "gauge",
        "The height a validator rebuilt by `gongxin-node resync` follows consensus through without signing, as its lost write-ahead log may have signed there (0: it signs).",
        m.signing_paused_through.load(Ordering::Relaxed).to_string(),
    );
    metric(
        "gongxin_damaged_reads_total",
        "counter",
        "Reads refused because what this node stores did not verify (a proof that does not lead to its signed root): run `gongxin-node check`.",
        m.damaged_reads.load(Ordering::Relaxed).to_string(),
    );
    metric(
        "gongxin_proposal_streams_over_budget_total",
        "counter",
        "Complete proposal streams dropped without a signature check: their publisher completed more per second than any proposer would.",
        m.proposal_streams_over_budget
            .load(Ordering::Relaxed)
            .to_string(),
    );
    metric(
        "gongxin_consensus_messages_over_budget_total",
        "counter",
        "Votes, proposals and certificates dropped without a signature check: their sender asked for more checks a second than any validator would, is banned for it, or is no configured peer.",
        m.consensus_messages_over_budget
            .load(Ordering::Relaxed)
            .to_string(),
    );
    metric(
        "gongxin_consensus_peer_bans_total",
        "counter",
        "Consensus peers disconnected for a minute for staying over their budget of signature checks.",
        m.consensus_peer_bans.load(Ordering::Relaxed).to_string(),
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
        "Total time spent committing blocks (a lone validator: building and committing).",
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
        "Commit time of the last block (a lone validator: build and commit).",
        format!(
            "{:.6}",
            m.commit_latency_us_last.load(Ordering::Relaxed) as f64 / 1e6
        ),
    );
    let g = &ctx.guards.metrics;
    let load = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed).to_string();
    metric(
        "gongxin_http_connections_open",
        "gauge",
        "Open HTTP connections.",
        load(&g.connections_open),
    );
    metric(
        "gongxin_http_connections_refused_total",
        "counter",
        "Connections refused because the node had as many as it may hold.",
        load(&g.connections_refused),
    );
    metric(
        "gongxin_http_rate_limited_total",
        "counter",
        "Requests answered 429 by a rate limit or the signature-check budget.",
        load(&g.rate_limited),
    );
    metric(
        "gongxin_http_signature_budget_refused_total",
        "counter",
        "Submissions refused because the signature-check budget was spent.",
        load(&g.signature_budget_refused),
    );
    metric(
        "gongxin_http_handler_timeouts_total",
        "counter",
        "Requests answered 503 because their handler could not finish in time.",
        load(&g.handlers_timed_out),
    );
    metric(
        "gongxin_sse_subscribers",
        "gauge",
        "Open event streams.",
        ctx.guards.sse.open().to_string(),
    );
    warp::reply::with_header(out, "content-type", "text/plain; version=0.0.4").into_response()
}

/// `GET /health`: 200 while the node runs.
pub fn health(node: &Node) -> Response {
    warp::reply::json(&serde_json::json!({"status": "ok", "height": node.tip().chain.height}))
        .into_response()
}
