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
//!
//! [`ConsensusApp::handle`] only routes each message to its handler below (answers of one line
//! stay inline). The work that needs none of this state lives beside it: stream reassembly in
//! `streams`, judging a received proposal in `validate`, and value sync in `sync`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use gongxin_core::block::{CommitCertificate, CommitSignature};
use gongxin_core::checkpoint::{Checkpoint, NoteSignature, SignedCheckpoint, key_id};
use gongxin_core::tx::SignedTx;
use malachitebft_app_channel::app::engine::host::{HeightParams, Next, SyncedValueOutcome};
use malachitebft_app_channel::app::types::core::{
    CommitCertificate as MCommitCertificate, LinearTimeouts, Round, Validity, VoteExtensionPolicy,
    VoteExtensions,
};
use malachitebft_app_channel::app::types::{
    LocallyProposedValue, MisbehaviorEvidence, PeerId, ProposedValue,
};
use malachitebft_app_channel::{AppMsg, Channels, NetworkMsg, Reply};
use malachitebft_engine::util::streaming::{StreamId, StreamMessage};
use tokio::sync::mpsc;

use super::context::{
    Address, BlockValue, CheckpointAttestation, ConsensusSignature, ConsensusValidatorSet,
    GongxinContext, Height, ProposalPart, ValueId, chunk_txs,
};
use super::error::AppError;
use super::signing::{GongxinSigner, proposal_parts_message};
use super::streams::{StreamBuffers, stream_messages};
use super::sync;
use super::validate::{self, Assembled};
use crate::chain::ExecutedBlock;
use crate::node::Node;
use crate::rate::RateLimiter;
use crate::storage::CheckpointNotes;

/// Open part streams kept per publishing peer; older ones are dropped.
const STREAMS_PER_PEER_MAX: usize = 4;
/// Complete proposals kept for the next height (one per round; a proposer that streams many
/// rounds ahead cannot make this node hold more).
const FUTURE_PROPOSALS_MAX: usize = 8;
/// Complete proposal streams whose signature one publisher may make this node check per
/// second. An honest proposer completes one stream per round it leads (and restreams now and
/// then); a peer sending many small forged streams — each naming the right proposer, each
/// costing a signature check — is cut off beyond this.
const STREAM_CHECKS_PER_PEER_PER_S: u32 = 20;
/// Publishers whose stream-check budget is tracked at once (validators, with room to spare).
const STREAM_CHECK_PUBLISHERS_MAX: usize = 256;

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
    /// Fetched by value sync (we were behind), not streamed to us in its round.
    synced: bool,
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
    streams: StreamBuffers<PeerId, ProposalPart>,
    /// The consensus peer ids whose proposal parts this node keeps: its own and its
    /// configured peers' (`engine::known_publishers`). Parts published by any other key are
    /// dropped before they open a stream.
    publishers: HashSet<PeerId>,
    /// Signature checks of complete streams, per publisher and second.
    stream_checks: RateLimiter<PeerId>,
    /// Complete proposals for the next height, checked when it starts.
    future: Vec<Assembled>,
    /// The decided block could not be committed here (we never saw it): restart the height
    /// and let sync fetch it.
    missed_decision: bool,
    /// Following consensus without signing (a rebuilt validator, see `sign_guard`) until this
    /// height is committed.
    follow_through: Option<u64>,
    /// The last block committed here was decided in its round with us listening, not fetched
    /// by value sync: this node has caught up with the others.
    caught_up: bool,
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

