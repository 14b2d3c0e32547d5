//! What the CLI can do without talking to a node. Each function returns a value the CLI prints
//! (as text or `--json`) or an error with a message a person can act on.

use std::path::Path;

use anyhow::{Context, Result, bail};
use gongxin_core::Hash;
use gongxin_core::audit::{ProofBundle, VerifiedEntry, verify_bundle};
use gongxin_core::crypto::{Algorithm, KeyFile, Keypair};
use gongxin_core::entry::Outcome;
use gongxin_core::genesis::Genesis;
use serde::Serialize;

/// Files the CLI reads are at most this large (a proof bundle or genesis is far smaller).
pub const INPUT_FILE_BYTES_MAX: u64 = 64 * 1024 * 1024;

fn read_text(path: &Path, what: &str) -> Result<String> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read {what} {}", path.display()))?;
    if meta.len() > INPUT_FILE_BYTES_MAX {
        bail!(
            "{what} {} is {} bytes, larger than any valid one",
            path.display(),
            meta.len()
        );
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {what} {}", path.display()))
}

/// Writes a file so that readers see either the old or the new content, never a torn one:
/// a temp file in the same directory, fsync, rename over `path`, fsync of the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;

    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let mut temp_name = name.to_owned();
    temp_name.push(format!(".tmp-{}", std::process::id()));
    let temp = dir.join(temp_name);
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)?;
        // The rename is durable only once the directory entry is.
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Loads and validates a genesis file.
pub fn load_genesis(path: &Path) -> Result<Genesis> {
    let text = read_text(path, "genesis file")?;
    Genesis::from_json(&text)
        .with_context(|| format!("genesis file {} is not valid", path.display()))
}

/// Creates a new key file; refuses to overwrite an existing file.
pub fn new_key(path: &Path, name: &str, algorithm: Algorithm) -> Result<KeyFile> {
    let keypair = Keypair::generate(algorithm)?;
    let file = KeyFile::from_keypair(name, &keypair);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600); // a secret key is readable by its owner only
    }
    let mut handle = options.open(path).with_context(|| {
        format!(
            "cannot create key file {} (it must not exist yet)",
            path.display()
        )
    })?;
    std::io::Write::write_all(&mut handle, file.to_json().as_bytes())?;
    Ok(file)
}

/// Reads a key file and checks it.
pub fn load_key(path: &Path) -> Result<KeyFile> {
    let text = read_text(path, "key file")?;
    KeyFile::from_json(&text).with_context(|| format!("key file {} is not usable", path.display()))
}

/// SM3 of a file's bytes, read in chunks so a large document needs little memory.
pub fn hash_file(path: &Path) -> Result<Hash> {
    use std::io::Read as _;

    use sm3::Digest as _;
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = sm3::Sm3::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = file
            .read(&mut buffer)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(Hash(hasher.finalize().into()))
}

/// The result of `gongxin verify`, as printed with `--json`.
#[derive(Debug, Serialize)]
pub struct VerifyReport {
    pub valid: bool,
    pub tx_hash: Hash,
    pub leaf_index: u64,
    pub tree_size: u64,
    pub root: Hash,
    pub height: u64,
    pub outcome: Outcome,
    pub signer: String,
    pub operation: String,
    pub checkpoint_signers: Vec<String>,
    /// Witnesses whose cosignatures on the checkpoint verified (of those the verifier named).
    pub cosigned_by: Vec<String>,
}

/// What a verifier demands of witnesses: `required` valid cosignatures from `witnesses`.
#[derive(Debug, Clone, Default)]
pub struct WitnessPolicy {
    pub witnesses: Vec<gongxin_core::witness::WitnessKey>,
    pub required: usize,
}

impl WitnessPolicy {
    /// From the CLI's `--witness NAME=KEY` values and `--witnesses-required` (default: all).
    pub fn parse(witnesses: &[String], required: Option<usize>) -> Result<WitnessPolicy> {
        let witnesses = witnesses
            .iter()
            .map(|w| gongxin_core::witness::WitnessKey::parse(w).map_err(anyhow::Error::msg))
            .collect::<Result<Vec<_>>>()?;
        let required = required.unwrap_or(witnesses.len());
        if required > witnesses.len() {
            anyhow::bail!(
                "--witnesses-required {required} is more than the {} witnesses named",
                witnesses.len()
            );
        }
        Ok(WitnessPolicy {
            witnesses,
            required,
        })
    }
}

/// Verifies a proof bundle file against a genesis file, offline, and — when `policy` names
/// witnesses — that enough of them cosigned its checkpoint.
pub fn verify_proof_file(
    proof: &Path,
    genesis: &Path,
    policy: &WitnessPolicy,
) -> Result<VerifyReport> {
    let genesis = load_genesis(genesis)?;
    let text = read_text(proof, "proof file")?;
    let bundle: ProofBundle = serde_json::from_str(&text).with_context(|| {
        format!(
            "proof file {} is not a gongxin proof bundle",
            proof.display()
        )
    })?;
    let verified = verify_bundle(&genesis, &bundle).context("PROOF REJECTED")?;
    let cosigned_by = gongxin_core::witness::require_cosignatures(
        &verified.checkpoint,
        &policy.witnesses,
        policy.required,
    )
    .context("PROOF REJECTED: the witnesses")?
    .into_iter()
    .map(|c| c.witness)
    .collect();
    Ok(report(verified, cosigned_by))
}

