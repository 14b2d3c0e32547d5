//! Seeded perturbation simulation: four validators' applications (real stores, execution,
//! commit and sync) under a schedule the seed draws — crashes and restarts from disk, network
//! partitions, up to 50 % of messages lost, proposal parts duplicated, reordered and arriving
//! rounds late, validators that start a round only after its proposal began to reach them,
//! lying proposers, resent client transactions and per-node clock skew up to ±20 s — checked
//! after every step:
//! - agreement: every block a node commits is the block decided for its height, byte for byte
//!   (so the same state hash, ledger root and public-log root on every node);
//! - durability: a restarted node still holds every block it had committed;
//! - no transaction is committed twice; a forged block is never judged valid, and an honest
//!   one is refused only by a clock it is truly ahead of;
//! - a running validator that received every part of a round's proposal judges it, whether
//!   or not its round had started when the first parts came;
//! - once the faults heal, every node reaches the same tip within a bounded number of rounds,
//!   and every transaction the client sent is committed exactly once (nothing acknowledged is
//!   lost), with certificates and both checkpoints verifying from the genesis.
//!
//! The engine (votes, rounds, its write-ahead log) is played by the simulation, as in
//! `consensus_sim`: a value is decided when the validators holding it as valid, and able to
//! reach one another, are a quorum. A crash happens between two messages the application
//! handles (the crash points inside a commit are `tests/tests/crash_points.rs`'s).
//!
//! Seeds: `GONGXIN_SEED=<n>` replays one; otherwise seeds `GONGXIN_SIM_FIRST` (default 1) and
//! on, `GONGXIN_SIM_SEEDS` of them (default 500), split across four tests that run in
//! parallel. `scripts/simulate` runs more.

mod sim;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use gongxin_core::Hash;
use gongxin_core::block::Block;
use gongxin_core::genesis::Genesis;
use gongxin_core::tx::SignedTx;
use gongxin_devnet::write_node_configs;
use gongxin_node::clock::{Clock, ManualClock};
use gongxin_node::config::NodeConfig;
use gongxin_node::consensus::BLOCK_TIME_SKEW_MS_MAX;
use gongxin_node::consensus::context::{
    Address, ConsensusValidatorSet, GongxinContext, Height, ProposalPart, ValueId, proposer_for,
};
use malachitebft_app_channel::AppMsg;
use malachitebft_app_channel::app::consensus::Role;
use malachitebft_app_channel::app::engine::host::{Next, SyncedValueOutcome};
use malachitebft_app_channel::app::types::core::{
    CommitCertificate, Height as _, Round, Validity, VoteExtensions,
};
use malachitebft_app_channel::app::types::{
    LocallyProposedValue, MisbehaviorEvidence, PeerId, ProposedValue,
};
use malachitebft_engine::util::streaming::StreamMessage;
use sim::{
    Rng, SIM_CLOCK_AFTER_GENESIS_MS, SimNode, ask, certificate, lie, open_node, proposal_of,
};

const VALIDATORS: usize = sim::SIM_VALIDATORS;
/// Of four equal powers, three are more than two thirds (checked against the genesis).
const QUORUM: usize = 3;
/// Heights decided while the faults are on.
const FAULTY_HEIGHTS: u64 = 6;
/// Rounds tried while the faults are on; a seed whose faults stop progress moves on to
/// healing when they run out.
const FAULTY_ROUNDS_MAX: u64 = 40;
/// Rounds within which a healed network must settle: every node at one tip, every
/// transaction committed. A node whose clock is 20 s behind a block's time refuses new
/// proposals until its clock passes it, so healing moves time 2 s per round.
const HEAL_ROUNDS_MAX: u64 = 80;
/// Transactions the client sends per seed.
const CLIENT_TXS: usize = 36;
/// The most a node's clock is off the true time, either way.
const SKEW_MS_MAX: u64 = 20_000;
const SEEDS_DEFAULT: u64 = 500;
const SHARDS: u64 = 4;

/// How hostile one seed's world is, drawn from the seed.
#[derive(Debug, Clone)]
struct Faults {
    /// Each proposal-part copy on each link and each sync answer is lost with this chance; a
    /// decision's certificate with half of it (votes are gossiped again, so a node hears of a
    /// decision more often than it gets one copy).
    drop_percent: u64,
    duplicate_percent: u64,
    /// A part copy is held back and delivered one to three rounds later.
    late_percent: u64,
    /// Per round and per crash point.
    crash_percent: u64,
    /// Per round, a validator other than the proposer whose engine runs starts the round only
    /// once part of the proposer's stream has reached it (it was still committing the height
    /// before).
    slow_start_percent: u64,
    /// Per round, a new partition (one node cut off, or two and two) starts.
    partition_percent: u64,
    lie_percent: u64,
    /// Each node's clock minus the true time.
    skew_ms: [i64; VALIDATORS],
}

