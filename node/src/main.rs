//! `gongxin-node`: run a validator, or a local devnet of them.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gongxin_node::config::NodeConfig;
use gongxin_node::devnet::{self, DevnetOptions};
use gongxin_node::node::Node;
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
enum Command {
    /// Run one validator from its config file.
    Run {
        #[arg(long)]
        config: PathBuf,
    },
    /// Run a local devnet: creates keys and a genesis on first use, starts each validator as its
    /// own process on 127.0.0.1, loads the demo data into an empty ledger, stops on Ctrl-C.
    Devnet {
        /// Where keys, genesis, node data and devnet.json live.
        #[arg(long, default_value = "devnet-data")]
        dir: PathBuf,
        /// Number of validators (each its own process; more than one agree by BFT consensus).
        #[arg(long, default_value_t = 4)]
        validators: usize,
        /// Gateway of validator i listens on 127.0.0.1:(base-port + i).
        #[arg(long, default_value_t = 7100)]
        base_port: u16,
        /// Do not load the demo data.
        #[arg(long)]
        no_demo: bool,
    },
    /// Rotate the storage key of a stopped node: a new SM4 key, every sealed value re-sealed
    /// under it; the old key is kept as `<key file>.retired-<id>` for older backups.
    Rekey {
        #[arg(long)]
        config: PathBuf,
    },
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

async fn run(config: PathBuf) -> anyhow::Result<()> {
    let config = NodeConfig::load(&config)?;
    let node = Node::open(&config)?;
    let listener = gateway::bind(config.http)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.http))?;
    let (tip, _) = node.tip();
    tracing::info!(node = %node.name, chain = %node.chain_id(), height = tip.height, http = %config.http, "node started");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    // The gateway runs on its own runtime: its reactor and its blocking pool (where handlers
    // read RocksDB and check signatures) are not consensus's, so a flood of requests cannot
    // delay voting or block execution.
    let gateway_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
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
                    gateway::serve(node, listener, async move {
                        let _ = stop_rx.await;
                    })
                    .await
                }
                Err(e) => tracing::error!(error = %e, "gateway listener"),
            }
        }
    });
    // A validator anchors its operation log on the ledger (and prunes it by retention).
    let anchoring = tokio::spawn(gongxin_node::access_log::run(node.clone()));
    let blocks = async {
        match config.consensus.clone() {
            Some(settings) => {
                consensus::engine::run(node.clone(), settings, &config.data_dir).await
            }
            None => match producer::run_solo(node.clone()).await {
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
        _ = shutdown_signal() => {
            tracing::info!("shutting down");
            Ok(())
        }
    };
    anchoring.abort();
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
            Command::Devnet {
                dir,
                validators,
                base_port,
                no_demo,
            } => {
                let options = DevnetOptions {
                    dir,
                    validators,
                    base_port,
                    demo: !no_demo,
                };
                devnet::run(options, shutdown_signal()).await
            }
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