impl ConsensusApp {
    /// The application of `node`, signing with `signer`, publishing through `network`, keeping
    /// proposal parts published by `publishers` only.
    pub fn new(
        node: Arc<Node>,
        signer: GongxinSigner,
        timing: Timing,
        network: mpsc::Sender<NetworkMsg<GongxinContext>>,
        publishers: HashSet<PeerId>,
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
            streams: StreamBuffers::new(STREAMS_PER_PEER_MAX),
            publishers,
            stream_checks: RateLimiter::new(
                STREAM_CHECKS_PER_PEER_PER_S,
                STREAM_CHECK_PUBLISHERS_MAX,
            ),
            future: Vec::new(),
            missed_decision: false,
            follow_through: None,
            caught_up: false,
        }
    }

    /// An application for an engine started as a follower (no signer) that [`run`] leaves
    /// once the chain has committed `height` and this node has caught up with the others (its
    /// last block was decided live, not fetched by sync), so the caller can start the engine
    /// again as a validator. Caught up, it votes first at the height the others are at now,
    /// which its lost write-ahead log cannot have signed unless they have not moved since it
    /// stopped — and then `height` holds it back.
    ///
    /// [`run`]: ConsensusApp::run
    pub fn following_through(mut self, height: u64) -> ConsensusApp {
        self.follow_through = Some(height);
        self
    }

    /// The validator set of `height`.
    fn set_for(&mut self, height: Height) -> ConsensusValidatorSet {
        let tip = self.node.tip().height();
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
        Height(self.node.tip().height() + 1)
    }

    /// Whether this node has caught up with the others: its last commit was of a block
    /// decided in its round while it listened, not of one fetched by value sync.
    pub fn caught_up(&self) -> bool {
        self.caught_up
    }

    /// A follower that may sign again: it has committed the height it follows through and
    /// caught up.
    fn follower_done(&self) -> bool {
        self.caught_up
            && self.follow_through.is_some_and(|guard| {
                !crate::sign_guard::still_holds(guard, self.node.tip().height())
            })
    }

    /// Handles messages until the chain fails or the engine goes away (`Err`), or, for a
    /// follower, until the chain has committed the height it follows through and caught up
    /// (`Ok`).
    pub async fn run(mut self, channels: &mut Channels<GongxinContext>) -> Result<(), AppError> {
        while let Some(msg) = channels.consensus.recv().await {
            self.handle(msg).await?;
            if self.follower_done() {
                return Ok(());
            }
        }
        Err(AppError::ChannelClosed)
    }

    /// Answers one engine message (public so the seeded simulation can drive the application
    /// without the engine).
    pub async fn handle(&mut self, msg: AppMsg<GongxinContext>) -> Result<(), AppError> {
        match msg {
            AppMsg::ConsensusReady { reply } => {
                let _ = reply.send(self.consensus_ready());
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
            AppMsg::GetValue { height, round, .. }
            | AppMsg::RestreamProposal { height, round, .. }
                if self.follow_through.is_some() =>
            {
                // A follower's engine has no signer and an address in no set, so it is never
                // asked; should it be, this node signs nothing (see `sign_guard`).
                tracing::error!(%height, %round, "asked to propose while following without signing; ignored");
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
                // The signer adds the public checkpoint's signature to the attestation, and
                // its signature over the attestation is the ledger checkpoint's.
                let _ = reply.send(Some(CheckpointAttestation::default()));
            }
            AppMsg::VerifyVoteExtensions {
                extensions, reply, ..
            } => {
                // The verifier has checked both checkpoint signatures against the value id;
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
                self.restream(height, round, valid_round, &value_id).await;
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
                self.finalized(certificate.height, &evidence, reply);
            }
            AppMsg::GetDecidedValues { range, reply } => {
                let values = sync::decided_values(&self.node, *range.start(), *range.end());
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

    /// Where consensus starts: the height after our tip.
    fn consensus_ready(&mut self) -> (Height, HeightParams<GongxinContext>) {
        let height = self.next_height();
        tracing::info!(%height, "consensus ready");
        (height, self.params())
    }

    /// A new round: a new height forgets the last one's candidates and every open stream but
    /// those of this height and the next; the proposals kept for this height are judged now.
    ///
    /// A stream of this height may have begun before the engine told us the height started: a
    /// proposer that committed the last block sooner streams its proposal while this node is
    /// still committing. Those parts are kept. (Forgetting them once left the stream without
    /// its first parts, so this node never judged the proposal, prevoted nil at the propose
    /// timeout, and the height took a second round: the multi-second latency outliers.)
    async fn started_round(
        &mut self,
        height: Height,
        round: Round,
        proposer: &Address,
    ) -> Result<Vec<ProposedValue<GongxinContext>>, AppError> {
        if height != self.height {
            self.height = height;
            self.candidates.clear();
            // This height and the next, as `keep_future_proposal` keeps: a stream naming a
            // later one would be dropped when complete, and kept open it would only hold memory.
            self.streams.retain(|id| {
                proposal_stream_height(id).is_some_and(|h| h == height.0 || h == height.0 + 1)
            });
        }
        self.round = round;
        tracing::debug!(%height, %round, %proposer, "round started");
        let mut values = Vec::new();
        for assembled in self.take_future_proposals(height) {
            if let Some(value) = self.validate(assembled).await? {
                values.push(value);
            }
        }
        Ok(values)
    }

    /// The proposals kept for `height`, taken out; those for earlier heights are dropped.
    fn take_future_proposals(&mut self, height: Height) -> Vec<Assembled> {
        let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.future)
            .into_iter()
            .filter(|a| a.height >= height)
            .partition(|a| a.height == height);
        self.future = later;
        now
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
        let txs = self.node.admission.proposal_txs(height.0);
        let node = self.node.clone();
        let proposer = self.signer.public_key();
        let executed = tokio::task::spawn_blocking(move || {
            node.execute_next(txs, node.clock.now_ms(), proposer)
        })
        .await
        .map_err(|e| AppError::Task(e.to_string()))??;
        let value = BlockValue::new(executed.header().clone());
        tracing::debug!(%height, %round, txs = executed.tx_hashes.len(), id = %value.block_id(), "proposing");
        self.keep_candidate(round, self.address.clone(), &value, executed, false);
        Ok(value)
    }

    /// Keeps an executed block of the current height that consensus may decide.
    fn keep_candidate(
        &mut self,
        round: Round,
        proposer: Address,
        value: &BlockValue,
        executed: ExecutedBlock,
        synced: bool,
    ) {
        self.candidates.insert(
            value.block_id(),
            Candidate {
                round,
                proposer,
                value: value.clone(),
                executed: Arc::new(executed),
                synced,
            },
        );
    }

    /// Streams again, for (height, round), a block we hold.
    async fn restream(&self, height: Height, round: Round, valid_round: Round, id: &ValueId) {
        if let Some(value) = self.candidates.get(id).map(|c| c.value.clone()) {
            self.stream(height, round, valid_round, &value).await;
        }
    }

    /// Streams a block we hold as the proposal for (height, round).
    async fn stream(&self, height: Height, round: Round, pol_round: Round, value: &BlockValue) {
        let Some(candidate) = self.candidates.get(&value.block_id()) else {
            return;
        };
        let txs = &candidate.executed.block.txs;
        let parts = self.proposal_parts(height, round, pol_round, value, txs);
        for message in stream_messages(proposal_stream_id(height, round), parts) {
            if self
                .network
                .send(NetworkMsg::PublishProposalPart(message))
                .await
                .is_err()
            {
                break;
            }
        }
    }

    /// The parts of our proposal: `Init`, the transactions in chunks, and `Fin`, our signature
    /// binding the stream to the block.
    fn proposal_parts(
        &self,
        height: Height,
        round: Round,
        pol_round: Round,
        value: &BlockValue,
        txs: &[SignedTx],
    ) -> Vec<ProposalPart> {
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
        parts.extend(chunk_txs(txs).into_iter().map(ProposalPart::Txs));
        parts.push(ProposalPart::Fin(signature));
        parts
    }

    /// Adds a part to its stream; when the stream completes, checks and (for the current
    /// height) validates it.
    async fn received_part(
        &mut self,
        publisher: PeerId,
        part: StreamMessage<ProposalPart>,
    ) -> Result<Option<ProposedValue<GongxinContext>>, AppError> {
        if !self.publishers.contains(&publisher) {
            tracing::debug!(%publisher, "proposal part from a publisher that is no known peer; dropped");
            return Ok(None);
        }
        let Some(assembled) = self.assemble(publisher, part) else {
            return Ok(None);
        };
        if assembled.height == self.height && self.height.0 == self.node.tip().height() + 1 {
            self.validate(assembled).await
        } else {
            self.keep_future_proposal(assembled);
            Ok(None)
        }
    }

    /// Keeps a proposal for the next height, within bound; any other is dropped. (A restarted
    /// engine gets no part before its first round: Malachite buffers them until it runs.)
    fn keep_future_proposal(&mut self, assembled: Assembled) {
        if assembled.height > self.height
            && assembled.height.0 <= self.height.0 + 1
            && self.future.len() < FUTURE_PROPOSALS_MAX
        {
            self.future.push(assembled);
        }
    }

    /// Adds a part to its stream; a complete stream is a proposal if it is well formed and
    /// signed by its round's proposer. A publisher over its budget of checks is not checked.
    fn assemble(
        &mut self,
        publisher: PeerId,
        part: StreamMessage<ProposalPart>,
    ) -> Option<Assembled> {
        let limit_parts =
            (self.node.limits.block_bytes_max / super::context::PROPOSAL_PART_BYTES_MAX) as u64 + 4;
        let parts = self.streams.receive(publisher, part, limit_parts)?;
        if self
            .stream_checks
            .take(&publisher, 1, self.node.clock.now_ms())
            .is_err()
        {
            let dropped = self
                .node
                .metrics
                .proposal_streams_over_budget
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if dropped.is_power_of_two() {
                tracing::warn!(%publisher, dropped = dropped + 1, "a peer completes more proposal streams than any proposer would; dropped unchecked");
            }
            return None;
        }
        let height = match parts.first() {
            Some(ProposalPart::Init { height, .. }) => *height,
            _ => return None,
        };
        let validators = self.set_for(height);
        validate::proposal_from_stream(parts, &validators, &self.chain_id)
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
        let validity = if self.candidates.contains_key(&value.block_id()) {
            // Seen and executed already (a re-proposal in a later round): same block, same verdict.
            Validity::Valid
        } else {
            match validate::execute_proposal(&self.node, &self.chain_id, &value, txs, pol_round)
                .await?
            {
                Ok(executed) => {
                    self.keep_candidate(round, proposer.clone(), &value, executed, false);
                    Validity::Valid
                }
                Err(reason) => {
                    tracing::warn!(%height, %round, %proposer, id = %value.block_id(), %reason, "invalid proposal");
                    Validity::Invalid
                }
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

    /// Commits the decided block if we executed it; otherwise sync will fetch it.
    fn decided(
        &mut self,
        certificate: MCommitCertificate<GongxinContext>,
        extensions: VoteExtensions<GongxinContext>,
    ) -> Result<(), AppError> {
        let id = certificate.value_id;
        if certificate.height.0 <= self.node.tip().height() {
            // Already committed (the engine replaying its log after a restart).
            return Ok(());
        }
        let Some(candidate) = self.candidates.get(&id) else {
            tracing::warn!(height = %certificate.height, %id, "decided a block this node does not hold; it will sync it");
            self.missed_decision = true;
            return Ok(());
        };
        let header = candidate.executed.header().clone();
        let commit = commit_certificate(header.height, &certificate);
        let notes = self.checkpoint_notes(&header, &extensions);
        let synced = candidate.synced;
        crate::crash::point("consensus::decided::before_commit");
        let summary = self.node.commit(&candidate.executed, commit, notes)?;
        self.caught_up = !synced;
        crate::crash::point("consensus::decided::after_commit");
        tracing::debug!(height = summary.height, txs = summary.tx_count, "committed");
        self.candidates.clear();
        Ok(())
    }

    /// The block's two checkpoints, signed by each precommit's extension: the ledger log's by
    /// the signature over the attestation, the public log's by the one inside it.
    fn checkpoint_notes(
        &self,
        header: &gongxin_core::block::BlockHeader,
        extensions: &VoteExtensions<GongxinContext>,
    ) -> CheckpointNotes {
        let (ledger, public) = header.id().checkpoints(&self.chain_id);
        let reader = self.node.reader();
        let ledger_signatures = extensions
            .extensions
            .iter()
            .map(|(address, extension)| (address, Some(extension.signature)));
        let public_signatures = extensions
            .extensions
            .iter()
            .map(|(address, extension)| (address, extension.message.public_signature));
        CheckpointNotes {
            checkpoint: self.merged_note(
                header.height,
                ledger,
                reader.checkpoint(header.log_size),
                ledger_signatures,
            ),
            public_checkpoint: self.merged_note(
                header.height,
                public,
                reader.public_checkpoint(header.public_log_size),
                public_signatures,
            ),
        }
    }

    /// A checkpoint note with the given validators' signatures, merged with those already
    /// stored for the same checkpoint (an empty block repeats its parent's log state, and its
    /// note keeps everyone who ever signed it). A signature that does not verify is left out:
    /// a synced block's extensions were checked by nobody.
    fn merged_note<'a>(
        &self,
        height: u64,
        checkpoint: Checkpoint,
        stored: Result<Option<String>, crate::storage::StorageError>,
        signatures: impl Iterator<Item = (&'a Address, Option<ConsensusSignature>)>,
    ) -> String {
        let validators = self.node.validator_set_for(height);
        let body = checkpoint.body_text();
        let mut lines: BTreeMap<String, NoteSignature> = BTreeMap::new();
        if let Ok(Some(stored)) = stored
            && let Ok(parsed) = SignedCheckpoint::parse(&stored)
            && parsed.checkpoint == checkpoint
        {
            for signature in parsed.signatures {
                lines.insert(signature.name.clone(), signature);
            }
        }
        for (address, signature) in signatures {
            let (Some(validator), Some(signature)) = (validators.by_name(&address.0), signature)
            else {
                continue;
            };
            if validator
                .public_key
                .verify(body.as_bytes(), &signature.0)
                .is_err()
            {
                tracing::warn!(validator = %address.0, height, "a checkpoint signature does not verify; left out");
                continue;
            }
            lines.insert(
                address.0.clone(),
                NoteSignature {
                    name: address.0.clone(),
                    key_id: key_id(&address.0, &validator.public_key),
                    signature: signature.0.as_bytes().to_vec(),
                },
            );
        }
        SignedCheckpoint {
            checkpoint,
            signatures: lines.into_values().collect(),
        }
        .to_note()
    }

    /// Makes equivocation visible, then tells the engine to go on once the next height is due.
    fn finalized(
        &mut self,
        height: Height,
        evidence: &MisbehaviorEvidence<GongxinContext>,
        reply: Reply<Next<GongxinContext>>,
    ) {
        if !evidence.is_empty() {
            // Kept by the engine; here it is made visible to operators.
            tracing::warn!(%height, ?evidence, "validator equivocation recorded");
            self.node
                .metrics
                .equivocation_evidence
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let next = self.next_step();
        self.reply_when_due(next, reply);
    }

    /// The next height, or this one again if its decision could not be committed here.
    fn next_step(&mut self) -> Next<GongxinContext> {
        if self.missed_decision {
            self.missed_decision = false;
            Next::Restart(self.next_height(), self.params())
        } else {
            Next::Start(self.next_height(), self.params())
        }
    }

    /// Sends `next` once the next height is due.
    fn reply_when_due(&self, next: Next<GongxinContext>, reply: Reply<Next<GongxinContext>>) {
        // Idle pacing: with nothing to propose, wait (without blocking this loop) for a
        // transaction, or until the empty-block interval has passed since the last
        // block's time. A node catching up on old blocks therefore never waits.
        let node = self.node.clone();
        let last_block_ms = node.tip().header.timestamp_ms;
        let due_ms =
            last_block_ms.saturating_add(self.timing.empty_block_interval.as_millis() as u64);
        let idle = Duration::from_millis(due_ms.saturating_sub(node.clock.now_ms()))
            .min(self.timing.empty_block_interval);
        tokio::spawn(async move {
            if node.admission.pool_size().txs == 0 {
                let _ = tokio::time::timeout(idle, node.admission.arrived.notified()).await;
            }
            let _ = reply.send(next);
        });
    }

    /// Judges a block a peer sent while we catch up (see `sync`); a valid one becomes a
    /// candidate of this height.
    async fn synced_value(
        &mut self,
        height: Height,
        round: Round,
        proposer: Address,
        value_bytes: Bytes,
    ) -> SyncedValueOutcome<GongxinContext> {
        let (outcome, executed) =
            sync::judge_synced_value(&self.node, height, round, proposer, value_bytes).await;
        if let (SyncedValueOutcome::Verdict(verdict), Some(executed)) = (&outcome, executed) {
            self.keep_candidate(
                verdict.round,
                verdict.proposer.clone(),
                &verdict.value,
                executed,
                true,
            );
        }
        outcome
    }
}

/// The height a proposal stream's id names ([`proposal_stream_id`]); `None` for an id no
/// proposer makes. The id is the sender's word, unauthenticated: it decides only how long an
/// open stream is kept. A proposal's height, round and proposer come from its `Init` part,
/// bound by the proposer's signature in `Fin`.
fn proposal_stream_height(id: &StreamId) -> Option<u64> {
    let bytes = id.to_bytes();
    let height: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
    (bytes.len() == 16).then(|| u64::from_be_bytes(height))
}

/// The stream id of our proposal for (height, round).
fn proposal_stream_id(height: Height, round: Round) -> StreamId {
    let mut stream_id = Vec::with_capacity(16);
    stream_id.extend_from_slice(&height.0.to_be_bytes());
    stream_id.extend_from_slice(&round.as_i64().to_be_bytes());
    StreamId::new(Bytes::from(stream_id))
}

/// Our certificate for a decided block: the round and the precommits' signatures.
fn commit_certificate(
    height: u64,
    certificate: &MCommitCertificate<GongxinContext>,
) -> CommitCertificate {
    let round = certificate.round.as_u32().unwrap_or(0);
    CommitCertificate {
        height,
        round,
        block_hash: certificate.value_id.0.hash,
        signatures: certificate
            .commit_signatures
            .iter()
            .map(|s| CommitSignature {
                validator: s.address.0.clone(),
                signature: s.signature.0,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Height, Round, StreamId, proposal_stream_height, proposal_stream_id};

    #[test]
    fn a_proposal_stream_id_names_its_height_and_nothing_else_does() {
        let id = proposal_stream_id(Height(7), Round::new(2));
        assert_eq!(proposal_stream_height(&id), Some(7));
        let max = proposal_stream_id(Height(u64::MAX), Round::Nil);
        assert_eq!(proposal_stream_height(&max), Some(u64::MAX));
        for other in [&[][..], &[0u8; 8][..], &[0u8; 15][..], &[0u8; 17][..]] {
            let id = StreamId::new(bytes::Bytes::copy_from_slice(other));
            assert_eq!(proposal_stream_height(&id), None, "{} bytes", other.len());
        }
    }
}
