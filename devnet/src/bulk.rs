//! A large ledger, quickly: the bulk path behind `gongxin-ledgergen`, for the figures of a
//! ledger of millions of entries (issue 14, BENCHMARKS.md).
//!
//! [`build`] makes a devnet in a directory (keys, genesis, configs: what
//! `gongxin-devnet --validators N` would start) and appends blocks to its first validator's
//! database directly. Every transaction is a real project proposal signed by one of the
//! devnet's line specialists; every block is executed by the rules ([`Chain::execute`]) and
//! committed with a certificate and checkpoint notes signed by every validator
//! ([`Chain::commit`], [`sign_certificate`], [`sign_checkpoint_notes`]), as the single producer
//! commits its own. What the bulk path leaves out is what comes before a block: HTTP, admission
//! (the signatures are made here, by keys this process holds, and not checked again), the
//! mempool, consensus rounds and the block interval. The devnet launcher
//! (`gongxin-devnet --dir <dir> --validators N --no-demo`) then starts the validators, the first
//! on the database as after any restart (the others sync it from the first, or start on a copy
//! of it: `scripts/ledger-bench --validators 4` measures a fresh validator catching up), and
//! `gongxin-node check` verifies it like any other.
//!
//! A run appends to what an earlier run built (ids carry the height they were made at, so they
//! never collide), until the log holds the asked number of entries. The node must be stopped:
//! RocksDB's lock refuses a second opener.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use gongxin_core::Hash;
use gongxin_core::entry::Outcome;
use gongxin_core::tx::SignedTx;
use gongxin_node::chain::Chain;
use gongxin_node::clock::{Clock, SystemClock};
use gongxin_node::producer::{sign_certificate, sign_checkpoint_notes};
use gongxin_node::storage::{FamilySize, Store};
use serde::{Deserialize, Serialize};

use crate::launcher::write_node_configs;

/// Blocks of a bulk-built ledger carry transactions valid for this many heights: old enough
/// ones leave the rules' replay set, as on a ledger in daily use.
const VALID_FOR_BLOCKS: u64 = 100;
/// Blocks signed ahead of the one being executed (signing runs on its own thread).
const SIGNED_AHEAD: usize = 4;

/// What to build.
#[derive(Debug, Clone)]
pub struct BulkOptions {
    /// The devnet directory (created if missing). The launcher writes its `devnet.json` when
    /// it starts the validator.
    pub dir: PathBuf,
    /// Entries the ledger log should hold when done (block 0's none included).
    pub entries: u64,
    /// Transactions per block (at most the node's `block_txs_max`).
    pub block_txs: usize,
    /// Validators of the devnet (all of them sign every block).
    pub validators: usize,
    /// How many transaction hashes, spread evenly over what this run appends, to write to
    /// [`sample_path`] for the load generator's proof phase (`--proof-hashes`); a run that
    /// appends nothing leaves the earlier sample.
    pub sample: usize,
}

/// What a bulk run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkReport {
    /// Entries appended by this run, and how many of them the rules applied.
    pub appended: u64,
    pub applied: u64,
    /// The log's size and the chain's height afterwards.
    pub log_size: u64,
    pub height: u64,
    /// Bytes of the entries this run appended, as the log hashes them (the raw ledger).
    pub entry_bytes: u64,
    /// Bytes of every entry in the log, when each run that built it was a bulk run (they
    /// keep the sum in [`stats_path`]); `None` when something else wrote to the ledger.
    pub ledger_entry_bytes: Option<u64>,
    pub elapsed_ms: u64,
    /// The first validator's config (the one whose database was built), to start or check it.
    pub config: PathBuf,
    /// Where the database's bytes are, by column family, at the end of the run.
    pub families: Vec<FamilySize>,
}

/// Where [`build`] keeps the log's size and its entries' bytes after its last run.
pub fn stats_path(dir: &Path) -> PathBuf {
    dir.join("ledger-stats.json")
}

/// The raw ledger's size after a bulk run, kept for the next run and the benchmark script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerStats {
    pub log_size: u64,
    pub entry_bytes: u64,
}

/// The entries' bytes of a log of `log_size` entries, if the last bulk run left it that size.
fn prior_entry_bytes(dir: &Path, log_size: u64) -> Option<u64> {
    if log_size == 0 {
        return Some(0);
    }
    let text = std::fs::read_to_string(stats_path(dir)).ok()?;
    let stats: LedgerStats = serde_json::from_str(&text).ok()?;
    (stats.log_size == log_size).then_some(stats.entry_bytes)
}

/// Where [`build`] writes the hashes of its sample of transactions, one hex hash per line.
pub fn sample_path(dir: &Path) -> PathBuf {
    dir.join("ledger-sample.txt")
}

/// Where [`build`] writes the leaf hashes of the same sample's entries (for open proofs by
/// leaf hash, `gongxin-loadgen --proof-leaves`).
pub fn leaf_sample_path(dir: &Path) -> PathBuf {
    dir.join("ledger-sample-leaves.txt")
}

