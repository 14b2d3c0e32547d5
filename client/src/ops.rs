//! Operations as files: reading the one-operation JSON that `gongxin submit --op` takes, and
//! the templates `gongxin op example <kind>` prints.
//!
//! An operation file holds one [`Operation`] in its serde form — externally tagged, snake_case
//! — e.g. `{"approve_project": {"project": "SC-2026-001"}}`. That form covers every operation
//! the ledger has, so the CLI needs no per-operation flags. The templates are built from typed
//! values (`gongxin_core::model::examples`, an exhaustive `match`), so a new operation kind
//! does not compile until it has one, and a test checks each one reads back as its own kind.

use std::path::Path;

use anyhow::{Context, Result, bail};
use gongxin_core::model::examples::example;
use gongxin_core::model::*;

/// An operation file larger than this is refused (a transaction is at most 64 KiB encoded).
pub const OPERATION_FILE_BYTES_MAX: u64 = 1024 * 1024;

/// Parses an operation kind from its snake_case name (`approve_project`).
pub fn parse_kind(name: &str) -> Result<OperationKind> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|_| {
        anyhow::anyhow!(
            "{name:?} is not an operation kind; the kinds are: {}",
            kind_names().join(", ")
        )
    })
}

/// Every operation kind's snake_case name, in declaration order.
pub fn kind_names() -> Vec<String> {
    OperationKind::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect()
}

/// Reads one operation from a JSON file (`-` reads standard input).
pub fn load_operation(path: &Path) -> Result<Operation> {
    let text = if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut std::io::Read::take(std::io::stdin(), OPERATION_FILE_BYTES_MAX + 1),
            &mut text,
        )
        .context("cannot read the operation from standard input")?;
        text
    } else {
        let meta = std::fs::metadata(path)
            .with_context(|| format!("cannot read operation file {}", path.display()))?;
        if meta.len() > OPERATION_FILE_BYTES_MAX {
            bail!(
                "operation file {} is {} bytes; an operation is far smaller",
                path.display(),
                meta.len()
            );
        }
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read operation file {}", path.display()))?
    };
    if text.len() as u64 > OPERATION_FILE_BYTES_MAX {
        bail!(
            "the operation is over {OPERATION_FILE_BYTES_MAX} bytes; an operation is far smaller"
        );
    }
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not one gongxin operation: expected one JSON object such as \
             {{\"approve_project\": {{\"project\": \"SC-2026-001\"}}}}; \
             `gongxin op example <kind>` prints a template for each kind",
            path.display()
        )
    })
}

/// The template of `kind` as pretty JSON, as `gongxin op example` prints it.
pub fn example_json(kind: OperationKind) -> String {
    serde_json::to_string_pretty(&example(kind)).expect("an operation always serializes")
}

#[cfg(test)]
mod tests {
    use gongxin_core::crypto::{Algorithm, Keypair};
    use gongxin_core::tx::{ReplayGuard, TxBody};

    use super::*;

    #[test]
    fn every_kind_has_a_template_that_reads_back_as_itself() {
        assert_eq!(kind_names().len(), OperationKind::ALL.len());
        let signer = Keypair::generate(Algorithm::Ed25519).unwrap();
        for &kind in OperationKind::ALL {
            let name = kind.as_str();
            assert_eq!(parse_kind(name).unwrap(), kind);
            let json = example_json(kind);
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            let object = value.as_object().unwrap();
            assert_eq!(object.len(), 1, "{name}: externally tagged");
            assert!(object.contains_key(name), "{name}: tagged with its kind");
            let back: Operation = serde_json::from_str(&json).unwrap();
            assert_eq!(back.kind(), kind);
            assert_eq!(back, example(kind));
            // Every template fits in a transaction.
            let tx = TxBody {
                chain_id: "devnet".into(),
                signer: signer.public_key(),
                replay: ReplayGuard {
                    nonce: 1,
                    valid_until_height: 10,
                },
                operation: back,
            }
            .sign(&signer);
            assert!(tx.to_bytes().len() <= gongxin_core::encoding::TX_BYTES_MAX);
            // Record ids in templates are valid ids.
            if let Some(project) = example(kind).project() {
                assert!(is_valid_id(project), "{name}: {project}");
            }
        }
    }

    #[test]
    fn template_credit_codes_carry_valid_check_characters() {
        use gongxin_core::model::credit_code::is_valid_credit_code;
        let Operation::AwardProcurement(award) = example(OperationKind::AwardProcurement) else {
            unreachable!("the award template is an award");
        };
        for bid in &award.bids {
            assert!(is_valid_credit_code(&bid.bidder.credit_code), "{bid:?}");
        }
        assert!(!is_valid_credit_code("91510100MA61K3T8XQ"));
    }

    #[test]
    fn unknown_kinds_list_the_known_ones() {
        let error = parse_kind("approve_everything").unwrap_err().to_string();
        assert!(error.contains("approve_project"), "{error}");
        assert!(error.contains("verify_rectification"), "{error}");
    }

    #[test]
    fn operation_files_are_read_with_actionable_errors() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("op.json");
        std::fs::write(&good, r#"{"approve_project": {"project": "SC-1"}}"#).unwrap();
        assert_eq!(
            load_operation(&good).unwrap(),
            Operation::ApproveProject {
                project: "SC-1".into()
            }
        );
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, r#"{"approve_project": {"projet": "SC-1"}}"#).unwrap();
        let error = format!("{:#}", load_operation(&bad).unwrap_err());
        assert!(error.contains("gongxin op example"), "{error}");
        assert!(error.contains("project"), "{error}");
        let missing = load_operation(&dir.path().join("none.json")).unwrap_err();
        assert!(missing.to_string().contains("cannot read operation file"));
    }
}
