//! A city to test against: four departments (finance, audit, transport, ecology), each with a
//! director, a section chief, a specialist and an auditor whose keys are derived from their
//! names (so runs are reproducible), the reviewed policy set of `genesis/city-policies.json`,
//! and a [`Harness`] that signs transactions, applies them to a [`MemoryState`] and moves
//! blocks on. The node's tests and the benchmarks use it too.

use std::collections::BTreeMap;

use gongxin_core::Hash;
use gongxin_core::crypto::{Algorithm, Keypair, PublicKey};
use gongxin_core::genesis::{Genesis, GenesisFile, GenesisValidator};
use gongxin_core::model::{
    ApprovalPolicy, Award, Bid, BudgetApproval, BudgetLine, ContractRecord, Department,
    DepartmentKind, Disclosure, Member, Operation, Party, PaymentMilestone, Procurement,
    ProcurementMethod, ProjectProposal, Role,
};
use gongxin_core::tx::{ReplayGuard, SignedTx, TxBody};

use crate::engine::{Applied, BlockContext, apply, begin_block};
use crate::events::Event;
use crate::genesis::init_genesis;
use crate::keys;
use crate::records::{RequestRecord, RequestStatus};
use crate::state::MemoryState;
use crate::store;
use crate::validate::with_check_character;

/// The reviewed example policy set.
pub const CITY_POLICIES_JSON: &str = include_str!("../../genesis/city-policies.json");

pub const CHAIN_ID: &str = "city-devnet";
/// 2026-01-01T00:00:00+08:00.
pub const GENESIS_TIME_MS: u64 = 1_767_196_800_000;
/// One block every five seconds.
pub const BLOCK_MS: u64 = 5_000;
pub const DAY_MS: u64 = crate::limits::DAY_MS;

pub const FINANCE: &str = "finance";
pub const AUDIT: &str = "audit";
pub const TRANSPORT: &str = "transport";
pub const ECOLOGY: &str = "ecology";

/// The city's departments: id, name, kind.
pub const DEPARTMENTS: [(&str, &str, DepartmentKind); 4] = [
    (FINANCE, "市财政局 Finance Bureau", DepartmentKind::Finance),
    (
        AUDIT,
        "市审计局 Audit Bureau (纪检监察)",
        DepartmentKind::Audit,
    ),
    (
        TRANSPORT,
        "市交通运输局 Transport Bureau",
        DepartmentKind::Line,
    ),
    (ECOLOGY, "市生态环境局 Ecology Bureau", DepartmentKind::Line),
];

pub const ROLES: [Role; 4] = [
    Role::Director,
    Role::SectionChief,
    Role::Specialist,
    Role::Auditor,
];

/// The policies of `genesis/city-policies.json`.
pub fn city_policies() -> Vec<ApprovalPolicy> {
    serde_json::from_str(CITY_POLICIES_JSON).expect("genesis/city-policies.json is valid")
}

/// A key derived from a label: SM3 of the label is the ed25519 seed. For tests only.
pub fn derived_key(label: &str) -> Keypair {
    let seed = Hash::digest(format!("gongxin/testkit/{label}").as_bytes());
    Keypair::from_secret_bytes(Algorithm::Ed25519, seed.as_bytes())
        .expect("any 32 bytes are an ed25519 seed")
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Director => "director",
        Role::SectionChief => "section-chief",
        Role::Specialist => "specialist",
        Role::Auditor => "auditor",
    }
}

/// The key of member `n` (0 = the genesis member) with `role` in `dept`.
pub fn member_key(dept: &str, role: Role, n: u32) -> Keypair {
    derived_key(&format!("{dept}/{}/{n}", role_label(role)))
}

/// A valid unified social credit code for test contractor `n`.
pub fn credit_code(n: u32) -> String {
    with_check_character(&format!("91320100{:09}", n % 1_000_000_000))
        .expect("digits are in the credit-code alphabet")
}

/// The city: its genesis and its members' keys.
#[derive(Debug, Clone)]
pub struct City {
    pub genesis: Genesis,
    keys: BTreeMap<(String, Role), Keypair>,
}

impl Default for City {
    fn default() -> City {
        City::new()
    }
}

impl City {
    pub fn new() -> City {
        City::with_policies(city_policies())
    }

