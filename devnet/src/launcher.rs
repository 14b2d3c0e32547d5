//! The devnet launcher: a local consortium on 127.0.0.1 for trying gongxin and for demos.
//!
//! The first run creates, in `--dir`: key files for every validator and member
//! (`keys/<name>.key`), `genesis.json` from the reviewed template `genesis/devnet.json` and the
//! policy set `genesis/city-policies.json`, and one config per validator
//! (`nodes/<name>/config.json`). Later runs resume the same chain from the same directory.
//! Each validator runs as its own OS process (`gongxin-node run --config …`, the `gongxin-node`
//! executable next to this program) with its own RocksDB directory and its gateway on
//! `127.0.0.1:(base_port + i)`; `devnet.json` tells tools where everything is. When the ledger
//! is empty, the demo data (both seed cases) is loaded as real signed transactions through the
//! gateway. Ctrl-C or SIGTERM stops every node cleanly.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use gongxin_node::config::{ConsensusSettings, Limits, NodeConfig};
use gongxin_node::consensus::engine::{read_node_key, write_node_key};
use gongxin_node::cosigning::WitnessConfig;
use serde::{Deserialize, Serialize};

use crate::supervise::{Supervised, after_exit, death_report, quorum_line, spawn_node};
use crate::template::{DevnetKeys, create_devnet_files_with};

/// Options of `gongxin-devnet` (and of `gongxin-node devnet`, which forwards to it).
#[derive(Debug, Clone)]
pub struct DevnetOptions {
    pub dir: PathBuf,
    pub validators: usize,
    pub base_port: u16,
    pub demo: bool,
    /// Start a validator that exits on its own again (with backoff), instead of only
    /// reporting it.
    pub restart_crashed: bool,
    /// The signature suite of every key of the devnet (validators and members).
    pub algorithm: gongxin_core::crypto::Algorithm,
    /// Also run a C2SP witness (`gongxin-node witness`) on `base_port + 30`, to which every
    /// validator submits its checkpoints.
    pub witness: bool,
}

/// `devnet.json`: where the devnet's parts are, for people and tools.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevnetFile {
    pub chain_id: String,
    pub genesis: PathBuf,
    pub keys_dir: PathBuf,
    pub nodes: Vec<DevnetNode>,
    /// The witness, when the devnet runs one (`--witness`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<DevnetWitness>,
}

/// The devnet's witness, as `gongxin verify --witness NAME=KEY` names it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevnetWitness {
    pub name: String,
    pub public_key: String,
    pub url: String,
    pub pid: u32,
    pub log: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevnetNode {
    pub name: String,
    pub department: String,
    pub pid: u32,
    pub http: String,
    /// argv that starts this node again.
    pub command: Vec<String>,
    pub data_dir: PathBuf,
}

/// How long a node may take to answer `/health` after it is started.
const NODE_START_TIMEOUT: Duration = Duration::from_secs(60);

/// Waits until `GET http://addr/health` answers 200, or the child exits, or the timeout.
fn wait_healthy(addr: SocketAddr, child: &mut Child, name: &str) -> Result<()> {
    let url = format!("http://{addr}/health");
    let agent = http_agent();
    let deadline = Instant::now() + NODE_START_TIMEOUT;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            bail!("{name} exited during start-up ({status}); see its node.log");
        }
        if agent.get(&url).call().is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!(
        "{name} did not answer {url} within {} s",
        NODE_START_TIMEOUT.as_secs()
    )
}

/// The `gongxin-node` executable the devnet runs: the one in the same directory as this
/// program (as cargo and an installation place them). A test binary of this crate, in
/// `target/<profile>/deps/`, finds the one in `target/<profile>/`.
pub fn node_binary() -> Result<PathBuf> {
    gongxin_node::process::sibling_executable("gongxin-node").map_err(|expected| {
        anyhow::anyhow!(
            "{} is missing: the devnet runs the gongxin-node executable next to this program; build it with `cargo build -p gongxin-node` (in the same profile, e.g. `--release` for a release devnet)",
            expected.display()
        )
    })
}

