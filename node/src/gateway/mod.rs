//! The HTTP gateway (warp routes, served by [`server`]): what verifiers, departments, external
//! systems and public portals talk to.
//!
//! - [`ledger`]: PROTOCOL.md's `GET /v1/checkpoint`, `/v1/checkpoints/{size}`,
//!   `/v1/proofs/inclusion`, `/v1/proofs/consistency`, `/v1/validator-sets` (with hand-overs),
//!   plus `/v1/entries`, `/v1/status`, `POST /v1/txs`, `/v1/txs/{hash}`, `/v1/blocks/{height}`.
//! - [`records`]: internal record reads; [`dashboard`]: the console's aggregate figures, from a
//!   per-block snapshot; [`schema`]: the operations' JSON Schema.
//! - [`console`]: the department console, the web app at `/console/`.
//! - [`minutes`]: `POST /v1/minutes/drafts`, meeting minutes in, draft rectification tasks out.
//! - [`exports`]: the records a reader may see as CSV or XLSX files.
//! - [`access_log`]: the node's operation log (audit) and its anchors on the ledger.
//! - [`auth`]: signed reads (key, node, time, nonce, signature) and the replay cache; what a
//!   member may then see is `gongxin_contracts::access`'s read table, applied by the handlers.
//! - [`portal`]: the public portal's server-rendered pages at `/` and `/en/` (no JavaScript
//!   needed), with the list as CSV.
//! - [`public`]: the public portal API, `/public/v1/...`, disclosed fields only, each record
//!   naming its latest leaf of the public disclosure log; [`public_log`]: that log's
//!   checkpoint, entries and proofs, and single records by kind and id.
//! - [`observe`]: `GET /v1/events` (server-sent events, a signed read), `/metrics`
//!   (Prometheus), `/health`.
//! - [`webhooks`]: the node's webhook deliveries, for its department's leads.
//! - [`openapi`]: `GET /openapi.json`, the description of all of the above.
//! - [`guard`] and [`server`]: rate limits, the signature-check budget, event-stream caps, the
//!   bounded handler pool; HTTP/1.1 with a header-read timeout and a connection cap.
//!
//! Every response is JSON unless said; every bad input is a 4xx with `{"error","message"}`
//! ([`error`]). Bodies are limited by `http_body_bytes_max`; blocking work (signature checks,
//! RocksDB reads, proofs) runs on the gateway's bounded handler pool, never on the reactor and
//! never on consensus's threads.

pub mod access_log;
pub mod auth;
pub mod console;
pub mod context;
pub mod dashboard;
pub mod error;
pub mod exports;
pub mod feed;
pub mod guard;
pub mod ledger;
pub mod minutes;
pub mod observe;
pub mod openapi;
pub mod portal;
pub mod public;
pub mod public_log;
pub mod records;
pub mod schema;
pub mod server;
pub mod webhooks;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::node::Node;
use auth::{Reader, SignedRequest};
use error::{ApiError, ApiResult};
use ledger::Query;

use context::log_read;
pub use context::{
    Ctx, INLINE_HANDLERS_MAX, PeerAddr, WORKER_THREADS, blocking, inline, on_handler_pool,
};

/// Serves the gateway on `listener` until `shutdown` resolves, then lets open requests finish.
pub async fn serve(
    ctx: Ctx,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    server::serve_routes(routes_with(ctx.clone()), &ctx, listener, shutdown).await;
}

/// All routes of the gateway with fresh guards (tests; [`serve`] keeps one set per server).
pub fn routes(node: Arc<Node>) -> BoxedFilter<(Response,)> {
    routes_with(Ctx::new(node))
}

