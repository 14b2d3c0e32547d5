//! `gongxin-node witness` (also `gongxin witness`): a C2SP tlog-witness for a gongxin chain's
//! two logs, run by a party outside the consortium (an audit office, a people's congress).
//!
//! It knows the chain from its genesis file alone. A checkpoint counts as the log's when a
//! quorum of the validator set in force at its size signed it; the witness follows set changes
//! through hand-overs submitted to it (`POST /gongxin/handovers`, each verified from genesis,
//! exactly as an auditor does). For each log origin it keeps the latest checkpoint it cosigned
//! in `<state dir>/state.json`, written (temporary file, fsync, rename, fsync of the directory)
//! before any cosignature leaves, under one lock with the check — so it never cosigns two
//! checkpoints of one size with different roots, or a smaller tree after a larger, even across
//! restarts. The decisions are `gongxin_core::witness::decide`.
//!
//! HTTP (served with a header-read timeout and a connection cap, like the gateway):
//! - `POST /add-checkpoint` — the C2SP request; 200 with the cosignature line, or the
//!   protocol's 400 / 403 / 404 / 409 (`text/x.tlog.size`) / 422 with the reason;
//! - `POST /gongxin/handovers` — a JSON array of hand-overs (`GET /v1/validator-sets`' form);
//! - `GET /gongxin/state` — the witness's name, key and latest cosigned checkpoint per origin.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gongxin_core::checkpoint::{origin_for_chain, public_origin_for_chain};
use gongxin_core::crypto::Keypair;
use gongxin_core::genesis::Genesis;
use gongxin_core::handover::{HandOver, Log, TrustedSets, follow};
use gongxin_core::witness::{AddCheckpoint, Cosigned, REQUEST_BYTES_MAX, Refusal, cosign, decide};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use warp::Filter;
use warp::http::StatusCode;
use warp::reply::{Reply, Response};

use crate::lock_unpoisoned;

/// Open connections a witness serves at once; one more is closed.
const CONNECTIONS_MAX: usize = 256;
/// How long a client may take to send its request headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest hand-over list a witness reads.
const HANDOVERS_BYTES_MAX: u64 = 4 * 1024 * 1024;

/// What the witness keeps on disk.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    /// Origin → the latest checkpoint cosigned.
    logs: BTreeMap<String, Cosigned>,
    /// The validator-set hand-overs accepted, from genesis on.
    handovers: Vec<HandOver>,
}

/// Why the witness could not answer a request.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error("the witness could not persist its state: {0}")]
    Storage(String),
}

/// A running witness: its key, the chain it follows and its state.
pub struct Witness {
    name: String,
    key: Keypair,
    genesis: Genesis,
    path: PathBuf,
    state: Mutex<(State, Trusted)>,
}

/// The sets trusted for each log after the accepted hand-overs.
struct Trusted {
    ledger: TrustedSets,
    public: TrustedSets,
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witness")
            .field("name", &self.name)
            .field("path", &self.path)
            .finish()
    }
}