fn report(v: VerifiedEntry, cosigned_by: Vec<String>) -> VerifyReport {
    VerifyReport {
        cosigned_by,
        valid: true,
        tx_hash: v.tx_hash,
        leaf_index: v.leaf_index,
        tree_size: v.checkpoint.checkpoint.tree_size,
        root: v.checkpoint.checkpoint.root,
        height: v.entry.height,
        signer: v.entry.tx.body.signer.to_string(),
        operation: v.entry.tx.body.operation.kind().as_str().to_owned(),
        outcome: v.entry.outcome,
        checkpoint_signers: v.signers,
    }
}

/// A public record proven to be in the public disclosure log a validator quorum signed.
#[derive(Debug, Clone, Serialize)]
pub struct PublicRecordReport {
    pub valid: bool,
    pub kind: String,
    pub id: String,
    pub leaf_index: u64,
    pub tree_size: u64,
    pub root: Hash,
    pub height: u64,
    /// The transaction that made this version (zero: a deadline sweep or the genesis).
    pub tx: Hash,
    pub checkpoint_signers: Vec<String>,
    pub cosigned_by: Vec<String>,
    pub view: serde_json::Value,
}

/// Everything a node serves to prove one public record, gathered by `gongxin public verify`.
#[derive(Debug, Clone)]
pub struct PublicRecordEvidence {
    /// `GET /public/v1/records/{kind}/{id}`.
    pub record: serde_json::Value,
    /// `GET /public/v1/checkpoint`.
    pub checkpoint: String,
    /// The hand-overs from `GET /v1/validator-sets`.
    pub handovers: Vec<gongxin_core::handover::HandOver>,
    /// `GET /public/v1/proofs/inclusion` for the record's leaf at the checkpoint's size.
    pub proof: gongxin_core::public_log::PublicInclusionProof,
}

/// Verifies a public record against the genesis alone: the public checkpoint is signed by a
/// quorum of the set in force (reached through the hand-overs), the leaf is in the log it
/// commits to, the leaf is this chain's and this record's, and its view is exactly what the
/// node serves as the record.
pub fn verify_public_record(
    genesis: &Genesis,
    kind: &str,
    id: &str,
    evidence: &PublicRecordEvidence,
    policy: &WitnessPolicy,
) -> Result<PublicRecordReport> {
    use gongxin_core::checkpoint::{SignedCheckpoint, public_origin_for_chain};
    use gongxin_core::handover::{Log, follow};
    let checkpoint = SignedCheckpoint::parse(&evidence.checkpoint)
        .context("RECORD NOT VERIFIED: the public checkpoint")?;
    let trusted = follow(
        &genesis.validators,
        &public_origin_for_chain(&genesis.chain_id),
        Log::Public,
        &evidence.handovers,
    )
    .context("RECORD NOT VERIFIED: the validator-set hand-overs")?;
    let signers = trusted
        .verify(&checkpoint)
        .context("RECORD NOT VERIFIED: the public checkpoint's signatures")?;
    let cosigned_by = gongxin_core::witness::require_cosignatures(
        &checkpoint,
        &policy.witnesses,
        policy.required,
    )
    .context("RECORD NOT VERIFIED: the witnesses")?
    .into_iter()
    .map(|c| c.witness)
    .collect();
    let proof = &evidence.proof;
    anyhow::ensure!(
        proof.tree_size == checkpoint.checkpoint.tree_size,
        "RECORD NOT VERIFIED: the proof is for size {}, the checkpoint for {}",
        proof.tree_size,
        checkpoint.checkpoint.tree_size
    );
    let leaf = proof
        .verify(&checkpoint.checkpoint.root)
        .context("RECORD NOT VERIFIED: the inclusion proof")?;
    anyhow::ensure!(
        leaf.chain == genesis.chain_id && leaf.kind == kind && leaf.id == id,
        "RECORD NOT VERIFIED: the leaf is {} {} of chain {}, not {kind} {id}",
        leaf.kind,
        leaf.id,
        leaf.chain
    );
    let served = &evidence.record["view"];
    anyhow::ensure!(
        leaf.view.as_ref() == Some(served),
        "RECORD NOT VERIFIED: the node serves the record differently from its signed leaf"
    );
    anyhow::ensure!(
        evidence.record["leaf_index"].as_u64() == Some(proof.leaf_index),
        "RECORD NOT VERIFIED: the record names leaf {}, the proof is for {}",
        evidence.record["leaf_index"],
        proof.leaf_index
    );
    Ok(PublicRecordReport {
        valid: true,
        kind: kind.to_owned(),
        id: id.to_owned(),
        leaf_index: proof.leaf_index,
        tree_size: proof.tree_size,
        root: checkpoint.checkpoint.root,
        height: leaf.height,
        tx: leaf.tx,
        checkpoint_signers: signers,
        cosigned_by,
        view: served.clone(),
    })
}
