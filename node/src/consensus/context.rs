//! gongxin's types as Malachite sees them: heights, validator names as addresses, the block
//! header as the value, votes and proposals, and the parts a proposal is streamed in.
//!
//! Malachite's own message types (signed messages, certificates, sync requests) are encoded
//! with borsh; our types inside them write their canonical bincode bytes (length-prefixed,
//! decoded under the same byte limits as everywhere else), so one encoding rule holds for
//! every gongxin value whichever envelope carries it.

use std::fmt;
use std::sync::Arc;

use borsh::io::{Error as IoError, ErrorKind, Read, Write};
use borsh::{BorshDeserialize, BorshSerialize};
use gongxin_core::Hash;
use gongxin_core::block::{BlockHeader, BlockId};
use gongxin_core::crypto::{Keypair, PublicKey, Signature};
use gongxin_core::encoding::{self, TX_BYTES_MAX};
use gongxin_core::tx::SignedTx;
use malachitebft_core_types::{
    self as mtypes, NilOrVal, Round, SignedExtension, ValueId as MValueId, VoteType,
};

/// Largest canonical header we accept inside a consensus message (real ones are ~400 bytes).
pub const HEADER_BYTES_MAX: usize = 4 * 1024;
/// Largest batch of transactions in one proposal part. Parts travel as pubsub messages whose
/// size the network bounds; see `consensus::engine` for the limit it is given.
pub const PROPOSAL_PART_BYTES_MAX: usize = 512 * 1024;

/// Writes `value`'s canonical bytes, length-prefixed, into a borsh stream.
fn write_canonical<T: bincode::Encode, W: Write>(value: &T, writer: &mut W) -> Result<(), IoError> {
    let bytes = encoding::encode(value);
    BorshSerialize::serialize(&bytes, writer)
}

/// Reads a length-prefixed canonical value, refusing more than `LIMIT` bytes.
fn read_canonical<T: bincode::Decode<()>, const LIMIT: usize, R: Read>(
    reader: &mut R,
) -> Result<T, IoError> {
    let len = u32::deserialize_reader(reader)? as usize;
    if len > LIMIT {
        return Err(IoError::new(
            ErrorKind::InvalidData,
            format!("canonical value of {len} bytes exceeds {LIMIT}"),
        ));
    }
    let mut bytes = vec![0u8; len];
    reader.read_exact(&mut bytes)?;
    encoding::decode::<T, LIMIT>(&bytes).map_err(|e| IoError::new(ErrorKind::InvalidData, e))
}

/// The consensus context: which types, and who proposes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GongxinContext;

/// A block height. Block 0 comes from genesis and is never decided; consensus starts at 1.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    BorshSerialize,
    BorshDeserialize,
)]
pub struct Height(pub u64);

impl fmt::Display for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl mtypes::Height for Height {
    const ZERO: Self = Height(0);
    const INITIAL: Self = Height(1);

    fn increment_by(&self, n: u64) -> Self {
        Height(self.0.saturating_add(n))
    }

    fn decrement_by(&self, n: u64) -> Option<Self> {
        self.0.checked_sub(n).map(Height)
    }

    fn as_u64(&self) -> u64 {
        self.0
    }
}

/// A validator's address is its name: what commit certificates and checkpoint signature lines
/// already identify validators by, and what stays when a key is rotated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct Address(pub String);

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl mtypes::Address for Address {}

/// A validator's public key (either suite).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsensusKey(pub PublicKey);

impl BorshSerialize for ConsensusKey {
    fn serialize<W: Write>(&self, writer: &mut W) -> Result<(), IoError> {
        write_canonical(&self.0, writer)
    }
}

impl BorshDeserialize for ConsensusKey {
    fn deserialize_reader<R: Read>(reader: &mut R) -> Result<Self, IoError> {
        read_canonical::<PublicKey, 128, R>(reader).map(ConsensusKey)
    }
}

/// A signature by a validator key (either suite).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConsensusSignature(pub Signature);

impl BorshSerialize for ConsensusSignature {
    fn serialize<W: Write>(&self, writer: &mut W) -> Result<(), IoError> {
        write_canonical(&self.0, writer)
    }
}

impl BorshDeserialize for ConsensusSignature {
    fn deserialize_reader<R: Read>(reader: &mut R) -> Result<Self, IoError> {
        read_canonical::<Signature, 128, R>(reader).map(ConsensusSignature)
    }
}

/// The signing scheme: our algorithm-tagged keys, so ed25519, SM2 and mixed sets all work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GongxinScheme;