/// All routes of the gateway, with JSON errors for every rejection.
pub fn routes_with(ctx: Ctx) -> BoxedFilter<(Response,)> {
    let body_max = ctx.node.limits.http_body_bytes_max;
    let batch_body_max = ctx.node.limits.http_batch_body_bytes_max;
    let with_ctx = warp::any().map(move || ctx.clone());
    let query = warp::query::<Query>();
    // Every request first passes the per-address rate limit.
    let base = with_ctx
        .clone()
        .and(warp::ext::optional::<PeerAddr>())
        .and_then(|ctx: Ctx, peer: Option<PeerAddr>| async move {
            match ctx
                .guards
                .admit_address(peer.map(|p| p.0.ip()), 1, ctx.node.clock.now_ms())
            {
                Ok(()) => Ok((ctx, peer.map(|p| p.0.ip()))),
                Err(retry) => Err(warp::reject::custom(error::Limited(retry.0))),
            }
        })
        .untuple_one();
    // Boxed: every route starts with it, and an unboxed filter type nested in each route of the
    // `or` chain makes the crate take minutes longer to compile.
    let open: BoxedFilter<(Ctx,)> = base.map(|ctx: Ctx, _peer: Option<IpAddr>| ctx).boxed();

    let checkpoint = warp::path!("v1" / "checkpoint")
        .and(warp::get())
        .and(open.clone())
        .then(|ctx: Ctx| blocking(ctx, ledger::checkpoint));
    let checkpoint_at = warp::path!("v1" / "checkpoints" / u64)
        .and(warp::get())
        .and(open.clone())
        .then(|size: u64, ctx: Ctx| blocking(ctx, move |n| ledger::checkpoint_at(n, size)));
    let inclusion = warp::path!("v1" / "proofs" / "inclusion")
        .and(warp::get())
        .and(open.clone())
        .and(signed_request())
        .and(query)
        .then(|ctx: Ctx, s: SignedRequest, q: Query| async move {
            if q.contains_key("leaf_hash") {
                inline(ctx, move |n| ledger::inclusion_by_leaf(n, &q)).await
            } else {
                authed(ctx, s, move |n, r| ledger::inclusion(n, r, &q)).await
            }
        });
    let consistency = warp::path!("v1" / "proofs" / "consistency")
        .and(warp::get())
        .and(open.clone())
        .and(query)
        .then(|ctx: Ctx, q: Query| inline(ctx, move |n| ledger::consistency(n, &q)));
    let entries = warp::path!("v1" / "entries")
        .and(warp::get())
        .and(open.clone())
        .and(signed_request())
        .and(query)
        .then(|ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| ledger::entries(n, r, &q))
        });
    let status = warp::path!("v1" / "status")
        .and(warp::get())
        .and(open.clone())
        .then(|ctx: Ctx| blocking(ctx, ledger::status));
    let submit = warp::path!("v1" / "txs")
        .and(warp::post())
        .and(open.clone())
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::body::content_length_limit(body_max))
        .and(warp::body::bytes())
        .then(
            |ctx: Ctx, content_type: Option<String>, body: bytes::Bytes| async move {
                if let Err(refused) = signature_budget(&ctx, 1) {
                    return refused.into_response();
                }
                inline(ctx, move |n| {
                    ledger::submit(n, content_type.as_deref(), &body)
                })
                .await
            },
        );
    let submit_batch = warp::path!("v1" / "txs" / "batch")
        .and(warp::post())
        .and(open.clone())
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::body::content_length_limit(batch_body_max))
        .and(warp::body::bytes())
        .then(
            |ctx: Ctx, content_type: Option<String>, body: bytes::Bytes| async move {
                let guards = ctx.guards.clone();
                blocking(ctx, move |n| {
                    ledger::submit_batch(n, content_type.as_deref(), &body, &|checks| {
                        guards
                            .admit_signature_checks(checks as u64, n.clock.now_ms())
                            .map_err(|retry| error::Limited(retry.0).api_error())
                    })
                })
                .await
            },
        );
    let tx_status = warp::path!("v1" / "txs" / String)
        // `/v1/txs/batch` is the batch route's path: another method there is 405, not a hash.
        .and_then(|hash: String| async move {
            if hash == "batch" {
                Err(warp::reject::not_found())
            } else {
                Ok(hash)
            }
        })
        .and(warp::get())
        .and(open.clone())
        .and(signed_request())
        .then(|hash: String, ctx: Ctx, s: SignedRequest| async move {
            if s.has_credentials() {
                authed(ctx, s, move |n, r| ledger::tx_status(n, Some(r), &hash)).await
            } else {
                blocking(ctx, move |n| ledger::tx_status(n, None, &hash)).await
            }
        });
    let validator_sets = warp::path!("v1" / "validator-sets")
        .and(warp::get())
        .and(open.clone())
        .then(|ctx: Ctx| blocking(ctx, ledger::validator_sets));
    let block = warp::path!("v1" / "blocks" / String)
        .and(warp::get())
        .and(open.clone())
        .then(|height: String, ctx: Ctx| blocking(ctx, move |n| ledger::block(n, &height)));

    let events = warp::path!("v1" / "events")
        .and(warp::get())
        .and(open.clone())
        .and(signed_request())
        .and(warp::query::<Query>())
        .then(observe::events);
    let metrics = warp::path!("metrics")
        .and(warp::get())
        .and(open.clone())
        .map(|ctx: Ctx| observe::metrics(&ctx));
    let health = warp::path!("health")
        .and(warp::get())
        .and(open.clone())
        .map(|ctx: Ctx| observe::health(&ctx.node));

    let internal = internal_routes(open.clone());
    let webhooks = webhook_routes(open.clone());
    let minutes = warp::path!("v1" / "minutes" / "drafts")
        .and(warp::post())
        .and(open.clone())
        .and(signed_request())
        .and(warp::query::<Query>())
        .and(warp::body::content_length_limit(minutes::MINUTES_BYTES_MAX))
        .and(warp::body::bytes())
        .then(|ctx: Ctx, s: SignedRequest, q: Query, body: bytes::Bytes| {
            authed(ctx, s, move |n, r| minutes::drafts(n, r, &q, &body))
        });
    let console = console_routes(open.clone());
    let schema = warp::path!("v1" / "schema" / "operations")
        .and(warp::get())
        .and(open.clone())
        .map(|_ctx: Ctx| schema::operations());
    let public = public_routes(open.clone());
    let portal = portal_routes(open.clone());
    let openapi = warp::path!("openapi.json")
        .and(warp::get())
        .map(openapi::reply);

    // The ledger's routes first, the busiest (proofs, submissions, transaction status) at the
    // head: each route a request passes on its way costs a boxed call and a rejection.
    let routes = vec![
        inclusion.boxed(),
        submit_batch.boxed(),
        tx_status.boxed(),
        submit.boxed(),
        block.boxed(),
        status.boxed(),
        checkpoint.boxed(),
        checkpoint_at.boxed(),
        consistency.boxed(),
        entries.boxed(),
        validator_sets.boxed(),
        events.boxed(),
        metrics.boxed(),
        health.boxed(),
        internal,
        webhooks,
        minutes.boxed(),
        public,
        portal,
        openapi.boxed(),
        console,
        schema.boxed(),
    ];
    first_match(routes).recover(error::recover).unify().boxed()
}

