//! `public projects`, `public project` and `public rectifications`: the public portal API,
//! disclosed fields only, no key needed; `public verify`: a public record checked against the
//! genesis file through the public disclosure log.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use gongxin_client::{display, offline};
use gongxin_core::handover;

use super::records::{PagingArgs, ProjectFilterArgs, more_hint, paged, print_page};
use super::session::Session;

#[derive(Subcommand)]
pub(super) enum PublicCommand {
    /// Public projects, with the number that match.
    Projects {
        #[command(flatten)]
        filter: ProjectFilterArgs,
        #[command(flatten)]
        paging: PagingArgs,
    },
    /// One public project's disclosed view.
    Project { id: String },
    /// Verify a public record against the genesis file: its current view is a leaf of the
    /// public disclosure log a validator quorum signed (following validator-set hand-overs).
    Verify {
        /// The record kind: project, procurement, contract, change, progress, disbursement,
        /// rectification or department.
        kind: String,
        id: String,
        /// The genesis file (its hash is the one the portal pins).
        #[arg(long)]
        genesis: std::path::PathBuf,
        /// A witness whose cosignature counts, `NAME=ed25519:<hex>` (repeat for several).
        #[arg(long = "witness", value_name = "NAME=KEY")]
        witnesses: Vec<String>,
        /// How many of the witnesses must have cosigned (default: all named).
        #[arg(long)]
        witnesses_required: Option<usize>,
    },
    /// Rectification tasks' disclosed fields (title, department, deadline, status).
    Rectifications {
        /// The responsible department.
        #[arg(long)]
        department: Option<String>,
        #[command(flatten)]
        paging: PagingArgs,
    },
}

pub(super) fn run(cx: &Session, command: PublicCommand) -> Result<ExitCode> {
    match command {
        PublicCommand::Projects { filter, paging } => {
            let client = cx.client()?;
            let filter = filter.filter();
            let projects = paged(&paging, |after, limit| {
                client.public_projects(&filter, after, limit)
            })?;
            cx.output.emit(&projects, |projects| {
                let mut text = display::projects_table(&projects.projects);
                text.push_str(&format!(
                    "{} of {} public projects{}\n",
                    projects.projects.len(),
                    projects.total,
                    more_hint(projects.next.as_deref())
                ));
                text
            })?;
        }
        PublicCommand::Project { id } => {
            let project = cx.client()?.public_project(&id)?;
            cx.output.emit(&project, display::public_project)?;
        }
        PublicCommand::Verify {
            kind,
            id,
            genesis,
            witnesses,
            witnesses_required,
        } => {
            let policy = offline::WitnessPolicy::parse(&witnesses, witnesses_required)?;
            let genesis = offline::load_genesis(&genesis)?;
            let client = cx.client()?;
            let record = client.public_record(&kind, &id)?;
            let checkpoint = client.public_checkpoint_note()?;
            let size = gongxin_core::checkpoint::SignedCheckpoint::parse(&checkpoint)
                .map(|c| c.checkpoint.tree_size)
                .context("RECORD NOT VERIFIED: the public checkpoint")?;
            let leaf_index = record["leaf_index"]
                .as_u64()
                .context("RECORD NOT VERIFIED: the record names no leaf")?;
            let evidence = offline::PublicRecordEvidence {
                proof: client.public_inclusion_proof(leaf_index, size)?,
                handovers: handover::needed_for(&client.handovers()?, handover::Log::Public, size),
                record,
                checkpoint,
            };
            let report = offline::verify_public_record(&genesis, &kind, &id, &evidence, &policy)?;
            cx.output.emit(&report, |r| {
                let mut text = format!(
                    "VALID: {} {} is leaf {} of the public log of size {} (root {})\n  signed by {} (more than 2/3 of the voting power)\n  this version since block {}\n",
                    r.kind,
                    r.id,
                    r.leaf_index,
                    r.tree_size,
                    r.root,
                    r.checkpoint_signers.join(", "),
                    r.height
                );
                if !r.cosigned_by.is_empty() {
                    text.push_str(&format!("  cosigned by witnesses {}\n", r.cosigned_by.join(", ")));
                }
                text
            })?;
        }
        PublicCommand::Rectifications { department, paging } => {
            let client = cx.client()?;
            let page = paged(&paging, |after, limit| {
                client.public_rectifications(department.as_deref(), after, limit)
            })?;
            print_page(
                cx.output,
                &page,
                "rectification tasks",
                display::rectifications_table,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