impl mtypes::SigningScheme for GongxinScheme {
    type DecodingError = String;
    type Signature = ConsensusSignature;
    type PublicKey = ConsensusKey;
    type PrivateKey = Keypair;

    fn decode_signature(bytes: &[u8]) -> Result<Self::Signature, Self::DecodingError> {
        encoding::decode::<Signature, 128>(bytes)
            .map(ConsensusSignature)
            .map_err(|e| e.to_string())
    }

    fn encode_signature(signature: &Self::Signature) -> Vec<u8> {
        encoding::encode(&signature.0)
    }

    fn decode_public_key(bytes: &[u8]) -> Result<Self::PublicKey, Self::DecodingError> {
        encoding::decode::<PublicKey, 128>(bytes)
            .map(ConsensusKey)
            .map_err(|e| e.to_string())
    }

    fn encode_public_key(public_key: &Self::PublicKey) -> Vec<u8> {
        encoding::encode(&public_key.0)
    }
}

/// One validator of a height's set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsensusValidator {
    pub address: Address,
    pub public_key: ConsensusKey,
    pub power: u64,
}

impl mtypes::Validator<GongxinContext> for ConsensusValidator {
    fn address(&self) -> &Address {
        &self.address
    }

    fn public_key(&self) -> &ConsensusKey {
        &self.public_key
    }

    fn voting_power(&self) -> u64 {
        self.power
    }
}

/// A height's validator set, built from a checked core set (so names are unique, powers
/// positive and the total bounded: Malachite's quorum arithmetic panics on overflow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsensusValidatorSet {
    validators: Vec<ConsensusValidator>,
    total_power: u64,
    core: Arc<gongxin_core::validator::ValidatorSet>,
}

impl ConsensusValidatorSet {
    pub fn new(set: &gongxin_core::validator::ValidatorSet) -> ConsensusValidatorSet {
        let validators = set
            .validators()
            .iter()
            .map(|v| ConsensusValidator {
                address: Address(v.name.clone()),
                public_key: ConsensusKey(v.public_key),
                power: v.power,
            })
            .collect();
        ConsensusValidatorSet {
            validators,
            total_power: set.total_power(),
            core: Arc::new(set.clone()),
        }
    }

    pub fn core(&self) -> &gongxin_core::validator::ValidatorSet {
        &self.core
    }
}

impl mtypes::ValidatorSet<GongxinContext> for ConsensusValidatorSet {
    fn count(&self) -> usize {
        self.validators.len()
    }

    fn total_voting_power(&self) -> u64 {
        self.total_power
    }

    fn get_by_address(&self, address: &Address) -> Option<&ConsensusValidator> {
        self.validators.iter().find(|v| &v.address == address)
    }

    fn get_by_index(&self, index: usize) -> Option<&ConsensusValidator> {
        self.validators.get(index)
    }
}

/// What validators vote for: the block's [`BlockId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ValueId(pub BlockId);

impl fmt::Display for ValueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", hex::encode(&self.0.hash.as_bytes()[..6]))
    }
}

impl BorshSerialize for ValueId {
    fn serialize<W: Write>(&self, writer: &mut W) -> Result<(), IoError> {
        let id = &self.0;
        writer.write_all(id.hash.as_bytes())?;
        writer.write_all(&id.log_size.to_be_bytes())?;
        writer.write_all(id.log_root.as_bytes())?;
        writer.write_all(&id.public_log_size.to_be_bytes())?;
        writer.write_all(id.public_log_root.as_bytes())?;
        writer.write_all(id.next_validators.as_bytes())
    }
}

impl BorshDeserialize for ValueId {
    fn deserialize_reader<R: Read>(reader: &mut R) -> Result<Self, IoError> {
        fn hash<R: Read>(reader: &mut R) -> Result<Hash, IoError> {
            let mut bytes = [0u8; 32];
            reader.read_exact(&mut bytes)?;
            Ok(Hash(bytes))
        }
        fn size<R: Read>(reader: &mut R) -> Result<u64, IoError> {
            let mut bytes = [0u8; 8];
            reader.read_exact(&mut bytes)?;
            Ok(u64::from_be_bytes(bytes))
        }
        Ok(ValueId(BlockId {
            hash: hash(reader)?,
            log_size: size(reader)?,
            log_root: hash(reader)?,
            public_log_size: size(reader)?,
            public_log_root: hash(reader)?,
            next_validators: hash(reader)?,
        }))
    }
}

