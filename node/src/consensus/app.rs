//! The application side of consensus: answers every message Malachite sends.
//!
//! One task owns this state and handles one message at a time, so a height's work is strictly
//! sequential. What it does, by message:
//! - `GetValue` (we propose): take transactions from the mempool, execute them on the tip,
//!   answer with the header, and stream the parts (`Init`, `Txs`…, `Fin`) to the others.
//! - `ReceivedProposalPart`: reassemble streams; a complete stream signed by the round's
//!   proposer is validated by re-executing it (signatures checked only for transactions this
//!   node has not verified before) and answered `Valid` only if it reaches the same header.
//! - `Decided`: commit the executed block with the precommits as its certificate and the vote
//!   extensions as its checkpoint signatures, in one synced batch.
//! - `GetDecidedValues` / `ProcessSyncedValue`: serve and check blocks for nodes catching up.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use gongxin_core::block::{Block, CommitCertificate, CommitSignature};
use gongxin_core::checkpoint::{Checkpoint, NoteSignature, SignedCheckpoint, key_id};
use gongxin_core::crypto::Signature;
use gongxin_core::tx::SignedTx;
use malachitebft_app_channel::app::engine::host::{HeightParams, Next, SyncedValueOutcome};
use malachitebft_app_channel::app::types::core::{
    CommitCertificate as MCommitCertificate, ExtendedCommitCertificate, ExtendedCommitSignature,
    LinearTimeouts, Round, SignedMessage, Validity, VoteExtensionPolicy, VoteExtensions,
};
use malachitebft_app_channel::app::types::sync::RawDecidedValue;
use malachitebft_app_channel::app::types::{LocallyProposedValue, PeerId, ProposedValue};
use malachitebft_app_channel::{AppMsg, Channels, NetworkMsg};
use malachitebft_engine::util::streaming::{StreamContent, StreamId, StreamMessage};
use tokio::sync::mpsc;

use super::context::{
    Address, BlockValue, CheckpointAttestation, ConsensusSignature, ConsensusValidatorSet,
    GongxinContext, Height, ProposalPart, ValueId, chunk_txs, proposer_for,
};
use super::signing::{GongxinSigner, proposal_parts_message};
use crate::chain::{ChainError, ExecutedBlock};
use crate::node::{Node, wall_clock_ms};

/// A fresh proposal's block time may be at most this far ahead of our clock.
pub const BLOCK_TIME_SKEW_MAX_MS: u64 = 2_000;
/// Open part streams kept per publishing peer; older ones are dropped.
const STREAMS_PER_PEER_MAX: usize = 4;
/// Complete proposals kept for the next height (one per round; a proposer that streams many
/// rounds ahead cannot make this node hold more).
const FUTURE_PROPOSALS_MAX: usize = 8;
/// Blocks served per sync request.
const SYNC_BLOCKS_PER_REQUEST_MAX: u64 = 16;

/// Consensus timing for every height.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub timeouts: LinearTimeouts,
    /// Minimum time per height (`target_time`): a loaded chain closes a block about this often.
    pub block_interval: Duration,
    /// With nothing to commit, the next height starts after this long, so block time (and with
    /// it deadline detection) keeps moving on an idle chain.
    pub empty_block_interval: Duration,
}

/// A block executed at the current height, ours or a peer's, that may be decided.
#[derive(Debug)]
struct Candidate {
    round: Round,
    proposer: Address,
    value: BlockValue,
    executed: Arc<ExecutedBlock>,
}

/// A complete, signature-checked proposal stream waiting for its height.
#[derive(Debug)]
struct Assembled {
    height: Height,
    round: Round,
    pol_round: Round,
    proposer: Address,
    value: BlockValue,
    txs: Vec<SignedTx>,
}

/// Parts of one stream, by sequence number.
#[derive(Debug, Default)]
struct PartialStream {
    parts: BTreeMap<u64, ProposalPart>,
    fin_sequence: Option<u64>,
}

