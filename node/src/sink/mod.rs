//! The PostgreSQL sink: an optional node component that copies the committed ledger, as its
//! department may read it, into normalised tables for BI tools (FineBI, Superset, Excel over
//! ODBC). Outside consensus: it only reads committed blocks, and a sink that is down, slow or
//! misconfigured never holds the node up.
//!
//! Data flow, one pass (at most `blocks_per_pass` blocks):
//! 1. begin a PostgreSQL transaction and read the sink's cursor (`sink_state.height`,
//!    `FOR UPDATE`, so two sinks writing one database take turns);
//! 2. [`collect::read_blocks`] reads the next blocks: their headers, the log entries the
//!    department may read, the alerts and acknowledgements, and which records changed;
//! 3. [`write::Writer`] inserts the event rows once (keyed by height and position) and upserts
//!    each changed record's latest state;
//! 4. the cursor moves to the last block read and the transaction commits.
//!
//! Rows and cursor commit together, so a crash at any point (of the node or the database)
//! leaves the database at a block boundary, and the next pass continues from it: nothing is
//! lost and nothing is written twice. The tables are documented in `docs/POSTGRES.md`
//! ([`schema`] creates them).
//!
//! Configured in the node's config file:
//! `"postgres_sink": {"url": "postgres://bi@127.0.0.1:5432/gongxin", "schema": "gongxin"}`.
//! The connection is plain TCP (no TLS): point it at a database on the same host or a protected
//! network.

pub mod collect;
pub mod schema;
pub mod write;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use gongxin_contracts::access::ReaderRole;
use gongxin_contracts::records::DepartmentRecord;
use gongxin_contracts::{keys, store};
use gongxin_core::model::Role;
use serde::{Deserialize, Serialize};

use crate::node::Node;

/// The `postgres_sink` section of a node's config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkConfig {
    /// A PostgreSQL connection string: a URL (`postgres://user:password@host:port/db`) or
    /// libpq's `key=value` form.
    pub url: String,
    /// The schema the tables live in (created when missing); a lower-case identifier.
    #[serde(default = "default_schema")]
    pub schema: String,
    /// Blocks written per database transaction.
    #[serde(default = "default_blocks_per_pass")]
    pub blocks_per_pass: u64,
}

fn default_schema() -> String {
    "gongxin".into()
}

fn default_blocks_per_pass() -> u64 {
    200
}

impl SinkConfig {
    /// Checks what can be checked without a server: the schema name, the pass size and that
    /// the connection string parses.
    pub fn check(&self) -> Result<(), SinkError> {
        if !schema::valid_schema_name(&self.schema) {
            return Err(SinkError::Config(format!(
                "postgres_sink.schema {:?} must be a lower-case identifier (a-z, 0-9, _; at most 63)",
                self.schema
            )));
        }
        if !(1..=10_000).contains(&self.blocks_per_pass) {
            return Err(SinkError::Config(format!(
                "postgres_sink.blocks_per_pass must be 1 to 10000, not {}",
                self.blocks_per_pass
            )));
        }
        self.url
            .parse::<postgres::Config>()
            .map_err(|e| SinkError::Config(format!("postgres_sink.url does not parse: {e}")))?;
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("{0}")]
    Config(String),
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("node storage: {0}")]
    Storage(#[from] crate::storage::StorageError),
    #[error("ledger state: {0}")]
    State(#[from] gongxin_contracts::StorageError),
    #[error("ledger: {0}")]
    Ledger(String),
    /// The database was filled from another chain, department or schema version, or from a
    /// ledger whose blocks differ from this node's.
    #[error("{0}")]
    Mismatch(String),
}

/// What one pass wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassReport {
    /// The cursor before and after the pass.
    pub from: u64,
    pub to: u64,
    pub txs: usize,
    pub alerts: usize,
    pub records: usize,
}

/// The reader the sink writes as: the node's own department (every role of a department reads
/// the same).
pub fn department_reader(node: &Node) -> Result<ReaderRole, SinkError> {
    let department = node.own_department().ok_or_else(|| {
        SinkError::Config(format!(
            "node {} is no department's validator, so it has no reader to sink as",
            node.name
        ))
    })?;
    let state = node.reader().state();
    let record: DepartmentRecord = store::get(&state, &keys::department(&department))?
        .ok_or_else(|| SinkError::Ledger(format!("department {department} is not registered")))?;
    Ok(ReaderRole {
        department,
        kind: record.department.kind,
        role: Role::Director,
    })
}

