//! `submit`, `tx` and `proof`: signing and submitting an operation, a transaction's status, and
//! its inclusion proof saved as a bundle for `verify`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use gongxin_client::http::{CommittedTx, DEFAULT_POLL_INTERVAL, TxOutcome, TxStatus};
use gongxin_client::records::Reader;
use gongxin_client::txbuilder::TxBuilder;
use gongxin_client::{offline, ops};
use gongxin_core::Hash;
use gongxin_core::audit::{ProofBundle, verify_bundle};
use gongxin_core::handover;

use super::output::{JsonWith, OutputMode};
use super::session::{MemberReads, Session, with_hint};

/// `submit --wait`: committed, but rejected by the rules.
const EXIT_REJECTED: u8 = 3;
/// `submit` retries this often while the node's mempool is full (503 with Retry-After).
const SUBMIT_RETRIES_MAX: u32 = 5;

pub(super) fn parse_tx_hash(text: &str) -> Result<Hash> {
    Hash::from_hex(text.trim()).with_context(|| format!("{text:?} is not a transaction hash"))
}

/// `submit --key KEY --op OP [--wait] [--genesis GENESIS]`.
pub(super) fn submit(
    cx: &Session,
    key: &Path,
    op: &Path,
    wait: Option<Duration>,
    genesis: Option<&Path>,
) -> Result<ExitCode> {
    let key = offline::load_key(key)?;
    let operation = ops::load_operation(op)?;
    let client = cx.client()?;
    let status = client
        .status()
        .context("cannot learn the chain id and height")?;
    if let Some(path) = genesis {
        let genesis = offline::load_genesis(path)?;
        if genesis.chain_id != status.chain_id || genesis.hash() != status.genesis_hash {
            bail!(
                "the node at {} serves chain {:?} (genesis {}), but {} is chain {:?} (genesis {}): \
                 nothing was signed",
                client.base_url(),
                status.chain_id,
                status.genesis_hash,
                path.display(),
                genesis.chain_id,
                genesis.hash()
            );
        }
    }
    let builder = TxBuilder::from_key_file(status.chain_id.clone(), &key)
        .with_context(|| format!("key file {:?} is not usable", key.name))?;
    let tx = builder.build(operation, status.height)?;
    let hash = tx.hash();
    let submitted = client.submit_with_retry(&tx, SUBMIT_RETRIES_MAX)?;
    let Some(timeout) = wait else {
        cx.output.emit(&submitted, |_| {
            let mut text = format!(
                "submitted {hash} ({} as {}): pending\n",
                tx.body.operation.kind().as_str(),
                key.name
            );
            text.push_str(&format!("`gongxin tx {hash}` shows when it is committed\n"));
            text
        })?;
        return Ok(ExitCode::SUCCESS);
    };
    cx.output.note(&format!(
        "submitted {hash} ({} as {}); waiting for it to be committed…\n",
        tx.body.operation.kind().as_str(),
        key.name
    ));
    // The submitter's own transaction is always theirs to read: sign the status reads, so a
    // rejection comes with its reason.
    let keypair = key
        .keypair()
        .with_context(|| format!("key file {:?} is not usable", key.name))?;
    let reader = Reader::new(&keypair, &status.chain_id, &status.node);
    let committed = client.wait_committed(Some(&reader), &hash, timeout, DEFAULT_POLL_INTERVAL)?;
    print_committed(cx.output, &committed)?;
    Ok(outcome_exit_code(&committed.outcome))
}

fn outcome_exit_code(outcome: &TxOutcome) -> ExitCode {
    match outcome {
        TxOutcome::Applied => ExitCode::SUCCESS,
        TxOutcome::Rejected { .. } => ExitCode::from(EXIT_REJECTED),
    }
}

fn describe_tx_outcome(outcome: &TxOutcome) -> String {
    match outcome {
        TxOutcome::Applied => "applied".to_owned(),
        TxOutcome::Rejected {
            code: Some(code),
            reason: Some(reason),
        } => format!("rejected ({code}): {reason}"),
        TxOutcome::Rejected { .. } => {
            "rejected (the reason is a signed read: add --key of a member who may see it)"
                .to_owned()
        }
    }
}

