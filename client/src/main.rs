//! `gongxin`: the command-line client. Human-readable output by default, `--json` for machines;
//! every failure prints a reason and exits non-zero.
//!
//! Exit codes: 0 success; 1 failure (bad input, unreachable node, refused request);
//! 2 `audit watch` raised an ALARM (the node presented a checkpoint that fails verification);
//! 3 `submit --wait` saw the transaction committed as *rejected* by the ledger's rules.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use gongxin_client::display;
use gongxin_client::http::{
    ClientError, CommittedTx, DEFAULT_NODE_URL, DEFAULT_POLL_INTERVAL, NodeClient, TxOutcome,
    TxStatus,
};
use gongxin_client::records::{
    PAGE_MAX, Page, Paged, ProjectFilter, Reader, RectificationFilter, fetch_pages,
};
use gongxin_client::txbuilder::TxBuilder;
use gongxin_client::watch::{PollError, PollKind, PollReport, StateDir, Watcher};
use gongxin_client::{access_log, offline, ops};
use gongxin_core::Hash;
use gongxin_core::audit::{ProofBundle, verify_bundle};
use gongxin_core::crypto::{Algorithm, Keypair};
use gongxin_core::entry::Outcome;
use gongxin_core::model::ProjectStage;

/// `audit watch` found the node misbehaving.
const EXIT_ALARM: u8 = 2;
/// `submit --wait`: committed, but rejected by the rules.
const EXIT_REJECTED: u8 = 3;
/// `submit` retries this often while the node's mempool is full (503 with Retry-After).
const SUBMIT_RETRIES_MAX: u32 = 5;
/// `--all` reads at most this many pages (100 000 records at 500 a page), so a node whose
/// paging never ends cannot keep the CLI busy forever.
const ALL_PAGES_MAX: usize = 200;

