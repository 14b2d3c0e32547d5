//! Getting checkpoints cosigned: a validator sends each new checkpoint of both logs to the
//! witnesses in its config (C2SP tlog-witness `add-checkpoint`, with the consistency proof from
//! the witness's last cosigned size) and adds each valid cosignature to the stored note, so
//! `GET /v1/checkpoint` and `/public/v1/checkpoint` serve them with the validators' signatures.
//!
//! Off the consensus path, on its own thread: a witness that is down or slow delays only its
//! own cosignatures. A witness's size is learnt from its 409 answer; a 403 (it does not trust
//! the set that signed, after a validator-set change) is answered by sending it the
//! hand-overs, which it verifies from genesis itself.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use gongxin_core::checkpoint::SignedCheckpoint;
use gongxin_core::handover::HandOver;
use gongxin_core::log;
use gongxin_core::witness::{AddCheckpoint, WitnessKey, verify_cosignatures};
use serde::{Deserialize, Serialize};

use crate::node::Node;

/// One witness a validator asks for cosignatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessConfig {
    /// Its C2SP key name.
    pub name: String,
    /// Its URL prefix (`<url>/add-checkpoint`).
    pub url: String,
    /// Its Ed25519 key, `ed25519:<hex>`.
    pub public_key: String,
}

/// How often the task looks for a new checkpoint.
const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// How long one request to a witness may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Which log a note belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Which {
    Ledger,
    Public,
}

/// Starts the task; `None` when no witness is configured. A bad witness key stops the node at
/// start with the reason.
pub fn start(
    node: Arc<Node>,
    witnesses: &[WitnessConfig],
) -> anyhow::Result<Option<std::thread::JoinHandle<()>>> {
    if witnesses.is_empty() {
        return Ok(None);
    }
    let peers = witnesses
        .iter()
        .map(|w| {
            let key = WitnessKey::parse(&format!("{}={}", w.name, w.public_key))
                .map_err(|e| anyhow::anyhow!("witness {:?}: {e}", w.name))?;
            Ok((key, w.url.trim_end_matches('/').to_owned()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let handle = std::thread::Builder::new()
        .name("cosigning".into())
        .spawn(move || run(&node, &peers))?;
    Ok(Some(handle))
}

fn run(node: &Node, peers: &[(WitnessKey, String)]) {
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(REQUEST_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .new_agent();
    // What each witness cosigned last, per log, as far as we know.
    let mut known: HashMap<(usize, Which), u64> = HashMap::new();
    loop {
        for (i, (witness, url)) in peers.iter().enumerate() {
            for which in [Which::Ledger, Which::Public] {
                if let Err(reason) = submit(node, &agent, witness, url, which, &mut known, i) {
                    tracing::debug!(witness = %witness.name, ?which, %reason, "no cosignature this round");
                }
            }
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

fn submit(
    node: &Node,
    agent: &ureq::Agent,
    witness: &WitnessKey,
    url: &str,
    which: Which,
    known: &mut HashMap<(usize, Which), u64>,
    index: usize,
) -> Result<(), String> {
    let reader = node.reader();
    let latest = match which {
        Which::Ledger => reader.latest_checkpoint(),
        Which::Public => reader.latest_public_checkpoint(),
    }
    .map_err(|e| e.to_string())?;
    let Some((size, note)) = latest else {
        return Ok(());
    };
    let old = known.get(&(index, which)).copied();
    if old == Some(size) && already_cosigned(&note, witness) {
        return Ok(());
    }
    let old_size = old.unwrap_or(0).min(size);
    let proof = if old_size == 0 || old_size == size {
        Vec::new()
    } else {
        match which {
            Which::Ledger => log::consistency_proof(&reader, old_size, size),
            Which::Public => log::consistency_proof(&reader.public_log_nodes(), old_size, size),
        }
        .map_err(|e| e.to_string())?
    };
    let body = AddCheckpoint {
        old_size,
        proof,
        note: note.clone(),
    }
    .to_body();
    let mut response = agent
        .post(&format!("{url}/add-checkpoint"))
        .send(body.as_bytes())
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .map_err(|e| e.to_string())?;
    match status {
        200 => {
            add_cosignatures(node, which, size, &note, &text, witness)?;
            known.insert((index, which), size);
            Ok(())
        }
        409 => {
            // Its size, when the old size was wrong; ask again next round.
            if let Ok(size) = text.trim().parse::<u64>() {
                known.insert((index, which), size);
            }
            Err(format!("409: {}", text.trim()))
        }
        403 => {
            send_handovers(node, agent, url)?;
            Err("403: sent the validator-set hand-overs".into())
        }
        other => Err(format!("{other}: {}", text.trim())),
    }
}

fn already_cosigned(note: &str, witness: &WitnessKey) -> bool {
    SignedCheckpoint::parse(note).is_ok_and(|c| {
        verify_cosignatures(&c, std::slice::from_ref(witness)).is_ok_and(|found| !found.is_empty())
    })
}

/// Appends the witness's valid cosignature lines to the stored note, if it is still the one
/// that was cosigned.
fn add_cosignatures(
    node: &Node,
    which: Which,
    size: u64,
    note: &str,
    answer: &str,
    witness: &WitnessKey,
) -> Result<(), String> {
    let mut signed = SignedCheckpoint::parse(note).map_err(|e| e.to_string())?;
    let lines = SignedCheckpoint::parse(&format!("{}\n{answer}", signed.checkpoint.body_text()))
        .map_err(|e| format!("the witness's answer: {e}"))?;
    let cosigned = verify_cosignatures(&lines, std::slice::from_ref(witness))
        .map_err(|e| format!("the witness's answer: {e}"))?;
    if cosigned.is_empty() {
        return Err("the witness answered no cosignature of its key".into());
    }
    signed.signatures.retain(|line| line.name != witness.name);
    signed.signatures.extend(
        lines
            .signatures
            .into_iter()
            .filter(|line| line.name == witness.name),
    );
    node.add_checkpoint_signatures(which == Which::Public, size, note, &signed.to_note())
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn send_handovers(node: &Node, agent: &ureq::Agent, url: &str) -> Result<(), String> {
    let sets: std::collections::BTreeMap<u64, gongxin_core::validator::ValidatorSet> =
        node.validator_sets().into_iter().collect();
    let handovers: Vec<HandOver> = node
        .reader()
        .handovers()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter_map(|(height, notes)| {
            Some(HandOver {
                first_height: height,
                validators: sets.get(&height)?.listing(),
                checkpoint: notes.checkpoint,
                public_checkpoint: notes.public_checkpoint,
            })
        })
        .collect();
    let body = serde_json::to_vec(&handovers).map_err(|e| e.to_string())?;
    let response = agent
        .post(&format!("{url}/gongxin/handovers"))
        .header("content-type", "application/json")
        .send(&body[..])
        .map_err(|e| e.to_string())?;
    match response.status().as_u16() {
        200 => Ok(()),
        other => Err(format!("the witness refused the hand-overs: {other}")),
    }
}