/// One filter that tries `routes` in order, the first match answering.
///
/// Every route is boxed before it joins, and so is each step of the chain: warp's `or` nests
/// the full types of everything before it, and type checking an unboxed chain of twenty routes
/// took rustc over half an hour (seanmonstar/warp#507). A boxed step costs one dynamic call.
fn first_match(routes: Vec<BoxedFilter<(Response,)>>) -> BoxedFilter<(Response,)> {
    routes
        .into_iter()
        .reduce(|tried, next| tried.or(next).unify().boxed())
        .unwrap_or_else(|| {
            warp::any()
                .and_then(|| async { Err::<Response, _>(warp::reject::not_found()) })
                .boxed()
        })
}

/// Spends `checks` of the node's signature-check budget for HTTP submissions.
fn signature_budget(ctx: &Ctx, checks: u64) -> Result<(), ApiError> {
    ctx.guards
        .admit_signature_checks(checks, ctx.node.clock.now_ms())
        .map_err(|retry| error::Limited(retry.0).api_error())
}

/// What a signed read carries: method, path, raw query, headers.
fn signed_request()
-> impl Filter<Extract = (SignedRequest,), Error = std::convert::Infallible> + Clone {
    warp::method()
        .and(warp::path::full())
        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
        .and(warp::header::headers_cloned())
        .map(
            |method: warp::http::Method,
             path: warp::path::FullPath,
             query: String,
             headers: warp::http::HeaderMap| SignedRequest {
                method: method.as_str().to_owned(),
                path: path.as_str().to_owned(),
                query,
                headers,
            },
        )
}