/// A plain-HTTP client with timeouts (the devnet is loopback only).
pub fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Runs the devnet in the foreground until `shutdown` completes (Ctrl-C / SIGTERM in
/// `gongxin-devnet`), or a node dies (an error).
pub async fn run(
    options: DevnetOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    // Listen for Ctrl-C / SIGTERM from the start (a future registers its handlers only when it
    // first runs), so a signal during start-up or demo loading still stops the nodes.
    let mut shutdown = tokio::spawn(shutdown);
    if options.validators == 0 {
        bail!("--validators must be at least 1");
    }
    // Before anything is written: without the node there is no devnet.
    let exe = node_binary()?;
    std::fs::create_dir_all(&options.dir)
        .with_context(|| format!("cannot create {}", options.dir.display()))?;
    let dir = options.dir.canonicalize()?;
    let witness_config = if options.witness {
        std::fs::create_dir_all(dir.join("keys"))?;
        let key = crate::template::witness_key(&dir)?;
        let port = options
            .base_port
            .checked_add(30)
            .context("--base-port too high for a witness")?;
        Some(WitnessConfig {
            name: crate::template::WITNESS_NAME.to_owned(),
            url: format!("http://127.0.0.1:{port}"),
            public_key: key.public_key().to_string(),
        })
    } else {
        None
    };
    let (keys, configs) = write_node_configs_with(
        &dir,
        options.validators,
        options.base_port,
        options.algorithm,
        witness_config.as_slice(),
    )?;
    // The witness first: validators submit each checkpoint to it from their first block.
    let mut witness = match &witness_config {
        Some(config) => Some(start_witness(&exe, &dir, config)?),
        None => None,
    };

    let mut running: Vec<Supervised> = Vec::new();
    let mut nodes = Vec::new();
    let result = (|| -> Result<()> {
        for (validator, (config, config_path)) in
            keys.genesis.validators.validators().iter().zip(&configs)
        {
            let node_dir = config_path.parent().context("config has a directory")?;
            let command = vec![
                exe.display().to_string(),
                "run".to_owned(),
                "--config".to_owned(),
                config_path.display().to_string(),
            ];
            let mut node = Supervised::new(
                validator.name.clone(),
                validator.power,
                command.clone(),
                node_dir.join("node.log"),
                format!("http://{}", config.http),
            );
            let child = spawn_node(&command, &node.log)
                .with_context(|| format!("cannot start {}", validator.name))?;
            let pid = child.id();
            node.child = Some(child);
            // Tracked before waiting, so a node that never becomes healthy is stopped too.
            running.push(node);
            let started = running.last_mut().and_then(|n| n.child.as_mut());
            let started = started.context("the node just started")?;
            wait_healthy(config.http, started, &validator.name)?;
            nodes.push(DevnetNode {
                name: validator.name.clone(),
                department: validator.department.clone(),
                pid,
                http: format!("http://{}", config.http),
                command,
                data_dir: config.data_dir.clone(),
            });
        }
        Ok(())
    })();
    let mut file = DevnetFile {
        chain_id: keys.genesis.chain_id.clone(),
        genesis: dir.join("genesis.json"),
        keys_dir: dir.join("keys"),
        nodes,
        witness: witness_config
            .as_ref()
            .zip(witness.as_ref())
            .map(|(config, process)| DevnetWitness {
                name: config.name.clone(),
                public_key: config.public_key.clone(),
                url: config.url.clone(),
                pid: process.child.as_ref().map_or(0, Child::id),
                log: process.log.clone(),
            }),
    };
    if let Err(e) = result.and_then(|()| write_devnet_file(&dir, &file)) {
        running
            .iter_mut()
            .chain(witness.as_mut())
            .for_each(Supervised::stop);
        return Err(e);
    }

    println!(
        "gongxin devnet: chain {} in {}",
        keys.genesis.chain_id,
        dir.display()
    );
    for node in &file.nodes {
        println!("  {:<32} {}  (pid {})", node.name, node.http, node.pid);
    }
    if let Some(w) = &file.witness {
        println!("  witness {:<24} {}  (pid {})", w.name, w.url, w.pid);
        println!(
            "  verify with: gongxin verify <bundle> --genesis {} --witness {}={}",
            file.genesis.display(),
            w.name,
            w.public_key
        );
    }
    if options.demo {
        let url = file.nodes[0].http.clone();
        let keys_for_demo = keys.clone();
        let loading =
            tokio::task::spawn_blocking(move || crate::demo::load_if_empty(&url, &keys_for_demo));
        tokio::select! {
            loaded = loading => match loaded {
                Ok(Ok(Some(report))) => println!("demo data: {report}"),
                Ok(Ok(None)) => println!("demo data: ledger not empty, left as it is"),
                Ok(Err(e)) => eprintln!("demo data could not be loaded: {e:#}"),
                Err(e) => eprintln!("demo loader failed: {e}"),
            },
            _ = &mut shutdown => {
                println!("stopping {} node(s)…", running.len());
                running.iter_mut().chain(witness.as_mut()).for_each(Supervised::stop);
                return Ok(());
            }
        }
    }
    println!("devnet.json: {}", dir.join("devnet.json").display());
    if options.restart_crashed {
        println!("A validator that exits on its own is started again. Ctrl-C stops all nodes.");
    } else {
        println!("Ctrl-C stops all nodes.");
    }
    let quorum_power = keys.genesis.validators.quorum_power();
    let watched = watch(
        &mut running,
        options.restart_crashed,
        quorum_power,
        &dir,
        &mut file,
        &mut shutdown,
    )
    .await;
    println!("stopping {} node(s)…", running.len());
    running
        .iter_mut()
        .chain(witness.as_mut())
        .for_each(Supervised::stop);
    watched
}

/// Starts `gongxin-node witness` for the devnet's chain, its state and log in `<dir>/witness`,
/// and waits (bounded) until it listens. It is stopped with the validators; the validators
/// keep committing if it dies (their cosigning task logs the failures).
fn start_witness(exe: &Path, dir: &Path, config: &WitnessConfig) -> Result<Supervised> {
    let state_dir = dir.join("witness");
    std::fs::create_dir_all(&state_dir)?;
    let listen = config
        .url
        .strip_prefix("http://")
        .context("the witness URL is http://")?
        .to_owned();
    let command = vec![
        exe.display().to_string(),
        "witness".to_owned(),
        "--name".to_owned(),
        config.name.clone(),
        "--key".to_owned(),
        dir.join("keys")
            .join(format!("{}.key", config.name))
            .display()
            .to_string(),
        "--genesis".to_owned(),
        dir.join("genesis.json").display().to_string(),
        "--state-dir".to_owned(),
        state_dir.display().to_string(),
        "--listen".to_owned(),
        listen.clone(),
    ];
    let mut witness = Supervised::new(
        config.name.clone(),
        0,
        command.clone(),
        state_dir.join("witness.log"),
        config.url.clone(),
    );
    witness.child = Some(spawn_node(&command, &witness.log).context("cannot start the witness")?);
    let deadline = Instant::now() + NODE_START_TIMEOUT;
    let addr: SocketAddr = listen.parse().context("the witness address")?;
    loop {
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(witness);
        }
        if let Some(status) = witness
            .child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
        {
            bail!(
                "the witness exited during start-up ({status}); see {}",
                witness.log.display()
            );
        }
        if Instant::now() > deadline {
            witness.stop();
            bail!(
                "the witness did not listen on {addr} within {} s",
                NODE_START_TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Watches the validators until `shutdown` completes: reports each that exits on its own and,
/// with `restart_crashed`, starts it again. Fails only when no validator runs and none will be
/// restarted — a devnet of nobody.
async fn watch(
    nodes: &mut [Supervised],
    restart_crashed: bool,
    quorum_power: u64,
    dir: &Path,
    file: &mut DevnetFile,
    shutdown: &mut tokio::task::JoinHandle<()>,
) -> Result<()> {
    let health = quick_http_agent();
    let mut ticker = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            _ = &mut *shutdown => return Ok(()),
            _ = ticker.tick() => {}
        }
        let now = Instant::now();
        for i in 0..nodes.len() {
            if let Some(status) = nodes[i].exited() {
                let recent = nodes[i].record_exit(now);
                let decision = after_exit(restart_crashed, recent);
                nodes[i].restart_at = match decision {
                    crate::supervise::AfterExit::RestartIn(delay) => Some(now + delay),
                    _ => None,
                };
                let quorum = running_quorum(nodes, quorum_power);
                eprintln!("{}", death_report(&nodes[i], status, &quorum, decision));
            }
            if nodes[i].restart_at.is_some_and(|at| at <= now) {
                restart(&mut nodes[i], now, restart_crashed, dir, file);
            }
            if nodes[i].starting
                && health
                    .get(format!("{}/health", nodes[i].http))
                    .call()
                    .is_ok()
            {
                nodes[i].starting = false;
                let quorum = running_quorum(nodes, quorum_power);
                eprintln!("gongxin devnet: {} answers again; {quorum}", nodes[i].name);
            }
        }
        if nodes
            .iter()
            .all(|n| !n.is_running() && n.restart_at.is_none())
        {
            bail!(
                "every validator has stopped and none will be restarted; see their node.log under {}",
                dir.join("nodes").display()
            );
        }
    }
}

/// Starts `node` again (its restart is due) and records its new pid in `devnet.json`; a start
/// that fails counts as another exit.
fn restart(
    node: &mut Supervised,
    now: Instant,
    restart_crashed: bool,
    dir: &Path,
    file: &mut DevnetFile,
) {
    node.restart_at = None;
    match spawn_node(&node.command, &node.log) {
        Ok(child) => {
            let pid = child.id();
            node.child = Some(child);
            node.starting = true;
            eprintln!("gongxin devnet: restarted {} (pid {pid})", node.name);
            if let Some(entry) = file.nodes.iter_mut().find(|n| n.name == node.name) {
                entry.pid = pid;
            }
            if let Err(e) = write_devnet_file(dir, file) {
                eprintln!("gongxin devnet: cannot update devnet.json: {e:#}");
            }
        }
        Err(e) => {
            let recent = node.record_exit(now);
            let decision = after_exit(restart_crashed, recent);
            if let crate::supervise::AfterExit::RestartIn(delay) = decision {
                node.restart_at = Some(now + delay);
            }
            eprintln!(
                "!! gongxin devnet: cannot restart {}: {e:#} ({decision:?})",
                node.name
            );
        }
    }
}

/// [`quorum_line`] for the validators whose processes run now.
fn running_quorum(nodes: &[Supervised], quorum_power: u64) -> String {
    let running: Vec<&Supervised> = nodes.iter().filter(|n| n.is_running()).collect();
    let power = running.iter().map(|n| n.power).sum();
    quorum_line(running.len(), nodes.len(), power, quorum_power)
}

fn write_devnet_file(dir: &Path, file: &DevnetFile) -> Result<()> {
    let path = dir.join("devnet.json");
    std::fs::write(&path, serde_json::to_string_pretty(file)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// For `/health` checks inside the watch loop: a node that does not answer within a second is
/// not healthy yet.
fn quick_http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(1)))
        .http_status_as_error(true)
        .build()
        .into()
}

/// Writes every validator's config (`nodes/<name>/config.json`), creating keys and genesis on
/// first use. Validator `i`'s gateway listens on `base_port + i`.
pub fn write_node_configs(
    dir: &Path,
    validators: usize,
    base_port: u16,
) -> Result<(DevnetKeys, Vec<(NodeConfig, PathBuf)>)> {
    write_node_configs_with(
        dir,
        validators,
        base_port,
        gongxin_core::crypto::Algorithm::Ed25519,
        &[],
    )
}

/// [`write_node_configs`] with every key of `algorithm`, each validator submitting its
/// checkpoints to `witnesses`.
pub fn write_node_configs_with(
    dir: &Path,
    validators: usize,
    base_port: u16,
    algorithm: gongxin_core::crypto::Algorithm,
    witnesses: &[WitnessConfig],
) -> Result<(DevnetKeys, Vec<(NodeConfig, PathBuf)>)> {
    let keys = create_devnet_files_with(dir, validators, algorithm)?;
    let consensus = consensus_settings(dir, &keys, base_port)?;
    let mut configs = Vec::new();
    for (i, validator) in keys.genesis.validators.validators().iter().enumerate() {
        let port = base_port
            .checked_add(i as u16)
            .context("--base-port too high for this many validators")?;
        let node_dir = dir.join("nodes").join(&validator.name);
        std::fs::create_dir_all(&node_dir)?;
        let config = NodeConfig {
            name: validator.name.clone(),
            genesis: dir.join("genesis.json"),
            key: dir.join("keys").join(format!("{}.key", validator.name)),
            data_dir: node_dir.join("data"),
            http: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            limits: devnet_limits(),
            consensus: consensus.get(i).cloned(),
            webhooks: Vec::new(),
            postgres_sink: None,
            risk_model: None,
            witnesses: witnesses.to_vec(),
        };
        let config_path = node_dir.join("config.json");
        std::fs::write(&config_path, serde_json::to_string_pretty(&config)?)?;
        configs.push((config, config_path));
    }
    Ok((keys, configs))
}

/// A devnet's limits: the defaults, except that every client of a devnet (console, CLI, load
/// generator, demo loader) comes from 127.0.0.1, so the per-address and per-member rates are
/// those of a whole department's office, not of one person. The operation log is anchored every
/// 10 s, so a demo shows anchors soon.
pub fn devnet_limits() -> Limits {
    Limits {
        access_log_anchor_interval_ms: 10_000,
        http_requests_per_s_per_address: 100_000,
        http_requests_per_s_per_member: 20_000,
        http_signature_checks_per_s: 50_000,
        ..Limits::default()
    }
}

/// The consensus port of validator `i`: gateways use `base_port + i`, consensus `+ 10`,
/// transaction gossip `+ 20`.
pub fn consensus_port(base_port: u16, i: usize) -> Result<u16> {
    base_port
        .checked_add(10 + i as u16)
        .context("--base-port too high for this many validators")
}

/// Each validator's consensus settings (none for a lone validator, which is its own quorum):
/// a node key per validator (`keys/<name>.node.key`, created on first use) and every other
/// validator as a peer, by address and peer id.
fn consensus_settings(
    dir: &Path,
    keys: &DevnetKeys,
    base_port: u16,
) -> Result<Vec<ConsensusSettings>> {
    let validators = keys.genesis.validators.validators();
    if validators.len() < 2 {
        return Ok(Vec::new());
    }
    let mut settings = Vec::new();
    for (i, validator) in validators.iter().enumerate() {
        let path = dir
            .join("keys")
            .join(format!("{}.node.key", validator.name));
        if !path.exists() {
            write_node_key(&path)?;
        }
        let port = consensus_port(base_port, i)?;
        settings.push(ConsensusSettings::new(
            path,
            format!("/ip4/127.0.0.1/tcp/{port}"),
            format!("/ip4/127.0.0.1/tcp/{}", port + 10),
        ));
    }
    connect_all(settings.iter_mut())?;
    Ok(settings)
}

/// Makes each node's settings list every other node as a peer — consensus and gossip address,
/// each with the peer id of that node's key — so only these nodes may connect to each other.
pub fn connect_all<'a>(
    settings: impl IntoIterator<Item = &'a mut ConsensusSettings>,
) -> Result<()> {
    let mut settings: Vec<_> = settings.into_iter().collect();
    let endpoints = settings
        .iter()
        .map(|s| {
            let peer_id = read_node_key(&s.node_key)?.public().to_peer_id();
            Ok((
                format!("{}/p2p/{peer_id}", s.listen),
                format!("{}/p2p/{peer_id}", s.gossip_listen),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    for (i, node) in settings.iter_mut().enumerate() {
        let others = endpoints
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, e)| e);
        (node.peers, node.gossip_peers) = others.cloned().unzip();
    }
    Ok(())
}

/// Reads `devnet.json` from a devnet directory.
pub fn read_devnet_file(dir: &Path) -> Result<DevnetFile> {
    let path = dir.join("devnet.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is invalid", path.display()))
}
