//! The HTTP gateway (warp): what verifiers, departments, external systems and public portals
//! talk to.
//!
//! - [`ledger`]: PROTOCOL.md's `GET /v1/checkpoint`, `/v1/proofs/inclusion`,
//!   `/v1/proofs/consistency`, plus `/v1/entries`, `/v1/status`, `POST /v1/txs`,
//!   `/v1/txs/{hash}`, `/v1/blocks/{height}`.
//! - [`records`]: internal record reads, each request signed by a member ([`auth`]).
//! - [`public`]: the public portal API, `/public/v1/...`, disclosed fields only.
//! - [`observe`]: `GET /v1/events` (server-sent events), `/metrics` (Prometheus), `/health`.
//! - [`openapi`]: `GET /openapi.json`, the description of all of the above.
//!
//! Every response is JSON unless said; every bad input is a 4xx with `{"error","message"}`
//! ([`error`]). Bodies are limited by `http_body_bytes_max`; blocking work (signature checks,
//! RocksDB reads, proofs) runs on tokio's blocking pool, never on the reactor.

pub mod auth;
pub mod error;
pub mod ledger;
pub mod observe;
pub mod openapi;
pub mod public;
pub mod records;

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
    let submit_batch = warp::path!("v1" / "txs" / "batch")
        .and(warp::post())
        .and(warp::body::content_length_limit(
            node.limits.http_batch_body_bytes_max,
        ))
        .and(with_node.clone())
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::body::bytes())
        .then(
            |node: Arc<Node>, content_type: Option<String>, body: bytes::Bytes| {
                blocking(node, move |n| {
                    ledger::submit_batch(n, content_type.as_deref(), &body)
                })
            },
        );
    let tx_status = warp::path!("v1" / "txs" / String)
        .and(warp::get())
        .and(with_node.clone())
        .then(|hash: String, node: Arc<Node>| blocking(node, move |n| ledger::tx_status(n, &hash)));
    let validator_sets = warp::path!("v1" / "validator-sets")
        .and(warp::get())
        .and(with_node.clone())
        .then(|node: Arc<Node>| blocking(node, ledger::validator_sets));
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

    let internal = internal_routes(node.clone());
    let public = public_routes(node.clone());
    let openapi = warp::path!("openapi.json")
        .and(warp::get())
        .map(openapi::reply);

    checkpoint
        .or(internal)
        .unify()
        .or(public)
        .unify()
        .or(openapi)
        .unify()
        .or(inclusion)
        .unify()
        .or(consistency)
        .unify()
        .or(entries)
        .unify()
        .or(validator_sets)
        .unify()
        .or(submit_batch)
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

/// What an internal read needs to authenticate: method, path and query, headers.
#[derive(Debug, Clone)]
struct Signed {
    method: String,
    path_and_query: String,
    headers: warp::http::HeaderMap,
}

fn signed() -> impl Filter<Extract = (Signed,), Error = std::convert::Infallible> + Clone {
    warp::method()
        .and(warp::path::full())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(warp::header::headers_cloned())
        .map(
            |method: warp::http::Method,
             path: warp::path::FullPath,
             query: String,
             headers: warp::http::HeaderMap| {
                let path_and_query = if query.is_empty() {
                    path.as_str().to_owned()
                } else {
                    format!("{}?{query}", path.as_str())
                };
                Signed {
                    method: method.as_str().to_owned(),
                    path_and_query,
                    headers,
                }
            },
        )
}

/// Runs an internal read: authenticate the signed request, then the handler, on the blocking
/// pool.
async fn authed<F>(node: Arc<Node>, signed: Signed, handler: F) -> Response
where
    F: FnOnce(&Node, &auth::Reader) -> error::ApiResult + Send + 'static,
{
    blocking(node, move |n| {
        let reader =
            auth::authenticate(n, &signed.method, &signed.path_and_query, &signed.headers)?;
        handler(n, &reader)
    })
    .await
}