    /// The city with other policies (e.g. none).
    pub fn with_policies(policies: Vec<ApprovalPolicy>) -> City {
        let mut keys = BTreeMap::new();
        let mut members = Vec::new();
        for (dept, _, _) in DEPARTMENTS {
            for role in ROLES {
                let key = member_key(dept, role, 0);
                members.push(Member {
                    name: format!("{dept} {}", role_label(role)),
                    department: dept.to_owned(),
                    role,
                    public_key: key.public_key(),
                });
                keys.insert((dept.to_owned(), role), key);
            }
        }
        let file = GenesisFile {
            chain_id: CHAIN_ID.to_owned(),
            genesis_time_ms: GENESIS_TIME_MS,
            departments: DEPARTMENTS
                .iter()
                .map(|(id, name, kind)| Department {
                    id: (*id).to_owned(),
                    name: (*name).to_owned(),
                    kind: *kind,
                })
                .collect(),
            validators: DEPARTMENTS
                .iter()
                .map(|(id, _, _)| GenesisValidator {
                    name: format!("{id}.validator"),
                    department: (*id).to_owned(),
                    algorithm: Algorithm::Ed25519,
                    public_key: hex::encode(
                        derived_key(&format!("{id}/validator"))
                            .public_key()
                            .as_bytes(),
                    ),
                    power: 1,
                })
                .collect(),
            members,
            policies,
            reminders: Default::default(),
        };
        let genesis = Genesis::from_file(file).expect("the test city is a valid genesis");
        City { genesis, keys }
    }

    /// A city from any genesis and the keys of its members by (department, role) — e.g. a
    /// devnet's generated keys, so a harness can prepare real transactions for it.
    pub fn from_parts(genesis: Genesis, keys: BTreeMap<(String, Role), Keypair>) -> City {
        City { genesis, keys }
    }

    pub fn key(&self, dept: &str, role: Role) -> &Keypair {
        self.keys
            .get(&(dept.to_owned(), role))
            .unwrap_or_else(|| panic!("the test city has no {role:?} in {dept}"))
    }

    pub fn public(&self, dept: &str, role: Role) -> PublicKey {
        self.key(dept, role).public_key()
    }
}

/// What a harness did, in order, so it can be replayed on another state (benchmarks, node
/// tests that feed the same blocks through RocksDB).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalEntry {
    /// `begin_block` with this context.
    Block(BlockContext),
    /// `apply` of this transaction in the current block.
    Tx(Box<SignedTx>),
}

/// Signs and applies transactions block by block against a [`MemoryState`].
#[derive(Debug)]
pub struct Harness {
    pub state: MemoryState,
    pub city: City,
    pub ctx: BlockContext,
    /// The state right after genesis.
    pub genesis_state: MemoryState,
    /// Every block and transaction since genesis.
    pub journal: Vec<JournalEntry>,
    /// Signed transactions expire this many blocks after the current one.
    pub tx_validity_blocks: u64,
    nonce: u64,
}

impl Default for Harness {
    fn default() -> Harness {
        Harness::new()
    }
}

impl Harness {
    /// The city with its reviewed policies, at height 1.
    pub fn new() -> Harness {
        Harness::with_city(City::new())
    }

    pub fn with_city(city: City) -> Harness {
        let time_ms = city.genesis.genesis_time_ms + BLOCK_MS;
        Harness::with_city_at(city, 1, time_ms)
    }

    /// A harness whose first block is at `height` and `time_ms` (its state is the genesis
    /// state, as on a chain that has only had empty blocks so far).
    pub fn with_city_at(city: City, height: u64, time_ms: u64) -> Harness {
        let mut state = MemoryState::new();
        init_genesis(&mut state, &city.genesis).expect("the test genesis initialises");
        let mut h = Harness {
            genesis_state: state.clone(),
            journal: Vec::new(),
            state,
            ctx: BlockContext {
                chain_id: city.genesis.chain_id.clone(),
                height: height.saturating_sub(1),
                time_ms: time_ms.saturating_sub(BLOCK_MS),
            },
            city,
            tx_validity_blocks: 100,
            nonce: 0,
        };
        h.next_block(BLOCK_MS);
        h
    }

    /// Starts the next block `advance_ms` later; returns the sweep's events.
    pub fn next_block(&mut self, advance_ms: u64) -> Vec<Event> {
        self.ctx.height += 1;
        self.ctx.time_ms += advance_ms;
        self.journal.push(JournalEntry::Block(self.ctx.clone()));
        begin_block(&mut self.state, &self.ctx).expect("memory state never fails")
    }

    /// Moves on by whole days, one block per day, collecting the sweeps' events.
    pub fn advance_days(&mut self, days: u64) -> Vec<Event> {
        let mut events = Vec::new();
        for _ in 0..days {
            events.extend(self.next_block(DAY_MS));
        }
        events
    }

