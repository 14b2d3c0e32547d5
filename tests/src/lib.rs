//! # gongxin-cluster-tests
//!
//! A harness that runs a consortium of real `gongxin-node` processes on 127.0.0.1 (keys,
//! genesis and configs from the devnet template), kills and restarts them, submits signed
//! transactions through their gateways, and checks what every node committed: identical
//! headers, certificates of more than 2/3 of the power, checkpoints signed by a quorum.
//!
//! Every wait is bounded; dropping a [`Cluster`] stops every process it started.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gongxin_core::audit::ProofBundle;
use gongxin_core::block::{BlockHeader, CommitCertificate};
use gongxin_core::checkpoint::SignedCheckpoint;
use gongxin_core::crypto::Keypair;
use gongxin_core::handover::{HandOver, Log, needed_for};
use gongxin_core::model::Operation;
use gongxin_core::request_auth::{ReadRequest, new_nonce, sign_read_request};
use gongxin_core::tx::{ReplayGuard, SignedTx, TxBody};
use gongxin_core::validator::{Validator, ValidatorSet};
use gongxin_devnet::{DevnetKeys, http_agent};
use gongxin_node::clock::{Clock, SystemClock};
use gongxin_node::config::NodeConfig;

/// The `gongxin-node` binary next to this test's build (`scripts/test` builds it first, with
/// the `byzantine` feature the Byzantine tests need).
pub fn node_binary() -> PathBuf {
    gongxin_node::process::sibling_executable("gongxin-node").unwrap_or_else(|expected| {
        panic!(
            "{} is missing: build it first with `cargo build --workspace --all-targets` (scripts/test does)",
            expected.display()
        )
    })
}

/// A base port whose gateway (`+i`), consensus (`+10+i`) and gossip (`+20+i`) ports are free
/// now (and, being outside the ephemeral range, likely to stay free).
pub fn free_base_port(validators: usize) -> u16 {
    let seed = std::process::id() as u64 ^ SystemClock.now_ms();
    for attempt in 0..200u64 {
        // Below Linux's ephemeral range (32768–60999): a node started late in a test (a
        // restart, a follower) must not find its port taken by some outbound connection.
        let base = 10_000 + ((seed.wrapping_mul(2_654_435_761) + attempt * 97) % 22_000) as u16;
        let all_free = (0..validators).all(|i| {
            [0u16, 10, 20].iter().all(|offset| {
                std::net::TcpListener::bind(("127.0.0.1", base + offset + i as u16)).is_ok()
            })
        });
        if all_free {
            return base;
        }
    }
    panic!("no free port range found");
}

/// One validator process of the cluster.
#[derive(Debug)]
pub struct ClusterNode {
    pub name: String,
    pub config: NodeConfig,
    pub config_path: PathBuf,
    pub http: String,
    /// Extra environment for the node's next start (e.g. `FAILPOINTS` for a crash point).
    pub env: Vec<(String, String)>,
    child: Option<Child>,
}

/// A running consortium.
#[derive(Debug)]
pub struct Cluster {
    /// Kept (not deleted) when `GONGXIN_KEEP_CLUSTER` is set, for reading node logs.
    _dir: Option<tempfile::TempDir>,
    pub dir: PathBuf,
    pub keys: DevnetKeys,
    pub nodes: Vec<ClusterNode>,
}

/// Keys, genesis and node configs in a temp dir, before any node runs.
struct Setup {
    dir: tempfile::TempDir,
    base: u16,
    keys: DevnetKeys,
    configs: Vec<(NodeConfig, PathBuf)>,
}

impl Setup {
    /// Configs for `validators` genesis validators, with ports free for `extra` more nodes.
    fn new(validators: usize, extra: usize, algorithm: gongxin_core::crypto::Algorithm) -> Setup {
        let dir = tempfile::tempdir().expect("temp dir");
        let base = free_base_port(validators + extra);
        let (keys, configs) =
            gongxin_devnet::write_node_configs_with(dir.path(), validators, base, algorithm, &[])
                .expect("node configs");
        Setup {
            dir,
            base,
            keys,
            configs,
        }
    }