/// The application's state.
pub struct ConsensusApp {
    node: Arc<Node>,
    signer: GongxinSigner,
    address: Address,
    chain_id: String,
    /// The validator set of `validators.0` as known at tip `validators.1` (sets change only
    /// through governance, so one cached set serves a height's many lookups; a later tip may
    /// know of a change the earlier one did not).
    validators: (Height, u64, ConsensusValidatorSet),
    timing: Timing,
    network: mpsc::Sender<NetworkMsg<GongxinContext>>,
    height: Height,
    round: Round,
    /// Executed blocks of the current height, by id.
    candidates: HashMap<ValueId, Candidate>,
    /// Streams being reassembled, by publisher and stream id (insertion order kept per peer).
    streams: HashMap<PeerId, Vec<(StreamId, PartialStream)>>,
    /// Complete proposals for the next height, checked when it starts.
    future: Vec<Assembled>,
    /// The decided block could not be committed here (we never saw it): restart the height
    /// and let sync fetch it.
    missed_decision: bool,
}

impl std::fmt::Debug for ConsensusApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsensusApp")
            .field("address", &self.address)
            .field("height", &self.height)
            .field("round", &self.round)
            .finish_non_exhaustive()
    }
}

/// Why the application stopped; consensus cannot go on without it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("consensus channel closed")]
    ChannelClosed,
    #[error("execution task failed: {0}")]
    Task(String),
}

impl ConsensusApp {
    pub fn new(
        node: Arc<Node>,
        signer: GongxinSigner,
        timing: Timing,
        network: mpsc::Sender<NetworkMsg<GongxinContext>>,
    ) -> ConsensusApp {
        let validators = (
            Height(0),
            u64::MAX,
            ConsensusValidatorSet::new(&node.genesis.validators),
        );
        ConsensusApp {
            address: Address(node.name.clone()),
            chain_id: node.chain_id().to_owned(),
            node,
            signer,
            validators,
            timing,
            network,
            height: Height(0),
            round: Round::Nil,
            candidates: HashMap::new(),
            streams: HashMap::new(),
            future: Vec::new(),
            missed_decision: false,
        }
    }

    /// The validator set of `height`.
    fn set_for(&mut self, height: Height) -> ConsensusValidatorSet {
        let tip = self.node.tip().0.height;
        if self.validators.0 != height || self.validators.1 != tip {
            self.validators = (
                height,
                tip,
                ConsensusValidatorSet::new(&self.node.validator_set_for(height.0)),
            );
        }
        self.validators.2.clone()
    }

    fn params(&mut self) -> HeightParams<GongxinContext> {
        let height = self.next_height();
        HeightParams::new(
            self.set_for(height),
            self.timing.timeouts,
            Some(self.timing.block_interval),
        )
        .with_vote_extension_policy(VoteExtensionPolicy::Required)
    }

    fn next_height(&self) -> Height {
        Height(self.node.tip().0.height + 1)
    }

    /// Handles messages until the engine goes away (`Ok`) or the chain fails (`Err`).
    pub async fn run(mut self, channels: &mut Channels<GongxinContext>) -> Result<(), AppError> {
        while let Some(msg) = channels.consensus.recv().await {
            self.handle(msg).await?;
        }
        Err(AppError::ChannelClosed)
    }

