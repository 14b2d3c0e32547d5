//! `gongxin credit check`: asks a credit registry about a contractor (the adapter is the
//! `--registry` file, see `gongxin_client::credit`), saves the answer byte for byte, and records
//! its SM3 hash with the verdict on the ledger (`record_credit_check`), signed with your key.
//! Nothing is recorded when the registry does not answer, answers an error, or answers
//! something the adapter's mapping does not fit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use gongxin_client::credit::{ANSWER_BYTES_MAX, RegistryConfig};
use gongxin_client::http::{DEFAULT_POLL_INTERVAL, TxOutcome};
use gongxin_client::offline;
use gongxin_client::records::Reader;
use gongxin_client::txbuilder::TxBuilder;
use gongxin_core::Hash;
use gongxin_core::model::credit_code::credit_code_problem;
use gongxin_core::model::{CreditCheck, CreditVerdict, Operation, Party};
use serde::Serialize;

use super::session::Session;

/// Committed, but the rules rejected it.
const EXIT_REJECTED: u8 = 3;
/// Recorded: the registry lists the party.
const EXIT_LISTED: u8 = 4;

pub(super) struct CheckArgs {
    pub project: String,
    pub name: String,
    pub credit_code: String,
    pub registry: PathBuf,
    pub evidence_dir: PathBuf,
    pub wait: Duration,
    pub key: PathBuf,
}

#[derive(Serialize)]
struct Checked {
    project: String,
    party: Party,
    registry: String,
    verdict: CreditVerdict,
    listed_on: Vec<String>,
    summary: String,
    result_hash: Hash,
    evidence_file: String,
    tx: Hash,
    height: u64,
    outcome: TxOutcome,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The registry's answer: its bytes as received.
fn ask(config: &RegistryConfig, party: &Party) -> Result<Vec<u8>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_millis(config.timeout_ms)))
        .http_status_as_error(false)
        .user_agent(concat!("gongxin-client/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut request = agent.get(&config.url);
    for (name, value) in config.query_for(party) {
        request = request.query(name, value);
    }
    for (name, value) in &config.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let mut response = request.call().with_context(|| {
        format!(
            "the registry {} did not answer; nothing was recorded",
            config.url
        )
    })?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(ANSWER_BYTES_MAX)
        .read_to_vec()
        .with_context(|| {
            format!("reading the registry's answer (at most {ANSWER_BYTES_MAX} bytes)")
        })?;
    if !(200..300).contains(&status) {
        let start: String = String::from_utf8_lossy(&body).chars().take(200).collect();
        bail!("the registry answered HTTP {status} ({start}); nothing was recorded");
    }
    Ok(body)
}

fn evidence_path(dir: &Path, project: &str, code: &str, checked_ms: u64) -> PathBuf {
    dir.join(format!("credit-{project}-{code}-{checked_ms}.json"))
}

pub(super) fn check(cx: &Session, args: &CheckArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.registry)
        .with_context(|| format!("cannot read {}", args.registry.display()))?;
    let config = RegistryConfig::from_json(&text)
        .with_context(|| format!("{} is not a usable registry file", args.registry.display()))?;
    let code = args.credit_code.trim().to_uppercase();
    if let Some(problem) = credit_code_problem(&code) {
        bail!("{code:?} is not a 统一社会信用代码: {problem}; nothing was asked");
    }
    let party = Party {
        name: args.name.trim().to_owned(),
        credit_code: code,
    };
    let key = offline::load_key(&args.key)?;
    let keypair = key
        .keypair()
        .with_context(|| format!("key file {:?} is not usable", key.name))?;
    // The node first: a check that cannot be recorded is not worth asking.
    let client = cx.client()?;
    let status = client
        .status()
        .context("cannot learn the chain id and height")?;

    let answer = ask(&config, &party)?;
    let checked_ms = now_ms();
    let judgement = config
        .judge(&party, &answer)
        .context("nothing was recorded")?;
    let result_hash = Hash::digest(&answer);
    std::fs::create_dir_all(&args.evidence_dir)
        .with_context(|| format!("cannot create {}", args.evidence_dir.display()))?;
    let evidence = evidence_path(
        &args.evidence_dir,
        &args.project,
        &party.credit_code,
        checked_ms,
    );
    std::fs::write(&evidence, &answer)
        .with_context(|| format!("cannot save the answer as {}", evidence.display()))?;

    let operation = Operation::RecordCreditCheck(CreditCheck {
        project: args.project.clone(),
        party: party.clone(),
        registry: config.name.clone(),
        verdict: judgement.verdict,
        result_hash,
        checked_ms,
        summary: judgement.summary.clone(),
    });
    let builder = TxBuilder::from_key_file(status.chain_id.clone(), &key)
        .with_context(|| format!("key file {:?} is not usable", key.name))?;
    let tx = builder.build(operation, status.height)?;
    let hash = tx.hash();
    client.submit_with_retry(&tx, 5)?;
    let reader = Reader::new(&keypair, &status.chain_id, &status.node);
    let committed =
        client.wait_committed(Some(&reader), &hash, args.wait, DEFAULT_POLL_INTERVAL)?;
    let checked = Checked {
        project: args.project.clone(),
        party,
        registry: config.name.clone(),
        verdict: judgement.verdict,
        listed_on: judgement.listed_on,
        summary: judgement.summary,
        result_hash,
        evidence_file: evidence.display().to_string(),
        tx: hash,
        height: committed.height,
        outcome: committed.outcome.clone(),
    };
    cx.output.emit(&checked, |c| {
        let verdict = match c.verdict {
            CreditVerdict::Clear => "未列入失信名单 (clear)",
            CreditVerdict::Listed => "已列入失信名单 (listed)",
        };
        let outcome = match &c.outcome {
            TxOutcome::Applied => "recorded".to_owned(),
            TxOutcome::Rejected { code, reason } => format!(
                "rejected ({}): {}",
                code.as_deref().unwrap_or("?"),
                reason.as_deref().unwrap_or("")
            ),
        };
        format!(
            "信用核查 {} ({}) at {}: {verdict} — {}\nanswer saved as {} (SM3 {})\ntx {} at height {}: {outcome}\n",
            c.party.name,
            c.party.credit_code,
            c.registry,
            c.summary,
            c.evidence_file,
            c.result_hash,
            c.tx,
            c.height
        )
    })?;
    Ok(match (&committed.outcome, judgement.verdict) {
        (TxOutcome::Rejected { .. }, _) => ExitCode::from(EXIT_REJECTED),
        (TxOutcome::Applied, CreditVerdict::Listed) => ExitCode::from(EXIT_LISTED),
        (TxOutcome::Applied, CreditVerdict::Clear) => ExitCode::SUCCESS,
    })
}
