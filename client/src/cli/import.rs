//! `gongxin import budget|procurement FILE --key KEY`: signs one operation per group of rows
//! (see `gongxin_client::import`), submits them in batches and waits for their outcomes, with a
//! progress line. A journal beside the file (`FILE.journal`, JSON lines) records each
//! transaction before it is sent and each outcome once known, so an import stopped in any way —
//! `kill -9` included — resumes where it was: a group already decided is skipped, one sent but
//! undecided is sent again as the very same transaction (its nonce comes from the file and the
//! group, its expiry from the journal), which the node takes at most once. Rows that do not
//! parse and groups the rules reject go to `FILE.rejected.csv` with their reason; the exit
//! status is then 3.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use gongxin_client::http::{ClientError, TxOutcome};
use gongxin_client::import::{self, BadRow, Group, Kind};
use gongxin_client::offline;
use gongxin_client::records::Reader;
use gongxin_client::txbuilder::TxBuilder;
use gongxin_core::Hash;
use gongxin_core::tx::SignedTx;
use serde::{Deserialize, Serialize};

use super::session::Session;

/// Blocks an import's transactions stay valid (a resumed import within them re-sends the same
/// bytes; after them, it re-signs what was never committed).
const VALID_FOR_BLOCKS: u64 = 2_000;
/// Exit status when rows or groups were not imported.
const EXIT_PARTIAL: u8 = 3;

/// One journal line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Line {
    Header {
        file: Hash,
        signer: String,
        chain: String,
    },
    Signed {
        group: String,
        tx: Hash,
        valid_until: u64,
    },
    Decided {
        group: String,
        applied: bool,
        #[serde(default)]
        reason: String,
    },
}

/// What the journal says so far.
#[derive(Default)]
struct Journal {
    signed: BTreeMap<String, (Hash, u64)>,
    decided: BTreeMap<String, (bool, String)>,
}

fn read_journal(path: &Path, header: &Line) -> Result<Journal> {
    let mut journal = Journal::default();
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(journal);
    };
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or_default();
    if first != serde_json::to_string(header)? {
        bail!(
            "{} belongs to another file, key or chain; remove it to start this import afresh",
            path.display()
        );
    }
    for line in lines {
        // A line cut by a crash is the last one: what it would have said is redone.
        match serde_json::from_str::<Line>(line) {
            Ok(Line::Signed {
                group,
                tx,
                valid_until,
            }) => {
                journal.signed.insert(group, (tx, valid_until));
            }
            Ok(Line::Decided {
                group,
                applied,
                reason,
            }) => {
                journal.decided.insert(group, (applied, reason));
            }
            _ => {}
        }
    }
    Ok(journal)
}

struct Writer {
    file: std::fs::File,
}

impl Writer {
    fn append(&mut self, line: &Line) -> Result<()> {
        let mut text = serde_json::to_string(line)?;
        text.push('\n');
        self.file.write_all(text.as_bytes())?;
        self.file.sync_data()?;
        Ok(())
    }
}

