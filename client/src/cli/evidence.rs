//! `hash` and `verify`: what needs no node — SM3 of evidence files, and proof bundles checked
//! offline against the genesis.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use gongxin_client::offline;
use gongxin_core::entry::Outcome;

use super::output::{JsonWith, OutputMode};

/// `hash FILE…`: one line per file, printed as soon as it is hashed.
pub(super) fn hash(output: OutputMode, files: &[PathBuf]) -> Result<ExitCode> {
    for path in files {
        let hash = offline::hash_file(path)?;
        output.emit_line(
            &JsonWith(|| serde_json::json!({"file": path, "sm3": hash})),
            |_| format!("{hash}  {}\n", path.display()),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `verify PROOF --genesis GENESIS`.
pub(super) fn verify(
    output: OutputMode,
    proof: &Path,
    genesis: &Path,
    policy: &offline::WitnessPolicy,
) -> Result<ExitCode> {
    let report = offline::verify_proof_file(proof, genesis, policy)?;
    output.emit(&report, |report| {
        let mut text = format!(
            "VALID: transaction {} is entry {} of the log\n",
            report.tx_hash, report.leaf_index
        );
        text.push_str(&format!(
            "  log size {} root {}\n",
            report.tree_size, report.root
        ));
        text.push_str(&format!(
            "  signed by {} (more than 2/3 of the voting power)\n",
            report.checkpoint_signers.join(", ")
        ));
        if !report.cosigned_by.is_empty() {
            text.push_str(&format!(
                "  cosigned by witnesses {}\n",
                report.cosigned_by.join(", ")
            ));
        }
        text.push_str(&format!(
            "  block height {}, operation {}, signer {}\n",
            report.height, report.operation, report.signer
        ));
        text.push_str(&format!(
            "  outcome: {}\n",
            describe_outcome(&report.outcome)
        ));
        text
    })?;
    Ok(ExitCode::SUCCESS)
}

fn describe_outcome(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Applied => "applied".to_owned(),
        Outcome::Rejected { code, reason } => format!("rejected ({code}): {reason}"),
    }
}
