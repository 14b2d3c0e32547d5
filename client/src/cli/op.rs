//! `op example` and `op kinds`: operation templates for `submit --op`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use gongxin_client::ops;

use super::output::{OutputMode, say};

#[derive(Subcommand)]
pub(super) enum OpCommand {
    /// Print a JSON template of an operation kind, for `gongxin submit --op`.
    Example {
        /// The operation kind, e.g. propose_project (`gongxin op kinds` lists them).
        kind: String,
    },
    /// List the operation kinds.
    Kinds,
}

pub(super) fn run(output: OutputMode, command: OpCommand) -> Result<ExitCode> {
    match command {
        OpCommand::Example { kind } => {
            let kind = ops::parse_kind(&kind)?;
            // The template is JSON to people and machines alike; how to fill it in is for people.
            say(&format!("{}\n", ops::example_json(kind)));
            output.note_err(
                "(a template: replace the placeholder values; document hashes come from \
                 `gongxin hash FILE`, member keys from `gongxin keys show KEYFILE`)\n",
            );
        }
        OpCommand::Kinds => {
            let names = ops::kind_names();
            output.emit_line(&names, |names| {
                names.iter().map(|name| format!("{name}\n")).collect()
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