fn sidecar(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn progress(done: usize, total: usize, started: Instant) {
    let pct = (done * 100).checked_div(total).unwrap_or(100);
    eprint!(
        "\rimporting: {done}/{total} groups ({pct}%), {} s",
        started.elapsed().as_secs()
    );
}

pub(super) struct Options {
    pub batch: usize,
    /// Groups sent per second at most (0: as fast as the node takes them).
    pub rate: u32,
    pub wait: Duration,
}

pub(super) fn run(
    cx: &Session,
    kind: Kind,
    file: &Path,
    key_path: &Path,
    options: &Options,
) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = String::from_utf8(bytes.clone()).with_context(|| {
        format!(
            "{} is not UTF-8 text (save it as CSV UTF-8)",
            file.display()
        )
    })?;
    let file_hash = Hash::digest(&bytes);
    let (groups, bad) =
        import::plan(kind, &text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;

    let key = offline::load_key(key_path)?;
    let keypair = key.keypair().context("the key file is not usable")?;
    let client = cx.client()?;
    let status = client
        .status()
        .context("cannot learn the chain id and height")?;
    let builder = TxBuilder::from_key_file(status.chain_id.clone(), &key)?
        .valid_for_blocks(VALID_FOR_BLOCKS)?;
    let reader = Reader::new(&keypair, &status.chain_id, &status.node);

    let header = Line::Header {
        file: file_hash,
        signer: keypair.public_key().to_string(),
        chain: status.chain_id.clone(),
    };
    let journal_path = sidecar(file, ".journal");
    // A crash can leave the journal empty (before its header) or its last line cut short.
    let existing = std::fs::read(&journal_path).unwrap_or_default();
    let fresh = existing.iter().all(u8::is_ascii_whitespace);
    let journal = if fresh {
        Journal::default()
    } else {
        read_journal(&journal_path, &header)?
    };
    let mut writer = Writer {
        file: OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal_path)
            .with_context(|| format!("cannot write {}", journal_path.display()))?,
    };
    if fresh {
        writer.file.set_len(0)?;
        writer.append(&header)?;
    } else if existing.last() != Some(&b'\n') {
        // End the cut line, so the next one is read on its own (the cut one is ignored).
        writer.file.write_all(b"\n")?;
    }

    let started = Instant::now();
    let total = groups.len();
    let mut decided = journal.decided;
    let mut in_flight: Vec<(&Group, Hash)> = Vec::new();
    let mut height = status.height;
    let mut sent_in_window = 0u32;
    let mut window = Instant::now();
    for group in &groups {
        if decided.contains_key(&group.key) {
            continue;
        }
        let tx = sign(
            &builder,
            &client,
            &reader,
            group,
            &file_hash,
            &journal.signed,
            height,
        );
        let tx = match tx {
            // A group that cannot be signed (too large for one transaction) is not imported.
            Err(e) => Signing::Decided(false, format!("not signed: {e:#}")),
            Ok(tx) => tx,
        };
        let tx = match tx {
            Signing::Decided(applied, reason) => {
                writer.append(&Line::Decided {
                    group: group.key.clone(),
                    applied,
                    reason: reason.clone(),
                })?;
                decided.insert(group.key.clone(), (applied, reason));
                continue;
            }
            Signing::Send(tx, valid_until) => {
                writer.append(&Line::Signed {
                    group: group.key.clone(),
                    tx: tx.hash(),
                    valid_until,
                })?;
                tx
            }
        };
        send(&client, &tx)?;
        in_flight.push((group, tx.hash()));
        if options.rate > 0 {
            sent_in_window += 1;
            if sent_in_window >= options.rate {
                let left = Duration::from_secs(1).saturating_sub(window.elapsed());
                std::thread::sleep(left);
                sent_in_window = 0;
                window = Instant::now();
            }
        }
        if in_flight.len() >= options.batch {
            settle(
                &client,
                &reader,
                &mut in_flight,
                &mut writer,
                &mut decided,
                options.wait,
            )?;
            progress(decided.len(), total, started);
            // A long import signs the next batch against the chain as it is now.
            if let Ok(now) = client.status() {
                height = now.height;
            }
        }
    }
    settle(
        &client,
        &reader,
        &mut in_flight,
        &mut writer,
        &mut decided,
        options.wait,
    )?;
    progress(decided.len(), total, started);
    eprintln!();

    let rejected: Vec<(&Group, &String)> = groups
        .iter()
        .filter_map(|g| match decided.get(&g.key) {
            Some((false, reason)) => Some((g, reason)),
            _ => None,
        })
        .collect();
    let report = sidecar(file, ".rejected.csv");
    if bad.is_empty() && rejected.is_empty() {
        let _ = std::fs::remove_file(&report);
    } else {
        write_report(&report, &text, &bad, &rejected)?;
    }
    let applied = decided.values().filter(|(ok, _)| *ok).count();
    let summary = serde_json::json!({
        "file": file,
        "groups": total,
        "applied": applied,
        "rejected_by_rules": rejected.len(),
        "rows_refused": bad.len(),
        "report": (!bad.is_empty() || !rejected.is_empty()).then(|| report.clone()),
        "seconds": started.elapsed().as_secs(),
    });
    cx.output.emit(&summary, |_| {
        let mut text = format!(
            "{}: {applied} of {total} operations applied, {} rejected by the rules, {} rows refused\n",
            file.display(),
            rejected.len(),
            bad.len()
        );
        if !bad.is_empty() || !rejected.is_empty() {
            text.push_str(&format!("every one with its reason: {}\n", report.display()));
        }
        text
    })?;
    Ok(if bad.is_empty() && rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PARTIAL)
    })
}

enum Signing {
    /// Already committed (found by a resumed import): applied, and the reason if not.
    Decided(bool, String),
    Send(Box<SignedTx>, u64),
}