#[derive(Parser)]
#[command(
    name = "gongxin",
    version,
    about = "gongxin (公信链) client: keys, evidence hashes, submitting operations, proofs, \
             offline verification, checkpoint auditing and record reads",
    after_help = "Exit codes: 0 ok; 1 failure; 2 ALARM from `audit watch`; 3 transaction \
                  committed but rejected (`submit --wait`)."
)]
struct Cli {
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
    /// A project's alerts (overdue milestones and rectifications, payments ahead of progress…).
    Alerts {
        project: String,
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

#[derive(Subcommand)]
enum AccessLogCommand {
    /// Print records of the log (the audit department's key).
    Show {
        /// First record (seq); default the start of what the node keeps.
        #[arg(long)]
        from: Option<u64>,
        /// Last record (seq), inclusive.
        #[arg(long)]
        to: Option<u64>,
        /// Records per page, 1 to 1000.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: Option<u32>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Recompute the whole kept log's chain and check it against the anchors on the ledger;
    /// any edit, deletion or reordering exits with code 2.
    Verify {
        /// Read the anchors from this node instead (another department's: a node that altered
        /// its log cannot alter their copy of the ledger).
        #[arg(long)]
        anchors_from: Option<String>,
        #[command(flatten)]
        key: KeyArg,
    },
}

/// The member key that signs an internal read.
#[derive(clap::Args)]
struct KeyArg {
    /// The reader's key file; what it may read follows its member's department.
    #[arg(long)]
    key: PathBuf,
}

/// Paging of list commands.
#[derive(clap::Args)]
struct PagingArgs {
    /// Follow the pages to the end (at most 200 pages).
    #[arg(long)]
    all: bool,
    /// Records per page, 1 to 500 (default: the node's, 50; with --all, 500).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(PAGE_MAX)))]
    limit: Option<u32>,
    /// Start after this cursor (the `next` of an earlier page).
    #[arg(long)]
    after: Option<String>,
}

/// Filters of project lists.
#[derive(clap::Args)]
struct ProjectFilterArgs {
    /// Owner department id (e.g. transport).
    #[arg(long)]
    department: Option<String>,
    /// Lifecycle stage: proposed, approved, budgeted, procurement, contracted, in_progress,
    /// acceptance_requested, accepted, evaluated, closed, suspended or cancelled.
    #[arg(long, value_parser = parse_stage)]
    stage: Option<String>,
    /// Programme id (e.g. SC-2026).
    #[arg(long)]
    programme: Option<String>,
}

impl ProjectFilterArgs {
    fn filter(self) -> ProjectFilter {
        ProjectFilter {
            department: self.department,
            stage: self.stage,
            programme: self.programme,
        }
    }
}

/// Checks a stage name against the ledger's stages before anything is signed or sent.
fn parse_stage(text: &str) -> std::result::Result<String, String> {
    serde_json::from_value::<ProjectStage>(serde_json::Value::String(text.to_owned()))
        .map(|_| text.to_owned())
        .map_err(|_| format!("{text:?} is not a project stage"))
}

#[derive(Subcommand)]
enum GetCommand {
    /// A project: record, money, procurement, contracts, health, alerts, rejected attempts.
    Project {
        id: String,
        #[command(flatten)]
        key: KeyArg,
    },
    /// A contract: contractor, amounts, payments, milestones.
    Contract {
        id: String,
        #[command(flatten)]
        key: KeyArg,
    },
}

#[derive(Subcommand)]
enum ListCommand {
    /// Projects in id order (a line department sees its own).
    Projects {
        #[command(flatten)]
        filter: ProjectFilterArgs,
        #[command(flatten)]
        paging: PagingArgs,
        #[command(flatten)]
        key: KeyArg,
    },
}

#[derive(Subcommand)]
enum PublicCommand {
    /// Public projects, with the number that match.
    Projects {
        #[command(flatten)]
        filter: ProjectFilterArgs,
        #[command(flatten)]
        paging: PagingArgs,
    },
    /// One public project's disclosed view.
    Project { id: String },
    /// Rectification tasks' disclosed fields (title, department, deadline, status).
    Rectifications {
        /// The responsible department.
        #[arg(long)]
        department: Option<String>,
        #[command(flatten)]
        paging: PagingArgs,
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

#[derive(Subcommand)]
enum AuditCommand {
    /// Poll the node's checkpoint, verify its quorum signatures and that it consistently
    /// extends the last verified one (kept in --state). Any failure prints an ALARM line to
    /// stderr and exits with code 2; an unreachable node is reported and retried.
    Watch {
        /// The genesis file: its validators are the ones whose quorum must sign.
        #[arg(long)]
        genesis: PathBuf,
        /// Directory keeping the last verified checkpoint (created when missing).
        #[arg(long)]
        state: PathBuf,
        /// Time between polls, in milliseconds.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
        interval_ms: u64,
        /// Poll once and exit (for cron jobs).
        #[arg(long, conflicts_with = "max_polls")]
        once: bool,
        /// Stop after this many polls (default: poll until stopped).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        max_polls: Option<u64>,
    },
}

#[derive(Subcommand)]
enum OpCommand {
    /// Print a JSON template of an operation kind, for `gongxin submit --op`.
    Example {
        /// The operation kind, e.g. propose_project (`gongxin op kinds` lists them).
        kind: String,
    },
    /// List the operation kinds.
    Kinds,
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

/// What the node-facing commands share.
struct Session {
    json: bool,
    node: String,
    http_timeout: Duration,
}

impl Session {
    fn client(&self) -> Result<NodeClient> {
        Ok(NodeClient::with_timeout(&self.node, self.http_timeout)?)
    }

    /// What signed reads need: the node, the member's key, and the chain id the node serves
    /// (from `status`, as `submit` does, so a signature is never bound to the wrong chain).
    fn member_reads(&self, key: &Path) -> Result<MemberReads> {
        let file = offline::load_key(key)?;
        let keypair = file
            .keypair()
            .with_context(|| format!("key file {} is not usable", key.display()))?;
        let client = self.client()?;
        let status = client
            .status()
            .context("cannot learn the chain id and node name the reads are signed for")?;
        Ok(MemberReads {
            client,
            keypair,
            chain_id: status.chain_id,
            node: status.node,
        })
    }
}

/// A client, a member's key, the chain id and the node's name: everything a signed read needs.
struct MemberReads {
    client: NodeClient,
    keypair: Keypair,
    chain_id: String,
    node: String,
}

impl MemberReads {
    fn reader(&self) -> Reader<'_> {
        Reader::new(&self.keypair, &self.chain_id, &self.node)
    }
}

/// One page, or with `--all` every page (at most `ALL_PAGES_MAX`, largest pages by default).
fn paged<P: Paged>(
    paging: &PagingArgs,
    mut fetch: impl FnMut(Option<&str>, Option<u32>) -> Result<P, ClientError>,
) -> Result<P> {
    let after = paging.after.as_deref();
    let result = if paging.all {
        let limit = Some(paging.limit.unwrap_or(PAGE_MAX));
        fetch_pages(after, ALL_PAGES_MAX, |after| fetch(after, limit))
    } else {
        fetch(after, paging.limit)
    };
    refused_with_hint(result)
}

/// A read's error, with what to do about it when the gateway's code says.
fn refused_with_hint<T>(result: std::result::Result<T, ClientError>) -> Result<T> {
    result.map_err(|e| {
        let hint = read_hint(&e);
        with_hint(e, hint)
    })
}

/// What to do about a refused read, when the gateway's code says.
fn read_hint(error: &ClientError) -> Option<&'static str> {
    match error.code()? {
        "stale_request" => Some(
            "the signature's time is too far from the node's clock: check this machine's clock",
        ),
        "not_a_member" => {
            Some("the key is not a current member of this chain; use your member key file")
        }
        "bad_signature" => Some(
            "the signature covers the request exactly as sent; something between here and the \
             node (a proxy?) changed it",
        ),
        _ => None,
    }
}

/// `--json`: the record as the node sent it; otherwise its human rendering.
fn print_record(
    json: bool,
    record: &serde_json::Value,
    render: fn(&serde_json::Value) -> String,
) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(record)?);
    } else {
        print!("{}", render(record));
    }
    Ok(())
}

/// `--json`: `{"items": [...], "next": cursor}`; otherwise a table and a count.
fn print_page(
    json: bool,
    page: &Page,
    what: &str,
    render: fn(&[serde_json::Value]) -> String,
) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(page)?);
        return Ok(());
    }
    if !page.items.is_empty() {
        print!("{}", render(&page.items));
    }
    println!(
        "{} {what}{}",
        page.items.len(),
        more_hint(page.next.as_deref())
    );
    Ok(())
}