    /// A signed transaction by `key`, valid for the next `tx_validity_blocks` blocks.
    pub fn sign(&mut self, key: &Keypair, operation: Operation) -> SignedTx {
        self.nonce += 1;
        TxBody {
            chain_id: self.ctx.chain_id.clone(),
            signer: key.public_key(),
            replay: ReplayGuard {
                nonce: self.nonce,
                valid_until_height: self.ctx.height + self.tx_validity_blocks,
            },
            operation,
        }
        .sign(key)
    }

    /// Applies a signed transaction in the current block.
    pub fn apply_tx(&mut self, tx: &SignedTx) -> Applied {
        self.journal.push(JournalEntry::Tx(Box::new(tx.clone())));
        let hash = tx.hash();
        apply(&mut self.state, &self.ctx, tx, &hash).expect("memory state never fails")
    }

    /// Signs and applies `operation` by `key`; returns the tx hash and the result.
    pub fn submit_key(&mut self, key: &Keypair, operation: Operation) -> (Hash, Applied) {
        let tx = self.sign(key, operation);
        let applied = self.apply_tx(&tx);
        (tx.hash(), applied)
    }

    /// Signs and applies `operation` by the genesis member with `role` in `dept`.
    pub fn submit(&mut self, dept: &str, role: Role, operation: Operation) -> (Hash, Applied) {
        let key = self.city.key(dept, role).clone();
        self.submit_key(&key, operation)
    }

    /// Like [`Harness::submit`], panicking with the reason unless applied.
    pub fn ok(&mut self, dept: &str, role: Role, operation: Operation) -> (Hash, Applied) {
        let (hash, applied) = self.submit(dept, role, operation.clone());
        if let gongxin_core::entry::Outcome::Rejected { code, reason } = &applied.outcome {
            panic!(
                "{dept} {role:?} {:?}: rejected {code}: {reason}",
                operation.kind()
            );
        }
        (hash, applied)
    }

    /// Like [`Harness::submit`], returning the rejection code (panics if applied).
    pub fn reject(&mut self, dept: &str, role: Role, operation: Operation) -> String {
        let (_, applied) = self.submit(dept, role, operation.clone());
        match applied.code() {
            Some(code) => code.to_owned(),
            None => panic!("{dept} {role:?} {:?} was applied", operation.kind()),
        }
    }

    /// A stored request.
    pub fn request(&self, hash: &Hash) -> Option<RequestRecord> {
        store::get(&self.state, &keys::request(hash)).expect("memory state never fails")
    }

    /// Submits `operation` and, if it opens a request, approves it with the genesis members
    /// the request needs (the first eligible ones by department and role) until it closes.
    /// Returns the submission's hash and the result of the last transaction.
    pub fn ok_approved(&mut self, dept: &str, role: Role, operation: Operation) -> (Hash, Applied) {
        let (hash, applied) = self.ok(dept, role, operation);
        if !applied
            .events
            .iter()
            .any(|e| matches!(e, Event::RequestOpened { .. }))
        {
            return (hash, applied);
        }
        let last = self.approve_all(&hash);
        (hash, last)
    }

    /// Approves an open request with eligible genesis members until it is no longer open;
    /// returns the last approval's result. Panics if it cannot be completed.
    pub fn approve_all(&mut self, hash: &Hash) -> Applied {
        let request = self.request(hash).expect("the request exists");
        let submitter = request.submitter;
        let mut last = None;
        for r in &request.required {
            for d in &r.departments {
                let key = self.city.key(d, r.role).clone();
                if key.public_key() == submitter {
                    continue;
                }
                let open = self
                    .request(hash)
                    .is_some_and(|q| q.status == RequestStatus::Open);
                if !open {
                    break;
                }
                let (_, applied) = self.submit_key(
                    &key,
                    Operation::Approve {
                        request: *hash,
                        note: String::new(),
                    },
                );
                if applied.is_applied() {
                    last = Some(applied);
                }
            }
        }
        let request = self.request(hash).expect("the request exists");
        match (&request.status, last) {
            (RequestStatus::Executed, Some(last)) => last,
            (status, _) => panic!("request {hash} for {:?} ended {status:?}", request.kind),
        }
    }
}

/// Replays a journal onto `state` (normally a copy of [`Harness::genesis_state`]); returns how
/// many transactions were applied and how many of them were rejected.
pub fn replay(state: &mut MemoryState, journal: &[JournalEntry]) -> (usize, usize) {
    let mut ctx: Option<&BlockContext> = None;
    let (mut txs, mut rejected) = (0, 0);
    for entry in journal {
        match entry {
            JournalEntry::Block(c) => {
                begin_block(state, c).expect("memory state never fails");
                ctx = Some(c);
            }
            JournalEntry::Tx(tx) => {
                let c = ctx.expect("a journal starts with a block");
                let applied = apply(state, c, tx, &tx.hash()).expect("memory state never fails");
                txs += 1;
                if !applied.is_applied() {
                    rejected += 1;
                }
            }
        }
    }
    (txs, rejected)
}