/// The transaction of `group`: the one the journal recorded (the same bytes) while it is
/// still valid; its outcome if it was committed meanwhile; a new one otherwise.
fn sign(
    builder: &TxBuilder,
    client: &gongxin_client::http::NodeClient,
    reader: &Reader<'_>,
    group: &Group,
    file: &Hash,
    signed: &BTreeMap<String, (Hash, u64)>,
    height: u64,
) -> Result<Signing> {
    let nonce = import::nonce(file, &group.key);
    if let Some((hash, valid_until)) = signed.get(&group.key) {
        match client.tx_status_as(Some(reader), hash) {
            Ok(gongxin_client::http::TxStatus::Committed(c)) => {
                return Ok(match c.outcome {
                    TxOutcome::Applied => Signing::Decided(true, String::new()),
                    TxOutcome::Rejected { code, reason } => Signing::Decided(
                        false,
                        format!(
                            "{}: {}",
                            code.unwrap_or_default(),
                            reason.unwrap_or_default()
                        ),
                    ),
                });
            }
            _ if *valid_until > height => {
                let tx = builder.build_with_nonce(
                    group.operation.clone(),
                    valid_until - VALID_FOR_BLOCKS,
                    nonce,
                )?;
                if tx.hash() == *hash {
                    return Ok(Signing::Send(Box::new(tx), *valid_until));
                }
            }
            _ => {}
        }
    }
    let tx = builder.build_with_nonce(group.operation.clone(), height, nonce)?;
    Ok(Signing::Send(Box::new(tx), height + VALID_FOR_BLOCKS))
}

/// Sends one transaction; one the node already has (pending or committed) is fine.
fn send(client: &gongxin_client::http::NodeClient, tx: &SignedTx) -> Result<()> {
    match client.submit_with_retry(tx, 10) {
        Ok(_) => Ok(()),
        Err(e) if matches!(e.code(), Some("already_committed" | "already_pending")) => Ok(()),
        Err(ClientError::Transport { .. }) => {
            bail!("the node cannot be reached; run the same command again to resume")
        }
        Err(e) => Err(anyhow::anyhow!(
            "the node refused transaction {}: {e}; nothing after it was sent (run again to resume)",
            tx.hash()
        )),
    }
}

/// Waits for the outcomes of the transactions in flight and journals them.
fn settle(
    client: &gongxin_client::http::NodeClient,
    reader: &Reader<'_>,
    in_flight: &mut Vec<(&Group, Hash)>,
    writer: &mut Writer,
    decided: &mut BTreeMap<String, (bool, String)>,
    wait: Duration,
) -> Result<()> {
    for (group, hash) in in_flight.drain(..) {
        let committed = client
            .wait_committed(Some(reader), &hash, wait, Duration::from_millis(200))
            .with_context(|| {
                format!(
                    "{} was not committed in time; run the same command again to resume",
                    group.key
                )
            })?;
        let (applied, reason) = match committed.outcome {
            TxOutcome::Applied => (true, String::new()),
            TxOutcome::Rejected { code, reason } => (
                false,
                format!(
                    "{}: {}",
                    code.unwrap_or_default(),
                    reason.unwrap_or_default()
                ),
            ),
        };
        writer.append(&Line::Decided {
            group: group.key.clone(),
            applied,
            reason: reason.clone(),
        })?;
        decided.insert(group.key.clone(), (applied, reason));
    }
    Ok(())
}

/// `FILE.rejected.csv`: 行号, 原因, then the original fields of every row not imported.
fn write_report(
    path: &Path,
    text: &str,
    bad: &[BadRow],
    rejected: &[(&Group, &String)],
) -> Result<()> {
    let records = import::parse_csv(text).map_err(|e| anyhow::anyhow!(e))?;
    let by_line: BTreeMap<usize, &Vec<String>> = records.iter().map(|(l, f)| (*l, f)).collect();
    let quote = |f: &str| {
        if f.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", f.replace('"', "\"\""))
        } else {
            f.to_owned()
        }
    };
    let mut rows: Vec<(usize, String)> = bad.iter().map(|b| (b.line, b.reason.clone())).collect();
    for (group, reason) in rejected {
        rows.extend(group.lines.iter().map(|l| (*l, (*reason).clone())));
    }
    rows.sort();
    let header = records.first().map(|(_, h)| h.clone()).unwrap_or_default();
    let mut out = String::from("\u{feff}行号,原因");
    for h in &header {
        out.push(',');
        out.push_str(&quote(h));
    }
    out.push_str("\r\n");
    for (line, reason) in rows {
        out.push_str(&format!("{line},{}", quote(&reason)));
        for f in by_line.get(&line).map(|f| f.as_slice()).unwrap_or_default() {
            out.push(',');
            out.push_str(&quote(f));
        }
        out.push_str("\r\n");
    }
    std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))
}
