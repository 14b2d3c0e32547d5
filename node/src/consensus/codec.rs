//! The one codec Malachite uses for the network, sync and its write-ahead log.
//!
//! Envelopes are borsh (Malachite's own encodings of its types); gongxin values inside are
//! canonical bincode (see `context`). Decoding refuses trailing bytes, so one message has one
//! encoding.

use bytes::Bytes;
use malachitebft_codec::{Codec, HasEncodedLen};
use malachitebft_core_consensus::{LivenessMsg, ProposedValue, SignedConsensusMsg};
use malachitebft_core_types::{
    ExtendedCommitCertificate, ExtendedCommitSignature, PolkaCertificate, Round, SignedMessage,
    ValidatorProof,
};
use malachitebft_engine::util::streaming::StreamMessage;
use malachitebft_sync as sync;

use super::context::{
    Address, CheckpointAttestation, ConsensusSignature, GongxinContext, HEADER_BYTES_MAX, Height,
    PROPOSAL_PART_BYTES_MAX, ProposalPart, ValueId,
};

/// A message that did not decode (or, never in practice, encode).
#[derive(Debug, thiserror::Error)]
#[error("consensus codec: {0}")]
pub struct CodecError(String);

/// Borsh envelopes around canonical gongxin values.
#[derive(Debug, Clone, Copy, Default)]
pub struct GongxinCodec;

/// Largest encoded vote or proposal (the consensus channel): a vote with its checkpoint
/// attestation, or a proposal carrying one header (at most [`HEADER_BYTES_MAX`]), signed.
pub const VOTES_PAYLOAD_BYTES_MAX: usize = 64 * 1024;
/// Largest encoded proposal part with its stream framing: at most
/// [`PROPOSAL_PART_BYTES_MAX`] encoded transactions.
pub const PROPOSAL_PARTS_PAYLOAD_BYTES_MAX: usize = PROPOSAL_PART_BYTES_MAX + 64 * 1024;
const _: () = assert!(HEADER_BYTES_MAX * 4 <= VOTES_PAYLOAD_BYTES_MAX);

/// Borsh envelopes around canonical gongxin values, each refused unread beyond `at most` bytes
/// (the consensus network's frame limit, `engine::CONSENSUS_WIRE_BYTES_MAX`, bounds the rest).
macro_rules! borsh_codec {
    ($($t:ty => at most $max:expr),* $(,)?) => {$(
        impl Codec<$t> for GongxinCodec {
            type Error = CodecError;

            fn decode(&self, bytes: Bytes) -> Result<$t, CodecError> {
                if bytes.len() > $max {
                    return Err(CodecError(format!(
                        "{} bytes, more than the {} an honest validator sends",
                        bytes.len(),
                        $max
                    )));
                }
                borsh::from_slice(&bytes).map_err(|e| CodecError(e.to_string()))
            }

            fn encode(&self, msg: &$t) -> Result<Bytes, CodecError> {
                borsh::to_vec(msg).map(Bytes::from).map_err(|e| CodecError(e.to_string()))
            }
        }
    )*};
}

borsh_codec!(
    ProposalPart => at most usize::MAX,
    SignedConsensusMsg<GongxinContext> => at most VOTES_PAYLOAD_BYTES_MAX,
    // Rebroadcast votes and round certificates, which grow with the validator set (≈ 150
    // bytes per signature): the frame limit holds thousands.
    LivenessMsg<GongxinContext> => at most usize::MAX,
    StreamMessage<ProposalPart> => at most PROPOSAL_PARTS_PAYLOAD_BYTES_MAX,
    ProposedValue<GongxinContext> => at most usize::MAX,
    PolkaCertificate<GongxinContext> => at most usize::MAX,
    sync::Status<GongxinContext> => at most usize::MAX,
    sync::Request<GongxinContext> => at most usize::MAX,
);

