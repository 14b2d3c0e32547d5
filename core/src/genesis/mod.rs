//! The genesis document: the reviewed data file from which a chain starts, and the only thing
//! an auditor needs (besides our verifier) to check proofs.
//!
//! It is JSON for people (see `genesis/` for reviewed examples); its **genesis hash** is SM3 of
//! the canonical encoding of the parsed document, so whitespace and key order in the JSON do not
//! matter but every value does. Validators appear as PROTOCOL.md fixes them: `name`,
//! `department`, `algorithm`, `public_key` (hex) and `power`.

use std::collections::BTreeSet;

use bincode::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::crypto::{Algorithm, PublicKey};
use crate::model::{
    ApprovalPolicy, Department, DepartmentKind, DepartmentSelector, Member, ReminderPolicy, Role,
    TEXT_BYTES_MAX, is_valid_id,
};
use crate::validator::{Validator, ValidatorSet, ValidatorSetError};
use crate::{Hash, encoding};

/// A genesis file larger than this is refused before parsing.
pub const GENESIS_BYTES_MAX: usize = 16 * 1024 * 1024;

/// The validated genesis document. Its JSON form (`Serialize`, with keys as `<alg>:<hex>`) and
/// JSON Schema ([`crate::schema::genesis_schema`]) let a browser recompute the genesis hash:
/// SM3 of the canonical encoding, which the schema describes as it does a transaction's.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, schemars::JsonSchema)]
pub struct Genesis {
    pub chain_id: String,
    pub genesis_time_ms: u64,
    pub departments: Vec<Department>,
    pub validators: ValidatorSet,
    pub members: Vec<Member>,
    pub policies: Vec<ApprovalPolicy>,
    pub reminders: ReminderPolicy,
}

/// A validator as written in the genesis file (PROTOCOL.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisValidator {
    pub name: String,
    pub department: String,
    pub algorithm: Algorithm,
    /// Hex of the raw key (32 bytes ed25519; 33 or 65 bytes SEC1 for SM2).
    pub public_key: String,
    pub power: u64,
}

/// The JSON shape of the genesis file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisFile {
    pub chain_id: String,
    pub genesis_time_ms: u64,
    pub departments: Vec<Department>,
    pub validators: Vec<GenesisValidator>,
    pub members: Vec<Member>,
    #[serde(default)]
    pub policies: Vec<ApprovalPolicy>,
    /// Reminder thresholds; the defaults (3 days' lead, escalation after 30 days) when absent.
    #[serde(default)]
    pub reminders: ReminderPolicy,
}

/// Why a genesis document is not acceptable. Messages name the offending entry.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    #[error("genesis file is {0} bytes, over the limit")]
    TooLarge(usize),
    #[error("genesis is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error("chain_id {0:?} is invalid: 1-64 characters from A-Z a-z 0-9 . _ -")]
    BadChainId(String),
    #[error("department id {0:?} is invalid: 1-64 characters from A-Z a-z 0-9 . _ -")]
    BadDepartmentId(String),
    #[error("department {0:?} appears twice")]
    DuplicateDepartment(String),
    #[error("a department of kind {0:?} is required")]
    MissingDepartmentKind(DepartmentKind),
    #[error("{what} refers to unknown department {department:?}")]
    UnknownDepartment { what: String, department: String },
    #[error("validator {name:?}: public key: {reason}")]
    ValidatorKey { name: String, reason: String },
    #[error("validators: {0}")]
    Validators(#[from] ValidatorSetError),
    #[error("member {name:?}: {reason}")]
    BadMember { name: String, reason: String },
    #[error("member key {0} appears twice")]
    DuplicateMemberKey(PublicKey),
    #[error("department {0:?} has no director, so nobody could manage its members")]
    NoDirector(String),
    #[error("policy #{index} ({kind}): {reason}")]
    BadPolicy {
        index: usize,
        kind: String,
        reason: String,
    },
    #[error("reminders: {0}")]
    BadReminders(String),
    #[error("{0} is too long")]
    TextTooLong(String),
}

impl Genesis {
    /// Parses and validates a genesis JSON document.
    pub fn from_json(text: &str) -> Result<Genesis, GenesisError> {
        if text.len() > GENESIS_BYTES_MAX {
            return Err(GenesisError::TooLarge(text.len()));
        }
        let file: GenesisFile = serde_json::from_str(text)?;
        Genesis::from_file(file)
    }

