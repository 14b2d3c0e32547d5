//! `gongxin-node`: run a validator. (`gongxin-node devnet` forwards to `gongxin-devnet`, where
//! the devnet tooling lives.)

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use gongxin_node::clock::SystemClock;
use gongxin_node::config::NodeConfig;
use gongxin_node::node::{Node, NodeSetup};
use gongxin_node::process::sibling_executable;
use gongxin_node::{consensus, gateway, producer};

#[derive(Parser)]
#[command(
    name = "gongxin-node",
    version,
    about = "gongxin (公信链) validator node"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum WebhooksCommand {
    /// Send one sample reminder (a rectification task due tomorrow, event id `0-0`) to each
    /// webhook of the config — exactly as the node sends, signed, over HTTPS — and report each
    /// receiver's answer. Exit status 1 if any did not take it.
    Test {
        #[arg(long)]
        config: PathBuf,
        /// Only this webhook.
        #[arg(long)]
        id: Option<String>,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Run one validator from its config file.
    Run {
        #[arg(long)]
        config: PathBuf,
    },
    /// Run a local devnet: runs `gongxin-devnet` (the executable next to this one) with the
    /// same arguments; `gongxin-node devnet --help` lists them.
    #[command(disable_help_flag = true)]
    Devnet {
        /// The arguments of `gongxin-devnet` (--dir, --validators, --base-port, --no-demo).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Webhook deliveries: `test` sends a sample reminder to the subscriptions of a config.
    Webhooks {
        #[command(subcommand)]
        command: WebhooksCommand,
    },
    /// Run a C2SP tlog-witness for a chain — for a party outside the consortium (an audit
    /// office, a people's congress): it cosigns checkpoints of both logs that a validator
    /// quorum signed and that extend what it cosigned before, and never two that disagree.
    Witness {
        /// Its key name, e.g. `audit.example.gov/witness`.
        #[arg(long)]
        name: String,
        /// Its Ed25519 key file (`gongxin keys new --algorithm ed25519`).
        #[arg(long)]
        key: PathBuf,
        /// The chain's genesis file.
        #[arg(long)]
        genesis: PathBuf,
        /// Where it keeps the latest checkpoint it cosigned per log.
        #[arg(long)]
        state_dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:7480")]
        listen: std::net::SocketAddr,
    },
    /// Check a stopped node's stored ledger against itself and the genesis: every block's
    /// hash link, transactions, certificate, both logs' roots and checkpoint notes. Exit
    /// status 1, naming the first bad block, if anything fails.
    Check {
        #[arg(long)]
        config: PathBuf,
    },
    /// Set a stopped node's database aside (renamed `<data dir>.set-aside-<time>`, with its
    /// height mark) so that its next start rebuilds the ledger from the other validators,
    /// re-executing every block. For a database that is damaged or that `check` refuses.
    ///
    /// The validator's consensus write-ahead log goes with the database, so the node then
    /// follows consensus without signing until its chain has committed the height it was
    /// working on (a `<data dir>.sign-guard` mark); then it votes again.
    Resync {
        #[arg(long)]
        config: PathBuf,
        /// The height the other validators have committed (`height` in their /v1/status):
        /// needed when this node's own height mark is lost, and raises the mark when given.
        #[arg(long)]
        network_height: Option<u64>,
    },
    /// Rotate the storage key of a stopped node: a new SM4 key, every sealed value re-sealed
    /// under it; the old key is kept as `<key file>.retired-<id>` for older backups.
    Rekey {
        #[arg(long)]
        config: PathBuf,
    },
}

async fn run(config: PathBuf) -> anyhow::Result<()> {
    let config = NodeConfig::load(&config)?;
    let risk_model = read_risk_model(config.risk_model.as_deref())?;
    let model_in_use = gongxin_node::anchoring::ModelInUse {
        version: risk_model.model.version.clone(),
        sm3: risk_model.sm3,
    };
    // With peers, what admission lets in is gossiped; its outbox's receiver goes to gossip.
    let (gossip, gossip_outbox) = match config.consensus {
        Some(_) => {
            let (outbox, receiver) = gongxin_node::admission::gossip_outbox();
            (Some(outbox), Some(receiver))
        }
        None => (None, None),
    };
    let node = Node::open(NodeSetup {
        name: config.name.clone(),
        genesis: Arc::new(config.read_genesis()?),
        key: config.read_key()?,
        data_dir: config.data_dir.clone(),
        limits: config.limits,
        clock: SystemClock::shared(),
        gossip,
    })?;
    // Started before the gateway's runtime exists, so a bad section returns its error here
    // (an early return after it would drop a runtime inside this async function, a panic).
    // This department's alerts, pushed to its robots and receivers.
    let webhooks = gongxin_node::webhooks::Webhooks::start(
        node.clone(),
        config.webhooks.clone(),
        Arc::new(gongxin_node::webhooks::HttpTransport),
    )
    .map_err(|e| anyhow::anyhow!("webhooks: {e:#}"))?;
    // The department's BI database, when configured.
    let sink = match config.postgres_sink.clone() {
        Some(sink) => Some(
            gongxin_node::sink::Sink::start(node.clone(), sink)
                .map_err(|e| anyhow::anyhow!("postgres_sink: {e:#}"))?,
        ),
        None => None,
    };
    // Cosignatures from the witnesses of the config, added to the stored checkpoints.
    let _cosigning = gongxin_node::cosigning::start(node.clone(), &config.witnesses)
        .map_err(|e| anyhow::anyhow!("witnesses: {e:#}"))?;
    let listener = gateway::bind(config.http)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.http))?;
    let height = node.tip().height();
    tracing::info!(node = %node.name, chain = %node.chain_id(), height, http = %config.http, "node started");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    // The gateway runs on its own runtime: its reactor and its blocking pool (where handlers
    // read RocksDB and check signatures) are not consensus's, so a flood of requests cannot
    // delay voting or block execution.
    let gateway_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(gateway::WORKER_THREADS)
        .max_blocking_threads(node.limits.http_handlers_max + 2)
        .thread_name("gateway")
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the gateway's runtime: {e}"))?;
    let listener = listener
        .into_std()
        .map_err(|e| anyhow::anyhow!("gateway listener: {e}"))?;
    let server = gateway_runtime.spawn({
        let node = node.clone();
        async move {
            match tokio::net::TcpListener::from_std(listener) {
                Ok(listener) => {
                    let ctx = gateway::Ctx::with_risk_model(node, risk_model);
                    gateway::serve(ctx, listener, async move {
                        let _ = stop_rx.await;
                    })
                    .await
                }
                Err(e) => tracing::error!(error = %e, "gateway listener"),
            }
        }
    });
    // A validator anchors its operation log on the ledger (and prunes it by retention), and
    // records the delay-risk model its gateway scores with.
    let anchoring = tokio::spawn(gongxin_node::anchoring::run(
        node.clone(),
        Some(model_in_use),
    ));
    let blocks = async {
        match (config.consensus.clone(), gossip_outbox) {
            (Some(settings), Some(outbox)) => {
                consensus::engine::run(node.clone(), outbox, settings, &config.data_dir).await
            }
            _ => match producer::run_solo(node.clone()).await {
                Ok(()) => Err(anyhow::anyhow!("block production stopped")),
                Err(e) => Err(anyhow::anyhow!("block production stopped: {e}")),
            },
        }
    };
    let result = tokio::select! {
        result = blocks => {
            // Block production only returns on a failure to extend the chain: stop serving.
            let error = match result {
                Ok(()) => anyhow::anyhow!("block production stopped"),
                Err(e) => e,
            };
            tracing::error!("{error:#}; stopping the node");
            Err(error)
        }
        _ = gongxin_node::process::shutdown_signal() => {
            tracing::info!("shutting down");
            Ok(())
        }
    };
    anchoring.abort();
    webhooks.stop(std::time::Duration::from_secs(2));
    if let Some(sink) = sink {
        sink.stop(std::time::Duration::from_secs(2));
    }
    let _ = stop_tx.send(());
    // Graceful shutdown waits for open connections, and an event stream never ends by itself:
    // give clients a moment, then cut them off rather than hang.
    let mut server = server;
    if tokio::time::timeout(SHUTDOWN_GRACE, &mut server)
        .await
        .is_err()
    {
        tracing::warn!(
            "open connections after {} s; closing them",
            SHUTDOWN_GRACE.as_secs()
        );
        server.abort();
    }
    gateway_runtime.shutdown_background();
    result
}