impl Witness {
    /// Opens the witness state in `state_dir` (creating it), re-verifying its hand-overs.
    pub fn open(
        name: String,
        key: Keypair,
        genesis: Genesis,
        state_dir: &Path,
    ) -> anyhow::Result<Witness> {
        if key.algorithm() != gongxin_core::crypto::Algorithm::Ed25519 {
            anyhow::bail!("a cosignature/v1 witness key is Ed25519");
        }
        std::fs::create_dir_all(state_dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", state_dir.display()))?;
        let path = state_dir.join("state.json");
        let state: State = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| anyhow::anyhow!("{} is not a witness state: {e}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
        };
        let trusted = trusted(&genesis, &state.handovers).map_err(|e| {
            anyhow::anyhow!("{}: its hand-overs do not verify: {e}", path.display())
        })?;
        Ok(Witness {
            name,
            key,
            genesis,
            path,
            state: Mutex::new((state, trusted)),
        })
    }

    /// `POST /add-checkpoint`: the cosignature line, after the new latest is persisted.
    pub fn add_checkpoint(&self, body: &str, now_s: u64) -> Result<String, WitnessError> {
        let (request, signed) = AddCheckpoint::parse(body)?;
        let origin = signed.checkpoint.origin.clone();
        let mut guard = lock_unpoisoned(&self.state);
        let (state, trusted) = &mut *guard;
        let sets = if origin == origin_for_chain(&self.genesis.chain_id) {
            &trusted.ledger
        } else if origin == public_origin_for_chain(&self.genesis.chain_id) {
            &trusted.public
        } else {
            return Err(Refusal::UnknownOrigin(origin).into());
        };
        sets.verify(&signed).map_err(Refusal::NotSigned)?;
        let latest = decide(
            state.logs.get(&origin).copied(),
            &request,
            &signed.checkpoint,
        )?;
        let mut next = state.clone();
        next.logs.insert(origin, latest);
        persist(&self.path, &next)?;
        *state = next;
        Ok(cosign(&self.name, &self.key, now_s, &signed.checkpoint).line())
    }

    /// `POST /gongxin/handovers`: accepts a hand-over list that verifies from genesis and
    /// extends the one held. Returns how many hand-overs the witness now follows.
    pub fn add_handovers(&self, handovers: Vec<HandOver>) -> Result<usize, WitnessError> {
        let mut guard = lock_unpoisoned(&self.state);
        let (state, trusted_now) = &mut *guard;
        if !handovers.starts_with(&state.handovers) {
            return Err(Refusal::BadRequest(
                "these hand-overs do not extend the ones this witness follows".into(),
            )
            .into());
        }
        let next_trusted = trusted(&self.genesis, &handovers)
            .map_err(|e| Refusal::BadRequest(format!("the hand-overs do not verify: {e}")))?;
        let mut next = state.clone();
        next.handovers = handovers;
        persist(&self.path, &next)?;
        *state = next;
        *trusted_now = next_trusted;
        Ok(state.handovers.len())
    }

    /// `GET /gongxin/state`.
    pub fn describe(&self) -> serde_json::Value {
        let guard = lock_unpoisoned(&self.state);
        serde_json::json!({
            "name": self.name,
            "public_key": self.key.public_key(),
            "chain_id": self.genesis.chain_id,
            "logs": guard.0.logs,
            "handovers": guard.0.handovers.len(),
        })
    }
}

fn trusted(genesis: &Genesis, handovers: &[HandOver]) -> Result<Trusted, String> {
    let sets = |origin: String, log| {
        follow(&genesis.validators, &origin, log, handovers).map_err(|e| e.to_string())
    };
    Ok(Trusted {
        ledger: sets(origin_for_chain(&genesis.chain_id), Log::Ledger)?,
        public: sets(public_origin_for_chain(&genesis.chain_id), Log::Public)?,
    })
}

/// Writes the state durably: a temporary file, fsync, rename over the old one, fsync of the
/// directory. A crash leaves the old state or the new, never half of one.
fn persist(path: &Path, state: &State) -> Result<(), WitnessError> {
    let storage = |e: std::io::Error| WitnessError::Storage(format!("{}: {e}", path.display()));
    let text = serde_json::to_vec_pretty(state).expect("the state always serializes");
    crate::storage::write_file_durably(path, &text).map_err(storage)
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    warp::reply::with_status(
        warp::reply::with_header(body, "content-type", content_type),
        status,
    )
    .into_response()
}

fn refusal(error: WitnessError) -> Response {
    match error {
        WitnessError::Refused(Refusal::OldSizeMismatch(size)) => text(
            StatusCode::CONFLICT,
            "text/x.tlog.size",
            format!("{size}\n"),
        ),
        WitnessError::Refused(refusal) => text(
            StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST),
            "text/plain; charset=utf-8",
            format!("{refusal}\n"),
        ),
        WitnessError::Storage(reason) => {
            tracing::error!(%reason, "witness state not persisted; nothing cosigned");
            text(
                StatusCode::SERVICE_UNAVAILABLE,
                "text/plain; charset=utf-8",
                "the witness could not persist its state\n".into(),
            )
        }
    }
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The witness's routes.
pub fn routes(witness: Arc<Witness>) -> warp::filters::BoxedFilter<(Response,)> {
    let with = move || {
        let witness = witness.clone();
        warp::any().map(move || witness.clone())
    };
    let add = warp::path!("add-checkpoint")
        .and(warp::post())
        .and(warp::body::content_length_limit(REQUEST_BYTES_MAX as u64))
        .and(warp::body::bytes())
        .and(with())
        .then(|body: bytes::Bytes, witness: Arc<Witness>| async move {
            let Ok(body) = String::from_utf8(body.to_vec()) else {
                return refusal(Refusal::BadRequest("the body is not UTF-8".into()).into());
            };
            let answer =
                tokio::task::spawn_blocking(move || witness.add_checkpoint(&body, now_s())).await;
            match answer {
                Ok(Ok(line)) => text(StatusCode::OK, "text/plain; charset=utf-8", line),
                Ok(Err(error)) => refusal(error),
                Err(_) => refusal(WitnessError::Storage("the handler stopped".into())),
            }
        });
    let handovers = warp::path!("gongxin" / "handovers")
        .and(warp::post())
        .and(warp::body::content_length_limit(HANDOVERS_BYTES_MAX))
        .and(warp::body::bytes())
        .and(with())
        .then(|body: bytes::Bytes, witness: Arc<Witness>| async move {
            let handovers: Vec<HandOver> = match serde_json::from_slice(&body) {
                Ok(list) => list,
                Err(e) => {
                    return refusal(
                        Refusal::BadRequest(format!("not a hand-over list: {e}")).into(),
                    );
                }
            };
            match tokio::task::spawn_blocking(move || witness.add_handovers(handovers)).await {
                Ok(Ok(count)) => {
                    warp::reply::json(&serde_json::json!({"handovers": count})).into_response()
                }
                Ok(Err(error)) => refusal(error),
                Err(_) => refusal(WitnessError::Storage("the handler stopped".into())),
            }
        });
    let state = warp::path!("gongxin" / "state")
        .and(warp::get())
        .and(with())
        .map(|witness: Arc<Witness>| warp::reply::json(&witness.describe()).into_response());
    add.or(handovers)
        .unify()
        .or(state)
        .unify()
        .recover(|_rejection: warp::Rejection| async {
            Ok::<_, std::convert::Infallible>(text(
                StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                "no such witness endpoint (POST /add-checkpoint, POST /gongxin/handovers, GET /gongxin/state)\n".into(),
            ))
        })
        .unify()
        .boxed()
}

/// Serves the witness on `listener` until `shutdown` resolves: HTTP/1.1 with a header-read
/// timeout and at most [`CONNECTIONS_MAX`] open connections.
pub async fn serve(
    witness: Arc<Witness>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let service = warp::service(routes(witness));
    let connections = Arc::new(tokio::sync::Semaphore::new(CONNECTIONS_MAX));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(true)
        .max_buf_size(64 * 1024);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let service = service.clone();
        let svc = hyper::service::service_fn(move |request| {
            tower_service::Service::call(&mut service.clone(), request)
        });
        let connection = builder.serve_connection(TokioIo::new(stream), svc);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
}