/// The value consensus decides: a block header (≈ 400 bytes; the transactions travel as
/// proposal parts and are re-executed by every validator, which must reach the same header).
#[derive(Clone, PartialEq, Eq)]
pub struct BlockValue {
    header: Arc<BlockHeader>,
    id: ValueId,
}

impl BlockValue {
    pub fn new(header: BlockHeader) -> BlockValue {
        let id = ValueId(header.id());
        BlockValue {
            header: Arc::new(header),
            id,
        }
    }

    pub fn header(&self) -> &BlockHeader {
        &self.header
    }

    pub fn block_id(&self) -> ValueId {
        self.id
    }
}

impl fmt::Debug for BlockValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Block(h={}, id={})", self.header.height, self.id)
    }
}

impl PartialOrd for BlockValue {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for BlockValue {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.header.height, self.id).cmp(&(other.header.height, other.id))
    }
}

impl mtypes::Value for BlockValue {
    type Id = ValueId;

    fn id(&self) -> ValueId {
        self.id
    }
}

impl BorshSerialize for BlockValue {
    fn serialize<W: Write>(&self, writer: &mut W) -> Result<(), IoError> {
        write_canonical(self.header.as_ref(), writer)
    }
}

impl BorshDeserialize for BlockValue {
    fn deserialize_reader<R: Read>(reader: &mut R) -> Result<Self, IoError> {
        read_canonical::<BlockHeader, HEADER_BYTES_MAX, R>(reader).map(BlockValue::new)
    }
}

/// A proposal: the proposer's signed claim that `value` is its block for (height, round).
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Proposal {
    pub height: Height,
    pub round: Round,
    pub value: BlockValue,
    pub pol_round: Round,
    pub proposer: Address,
}

impl mtypes::Proposal<GongxinContext> for Proposal {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &BlockValue {
        &self.value
    }

    fn take_value(self) -> BlockValue {
        self.value
    }

    fn pol_round(&self) -> Round {
        self.pol_round
    }

    fn validator_address(&self) -> &Address {
        &self.proposer
    }
}

/// A prevote or precommit.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Vote {
    pub kind: VoteType,
    pub height: Height,
    pub round: Round,
    pub value: NilOrVal<ValueId>,
    pub validator: Address,
    pub extension: Option<SignedExtension<GongxinContext>>,
}

impl mtypes::Vote<GongxinContext> for Vote {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &NilOrVal<ValueId> {
        &self.value
    }

    fn take_value(self) -> NilOrVal<ValueId> {
        self.value
    }

    fn vote_type(&self) -> VoteType {
        self.kind
    }

    fn validator_address(&self) -> &Address {
        &self.validator
    }

    fn extension(&self) -> Option<&SignedExtension<GongxinContext>> {
        self.extension.as_ref()
    }

    fn take_extension(&mut self) -> Option<SignedExtension<GongxinContext>> {
        self.extension.take()
    }

    fn extend(self, extension: SignedExtension<GongxinContext>) -> Self {
        Vote {
            extension: Some(extension),
            ..self
        }
    }
}

/// The vote extension every precommit for a block carries. Malachite's signature over it is
/// made over the ledger log's C2SP checkpoint body for the `BlockId` (see
/// `signing::extension_message`), so it *is* the validator's ledger checkpoint signature; the
/// attestation itself carries the validator's signature of the public disclosure log's
/// checkpoint of the same block, which the signer adds. A decided block thus comes with both
/// checkpoints signed by more than 2/3 of the voting power and no extra round of messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct CheckpointAttestation {
    /// `None` only in what the application hands the signer, which fills it in.
    pub public_signature: Option<ConsensusSignature>,
}

impl mtypes::Extension for CheckpointAttestation {
    fn size_bytes(&self) -> usize {
        // The option tag, the suite tag and an ed25519 or SM2 signature.
        self.public_signature.map_or(1, |_| 1 + 4 + 64)
    }
}

/// A batch of a proposal's transactions, in block order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxChunk(pub Vec<SignedTx>);

impl BorshSerialize for TxChunk {
    fn serialize<W: Write>(&self, writer: &mut W) -> Result<(), IoError> {
        write_canonical(&self.0, writer)
    }
}

impl BorshDeserialize for TxChunk {
    fn deserialize_reader<R: Read>(reader: &mut R) -> Result<Self, IoError> {
        read_canonical::<Vec<SignedTx>, PROPOSAL_PART_BYTES_MAX, R>(reader).map(TxChunk)
    }
}