/// Runs a signed read: authenticate, rate-limit the member, then the handler, all on the
/// gateway's handler pool; the outcome goes to the operation log before the answer goes out.
async fn authed<F>(ctx: Ctx, signed: SignedRequest, handler: F) -> Response
where
    F: FnOnce(&Node, &Reader) -> ApiResult + Send + 'static,
{
    let guards = ctx.guards.clone();
    blocking(ctx, move |n| {
        let attempt = auth::authenticate(n, &guards.replay, &guards.read_keys, &signed);
        let (reader, result) = match attempt.reader {
            Ok(reader) => {
                let result = guards
                    .admit_member(
                        &reader.member.member.public_key.to_string(),
                        n.clock.now_ms(),
                    )
                    .map_err(|retry| error::Limited(retry.0).api_error())
                    .and_then(|()| handler(n, &reader));
                (Some(reader), result)
            }
            Err(e) => (None, Err(e)),
        };
        let outcome = match &result {
            Ok(response) => response.status(),
            Err(e) => e.status,
        };
        let code = result.as_ref().err().map(|e| e.code);
        log_read(n, attempt.claim.as_ref(), reader.as_ref(), outcome, code)?;
        result
    })
    .await
}

fn internal_routes(open: BoxedFilter<(Ctx,)>) -> BoxedFilter<(Response,)> {
    let base: BoxedFilter<(Ctx, SignedRequest, Query)> = warp::get()
        .and(open)
        .and(signed_request())
        .and(warp::query::<Query>())
        .boxed();
    let projects = warp::path!("v1" / "projects").and(base.clone()).then(
        |ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| records::list_projects(n, r, &q))
        },
    );
    let project = warp::path!("v1" / "projects" / String)
        .and(base.clone())
        .then(|id: String, ctx: Ctx, s: SignedRequest, _q: Query| {
            authed(ctx, s, move |n, r| records::project(n, r, &id))
        });
    let history = warp::path!("v1" / "projects" / String / "history")
        .and(base.clone())
        .then(|id: String, ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| records::project_history(n, r, &id, &q))
        });
    let alerts = warp::path!("v1" / "projects" / String / "alerts")
        .and(base.clone())
        .then(|id: String, ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| records::project_alerts(n, r, &id, &q))
        });
    let rejections = warp::path!("v1" / "projects" / String / "rejections")
        .and(base.clone())
        .then(|id: String, ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| {
                records::project_rejections(n, r, &id, &q)
            })
        });
    let all_rejections = warp::path!("v1" / "rejections").and(base.clone()).then(
        |ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| records::rejections(n, r, &q))
        },
    );
    let health = warp::path!("v1" / "projects" / String / "health")
        .and(base.clone())
        .then(|id: String, ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| records::project_health(n, r, &id, &q))
        });
    let contract = warp::path!("v1" / "contracts" / String)
        .and(base.clone())
        .then(|id: String, ctx: Ctx, s: SignedRequest, _q: Query| {
            authed(ctx, s, move |n, r| records::contract(n, r, &id))
        });
    let disbursements = warp::path!("v1" / "contracts" / String / "disbursements")
        .and(base.clone())
        .then(|id: String, ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| records::disbursements(n, r, &id, &q))
        });
    let rectifications = warp::path!("v1" / "rectifications").and(base.clone()).then(
        |ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| records::rectifications(n, r, &q))
        },
    );
    let whoami = warp::path!("v1" / "whoami").and(base.clone()).then(
        |ctx: Ctx, s: SignedRequest, _q: Query| authed(ctx, s, move |_, r| records::whoami(r)),
    );
    let access_log = warp::path!("v1" / "access-log").and(base.clone()).then(
        |ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| access_log::log(n, r, &q))
        },
    );
    let access_anchors = warp::path!("v1" / "access-log" / "anchors")
        .and(base.clone())
        .then(|ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| access_log::anchors(n, r, &q))
        });
    let console_reads = console_reads(base.clone());
    let approvals = warp::path!("v1" / "departments" / String / "approvals")
        .and(base)
        .then(|id: String, ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| {
                records::department_approvals(n, r, &id, &q)
            })
        });
    first_match(vec![
        projects.boxed(),
        project.boxed(),
        history.boxed(),
        alerts.boxed(),
        rejections.boxed(),
        all_rejections.boxed(),
        health.boxed(),
        contract.boxed(),
        disbursements.boxed(),
        rectifications.boxed(),
        approvals.boxed(),
        whoami.boxed(),
        access_log.boxed(),
        access_anchors.boxed(),
        console_reads,
    ])
}