fn print_committed(output: OutputMode, committed: &CommittedTx) -> Result<()> {
    output.emit(&TxStatus::Committed(committed.clone()), |_| {
        format!(
            "committed {} at height {} (log entry {}): {}\n",
            committed.tx_hash,
            committed.height,
            committed.log_index,
            describe_tx_outcome(&committed.outcome)
        )
    })
}

/// `tx HASH [--key KEY]`.
pub(super) fn tx(cx: &Session, hash: &Hash, key: Option<&Path>) -> Result<ExitCode> {
    let reads = key.map(|key| cx.member_reads(key)).transpose()?;
    let client = cx.client()?;
    let reader = reads.as_ref().map(MemberReads::reader);
    let status = client.tx_status_as(reader.as_ref(), hash).map_err(|e| {
        let hint = match e.code() {
            Some("unknown_tx") => Some(
                "it was never submitted to this node, or expired before it was committed; \
                 build and submit it again",
            ),
            _ => None,
        };
        with_hint(e, hint)
    })?;
    match &status {
        TxStatus::Committed(committed) => print_committed(cx.output, committed)?,
        TxStatus::Pending { tx_hash } => cx.output.emit(&status, |_| {
            format!("{tx_hash}: pending in the node's mempool, not yet in a block\n")
        })?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `proof HASH --out FILE --key KEY [--genesis GENESIS]`.
pub(super) fn proof(
    cx: &Session,
    hash: &Hash,
    out: &Path,
    genesis: Option<&Path>,
    key: &Path,
) -> Result<ExitCode> {
    let genesis = genesis.map(offline::load_genesis).transpose()?;
    let reads = cx.member_reads(key)?;
    let client = &reads.client;
    // Checkpoint first, then the proof for exactly its size, so the pair always matches even
    // while new blocks are committed in between.
    let fetched = client.checkpoint()?;
    let tree_size = fetched.checkpoint.checkpoint.tree_size;
    let inclusion = client
        .inclusion_proof(&reads.reader(), hash, Some(tree_size))
        .map_err(|e| {
            let hint = match e.code() {
                Some("unknown_tx" | "not_readable") => Some(format!(
                    "transaction {hash} is not committed (yet?); `gongxin tx {hash}` shows its status"
                )),
                Some("not_in_tree") => Some(format!(
                    "transaction {hash} was committed after the latest checkpoint (size \
                     {tree_size}); try again after the next block"
                )),
                _ => None,
            };
            with_hint(e, hint.as_deref())
        })?;
    let handovers = handover::needed_for(&client.handovers()?, handover::Log::Ledger, tree_size);
    let bundle = ProofBundle {
        tx_hash: *hash,
        proof: inclusion,
        checkpoint: fetched.note,
        handovers,
    };
    let signers = match &genesis {
        Some(genesis) => Some(
            verify_bundle(genesis, &bundle)
                .context("PROOF REJECTED: the node served a proof that does not verify; not saved")?
                .signers,
        ),
        None => None,
    };
    let text = serde_json::to_string_pretty(&bundle)?;
    offline::write_atomic(out, text.as_bytes())
        .with_context(|| format!("cannot write {}", out.display()))?;
    let root = fetched.checkpoint.checkpoint.root;
    cx.output.emit(
        &JsonWith(|| {
            serde_json::json!({
                "file": out,
                "tx_hash": hash,
                "leaf_index": bundle.proof.leaf_index,
                "tree_size": tree_size,
                "root": root,
                "verified_signers": signers,
            })
        }),
        |_| {
            let mut text = format!(
                "wrote {}: transaction {hash} is entry {} of the log of size {tree_size} (root {root})\n",
                out.display(),
                bundle.proof.leaf_index
            );
            match &signers {
                Some(signers) => text.push_str(&format!(
                    "  verified against the genesis: signed by {}\n",
                    signers.join(", ")
                )),
                None => text.push_str(&format!(
                    "  verify it offline: gongxin verify {} --genesis GENESIS\n",
                    out.display()
                )),
            }
            text
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