/// The configured delay-risk model, or the built-in one.
fn read_risk_model(path: Option<&std::path::Path>) -> anyhow::Result<gongxin_risk::LoadedModel> {
    let Some(path) = path else {
        return Ok(gongxin_risk::LoadedModel::builtin().clone());
    };
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("risk_model: cannot read {}: {e}", path.display()))?;
    let model = gongxin_risk::LoadedModel::from_bytes(&bytes)
        .map_err(|e| anyhow::anyhow!("risk_model {}: {e}", path.display()))?;
    tracing::info!(version = %model.model.version, sm3 = %model.sm3, "delay-risk model loaded");
    Ok(model)
}

/// `gongxin-node webhooks test`: true when every receiver took the sample.
fn webhooks_test(config: &std::path::Path, only: Option<&str>) -> anyhow::Result<bool> {
    use gongxin_node::clock::Clock;
    use gongxin_node::webhooks::{self, HttpTransport, Outcome};
    let config = NodeConfig::load(config)?;
    let genesis = config.read_genesis()?;
    let department = genesis
        .validators
        .by_name(&config.name)
        .map(|v| v.department.clone());
    webhooks::check_all(&config.webhooks, department.as_deref())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let chosen: Vec<_> = config
        .webhooks
        .iter()
        .filter(|w| only.is_none_or(|id| id == w.id))
        .collect();
    if chosen.is_empty() {
        anyhow::bail!(
            "no webhook{} in {}",
            only.map(|id| format!(" {id:?}")).unwrap_or_default(),
            config.name
        );
    }
    let now = SystemClock.now_ms();
    let alert = webhooks::sample_alert(department.as_deref().unwrap_or_default(), now);
    let mut all_taken = true;
    for w in chosen {
        let answer = webhooks::send_once(
            w,
            &genesis.chain_id,
            &config.name,
            &alert,
            now,
            &HttpTransport,
        );
        let url = webhooks::shown_url(&w.url);
        match webhooks::classify(w.format, &answer) {
            Outcome::Delivered => println!(
                "{}: {url}: delivered ({})",
                w.id,
                answer.map_or(0, |a| a.status)
            ),
            Outcome::Retry(e) => {
                all_taken = false;
                println!("{}: {url}: not delivered ({e}); the node would retry", w.id)
            }
            Outcome::Permanent(e) => {
                all_taken = false;
                println!(
                    "{}: {url}: refused ({e}); the node would keep it in the dead letters",
                    w.id
                )
            }
        }
    }
    Ok(all_taken)
}

