//! `gongxin audit watch`: an auditor's monitor that keeps a node honest over time.
//!
//! The watcher remembers the last checkpoint it verified (in a state directory) and, on each
//! poll, demands that the node's current checkpoint
//!
//! 1. is a well-formed note signed by more than 2/3 of the power of the validator set in force
//!    at its size — the genesis set, or a later one reached from it through the hand-overs
//!    the node serves at `GET /v1/validator-sets`, each signed by the set before it,
//! 2. is not smaller than the remembered one (a smaller log is a rollback),
//! 3. has the same root when it has the same size, and
//! 4. when larger, extends the remembered log: an RFC 9162 consistency proof fetched from the
//!    node links the two roots.
//!
//! A checkpoint that passes becomes the remembered one; one that fails raises an [`Alarm`] and
//! is *not* remembered, so the evidence stays comparable with what was verified. Two validly
//! signed checkpoints that no consistency proof links are proof that a validator quorum signed
//! two different logs (a split view), which is what this tool exists to catch; the alarm is
//! also written to the state directory with both notes, so the evidence survives the process.
//!
//! The first poll of a fresh state directory trusts the node's checkpoint on first use (after
//! checking its signatures). Failing to reach the node is never an alarm: the caller retries.
//!
//! State directory layout:
//! - `checkpoint.note`: the last verified note, byte for byte as the node served it; replaced
//!   atomically (temp file, fsync, rename, fsync of the directory) so a crash never leaves a
//!   half-written state.
//! - `handovers.json`: the validator-set hand-overs that verified it (absent while the genesis
//!   set signs); later polls must be served the same hand-overs, and maybe more.
//! - `alarm-<unix ms>.json`: one per alarm raised (see [`Alarm`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use gongxin_core::Hash;
use gongxin_core::audit::{ConsistencyProof, trusted_sets, verify_consistency_with};
use gongxin_core::checkpoint::{CHECKPOINT_NOTE_BYTES_MAX, SignedCheckpoint};
use gongxin_core::genesis::Genesis;
use gongxin_core::handover::HandOver;
use serde::Serialize;

use crate::http::{ClientError, NodeClient};

/// The state file holding the last verified checkpoint note.
pub const STATE_FILE: &str = "checkpoint.note";
/// The state file holding the validator-set hand-overs that verified it.
pub const HANDOVERS_FILE: &str = "handovers.json";

/// Why the watcher cannot go on (as opposed to an alarm about the node).
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("cannot use state directory {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} does not hold a checkpoint of this genesis ({reason}); was the state directory \
         made for another chain, or altered? Move it away to start over (the next poll then \
         trusts the node's current checkpoint)"
    )]
    BadState { path: PathBuf, reason: String },
}

/// What a node did wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmKind {
    /// The checkpoint is malformed or not signed by a validator quorum of the genesis.
    InvalidCheckpoint,
    /// A validly signed checkpoint of a smaller log than one already verified.
    Rollback,
    /// A validly signed checkpoint that does not extend the verified one: a rewritten log or a
    /// split view.
    Inconsistent,
}

/// A verification failure, with the evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Alarm {
    pub kind: AlarmKind,
    /// What failed, in words.
    pub reason: String,
    /// The node that presented the checkpoint.
    pub node: String,
    /// The last verified note, if any.
    pub trusted_note: Option<String>,
    /// The note the node presented.
    pub presented_note: String,
    /// The consistency proof the node served, when one was involved.
    pub consistency_proof: Option<ConsistencyProof>,
}

/// Why a poll did not verify a checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// The node presented something that fails verification.
    #[error("{}", .0.reason)]
    Alarm(Box<Alarm>),
    /// The node could not be asked (network, node error, unexpected answer): try again later.
    #[error("{0}")]
    Unreachable(#[from] ClientError),
    /// The verified checkpoint could not be stored.
    #[error(transparent)]
    State(#[from] WatchError),
    /// The checkpoint is valid but not (yet) cosigned by the witnesses required: witnesses
    /// cosign after the block, so the next poll may find it cosigned. Not remembered.
    #[error("{0}")]
    NotCosigned(String),
}

/// What a successful poll established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PollKind {
    /// The state was empty: the checkpoint is trusted on first use (signatures checked).
    FirstUse,
    /// Same size and root as the verified checkpoint.
    Unchanged,
    /// A larger log, proven to extend the verified one.
    Extended,
}

/// The outcome of a successful poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollReport {
    pub kind: PollKind,
    pub tree_size: u64,
    pub root: Hash,
    /// The verified size before this poll.
    pub previous_size: Option<u64>,
    /// Validators whose signatures on the checkpoint counted.
    pub signers: Vec<String>,
}

/// A verified checkpoint: the note as served, its parsed form and the hand-overs that led
/// from the genesis set to its signers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trusted {
    pub note: String,
    pub checkpoint: SignedCheckpoint,
    pub handovers: Vec<HandOver>,
}