impl Faults {
    fn draw(rng: &mut Rng) -> Faults {
        let skew_max = [0, 500, 5_000, SKEW_MS_MAX][rng.below(4) as usize];
        let mut skew_ms = [0; VALIDATORS];
        for skew in &mut skew_ms {
            *skew = rng.below(2 * skew_max + 1) as i64 - skew_max as i64;
        }
        Faults {
            drop_percent: [0, 5, 20, 50][rng.below(4) as usize],
            duplicate_percent: rng.below(31),
            late_percent: rng.below(21),
            crash_percent: rng.below(9),
            partition_percent: rng.below(16),
            lie_percent: rng.below(11),
            skew_ms,
            slow_start_percent: rng.below(41),
        }
    }

    /// The same world with the network and the processes mended (clocks stay as they are).
    fn healed(&self) -> Faults {
        Faults {
            drop_percent: 0,
            duplicate_percent: 0,
            late_percent: 0,
            crash_percent: 0,
            partition_percent: 0,
            lie_percent: 0,
            skew_ms: self.skew_ms,
            slow_start_percent: 0,
        }
    }
}

/// What one seed did, summed over seeds for the report.
#[derive(Debug, Default, Clone)]
struct Stats {
    seeds: u64,
    rounds: u64,
    heights: u64,
    crashes: u64,
    restarts: u64,
    partitions: u64,
    part_copies: u64,
    dropped: u64,
    duplicated: u64,
    late: u64,
    slow_starts: u64,
    lies: u64,
    skew_refusals: u64,
    missed_decisions: u64,
    synced_blocks: u64,
    corrupt_sync_answers: u64,
    resent_txs: u64,
    txs_committed: u64,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.seeds += o.seeds;
        self.rounds += o.rounds;
        self.heights += o.heights;
        self.crashes += o.crashes;
        self.restarts += o.restarts;
        self.partitions += o.partitions;
        self.part_copies += o.part_copies;
        self.dropped += o.dropped;
        self.duplicated += o.duplicated;
        self.late += o.late;
        self.slow_starts += o.slow_starts;
        self.lies += o.lies;
        self.skew_refusals += o.skew_refusals;
        self.missed_decisions += o.missed_decisions;
        self.synced_blocks += o.synced_blocks;
        self.corrupt_sync_answers += o.corrupt_sync_answers;
        self.resent_txs += o.resent_txs;
        self.txs_committed += o.txs_committed;
    }
}

/// One validator: its files, its clock, and its process when it runs.
struct Slot {
    config: NodeConfig,
    clock: Arc<ManualClock>,
    running: Option<SimNode>,
    /// The height the engine has started rounds of (`None`: none since it started, or it
    /// moved on).
    engine_height: Option<Height>,
    /// Whether its engine has started a round since the process started. Until then Malachite
    /// holds back every proposal part (it buffers consensus input until it runs), so only a
    /// node whose engine runs can get parts before its round starts (a slow start).
    engine_running: bool,
    /// Its tip when it last crashed: a restart must find at least this.
    tip_at_crash: u64,
}

/// A decided height: its block, and who proposed it (value sync names the proposer).
struct Decision {
    block: Block,
    proposer: Address,
}

/// A part copy delivered in a later round.
struct LatePart {
    to: usize,
    due_round: u64,
    from: PeerId,
    publisher: PeerId,
    part: StreamMessage<ProposalPart>,
}

/// A side of a partition: the nodes on it.
type Side = [bool; VALIDATORS];

struct World {
    seed: u64,
    rng: Rng,
    faults: Faults,
    dir: PathBuf,
    genesis: Genesis,
    set: ConsensusValidatorSet,
    slots: Vec<Slot>,
    /// The true time; node i's clock reads `now_ms + skew_ms[i]`.
    now_ms: u64,
    /// A partition in force and the rounds it has left.
    partition: Option<(Side, u64)>,
    decided: Vec<Decision>,
    late: Vec<LatePart>,
    /// Every round so far (for `LatePart::due_round`).
    round_count: u64,
    txs: Vec<SignedTx>,
    sent: usize,
    /// Each committed transaction and the height that committed it.
    committed: HashMap<Hash, u64>,
    forged: Vec<ValueId>,
    stats: Stats,
}