/// `gongxin-node rekey`: the node must be stopped (RocksDB's lock refuses a running one).
fn rekey(config: &std::path::Path) -> anyhow::Result<()> {
    let config = NodeConfig::load(config)?;
    let key_path = gongxin_node::storage::seal::default_key_path(&config.data_dir);
    let report = gongxin_node::storage::Store::rekey(&config.data_dir, &key_path).map_err(|e| {
        anyhow::anyhow!(
            "cannot rotate the storage key of {} (stop the node first): {e}",
            config.data_dir.display()
        )
    })?;
    println!(
        "storage key rotated: {} -> {}; {} values re-sealed; old key kept at {}",
        report.old_key_id,
        report.new_key_id,
        report.values,
        report.retired_key.display()
    );
    Ok(())
}

/// Opens a stopped node's ledger for an offline command (no consensus, no gateway).
fn open_offline(config: &NodeConfig) -> anyhow::Result<Arc<Node>> {
    let genesis = Arc::new(config.read_genesis()?);
    Node::open(NodeSetup {
        name: config.name.clone(),
        genesis,
        key: config.read_key()?,
        data_dir: config.data_dir.clone(),
        limits: config.limits,
        clock: SystemClock::shared(),
        gossip: None,
    })
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot open the ledger in {} (is the node stopped?): {e}",
            config.data_dir.display()
        )
    })
}

