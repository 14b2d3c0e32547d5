//! `access-log show` and `access-log verify`: the node's operation log (操作日志), and its SM3
//! chain checked against the anchors on the ledger (a break is an ALARM, exit code 2).

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use gongxin_client::{access_log, display};

use super::EXIT_ALARM;
use super::output::{JsonWith, say_err};
use super::session::{KeyArg, Session, refused_with_hint};

#[derive(Subcommand)]
pub(super) enum AccessLogCommand {
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

pub(super) fn run(cx: &Session, command: AccessLogCommand) -> Result<ExitCode> {
    match command {
        AccessLogCommand::Show {
            from,
            to,
            limit,
            key,
        } => show(cx, from, to, limit, &key),
        AccessLogCommand::Verify { anchors_from, key } => verify(cx, anchors_from, &key),
    }
}

fn show(
    cx: &Session,
    from: Option<u64>,
    to: Option<u64>,
    limit: Option<u32>,
    key: &KeyArg,
) -> Result<ExitCode> {
    let reads = cx.member_reads(&key.key)?;
    let page = refused_with_hint(
        reads
            .client
            .access_log_page(&reads.reader(), from, to, limit),
    )?;
    cx.output.emit(&page, |page| {
        let mut text = display::access_log_table(&page.records);
        let more = page
            .next
            .map(|n| format!("; more follow: continue with --from {n}"))
            .unwrap_or_default();
        text.push_str(&format!(
            "{} records of {} (kept from {}, {} written){more}\n",
            page.records.len(),
            page.node,
            page.start.count,
            page.flushed.count
        ));
        text
    })?;
    Ok(ExitCode::SUCCESS)
}

fn verify(cx: &Session, anchors_from: Option<String>, key: &KeyArg) -> Result<ExitCode> {
    let reads = cx.member_reads(&key.key)?;
    // Anchors first: every anchor then covers records the log already holds.
    let anchors = match anchors_from {
        None => reads
            .client
            .all_access_log_anchors(&reads.reader(), &reads.node)?,
        Some(url) => {
            let other = Session {
                output: cx.output,
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
            cx.output.emit_line(
                &JsonWith(|| serde_json::json!({"node": node, "verified": true, "report": report})),
                |_| {
                    format!(
                        "operation log of {node}: records {}..{} verify; {} anchors matched, {} records not yet anchored\n",
                        report.start.count,
                        report.end.count,
                        report.anchors_matched,
                        report.unanchored
                    )
                },
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(access_log::VerifyError::Broken { node, source }) => {
            // The break is an answer on stdout for machines; the ALARM line goes to stderr in
            // both modes.
            cx.output.emit_line(
                &JsonWith(|| {
                    serde_json::json!({"node": node, "verified": false, "break": source.to_string()})
                }),
                |_| String::new(),
            )?;
            say_err(&format!(
                "ALARM: the operation log of {node} does not verify: {source}\n"
            ));
            Ok(ExitCode::from(EXIT_ALARM))
        }
        Err(e) => Err(e.into()),
    }
}
