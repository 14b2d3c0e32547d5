//! Fixtures for tests here and in downstream crates (client, node): a small ledger with a
//! four-department genesis, signed entries in a [`MemoryLog`], quorum-signed checkpoints and
//! proof bundles. Keys are generated fresh each time; nothing here is for production use.

use crate::Hash;
use crate::audit::{InclusionProof, ProofBundle};
use crate::checkpoint::{Checkpoint, SignedCheckpoint};
use crate::crypto::{Algorithm, Keypair};
use crate::entry::{Entry, Outcome};
use crate::genesis::{Genesis, GenesisFile, GenesisValidator};
use crate::log::{self, MemoryLog};
use crate::model::{Department, DepartmentKind, Member, Operation, Role};
use crate::tx::{ReplayGuard, TxBody};

/// The chain id of test ledgers.
pub const CHAIN: &str = "audit-test";

/// A ledger of signed entries with the genesis that names its validators.
#[derive(Debug)]
pub struct TestLedger {
    pub genesis: Genesis,
    /// Secret keys of the genesis validators, in genesis order.
    pub validator_keys: Vec<Keypair>,
    pub log: MemoryLog,
    /// (tx hash, entry bytes) of every entry, in log order.
    pub entries: Vec<(Hash, Vec<u8>)>,
}

/// A ledger of `entry_count` entries (every third one a rejection) on a four-department chain
/// with four equal ed25519 validators.
pub fn ledger(entry_count: usize) -> TestLedger {
    let kinds = [
        ("finance", DepartmentKind::Finance),
        ("audit", DepartmentKind::Audit),
        ("transport", DepartmentKind::Line),
        ("ecology", DepartmentKind::Line),
    ];
    let validator_keys: Vec<Keypair> = (0..4)
        .map(|_| Keypair::generate(Algorithm::Ed25519).unwrap())
        .collect();
    let member = Keypair::generate(Algorithm::Sm2).unwrap();
    let file = GenesisFile {
        chain_id: CHAIN.into(),
        genesis_time_ms: 1_767_225_600_000,
        departments: kinds
            .iter()
            .map(|(id, kind)| Department {
                id: (*id).into(),
                name: id.to_uppercase(),
                kind: *kind,
            })
            .collect(),
        validators: kinds
            .iter()
            .zip(&validator_keys)
            .map(|((id, _), key)| GenesisValidator {
                name: format!("{id}.validator"),
                department: (*id).into(),
                algorithm: Algorithm::Ed25519,
                public_key: hex::encode(key.public_key().as_bytes()),
                power: 10,
            })
            .collect(),
        members: kinds
            .iter()
            .map(|(id, _)| Member {
                name: format!("{id} director"),
                department: (*id).into(),
                role: Role::Director,
                public_key: if *id == "transport" {
                    member.public_key()
                } else {
                    Keypair::generate(Algorithm::Ed25519).unwrap().public_key()
                },
            })
            .collect(),
        policies: vec![],
        reminders: Default::default(),
    };
    let genesis = Genesis::from_file(file).unwrap();

    let mut log = MemoryLog::new();
    let mut entries = Vec::new();
    for i in 0..entry_count {
        let tx = TxBody {
            chain_id: CHAIN.into(),
            signer: member.public_key(),
            replay: ReplayGuard {
                nonce: i as u64,
                valid_until_height: 100,
            },
            operation: Operation::ApproveProject {
                project: format!("P-{i}"),
            },
        }
        .sign(&member);
        let outcome = if i % 3 == 0 {
            Outcome::Rejected {
                code: "wrong_state".into(),
                reason: "not proposed".into(),
            }
        } else {
            Outcome::Applied
        };
        let bytes = Entry {
            height: 1 + i as u64 / 4,
            tx: tx.clone(),
            outcome,
        }
        .to_bytes();
        log.append(&bytes);
        entries.push((tx.hash(), bytes));
    }
    TestLedger {
        genesis,
        validator_keys,
        log,
        entries,
    }
}

impl TestLedger {
    /// The checkpoint of the first `size` entries signed by the validators at `signers`.
    pub fn checkpoint(&self, size: u64, signers: &[usize]) -> SignedCheckpoint {
        let checkpoint = Checkpoint::new(CHAIN, size, self.log.root_at(size).unwrap());
        let signatures = signers
            .iter()
            .map(|&i| {
                checkpoint.sign(
                    &self.genesis.validators.validators()[i].name,
                    &self.validator_keys[i],
                )
            })
            .collect();
        SignedCheckpoint {
            checkpoint,
            signatures,
        }
    }

    /// A proof bundle for entry `index` against a checkpoint of `size` signed by 3 of 4.
    pub fn bundle(&self, index: usize, size: u64) -> ProofBundle {
        let (tx_hash, entry) = self.entries[index].clone();
        ProofBundle {
            tx_hash,
            proof: InclusionProof {
                leaf_index: index as u64,
                tree_size: size,
                entry,
                audit_path: log::inclusion_proof(&self.log, index as u64, size).unwrap(),
            },
            checkpoint: self.checkpoint(size, &[0, 1, 3]).to_note(),
            handovers: Vec::new(),
        }
    }
}