impl World {
    async fn new(seed: u64, dir: &Path) -> World {
        let mut rng = Rng(seed);
        let faults = Faults::draw(&mut rng);
        let (keys, configs) = write_node_configs(dir, VALIDATORS, 40_000).unwrap();
        let powers: Vec<u64> = keys
            .genesis
            .validators
            .validators()
            .iter()
            .map(|v| v.power)
            .collect();
        assert!(
            powers.iter().all(|p| *p == powers[0]),
            "QUORUM assumes equal powers"
        );
        let now_ms = keys.genesis.genesis_time_ms + SIM_CLOCK_AFTER_GENESIS_MS;
        let slots = configs
            .into_iter()
            .map(|(config, _)| Slot {
                config,
                clock: ManualClock::new(now_ms),
                running: None,
                engine_height: None,
                engine_running: false,
                tip_at_crash: 0,
            })
            .collect();
        let mut world = World {
            seed,
            rng,
            faults,
            dir: dir.to_owned(),
            set: ConsensusValidatorSet::new(&keys.genesis.validators),
            txs: keys.proposals(&format!("PSIM{seed}"), CLIENT_TXS, 0, 1_000),
            genesis: keys.genesis,
            slots,
            now_ms,
            partition: None,
            decided: Vec::new(),
            late: Vec::new(),
            round_count: 0,
            sent: 0,
            committed: HashMap::new(),
            forged: Vec::new(),
            stats: Stats {
                seeds: 1,
                ..Stats::default()
            },
        };
        world.advance(0);
        for i in 0..VALIDATORS {
            world.restart(i).await;
        }
        world
    }

    fn chain_id(&self) -> String {
        self.genesis.chain_id.clone()
    }

    /// Moves the true time on; every node's clock keeps its skew.
    fn advance(&mut self, ms: u64) {
        self.now_ms += ms;
        for (slot, skew) in self.slots.iter().zip(self.faults.skew_ms) {
            slot.clock.set_ms(self.now_ms.saturating_add_signed(skew));
        }
    }

    fn node(&mut self, i: usize) -> &mut SimNode {
        self.slots[i].running.as_mut().expect("a running node")
    }

    fn is_running(&self, i: usize) -> bool {
        self.slots[i].running.is_some()
    }

    fn tip(&self, i: usize) -> Option<u64> {
        self.slots[i].running.as_ref().map(SimNode::height)
    }

    fn connected(&self, a: usize, b: usize) -> bool {
        match &self.partition {
            Some((side, _)) => side[a] == side[b],
            None => true,
        }
    }

    fn crash(&mut self, i: usize) {
        let slot = &mut self.slots[i];
        if let Some(node) = slot.running.take() {
            slot.tip_at_crash = node.height();
            slot.engine_height = None;
            slot.engine_running = false;
            self.stats.crashes += 1;
            // Queued late parts die with the process that would have received them.
            self.late.retain(|l| l.to != i);
        }
    }

    /// Crashes node `i` with the seed's crash chance, keeping at least one node running.
    fn maybe_crash(&mut self, i: usize, percent: u64) -> bool {
        let running = (0..VALIDATORS).filter(|&j| self.is_running(j)).count();
        if running > 1 && self.is_running(i) && self.rng.chance(percent) {
            self.crash(i);
            return true;
        }
        false
    }