/// Where a list continues, when it does.
fn more_hint(next: Option<&str>) -> String {
    match next {
        Some(cursor) => format!("; more follow: continue with --after {cursor}"),
        None => String::new(),
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let json = cli.json;
    let cx = Session {
        json,
        node: cli.node,
        http_timeout: Duration::from_millis(cli.http_timeout_ms),
    };
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
        Command::Verify { proof, genesis } => verify(json, &proof, &genesis)?,
        Command::Status => status(&cx)?,
        Command::Submit {
            key,
            op,
            wait,
            wait_timeout_s,
            genesis,
        } => {
            let wait = wait.then(|| Duration::from_secs(wait_timeout_s));
            return submit(&cx, &key, &op, wait, genesis.as_deref());
        }
        Command::Tx { hash, key } => tx(&cx, &parse_tx_hash(&hash)?, key.as_deref())?,
        Command::Proof {
            hash,
            out,
            genesis,
            key,
        } => proof(&cx, &parse_tx_hash(&hash)?, &out, genesis.as_deref(), &key)?,
        Command::Audit {
            command:
                AuditCommand::Watch {
                    genesis,
                    state,
                    interval_ms,
                    once,
                    max_polls,
                },
        } => {
            let polls_max = if once { Some(1) } else { max_polls };
            return audit_watch(
                &cx,
                &genesis,
                &state,
                Duration::from_millis(interval_ms),
                polls_max,
            );
        }
        Command::Op {
            command: OpCommand::Example { kind },
        } => {
            let kind = ops::parse_kind(&kind)?;
            println!("{}", ops::example_json(kind));
            if !json {
                eprintln!(
                    "(a template: replace the placeholder values; document hashes come from \
                     `gongxin hash FILE`, member keys from `gongxin keys show KEYFILE`)"
                );
            }
        }
        Command::Get {
            command: GetCommand::Project { id, key },
        } => {
            let reads = cx.member_reads(&key.key)?;
            let view = refused_with_hint(reads.client.project(&reads.reader(), &id))?;
            print_record(json, &view, display::project_view)?;
        }
        Command::Get {
            command: GetCommand::Contract { id, key },
        } => {
            let reads = cx.member_reads(&key.key)?;
            let contract = refused_with_hint(reads.client.contract(&reads.reader(), &id))?;
            print_record(json, &contract, display::contract)?;
        }
        Command::List {
            command:
                ListCommand::Projects {
                    filter,
                    paging,
                    key,
                },
        } => {
            let reads = cx.member_reads(&key.key)?;
            let filter = filter.filter();
            let page = paged(&paging, |after, limit| {
                reads
                    .client
                    .projects(&reads.reader(), &filter, after, limit)
            })?;
            print_page(json, &page, "projects", display::projects_table)?;
        }
        Command::History {
            project,
            paging,
            key,
        } => {
            let reads = cx.member_reads(&key.key)?;
            let page = paged(&paging, |after, limit| {
                reads
                    .client
                    .project_history(&reads.reader(), &project, after, limit)
            })?;
            print_page(json, &page, "history entries", display::history_table)?;
        }
        Command::Alerts {
            project,
            paging,
            key,
        } => {
            let reads = cx.member_reads(&key.key)?;
            let page = paged(&paging, |after, limit| {
                reads
                    .client
                    .project_alerts(&reads.reader(), &project, after, limit)
            })?;
            print_page(json, &page, "alerts", display::alerts_table)?;
        }
        Command::Rectifications {
            status,
            overdue,
            department,
            project,
            paging,
            key,
        } => {
            let reads = cx.member_reads(&key.key)?;
            let filter = RectificationFilter {
                status,
                department,
                project,
                overdue,
            };
            let page = paged(&paging, |after, limit| {
                reads
                    .client
                    .rectifications(&reads.reader(), &filter, after, limit)
            })?;
            print_page(
                json,
                &page,
                "rectification tasks",
                display::rectifications_table,
            )?;
        }
        Command::Approvals {
            department,
            paging,
            key,
        } => {
            let reads = cx.member_reads(&key.key)?;
            let page = paged(&paging, |after, limit| {
                reads
                    .client
                    .department_approvals(&reads.reader(), &department, after, limit)
            })?;
            print_page(json, &page, "requests waiting", display::approvals_table)?;
        }
        Command::Public {
            command: PublicCommand::Projects { filter, paging },
        } => {
            let client = cx.client()?;
            let filter = filter.filter();
            let projects = paged(&paging, |after, limit| {
                client.public_projects(&filter, after, limit)
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&projects)?);
            } else {
                print!("{}", display::projects_table(&projects.projects));
                println!(
                    "{} of {} public projects{}",
                    projects.projects.len(),
                    projects.total,
                    more_hint(projects.next.as_deref())
                );
            }
        }
        Command::Public {
            command: PublicCommand::Project { id },
        } => {
            let project = cx.client()?.public_project(&id)?;
            print_record(json, &project, display::public_project)?;
        }
        Command::Public {
            command: PublicCommand::Rectifications { department, paging },
        } => {
            let client = cx.client()?;
            let page = paged(&paging, |after, limit| {
                client.public_rectifications(department.as_deref(), after, limit)
            })?;
            print_page(
                json,
                &page,
                "rectification tasks",
                display::rectifications_table,
            )?;
        }
        Command::AccessLog { command } => return access_log(&cx, command),
        Command::Op {
            command: OpCommand::Kinds,
        } => {
            let names = ops::kind_names();
            if json {
                println!("{}", serde_json::json!(names));
            } else {
                for name in names {
                    println!("{name}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn access_log(cx: &Session, command: AccessLogCommand) -> Result<ExitCode> {
    match command {
        AccessLogCommand::Show {
            from,
            to,
            limit,
            key,
        } => {
            let reads = cx.member_reads(&key.key)?;
            let page = refused_with_hint(reads.client.access_log_page(
                &reads.reader(),
                from,
                to,
                limit,
            ))?;
            if cx.json {
                println!("{}", serde_json::to_string_pretty(&page)?);
            } else {
                print!("{}", display::access_log_table(&page.records));
                let more = page
                    .next
                    .map(|n| format!("; more follow: continue with --from {n}"))
                    .unwrap_or_default();
                println!(
                    "{} records of {} (kept from {}, {} written){more}",
                    page.records.len(),
                    page.node,
                    page.start.count,
                    page.flushed.count
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AccessLogCommand::Verify { anchors_from, key } => {
            let reads = cx.member_reads(&key.key)?;
            // Anchors first: every anchor then covers records the log already holds.
            let anchors = match anchors_from {
                None => reads
                    .client
                    .all_access_log_anchors(&reads.reader(), &reads.node)?,
                Some(url) => {
                    let other = Session {
                        json: cx.json,
                        node: url,
                        http_timeout: cx.http_timeout,
                    }
                    .member_reads(&key.key)?;
                    other
                        .client
                        .all_access_log_anchors(&other.reader(), &reads.node)?
                }
            };
            let points: Vec<_> = anchors.iter().map(|a| a.point).collect();
            match access_log::verify_log(&reads.client, &reads.reader(), &points) {
                Ok((node, report)) => {
                    if cx.json {
                        println!(
                            "{}",
                            serde_json::json!({"node": node, "verified": true, "report": report})
                        );
                    } else {
                        println!(
                            "operation log of {node}: records {}..{} verify; {} anchors matched, {} records not yet anchored",
                            report.start.count,
                            report.end.count,
                            report.anchors_matched,
                            report.unanchored
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(access_log::VerifyError::Broken { node, source }) => {
                    if cx.json {
                        println!(
                            "{}",
                            serde_json::json!({"node": node, "verified": false, "break": source.to_string()})
                        );
                    }
                    eprintln!("ALARM: the operation log of {node} does not verify: {source}");
                    Ok(ExitCode::from(EXIT_ALARM))
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}

fn parse_tx_hash(text: &str) -> Result<Hash> {
    Hash::from_hex(text.trim()).with_context(|| format!("{text:?} is not a transaction hash"))
}

fn verify(json: bool, proof: &Path, genesis: &Path) -> Result<()> {
    let report = offline::verify_proof_file(proof, genesis)?;
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
        println!("  outcome: {}", describe_outcome(&report.outcome));
    }
    Ok(())
}

fn describe_outcome(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Applied => "applied".to_owned(),
        Outcome::Rejected { code, reason } => format!("rejected ({code}): {reason}"),
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn status(cx: &Session) -> Result<()> {
    let client = cx.client()?;
    let status = client.status()?;
    if cx.json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(());
    }
    let age_s = now_ms().saturating_sub(status.last_block_time_ms) / 1000;
    println!("node     {} at {}", status.node, client.base_url());
    println!(
        "chain    {} (genesis {})",
        status.chain_id, status.genesis_hash
    );
    println!(
        "height   {} (last block {}, {age_s} s ago)",
        status.height, status.last_block_hash
    );
    println!(
        "log      {} entries, root {}",
        status.log_size, status.log_root
    );
    println!(
        "mempool  {} transactions, {} bytes",
        status.mempool_txs, status.mempool_bytes
    );
    println!("uptime   {} s", status.uptime_s);
    Ok(())
}

fn submit(
    cx: &Session,
    key: &Path,
    op: &Path,
    wait: Option<Duration>,
    genesis: Option<&Path>,
) -> Result<ExitCode> {
    let key = offline::load_key(key)?;
    let operation = ops::load_operation(op)?;
    let client = cx.client()?;
    let status = client
        .status()
        .context("cannot learn the chain id and height")?;
    if let Some(path) = genesis {
        let genesis = offline::load_genesis(path)?;
        if genesis.chain_id != status.chain_id || genesis.hash() != status.genesis_hash {
            bail!(
                "the node at {} serves chain {:?} (genesis {}), but {} is chain {:?} (genesis {}): \
                 nothing was signed",
                client.base_url(),
                status.chain_id,
                status.genesis_hash,
                path.display(),
                genesis.chain_id,
                genesis.hash()
            );
        }
    }
    let builder = TxBuilder::from_key_file(status.chain_id.clone(), &key)
        .with_context(|| format!("key file {:?} is not usable", key.name))?;
    let tx = builder.build(operation, status.height)?;
    let hash = tx.hash();
    let submitted = client.submit_with_retry(&tx, SUBMIT_RETRIES_MAX)?;
    let Some(timeout) = wait else {
        if cx.json {
            println!("{}", serde_json::to_string_pretty(&submitted)?);
        } else {
            println!(
                "submitted {hash} ({} as {}): pending",
                tx.body.operation.kind().as_str(),
                key.name
            );
            println!("`gongxin tx {hash}` shows when it is committed");
        }
        return Ok(ExitCode::SUCCESS);
    };
    if !cx.json {
        println!(
            "submitted {hash} ({} as {}); waiting for it to be committed…",
            tx.body.operation.kind().as_str(),
            key.name
        );
    }
    // The submitter's own transaction is always theirs to read: sign the status reads, so a
    // rejection comes with its reason.
    let keypair = key
        .keypair()
        .with_context(|| format!("key file {:?} is not usable", key.name))?;
    let reader = Reader::new(&keypair, &status.chain_id, &status.node);
    let committed = client.wait_committed(Some(&reader), &hash, timeout, DEFAULT_POLL_INTERVAL)?;
    print_committed(cx.json, &committed)?;
    Ok(outcome_exit_code(&committed.outcome))
}

fn outcome_exit_code(outcome: &TxOutcome) -> ExitCode {
    match outcome {
        TxOutcome::Applied => ExitCode::SUCCESS,
        TxOutcome::Rejected { .. } => ExitCode::from(EXIT_REJECTED),
    }
}

fn describe_tx_outcome(outcome: &TxOutcome) -> String {
    match outcome {
        TxOutcome::Applied => "applied".to_owned(),
        TxOutcome::Rejected {
            code: Some(code),
            reason: Some(reason),
        } => format!("rejected ({code}): {reason}"),
        TxOutcome::Rejected { .. } => {
            "rejected (the reason is a signed read: add --key of a member who may see it)"
                .to_owned()
        }
    }
}

fn print_committed(json: bool, committed: &CommittedTx) -> Result<()> {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&TxStatus::Committed(committed.clone()))?
        );
    } else {
        println!(
            "committed {} at height {} (log entry {}): {}",
            committed.tx_hash,
            committed.height,
            committed.log_index,
            describe_tx_outcome(&committed.outcome)
        );
    }
    Ok(())
}

fn tx(cx: &Session, hash: &Hash, key: Option<&Path>) -> Result<()> {
    let reads = key.map(|key| cx.member_reads(key)).transpose()?;
    let client = cx.client()?;
    let reader = reads.as_ref().map(MemberReads::reader);
    let status = client.tx_status_as(reader.as_ref(), hash).map_err(|e| {
        let hint = match e.code() {
            Some("unknown_tx") => Some(
                "it was never submitted to this node, or expired before it was committed; \
                 build and submit it again",
            ),
            _ => None,
        };
        with_hint(e, hint)
    })?;
    match status {
        TxStatus::Committed(committed) => print_committed(cx.json, &committed)?,
        TxStatus::Pending { .. } if cx.json => {
            println!("{}", serde_json::to_string_pretty(&status)?)
        }
        TxStatus::Pending { tx_hash } => {
            println!("{tx_hash}: pending in the node's mempool, not yet in a block")
        }
    }
    Ok(())
}

/// The error, followed by what to do about it when we know.
fn with_hint(error: ClientError, hint: Option<&str>) -> anyhow::Error {
    match hint {
        Some(hint) => anyhow::anyhow!("{error}\n  hint: {hint}"),
        None => error.into(),
    }
}

fn proof(cx: &Session, hash: &Hash, out: &Path, genesis: Option<&Path>, key: &Path) -> Result<()> {
    let genesis = genesis.map(offline::load_genesis).transpose()?;
    let reads = cx.member_reads(key)?;
    let client = &reads.client;
    // Checkpoint first, then the proof for exactly its size, so the pair always matches even
    // while new blocks are committed in between.
    let fetched = client.checkpoint()?;
    let tree_size = fetched.checkpoint.checkpoint.tree_size;
    let inclusion = client
        .inclusion_proof(&reads.reader(), hash, Some(tree_size))
        .map_err(|e| {
        let hint = match e.code() {
            Some("unknown_tx" | "not_readable") => Some(format!(
                "transaction {hash} is not committed (yet?); `gongxin tx {hash}` shows its status"
            )),
            Some("not_in_tree") => Some(format!(
                "transaction {hash} was committed after the latest checkpoint (size \
                 {tree_size}); try again after the next block"
            )),
            _ => None,
        };
        with_hint(e, hint.as_deref())
    })?;
    let bundle = ProofBundle {
        tx_hash: *hash,
        proof: inclusion,
        checkpoint: fetched.note,
    };
    let signers = match &genesis {
        Some(genesis) => Some(
            verify_bundle(genesis, &bundle)
                .context("PROOF REJECTED: the node served a proof that does not verify; not saved")?
                .signers,
        ),
        None => None,
    };
    let text = serde_json::to_string_pretty(&bundle)?;
    offline::write_atomic(out, text.as_bytes())
        .with_context(|| format!("cannot write {}", out.display()))?;
    let root = fetched.checkpoint.checkpoint.root;
    if cx.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "file": out,
                "tx_hash": hash,
                "leaf_index": bundle.proof.leaf_index,
                "tree_size": tree_size,
                "root": root,
                "verified_signers": signers,
            }))?
        );
    } else {
        println!(
            "wrote {}: transaction {hash} is entry {} of the log of size {tree_size} (root {root})",
            out.display(),
            bundle.proof.leaf_index
        );
        match signers {
            Some(signers) => println!(
                "  verified against the genesis: signed by {}",
                signers.join(", ")
            ),
            None => println!(
                "  verify it offline: gongxin verify {} --genesis GENESIS",
                out.display()
            ),
        }
    }
    Ok(())
}

/// An error and its causes on one line, as `anyhow`'s `{:#}` prints them.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn print_poll(json: bool, report: &PollReport) {
    if json {
        println!(
            "{}",
            serde_json::json!({"event": "verified", "poll": report})
        );
        return;
    }
    let signers = report.signers.join(", ");
    match report.kind {
        PollKind::FirstUse => println!(
            "trusting on first use: checkpoint of size {} root {}, signed by {signers}",
            report.tree_size, report.root
        ),
        PollKind::Unchanged => println!(
            "ok: checkpoint unchanged at size {} root {}",
            report.tree_size, report.root
        ),
        PollKind::Extended => println!(
            "ok: checkpoint of size {} root {} consistently extends size {}, signed by {signers}",
            report.tree_size,
            report.root,
            report.previous_size.unwrap_or_default()
        ),
    }
}

fn audit_watch(
    cx: &Session,
    genesis: &Path,
    state: &Path,
    interval: Duration,
    polls_max: Option<u64>,
) -> Result<ExitCode> {
    let genesis = offline::load_genesis(genesis)?;
    let chain = genesis.chain_id.clone();
    let client = cx.client()?;
    let node = client.base_url().to_owned();
    let mut watcher = Watcher::new(client, genesis, StateDir::open(state)?)?;
    if !cx.json {
        match watcher.trusted() {
            Some(t) => println!(
                "watching {node} (chain {chain}); last verified checkpoint: size {} root {}",
                t.checkpoint.checkpoint.tree_size, t.checkpoint.checkpoint.root
            ),
            None => println!(
                "watching {node} (chain {chain}); {} holds no checkpoint yet: the first one is \
                 trusted on first use",
                state.display()
            ),
        }
    }
    let mut polls: u64 = 0;
    loop {
        polls += 1;
        let last_poll = polls_max.is_some_and(|max| polls >= max);
        match watcher.poll() {
            Ok(report) => print_poll(cx.json, &report),
            Err(PollError::Alarm(alarm)) => {
                let evidence = watcher.state().record_alarm(&alarm);
                if cx.json {
                    eprintln!(
                        "{}",
                        serde_json::json!({
                            "event": "alarm",
                            "kind": alarm.kind,
                            "reason": alarm.reason,
                            "node": alarm.node,
                            "evidence": evidence.as_ref().ok(),
                        })
                    );
                } else {
                    eprintln!("ALARM: {} ({node})", alarm.reason);
                }
                match evidence {
                    Ok(path) if !cx.json => eprintln!("  evidence saved to {}", path.display()),
                    Ok(_) => {}
                    Err(e) => eprintln!("  the evidence could not be saved: {}", error_chain(&e)),
                }
                return Ok(ExitCode::from(EXIT_ALARM));
            }
            Err(PollError::Unreachable(e)) => {
                let retry = if last_poll {
                    String::new()
                } else {
                    format!("; retrying in {} ms", interval.as_millis())
                };
                if cx.json {
                    eprintln!(
                        "{}",
                        serde_json::json!({"event": "unreachable", "error": error_chain(&e)})
                    );
                } else {
                    eprintln!("warning: poll {polls} failed: {}{retry}", error_chain(&e));
                }
                if last_poll {
                    bail!(
                        "the last poll could not check the node's checkpoint (no alarm: nothing \
                         was presented that fails verification)"
                    );
                }
            }
            Err(PollError::State(e)) => return Err(e.into()),
        }
        if last_poll {
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(interval);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let node = cli.node.clone();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            if json {
                let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
                eprintln!(
                    "{}",
                    serde_json::json!({"error": chain.first(), "causes": &chain[1..]})
                );
            } else {
                eprintln!("error: {error:#}");
                let unreachable = error.chain().any(|cause| {
                    matches!(
                        cause.downcast_ref::<ClientError>(),
                        Some(ClientError::Transport { .. })
                    )
                });
                if unreachable {
                    eprintln!(
                        "  hint: the node is chosen with --node URL or GONGXIN_NODE (now {node})"
                    );
                }
            }
            ExitCode::FAILURE
        }
    }
}