/// A connection to the sink's database, its tables created and checked.
pub struct Connection {
    client: postgres::Client,
    schema: String,
    blocks_per_pass: u64,
    reader: ReaderRole,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("schema", &self.schema)
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Connects, creates the tables when missing, and checks that the database belongs to this
    /// chain, department and schema version and agrees with this node's blocks.
    pub fn open(
        node: &Node,
        config: &SinkConfig,
        reader: ReaderRole,
    ) -> Result<Connection, SinkError> {
        config.check()?;
        let mut client = postgres::Client::connect(&config.url, postgres::NoTls)?;
        client.batch_execute(&schema::ddl(&config.schema))?;
        let mut connection = Connection {
            client,
            schema: config.schema.clone(),
            blocks_per_pass: config.blocks_per_pass,
            reader,
        };
        let mut tx = connection.client.transaction()?;
        check_state(&mut tx, &connection.schema, node, &connection.reader)?;
        tx.commit()?;
        Ok(connection)
    }

    /// The last block written.
    pub fn synced_height(&mut self) -> Result<u64, SinkError> {
        let row = self.client.query_opt(
            &format!("SELECT height FROM {}.sink_state", self.schema),
            &[],
        )?;
        Ok(row.map_or(0, |r| r.get::<_, i64>(0).max(0) as u64))
    }

    /// Writes the next blocks up to the node's tip; `None` when there were none.
    pub fn pass(&mut self, node: &Node) -> Result<Option<PassReport>, SinkError> {
        let schema = self.schema.clone();
        let mut tx = self.client.transaction()?;
        let after = check_state(&mut tx, &schema, node, &self.reader)?;
        let tip = node.tip().height();
        if after >= tip {
            return Ok(None);
        }
        let batch = collect::read_blocks(node, &self.reader, after, tip, self.blocks_per_pass)?;
        let Some(last) = batch.last().cloned() else {
            return Ok(None);
        };
        let state = node.reader().state();
        let writer = write::Writer {
            schema: &schema,
            state: &state,
            reader: &self.reader,
            synced_height: last.height,
        };
        let written = writer.write(&mut tx, &batch)?;
        tx.execute(
            &format!(
                "INSERT INTO {schema}.sink_state (singleton, chain_id, department, schema_version, height, block_hash) \
                 VALUES (true, $1, $2, $3, $4, $5) \
                 ON CONFLICT (singleton) DO UPDATE SET height = EXCLUDED.height, block_hash = EXCLUDED.block_hash, updated_at = now()"
            ),
            &[
                &node.chain_id(),
                &self.reader.department,
                &schema::SCHEMA_VERSION,
                &(last.height as i64),
                &last.hash.to_hex(),
            ],
        )?;
        tx.commit()?;
        Ok(Some(PassReport {
            from: after,
            to: last.height,
            txs: batch.txs.len(),
            alerts: batch.alerts.len(),
            records: written.records,
        }))
    }

    /// Passes until the database holds the node's tip as it was when called.
    pub fn catch_up(&mut self, node: &Node) -> Result<u64, SinkError> {
        let target = node.tip().height();
        loop {
            match self.pass(node)? {
                Some(report) if report.to < target => {}
                _ => return self.synced_height(),
            }
        }
    }
}

/// Locks the sink's row and returns its height (0 for a new database), after checking that the
/// database was filled for this chain and department, by this schema version, with this node's
/// blocks.
fn check_state(
    tx: &mut postgres::Transaction<'_>,
    schema: &str,
    node: &Node,
    reader: &ReaderRole,
) -> Result<u64, SinkError> {
    let Some(row) = tx.query_opt(
        &format!(
            "SELECT chain_id, department, schema_version, height, block_hash FROM {schema}.sink_state FOR UPDATE"
        ),
        &[],
    )?
    else {
        return Ok(0);
    };
    let chain_id: String = row.get(0);
    let department: String = row.get(1);
    let version: i32 = row.get(2);
    let height = row.get::<_, i64>(3).max(0) as u64;
    let block_hash: String = row.get(4);
    if chain_id != node.chain_id() || department != reader.department {
        return Err(SinkError::Mismatch(format!(
            "schema {schema} holds chain {chain_id} as department {department}, not chain {} as {}: use another schema or database",
            node.chain_id(),
            reader.department
        )));
    }
    if version != schema::SCHEMA_VERSION {
        return Err(SinkError::Mismatch(format!(
            "schema {schema} was made by sink schema version {version}; this node writes version {}: drop the schema (it is rebuilt from the ledger) or use another",
            schema::SCHEMA_VERSION
        )));
    }
    let ours = node.reader().header(height)?.map(|h| h.hash().to_hex());
    if ours.as_deref() != Some(block_hash.as_str()) {
        return Err(SinkError::Mismatch(format!(
            "schema {schema} was filled up to block {height} ({block_hash}), which this node's ledger does not have: drop the schema (it is rebuilt from the ledger) or use another"
        )));
    }
    Ok(height)
}

