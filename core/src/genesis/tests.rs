use super::*;
use crate::crypto::Keypair;
use crate::model::{ApprovalRequirement, OperationKind};

fn key(alg: Algorithm) -> Keypair {
    Keypair::generate(alg).unwrap()
}

fn department(id: &str, kind: DepartmentKind) -> Department {
    Department {
        id: id.into(),
        name: format!("{id} bureau"),
        kind,
    }
}

fn member(name: &str, department: &str, role: Role) -> Member {
    Member {
        name: name.into(),
        department: department.into(),
        role,
        public_key: key(Algorithm::Ed25519).public_key(),
    }
}

fn sample_file() -> GenesisFile {
    let departments = vec![
        department("finance", DepartmentKind::Finance),
        department("audit", DepartmentKind::Audit),
        department("transport", DepartmentKind::Line),
    ];
    let validators = departments
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let alg = if i == 2 {
                Algorithm::Sm2
            } else {
                Algorithm::Ed25519
            };
            GenesisValidator {
                name: format!("{}.validator", d.id),
                department: d.id.clone(),
                algorithm: alg,
                public_key: hex::encode(key(alg).public_key().as_bytes()),
                power: 1,
            }
        })
        .collect();
    GenesisFile {
        chain_id: "city-devnet".into(),
        genesis_time_ms: 1_767_225_600_000,
        departments,
        validators,
        members: vec![
            member("Finance Director", "finance", Role::Director),
            member("Audit Director", "audit", Role::Director),
            member("Transport Director", "transport", Role::Director),
            member("Transport Specialist", "transport", Role::Specialist),
        ],
        policies: vec![ApprovalPolicy {
            kind: OperationKind::RequestDisbursement,
            min_amount_fen: 100_000_000,
            required: vec![
                ApprovalRequirement {
                    department: DepartmentSelector::Kind(DepartmentKind::Finance),
                    role: Role::Director,
                    count: 1,
                },
                ApprovalRequirement {
                    department: DepartmentSelector::ProjectOwner,
                    role: Role::Director,
                    count: 1,
                },
            ],
            description: "disbursement over 1,000,000 yuan".into(),
        }],
        reminders: Default::default(),
    }
}

fn json_of(file: &GenesisFile) -> String {
    serde_json::to_string(file).unwrap()
}

#[test]
fn valid_genesis_round_trips_with_stable_hash() {
    let genesis = Genesis::from_json(&json_of(&sample_file())).unwrap();
    let again = Genesis::from_json(&genesis.to_json()).unwrap();
    assert_eq!(again, genesis);
    assert_eq!(again.hash(), genesis.hash());
    // Validators are written as PROTOCOL.md says: algorithm plus raw hex key.
    let value: serde_json::Value = serde_json::from_str(&genesis.to_json()).unwrap();
    let v0 = &value["validators"][0];
    assert_eq!(v0["algorithm"], "ed25519");
    assert_eq!(v0["public_key"].as_str().unwrap().len(), 64);
    assert_eq!(value["validators"][2]["algorithm"], "sm2");
}

#[test]
fn any_value_change_changes_the_hash() {
    let genesis = Genesis::from_json(&json_of(&sample_file())).unwrap();
    let mut file = sample_file();
    file.chain_id = "other".into();
    // Different keys are generated each call, so compare against a modified copy of the same.
    let mut same = genesis.to_file();
    same.genesis_time_ms += 1;
    assert_ne!(Genesis::from_file(same).unwrap().hash(), genesis.hash());
    assert_ne!(Genesis::from_file(file).unwrap().hash(), genesis.hash());
}

fn expect_error(mutate: impl FnOnce(&mut GenesisFile), expected: &str) {
    let mut file = sample_file();
    mutate(&mut file);
    let err = Genesis::from_file(file)
        .expect_err("should be rejected")
        .to_string();
    assert!(
        err.contains(expected),
        "error {err:?} should mention {expected:?}"
    );
}

#[test]
fn invalid_documents_name_their_problem() {
    expect_error(|f| f.chain_id = "bad chain".into(), "chain_id");
    expect_error(
        |f| {
            f.departments
                .push(department("finance", DepartmentKind::Finance))
        },
        "twice",
    );
    expect_error(
        |f| f.departments.retain(|d| d.kind != DepartmentKind::Audit),
        "Audit",
    );
    expect_error(
        |f| f.validators[0].department = "nowhere".into(),
        "unknown department",
    );
    expect_error(|f| f.validators[0].public_key = "zz".into(), "not hex");
    expect_error(
        |f| f.validators[0].public_key = "00".repeat(32),
        "public key",
    );
    expect_error(
        |f| f.validators[1].name = f.validators[0].name.clone(),
        "twice",
    );
    expect_error(|f| f.validators[0].power = 0, "zero voting power");
    expect_error(|f| f.validators.clear(), "empty");
    expect_error(
        |f| f.members[1].public_key = f.members[0].public_key,
        "appears twice",
    );
    expect_error(
        |f| f.members.retain(|m| m.department != "audit"),
        "no director",
    );
    expect_error(|f| f.policies[0].required[0].count = 0, "count 0");
    expect_error(|f| f.reminders.escalate_after_ms = 0, "escalate_after_ms");
    expect_error(
        |f| f.reminders.due_soon_lead_ms = 91 * 24 * 60 * 60 * 1000,
        "over 90 days",
    );
    expect_error(|f| f.policies.push(f.policies[0].clone()), "same kind");
    expect_error(
        |f| f.policies[0].required[0].department = DepartmentSelector::Id("ghost".into()),
        "ghost",
    );
}

#[test]
fn malformed_json_is_an_error_not_a_panic() {
    assert!(Genesis::from_json("").is_err());
    assert!(Genesis::from_json("{}").is_err());
    assert!(Genesis::from_json("[1,2,3]").is_err());
    let mut value: serde_json::Value = serde_json::from_str(&json_of(&sample_file())).unwrap();
    value["surprise"] = serde_json::Value::Bool(true);
    assert!(
        Genesis::from_json(&value.to_string()).is_err(),
        "unknown fields are refused"
    );
}