/// The signed reads the console adds: alerts (a department's, the reader's, one by digest), the
/// policies, the dashboard, delay risks.
fn console_reads(base: BoxedFilter<(Ctx, SignedRequest, Query)>) -> BoxedFilter<(Response,)> {
    let department_alerts = warp::path!("v1" / "departments" / String / "alerts")
        .and(base.clone())
        .then(|id: String, ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| {
                records::department_alerts(n, r, &id, &q)
            })
        });
    let export = warp::path!("v1" / "exports" / String)
        .and(base.clone())
        .then(|name: String, ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| exports::export(n, r, &name, &q))
        });
    let my_alerts = warp::path!("v1" / "me" / "alerts").and(base.clone()).then(
        |ctx: Ctx, s: SignedRequest, q: Query| {
            authed(ctx, s, move |n, r| records::my_alerts(n, r, &q))
        },
    );
    let alert = warp::path!("v1" / "alerts" / String)
        .and(base.clone())
        .then(|digest: String, ctx: Ctx, s: SignedRequest, _q: Query| {
            authed(ctx, s, move |n, r| records::alert(n, r, &digest))
        });
    let policies = warp::path!("v1" / "policies").and(base.clone()).then(
        |ctx: Ctx, s: SignedRequest, _q: Query| authed(ctx, s, move |n, _r| records::policies(n)),
    );
    let dashboard = warp::path!("v1" / "dashboard").and(base.clone()).then(
        |ctx: Ctx, s: SignedRequest, _q: Query| {
            let (node, cache) = (ctx.node.clone(), ctx.dashboard.clone());
            authed(ctx, s, move |n, r| {
                dashboard::dashboard(&cache, &*cache.snapshot(&node)?, n, r)
            })
        },
    );
    let risk_list = warp::path!("v1" / "risk").and(base.clone()).then(
        |ctx: Ctx, s: SignedRequest, q: Query| {
            let (node, cache) = (ctx.node.clone(), ctx.dashboard.clone());
            authed(ctx, s, move |n, r| {
                dashboard::risk_list(&cache, &*cache.snapshot(&node)?, n, r, &q)
            })
        },
    );
    let project_risk = warp::path!("v1" / "projects" / String / "risk")
        .and(base.clone())
        .then(|id: String, ctx: Ctx, s: SignedRequest, _q: Query| {
            let (node, cache) = (ctx.node.clone(), ctx.dashboard.clone());
            authed(ctx, s, move |n, r| {
                dashboard::project_risk(&cache, &*cache.snapshot(&node)?, n, r, &id)
            })
        });
    first_match(vec![
        department_alerts.boxed(),
        export.boxed(),
        my_alerts.boxed(),
        alert.boxed(),
        policies.boxed(),
        dashboard.boxed(),
        risk_list.boxed(),
        project_risk.boxed(),
    ])
}

