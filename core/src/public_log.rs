//! The public disclosure log (PROTOCOL.md v2): one leaf per committed change of a record's
//! public view, so anyone can verify a disclosed record without seeing an undisclosed field.
//!
//! A leaf is the RFC 8785 (JCS) text of
//! `{"chain","height","tx","kind","id","view"}` — `view` exactly the JSON the public API serves
//! for that record after the change, or `null` once the record stops being public. The leaves
//! form a second RFC 9162 log with SM3 ([`crate::log`]); its size and root are in every block
//! header and its checkpoint (origin `gongxin/<chain>/public`) is signed like the main one.
//!
//! A change made by the block's own deadline sweep rather than by a transaction (a
//! rectification task turning overdue) names [`SWEEP_TX`], the zero hash, as its `tx`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Hash;
use crate::jcs::{self, JcsError};
use crate::log::{self, VerifyError};

/// The `tx` of a leaf that the block's deadline sweep caused (no transaction did).
pub const SWEEP_TX: Hash = Hash::ZERO;

/// The largest leaf a verifier accepts (a view is a few KiB at most).
pub const LEAF_BYTES_MAX: usize = 256 * 1024;

/// One leaf of the public log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicLeaf {
    pub chain: String,
    pub height: u64,
    /// The transaction whose commit changed the view ([`SWEEP_TX`] for a deadline sweep).
    pub tx: Hash,
    /// The record kind, e.g. `project`, `contract`, `rectification`.
    pub kind: String,
    pub id: String,
    /// The public view after the change; `None` (JSON `null`) once the record is not public.
    pub view: Option<Value>,
}

/// Why bytes are not a public-log leaf.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeafError {
    #[error("leaf is {0} bytes, over the limit")]
    TooLarge(usize),
    #[error("leaf is not JSON of the leaf's shape: {0}")]
    Shape(String),
    #[error("leaf is not in RFC 8785 canonical form")]
    NotCanonical,
    #[error("{0}")]
    Jcs(#[from] JcsError),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeafJson {
    chain: String,
    height: u64,
    tx: Hash,
    kind: String,
    id: String,
    view: Value,
}

impl PublicLeaf {
    /// The leaf's JSON value (before canonicalisation).
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "chain": self.chain,
            "height": self.height,
            "tx": self.tx,
            "kind": self.kind,
            "id": self.id,
            "view": self.view.clone().unwrap_or(Value::Null),
        })
    }

    /// The leaf bytes: JCS text, UTF-8. Fails only for a view holding a float, which no
    /// gongxin view has.
    pub fn to_bytes(&self) -> Result<Vec<u8>, JcsError> {
        Ok(jcs::to_canonical(&self.to_json())?.into_bytes())
    }

    /// The RFC 9162 leaf hash of these bytes.
    pub fn leaf_hash(&self) -> Result<Hash, JcsError> {
        Ok(log::leaf_hash(&self.to_bytes()?))
    }

    /// Reads leaf bytes: the shape above, and canonical (the bytes are their own JCS form), so
    /// one leaf has one byte form.
    pub fn parse(bytes: &[u8]) -> Result<PublicLeaf, LeafError> {
        if bytes.len() > LEAF_BYTES_MAX {
            return Err(LeafError::TooLarge(bytes.len()));
        }
        let json: LeafJson =
            serde_json::from_slice(bytes).map_err(|e| LeafError::Shape(e.to_string()))?;
        let leaf = PublicLeaf {
            chain: json.chain,
            height: json.height,
            tx: json.tx,
            kind: json.kind,
            id: json.id,
            view: (!json.view.is_null()).then_some(json.view),
        };
        if leaf.to_bytes()? != bytes {
            return Err(LeafError::NotCanonical);
        }
        Ok(leaf)
    }
}

/// `GET /public/v1/proofs/inclusion` response: the leaf (JCS text) and its audit path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicInclusionProof {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf: String,
    pub audit_path: Vec<Hash>,
}

impl PublicInclusionProof {
    /// Checks the path from this leaf to `root` (a verified public checkpoint's) and returns
    /// the parsed leaf.
    pub fn verify(&self, root: &Hash) -> Result<PublicLeaf, PublicProofError> {
        let leaf = PublicLeaf::parse(self.leaf.as_bytes())?;
        log::verify_inclusion(
            &log::leaf_hash(self.leaf.as_bytes()),
            self.leaf_index,
            self.tree_size,
            &self.audit_path,
            root,
        )?;
        Ok(leaf)
    }
}

/// Why a public inclusion proof does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicProofError {
    #[error("leaf: {0}")]
    Leaf(#[from] LeafError),
    #[error("inclusion: {0}")]
    Inclusion(#[from] VerifyError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn leaf() -> PublicLeaf {
        PublicLeaf {
            chain: "city".into(),
            height: 7,
            tx: Hash::digest(b"tx"),
            kind: "project".into(),
            id: "P-1".into(),
            view: Some(json!({"name": "路", "budget_fen": 100, "contract": null})),
        }
    }

    #[test]
    fn a_leaf_is_the_sorted_canonical_text_and_parses_back() {
        let bytes = leaf().to_bytes().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(
            text,
            format!(
                r#"{{"chain":"city","height":7,"id":"P-1","kind":"project","tx":"{}","view":{{"budget_fen":100,"contract":null,"name":"路"}}}}"#,
                Hash::digest(b"tx").to_hex()
            )
        );
        assert_eq!(PublicLeaf::parse(&bytes).unwrap(), leaf());
        let gone = PublicLeaf {
            view: None,
            ..leaf()
        };
        let bytes = gone.to_bytes().unwrap();
        assert!(String::from_utf8_lossy(&bytes).ends_with(r#""view":null}"#));
        assert_eq!(PublicLeaf::parse(&bytes).unwrap(), gone);
    }

    #[test]
    fn non_canonical_or_misshapen_leaves_are_refused() {
        let text = String::from_utf8(leaf().to_bytes().unwrap()).unwrap();
        let spaced = text.replacen(':', ": ", 1);
        assert_eq!(
            PublicLeaf::parse(spaced.as_bytes()),
            Err(LeafError::NotCanonical)
        );
        let extra = text.replacen('{', r#"{"a":1,"#, 1);
        assert!(matches!(
            PublicLeaf::parse(extra.as_bytes()),
            Err(LeafError::Shape(_))
        ));
        assert!(matches!(
            PublicLeaf::parse(&vec![b' '; LEAF_BYTES_MAX + 1]),
            Err(LeafError::TooLarge(_))
        ));
    }

    #[test]
    fn an_inclusion_proof_checks_the_leaf_text_bit_for_bit() {
        let leaves: Vec<Vec<u8>> = (0..5)
            .map(|i| {
                PublicLeaf {
                    height: i,
                    ..leaf()
                }
                .to_bytes()
                .unwrap()
            })
            .collect();
        let mut memory = log::MemoryLog::new();
        for bytes in &leaves {
            memory.append(bytes);
        }
        let root = memory.root();
        let proof = PublicInclusionProof {
            leaf_index: 3,
            tree_size: 5,
            leaf: String::from_utf8(leaves[3].clone()).unwrap(),
            audit_path: log::inclusion_proof(&memory, 3, 5).unwrap(),
        };
        assert_eq!(proof.verify(&root).unwrap().height, 3);
        let mut tampered = proof.clone();
        tampered.leaf = tampered.leaf.replace("\"height\":3", "\"height\":4");
        assert!(matches!(
            tampered.verify(&root),
            Err(PublicProofError::Inclusion(_))
        ));
    }
}
