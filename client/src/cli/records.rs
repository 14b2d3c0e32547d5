//! Signed reads of internal records — `get`, `list`, `history`, `alerts` (a project's, or the
//! reminders naming the signer or a department), `rectifications`,
//! `approvals` — and the paging, project filters and page printing the public reads share.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use gongxin_client::display;
use gongxin_client::http::ClientError;
use gongxin_client::records::{
    AlertFilter, PAGE_MAX, Page, Paged, ProjectFilter, RectificationFilter, fetch_pages,
};
use gongxin_core::model::ProjectStage;
use serde_json::Value;

use super::output::OutputMode;
use super::session::{KeyArg, MemberReads, Session, refused_with_hint};

/// `--all` reads at most this many pages (100 000 records at 500 a page), so a node whose
/// paging never ends cannot keep the CLI busy forever.
const ALL_PAGES_MAX: usize = 200;

#[derive(Subcommand)]
pub(super) enum GetCommand {
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
pub(super) enum ListCommand {
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

/// Paging of list commands.
#[derive(clap::Args)]
pub(super) struct PagingArgs {
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
pub(super) struct ProjectFilterArgs {
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
    pub(super) fn filter(self) -> ProjectFilter {
        ProjectFilter {
            department: self.department,
            stage: self.stage,
            programme: self.programme,
        }
    }
}

/// Checks a stage name against the ledger's stages before anything is signed or sent.
fn parse_stage(text: &str) -> std::result::Result<String, String> {
    serde_json::from_value::<ProjectStage>(Value::String(text.to_owned()))
        .map(|_| text.to_owned())
        .map_err(|_| format!("{text:?} is not a project stage"))
}

/// `get project` and `get contract`.
pub(super) fn get(cx: &Session, command: GetCommand) -> Result<ExitCode> {
    match command {
        GetCommand::Project { id, key } => {
            let reads = cx.member_reads(&key.key)?;
            let view = refused_with_hint(reads.client.project(&reads.reader(), &id))?;
            cx.output.emit(&view, display::project_view)?;
        }
        GetCommand::Contract { id, key } => {
            let reads = cx.member_reads(&key.key)?;
            let contract = refused_with_hint(reads.client.contract(&reads.reader(), &id))?;
            cx.output.emit(&contract, display::contract)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `list projects`.
pub(super) fn list(cx: &Session, command: ListCommand) -> Result<ExitCode> {
    match command {
        ListCommand::Projects {
            filter,
            paging,
            key,
        } => {
            let filter = filter.filter();
            member_list(
                cx,
                &key,
                &paging,
                "projects",
                display::projects_table,
                |reads, after, limit| {
                    reads
                        .client
                        .projects(&reads.reader(), &filter, after, limit)
                },
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `history PROJECT`.
pub(super) fn history(
    cx: &Session,
    project: &str,
    paging: &PagingArgs,
    key: &KeyArg,
) -> Result<ExitCode> {
    member_list(
        cx,
        key,
        paging,
        "history entries",
        display::history_table,
        |reads, after, limit| {
            reads
                .client
                .project_history(&reads.reader(), project, after, limit)
        },
    )
}

/// `alerts PROJECT`.
pub(super) fn alerts(
    cx: &Session,
    project: &str,
    paging: &PagingArgs,
    key: &KeyArg,
) -> Result<ExitCode> {
    member_list(
        cx,
        key,
        paging,
        "alerts",
        display::alerts_table,
        |reads, after, limit| {
            reads
                .client
                .project_alerts(&reads.reader(), project, after, limit)
        },
    )
}

/// `alerts [--department D] [--kind K,…] [--open]`: the reminders naming the signer, or a
/// department's.
pub(super) fn reminders(
    cx: &Session,
    filter: &AlertFilter,
    paging: &PagingArgs,
    key: &KeyArg,
) -> Result<ExitCode> {
    member_list(
        cx,
        key,
        paging,
        "alerts",
        display::reminders_table,
        |reads, after, limit| reads.client.alerts(&reads.reader(), filter, after, limit),
    )
}

/// `export TABLE --format F --out FILE`: writes the file next to `out` first, then renames it,
/// so a failed download leaves no half file.
pub(super) fn export(
    cx: &Session,
    table: &str,
    format: &str,
    filters: &[(&'static str, Option<&str>)],
    out: &std::path::Path,
    key: &KeyArg,
) -> Result<ExitCode> {
    let reads = cx.member_reads(&key.key)?;
    let bytes = refused_with_hint(reads.client.export(&reads.reader(), table, format, filters))?;
    let partial = out.with_extension("part");
    std::fs::write(&partial, &bytes)
        .and_then(|()| std::fs::rename(&partial, out))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
    cx.output.emit(
        &serde_json::json!({ "table": table, "format": format, "out": out, "bytes": bytes.len() }),
        |_| {
            format!(
                "wrote {} ({} bytes, {table} as {format})\n",
                out.display(),
                bytes.len()
            )
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `rectifications`.
pub(super) fn rectifications(
    cx: &Session,
    filter: &RectificationFilter,
    paging: &PagingArgs,
    key: &KeyArg,
) -> Result<ExitCode> {
    let what = "rectification tasks";
    member_list(
        cx,
        key,
        paging,
        what,
        display::rectifications_table,
        |reads, after, limit| {
            reads
                .client
                .rectifications(&reads.reader(), filter, after, limit)
        },
    )
}

/// `approvals DEPARTMENT`.
pub(super) fn approvals(
    cx: &Session,
    department: &str,
    paging: &PagingArgs,
    key: &KeyArg,
) -> Result<ExitCode> {
    let what = "requests waiting";
    member_list(
        cx,
        key,
        paging,
        what,
        display::approvals_table,
        |reads, after, limit| {
            reads
                .client
                .department_approvals(&reads.reader(), department, after, limit)
        },
    )
}

/// A signed list read with the member's key: one page (or every page) fetched by `fetch`,
/// printed as `what` with `render`. The shape of every member list command.
fn member_list(
    cx: &Session,
    key: &KeyArg,
    paging: &PagingArgs,
    what: &str,
    render: fn(&[Value]) -> String,
    mut fetch: impl FnMut(&MemberReads, Option<&str>, Option<u32>) -> Result<Page, ClientError>,
) -> Result<ExitCode> {
    let reads = cx.member_reads(&key.key)?;
    let page = paged(paging, |after, limit| fetch(&reads, after, limit))?;
    print_page(cx.output, &page, what, render)?;
    Ok(ExitCode::SUCCESS)
}

/// One page, or with `--all` every page (at most `ALL_PAGES_MAX`, largest pages by default).
pub(super) fn paged<P: Paged>(
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

/// `--json`: `{"items": [...], "next": cursor}`; otherwise a table and a count.
pub(super) fn print_page(
    output: OutputMode,
    page: &Page,
    what: &str,
    render: fn(&[Value]) -> String,
) -> Result<()> {
    output.emit(page, |page| {
        let mut text = if page.items.is_empty() {
            String::new()
        } else {
            render(&page.items)
        };
        text.push_str(&format!(
            "{} {what}{}\n",
            page.items.len(),
            more_hint(page.next.as_deref())
        ));
        text
    })
}

/// Where a list continues, when it does.
pub(super) fn more_hint(next: Option<&str>) -> String {
    match next {
        Some(cursor) => format!("; more follow: continue with --after {cursor}"),
        None => String::new(),
    }
}
