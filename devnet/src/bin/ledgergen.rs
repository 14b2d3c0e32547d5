//! `gongxin-ledgergen`: builds a ledger of many entries quickly, for the figures of
//! a large ledger (proof latency, restart time, disk, memory). See `gongxin_devnet::bulk`.
//!
//! ```text
//! gongxin-ledgergen --dir ledger-data --entries 10000000
//! gongxin-devnet --dir ledger-data --validators 1 --no-demo &
//! gongxin-loadgen --devnet ledger-data --duration-s 0 --proof-hashes ledger-data/ledger-sample.txt
//! ```
//! (`scripts/ledger-bench` runs all of it and reports.)

#![allow(clippy::float_arithmetic)] // rates for the report only

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gongxin_devnet::bulk::{BulkOptions, build, sample_path};
use indicatif::{ProgressBar, ProgressStyle};

/// Build (or extend) a ledger of `--entries` log entries: real signed project proposals,
/// executed by the rules and committed with the validators' certificates, written straight to
/// the first validator's database (the node must be stopped).
#[derive(Parser, Debug)]
#[command(name = "gongxin-ledgergen", version)]
struct Args {
    /// The devnet directory (keys, genesis, nodes/<name>/config.json and data).
    #[arg(long, default_value = "ledger-data")]
    dir: PathBuf,
    /// Entries the ledger log holds when done.
    #[arg(long, default_value_t = 1_000_000)]
    entries: u64,
    /// Transactions per block.
    #[arg(long, default_value_t = 2_000)]
    block_txs: usize,
    /// Validators of the devnet: every block is signed by all of them; the first one's
    /// database is built (the others start empty, or on a copy of it).
    #[arg(long, default_value_t = 1)]
    validators: usize,
    /// Transaction hashes to write for the load generator's proof phase.
    #[arg(long, default_value_t = 100_000)]
    sample: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let progress = ProgressBar::new(args.entries);
    progress.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} entries ({per_sec})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let options = BulkOptions {
        dir: args.dir.clone(),
        entries: args.entries,
        block_txs: args.block_txs,
        validators: args.validators,
        sample: args.sample,
    };
    let result = build(&options, |log_size| progress.set_position(log_size));
    progress.finish_and_clear();
    match result {
        Ok(report) => {
            let seconds = report.elapsed_ms as f64 / 1_000.0;
            println!(
                "appended {} entries ({} applied by the rules) in {:.1} s ({:.0} entries/s); \
                 log {} entries at height {}; {:.1} MiB of entry bytes appended",
                report.appended,
                report.applied,
                seconds,
                report.appended as f64 / seconds.max(1e-3),
                report.log_size,
                report.height,
                report.entry_bytes as f64 / (1024.0 * 1024.0)
            );
            println!("column family        SST MiB  memtable MiB       keys (estimate)");
            for family in &report.families {
                println!(
                    "{:<18} {:>9.1} {:>13.1} {:>18}",
                    family.name,
                    family.sst_bytes as f64 / (1024.0 * 1024.0),
                    family.memtable_bytes as f64 / (1024.0 * 1024.0),
                    family.keys
                );
            }
            if let Some(bytes) = report.ledger_entry_bytes {
                println!(
                    "the whole log: {} entries, {} bytes of entries",
                    report.log_size, bytes
                );
            }
            println!(
                "start it:  gongxin-devnet --dir {} --validators {} --no-demo\n\
                 check it:  gongxin-node check --config {}\n\
                 sample of tx hashes: {}",
                args.dir.display(),
                args.validators,
                report.config.display(),
                sample_path(&args.dir).display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
