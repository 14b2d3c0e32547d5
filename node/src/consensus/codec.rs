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
    Address, CheckpointAttestation, ConsensusSignature, GongxinContext, Height, ProposalPart,
    ValueId,
};

/// A message that did not decode (or, never in practice, encode).
#[derive(Debug, thiserror::Error)]
#[error("consensus codec: {0}")]
pub struct CodecError(String);

/// Borsh envelopes around canonical gongxin values.
#[derive(Debug, Clone, Copy, Default)]
pub struct GongxinCodec;

macro_rules! borsh_codec {
    ($($t:ty),* $(,)?) => {$(
        impl Codec<$t> for GongxinCodec {
            type Error = CodecError;

            fn decode(&self, bytes: Bytes) -> Result<$t, CodecError> {
                borsh::from_slice(&bytes).map_err(|e| CodecError(e.to_string()))
            }

            fn encode(&self, msg: &$t) -> Result<Bytes, CodecError> {
                borsh::to_vec(msg).map(Bytes::from).map_err(|e| CodecError(e.to_string()))
            }
        }
    )*};
}

borsh_codec!(
    ProposalPart,
    SignedConsensusMsg<GongxinContext>,
    LivenessMsg<GongxinContext>,
    StreamMessage<ProposalPart>,
    ProposedValue<GongxinContext>,
    PolkaCertificate<GongxinContext>,
    sync::Status<GongxinContext>,
    sync::Request<GongxinContext>,
);

/// A sync response: committed blocks with their extended commit certificates (Malachite has
/// no borsh encoding for those). The only extension is the checkpoint attestation, which has
/// no content, so an extension travels as its signature alone.
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
    extension: Option<ConsensusSignature>,
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
                        extension: s.extension.as_ref().map(|e| e.signature),
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
                                s.extension.map(|signature| {
                                    SignedMessage::new(CheckpointAttestation, signature)
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