    /// Answers one engine message (public so the seeded simulation can drive the application
    /// without the engine).
    pub async fn handle(&mut self, msg: AppMsg<GongxinContext>) -> Result<(), AppError> {
        match msg {
            AppMsg::ConsensusReady { reply } => {
                let height = self.next_height();
                tracing::info!(%height, "consensus ready");
                let _ = reply.send((height, self.params()));
            }
            AppMsg::StartedRound {
                height,
                round,
                proposer,
                reply_value,
                ..
            } => {
                let values = self.started_round(height, round, &proposer).await?;
                let _ = reply_value.send(values);
            }
            AppMsg::GetValue {
                height,
                round,
                timeout: _,
                reply,
            } => {
                let value = self.propose(height, round).await?;
                let _ = reply.send(LocallyProposedValue::new(height, round, value.clone()));
                self.stream(height, round, Round::Nil, &value).await;
            }
            AppMsg::ExtendVote { reply, .. } => {
                // The signature Malachite adds over our extension is the checkpoint signature.
                let _ = reply.send(Some(CheckpointAttestation));
            }
            AppMsg::VerifyVoteExtensions {
                extensions, reply, ..
            } => {
                // The verifier has checked each signature against the value id's log state;
                // there is nothing else in an attestation to judge.
                let verdicts = extensions.into_iter().map(|(a, _)| (a, Ok(()))).collect();
                let _ = reply.send(verdicts);
            }
            AppMsg::RestreamProposal {
                height,
                round,
                valid_round,
                value_id,
                ..
            } => {
                if let Some(value) = self.candidates.get(&value_id).map(|c| c.value.clone()) {
                    self.stream(height, round, valid_round, &value).await;
                }
            }
            AppMsg::GetHistoryMinHeight { reply } => {
                let _ = reply.send(Height(1));
            }
            AppMsg::ReceivedProposalPart {
                from,
                published_by,
                part,
                reply,
            } => {
                let publisher = published_by.unwrap_or(from);
                let value = self.received_part(publisher, part).await?;
                let _ = reply.send(value);
            }
            AppMsg::Decided {
                certificate,
                extensions,
                reply,
            } => {
                self.decided(certificate, extensions)?;
                let _ = reply.send(());
            }
            AppMsg::Finalized {
                certificate,
                evidence,
                reply,
                ..
            } => {
                if !evidence.is_empty() {
                    // Kept by the engine; here it is made visible to operators.
                    tracing::warn!(height = %certificate.height, ?evidence, "validator equivocation recorded");
                    self.node
                        .metrics
                        .equivocation_evidence
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                let next = if self.missed_decision {
                    self.missed_decision = false;
                    Next::Restart(self.next_height(), self.params())
                } else {
                    Next::Start(self.next_height(), self.params())
                };
                // Idle pacing: with nothing to propose, wait (without blocking this loop) for a
                // transaction, or until the empty-block interval has passed since the last
                // block's time. A node catching up on old blocks therefore never waits.
                let node = self.node.clone();
                let last_block_ms = node.tip().1.timestamp_ms;
                let due_ms = last_block_ms
                    .saturating_add(self.timing.empty_block_interval.as_millis() as u64);
                let idle = Duration::from_millis(due_ms.saturating_sub(wall_clock_ms()))
                    .min(self.timing.empty_block_interval);
                tokio::spawn(async move {
                    if node.mempool_len().0 == 0 {
                        let _ = tokio::time::timeout(idle, node.tx_arrived.notified()).await;
                    }
                    let _ = reply.send(next);
                });
            }
            AppMsg::GetDecidedValues { range, reply } => {
                let values = self.decided_values(*range.start(), *range.end());
                let _ = reply.send(values);
            }
            AppMsg::ProcessSyncedValue {
                height,
                round,
                proposer,
                value_bytes,
                reply,
            } => {
                let outcome = self
                    .synced_value(height, round, proposer, value_bytes)
                    .await;
                let _ = reply.send(outcome);
            }
        }
        Ok(())
    }

    async fn started_round(
        &mut self,
        height: Height,
        round: Round,
        proposer: &Address,
    ) -> Result<Vec<ProposedValue<GongxinContext>>, AppError> {
        if height != self.height {
            self.height = height;
            self.candidates.clear();
            self.streams.clear();
        }
        self.round = round;
        tracing::debug!(%height, %round, %proposer, "round started");
        let ready: Vec<Assembled> = {
            let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.future)
                .into_iter()
                .filter(|a| a.height >= height)
                .partition(|a| a.height == height);
            self.future = later;
            now
        };
        let mut values = Vec::new();
        for assembled in ready {
            if let Some(value) = self.validate(assembled).await? {
                values.push(value);
            }
        }
        Ok(values)
    }

    /// Our block for (height, round): the one already built for this round if any (a proposer
    /// must not offer two values in one round), otherwise a new one from the mempool.
    async fn propose(&mut self, height: Height, round: Round) -> Result<BlockValue, AppError> {
        if let Some(existing) = self
            .candidates
            .values()
            .find(|c| c.round == round && c.proposer == self.address)
        {
            return Ok(existing.value.clone());
        }
        let txs = self.node.proposal_txs(height.0);
        let node = self.node.clone();
        let proposer = self.signer.public_key();
        let executed =
            tokio::task::spawn_blocking(move || node.execute_next(txs, wall_clock_ms(), proposer))
                .await
                .map_err(|e| AppError::Task(e.to_string()))??;
        let value = BlockValue::new(executed.header().clone());
        tracing::debug!(%height, %round, txs = executed.tx_hashes.len(), id = %value.block_id(), "proposing");
        self.keep_candidate(round, self.address.clone(), &value, executed);
        Ok(value)
    }