/// The state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    dir: PathBuf,
}

impl StateDir {
    /// Opens (creating when needed) a state directory.
    pub fn open(dir: &Path) -> Result<StateDir, WatchError> {
        std::fs::create_dir_all(dir).map_err(|source| WatchError::Io {
            path: dir.to_owned(),
            source,
        })?;
        Ok(StateDir {
            dir: dir.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn state_file(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// The stored checkpoint, re-verified against `genesis`; `None` in a fresh directory.
    pub fn load(&self, genesis: &Genesis) -> Result<Option<Trusted>, WatchError> {
        let path = self.state_file();
        let note = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(WatchError::Io { path, source }),
        };
        let bad = |reason: String| WatchError::BadState {
            path: path.clone(),
            reason,
        };
        if note.len() > CHECKPOINT_NOTE_BYTES_MAX {
            return Err(bad(format!("{} bytes, larger than any note", note.len())));
        }
        let note = String::from_utf8(note).map_err(|_| bad("not UTF-8".into()))?;
        let checkpoint = SignedCheckpoint::parse(&note).map_err(|e| bad(e.to_string()))?;
        let handovers_path = self.dir.join(HANDOVERS_FILE);
        let handovers: Vec<HandOver> = match std::fs::read(&handovers_path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| bad(format!("{HANDOVERS_FILE}: {e}")))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(WatchError::Io {
                    path: handovers_path,
                    source,
                });
            }
        };
        trusted_sets(genesis, &handovers)
            .map_err(|e| bad(e.to_string()))?
            .verify(&checkpoint)
            .map_err(|e| bad(e.to_string()))?;
        Ok(Some(Trusted {
            note,
            checkpoint,
            handovers,
        }))
    }

    /// Replaces the stored checkpoint and its hand-overs, each atomically (hand-overs first:
    /// more hand-overs than a note needs still verify it).
    pub fn store(&self, note: &str, handovers: &[HandOver]) -> Result<(), WatchError> {
        let path = self.dir.join(HANDOVERS_FILE);
        let text = serde_json::to_vec_pretty(handovers).expect("hand-overs always serialize");
        crate::offline::write_atomic(&path, &text)
            .map_err(|source| WatchError::Io { path, source })?;
        let path = self.state_file();
        crate::offline::write_atomic(&path, note.as_bytes())
            .map_err(|source| WatchError::Io { path, source })
    }

    /// Writes an alarm's evidence as `alarm-<unix ms>.json`; returns its path.
    pub fn record_alarm(&self, alarm: &Alarm) -> Result<PathBuf, WatchError> {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let text = serde_json::to_string_pretty(alarm).expect("an alarm always serializes");
        // Two alarms in one millisecond get distinct names; never overwrite evidence.
        for attempt in 0..100u32 {
            let name = if attempt == 0 {
                format!("alarm-{now_ms}.json")
            } else {
                format!("alarm-{now_ms}-{attempt}.json")
            };
            let path = self.dir.join(name);
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    return file
                        .write_all(text.as_bytes())
                        .and_then(|()| file.sync_all())
                        .map(|()| path.clone())
                        .map_err(|source| WatchError::Io { path, source });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(source) => return Err(WatchError::Io { path, source }),
            }
        }
        Err(WatchError::Io {
            path: self.dir.clone(),
            source: std::io::Error::other("too many alarm files in one millisecond"),
        })
    }
}

/// Polls one node against one genesis, remembering verified checkpoints in a state directory.
#[derive(Debug)]
pub struct Watcher {
    client: NodeClient,
    genesis: Genesis,
    state: StateDir,
    trusted: Option<Trusted>,
    witnesses: crate::offline::WitnessPolicy,
}

impl Watcher {
    /// Loads (and re-verifies) the stored checkpoint, if any.
    pub fn new(client: NodeClient, genesis: Genesis, state: StateDir) -> Result<Self, WatchError> {
        let trusted = state.load(&genesis)?;
        Ok(Watcher {
            client,
            genesis,
            state,
            trusted,
            witnesses: crate::offline::WitnessPolicy::default(),
        })
    }

    /// Requires `policy.required` of `policy.witnesses` to have cosigned a checkpoint before it
    /// is accepted.
    pub fn with_witnesses(mut self, policy: crate::offline::WitnessPolicy) -> Watcher {
        self.witnesses = policy;
        self
    }

    /// The last verified checkpoint.
    pub fn trusted(&self) -> Option<&Trusted> {
        self.trusted.as_ref()
    }

    pub fn state(&self) -> &StateDir {
        &self.state
    }

