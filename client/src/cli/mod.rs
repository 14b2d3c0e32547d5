//! The `gongxin` command line: the clap definitions of its commands, the dispatch to each
//! command group's module, and the one way a failure is reported (stderr, exit code 1).
//!
//! - `keys`: key files; `evidence`: `hash` and `verify`, which need no node; `op`: operation
//!   templates.
//! - `status`; `tx`: `submit`, `tx` and `proof`; `audit`: `audit watch`.
//! - `records`: signed reads of internal records; `public`: the public portal API;
//!   `access_log`: the node's operation log.
//! - `session`: what node-facing commands share; `output`: the one path for human and JSON
//!   output.

mod access_log;
mod audit;
mod credit;
mod evidence;
mod import;
mod keys;
mod op;
mod output;
mod public;
mod records;
mod session;
mod status;
mod tx;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use gongxin_client::http::{ClientError, DEFAULT_NODE_URL};
use gongxin_client::records::{AlertFilter, RectificationFilter};

use access_log::AccessLogCommand;
use audit::AuditCommand;
use keys::KeysCommand;
use op::OpCommand;
use output::{JsonWith, OutputMode};
use public::PublicCommand;
use records::{GetCommand, ListCommand, PagingArgs};
use session::{KeyArg, Session};

/// `audit watch` found the node misbehaving (or `access-log verify` a broken log).
const EXIT_ALARM: u8 = 2;