    /// Keeps an executed block of the current height that consensus may decide.
    fn keep_candidate(
        &mut self,
        round: Round,
        proposer: Address,
        value: &BlockValue,
        executed: ExecutedBlock,
    ) {
        self.candidates.insert(
            value.block_id(),
            Candidate {
                round,
                proposer,
                value: value.clone(),
                executed: Arc::new(executed),
            },
        );
    }

    /// Streams a block we hold as the proposal for (height, round).
    async fn stream(&self, height: Height, round: Round, pol_round: Round, value: &BlockValue) {
        let Some(candidate) = self.candidates.get(&value.block_id()) else {
            return;
        };
        let mut stream_id = Vec::with_capacity(16);
        stream_id.extend_from_slice(&height.0.to_be_bytes());
        stream_id.extend_from_slice(&round.as_i64().to_be_bytes());
        let stream_id = StreamId::new(Bytes::from(stream_id));
        let signature = self.signer.sign(&proposal_parts_message(
            &self.chain_id,
            height,
            round,
            &value.block_id(),
        ));
        let mut parts = vec![ProposalPart::Init {
            height,
            round,
            pol_round,
            proposer: self.address.clone(),
            value: value.clone(),
        }];
        parts.extend(
            chunk_txs(&candidate.executed.block.txs)
                .into_iter()
                .map(ProposalPart::Txs),
        );
        parts.push(ProposalPart::Fin(signature));
        let count = parts.len() as u64;
        for (sequence, part) in parts.into_iter().enumerate() {
            let message = StreamMessage::new(
                stream_id.clone(),
                sequence as u64,
                StreamContent::Data(part),
            );
            if self
                .network
                .send(NetworkMsg::PublishProposalPart(message))
                .await
                .is_err()
            {
                return;
            }
        }
        let fin = StreamMessage::new(stream_id, count, StreamContent::Fin);
        let _ = self
            .network
            .send(NetworkMsg::PublishProposalPart(fin))
            .await;
    }

    /// Adds a part to its stream; when the stream completes, checks and (for the current
    /// height) validates it.
    async fn received_part(
        &mut self,
        publisher: PeerId,
        part: StreamMessage<ProposalPart>,
    ) -> Result<Option<ProposedValue<GongxinContext>>, AppError> {
        let Some(assembled) = self.assemble(publisher, part) else {
            return Ok(None);
        };
        if assembled.height == self.height && self.height.0 == self.node.tip().0.height + 1 {
            self.validate(assembled).await
        } else {
            if assembled.height > self.height
                && assembled.height.0 <= self.height.0 + 1
                && self.future.len() < FUTURE_PROPOSALS_MAX
            {
                self.future.push(assembled);
            }
            Ok(None)
        }
    }

    fn assemble(
        &mut self,
        publisher: PeerId,
        part: StreamMessage<ProposalPart>,
    ) -> Option<Assembled> {
        let limit_parts =
            (self.node.limits.block_bytes_max / super::context::PROPOSAL_PART_BYTES_MAX) as u64 + 4;
        if part.sequence > limit_parts {
            return None;
        }
        let streams = self.streams.entry(publisher).or_default();
        let index = match streams.iter().position(|(id, _)| *id == part.stream_id) {
            Some(index) => index,
            None => {
                if streams.len() >= STREAMS_PER_PEER_MAX {
                    streams.remove(0);
                }
                streams.push((part.stream_id.clone(), PartialStream::default()));
                streams.len() - 1
            }
        };
        let stream = &mut streams[index].1;
        match part.content {
            StreamContent::Fin => stream.fin_sequence = Some(part.sequence),
            StreamContent::Data(data) => {
                stream.parts.insert(part.sequence, data);
            }
        }
        let fin = stream.fin_sequence?;
        // `Fin` closes a stream of `fin` data parts numbered 0..fin. A `Fin` at sequence 0 would
        // close a stream with no `Init`: no proposal, and the stream is dropped, not kept.
        let Some(last_data) = fin.checked_sub(1) else {
            streams.remove(index);
            return None;
        };
        if stream.parts.len() as u64 != fin || stream.parts.keys().last() != Some(&last_data) {
            return None;
        }
        let (_, stream) = streams.remove(index);
        let height = match stream.parts.values().next() {
            Some(ProposalPart::Init { height, .. }) => *height,
            _ => return None,
        };
        let validators = self.set_for(height);
        Self::check_stream(stream, &validators, &self.chain_id)
    }