fn internal_routes(node: Arc<Node>) -> BoxedFilter<(Response,)> {
    let with_node = warp::any().map(move || node.clone());
    let base = warp::get()
        .and(with_node)
        .and(signed())
        .and(warp::query::<Query>());
    let projects = warp::path!("v1" / "projects").and(base.clone()).then(
        |node: Arc<Node>, s: Signed, q: Query| {
            authed(node, s, move |n, r| records::list_projects(n, r, &q))
        },
    );
    let project = warp::path!("v1" / "projects" / String)
        .and(base.clone())
        .then(|id: String, node: Arc<Node>, s: Signed, _q: Query| {
            authed(node, s, move |n, r| records::project(n, r, &id))
        });
    let history = warp::path!("v1" / "projects" / String / "history")
        .and(base.clone())
        .then(|id: String, node: Arc<Node>, s: Signed, q: Query| {
            authed(node, s, move |n, r| records::project_history(n, r, &id, &q))
        });
    let alerts = warp::path!("v1" / "projects" / String / "alerts")
        .and(base.clone())
        .then(|id: String, node: Arc<Node>, s: Signed, q: Query| {
            authed(node, s, move |n, r| records::project_alerts(n, r, &id, &q))
        });
    let rejections = warp::path!("v1" / "projects" / String / "rejections")
        .and(base.clone())
        .then(|id: String, node: Arc<Node>, s: Signed, q: Query| {
            authed(node, s, move |n, r| {
                records::project_rejections(n, r, &id, &q)
            })
        });
    let health = warp::path!("v1" / "projects" / String / "health")
        .and(base.clone())
        .then(|id: String, node: Arc<Node>, s: Signed, q: Query| {
            authed(node, s, move |n, r| records::project_health(n, r, &id, &q))
        });
    let contract = warp::path!("v1" / "contracts" / String)
        .and(base.clone())
        .then(|id: String, node: Arc<Node>, s: Signed, _q: Query| {
            authed(node, s, move |n, r| records::contract(n, r, &id))
        });
    let disbursements = warp::path!("v1" / "contracts" / String / "disbursements")
        .and(base.clone())
        .then(|id: String, node: Arc<Node>, s: Signed, q: Query| {
            authed(node, s, move |n, r| records::disbursements(n, r, &id, &q))
        });
    let rectifications = warp::path!("v1" / "rectifications").and(base.clone()).then(
        |node: Arc<Node>, s: Signed, q: Query| {
            authed(node, s, move |n, r| records::rectifications(n, r, &q))
        },
    );
    let whoami = warp::path!("v1" / "whoami").and(base.clone()).then(
        |node: Arc<Node>, s: Signed, _q: Query| authed(node, s, move |_, r| records::whoami(r)),
    );
    let approvals = warp::path!("v1" / "departments" / String / "approvals")
        .and(base)
        .then(|id: String, node: Arc<Node>, s: Signed, q: Query| {
            authed(node, s, move |n, r| {
                records::department_approvals(n, r, &id, &q)
            })
        });
    projects
        .or(project)
        .unify()
        .or(history)
        .unify()
        .or(alerts)
        .unify()
        .or(rejections)
        .unify()
        .or(health)
        .unify()
        .or(contract)
        .unify()
        .or(disbursements)
        .unify()
        .or(rectifications)
        .unify()
        .or(approvals)
        .unify()
        .or(whoami)
        .unify()
        .boxed()
}

fn public_routes(node: Arc<Node>) -> BoxedFilter<(Response,)> {
    let with_node = warp::any().map(move || node.clone());
    let projects = warp::path!("public" / "v1" / "projects")
        .and(warp::get())
        .and(with_node.clone())
        .and(warp::query::<Query>())
        .then(|node: Arc<Node>, q: Query| blocking(node, move |n| public::projects(n, &q)));
    let project = warp::path!("public" / "v1" / "projects" / String)
        .and(warp::get())
        .and(with_node.clone())
        .then(|id: String, node: Arc<Node>| blocking(node, move |n| public::project(n, &id)));
    let rectifications = warp::path!("public" / "v1" / "rectifications")
        .and(warp::get())
        .and(with_node)
        .and(warp::query::<Query>())
        .then(|node: Arc<Node>, q: Query| blocking(node, move |n| public::rectifications(n, &q)));
    projects
        .or(project)
        .unify()
        .or(rectifications)
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