#[derive(Parser)]
#[command(
    name = "gongxin",
    version,
    about = "gongxin (公信链) client: keys, evidence hashes, submitting operations, proofs, \
             offline verification, checkpoint auditing and record reads",
    after_help = "Exit codes: 0 ok; 1 failure; 2 ALARM from `audit watch`; 3 transaction \
                  committed but rejected (`submit --wait`)."
)]
pub(crate) struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// The node's gateway (plain HTTP).
    #[arg(long, global = true, env = "GONGXIN_NODE", default_value = DEFAULT_NODE_URL)]
    node: String,
    /// How long one HTTP request to the node may take.
    #[arg(long, global = true, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    http_timeout_ms: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum CreditCommand {
    /// Ask the registry (the adapter file --registry) about a contractor, save its answer in
    /// --evidence-dir, and record the verdict with the answer's SM3 hash (record_credit_check).
    /// Exit 4 when the registry lists the contractor (recorded all the same: signing a
    /// contract with it is then refused), 3 when the rules reject the record.
    Check {
        /// The project the contract is for.
        #[arg(long)]
        project: String,
        /// The contractor's name.
        #[arg(long)]
        name: String,
        /// The contractor's 统一社会信用代码 (18 characters).
        #[arg(long)]
        credit_code: String,
        /// The registry adapter file (JSON: url, query, headers, listed_when, …).
        #[arg(long)]
        registry: PathBuf,
        /// Where the registry's answer is saved (credit-<project>-<code>-<ms>.json).
        #[arg(long, default_value = ".")]
        evidence_dir: PathBuf,
        /// How long to wait for the record to be committed, in seconds.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
        wait_timeout_s: u64,
        #[command(flatten)]
        key: KeyArg,
    },
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
        /// The genesis file: its validators are the ones whose quorum must sign.
        #[arg(long)]
        genesis: PathBuf,
        /// A witness whose cosignature counts, `NAME=ed25519:<hex>` (repeat for several).
        #[arg(long = "witness", value_name = "NAME=KEY")]
        witnesses: Vec<String>,
        /// How many of the witnesses must have cosigned the checkpoint (default: all named).
        #[arg(long)]
        witnesses_required: Option<usize>,
    },
    /// Run a C2SP tlog-witness for a chain: runs `gongxin-node witness` (the executable next
    /// to this one) with the same arguments; `gongxin witness --help` lists them.
    #[command(disable_help_flag = true)]
    Witness {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// The node's chain, height, log size and mempool.
    Status,
    /// Sign an operation with a key file and submit it to the node.
    Submit {
        /// The signer's key file.
        #[arg(long)]
        key: PathBuf,
        /// One operation as JSON (`-` reads standard input); `gongxin op example <kind>`
        /// prints a template.
        #[arg(long)]
        op: PathBuf,
        /// Wait until the transaction is committed and print its outcome (exit code 3 when
        /// the rules rejected it).
        #[arg(long)]
        wait: bool,
        /// How long --wait waits, in seconds.
        #[arg(long, default_value_t = 60, requires = "wait", value_parser = clap::value_parser!(u64).range(1..))]
        wait_timeout_s: u64,
        /// Check that the node serves this genesis' chain before signing anything for it.
        #[arg(long)]
        genesis: Option<PathBuf>,
    },
    /// The status of a transaction: pending, or committed with its outcome.
    Tx {
        /// The transaction hash (64 hex digits).
        hash: String,
        /// Sign the read with this member key file, to see a rejection's reason.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Fetch the inclusion proof of a committed transaction together with the checkpoint it is
    /// relative to, and save them as a proof bundle for `gongxin verify`.
    Proof {
        /// The transaction hash (64 hex digits).
        hash: String,
        #[arg(long)]
        out: PathBuf,
        /// The member key file that signs the read (a proof carries the whole entry, which
        /// only members the read rules allow may see).
        #[arg(long)]
        key: PathBuf,
        /// Also verify the bundle against this genesis before saving it.
        #[arg(long)]
        genesis: Option<PathBuf>,
    },
    /// Audit a node's checkpoints.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Operation templates.
    Op {
        #[command(subcommand)]
        command: OpCommand,
    },
    /// Read one internal record (a signed request: --key is a member's key file).
    Get {
        #[command(subcommand)]
        command: GetCommand,
    },
    /// List internal records (a signed request: --key is a member's key file).
    List {
        #[command(subcommand)]
        command: ListCommand,
    },
    /// A project's history: every change, with its transaction, oldest first.
    History {
        project: String,
        #[command(flatten)]
        paging: PagingArgs,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Alerts: a project's (with PROJECT), or the reminders naming you (the default) or
    /// addressed to a department (`--department`), with the digest `acknowledge_alert` names.
    Alerts {
        /// A project: its alerts (overdue milestones and rectifications, payments ahead of
        /// progress…).
        project: Option<String>,
        /// A department's alerts instead of yours.
        #[arg(long, conflicts_with = "project")]
        department: Option<String>,
        /// Only these kinds (codes, comma-separated: rectification_due_soon,
        /// rectification_overdue, rectification_escalated, milestone_due_soon, …).
        #[arg(long, value_delimiter = ',', conflicts_with = "project")]
        kind: Vec<String>,
        /// Only alerts nobody has acknowledged yet.
        #[arg(long, conflicts_with = "project")]
        open: bool,
        #[command(flatten)]
        paging: PagingArgs,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Rectification tasks: all of them for audit, the ones your department answers for
    /// otherwise.
    Rectifications {
        /// open, submitted, verified or reopened.
        #[arg(long)]
        status: Option<String>,
        /// Only tasks awaiting the responsible department past their deadline.
        #[arg(long)]
        overdue: bool,
        /// The responsible department.
        #[arg(long)]
        department: Option<String>,
        /// Only tasks about this project.
        #[arg(long)]
        project: Option<String>,
        #[command(flatten)]
        paging: PagingArgs,
        #[command(flatten)]
        key: KeyArg,
    },
    /// A spreadsheet of the records your key may read (CSV for Excel, or XLSX), Chinese
    /// headers, amounts in yuan: projects, budget (execution), disbursements, rectifications,
    /// or history (one project's, with --project).
    Export {
        /// projects, budget, disbursements, rectifications or history.
        table: String,
        /// csv or xlsx.
        #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
        format: String,
        /// The file to write (replaced if it exists).
        #[arg(long)]
        out: PathBuf,
        /// Projects (and their budgets, disbursements) or rectifications of this department.
        #[arg(long)]
        department: Option<String>,
        /// Projects at this stage.
        #[arg(long)]
        stage: Option<String>,
        /// Projects of this programme.
        #[arg(long)]
        programme: Option<String>,
        /// Rectifications with this status (open, submitted, verified, reopened).
        #[arg(long)]
        status: Option<String>,
        /// Rectifications overdue now.
        #[arg(long)]
        overdue: bool,
        /// The project (history: required; rectifications: only its tasks).
        #[arg(long)]
        project: Option<String>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Import a finance-platform budget export (one approve_budget per project and year) or
    /// procurement-network notices (one start_procurement each), signed with your key, in
    /// batches, resumable (FILE.journal); rows not imported go to FILE.rejected.csv (exit 3).
    Import {
        /// budget or procurement.
        #[arg(value_parser = ["budget", "procurement"])]
        kind: String,
        /// The CSV file (UTF-8; the column mapping is in `gongxin_client::import`).
        file: PathBuf,
        /// Transactions in flight before waiting for their outcomes.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
        batch: u32,
        /// Operations sent per second at most (0: as fast as the node takes them).
        #[arg(long, default_value_t = 0)]
        rate: u32,
        /// How long to wait for one transaction's outcome, in seconds.
        #[arg(long, default_value_t = 60)]
        wait_timeout_s: u64,
        #[command(flatten)]
        key: KeyArg,
    },
    /// 信用核查: ask a credit registry about a contractor and record the answer's SM3 hash and
    /// verdict on the ledger as evidence before the contract is signed.
    Credit {
        #[command(subcommand)]
        command: CreditCommand,
    },
    /// Requests waiting for a department's approval.
    Approvals {
        department: String,
        #[command(flatten)]
        paging: PagingArgs,
        #[command(flatten)]
        key: KeyArg,
    },
    /// The public portal API: disclosed fields only, no key needed.
    Public {
        #[command(subcommand)]
        command: PublicCommand,
    },
    /// The node's operation log (操作日志): every signed read and admission decision, chained
    /// with SM3 and anchored on the ledger.
    AccessLog {
        #[command(subcommand)]
        command: AccessLogCommand,
    },
}

/// Runs a parsed command line: the command's exit code, or its failure reported on stderr.
pub(crate) fn run(cli: Cli) -> ExitCode {
    let output = OutputMode::from_json_flag(cli.json);
    let node = cli.node.clone();
    match dispatch(output, cli) {
        Ok(code) => code,
        Err(error) => fail(output, &node, &error),
    }
}

fn dispatch(output: OutputMode, cli: Cli) -> Result<ExitCode> {
    let cx = Session {
        output,
        node: cli.node,
        http_timeout: Duration::from_millis(cli.http_timeout_ms),
    };
    match cli.command {
        Command::Keys { command } => keys::run(output, command),
        Command::Hash { files } => evidence::hash(output, &files),
        Command::Verify {
            proof,
            genesis,
            witnesses,
            witnesses_required,
        } => {
            let policy =
                gongxin_client::offline::WitnessPolicy::parse(&witnesses, witnesses_required)?;
            evidence::verify(output, &proof, &genesis, &policy)
        }
        Command::Witness { args } => forward_to_witness(args),
        Command::Status => status::status(&cx),
        Command::Submit {
            key,
            op,
            wait,
            wait_timeout_s,
            genesis,
        } => {
            let wait = wait.then(|| Duration::from_secs(wait_timeout_s));
            tx::submit(&cx, &key, &op, wait, genesis.as_deref())
        }
        Command::Tx { hash, key } => tx::tx(&cx, &tx::parse_tx_hash(&hash)?, key.as_deref()),
        Command::Proof {
            hash,
            out,
            genesis,
            key,
        } => tx::proof(
            &cx,
            &tx::parse_tx_hash(&hash)?,
            &out,
            genesis.as_deref(),
            &key,
        ),
        Command::Audit { command } => audit::run(&cx, command),
        Command::Op { command } => op::run(output, command),
        Command::Get { command } => records::get(&cx, command),
        Command::List { command } => records::list(&cx, command),
        Command::History {
            project,
            paging,
            key,
        } => records::history(&cx, &project, &paging, &key),
        Command::Alerts {
            project: Some(project),
            paging,
            key,
            ..
        } => records::alerts(&cx, &project, &paging, &key),
        Command::Alerts {
            project: None,
            department,
            kind,
            open,
            paging,
            key,
        } => {
            let filter = AlertFilter {
                department,
                kinds: kind,
                project: None,
                open_only: open,
            };
            records::reminders(&cx, &filter, &paging, &key)
        }
        Command::Rectifications {
            status,
            overdue,
            department,
            project,
            paging,
            key,
        } => {
            let filter = RectificationFilter {
                status,
                department,
                project,
                overdue,
            };
            records::rectifications(&cx, &filter, &paging, &key)
        }
        Command::Approvals {
            department,
            paging,
            key,
        } => records::approvals(&cx, &department, &paging, &key),
        Command::Credit {
            command:
                CreditCommand::Check {
                    project,
                    name,
                    credit_code,
                    registry,
                    evidence_dir,
                    wait_timeout_s,
                    key,
                },
        } => credit::check(
            &cx,
            &credit::CheckArgs {
                project,
                name,
                credit_code,
                registry,
                evidence_dir,
                wait: Duration::from_secs(wait_timeout_s),
                key: key.key,
            },
        ),
        Command::Import {
            kind,
            file,
            batch,
            rate,
            wait_timeout_s,
            key,
        } => {
            let kind = if kind == "budget" {
                gongxin_client::import::Kind::Budget
            } else {
                gongxin_client::import::Kind::Procurement
            };
            let options = import::Options {
                batch: batch as usize,
                rate,
                wait: Duration::from_secs(wait_timeout_s),
            };
            import::run(&cx, kind, &file, &key.key, &options)
        }
        Command::Export {
            table,
            format,
            out,
            department,
            stage,
            programme,
            status,
            overdue,
            project,
            key,
        } => {
            let filters = [
                ("department", department.as_deref()),
                ("stage", stage.as_deref()),
                ("programme", programme.as_deref()),
                ("status", status.as_deref()),
                ("overdue", overdue.then_some("true")),
                ("project", project.as_deref()),
            ];
            records::export(&cx, &table, &format, &filters, &out, &key)
        }
        Command::Public { command } => public::run(&cx, command),
        Command::AccessLog { command } => access_log::run(&cx, command),
    }
}

/// A failure, on stderr: with `--json` one line `{"error": …, "causes": […]}`; otherwise
/// `error: ` and its causes, and where the node is chosen when it could not be reached.
fn fail(output: OutputMode, node: &str, error: &anyhow::Error) -> ExitCode {
    let report = JsonWith(|| {
        let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
        serde_json::json!({"error": chain.first(), "causes": &chain[1..]})
    });
    // A `serde_json::Value` always serializes: printing the failure cannot fail in turn.
    let _ = output.emit_err_line(&report, |_| {
        let mut text = format!("error: {error:#}\n");
        let unreachable = error.chain().any(|cause| {
            matches!(
                cause.downcast_ref::<ClientError>(),
                Some(ClientError::Transport { .. })
            )
        });
        if unreachable {
            text.push_str(&format!(
                "  hint: the node is chosen with --node URL or GONGXIN_NODE (now {node})\n"
            ));
        }
        text
    });
    ExitCode::FAILURE
}

/// `gongxin witness …` runs `gongxin-node witness …`: the witness serves HTTP like the node,
/// so it lives in the node's executable.
fn forward_to_witness(args: Vec<String>) -> Result<ExitCode> {
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let node = exe.with_file_name(format!("gongxin-node{}", std::env::consts::EXE_SUFFIX));
    if !node.exists() {
        bail!(
            "{} is missing: the witness runs in gongxin-node; build it with `cargo build -p gongxin-node` (in the same profile as gongxin)",
            node.display()
        );
    }
    let status = std::process::Command::new(&node)
        .arg("witness")
        .args(args)
        .status()
        .with_context(|| format!("cannot run {}", node.display()))?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