    /// A complete stream is a proposal only if it is `Init`, `Txs`…, `Fin` and `Fin` is the
    /// round proposer's signature on the block it carries.
    fn check_stream(
        stream: PartialStream,
        validators: &ConsensusValidatorSet,
        chain_id: &str,
    ) -> Option<Assembled> {
        let mut parts = stream.parts.into_values();
        let Some(ProposalPart::Init {
            height,
            round,
            pol_round,
            proposer,
            value,
        }) = parts.next()
        else {
            return None;
        };
        let mut txs = Vec::new();
        let mut fin = None;
        for part in parts {
            match (part, &fin) {
                (ProposalPart::Txs(chunk), None) => txs.extend(chunk.0),
                (ProposalPart::Fin(signature), None) => fin = Some(signature),
                _ => return None,
            }
        }
        let signature = fin?;
        let expected = proposer_for(validators, height, round);
        if expected.address != proposer {
            tracing::warn!(%height, %round, %proposer, "proposal stream from a validator that is not the round's proposer");
            return None;
        }
        let message = proposal_parts_message(chain_id, height, round, &value.block_id());
        if expected
            .public_key
            .0
            .verify(&message, &signature.0)
            .is_err()
        {
            tracing::warn!(%height, %round, %proposer, "proposal stream with a bad signature");
            return None;
        }
        Some(Assembled {
            height,
            round,
            pol_round,
            proposer,
            value,
            txs,
        })
    }

    /// Re-executes a proposal on our tip: valid only if it reaches the proposed header.
    async fn validate(
        &mut self,
        assembled: Assembled,
    ) -> Result<Option<ProposedValue<GongxinContext>>, AppError> {
        let Assembled {
            height,
            round,
            pol_round,
            proposer,
            value,
            txs,
        } = assembled;
        if self.candidates.contains_key(&value.block_id()) {
            // Seen and executed already (a re-proposal in a later round): same block, same verdict.
            return Ok(Some(ProposedValue {
                height,
                round,
                valid_round: pol_round,
                proposer,
                value,
                validity: Validity::Valid,
            }));
        }
        let validity = match self.execute_proposal(&value, txs, pol_round).await? {
            Ok(executed) => {
                self.keep_candidate(round, proposer.clone(), &value, executed);
                Validity::Valid
            }
            Err(reason) => {
                tracing::warn!(%height, %round, %proposer, id = %value.block_id(), %reason, "invalid proposal");
                Validity::Invalid
            }
        };
        Ok(Some(ProposedValue {
            height,
            round,
            valid_round: pol_round,
            proposer,
            value,
            validity,
        }))
    }