    /// Fetches the node's checkpoint and verifies it against the remembered one.
    pub fn poll(&mut self) -> Result<PollReport, PollError> {
        let note = self.client.checkpoint_note()?;
        let alarm = |kind, reason: String, proof: Option<ConsistencyProof>| {
            PollError::Alarm(Box::new(Alarm {
                kind,
                reason,
                node: self.client.base_url().to_owned(),
                trusted_note: self.trusted.as_ref().map(|t| t.note.clone()),
                presented_note: note.clone(),
                consistency_proof: proof,
            }))
        };
        let presented = SignedCheckpoint::parse(&note).map_err(|e| {
            alarm(
                AlarmKind::InvalidCheckpoint,
                format!("the node's checkpoint is not a valid signed note: {e}"),
                None,
            )
        })?;
        let (size, root) = (presented.checkpoint.tree_size, presented.checkpoint.root);
        let handovers = self.client.handovers()?;
        if let Some(trusted) = &self.trusted
            && !handovers.starts_with(&trusted.handovers)
        {
            return Err(alarm(
                AlarmKind::Inconsistent,
                "the node serves other validator-set hand-overs than those already verified: \
                 validator quorums signed two different histories"
                    .into(),
                None,
            ));
        }
        let sets = trusted_sets(&self.genesis, &handovers).map_err(|e| {
            alarm(
                AlarmKind::InvalidCheckpoint,
                format!("the node's validator-set hand-overs do not verify from the genesis: {e}"),
                None,
            )
        })?;
        let signers = sets.verify(&presented).map_err(|e| {
            alarm(
                AlarmKind::InvalidCheckpoint,
                format!(
                    "the node's checkpoint (size {size}, root {root}) is not valid for this \
                         genesis: {e}"
                ),
                None,
            )
        })?;

        if self.witnesses.required > 0 {
            use gongxin_core::witness::{CosignatureError, require_cosignatures};
            match require_cosignatures(
                &presented,
                &self.witnesses.witnesses,
                self.witnesses.required,
            ) {
                Ok(_) => {}
                Err(CosignatureError::Bad(name)) => {
                    return Err(alarm(
                        AlarmKind::InvalidCheckpoint,
                        format!(
                            "the node's checkpoint (size {size}) carries a cosignature of witness \
                             {name} that does not verify"
                        ),
                        None,
                    ));
                }
                Err(not_enough) => {
                    return Err(PollError::NotCosigned(format!(
                        "the checkpoint of size {size} is not yet cosigned: {not_enough}"
                    )));
                }
            }
        }
        let Some(trusted) = &self.trusted else {
            return self.accept(
                note,
                presented,
                handovers,
                signers,
                PollKind::FirstUse,
                None,
            );
        };
        let (old_size, old_root) = (
            trusted.checkpoint.checkpoint.tree_size,
            trusted.checkpoint.checkpoint.root,
        );
        if size < old_size {
            return Err(alarm(
                AlarmKind::Rollback,
                format!(
                    "rollback: the node's validly signed checkpoint has {size} entries, fewer \
                     than the {old_size} already verified (root {old_root})"
                ),
                None,
            ));
        }
        if size == old_size {
            if root != old_root {
                return Err(alarm(
                    AlarmKind::Inconsistent,
                    format!(
                        "split view: two validly signed checkpoints of size {size} with different \
                         roots (verified {old_root}, now {root}): the validators signed two \
                         different logs"
                    ),
                    None,
                ));
            }
            return Ok(PollReport {
                kind: PollKind::Unchanged,
                tree_size: size,
                root,
                previous_size: Some(old_size),
                signers,
            });
        }
        // Every log extends the empty one; the gateway (like RFC 9162) has no proof for it.
        let proof = if old_size == 0 {
            ConsistencyProof {
                first: 0,
                second: size,
                consistency_path: Vec::new(),
            }
        } else {
            self.client.consistency_proof(old_size, size)?
        };
        if let Err(e) = verify_consistency_with(&sets, &trusted.checkpoint, &presented, &proof) {
            return Err(alarm(
                AlarmKind::Inconsistent,
                format!(
                    "the node's checkpoint of size {size} (root {root}) does not extend the \
                     verified checkpoint of size {old_size} (root {old_root}): {e}; the log was \
                     rewritten, or the validators signed two different logs"
                ),
                Some(proof),
            ));
        }
        self.accept(
            note,
            presented,
            handovers,
            signers,
            PollKind::Extended,
            Some(old_size),
        )
    }

    fn accept(
        &mut self,
        note: String,
        checkpoint: SignedCheckpoint,
        handovers: Vec<HandOver>,
        signers: Vec<String>,
        kind: PollKind,
        previous_size: Option<u64>,
    ) -> Result<PollReport, PollError> {
        self.state.store(&note, &handovers)?;
        let report = PollReport {
            kind,
            tree_size: checkpoint.checkpoint.tree_size,
            root: checkpoint.checkpoint.root,
            previous_size,
            signers,
        };
        self.trusted = Some(Trusted {
            note,
            checkpoint,
            handovers,
        });
        Ok(report)
    }
}
