//! `keys new` and `keys show`: key files.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use gongxin_client::offline;
use gongxin_core::crypto::Algorithm;

use super::output::{JsonWith, OutputMode};

#[derive(Subcommand)]
pub(super) enum KeysCommand {
    /// Create a new key file (never overwrites).
    New {
        #[arg(long)]
        out: PathBuf,
        /// Who the key is for.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value_t = AlgorithmArg::Ed25519)]
        algorithm: AlgorithmArg,
    },
    /// Show a key file's public key (never the secret).
    Show { file: PathBuf },
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum AlgorithmArg {
    Ed25519,
    Sm2,
}

impl From<AlgorithmArg> for Algorithm {
    fn from(a: AlgorithmArg) -> Algorithm {
        match a {
            AlgorithmArg::Ed25519 => Algorithm::Ed25519,
            AlgorithmArg::Sm2 => Algorithm::Sm2,
        }
    }
}

pub(super) fn run(output: OutputMode, command: KeysCommand) -> Result<ExitCode> {
    match command {
        KeysCommand::New {
            out,
            name,
            algorithm,
        } => {
            let file = offline::new_key(&out, &name, algorithm.into())?;
            output.emit_line(
                &JsonWith(|| {
                    serde_json::json!({"name": file.name, "public_key": file.public_key, "file": out})
                }),
                |_| {
                    format!(
                        "created {} for {:?}\npublic key: {}\n",
                        out.display(),
                        file.name,
                        file.public_key
                    )
                },
            )?;
        }
        KeysCommand::Show { file } => {
            let key = offline::load_key(&file)?;
            output.emit_line(
                &JsonWith(|| {
                    serde_json::json!({"name": key.name, "algorithm": key.algorithm, "public_key": key.public_key})
                }),
                |_| format!("{}  {}\n", key.public_key, key.name),
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
