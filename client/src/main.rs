//! `gongxin`: the command-line client. Human-readable output by default, `--json` for machines;
//! every failure prints a reason and exits non-zero.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use gongxin_client::offline;
use gongxin_core::crypto::Algorithm;

#[derive(Parser)]
#[command(
    name = "gongxin",
    version,
    about = "gongxin (公信链) client: keys, evidence hashes, offline proof verification"
)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Manage key files.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// SM3 hash of files (evidence for contracts, reports and vouchers).
    Hash {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Verify a proof bundle offline against the genesis file: the checkpoint is signed by a
    /// validator quorum and the entry is in the log it commits to.
    Verify {
        proof: PathBuf,
        #[arg(long)]
        genesis: PathBuf,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
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
enum AlgorithmArg {
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

fn run(cli: Cli) -> Result<()> {
    let json = cli.json;
    match cli.command {
        Command::Keys {
            command:
                KeysCommand::New {
                    out,
                    name,
                    algorithm,
                },
        } => {
            let file = offline::new_key(&out, &name, algorithm.into())?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"name": file.name, "public_key": file.public_key, "file": out})
                );
            } else {
                println!(
                    "created {} for {:?}\npublic key: {}",
                    out.display(),
                    file.name,
                    file.public_key
                );
            }
        }
        Command::Keys {
            command: KeysCommand::Show { file },
        } => {
            let key = offline::load_key(&file)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"name": key.name, "algorithm": key.algorithm, "public_key": key.public_key})
                );
            } else {
                println!("{}  {}", key.public_key, key.name);
            }
        }
        Command::Hash { files } => {
            for path in files {
                let hash = offline::hash_file(&path)?;
                if json {
                    println!("{}", serde_json::json!({"file": path, "sm3": hash}));
                } else {
                    println!("{hash}  {}", path.display());
                }
            }
        }
        Command::Verify { proof, genesis } => {
            let report = offline::verify_proof_file(&proof, &genesis)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "VALID: transaction {} is entry {} of the log",
                    report.tx_hash, report.leaf_index
                );
                println!("  log size {} root {}", report.tree_size, report.root);
                println!(
                    "  signed by {} (more than 2/3 of the voting power)",
                    report.checkpoint_signers.join(", ")
                );
                println!(
                    "  block height {}, operation {}, signer {}",
                    report.height, report.operation, report.signer
                );
                match &report.outcome {
                    gongxin_core::entry::Outcome::Applied => println!("  outcome: applied"),
                    gongxin_core::entry::Outcome::Rejected { code, reason } => {
                        println!("  outcome: rejected ({code}): {reason}")
                    }
                }
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if json {
                let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
                eprintln!(
                    "{}",
                    serde_json::json!({"error": chain.first(), "causes": &chain[1..]})
                );
            } else {
                eprintln!("error: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}