fn check(config: &std::path::Path) -> anyhow::Result<()> {
    let config = NodeConfig::load(config)?;
    // Opening creates a database where there is none; there is nothing to check then.
    if !config.data_dir.join("CURRENT").exists() {
        anyhow::bail!("{} holds no database", config.data_dir.display());
    }
    let node = open_offline(&config)?;
    let report = gongxin_node::integrity::check_ledger(&node).map_err(|e| {
        anyhow::anyhow!(
            "the ledger in {} cannot be trusted: {e}; rebuild it from the other validators \
             with `gongxin-node resync --config <config>`",
            config.data_dir.display()
        )
    })?;
    println!(
        "ledger in {} checked: {} stored values read with their file checksums, {} blocks, \
         {} ledger entries, {} public leaves, {} checkpoint notes; hash chain, certificates, \
         log roots and notes all hold",
        config.data_dir.display(),
        report.stored_values,
        report.blocks,
        report.ledger_entries,
        report.public_leaves,
        report.checkpoint_notes
    );
    Ok(())
}

fn resync(config: &std::path::Path, network_height: Option<u64>) -> anyhow::Result<()> {
    let config = NodeConfig::load(config)?;
    if config.consensus.is_none() {
        anyhow::bail!(
            "this node has no consensus section: a validator that is a quorum alone has no \
             peers to rebuild its ledger from (restore its data directory from a backup)"
        );
    }
    let stamp = gongxin_node::clock::Clock::now_ms(&SystemClock) / 1_000;
    let data_dir = config.data_dir.clone();
    let mut guard = 0;
    // Written while the database's lock is held and before anything moves: a crash after the
    // move must not leave a validator that forgot its votes free to sign.
    let write_guard = |marked: Option<u64>| {
        let stored = gongxin_node::storage::stored_tip_height(&data_dir);
        guard = resync_guard_height(marked.max(stored), network_height)
            .map_err(std::io::Error::other)?;
        // An earlier mark that does not read is replaced only on the operator's word.
        guard = gongxin_node::sign_guard::write(&data_dir, guard, network_height.is_some())?;
        Ok(())
    };
    let set_aside = gongxin_node::storage::set_aside(&config.data_dir, stamp, write_guard)
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot set aside the database in {}: {e}",
                config.data_dir.display()
            )
        })?;
    let height = set_aside
        .marked_height
        .map_or_else(|| "an unknown height".to_owned(), |h| format!("height {h}"));
    println!(
        "database set aside in {} (keep it for inspection; delete it once the node has caught \
         up). This validator had committed {height}. Start the node now (gongxin-node run \
         --config <config>): it fetches every block from the other validators and re-executes \
         it. Its consensus write-ahead log, which remembered its votes, went with the \
         database, so it follows consensus without signing until its chain has committed \
         height {guard} (the mark {}), and then votes again.",
        set_aside.database.display(),
        gongxin_node::sign_guard::path(&config.data_dir).display()
    );
    Ok(())
}

/// The highest height a validator being rebuilt may already have signed at: the height after
/// the last one it committed (by its height mark or its database, whichever says more: it may
/// have voted there before it stopped), or after the one the other validators have reached,
/// whichever is higher. Without any there is no safe height.
fn resync_guard_height(committed: Option<u64>, network_height: Option<u64>) -> Result<u64, String> {
    let after = |height: Option<u64>| height.map(|h| h.saturating_add(1));
    after(committed).max(after(network_height)).ok_or_else(|| {
        "neither its height mark nor its database says how far it got, so the height it last \
         voted at is unknown: pass the height the other validators have committed (`height` \
         in their /v1/status) as --network-height <height>"
            .to_owned()
    })
}