/// The parts a proposal is streamed in: `Init` (who, which round, the header), `Txs` chunks,
/// and `Fin`, the proposer's signature binding the stream to its block (see
/// `signing::proposal_parts_message`). Receivers re-execute the transactions and accept the
/// block only if they reach the same header.
#[derive(Debug, Clone, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub enum ProposalPart {
    Init {
        height: Height,
        round: Round,
        pol_round: Round,
        proposer: Address,
        value: BlockValue,
    },
    Txs(TxChunk),
    Fin(ConsensusSignature),
}

impl mtypes::ProposalPart<GongxinContext> for ProposalPart {
    fn is_first(&self) -> bool {
        matches!(self, ProposalPart::Init { .. })
    }

    fn is_last(&self) -> bool {
        matches!(self, ProposalPart::Fin(_))
    }
}

/// Splits a block's transactions into chunks of at most [`PROPOSAL_PART_BYTES_MAX`] encoded
/// bytes (a transaction is at most [`TX_BYTES_MAX`], far below it).
pub fn chunk_txs(txs: &[SignedTx]) -> Vec<TxChunk> {
    const _: () = assert!(TX_BYTES_MAX * 4 <= PROPOSAL_PART_BYTES_MAX);
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    // Vec length prefix (8 bytes) plus each transaction's encoding.
    let mut current_bytes = 8usize;
    for tx in txs {
        let bytes = encoding::encode(tx).len();
        if !current.is_empty() && current_bytes + bytes > PROPOSAL_PART_BYTES_MAX {
            chunks.push(TxChunk(std::mem::take(&mut current)));
            current_bytes = 8;
        }
        current_bytes += bytes;
        current.push(tx.clone());
    }
    if !current.is_empty() {
        chunks.push(TxChunk(current));
    }
    chunks
}

impl mtypes::Context for GongxinContext {
    type Address = Address;
    type Height = Height;
    type ProposalPart = ProposalPart;
    type Proposal = Proposal;
    type Validator = ConsensusValidator;
    type ValidatorSet = ConsensusValidatorSet;
    type Timeouts = mtypes::LinearTimeouts;
    type Value = BlockValue;
    type Vote = Vote;
    type Extension = CheckpointAttestation;
    type SigningScheme = GongxinScheme;

    /// Weighted round robin without state: position `(height + round) mod total power` falls in
    /// one validator's share of the cumulative power, in set order.
    fn select_proposer<'a>(
        &self,
        validator_set: &'a ConsensusValidatorSet,
        height: Height,
        round: Round,
    ) -> &'a ConsensusValidator {
        proposer_for(validator_set, height, round)
    }

    fn new_proposal(
        &self,
        height: Height,
        round: Round,
        value: BlockValue,
        pol_round: Round,
        address: Address,
    ) -> Proposal {
        Proposal {
            height,
            round,
            value,
            pol_round,
            proposer: address,
        }
    }

    fn new_prevote(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<MValueId<Self>>,
        address: Address,
    ) -> Vote {
        Vote {
            kind: VoteType::Prevote,
            height,
            round,
            value: value_id,
            validator: address,
            extension: None,
        }
    }

    fn new_precommit(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<MValueId<Self>>,
        address: Address,
    ) -> Vote {
        Vote {
            kind: VoteType::Precommit,
            height,
            round,
            value: value_id,
            validator: address,
            extension: None,
        }
    }
}

/// The proposer of (height, round); see [`GongxinContext::select_proposer`].
pub fn proposer_for(
    set: &ConsensusValidatorSet,
    height: Height,
    round: Round,
) -> &ConsensusValidator {
    let round = u64::from(round.as_u32().unwrap_or(0));
    // The total is at most 2^60 (core's bound), so it is never zero for a built set and the
    // sum below cannot overflow.
    let total = set.total_power.max(1);
    let position = (height.0 % total + round % total) % total;
    let mut cumulative = 0u64;
    for validator in &set.validators {
        cumulative += validator.power;
        if position < cumulative {
            return validator;
        }
    }
    &set.validators[set.validators.len() - 1]
}

/// A block id naming no block (all zero): what the Byzantine test modes forge votes from when
/// the vote they copy is nil.
#[cfg(feature = "byzantine")]
pub(crate) fn no_block() -> BlockId {
    BlockId {
        hash: Hash::ZERO,
        log_size: 0,
        log_root: Hash::ZERO,
        public_log_size: 0,
        public_log_root: Hash::ZERO,
        next_validators: Hash::ZERO,
    }
}