/// Builds (or extends) the ledger described by `options`; `on_block` is told the log's size
/// after each block (for a progress bar).
pub fn build(options: &BulkOptions, mut on_block: impl FnMut(u64)) -> Result<BulkReport> {
    if options.block_txs == 0 {
        bail!("--block-txs must be at least 1");
    }
    let (keys, configs) = write_node_configs(&options.dir, options.validators.max(1), 7100)?;
    let signers = configs
        .iter()
        .map(|(config, _)| Ok((config.name.clone(), config.read_key()?)))
        .collect::<Result<Vec<_>>>()?;
    let signers: Vec<(&str, &_)> = signers
        .iter()
        .map(|(name, key)| (name.as_str(), key))
        .collect();
    let (config, config_path) = configs
        .first()
        .cloned()
        .context("a devnet has a validator")?;
    if options.block_txs > config.limits.block_txs_max {
        bail!(
            "--block-txs {} is above the node's block_txs_max ({})",
            options.block_txs,
            config.limits.block_txs_max
        );
    }
    let proposer = signers[0].1.public_key();
    let genesis = Arc::new(keys.genesis.clone());
    std::fs::create_dir_all(&config.data_dir)?;
    let store = Arc::new(Store::open(&config.data_dir).with_context(|| {
        format!(
            "cannot open {} (is its node running?)",
            config.data_dir.display()
        )
    })?);
    let mut chain = Chain::open(store.clone(), genesis)?;
    let start_size = chain.tip().log_size;
    let to_append = options.entries.saturating_sub(start_size);
    let sample_every = (to_append / options.sample.max(1) as u64).max(1);
    let prior_bytes = prior_entry_bytes(&options.dir, start_size);

    let started = Instant::now();
    let mut report = BulkReport {
        appended: 0,
        applied: 0,
        log_size: start_size,
        height: chain.tip().height,
        entry_bytes: 0,
        ledger_entry_bytes: None,
        elapsed_ms: 0,
        config: config_path,
        families: Vec::new(),
    };
    let (mut sample, mut leaf_sample) = (Vec::new(), Vec::new());
    let block_sizes = block_sizes(to_append, options.block_txs);
    let first_height = chain.tip().height + 1;
    // One thread signs the blocks ahead; this one executes and commits them in order.
    let (signed_tx, signed_rx) = sync_channel::<Vec<Arc<SignedTx>>>(SIGNED_AHEAD);
    std::thread::scope(|scope| -> Result<()> {
        let keys = &keys;
        scope.spawn(move || {
            for (i, &count) in block_sizes.iter().enumerate() {
                let height = first_height + i as u64;
                let txs = keys
                    .proposals(
                        &format!("BULK-{height}"),
                        count,
                        height << 20,
                        height + VALID_FOR_BLOCKS,
                    )
                    .into_iter()
                    .map(Arc::new)
                    .collect();
                if signed_tx.send(txs).is_err() {
                    return;
                }
            }
        });
        for txs in signed_rx {
            let executed = chain.execute(txs, SystemClock.now_ms(), proposer)?;
            let header = executed.header().clone();
            let certificate = sign_certificate(&header, &signers);
            let notes = sign_checkpoint_notes(&header, &signers);
            for (position, (hash, (_, entry))) in executed
                .tx_hashes
                .iter()
                .zip(executed.entries())
                .enumerate()
            {
                if (report.appended + position as u64).is_multiple_of(sample_every) {
                    sample.push(*hash);
                    leaf_sample.push(gongxin_core::log::leaf_hash(entry));
                }
            }
            report.appended += executed.entries().len() as u64;
            report.applied += executed
                .outcomes
                .iter()
                .filter(|outcome| matches!(outcome, Outcome::Applied))
                .count() as u64;
            report.entry_bytes += executed
                .entries()
                .iter()
                .map(|(_, bytes)| bytes.len() as u64)
                .sum::<u64>();
            chain.commit(&executed, Some(certificate), Some(notes))?;
            report.log_size = header.log_size;
            report.height = header.height;
            on_block(header.log_size);
        }
        Ok(())
    })?;
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    report.families = store.family_sizes()?;
    // A run that appended nothing keeps the sample of the run that built the ledger.
    if report.appended > 0 || !sample_path(&options.dir).exists() {
        write_sample(&sample_path(&options.dir), &sample)?;
        write_sample(&leaf_sample_path(&options.dir), &leaf_sample)?;
    }
    report.ledger_entry_bytes = prior_bytes.map(|bytes| bytes + report.entry_bytes);
    match report.ledger_entry_bytes {
        Some(entry_bytes) => {
            let stats = LedgerStats {
                log_size: report.log_size,
                entry_bytes,
            };
            std::fs::write(stats_path(&options.dir), serde_json::to_string(&stats)?)?;
        }
        // A stale sum would be a wrong figure later: none is better.
        None => {
            let _ = std::fs::remove_file(stats_path(&options.dir));
        }
    }
    Ok(report)
}

/// `total` transactions in blocks of `per_block`, the last one possibly smaller.
fn block_sizes(total: u64, per_block: usize) -> Vec<usize> {
    let per_block = per_block as u64;
    (0..total.div_ceil(per_block))
        .map(|i| (total - i * per_block).min(per_block) as usize)
        .collect()
}

fn write_sample(path: &Path, hashes: &[Hash]) -> Result<()> {
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    for hash in hashes {
        writeln!(out, "{hash}")?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_the_total_exactly() {
        assert_eq!(block_sizes(0, 10), Vec::<usize>::new());
        assert_eq!(block_sizes(25, 10), vec![10, 10, 5]);
        assert_eq!(block_sizes(20, 10), vec![10, 10]);
        assert_eq!(block_sizes(3, 1_000), vec![3]);
    }
}