/// `gongxin-node devnet …`: the devnet tooling is not part of the validator daemon; this runs the
/// `gongxin-devnet` executable next to this one with the same arguments, in place of this
/// process, so its signals (Ctrl-C, SIGTERM) and its exit status are the caller's.
async fn run_witness(
    name: String,
    key: &std::path::Path,
    genesis: &std::path::Path,
    state_dir: &std::path::Path,
    listen: std::net::SocketAddr,
) -> anyhow::Result<()> {
    let key = std::fs::read_to_string(key)
        .map_err(|e| anyhow::anyhow!("cannot read key file {}: {e}", key.display()))
        .and_then(|text| {
            gongxin_core::crypto::KeyFile::from_json(&text)
                .and_then(|f| f.keypair())
                .map_err(|e| anyhow::anyhow!("key file {}: {e}", key.display()))
        })?;
    let genesis = std::fs::read_to_string(genesis)
        .map_err(|e| anyhow::anyhow!("cannot read genesis {}: {e}", genesis.display()))
        .and_then(|text| {
            gongxin_core::genesis::Genesis::from_json(&text)
                .map_err(|e| anyhow::anyhow!("genesis {} is invalid: {e}", genesis.display()))
        })?;
    let public_key = key.public_key();
    let witness = gongxin_node::witness::Witness::open(name.clone(), key, genesis, state_dir)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    tracing::info!(%name, %public_key, %listen, "witness started");
    // What verifiers pass to `gongxin verify --witness`.
    println!("witness {name}={public_key} listening on http://{listen}");
    gongxin_node::witness::serve(
        Arc::new(witness),
        listener,
        gongxin_node::process::shutdown_signal(),
    )
    .await;
    Ok(())
}

fn forward_to_devnet(args: Vec<String>) -> anyhow::Result<()> {
    let devnet = sibling_executable("gongxin-devnet").map_err(|expected| {
        anyhow::anyhow!(
            "{} is missing: the devnet launcher is its own program, gongxin-devnet; build it with `cargo build -p gongxin-devnet` (in the same profile as gongxin-node)",
            expected.display()
        )
    })?;
    let mut command = std::process::Command::new(&devnet);
    command.args(args);
    exec(command).map_err(|e| anyhow::anyhow!("cannot run {}: {e}", devnet.display()))
}

/// Runs `command` in place of this process. Returns only on failure.
#[cfg(unix)]
fn exec(mut command: std::process::Command) -> std::io::Result<()> {
    use std::os::unix::process::CommandExt;
    Err(command.exec())
}

/// Runs `command` and exits with its exit status.
#[cfg(not(unix))]
fn exec(mut command: std::process::Command) -> std::io::Result<()> {
    let status = command.status()?;
    std::process::exit(status.code().unwrap_or(1))
}

/// How long open connections may take to finish after a shutdown starts.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    // Test builds only: crash points named in FAILPOINTS (see `crash.rs`).
    #[cfg(feature = "failpoints")]
    let _crash_points = gongxin_node::crash::setup();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run { config } => run(config).await,
            Command::Rekey { config } => rekey(&config),
            Command::Check { config } => check(&config),
            Command::Resync {
                config,
                network_height,
            } => resync(&config, network_height),
            Command::Witness {
                name,
                key,
                genesis,
                state_dir,
                listen,
            } => run_witness(name, &key, &genesis, &state_dir, listen).await,
            Command::Devnet { args } => forward_to_devnet(args),
            Command::Webhooks {
                command: WebhooksCommand::Test { config, id },
            } => match webhooks_test(&config, id.as_deref()) {
                Ok(true) => Ok(()),
                Ok(false) => Err(anyhow::anyhow!("a receiver did not take the sample")),
                Err(e) => Err(e),
            },
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::resync_guard_height;

    #[test]
    fn a_resync_guards_the_height_after_the_last_committed_or_the_networks() {
        assert_eq!(resync_guard_height(Some(41), None), Ok(42));
        assert_eq!(resync_guard_height(Some(41), Some(50)), Ok(51));
        assert_eq!(resync_guard_height(Some(41), Some(3)), Ok(42));
        assert_eq!(resync_guard_height(None, Some(50)), Ok(51));
        let refused = resync_guard_height(None, None).unwrap_err();
        assert!(refused.contains("--network-height"), "{refused}");
    }
}