/// `GET /v1/webhooks` and `POST /v1/webhooks/{id}/replay`: signed, for the node's department.
fn webhook_routes(open: BoxedFilter<(Ctx,)>) -> BoxedFilter<(Response,)> {
    let list = warp::path!("v1" / "webhooks")
        .and(warp::get())
        .and(open.clone())
        .and(signed_request())
        .then(|ctx: Ctx, s: SignedRequest| authed(ctx, s, webhooks::list));
    let replay = warp::path!("v1" / "webhooks" / String / "replay")
        .and(warp::post())
        .and(open)
        .and(signed_request())
        .then(|id: String, ctx: Ctx, s: SignedRequest| {
            authed(ctx, s, move |n, r| webhooks::replay(n, r, &id))
        });
    first_match(vec![list.boxed(), replay.boxed()])
}

/// `/console/…`: the web app's files; `/console` redirects to `/console/` so relative asset
/// paths resolve.
fn console_routes(open: BoxedFilter<(Ctx,)>) -> BoxedFilter<(Response,)> {
    // `path!("console")` also matches `/console/`: only the bare path is redirected, so the
    // page's relative asset paths resolve under `/console/`.
    let bare = warp::path!("console")
        .and(warp::get())
        .and(warp::path::full())
        .and_then(|full: warp::path::FullPath| async move {
            if full.as_str() != "/console" {
                return Err(warp::reject::not_found());
            }
            let redirect = warp::reply::with_header(
                warp::http::StatusCode::MOVED_PERMANENTLY,
                "location",
                "/console/",
            );
            Ok::<Response, warp::Rejection>(warp::Reply::into_response(redirect))
        });
    let files = warp::path("console")
        .and(warp::get())
        .and(open)
        .and(warp::path::tail())
        .and(warp::header::optional::<String>("if-none-match"))
        .and(warp::header::optional::<String>("accept-encoding"))
        .map(
            |_ctx: Ctx, tail: warp::path::Tail, etag: Option<String>, accept: Option<String>| {
                let gzip = console::accepts_gzip(accept.as_deref());
                console::asset(tail.as_str(), etag.as_deref(), gzip)
                    .unwrap_or_else(ApiError::into_response)
            },
        );
    bare.or(files).unify().boxed()
}