    /// Writes every config as it now stands and starts the first `running` nodes.
    fn launch(self, running: usize) -> Cluster {
        let nodes = self
            .configs
            .into_iter()
            .map(|(config, config_path)| {
                std::fs::write(
                    &config_path,
                    serde_json::to_string_pretty(&config).expect("config json"),
                )
                .expect("write config");
                ClusterNode {
                    name: config.name.clone(),
                    http: format!("http://{}", config.http),
                    config,
                    config_path,
                    env: Vec::new(),
                    child: None,
                }
            })
            .collect();
        let mut cluster = Cluster {
            dir: self.dir.path().to_path_buf(),
            _dir: Some(self.dir),
            keys: self.keys,
            nodes,
        };
        for i in 0..running {
            cluster.start_node(i);
        }
        cluster
    }
}

impl Cluster {
    /// Creates keys, genesis and configs for `validators` validators and starts them all.
    pub fn start(validators: usize) -> Cluster {
        Cluster::start_with(validators, |_, _| {})
    }

    /// Like [`Cluster::start`], with `edit` applied to each node's config first.
    pub fn start_with(validators: usize, edit: impl Fn(usize, &mut NodeConfig)) -> Cluster {
        Cluster::start_configured(validators, gongxin_core::crypto::Algorithm::Ed25519, edit)
    }

    /// Like [`Cluster::start`], with validator keys of `algorithm` (SM2 or ed25519).
    pub fn start_with_algorithm(
        validators: usize,
        algorithm: gongxin_core::crypto::Algorithm,
    ) -> Cluster {
        Cluster::start_configured(validators, algorithm, |_, _| {})
    }

    fn start_configured(
        validators: usize,
        algorithm: gongxin_core::crypto::Algorithm,
        edit: impl Fn(usize, &mut NodeConfig),
    ) -> Cluster {
        let mut setup = Setup::new(validators, 0, algorithm);
        for (i, (config, _)) in setup.configs.iter_mut().enumerate() {
            edit(i, config);
        }
        setup.launch(validators)
    }

    /// Starts (or restarts) node `i`; its output is appended to `node.log` in its directory.
    pub fn start_node(&mut self, i: usize) {
        let node = &mut self.nodes[i];
        assert!(node.child.is_none(), "{} is already running", node.name);
        let log_path = node.config_path.with_file_name("node.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("node log");
        // A validator told to misbehave (equivocate, flood gossip or votes) is allowed to.
        let byzantine = node.config.consensus.as_ref().is_some_and(|c| {
            c.byzantine.is_some() || c.gossip_flood.is_some() || c.vote_flood.is_some()
        });
        let mut command = Command::new(node_binary());
        if byzantine {
            command.env(gongxin_node::config::ALLOW_BYZANTINE_ENV, "1");
        }
        let child = command
            .args(["run", "--config"])
            .arg(&node.config_path)
            .envs(node.env.iter().map(|(k, v)| (k, v)))
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("start gongxin-node");
        node.child = Some(child);
    }

    /// `kill -9` node `i`: no chance to flush or say goodbye.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops node `i`'s process where it stands (SIGSTOP): it keeps its connections open and
    /// answers nothing, as a hung machine does, until [`Cluster::resume`].
    pub fn pause(&mut self, i: usize) {
        self.signal(i, rustix::process::Signal::STOP);
    }

    /// Lets a paused node `i` go on (SIGCONT).
    pub fn resume(&mut self, i: usize) {
        self.signal(i, rustix::process::Signal::CONT);
    }

    fn signal(&self, i: usize, signal: rustix::process::Signal) {
        if let Some(child) = &self.nodes[i].child
            && let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32)
        {
            let _ = rustix::process::kill_process(pid, signal);
        }
    }

    /// What node `i` says of `tx` (`GET /v1/txs/{hash}`, unsigned): status, and where it was
    /// committed.
    pub fn tx_status(&self, i: usize, tx: &SignedTx) -> Option<serde_json::Value> {
        self.get_json(i, &format!("/v1/txs/{}", tx.hash()))
    }

    /// Whether every node reports `tx` committed.
    pub fn committed_everywhere(&self, tx: &SignedTx) -> bool {
        (0..self.nodes.len()).all(|i| self.is_committed(i, tx))
    }

