//! The HTTP gateway (warp): what verifiers, departments, external systems and public portals
//! talk to.
//!
//! - [`ledger`]: PROTOCOL.md's `GET /v1/checkpoint`, `/v1/proofs/inclusion`,
//!   `/v1/proofs/consistency`, plus `/v1/entries`, `/v1/status`, `POST /v1/txs`,
//!   `/v1/txs/{hash}`, `/v1/blocks/{height}`.
//! - [`observe`]: `GET /v1/events` (server-sent events), `/metrics` (Prometheus), `/health`.
//!
//! Every response is JSON unless said; every bad input is a 4xx with `{"error","message"}`
//! ([`error`]). Bodies are limited by `http_body_bytes_max`; blocking work (signature checks,
//! RocksDB reads, proofs) runs on tokio's blocking pool, never on the reactor.

pub mod auth;
pub mod error;
pub mod ledger;
pub mod observe;

use std::net::SocketAddr;
use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::node::Node;
use ledger::{Query, blocking};

/// All routes of the gateway, with JSON errors for every rejection.
pub fn routes(node: Arc<Node>) -> BoxedFilter<(Response,)> {
    let with_node = {
        let node = node.clone();
        warp::any().map(move || node.clone())
    };
    let query = warp::query::<Query>();

    let checkpoint = warp::path!("v1" / "checkpoint")
        .and(warp::get())
        .and(with_node.clone())
        .then(|node: Arc<Node>| blocking(node, ledger::checkpoint));
    let inclusion = warp::path!("v1" / "proofs" / "inclusion")
        .and(warp::get())
        .and(with_node.clone())
        .and(query)
        .then(|node: Arc<Node>, q: Query| blocking(node, move |n| ledger::inclusion(n, &q)));
    let consistency = warp::path!("v1" / "proofs" / "consistency")
        .and(warp::get())
        .and(with_node.clone())
        .and(query)
        .then(|node: Arc<Node>, q: Query| blocking(node, move |n| ledger::consistency(n, &q)));
    let entries = warp::path!("v1" / "entries")
        .and(warp::get())
        .and(with_node.clone())
        .and(query)
        .then(|node: Arc<Node>, q: Query| blocking(node, move |n| ledger::entries(n, &q)));
    let status = warp::path!("v1" / "status")
        .and(warp::get())
        .and(with_node.clone())
        .then(|node: Arc<Node>| blocking(node, ledger::status));
    let submit = warp::path!("v1" / "txs")
        .and(warp::post())
        .and(warp::body::content_length_limit(
            node.limits.http_body_bytes_max,
        ))
        .and(with_node.clone())
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::body::bytes())
        .then(
            |node: Arc<Node>, content_type: Option<String>, body: bytes::Bytes| {
                blocking(node, move |n| {
                    ledger::submit(n, content_type.as_deref(), &body)
                })
            },
        );
    let tx_status = warp::path!("v1" / "txs" / String)
        .and(warp::get())
        .and(with_node.clone())
        .then(|hash: String, node: Arc<Node>| blocking(node, move |n| ledger::tx_status(n, &hash)));
    let block = warp::path!("v1" / "blocks" / String)
        .and(warp::get())
        .and(with_node.clone())
        .then(|height: String, node: Arc<Node>| blocking(node, move |n| ledger::block(n, &height)));

    let events = warp::path!("v1" / "events")
        .and(warp::get())
        .and(with_node.clone())
        .map(|node: Arc<Node>| observe::events(&node));
    let metrics = warp::path!("metrics")
        .and(warp::get())
        .and(with_node.clone())
        .map(|node: Arc<Node>| observe::metrics(&node));
    let health = warp::path!("health")
        .and(warp::get())
        .and(with_node)
        .map(|node: Arc<Node>| observe::health(&node));

    checkpoint
        .or(inclusion)
        .unify()
        .or(consistency)
        .unify()
        .or(entries)
        .unify()
        .or(status)
        .unify()
        .or(submit)
        .unify()
        .or(tx_status)
        .unify()
        .or(block)
        .unify()
        .or(events)
        .unify()
        .or(metrics)
        .unify()
        .or(health)
        .unify()
        .recover(error::recover)
        .unify()
        .boxed()
}

/// Serves the gateway on `listener` until `shutdown` resolves.
pub async fn serve(
    node: Arc<Node>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    warp::serve(routes(node))
        .incoming(listener)
        .graceful(shutdown)
        .run()
        .await;
}

/// Binds the gateway's address.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}