/// The write-ahead log's codec: [`GongxinCodec`]'s bytes sealed with SM4-GCM under the node's
/// storage key (`crate::storage::seal`), so proposals — whole transactions — are not on disk in
/// clear. A WAL entry that does not open (another key, damage) fails to decode, and Malachite
/// stops replaying the log there.
#[derive(Debug, Clone)]
pub struct SealedWalCodec {
    sealer: std::sync::Arc<crate::storage::seal::Sealer>,
}

impl SealedWalCodec {
    /// The "column family" and key the seals are bound to: WAL entries have no key of their
    /// own (each seal has a fresh random nonce).
    const SEAL_CF: &'static str = "consensus_wal";

    pub fn new(sealer: crate::storage::seal::Sealer) -> SealedWalCodec {
        SealedWalCodec {
            sealer: std::sync::Arc::new(sealer),
        }
    }
}

impl<T> Codec<T> for SealedWalCodec
where
    GongxinCodec: Codec<T, Error = CodecError>,
{
    type Error = CodecError;

    fn decode(&self, bytes: Bytes) -> Result<T, CodecError> {
        let plain = self
            .sealer
            .open(Self::SEAL_CF, b"", &bytes)
            .map_err(|e| CodecError(format!("write-ahead log entry: {e}")))?;
        GongxinCodec.decode(Bytes::from(plain))
    }

    fn encode(&self, msg: &T) -> Result<Bytes, CodecError> {
        let plain = GongxinCodec.encode(msg)?;
        self.sealer
            .seal(Self::SEAL_CF, b"", &plain)
            .map(Bytes::from)
            .map_err(|e| CodecError(format!("write-ahead log entry: {e}")))
    }
}

/// A sync response: committed blocks with their extended commit certificates (Malachite has
/// no borsh encoding for those). The only extension is the checkpoint attestation: the
/// ledger checkpoint signature over it and the public checkpoint signature in it.
#[derive(borsh::BorshSerialize, borsh::BorshDeserialize)]
struct ResponseWire {
    start_height: Height,
    values: Vec<DecidedValueWire>,
}

#[derive(borsh::BorshSerialize, borsh::BorshDeserialize)]
struct DecidedValueWire {
    value_bytes: Vec<u8>,
    height: Height,
    round: Round,
    value_id: ValueId,
    signatures: Vec<CommitSignatureWire>,
}

#[derive(borsh::BorshSerialize, borsh::BorshDeserialize)]
struct CommitSignatureWire {
    address: Address,
    signature: ConsensusSignature,
    extension: Option<(ConsensusSignature, CheckpointAttestation)>,
}

