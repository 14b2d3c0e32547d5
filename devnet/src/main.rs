//! `gongxin-devnet`: run a local devnet of `gongxin-node` validators on 127.0.0.1.
//!
//! `gongxin-node devnet …` forwards here with the same options.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gongxin_core::crypto::Algorithm;
use gongxin_devnet::DevnetOptions;

/// Run a local devnet: creates keys and a genesis on first use, starts each validator as its
/// own `gongxin-node` process on 127.0.0.1 (the executable next to this one), loads the demo
/// data into an empty ledger, keeps the others running when one validator dies, stops on Ctrl-C.
#[derive(Parser, Debug)]
#[command(name = "gongxin-devnet", version)]
struct Args {
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
    /// Start a validator that exits on its own again, after 1 s and doubling up to 30 s; after
    /// more than 5 exits within 10 minutes it is left stopped. Without it a dead validator is
    /// reported (with its log's tail and the command that restarts it) and the others go on.
    #[arg(long)]
    restart_crashed: bool,
    /// The signature suite of every key (validators and members): ed25519, or sm2 for a
    /// 商用密码 deployment (the load generator then signs with SM2 too). Default: the suite of
    /// the devnet already in --dir, else ed25519.
    #[arg(long, value_parser = ["ed25519", "sm2"])]
    algorithm: Option<String>,
    /// Also run a C2SP witness (`gongxin-node witness`, key `keys/devnet.witness.key`) on
    /// 127.0.0.1:(base-port + 30); every validator submits its checkpoints to it and serves its
    /// cosignatures, which `gongxin verify --witness` can require.
    #[arg(long)]
    witness: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
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
    let algorithm = match args.algorithm.as_deref() {
        Some("sm2") => Algorithm::Sm2,
        Some(_) => Algorithm::Ed25519,
        None => match gongxin_devnet::devnet_algorithm(&args.dir) {
            Ok(found) => found.unwrap_or(Algorithm::Ed25519),
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::FAILURE;
            }
        },
    };
    let options = DevnetOptions {
        dir: args.dir,
        validators: args.validators,
        base_port: args.base_port,
        demo: !args.no_demo,
        restart_crashed: args.restart_crashed,
        algorithm,
        witness: args.witness,
    };
    match runtime.block_on(gongxin_devnet::run(
        options,
        gongxin_node::process::shutdown_signal(),
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
