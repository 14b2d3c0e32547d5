//! Serving the gateway's routes over HTTP/1.1 with the bounds warp's own `serve` does not set:
//! a header-read timeout (slowloris; it also closes idle keep-alive connections), a cap on open
//! connections (one more is answered `503` and closed at once), the peer address handed to the
//! routes for per-address limits, and quiet handling of clients that go away. Cleartext HTTP/2
//! is not offered: nothing needs it, and it is one more parser facing the network.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::context::{Ctx, PeerAddr};

/// The answer to a connection over the cap, written before closing it.
const TOO_MANY_CONNECTIONS: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 80\r\n\r\n{\"error\":\"too_many_connections\",\"message\":\"the node is at its connection limit\"}";

/// Serves `routes` on `listener` until `shutdown` resolves, then lets open requests finish.
/// `ctx` gives the limits and the guards whose counters the server keeps.
pub async fn serve_routes(
    routes: warp::filters::BoxedFilter<(warp::reply::Response,)>,
    ctx: &Ctx,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let limits = ctx.node.limits;
    let guards = ctx.guards.clone();
    let service = warp::service(routes);
    let connections = Arc::new(tokio::sync::Semaphore::new(limits.http_connections_max));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(limits.http_header_read_timeout_ms))
        .keep_alive(true)
        .max_buf_size(64 * 1024);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            guards
                .metrics
                .connections_refused
                .fetch_add(1, Ordering::Relaxed);
            tokio::spawn(refuse(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let svc = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(PeerAddr(peer));
                let path = request.uri().path().to_owned();
                let answer = tower_service::Service::call(&mut service.clone(), request);
                async move {
                    let mut response = answer.await?;
                    with_allow_header(&mut response, &path);
                    Ok::<_, std::convert::Infallible>(response)
                }
            },
        );
        let connection = builder.serve_connection(TokioIo::new(stream), svc);
        let connection = graceful.watch(connection);
        let guards = guards.clone();
        guards
            .metrics
            .connections_open
            .fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                // A client that goes away or sends garbage is routine on a public port.
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            guards
                .metrics
                .connections_open
                .fetch_sub(1, Ordering::Relaxed);
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// A 405 names the methods the path does take (RFC 9110 §15.5.6): warp's rejection does not
/// know them, the OpenAPI document does.
fn with_allow_header(response: &mut warp::reply::Response, path: &str) {
    if response.status() != warp::http::StatusCode::METHOD_NOT_ALLOWED
        || response.headers().contains_key(warp::http::header::ALLOW)
    {
        return;
    }
    if let Some(methods) = super::openapi::allowed_methods(path)
        && let Ok(value) = warp::http::HeaderValue::from_str(&methods)
    {
        response
            .headers_mut()
            .insert(warp::http::header::ALLOW, value);
    }
}

async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        stream.write_all(TOO_MANY_CONNECTIONS),
    )
    .await;
    let _ = stream.shutdown().await;
}