    /// Validates a parsed genesis file.
    pub fn from_file(file: GenesisFile) -> Result<Genesis, GenesisError> {
        if !is_valid_id(&file.chain_id) {
            return Err(GenesisError::BadChainId(file.chain_id));
        }
        let mut department_ids = BTreeSet::new();
        for d in &file.departments {
            if !is_valid_id(&d.id) {
                return Err(GenesisError::BadDepartmentId(d.id.clone()));
            }
            if d.name.len() > TEXT_BYTES_MAX {
                return Err(GenesisError::TextTooLong(format!(
                    "department {:?} name",
                    d.id
                )));
            }
            if !department_ids.insert(d.id.as_str()) {
                return Err(GenesisError::DuplicateDepartment(d.id.clone()));
            }
        }
        for kind in [
            DepartmentKind::Finance,
            DepartmentKind::Audit,
            DepartmentKind::Line,
        ] {
            if !file.departments.iter().any(|d| d.kind == kind) {
                return Err(GenesisError::MissingDepartmentKind(kind));
            }
        }
        let known = |what: String, department: &str| -> Result<(), GenesisError> {
            if department_ids.contains(department) {
                Ok(())
            } else {
                Err(GenesisError::UnknownDepartment {
                    what,
                    department: department.to_owned(),
                })
            }
        };

        let mut validators = Vec::with_capacity(file.validators.len());
        for v in &file.validators {
            known(format!("validator {:?}", v.name), &v.department)?;
            let bytes = hex::decode(&v.public_key).map_err(|_| GenesisError::ValidatorKey {
                name: v.name.clone(),
                reason: "not hex".into(),
            })?;
            let public_key = PublicKey::from_bytes(v.algorithm, &bytes).map_err(|e| {
                GenesisError::ValidatorKey {
                    name: v.name.clone(),
                    reason: e.to_string(),
                }
            })?;
            validators.push(Validator {
                name: v.name.clone(),
                department: v.department.clone(),
                public_key,
                power: v.power,
            });
        }
        let validators = ValidatorSet::new(validators)?;

        let mut member_keys = BTreeSet::new();
        for m in &file.members {
            known(format!("member {:?}", m.name), &m.department)?;
            if m.name.is_empty() || m.name.len() > TEXT_BYTES_MAX {
                return Err(GenesisError::BadMember {
                    name: m.name.clone(),
                    reason: "name must be 1-4096 bytes".into(),
                });
            }
            m.public_key.check().map_err(|e| GenesisError::BadMember {
                name: m.name.clone(),
                reason: e.to_string(),
            })?;
            if !member_keys.insert(m.public_key) {
                return Err(GenesisError::DuplicateMemberKey(m.public_key));
            }
        }
        for d in &file.departments {
            if !file
                .members
                .iter()
                .any(|m| m.department == d.id && m.role == Role::Director)
            {
                return Err(GenesisError::NoDirector(d.id.clone()));
            }
        }

        let mut policy_keys = BTreeSet::new();
        for (index, p) in file.policies.iter().enumerate() {
            let bad = |reason: &str| GenesisError::BadPolicy {
                index,
                kind: p.kind.as_str().to_owned(),
                reason: reason.to_owned(),
            };
            if !policy_keys.insert((p.kind, p.min_amount_fen)) {
                return Err(bad("another policy has the same kind and min_amount_fen"));
            }
            if p.required.is_empty() {
                return Err(bad("requires no approvals; omit the policy instead"));
            }
            for r in &p.required {
                if r.count == 0 {
                    return Err(bad("a requirement has count 0"));
                }
                if let DepartmentSelector::Id(id) = &r.department
                    && !department_ids.contains(id.as_str())
                {
                    return Err(bad(&format!("unknown department {id:?}")));
                }
            }
        }

        if let Some(reason) = file.reminders.problem() {
            return Err(GenesisError::BadReminders(reason));
        }

        Ok(Genesis {
            chain_id: file.chain_id,
            genesis_time_ms: file.genesis_time_ms,
            departments: file.departments,
            validators,
            members: file.members,
            policies: file.policies,
            reminders: file.reminders,
        })
    }

    /// The JSON file form (validators with `algorithm` and hex `public_key`).
    pub fn to_file(&self) -> GenesisFile {
        GenesisFile {
            chain_id: self.chain_id.clone(),
            genesis_time_ms: self.genesis_time_ms,
            departments: self.departments.clone(),
            validators: self
                .validators
                .validators()
                .iter()
                .map(|v| GenesisValidator {
                    name: v.name.clone(),
                    department: v.department.clone(),
                    algorithm: v.public_key.algorithm(),
                    public_key: hex::encode(v.public_key.as_bytes()),
                    power: v.power,
                })
                .collect(),
            members: self.members.clone(),
            policies: self.policies.clone(),
            reminders: self.reminders,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.to_file()).expect("genesis always serializes")
    }

    /// SM3 of the canonical encoding; names the chain as precisely as the chain id names it
    /// for people. Peers with another genesis hash are on another chain.
    pub fn hash(&self) -> Hash {
        Hash::digest(&encoding::encode(self))
    }

    pub fn department(&self, id: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }
}

#[cfg(test)]
mod tests;
