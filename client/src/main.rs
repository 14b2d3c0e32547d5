//! `gongxin`: the command-line client. Human-readable output by default, `--json` for machines;
//! every failure prints a reason and exits non-zero.
//!
//! Exit codes: 0 success; 1 failure (bad input, unreachable node, refused request);
//! 2 `audit watch` raised an ALARM (the node presented a checkpoint that fails verification);
//! 3 `submit --wait` saw the transaction committed as *rejected* by the ledger's rules.
//!
//! The commands are in `cli`, one module per command group; their output goes through
//! `cli::output`, one path for human text and JSON.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    cli::run(cli::Cli::parse())
}