/// The public portal's pages (`portal`): `/`, `/en/`, a project's page in either language,
/// its style sheet and the list as CSV.
fn portal_routes(open: BoxedFilter<(Ctx,)>) -> BoxedFilter<(Response,)> {
    use portal::page::Lang;
    let index = |lang: Lang| {
        move |ctx: Ctx, q: Query| blocking(ctx, move |n| Ok(portal::index(n, lang, &q)))
    };
    let project = |lang: Lang| {
        move |id: String, ctx: Ctx| blocking(ctx, move |n| Ok(portal::project(n, lang, &id)))
    };
    let zh = warp::path::end()
        .and(warp::get())
        .and(open.clone())
        .and(warp::query::<Query>())
        .then(index(Lang::Zh));
    // Also `/en/`: warp's `path!` takes a trailing slash.
    let en = warp::path!("en")
        .and(warp::get())
        .and(open.clone())
        .and(warp::query::<Query>())
        .then(index(Lang::En));
    let zh_project = warp::path!("projects" / String)
        .and(warp::get())
        .and(open.clone())
        .then(project(Lang::Zh));
    let en_project = warp::path!("en" / "projects" / String)
        .and(warp::get())
        .and(open.clone())
        .then(project(Lang::En));
    let css = warp::path!("portal" / "portal.css")
        .and(warp::get())
        .map(portal::stylesheet);
    // The verify button's script, from the web build (`web/dist/portal/verify.js`).
    let script = warp::path!("portal" / "verify.js")
        .and(warp::get())
        .and(warp::header::optional::<String>("if-none-match"))
        .and(warp::header::optional::<String>("accept-encoding"))
        .map(|etag: Option<String>, accept: Option<String>| {
            let gzip = console::accepts_gzip(accept.as_deref());
            console::asset("portal/verify.js", etag.as_deref(), gzip)
                .unwrap_or_else(ApiError::into_response)
        });
    let csv = warp::path!("portal" / "projects.csv")
        .and(warp::get())
        .and(open)
        .and(warp::query::<Query>())
        .then(|ctx: Ctx, q: Query| blocking(ctx, move |n| Ok(portal::csv(n, &q))));
    first_match(vec![
        zh.boxed(),
        en.boxed(),
        zh_project.boxed(),
        en_project.boxed(),
        css.boxed(),
        script.boxed(),
        csv.boxed(),
    ])
}

fn public_routes(open: BoxedFilter<(Ctx,)>) -> BoxedFilter<(Response,)> {
    let projects = warp::path!("public" / "v1" / "projects")
        .and(warp::get())
        .and(open.clone())
        .and(warp::query::<Query>())
        .then(|ctx: Ctx, q: Query| blocking(ctx, move |n| public::projects(n, &q)));
    let project = warp::path!("public" / "v1" / "projects" / String)
        .and(warp::get())
        .and(open.clone())
        .then(|id: String, ctx: Ctx| blocking(ctx, move |n| public::project(n, &id)));
    let rectifications = warp::path!("public" / "v1" / "rectifications")
        .and(warp::get())
        .and(open.clone())
        .and(warp::query::<Query>())
        .then(|ctx: Ctx, q: Query| blocking(ctx, move |n| public::rectifications(n, &q)));
    let genesis = warp::path!("public" / "v1" / "genesis")
        .and(warp::get())
        .and(open.clone())
        .then(|ctx: Ctx| blocking(ctx, public_log::genesis));
    let checkpoint = warp::path!("public" / "v1" / "checkpoint")
        .and(warp::get())
        .and(open.clone())
        .then(|ctx: Ctx| blocking(ctx, public_log::checkpoint));
    let entries = warp::path!("public" / "v1" / "entries")
        .and(warp::get())
        .and(open.clone())
        .and(warp::query::<Query>())
        .then(|ctx: Ctx, q: Query| blocking(ctx, move |n| public_log::entries(n, &q)));
    let inclusion = warp::path!("public" / "v1" / "proofs" / "inclusion")
        .and(warp::get())
        .and(open.clone())
        .and(warp::query::<Query>())
        .then(|ctx: Ctx, q: Query| inline(ctx, move |n| public_log::inclusion(n, &q)));
    let consistency = warp::path!("public" / "v1" / "proofs" / "consistency")
        .and(warp::get())
        .and(open.clone())
        .and(warp::query::<Query>())
        .then(|ctx: Ctx, q: Query| inline(ctx, move |n| public_log::consistency(n, &q)));
    let record = warp::path!("public" / "v1" / "records" / String / String)
        .and(warp::get())
        .and(open)
        .then(|kind: String, id: String, ctx: Ctx| {
            blocking(ctx, move |n| public_log::record(n, &kind, &id))
        });
    first_match(vec![
        projects.boxed(),
        project.boxed(),
        rectifications.boxed(),
        genesis.boxed(),
        checkpoint.boxed(),
        entries.boxed(),
        inclusion.boxed(),
        consistency.boxed(),
        record.boxed(),
    ])
}

/// Binds the gateway's address.
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}