    /// Starts node `i` from its files: it must hold every block it had committed, each the
    /// decided one, and the engine resumes after its tip.
    async fn restart(&mut self, i: usize) {
        let chain_id = self.chain_id();
        let slot = &self.slots[i];
        let mut opened = None;
        // A task of the dropped process may hold the store for a moment after its last answer
        // (longer on a loaded machine: up to 30 s, like an answer).
        for _ in 0..3_000 {
            match open_node(&self.dir, i, &slot.config, &chain_id, slot.clock.clone()) {
                Ok(node) => {
                    opened = Some(node);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
        let mut node = opened.unwrap_or_else(|| {
            let error = open_node(&self.dir, i, &slot.config, &chain_id, slot.clock.clone())
                .err()
                .unwrap();
            panic!("seed {}: node {i} cannot restart: {error}", self.seed)
        });
        let tip = node.height();
        assert!(
            tip >= slot.tip_at_crash,
            "seed {}: node {i} lost blocks in a crash: tip {tip}, had {}",
            self.seed,
            slot.tip_at_crash
        );
        let (height, _) = ask(&mut node.app, |reply| AppMsg::ConsensusReady { reply }).await;
        assert_eq!(height, Height(tip + 1), "seed {}", self.seed);
        self.slots[i].running = Some(node);
        self.slots[i].engine_height = None;
        self.check_blocks(i, 1);
    }

    /// Node `i`'s blocks from `from` through its tip are the decided ones.
    fn check_blocks(&mut self, i: usize, from: u64) {
        let seed = self.seed;
        let tip = self.tip(i).expect("running");
        assert!(
            tip <= self.decided.len() as u64,
            "seed {seed}: node {i} is at {tip}, beyond what was decided"
        );
        for h in from.max(1)..=tip {
            let block = self.node(i).node.reader().block(h).unwrap();
            assert_eq!(
                block.as_ref(),
                Some(&self.decided[h as usize - 1].block),
                "seed {seed}: node {i} holds another block at height {h}"
            );
        }
    }

    /// Records the first commit of a height: no transaction in it was committed before.
    fn record_decision(&mut self, decision: Decision) {
        let height = decision.block.header.height;
        assert_eq!(height, self.decided.len() as u64 + 1, "seed {}", self.seed);
        for tx in &decision.block.txs {
            if let Some(first) = self.committed.insert(tx.hash(), height) {
                panic!(
                    "seed {}: transaction {} committed at {first} and again at {height}",
                    self.seed,
                    tx.hash()
                );
            }
        }
        self.stats.heights += 1;
        self.decided.push(decision);
    }

    /// The client: new transactions to one or two running nodes, and now and then one sent
    /// before (committed or not) sent again to another node.
    fn client(&mut self, new: u64) {
        let running: Vec<usize> = (0..VALIDATORS).filter(|&i| self.is_running(i)).collect();
        if running.is_empty() {
            return;
        }
        for _ in 0..new {
            if self.sent == self.txs.len() {
                break;
            }
            let tx = self.txs[self.sent].clone();
            self.sent += 1;
            for _ in 0..=self.rng.below(2) {
                let i = running[self.rng.below(running.len() as u64) as usize];
                let _ = self.node(i).node.admission.submit(tx.clone(), 0);
            }
        }
        if self.sent > 0 && self.rng.chance(30) {
            let tx = self.txs[self.rng.below(self.sent as u64) as usize].clone();
            let i = running[self.rng.below(running.len() as u64) as usize];
            let _ = self.node(i).node.admission.submit(tx, 0);
            self.stats.resent_txs += 1;
        }
    }

    /// Partitions start and end.
    fn weather(&mut self) {
        match &mut self.partition {
            Some((_, rounds_left)) if *rounds_left > 1 => *rounds_left -= 1,
            Some(_) => self.partition = None,
            None if self.rng.chance(self.faults.partition_percent) => {
                let mut side = [false; VALIDATORS];
                let first = self.rng.below(VALIDATORS as u64) as usize;
                side[first] = true;
                if self.rng.chance(50) {
                    // Two and two: no side has a quorum.
                    let second = (first + 1 + self.rng.below(3) as usize) % VALIDATORS;
                    side[second] = true;
                }
                self.partition = Some((side, 1 + self.rng.below(6)));
                self.stats.partitions += 1;
            }
            None => {}
        }
    }

    /// Starts round `round` of `height` at node `i`; returns the proposals it held for it.
    async fn start_round(
        &mut self,
        i: usize,
        height: Height,
        round: Round,
    ) -> Vec<ProposedValue<GongxinContext>> {
        let proposer = proposer_for(&self.set, height, round).address.clone();
        self.slots[i].engine_height = Some(height);
        self.slots[i].engine_running = true;
        let values = ask(&mut self.node(i).app, |reply_value| AppMsg::StartedRound {
            height,
            round,
            proposer,
            role: Role::Validator,
            reply_value,
        })
        .await;
        let mut judged = Vec::new();
        for value in values {
            judged.push(self.judge(i, value));
        }
        judged
    }

    /// Starts (height, round) at node `i`; the proposal of that round it had kept, judged.
    async fn round_value(
        &mut self,
        i: usize,
        height: Height,
        round: Round,
    ) -> Option<ProposedValue<GongxinContext>> {
        let values = self.start_round(i, height, round).await;
        values.into_iter().rfind(|v| v.round == round)
    }

    /// Checks a verdict node `i` reached on a complete proposal: a forged block is never
    /// valid, and an honest one is refused only when it is ahead of `i`'s clock.
    fn judge(
        &mut self,
        i: usize,
        value: ProposedValue<GongxinContext>,
    ) -> ProposedValue<GongxinContext> {
        let seed = self.seed;
        let id = value.value.block_id();
        if self.forged.contains(&id) {
            assert_eq!(
                value.validity,
                Validity::Invalid,
                "seed {seed}: node {i} accepted a forged block"
            );
        } else if value.validity == Validity::Invalid {
            let time = value.value.header().timestamp_ms;
            let clock = self.slots[i].clock.now_ms();
            assert!(
                time > clock + BLOCK_TIME_SKEW_MS_MAX,
                "seed {seed}: node {i} refused an honest block (time {time}, its clock {clock})"
            );
            self.stats.skew_refusals += 1;
        }
        value
    }

    /// Delivers the late part copies that are due.
    async fn deliver_late(&mut self) {
        let due: Vec<LatePart>;
        (due, self.late) = std::mem::take(&mut self.late)
            .into_iter()
            .partition(|l| l.due_round <= self.round_count);
        for late in due {
            if self.is_running(late.to) {
                let value = ask(&mut self.node(late.to).app, |reply| {
                    AppMsg::ReceivedProposalPart {
                        from: late.from,
                        published_by: Some(late.publisher),
                        part: late.part,
                        reply,
                    }
                })
                .await;
                if let Some(value) = value {
                    self.judge(late.to, value);
                }
            }
        }
    }

    /// Sends `stream` from proposer `p` to node `to`, directly and through every other
    /// participant that can reach both, each copy lost, duplicated or delayed by the seed's
    /// chances and all of them shuffled. With `starts_midway`, `to` starts that (height, round)
    /// after a seeded share of the copies has reached it. Returns the value `to` completed (or
    /// had kept for the round), if any: there must be one if every part reached it.
    async fn gossip(
        &mut self,
        p: usize,
        to: usize,
        participants: &[usize],
        stream: &[StreamMessage<ProposalPart>],
        starts_midway: Option<(Height, Round)>,
    ) -> Option<ProposedValue<GongxinContext>> {
        let publisher = self.node(p).peer;
        let senders: Vec<usize> = std::iter::once(p)
            .chain(participants.iter().copied().filter(|&k| k != p && k != to))
            .filter(|&k| self.is_running(k) && self.connected(k, to) && self.connected(k, p))
            .collect();
        let mut schedule = Vec::new();
        for part in stream {
            for &k in &senders {
                self.stats.part_copies += 1;
                if self.rng.chance(self.faults.drop_percent) {
                    self.stats.dropped += 1;
                    continue;
                }
                let from = self.node(k).peer;
                if self.rng.chance(self.faults.late_percent) {
                    self.stats.late += 1;
                    self.late.push(LatePart {
                        to,
                        due_round: self.round_count + 1 + self.rng.below(3),
                        from,
                        publisher,
                        part: part.clone(),
                    });
                    continue;
                }
                schedule.push((from, part.clone()));
                if self.rng.chance(self.faults.duplicate_percent) {
                    self.stats.duplicated += 1;
                    schedule.push((from, part.clone()));
                }
            }
        }
        self.rng.shuffle(&mut schedule);
        let whole = stream
            .iter()
            .all(|part| schedule.iter().any(|(_, s)| s.sequence == part.sequence));
        let after_start = match starts_midway {
            Some(_) => {
                self.stats.slow_starts += 1;
                let cut = self.rng.below(schedule.len() as u64 + 1) as usize;
                schedule.split_off(cut)
            }
            None => Vec::new(),
        };
        let mut completed = self.deliver(to, publisher, schedule).await;
        if let Some((height, round)) = starts_midway {
            completed = self.round_value(to, height, round).await.or(completed);
        }
        completed = self.deliver(to, publisher, after_start).await.or(completed);
        let seed = self.seed;
        assert!(
            completed.is_some() || !whole,
            "seed {seed}: node {to} received every part of a proposal and never judged it"
        );
        completed
    }

    /// Delivers part copies to node `to` in order; the value the last completed stream gave.
    async fn deliver(
        &mut self,
        to: usize,
        publisher: PeerId,
        copies: Vec<(PeerId, StreamMessage<ProposalPart>)>,
    ) -> Option<ProposedValue<GongxinContext>> {
        let mut completed = None;
        for (from, part) in copies {
            let value = ask(&mut self.node(to).app, |reply| {
                AppMsg::ReceivedProposalPart {
                    from,
                    published_by: Some(publisher),
                    part,
                    reply,
                }
            })
            .await;
            if let Some(value) = value {
                completed = Some(self.judge(to, value));
            }
        }
        completed
    }

    /// Brings node `i` up to the highest tip of a node it can reach, by value sync: each
    /// answer may be lost or corrupted on the way. Bounded: the rest is left for later rounds.
    async fn catch_up(&mut self, i: usize) {
        let seed = self.seed;
        for _ in 0..4 {
            let Some(tip) = self.tip(i) else { return };
            let source = (0..VALIDATORS)
                .filter(|&j| j != i && self.connected(i, j))
                .filter_map(|j| self.tip(j).map(|t| (t, j)))
                .filter(|&(t, _)| t > tip)
                .max_by_key(|&(t, j)| (t, std::cmp::Reverse(j)));
            let Some((_, j)) = source else { return };
            let from = Height(tip + 1);
            let values = ask(&mut self.node(j).app, |reply| AppMsg::GetDecidedValues {
                range: from..=Height(tip + 16),
                reply,
            })
            .await;
            assert!(!values.is_empty(), "seed {seed}: node {j} serves nothing");
            for raw in values {
                if self.rng.chance(self.faults.drop_percent) {
                    return; // the answer was lost; the engine asks again later
                }
                let height = raw.certificate.height;
                let round = raw.certificate.round;
                let proposer = self.decided[height.0 as usize - 1].proposer.clone();
                if self.slots[i].engine_height != Some(height) {
                    self.start_round(i, height, Round::new(0)).await;
                }
                if self.rng.chance(5) {
                    // A corrupted copy is the peer's fault, and changes nothing here.
                    self.stats.corrupt_sync_answers += 1;
                    let mut bytes = raw.value_bytes.to_vec();
                    bytes.truncate(bytes.len() / 2);
                    let outcome = ask(&mut self.node(i).app, |reply| AppMsg::ProcessSyncedValue {
                        height,
                        round,
                        proposer: proposer.clone(),
                        value_bytes: Bytes::from(bytes),
                        reply,
                    })
                    .await;
                    assert!(
                        matches!(outcome, SyncedValueOutcome::PeerFault),
                        "seed {seed}"
                    );
                }
                let outcome = ask(&mut self.node(i).app, |reply| AppMsg::ProcessSyncedValue {
                    height,
                    round,
                    proposer,
                    value_bytes: raw.value_bytes.clone(),
                    reply,
                })
                .await;
                assert!(
                    matches!(&outcome, SyncedValueOutcome::Verdict(v) if v.validity == Validity::Valid),
                    "seed {seed}: node {i} refused synced block {height}"
                );
                let certificate = raw.certificate.trim_vote_extensions();
                let extensions = raw.certificate.vote_extensions();
                self.commit(i, certificate, extensions, true).await;
                self.stats.synced_blocks += 1;
                if !self.is_running(i) || self.maybe_crash(i, self.faults.crash_percent / 2) {
                    return;
                }
            }
        }
    }

    /// Hands node `i` a decision (`Decided`, then `Finalized`) and checks what it did: it
    /// committed the decided block, or — only if it did not hold it as valid (`holds_block`)
    /// — restarts the height to sync.
    async fn commit(
        &mut self,
        i: usize,
        certificate: CommitCertificate<GongxinContext>,
        extensions: VoteExtensions<GongxinContext>,
        holds_block: bool,
    ) {
        let seed = self.seed;
        let height = certificate.height;
        ask(&mut self.node(i).app, |reply| AppMsg::Decided {
            certificate: certificate.clone(),
            extensions: extensions.clone(),
            reply,
        })
        .await;
        let committed = self.tip(i) == Some(height.0);
        assert!(
            committed || !holds_block,
            "seed {seed}: node {i} held the decided block of {height} as valid but did not commit it"
        );
        if committed {
            if self.decided.len() < height.0 as usize {
                let block = self.node(i).node.reader().block(height.0).unwrap().unwrap();
                let proposer = proposer_for(&self.set, height, certificate.round)
                    .address
                    .clone();
                self.record_decision(Decision { block, proposer });
            }
            self.check_blocks(i, height.0);
            // Crashed after the commit, before the engine moved on.
            if self.maybe_crash(i, self.faults.crash_percent / 3) {
                return;
            }
        }
        let next = ask(&mut self.node(i).app, |reply| AppMsg::Finalized {
            certificate,
            extensions,
            evidence: MisbehaviorEvidence {
                proposals: Default::default(),
                votes: Default::default(),
            },
            reply,
        })
        .await;
        if committed {
            assert!(
                matches!(next, Next::Start(h, _) if h == height.increment()),
                "seed {seed}: node {i} did not move on after committing {height}"
            );
            self.slots[i].engine_height = None;
        } else {
            assert!(
                matches!(next, Next::Restart(h, _) if h == height),
                "seed {seed}: node {i} moved on without the block of {height}"
            );
            self.stats.missed_decisions += 1;
        }
    }

    /// One round of the height after the decided ones. Returns whether it decided.
    async fn round(&mut self, round: Round) -> bool {
        let height = Height(self.decided.len() as u64 + 1);
        self.round_count += 1;
        self.stats.rounds += 1;
        self.weather();
        for i in 0..VALIDATORS {
            if !self.is_running(i) && self.rng.chance(40) {
                self.restart(i).await;
                self.stats.restarts += 1;
            } else {
                self.maybe_crash(i, self.faults.crash_percent);
            }
        }
        let new = self.rng.below(6);
        self.client(new);
        for i in 0..VALIDATORS {
            self.catch_up(i).await;
        }
        self.deliver_late().await;

        // The engine's round: every running node at this height starts it; a slow one (still
        // committing the height before) only once the proposer's stream has begun to reach it.
        let participants: Vec<usize> = (0..VALIDATORS)
            .filter(|&i| self.tip(i) == Some(height.0 - 1))
            .collect();
        let proposer = proposer_for(&self.set, height, round).address.clone();
        let mut slow = [false; VALIDATORS];
        for &i in &participants {
            slow[i] = self.slots[i].engine_running
                && self.node(i).address != proposer
                && self.rng.chance(self.faults.slow_start_percent);
        }
        let mut valid: Vec<Option<ProposedValue<GongxinContext>>> = vec![None; VALIDATORS];
        for &i in participants.iter().filter(|&&i| !slow[i]) {
            valid[i] = self.round_value(i, height, round).await;
        }
        let proposed = self
            .propose(&participants, &mut slow, height, round, &mut valid)
            .await;
        // Slow nodes no stream reached (no proposer, or it crashed first) start it now.
        for &i in &participants {
            if slow[i] && self.is_running(i) {
                valid[i] = self.round_value(i, height, round).await;
            }
        }
        let Some((p, local)) = proposed else {
            return false;
        };
        // Precommits: the running participants on the proposer's side holding its block.
        let holds = |v: &Option<ProposedValue<GongxinContext>>| {
            v.as_ref()
                .is_some_and(|v| v.validity == Validity::Valid && v.value == local.value)
        };
        let voters: Vec<usize> = participants
            .iter()
            .copied()
            .filter(|&i| self.is_running(i) && self.connected(i, p) && holds(&valid[i]))
            .collect();
        if voters.len() < QUORUM || !voters.contains(&p) {
            return false;
        }
        let holders: Vec<bool> = valid.iter().map(holds).collect();
        self.decide(p, &local, &participants, &voters, &holders, round)
            .await;
        true
    }

    /// The proposer's part of a round: its block, streamed (honestly or forged) to the other
    /// participants, whose verdicts land in `valid`; a `slow` participant starts the round
    /// partway through its stream (and is then no longer slow). The proposer and its block,
    /// unless the round cannot decide (proposer down or behind, crashed before streaming, or
    /// lying).
    async fn propose(
        &mut self,
        participants: &[usize],
        slow: &mut [bool; VALIDATORS],
        height: Height,
        round: Round,
        valid: &mut [Option<ProposedValue<GongxinContext>>],
    ) -> Option<(usize, LocallyProposedValue<GongxinContext>)> {
        let proposer = proposer_for(&self.set, height, round).address.clone();
        // Down or behind, the proposer sends nothing: the round times out.
        let p = participants
            .iter()
            .copied()
            .find(|&i| self.node(i).address == proposer)?;
        let (local, mut parts) = proposal_of(self.node(p), height, round).await;
        if self.maybe_crash(p, self.faults.crash_percent) {
            return None; // crashed before its stream left
        }
        let lying = self.rng.chance(self.faults.lie_percent);
        if lying {
            let chain_id = self.chain_id();
            let (forged, value) = lie(&chain_id, &parts, &self.node(p).signer);
            self.forged.push(value.block_id());
            self.stats.lies += 1;
            parts = forged;
        }
        valid[p] = Some(ProposedValue {
            height,
            round,
            valid_round: Round::Nil,
            proposer,
            value: local.value.clone(),
            validity: Validity::Valid,
        });
        for &i in participants {
            if i != p && self.is_running(i) {
                let starts_midway = std::mem::take(&mut slow[i]).then_some((height, round));
                if let Some(value) = self.gossip(p, i, participants, &parts, starts_midway).await
                    && value.round == round
                {
                    valid[i] = Some(value);
                }
                self.maybe_crash(i, self.faults.crash_percent / 2);
            }
        }
        // After a forged stream, honest validators prevote nil.
        (!lying).then_some((p, local))
    }

    /// The decision of `local` by `voters`' precommits: the proposer commits first (it holds
    /// its block and voted); every other participant on its side hears of it unless the
    /// certificate is lost or it crashes first. One that held the block as valid (`holders`)
    /// must commit it.
    async fn decide(
        &mut self,
        p: usize,
        local: &LocallyProposedValue<GongxinContext>,
        participants: &[usize],
        voters: &[usize],
        holders: &[bool],
        round: Round,
    ) {
        let seed = self.seed;
        let chain_id = self.chain_id();
        let signers: Vec<_> = voters
            .iter()
            .map(|&i| {
                let n = self.slots[i].running.as_ref().unwrap();
                (&n.address, &n.signer)
            })
            .collect();
        let (certificate, extensions) = certificate(
            &chain_id,
            &signers,
            local.height,
            round,
            local.value.block_id(),
        );
        self.commit(p, certificate.clone(), extensions.clone(), true)
            .await;
        assert_eq!(
            self.decided.last().map(|d| &d.block.header),
            Some(local.value.header()),
            "seed {seed}: the decided block is not the proposed one"
        );
        let hearers: Vec<usize> = participants
            .iter()
            .copied()
            .filter(|&i| i != p && self.is_running(i) && self.connected(i, p))
            .collect();
        for i in hearers {
            if self.rng.chance(self.faults.drop_percent / 2)
                || self.maybe_crash(i, self.faults.crash_percent / 3)
            {
                continue; // it learns of the decision by sync
            }
            self.commit(i, certificate.clone(), extensions.clone(), holders[i])
                .await;
        }
    }

    /// Whether every node runs at the last decided height and every transaction sent is
    /// committed.
    fn settled(&self) -> bool {
        let top = self.decided.len() as u64;
        (0..VALIDATORS).all(|i| self.tip(i) == Some(top))
            && self.sent == self.txs.len()
            && self
                .txs
                .iter()
                .all(|tx| self.committed.contains_key(&tx.hash()))
    }

    async fn run(mut self) -> Stats {
        let seed = self.seed;
        let mut round = 0u32;
        let mut rounds = 0u64;
        while (self.decided.len() as u64) < FAULTY_HEIGHTS && rounds < FAULTY_ROUNDS_MAX {
            let step_ms = 100 + self.rng.below(900);
            self.advance(step_ms);
            let decided = self.round(Round::new(round)).await;
            round = if decided { 0 } else { round + 1 };
            rounds += 1;
        }

        // Healing: the network mends, every node is started, the client sends everything it
        // has not seen committed to every node; the chain must settle within a bound.
        self.faults = self.faults.healed();
        self.partition = None;
        for i in 0..VALIDATORS {
            if !self.is_running(i) {
                self.restart(i).await;
                self.stats.restarts += 1;
            }
        }
        self.client(CLIENT_TXS as u64);
        let mut heal_rounds = 0;
        while !self.settled() {
            assert!(
                heal_rounds < HEAL_ROUNDS_MAX,
                "seed {seed}: not settled {HEAL_ROUNDS_MAX} rounds after healing (tips {:?}, \
                 decided {}, {} of {} transactions committed; faults {:?})",
                (0..VALIDATORS).map(|i| self.tip(i)).collect::<Vec<_>>(),
                self.decided.len(),
                self.committed.len(),
                self.txs.len(),
                self.faults,
            );
            for tx in self.txs.clone() {
                if !self.committed.contains_key(&tx.hash()) {
                    for i in 0..VALIDATORS {
                        let _ = self.node(i).node.admission.submit(tx.clone(), 0);
                    }
                }
            }
            self.advance(2_000);
            let decided = self.round(Round::new(round)).await;
            round = if decided { 0 } else { round + 1 };
            heal_rounds += 1;
        }
        self.finish()
    }

    /// The end state: the same verified chain everywhere, each transaction in it once.
    fn finish(mut self) -> Stats {
        let top = self.decided.len() as u64;
        let nodes: Vec<&SimNode> = self
            .slots
            .iter()
            .filter_map(|s| s.running.as_ref())
            .collect();
        assert_eq!(nodes.len(), VALIDATORS);
        // Block times come from the proposers' skewed clocks (plus 1 ms per block where a
        // block's time had to pass its parent's).
        let skew = SKEW_MS_MAX;
        let start_ms = self.genesis.genesis_time_ms + SIM_CLOCK_AFTER_GENESIS_MS;
        let times = start_ms - skew..=self.now_ms + skew + top;
        sim::assert_same_verified_chain(self.seed, &self.genesis, &nodes, top, times);
        let mut in_chain = 0;
        for h in 1..=top {
            in_chain += nodes[0].node.reader().block(h).unwrap().unwrap().txs.len();
        }
        assert_eq!(
            in_chain,
            self.txs.len(),
            "seed {}: transactions in the chain",
            self.seed
        );
        self.stats.txs_committed = in_chain as u64;
        self.stats
    }
}

/// Runs one seed in its own directory.
async fn simulate(seed: u64) -> Stats {
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(seed, dir.path()).await;
    let faults = world.faults.clone();
    let stats = world.run().await;
    if std::env::var("GONGXIN_SEED").is_ok() {
        eprintln!("seed {seed}: {faults:?}\n{stats:?}");
    }
    stats
}

/// The seeds of shard `shard` of `SHARDS`.
fn seeds(shard: u64) -> Vec<u64> {
    if let Ok(seed) = std::env::var("GONGXIN_SEED") {
        let seed = seed.parse().expect("GONGXIN_SEED is a number");
        return if shard == 0 { vec![seed] } else { Vec::new() };
    }
    let number = |name: &str, default: u64| {
        std::env::var(name)
            .map(|v| v.parse().unwrap_or_else(|_| panic!("{name} is a number")))
            .unwrap_or(default)
    };
    let first = number("GONGXIN_SIM_FIRST", 1);
    let count = number("GONGXIN_SIM_SEEDS", SEEDS_DEFAULT);
    (first..first + count)
        .filter(|s| s % SHARDS == shard)
        .collect()
}

async fn run_shard(shard: u64) {
    let mut total = Stats::default();
    let started = std::time::Instant::now();
    for seed in seeds(shard) {
        // The seed is named before it runs, so a failure names the one to replay.
        eprintln!("perturbed simulation seed {seed} (replay with GONGXIN_SEED={seed})");
        total.add(&simulate(seed).await);
    }
    eprintln!(
        "shard {shard}: {total:?} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn perturbed_seeds_shard_0() {
    run_shard(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn perturbed_seeds_shard_1() {
    run_shard(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn perturbed_seeds_shard_2() {
    run_shard(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn perturbed_seeds_shard_3() {
    run_shard(3).await;
}