    /// Waits (up to `timeout`) until every node has committed each of `txs`, resubmitting the
    /// ones still missing to every gateway meanwhile, as a client does when the node it used
    /// went away (a transaction is known by its hash, so a resend is harmless). Returns how
    /// many resubmissions it made, or the number still missing.
    pub fn settle_committed(&self, txs: &[SignedTx], timeout: Duration) -> Result<usize, usize> {
        let mut resubmitted = 0;
        let settled = self.wait_for(timeout, |c| {
            let pending: Vec<&SignedTx> = txs
                .iter()
                .filter(|tx| !c.committed_everywhere(tx))
                .collect();
            for tx in &pending {
                for i in 0..c.nodes.len() {
                    c.submit(i, tx);
                }
            }
            resubmitted += pending.len();
            pending.is_empty()
        });
        if settled {
            Ok(resubmitted)
        } else {
            Err(txs
                .iter()
                .filter(|tx| !self.committed_everywhere(tx))
                .count())
        }
    }

    /// Checks each of `txs` sits at one place, the same height and position on every node.
    pub fn assert_committed_once(&self, txs: &[SignedTx]) {
        for tx in txs {
            let places: Vec<_> = (0..self.nodes.len())
                .map(|i| {
                    let status = self.tx_status(i, tx).expect("status");
                    (status["height"].clone(), status["position"].clone())
                })
                .collect();
            assert!(
                places.windows(2).all(|w| w[0] == w[1]),
                "{} is at {places:?}",
                tx.hash()
            );
        }
    }