/// A project proposal with sensible defaults.
pub fn proposal(id: &str, budget_fen: u64, start_ms: u64, end_ms: u64) -> ProjectProposal {
    ProjectProposal {
        id: id.to_owned(),
        name: format!("Project {id}"),
        category: "smart-city/transport".to_owned(),
        location: "高新区 High-tech Zone".to_owned(),
        programme: None,
        planned_start_ms: start_ms,
        planned_end_ms: end_ms,
        requested_budget_fen: budget_fen,
        disclosure: Disclosure::Public,
        description: format!("internal description of {id}"),
    }
}

/// A one-line budget approval.
pub fn budget(project: &str, amount_fen: u64) -> BudgetApproval {
    BudgetApproval {
        project: project.to_owned(),
        fiscal_year: 2026,
        lines: vec![BudgetLine {
            code: "2140101".to_owned(),
            name: "公路建设 road construction".to_owned(),
            amount_fen,
        }],
        document_hash: None,
    }
}

pub fn procurement(project: &str) -> Procurement {
    Procurement {
        project: project.to_owned(),
        method: ProcurementMethod::OpenTender,
        announcement_ref: format!("CCGP-{project}"),
    }
}

/// An open-tender award to contractor `winner` (of three bidders) for `amount_fen`.
pub fn award(project: &str, winner: u32, amount_fen: u64) -> Award {
    let bids: Vec<Bid> = (0..3)
        .map(|i| Bid {
            bidder: Party {
                name: format!("Contractor {}", winner + i),
                credit_code: credit_code(winner + i),
            },
            amount_fen: amount_fen.saturating_add(u64::from(i) * 100_000),
        })
        .collect();
    Award {
        project: project.to_owned(),
        bids,
        winner_credit_code: credit_code(winner),
        amount_fen,
        document_hash: None,
    }
}

/// A contract with a 10 % advance and milestones at 30 %, 60 % and 100 % progress (shares 20,
/// 30 and 40 %), due 30, 60 and 90 days after `start_ms`.
pub fn contract(
    id: &str,
    project: &str,
    winner: u32,
    amount_fen: u64,
    start_ms: u64,
) -> ContractRecord {
    let milestone = |name: &str, progress_bp, share_bp, days: u64| PaymentMilestone {
        name: name.to_owned(),
        progress_bp,
        share_bp,
        due_ms: start_ms + days * DAY_MS,
    };
    ContractRecord {
        id: id.to_owned(),
        project: project.to_owned(),
        contractor: Party {
            name: format!("Contractor {winner}"),
            credit_code: credit_code(winner),
        },
        amount_fen,
        advance_share_bp: 1_000,
        milestones: vec![
            milestone("foundation", 3_000, 2_000, 30),
            milestone("structure", 6_000, 3_000, 60),
            milestone("completion", 10_000, 4_000, 90),
        ],
        document_hash: Hash::digest(format!("contract {id}").as_bytes()),
    }
}

impl Harness {
    /// Drives a new transport project through proposal, approval, budget, procurement, award,
    /// contract and start of implementation (with every approval the city policies need).
    /// The contract is `{id}-C`, with contractor `winner`.
    pub fn project_in_progress(
        &mut self,
        id: &str,
        budget_fen: u64,
        contract_fen: u64,
        winner: u32,
    ) {
        let start = self.ctx.time_ms;
        let end = start + 120 * DAY_MS;
        self.ok_approved(
            TRANSPORT,
            Role::Specialist,
            Operation::ProposeProject(proposal(id, budget_fen, start, end)),
        );
        self.ok_approved(
            TRANSPORT,
            Role::Director,
            Operation::ApproveProject {
                project: id.to_owned(),
            },
        );
        self.ok_approved(
            FINANCE,
            Role::SectionChief,
            Operation::ApproveBudget(budget(id, budget_fen)),
        );
        self.ok_approved(
            TRANSPORT,
            Role::Specialist,
            Operation::StartProcurement(procurement(id)),
        );
        self.ok_approved(
            TRANSPORT,
            Role::SectionChief,
            Operation::AwardProcurement(award(id, winner, contract_fen)),
        );
        self.ok_approved(
            TRANSPORT,
            Role::Director,
            Operation::SignContract(contract(
                &format!("{id}-C"),
                id,
                winner,
                contract_fen,
                start,
            )),
        );
        self.ok_approved(
            TRANSPORT,
            Role::SectionChief,
            Operation::StartImplementation {
                project: id.to_owned(),
            },
        );
    }
}