    /// The block's checks; the outer error stops the node, the inner one rejects the block.
    async fn execute_proposal(
        &self,
        value: &BlockValue,
        txs: Vec<SignedTx>,
        pol_round: Round,
    ) -> Result<Result<ExecutedBlock, String>, AppError> {
        let header = value.header().clone();
        let (tip, tip_header) = self.node.tip();
        if header.chain_id != self.chain_id {
            return Ok(Err("wrong chain id".into()));
        }
        if header.height != tip.height + 1 || header.prev_hash != tip.block_hash {
            return Ok(Err("does not extend our tip".into()));
        }
        let validators = self.node.validator_set_for(header.height);
        if header.validator_set_hash != validators.hash() {
            return Ok(Err("names another validator set".into()));
        }
        if validators.by_key(&header.proposer).is_none() {
            return Ok(Err("proposer is not a validator".into()));
        }
        if header.tx_count as usize != txs.len() {
            return Ok(Err("transaction count differs from the header".into()));
        }
        if header.timestamp_ms <= tip_header.timestamp_ms {
            return Ok(Err("block time does not advance".into()));
        }
        // Only a fresh proposal is judged by our clock: validity of a re-proposed value must
        // not depend on when it is seen again.
        if pol_round.is_nil() && header.timestamp_ms > wall_clock_ms() + BLOCK_TIME_SKEW_MAX_MS {
            return Ok(Err("block time is ahead of our clock".into()));
        }
        let node = self.node.clone();
        let chain_id = self.chain_id.clone();
        let result = tokio::task::spawn_blocking(move || {
            let mut verified = Vec::with_capacity(txs.len());
            for tx in txs {
                // Signature checks happen once per node: a transaction in our pool was checked
                // when it arrived.
                if !node.is_pending(&tx.hash()) {
                    node.metrics
                        .signature_checks
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if let Err(e) = tx.verify(&chain_id) {
                        return Ok(Err(format!("transaction does not verify: {e}")));
                    }
                }
                verified.push(Arc::new(tx));
            }
            let executed = node.execute_next(verified, header.timestamp_ms, header.proposer)?;
            if executed.header() != &header {
                return Ok(Err("re-execution gives another header".into()));
            }
            Ok(Ok(executed))
        })
        .await
        .map_err(|e| AppError::Task(e.to_string()))?;
        result.map_err(AppError::Chain)
    }

    fn decided(
        &mut self,
        certificate: MCommitCertificate<GongxinContext>,
        extensions: VoteExtensions<GongxinContext>,
    ) -> Result<(), AppError> {
        let id = certificate.value_id;
        if certificate.height.0 <= self.node.tip().0.height {
            // Already committed (the engine replaying its log after a restart).
            return Ok(());
        }
        let Some(candidate) = self.candidates.get(&id) else {
            tracing::warn!(height = %certificate.height, %id, "decided a block this node does not hold; it will sync it");
            self.missed_decision = true;
            return Ok(());
        };
        let header = candidate.executed.header().clone();
        let round = certificate.round.as_u32().unwrap_or(0);
        let commit = CommitCertificate {
            height: header.height,
            round,
            block_hash: id.0.hash,
            signatures: certificate
                .commit_signatures
                .iter()
                .map(|s| CommitSignature {
                    validator: s.address.0.clone(),
                    signature: s.signature.0,
                })
                .collect(),
        };
        let note = self.checkpoint_note(&header, &extensions);
        let summary = self
            .node
            .commit_decided(&candidate.executed, commit, note)?;
        tracing::debug!(height = summary.height, txs = summary.tx_count, "committed");
        self.candidates.clear();
        Ok(())
    }

    /// The block's checkpoint: the log state signed by each precommit's extension, merged with
    /// signatures already stored for the same log size (an empty block repeats its parent's
    /// log state, and its note keeps everyone who ever signed it).
    fn checkpoint_note(
        &self,
        header: &gongxin_core::block::BlockHeader,
        extensions: &VoteExtensions<GongxinContext>,
    ) -> String {
        let checkpoint = Checkpoint::new(&self.chain_id, header.log_size, header.log_root);
        let validators = self.node.validator_set_for(header.height);
        let mut signatures: BTreeMap<String, NoteSignature> = BTreeMap::new();
        if let Ok(Some(stored)) = self.node.store.checkpoint(header.log_size)
            && let Ok(parsed) = SignedCheckpoint::parse(&stored)
            && parsed.checkpoint == checkpoint
        {
            for signature in parsed.signatures {
                signatures.insert(signature.name.clone(), signature);
            }
        }
        for (address, extension) in &extensions.extensions {
            let Some(validator) = validators.by_name(&address.0) else {
                continue;
            };
            signatures.insert(
                address.0.clone(),
                NoteSignature {
                    name: address.0.clone(),
                    key_id: key_id(&address.0, &validator.public_key),
                    signature: extension.signature.0.as_bytes().to_vec(),
                },
            );
        }
        SignedCheckpoint {
            checkpoint,
            signatures: signatures.into_values().collect(),
        }
        .to_note()
    }