    /// Whether node `i`'s process is still alive.
    pub fn is_running(&mut self, i: usize) -> bool {
        match self.nodes[i].child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Node `i`'s log so far (for failure messages).
    pub fn log(&self, i: usize) -> String {
        let text = std::fs::read_to_string(self.nodes[i].config_path.with_file_name("node.log"))
            .unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    fn get_json(&self, i: usize, path: &str) -> Option<serde_json::Value> {
        let url = format!("{}{path}", self.nodes[i].http);
        let mut response = http_agent().get(&url).call().ok()?;
        if response.status() != 200 {
            return None;
        }
        response.body_mut().read_json().ok()
    }

    /// [`Cluster::get_json`] as a signed read by member `key`, bound to node `i`.
    fn get_json_signed(&self, i: usize, path: &str, key: &Keypair) -> Option<serde_json::Value> {
        let nonce = new_nonce().ok()?;
        let headers = sign_read_request(
            key,
            &ReadRequest {
                chain_id: &self.keys.genesis.chain_id,
                node: &self.nodes[i].name,
                method: "GET",
                path_and_query: path,
                timestamp_ms: SystemClock.now_ms(),
                nonce: &nonce,
            },
        );
        let url = format!("{}{path}", self.nodes[i].http);
        let mut request = http_agent().get(&url);
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        let mut response = request.call().ok()?;
        if response.status() != 200 {
            return None;
        }
        response.body_mut().read_json().ok()
    }

    /// Node `i`'s committed height, if it answers.
    pub fn height(&self, i: usize) -> Option<u64> {
        self.get_json(i, "/v1/status")?["height"].as_u64()
    }

    /// Waits until `ready` holds, checking every 100 ms; false after `timeout`.
    pub fn wait_for(&self, timeout: Duration, mut ready: impl FnMut(&Cluster) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if ready(self) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        ready(self)
    }

    /// Waits until every node in `nodes` has committed at least `height`.
    pub fn wait_height(&self, nodes: &[usize], height: u64, timeout: Duration) -> bool {
        self.wait_for(timeout, |c| {
            nodes
                .iter()
                .all(|&i| c.height(i).is_some_and(|h| h >= height))
        })
    }

    /// Submits a transaction's canonical bytes to node `i`; returns the HTTP status.
    pub fn submit(&self, i: usize, tx: &SignedTx) -> u16 {
        let url = format!("{}/v1/txs", self.nodes[i].http);
        match http_agent()
            .post(&url)
            .header("content-type", "application/octet-stream")
            .send(&tx.to_bytes()[..])
        {
            Ok(response) => response.status().as_u16(),
            Err(_) => 0,
        }
    }

    /// Submits `txs` to `nodes` in turn; each must be admitted.
    pub fn submit_all(&self, txs: &[SignedTx], nodes: &[usize]) {
        for (tx, &i) in txs.iter().zip(nodes.iter().cycle()) {
            let status = self.submit(i, tx);
            assert!(
                status == 202 || status == 200,
                "submit to {} gave {status}",
                self.nodes[i].name
            );
        }
    }

    /// Whether node `i` reports `tx` committed.
    pub fn is_committed(&self, i: usize, tx: &SignedTx) -> bool {
        self.get_json(i, &format!("/v1/txs/{}", tx.hash()))
            .is_some_and(|v| v["status"] == "committed")
    }

    /// Node `i`'s `/v1/status`, as JSON.
    pub fn status(&self, i: usize) -> Option<serde_json::Value> {
        self.get_json(i, "/v1/status")
    }

    /// Node `i`'s block at `height`: header and certificate.
    pub fn block(&self, i: usize, height: u64) -> Option<(BlockHeader, Option<CommitCertificate>)> {
        let value = self.get_json(i, &format!("/v1/blocks/{height}"))?;
        let header: BlockHeader = serde_json::from_value(value["header"].clone()).ok()?;
        let certificate = serde_json::from_value(value["certificate"].clone()).ok();
        Some((header, certificate))
    }

    /// A counter from node `i`'s `/metrics` (Prometheus text), if present.
    pub fn metric(&self, i: usize, name: &str) -> Option<u64> {
        let url = format!("{}/metrics", self.nodes[i].http);
        let mut response = http_agent().get(&url).call().ok()?;
        let text = response.body_mut().read_to_string().ok()?;
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
    }

    /// Node `i`'s latest checkpoint note.
    pub fn checkpoint(&self, i: usize) -> Option<String> {
        let url = format!("{}/v1/checkpoint", self.nodes[i].http);
        let mut response = http_agent().get(&url).call().ok()?;
        if response.status() != 200 {
            return None;
        }
        response.body_mut().read_to_string().ok()
    }

    /// Every validator set node `i` knows, by the height it takes effect at.
    pub fn validator_sets(&self, i: usize) -> Vec<(u64, ValidatorSet)> {
        let value = self
            .get_json(i, "/v1/validator-sets")
            .expect("validator sets");
        value["validator_sets"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|entry| {
                let validators: Vec<Validator> =
                    serde_json::from_value(entry["validators"].clone()).expect("validators");
                (
                    entry["from_height"].as_u64().expect("height"),
                    ValidatorSet::new(validators).expect("a valid set"),
                )
            })
            .collect()
    }

    /// The validator set of block `height` as node `i` knows it.
    pub fn validator_set_at(&self, i: usize, height: u64) -> ValidatorSet {
        self.validator_sets(i)
            .into_iter()
            .rev()
            .find(|(from, _)| *from <= height)
            .map(|(_, set)| set)
            .expect("genesis set at 0")
    }

    /// No node recorded evidence of a validator signing twice (a double vote or proposal).
    pub fn assert_no_equivocation(&self) {
        for (i, node) in self.nodes.iter().enumerate() {
            assert_eq!(
                self.metric(i, "gongxin_equivocation_evidence_total"),
                Some(0),
                "{} recorded an equivocation",
                node.name
            );
        }
    }

    /// Checks every height all of `nodes` have committed: the same header everywhere, and each
    /// node's certificate for it verifies against the validator set of that height (more than
    /// 2/3 of its power).
    pub fn assert_agree(&self, nodes: &[usize]) {
        let up_to = nodes
            .iter()
            .map(|&i| {
                self.height(i)
                    .unwrap_or_else(|| panic!("{} does not answer", self.nodes[i].name))
            })
            .min()
            .expect("at least one node");
        let chain_id = &self.keys.genesis.chain_id;
        let sets = self.validator_sets(nodes[0]);
        for height in 1..=up_to {
            let validators = &sets
                .iter()
                .rev()
                .find(|(from, _)| *from <= height)
                .expect("a set")
                .1;
            let mut first: Option<BlockHeader> = None;
            for &i in nodes {
                let (header, certificate) = self
                    .block(i, height)
                    .unwrap_or_else(|| panic!("{} has no block {height}", self.nodes[i].name));
                let certificate = certificate.unwrap_or_else(|| {
                    panic!("{} has no certificate at {height}", self.nodes[i].name)
                });
                certificate
                    .verify(chain_id, &header, validators)
                    .unwrap_or_else(|e| {
                        panic!("{}: certificate {height} fails: {e}", self.nodes[i].name)
                    });
                match &first {
                    None => first = Some(header),
                    Some(expected) => assert_eq!(
                        &header, expected,
                        "{} disagrees at height {height}",
                        self.nodes[i].name
                    ),
                }
            }
        }
    }

    /// The validator-set hand-overs node `i` serves, oldest first.
    pub fn handovers(&self, i: usize) -> Vec<HandOver> {
        let value = self
            .get_json(i, "/v1/validator-sets")
            .expect("validator sets");
        value["validator_sets"]
            .as_array()
            .expect("a list")
            .iter()
            .filter(|set| !set["handover"].is_null())
            .map(|set| serde_json::from_value(set["handover"].clone()).expect("a hand-over"))
            .collect()
    }

    /// Node `i`'s latest public-log checkpoint note.
    pub fn public_checkpoint(&self, i: usize) -> Option<String> {
        let url = format!("{}/public/v1/checkpoint", self.nodes[i].http);
        let mut response = http_agent().get(&url).call().ok()?;
        if response.status() != 200 {
            return None;
        }
        response.body_mut().read_to_string().ok()
    }

    /// What `gongxin proof` saves for `tx`, from node `i`: its latest checkpoint, the
    /// inclusion proof at that size (a signed read by the audit director) and the hand-overs
    /// up to that size.
    pub fn proof_bundle(&self, i: usize, tx: &gongxin_core::Hash) -> ProofBundle {
        let note = self.checkpoint(i).expect("a checkpoint");
        let size = SignedCheckpoint::parse(&note)
            .expect("checkpoint parses")
            .checkpoint
            .tree_size;
        let proof = self
            .get_json_signed(
                i,
                &format!("/v1/proofs/inclusion?tx={tx}&tree_size={size}"),
                &self.member_key("audit-director"),
            )
            .expect("an inclusion proof");
        ProofBundle {
            tx_hash: *tx,
            proof: serde_json::from_value(proof).expect("an inclusion proof"),
            checkpoint: note,
            handovers: needed_for(&self.handovers(i), Log::Ledger, size),
        }
    }

    /// Checks that node `i`'s latest checkpoint is signed by more than 2/3 of the power.
    pub fn assert_checkpoint_quorum(&self, i: usize) {
        let height = self.height(i).expect("height");
        let note = self.checkpoint(i).expect("a checkpoint");
        let validators = self.validator_set_at(i, height);
        let parsed = SignedCheckpoint::parse(&note).expect("checkpoint parses");
        let signers = parsed
            .verify(&self.keys.genesis.chain_id, &validators)
            .unwrap_or_else(|e| panic!("checkpoint of {} fails: {e}\n{note}", self.nodes[i].name));
        assert!(
            signers.len() * 3 > validators.len() * 2,
            "checkpoint signed by {signers:?} only"
        );
    }

    /// `count` valid transactions (project proposals by line-department specialists), unique
    /// to `tag`, valid from `height`.
    pub fn proposals(&self, tag: &str, count: usize, height: u64) -> Vec<SignedTx> {
        let txs = self
            .keys
            .proposals(tag, count, SystemClock.now_ms(), height + 5_000);
        assert_eq!(txs.len(), count, "no line specialists in the devnet");
        txs
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::env::var_os("GONGXIN_KEEP_CLUSTER").is_some()
            && let Some(dir) = self._dir.take()
        {
            eprintln!("cluster kept in {}", dir.keep().display());
        }
        for node in &mut self.nodes {
            if let Some(child) = node.child.as_mut()
                && let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32)
            {
                // A paused node must run again to handle SIGTERM.
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::CONT);
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                    std::thread::sleep(Duration::from_millis(50));
                }
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// A TCP forwarder between two nodes that a test can cut: while blocked it closes the live
/// connections and refuses new ones. Nodes dial only configured addresses (discovery is off),
/// so pointing a node's peer addresses at proxies puts every link under the test's control;
/// noise still authenticates end to end through it.
#[derive(Debug)]
pub struct Proxy {
    pub port: u16,
    blocked: std::sync::Arc<std::sync::atomic::AtomicBool>,
    live: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Proxy {
    /// Forwards a new local port to `127.0.0.1:target`.
    pub fn start(target: u16) -> Proxy {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, Mutex};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("proxy port");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let blocked = Arc::new(AtomicBool::new(false));
        let live: Arc<Mutex<Vec<std::net::TcpStream>>> = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (b, l, s) = (blocked.clone(), live.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let Ok((inbound, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                if b.load(Ordering::Relaxed) {
                    drop(inbound);
                    continue;
                }
                let _ = inbound.set_nonblocking(false);
                let Ok(outbound) = std::net::TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let _ = inbound.set_nodelay(true);
                let _ = outbound.set_nodelay(true);
                if let (Ok(a), Ok(b2)) = (inbound.try_clone(), outbound.try_clone()) {
                    let mut guard = l.lock().unwrap_or_else(|e| e.into_inner());
                    guard.push(a);
                    guard.push(b2);
                }
                for (mut from, mut to) in [
                    (inbound.try_clone(), outbound.try_clone()),
                    (outbound.try_clone(), inbound.try_clone()),
                ]
                .into_iter()
                .filter_map(|(a, b)| Some((a.ok()?, b.ok()?)))
                {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                        let _ = from.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Proxy {
            port,
            blocked,
            live,
            stop,
        }
    }

    /// Cuts the link: closes live connections, refuses new ones until [`Proxy::unblock`].
    pub fn block(&self) {
        self.blocked
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        for stream in live.drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    pub fn unblock(&self) {
        self.blocked
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.block();
    }
}

/// Rewrites `address`'s `/tcp/<port>` to `port`.
fn with_port(address: &str, port: u16) -> String {
    let mut parts: Vec<String> = address.split('/').map(str::to_owned).collect();
    if let Some(i) = parts.iter().position(|p| p == "tcp") {
        parts[i + 1] = port.to_string();
    }
    parts.join("/")
}

fn port_of(address: &str) -> u16 {
    let parts: Vec<&str> = address.split('/').collect();
    let i = parts
        .iter()
        .position(|p| *p == "tcp")
        .expect("a tcp address");
    parts[i + 1].parse().expect("a port")
}

/// Links between nodes through [`Proxy`]s: `links[i][j]` carries node i's connections to j
/// (consensus and gossip).
#[derive(Debug, Default)]
pub struct Links {
    links: Vec<Vec<Vec<Proxy>>>,
}

impl Links {
    /// Cuts node `i` off from everyone (both directions).
    pub fn isolate(&self, i: usize) {
        for (a, row) in self.links.iter().enumerate() {
            for (b, proxies) in row.iter().enumerate() {
                if a == i || b == i {
                    proxies.iter().for_each(Proxy::block);
                }
            }
        }
    }

    /// Restores every link.
    /// Cuts the link between nodes `i` and `j` alone, both ways (consensus and gossip).
    pub fn cut(&self, i: usize, j: usize) {
        for (a, b) in [(i, j), (j, i)] {
            self.links[a][b].iter().for_each(Proxy::block);
        }
    }

    /// Mends the link between nodes `i` and `j` alone.
    pub fn mend(&self, i: usize, j: usize) {
        for (a, b) in [(i, j), (j, i)] {
            self.links[a][b].iter().for_each(Proxy::unblock);
        }
    }

    pub fn heal(&self) {
        self.links
            .iter()
            .flatten()
            .flatten()
            .for_each(Proxy::unblock);
    }
}

impl Cluster {
    /// Like [`Cluster::start`], but every link between two nodes goes through a [`Proxy`] the
    /// test can cut.
    pub fn start_with_links(validators: usize) -> (Cluster, Links) {
        let mut setup = Setup::new(validators, 0, gongxin_core::crypto::Algorithm::Ed25519);
        // Each node's consensus and gossip listen address, and its peer id.
        let endpoints: Vec<(String, String, String)> = setup
            .configs
            .iter()
            .map(|(c, _)| {
                let s = c.consensus.as_ref().expect("consensus settings");
                let peer_id = gongxin_node::consensus::engine::read_node_key(&s.node_key)
                    .expect("node key")
                    .public()
                    .to_peer_id()
                    .to_string();
                (s.listen.clone(), s.gossip_listen.clone(), peer_id)
            })
            .collect();
        let mut links = Links::default();
        for (i, (config, _)) in setup.configs.iter_mut().enumerate() {
            let settings = config.consensus.as_mut().expect("consensus settings");
            let mut row = Vec::new();
            (settings.peers, settings.gossip_peers) = (Vec::new(), Vec::new());
            for (j, (listen, gossip_listen, id)) in endpoints.iter().enumerate() {
                if i == j {
                    row.push(Vec::new());
                    continue;
                }
                let consensus = Proxy::start(port_of(listen));
                let gossip = Proxy::start(port_of(gossip_listen));
                settings
                    .peers
                    .push(format!("{}/p2p/{id}", with_port(listen, consensus.port)));
                settings.gossip_peers.push(format!(
                    "{}/p2p/{id}",
                    with_port(gossip_listen, gossip.port)
                ));
                row.push(vec![consensus, gossip]);
            }
            links.links.push(row);
        }
        (setup.launch(validators), links)
    }
}

/// A node that is not in the genesis validator set: it follows the chain (and votes once
/// governance adds it).
#[derive(Debug, Clone)]
pub struct Follower {
    pub name: String,
    pub department: String,
    pub key: Keypair,
}

impl Cluster {
    /// `validators` genesis validators plus `followers` (started only when the test says so,
    /// with [`Cluster::start_node`]); every node lists every other as a peer.
    pub fn start_with_followers(validators: usize, followers: &[Follower]) -> Cluster {
        use gongxin_node::config::ConsensusSettings;
        use gongxin_node::consensus::engine::write_node_key;
        let mut setup = Setup::new(
            validators,
            followers.len(),
            gongxin_core::crypto::Algorithm::Ed25519,
        );
        let (path, base) = (setup.dir.path().to_path_buf(), setup.base);
        let template = setup.configs[0].0.clone();
        for (k, follower) in followers.iter().enumerate() {
            let port = base + (validators + k) as u16;
            let node_dir = path.join("nodes").join(&follower.name);
            std::fs::create_dir_all(&node_dir).expect("node dir");
            let key_path = path.join("keys").join(format!("{}.key", follower.name));
            std::fs::write(
                &key_path,
                gongxin_core::crypto::KeyFile::from_keypair(&follower.name, &follower.key)
                    .to_json(),
            )
            .expect("key file");
            let node_key = path
                .join("keys")
                .join(format!("{}.node.key", follower.name));
            write_node_key(&node_key).expect("node key");
            let config = NodeConfig {
                name: follower.name.clone(),
                key: key_path,
                data_dir: node_dir.join("data"),
                http: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
                consensus: Some(ConsensusSettings::new(
                    node_key,
                    format!("/ip4/127.0.0.1/tcp/{}", port + 10),
                    format!("/ip4/127.0.0.1/tcp/{}", port + 20),
                )),
                ..template.clone()
            };
            setup.configs.push((config, node_dir.join("config.json")));
        }
        gongxin_devnet::connect_all(
            setup
                .configs
                .iter_mut()
                .filter_map(|(config, _)| config.consensus.as_mut()),
        )
        .expect("peer lists");
        setup.launch(validators)
    }

    /// The key of genesis member `name` (e.g. `finance-director`).
    pub fn member_key(&self, name: &str) -> Keypair {
        self.keys
            .member_by_name(name)
            .unwrap_or_else(|| panic!("no member {name}"))
            .clone()
    }

    /// A transaction by `signer` valid from `height`.
    pub fn tx(&self, signer: &Keypair, operation: Operation, height: u64, nonce: u64) -> SignedTx {
        TxBody {
            chain_id: self.keys.genesis.chain_id.clone(),
            signer: signer.public_key(),
            replay: ReplayGuard {
                nonce,
                valid_until_height: height + 5_000,
            },
            operation,
        }
        .sign(signer)
    }

    /// Submits `tx` to node `i` and waits until node `i` reports it committed and applied.
    pub fn commit(&self, i: usize, tx: &SignedTx, timeout: Duration) {
        self.submit_all(std::slice::from_ref(tx), &[i]);
        let applied = self.wait_for(timeout, |c| {
            c.get_json(i, &format!("/v1/txs/{}", tx.hash()))
                .is_some_and(|v| v["status"] == "committed")
        });
        assert!(applied, "{} not committed:\n{}", tx.hash(), self.log(i));
        // A rejection's code and reason are a signed read: asked as the signer (who may always
        // read their own transaction) when a member signed it, so a failure says why.
        let path = format!("/v1/txs/{}", tx.hash());
        let signer = self
            .keys
            .members
            .iter()
            .map(|(_, _, _, key)| key)
            .find(|key| key.public_key() == tx.body.signer);
        let outcome = signer
            .and_then(|key| self.get_json_signed(i, &path, key))
            .or_else(|| self.get_json(i, &path))
            .expect("tx status")["outcome"]
            .clone();
        assert_eq!(
            outcome["status"],
            "applied",
            "{} was not applied: {outcome}",
            tx.hash()
        );
    }
}