/// How often an idle sink looks for new blocks.
const IDLE_POLL: Duration = Duration::from_millis(500);
/// Waits between reconnection attempts: doubling from the first to the last.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// The running sink: one thread.
#[derive(Debug)]
pub struct Sink {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Sink {
    /// Checks the configuration and starts the sink's thread. A database that is down is not an
    /// error here: the thread retries until it answers.
    pub fn start(node: Arc<Node>, config: SinkConfig) -> anyhow::Result<Sink> {
        config.check()?;
        let reader = department_reader(&node)?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("postgres-sink".into())
                .spawn(move || run(&node, &config, reader, &stop))?
        };
        Ok(Sink { stop, thread })
    }

    /// Asks the thread to stop and waits at most `grace` (an open transaction is rolled back by
    /// the server when the process ends).
    pub fn stop(self, grace: Duration) {
        self.stop.store(true, Ordering::Relaxed);
        let deadline = Instant::now() + grace;
        while !self.thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if self.thread.is_finished() {
            let _ = self.thread.join();
        }
    }
}

/// Sleeps `d` in short steps; false when asked to stop meanwhile.
fn pause(stop: &AtomicBool, d: Duration) -> bool {
    let deadline = Instant::now() + d;
    while Instant::now() < deadline {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50).min(d));
    }
    !stop.load(Ordering::Relaxed)
}

/// Connects and follows the chain until asked to stop; after any failure (no connection, a
/// refused database, a failed pass) waits, 1 s doubling to 30 s, and connects again. A pass that
/// succeeds resets the wait, so a database that keeps failing is not hammered every second.
fn run(node: &Node, config: &SinkConfig, reader: ReaderRole, stop: &AtomicBool) {
    let mut retry = RETRY_FIRST;
    while !stop.load(Ordering::Relaxed) {
        let failure = match Connection::open(node, config, reader.clone()) {
            Err(e) => e,
            Ok(mut connection) => {
                tracing::info!(schema = %config.schema, "postgres sink connected");
                match follow(&mut connection, node, stop, &mut retry) {
                    Some(e) => e,
                    None => return,
                }
            }
        };
        tracing::error!(error = %failure, "postgres sink stopped; connecting again in {retry:?}");
        if !pause(stop, retry) {
            return;
        }
        retry = (retry * 2).min(RETRY_MAX);
    }
}

/// Passes until asked to stop (`None`) or a pass fails (its error).
fn follow(
    connection: &mut Connection,
    node: &Node,
    stop: &AtomicBool,
    retry: &mut Duration,
) -> Option<SinkError> {
    while !stop.load(Ordering::Relaxed) {
        match connection.pass(node) {
            Ok(Some(report)) => {
                *retry = RETRY_FIRST;
                tracing::debug!(
                    from = report.from,
                    to = report.to,
                    txs = report.txs,
                    "postgres sink wrote blocks"
                );
            }
            Ok(None) => {
                *retry = RETRY_FIRST;
                if !pause(stop, IDLE_POLL) {
                    return None;
                }
            }
            Err(e) => return Some(e),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_are_checked_before_any_connection() {
        let good = SinkConfig {
            url: "postgres://bi@127.0.0.1:5432/gongxin".into(),
            schema: "gongxin".into(),
            blocks_per_pass: 200,
        };
        assert!(good.check().is_ok());
        let bad_schema = SinkConfig {
            schema: "x; drop table y".into(),
            ..good.clone()
        };
        assert!(matches!(bad_schema.check(), Err(SinkError::Config(_))));
        let bad_pass = SinkConfig {
            blocks_per_pass: 0,
            ..good.clone()
        };
        assert!(matches!(bad_pass.check(), Err(SinkError::Config(_))));
        let bad_url = SinkConfig {
            url: "postgres://bi@host:notaport/db".into(),
            ..good
        };
        assert!(matches!(bad_url.check(), Err(SinkError::Config(_))));
        // Defaults apply to what the file leaves out; unknown keys are refused.
        let parsed: SinkConfig =
            serde_json::from_str(r#"{"url":"host=127.0.0.1 user=bi"}"#).unwrap();
        assert_eq!(parsed.schema, "gongxin");
        assert_eq!(parsed.blocks_per_pass, 200);
        assert!(serde_json::from_str::<SinkConfig>(r#"{"url":"x","tables":1}"#).is_err());
    }
}