    /// Committed blocks with their certificates (and checkpoint signatures as the precommits'
    /// extensions) for a peer that is catching up.
    fn decided_values(&self, from: Height, to: Height) -> Vec<RawDecidedValue<GongxinContext>> {
        let tip = self.node.tip().0.height;
        let last =
            to.0.min(tip)
                .min(from.0.saturating_add(SYNC_BLOCKS_PER_REQUEST_MAX - 1));
        let mut values = Vec::new();
        for height in from.0.max(1)..=last {
            match self.decided_value(height) {
                Some(value) => values.push(value),
                None => break,
            }
        }
        values
    }

    fn decided_value(&self, height: u64) -> Option<RawDecidedValue<GongxinContext>> {
        let store = &self.node.store;
        let block = store.block(height).ok()??;
        let certificate = store.certificate(height).ok()??;
        let header = &block.header;
        let validators = self.node.validator_set_for(height);
        let mut extensions: HashMap<String, Signature> = HashMap::new();
        if let Ok(Some(note)) = store.checkpoint(header.log_size)
            && let Ok(parsed) = SignedCheckpoint::parse(&note)
        {
            for line in parsed.signatures {
                let Some(validator) = validators.by_name(&line.name) else {
                    continue;
                };
                if let Ok(signature) =
                    Signature::from_bytes(validator.public_key.algorithm(), &line.signature)
                {
                    extensions.insert(line.name, signature);
                }
            }
        }
        let commit_signatures = certificate
            .signatures
            .iter()
            .map(|s| {
                ExtendedCommitSignature::new(
                    Address(s.validator.clone()),
                    ConsensusSignature(s.signature),
                    extensions.get(&s.validator).map(|signature| {
                        SignedMessage::new(CheckpointAttestation, ConsensusSignature(*signature))
                    }),
                )
            })
            .collect();
        let certificate = ExtendedCommitCertificate {
            height: Height(height),
            round: Round::new(certificate.round),
            value_id: ValueId(header.id()),
            commit_signatures,
        };
        Some(RawDecidedValue::new(
            Bytes::from(block.to_bytes()),
            certificate,
        ))
    }

    /// A block a peer sent while we catch up: decoded within limits and re-executed. Its
    /// certificate (checked by the engine against this height's set) vouches for the
    /// transactions' signatures, so they are not checked again.
    async fn synced_value(
        &mut self,
        height: Height,
        round: Round,
        proposer: Address,
        value_bytes: Bytes,
    ) -> SyncedValueOutcome<GongxinContext> {
        let Ok(block) = Block::from_bytes(&value_bytes) else {
            return SyncedValueOutcome::PeerFault;
        };
        if block.header.height != height.0 {
            return SyncedValueOutcome::PeerFault;
        }
        if height.0 != self.node.tip().0.height + 1 {
            // Not the height we are at (we moved on meanwhile): nobody's fault.
            return SyncedValueOutcome::LocalTransientError;
        }
        let value = BlockValue::new(block.header.clone());
        let header = block.header.clone();
        let node = self.node.clone();
        let txs: Vec<Arc<SignedTx>> = block.txs.into_iter().map(Arc::new).collect();
        let executed = tokio::task::spawn_blocking(move || {
            node.execute_next(txs, header.timestamp_ms, header.proposer)
        })
        .await;
        let validity = match executed {
            Ok(Ok(executed)) if executed.header() == value.header() => {
                self.keep_candidate(round, proposer.clone(), &value, executed);
                Validity::Valid
            }
            Ok(Ok(_)) => Validity::Invalid,
            Ok(Err(e)) => {
                tracing::error!(%height, "cannot execute a synced block: {e}");
                return SyncedValueOutcome::LocalTransientError;
            }
            Err(e) => {
                tracing::error!(%height, "execution task failed: {e}");
                return SyncedValueOutcome::LocalTransientError;
            }
        };
        SyncedValueOutcome::Verdict(ProposedValue {
            height,
            round,
            valid_round: Round::Nil,
            proposer,
            value,
            validity,
        })
    }
}