fn response_to_wire(response: &sync::Response<GongxinContext>) -> ResponseWire {
    let sync::Response::ValueResponse(response) = response;
    ResponseWire {
        start_height: response.start_height,
        values: response
            .values
            .iter()
            .map(|value| DecidedValueWire {
                value_bytes: value.value_bytes.to_vec(),
                height: value.certificate.height,
                round: value.certificate.round,
                value_id: value.certificate.value_id,
                signatures: value
                    .certificate
                    .commit_signatures
                    .iter()
                    .map(|s| CommitSignatureWire {
                        address: s.address.clone(),
                        signature: s.signature,
                        extension: s.extension.as_ref().map(|e| (e.signature, e.message)),
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn response_from_wire(wire: ResponseWire) -> sync::Response<GongxinContext> {
    let values = wire
        .values
        .into_iter()
        .map(|value| {
            sync::RawDecidedValue::new(
                Bytes::from(value.value_bytes),
                ExtendedCommitCertificate {
                    height: value.height,
                    round: value.round,
                    value_id: value.value_id,
                    commit_signatures: value
                        .signatures
                        .into_iter()
                        .map(|s| {
                            ExtendedCommitSignature::new(
                                s.address,
                                s.signature,
                                s.extension.map(|(signature, attestation)| {
                                    SignedMessage::new(attestation, signature)
                                }),
                            )
                        })
                        .collect(),
                },
            )
        })
        .collect();
    sync::Response::ValueResponse(sync::ValueResponse::new(wire.start_height, values))
}

impl Codec<sync::Response<GongxinContext>> for GongxinCodec {
    type Error = CodecError;

    fn decode(&self, bytes: Bytes) -> Result<sync::Response<GongxinContext>, CodecError> {
        let wire: ResponseWire =
            borsh::from_slice(&bytes).map_err(|e| CodecError(e.to_string()))?;
        Ok(response_from_wire(wire))
    }

    fn encode(&self, response: &sync::Response<GongxinContext>) -> Result<Bytes, CodecError> {
        borsh::to_vec(&response_to_wire(response))
            .map(Bytes::from)
            .map_err(|e| CodecError(e.to_string()))
    }
}

impl HasEncodedLen<sync::Response<GongxinContext>> for GongxinCodec {
    fn encoded_len(&self, response: &sync::Response<GongxinContext>) -> Result<usize, CodecError> {
        borsh::object_length(&response_to_wire(response)).map_err(|e| CodecError(e.to_string()))
    }
}

/// Malachite's validator proof has no borsh encoding of its own: three fields, in order.
#[derive(borsh::BorshSerialize, borsh::BorshDeserialize)]
struct ValidatorProofWire {
    public_key: Vec<u8>,
    peer_id: Vec<u8>,
    signature: ConsensusSignature,
}

/// Public keys and peer ids are tens of bytes; anything larger is not a proof.
const VALIDATOR_PROOF_FIELD_BYTES_MAX: usize = 256;

impl Codec<ValidatorProof<GongxinContext>> for GongxinCodec {
    type Error = CodecError;

    fn decode(&self, bytes: Bytes) -> Result<ValidatorProof<GongxinContext>, CodecError> {
        let wire: ValidatorProofWire =
            borsh::from_slice(&bytes).map_err(|e| CodecError(e.to_string()))?;
        if wire.public_key.len() > VALIDATOR_PROOF_FIELD_BYTES_MAX
            || wire.peer_id.len() > VALIDATOR_PROOF_FIELD_BYTES_MAX
        {
            return Err(CodecError("validator proof field too long".into()));
        }
        Ok(ValidatorProof::new(
            wire.public_key,
            wire.peer_id,
            wire.signature,
        ))
    }

    fn encode(&self, proof: &ValidatorProof<GongxinContext>) -> Result<Bytes, CodecError> {
        let wire = ValidatorProofWire {
            public_key: proof.public_key.clone(),
            peer_id: proof.peer_id.clone(),
            signature: proof.signature,
        };
        borsh::to_vec(&wire)
            .map(Bytes::from)
            .map_err(|e| CodecError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use gongxin_core::Hash;
    use gongxin_core::block::BlockHeader;
    use gongxin_core::crypto::{Algorithm, Keypair};
    use malachitebft_core_types::ValidatorProof;
    use malachitebft_engine::util::streaming::{StreamContent, StreamId};

    use super::*;
    use crate::consensus::context::{BlockValue, TxChunk, Vote};

    fn header() -> BlockHeader {
        let key = Keypair::from_secret_bytes(Algorithm::Ed25519, &[7; 32]).unwrap();
        BlockHeader {
            chain_id: "c".into(),
            height: 3,
            prev_hash: Hash::digest(b"p"),
            timestamp_ms: 9,
            proposer: key.public_key(),
            tx_count: 0,
            txs_hash: Hash::digest(b"t"),
            log_size: 5,
            log_root: Hash::digest(b"r"),
            public_log_size: 2,
            public_log_root: Hash::digest(b"pr"),
            state_hash: Hash::digest(b"s"),
            validator_set_hash: Hash::digest(b"v"),
            next_validators: Hash::digest(b"n"),
        }
    }

    fn signature() -> ConsensusSignature {
        let key = Keypair::from_secret_bytes(Algorithm::Sm2, &[9; 32]).unwrap();
        ConsensusSignature(key.sign(b"m"))
    }

    fn parts() -> Vec<StreamMessage<ProposalPart>> {
        let contents = vec![
            StreamContent::Data(ProposalPart::Init {
                height: Height(3),
                round: Round::new(1),
                pol_round: Round::Nil,
                proposer: Address("v0".into()),
                value: BlockValue::new(header()),
            }),
            StreamContent::Data(ProposalPart::Txs(TxChunk(Vec::new()))),
            StreamContent::Data(ProposalPart::Fin(signature())),
            StreamContent::Fin,
        ];
        contents
            .into_iter()
            .enumerate()
            .map(|(i, c)| StreamMessage::new(StreamId::new(Bytes::from_static(b"s")), i as u64, c))
            .collect()
    }

    fn response() -> sync::Response<GongxinContext> {
        let id = ValueId(header().id());
        let signatures = vec![
            ExtendedCommitSignature::new(
                Address("v0".into()),
                signature(),
                Some(SignedMessage::new(
                    CheckpointAttestation {
                        public_signature: Some(signature()),
                    },
                    signature(),
                )),
            ),
            ExtendedCommitSignature::new(Address("v1".into()), signature(), None),
        ];
        let value = sync::RawDecidedValue::new(
            Bytes::from_static(b"block bytes"),
            ExtendedCommitCertificate {
                height: Height(3),
                round: Round::new(0),
                value_id: id,
                commit_signatures: signatures,
            },
        );
        sync::Response::ValueResponse(sync::ValueResponse::new(Height(3), vec![value]))
    }

    #[test]
    fn the_write_ahead_log_codec_seals_under_the_storage_key() {
        use crate::storage::seal::{Sealer, StorageKey};
        let key = || StorageKey::from_bytes([3; 16]);
        let wal = SealedWalCodec::new(Sealer::new(key(), Vec::new()));
        let mut marked = header();
        marked.chain_id = "WAL-MARKER-chain".into();
        let part = ProposalPart::Init {
            height: Height(3),
            round: Round::new(1),
            pol_round: Round::Nil,
            proposer: Address("v0".into()),
            value: BlockValue::new(marked),
        };
        let sealed = wal.encode(&part).unwrap();
        assert!(!sealed.windows(10).any(|w| w == b"WAL-MARKER"));
        let plain = GongxinCodec.encode(&part).unwrap();
        assert!(plain.windows(10).any(|w| w == b"WAL-MARKER"));
        let back: ProposalPart = wal.decode(sealed.clone()).unwrap();
        assert_eq!(GongxinCodec.encode(&back).unwrap(), plain);
        // Another key does not open it; after a rotation the retired key still does.
        let other = StorageKey::from_bytes([4; 16]);
        let stranger = SealedWalCodec::new(Sealer::new(other.clone(), Vec::new()));
        assert!(Codec::<ProposalPart>::decode(&stranger, sealed.clone()).is_err());
        let rotated = SealedWalCodec::new(Sealer::new(other, vec![key()]));
        assert!(Codec::<ProposalPart>::decode(&rotated, sealed).is_ok());
        // Unsealed bytes (an older node's WAL) are refused, not read.
        assert!(Codec::<ProposalPart>::decode(&wal, plain).is_err());
    }

    /// Decoding `bytes` with every truncation and with a trailing byte: errors, never panics.
    fn refuses_damaged<T>(bytes: &Bytes)
    where
        GongxinCodec: Codec<T>,
    {
        for cut in 0..bytes.len() {
            assert!(
                Codec::<T>::decode(&GongxinCodec, bytes.slice(..cut)).is_err(),
                "a {cut}-byte prefix decoded"
            );
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(Codec::<T>::decode(&GongxinCodec, Bytes::from(longer)).is_err());
    }

    #[test]
    fn proposal_parts_round_trip_and_damage_is_refused() {
        for part in parts() {
            let bytes = GongxinCodec.encode(&part).unwrap();
            let back: StreamMessage<ProposalPart> = GongxinCodec.decode(bytes.clone()).unwrap();
            assert_eq!(back, part);
            refuses_damaged::<StreamMessage<ProposalPart>>(&bytes);
        }
    }

    #[test]
    fn sync_responses_keep_each_signature_and_extension() {
        let response = response();
        let bytes = GongxinCodec.encode(&response).unwrap();
        assert_eq!(GongxinCodec.encoded_len(&response).unwrap(), bytes.len());
        let back: sync::Response<GongxinContext> = GongxinCodec.decode(bytes.clone()).unwrap();
        assert_eq!(back, response);
        refuses_damaged::<sync::Response<GongxinContext>>(&bytes);
    }

    #[test]
    fn validator_proofs_round_trip_and_oversized_fields_are_refused() {
        let proof = ValidatorProof::new(vec![1; 33], vec![2; 38], signature());
        let bytes = GongxinCodec.encode(&proof).unwrap();
        let back: ValidatorProof<GongxinContext> = GongxinCodec.decode(bytes.clone()).unwrap();
        assert_eq!(back, proof);
        refuses_damaged::<ValidatorProof<GongxinContext>>(&bytes);
        let huge = ValidatorProof::new(
            vec![1; VALIDATOR_PROOF_FIELD_BYTES_MAX + 1],
            vec![],
            signature(),
        );
        let bytes = GongxinCodec.encode(&huge).unwrap();
        assert!(Codec::<ValidatorProof<GongxinContext>>::decode(&GongxinCodec, bytes).is_err());
    }

    /// Decodes `bytes` as `T`; what decodes must encode back to the same bytes (one message,
    /// one encoding). Whether it decoded.
    fn decodes_canonically<T>(bytes: &Bytes) -> bool
    where
        GongxinCodec: Codec<T>,
    {
        match Codec::<T>::decode(&GongxinCodec, bytes.clone()) {
            Ok(message) => {
                let again = Codec::<T>::encode(&GongxinCodec, &message).unwrap();
                assert_eq!(&again, bytes, "a second encoding of one message decoded");
                true
            }
            Err(_) => false,
        }
    }

    /// `bytes` with one to four seeded mutations: bit flips, bytes set to edge values (0,
    /// 0xff, 0x80), a u32 length prefix smashed, bytes inserted or removed, a cut.
    fn mutate(rng: &mut u64, bytes: &[u8]) -> Bytes {
        let mut next = |n: usize| {
            // splitmix64
            *rng = rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = *rng;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) % n.max(1) as u64) as usize
        };
        let mut out = bytes.to_vec();
        for _ in 0..=next(4) {
            let at = next(out.len().max(1));
            match next(6) {
                0 if !out.is_empty() => out[at] ^= 1 << next(8),
                1 if !out.is_empty() => out[at] = [0, 0xff, 0x80][next(3)],
                2 if out.len() >= at + 4 => {
                    let value = [0u32, 1, 0x7fff_ffff, u32::MAX][next(4)];
                    out[at..at + 4].copy_from_slice(&value.to_le_bytes());
                }
                3 => out.insert(at.min(out.len()), next(256) as u8),
                4 if !out.is_empty() => {
                    out.remove(at);
                }
                _ => out.truncate(at),
            }
        }
        Bytes::from(out)
    }

    /// A transaction of nearly [`gongxin_core::encoding::TX_BYTES_MAX`] encoded bytes.
    fn largest_tx(nonce: u64) -> gongxin_core::tx::SignedTx {
        let key = Keypair::from_secret_bytes(Algorithm::Sm2, &[5; 32]).unwrap();
        let tx = gongxin_core::tx::TxBody {
            chain_id: "c".into(),
            signer: key.public_key(),
            replay: gongxin_core::tx::ReplayGuard {
                nonce,
                valid_until_height: 10,
            },
            operation: gongxin_core::model::Operation::ApproveProject {
                project: "项".repeat(21_500),
            },
        }
        .sign(&key);
        let bytes = gongxin_core::encoding::encode(&tx).len();
        assert!(bytes <= gongxin_core::encoding::TX_BYTES_MAX && bytes > 60_000);
        tx
    }

    #[test]
    fn what_an_honest_validator_sends_fits_the_consensus_networks_limits() {
        use crate::consensus::context::{Proposal, chunk_txs};
        let parts_limit = PROPOSAL_PARTS_PAYLOAD_BYTES_MAX as u64;
        let votes_limit = VOTES_PAYLOAD_BYTES_MAX as u64;
        // A block of the largest transactions, streamed: every part within its topic's limit,
        // and the fullest one within 20 % of it (the limit is not loose).
        let txs: Vec<_> = (0..20).map(largest_tx).collect();
        let stream = StreamId::new(Bytes::from(vec![0xff; 16]));
        let sizes: Vec<u64> = chunk_txs(&txs)
            .into_iter()
            .map(|chunk| {
                let part = StreamContent::Data(ProposalPart::Txs(chunk));
                let message = StreamMessage::new(stream.clone(), u64::MAX, part);
                GongxinCodec.encode(&message).unwrap().len() as u64
            })
            .collect();
        assert!(sizes.len() >= 2, "{sizes:?}");
        let fullest = sizes.iter().copied().max().unwrap();
        assert!(fullest <= parts_limit, "{fullest}");
        assert!(fullest * 10 >= parts_limit * 8, "{fullest}");
        // Votes and proposals: a few hundred bytes each, far below their limit.
        let vote = Vote {
            kind: malachitebft_core_types::VoteType::Precommit,
            height: Height(u64::MAX),
            round: Round::new(u32::MAX - 1),
            value: malachitebft_core_types::NilOrVal::Val(ValueId(header().id())),
            validator: Address("v".repeat(64)),
            extension: Some(SignedMessage::new(
                CheckpointAttestation {
                    public_signature: Some(signature()),
                },
                signature(),
            )),
        };
        let proposal = Proposal {
            height: Height(u64::MAX),
            round: Round::new(1),
            value: BlockValue::new(header()),
            pol_round: Round::new(0),
            proposer: Address("v".repeat(64)),
        };
        for message in [
            SignedConsensusMsg::Vote(SignedMessage::new(vote, signature())),
            SignedConsensusMsg::Proposal(SignedMessage::new(proposal, signature())),
        ] {
            let bytes = GongxinCodec.encode(&message).unwrap().len() as u64;
            assert!(bytes * 16 <= votes_limit, "{bytes}");
        }
    }

    #[test]
    fn a_message_beyond_what_an_honest_validator_sends_is_refused_unread() {
        // Zeros: past the limit, the length alone decides.
        let vote = Bytes::from(vec![0u8; VOTES_PAYLOAD_BYTES_MAX + 1]);
        let refused: Result<SignedConsensusMsg<GongxinContext>, _> = GongxinCodec.decode(vote);
        assert!(refused.unwrap_err().to_string().contains("more than the"));
        let part = Bytes::from(vec![0u8; PROPOSAL_PARTS_PAYLOAD_BYTES_MAX + 1]);
        let refused: Result<StreamMessage<ProposalPart>, _> = GongxinCodec.decode(part);
        assert!(refused.unwrap_err().to_string().contains("more than the"));
        // At the limit, the bytes are read (and here fail as borsh, not for their length).
        let at_limit = Bytes::from(vec![0u8; VOTES_PAYLOAD_BYTES_MAX]);
        let read: Result<SignedConsensusMsg<GongxinContext>, _> = GongxinCodec.decode(at_limit);
        assert!(!read.unwrap_err().to_string().contains("more than the"));
    }

    /// A seeded mutation fuzz of every message a peer can send (the fallback issue 15 allows
    /// where the fuzz workspace cannot build the node): 200,000 mutants of real encodings,
    /// each decoded as every message type. None panics, and whatever decodes is canonical.
    #[test]
    fn mutated_peer_messages_never_panic_and_decode_canonically() {
        let vote = |extension| Vote {
            kind: malachitebft_core_types::VoteType::Precommit,
            height: Height(3),
            round: Round::new(2),
            value: malachitebft_core_types::NilOrVal::Val(ValueId(header().id())),
            validator: Address("v1".into()),
            extension,
        };
        let extension = SignedMessage::new(
            CheckpointAttestation {
                public_signature: Some(signature()),
            },
            signature(),
        );
        let messages: Vec<Bytes> = parts()
            .iter()
            .map(|p| GongxinCodec.encode(p).unwrap())
            .chain([
                GongxinCodec.encode(&response()).unwrap(),
                GongxinCodec
                    .encode(&ValidatorProof::<GongxinContext>::new(
                        vec![1; 33],
                        vec![2; 38],
                        signature(),
                    ))
                    .unwrap(),
                GongxinCodec
                    .encode(&SignedConsensusMsg::Vote(SignedMessage::new(
                        vote(Some(extension)),
                        signature(),
                    )))
                    .unwrap(),
                GongxinCodec
                    .encode(&SignedConsensusMsg::Vote(SignedMessage::new(
                        vote(None),
                        signature(),
                    )))
                    .unwrap(),
                GongxinCodec
                    .encode(&sync::Request::<GongxinContext>::ValueRequest(
                        sync::ValueRequest::new(Height(1)..=Height(9)),
                    ))
                    .unwrap(),
            ])
            .collect();
        let mut rng = 20_261_204u64;
        let mut decoded = 0;
        for i in 0..200_000 {
            let source = &messages[i % messages.len()];
            let bytes = mutate(&mut rng, source);
            if bytes == *source {
                continue; // an edge byte written over itself: no mutant
            }
            let hits = [
                decodes_canonically::<StreamMessage<ProposalPart>>(&bytes),
                decodes_canonically::<ProposalPart>(&bytes),
                decodes_canonically::<SignedConsensusMsg<GongxinContext>>(&bytes),
                decodes_canonically::<LivenessMsg<GongxinContext>>(&bytes),
                decodes_canonically::<sync::Request<GongxinContext>>(&bytes),
                decodes_canonically::<sync::Response<GongxinContext>>(&bytes),
                decodes_canonically::<ValidatorProof<GongxinContext>>(&bytes),
            ];
            decoded += hits.iter().filter(|h| **h).count();
        }
        // Some mutants (a flipped bit in a hash or a signature) are still messages: the
        // mutation reaches past the envelope's checks, not only its first byte.
        eprintln!("{decoded} decodings of 200,000 mutants, all canonical");
        assert!(decoded > 1_000, "only {decoded} mutants decoded");
    }

    #[test]
    fn a_length_prefix_beyond_the_limit_is_refused_before_allocating() {
        let part = ProposalPart::Init {
            height: Height(3),
            round: Round::new(0),
            pol_round: Round::Nil,
            proposer: Address("v0".into()),
            value: BlockValue::new(header()),
        };
        let mut bytes = GongxinCodec.encode(&part).unwrap().to_vec();
        // The header is last: its u32 length prefix sits just before its canonical bytes.
        let header_len = gongxin_core::encoding::encode(&header()).len();
        let at = bytes.len() - header_len - 4;
        assert_eq!(bytes[at..at + 4], (header_len as u32).to_le_bytes());
        bytes[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let error = Codec::<ProposalPart>::decode(&GongxinCodec, Bytes::from(bytes)).unwrap_err();
        assert!(error.to_string().contains("exceeds"), "{error}");
    }
}
