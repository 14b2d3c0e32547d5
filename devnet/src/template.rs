//! Turning the reviewed devnet template into keys and a genesis file.

use std::path::Path;

use anyhow::{Context, Result, bail};
use gongxin_core::crypto::{Algorithm, KeyFile, Keypair};
use gongxin_core::genesis::{Genesis, GenesisFile, GenesisValidator};
use gongxin_core::model::{
    ApprovalPolicy, Department, DepartmentKind, Disclosure, Member, Operation, ProjectProposal,
    Role,
};
use gongxin_core::tx::{ReplayGuard, SignedTx, TxBody};
use gongxin_node::clock::{Clock, SystemClock};
use serde::Deserialize;

/// The reviewed template and policy set, compiled in so the devnet works from any directory.
const TEMPLATE: &str = include_str!("../../genesis/devnet.json");
const CITY_POLICIES: &str = include_str!("../../genesis/city-policies.json");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Template {
    chain_id: String,
    /// File name of the policy set (informational: the city policy set is compiled in).
    policies: String,
    departments: Vec<Department>,
    validators: Vec<TemplateValidator>,
    members: Vec<TemplateMember>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateValidator {
    name: String,
    department: String,
    power: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateMember {
    name: String,
    department: String,
    role: Role,
}

/// The devnet's genesis and every key it generated, by name.
#[derive(Debug, Clone)]
pub struct DevnetKeys {
    pub genesis: Genesis,
    /// (member name, department, role, key) for every genesis member.
    pub members: Vec<(String, String, Role, Keypair)>,
}

impl DevnetKeys {
    /// The first member of `department` with `role`.
    pub fn member(&self, department: &str, role: Role) -> Option<&Keypair> {
        self.members
            .iter()
            .find(|(_, d, r, _)| d == department && *r == role)
            .map(|(_, _, _, k)| k)
    }

    pub fn member_by_name(&self, name: &str) -> Option<&Keypair> {
        self.members
            .iter()
            .find(|(n, _, _, _)| n == name)
            .map(|(_, _, _, k)| k)
    }

    /// The line departments' specialists: the members who may propose projects.
    pub fn line_specialists(&self) -> Vec<&Keypair> {
        self.members
            .iter()
            .filter(|(_, department, role, _)| {
                *role == Role::Specialist
                    && self
                        .genesis
                        .department(department)
                        .is_some_and(|d| d.kind == DepartmentKind::Line)
            })
            .map(|(_, _, _, key)| key)
            .collect()
    }

    /// `count` project proposals with ids `<tag>-<i>`, signed in turn by the line specialists,
    /// nonces from `nonce_base`, valid until `valid_until_height`: the valid traffic of the load
    /// generator and the tests. Empty if the devnet has no line specialists.
    pub fn proposals(
        &self,
        tag: &str,
        count: usize,
        nonce_base: u64,
        valid_until_height: u64,
    ) -> Vec<SignedTx> {
        let signers = self.line_specialists();
        if signers.is_empty() {
            return Vec::new();
        }
        (0..count)
            .map(|i| {
                let signer = signers[i % signers.len()];
                TxBody {
                    chain_id: self.genesis.chain_id.clone(),
                    signer: signer.public_key(),
                    replay: ReplayGuard {
                        nonce: nonce_base.wrapping_add(i as u64),
                        valid_until_height,
                    },
                    operation: Operation::ProposeProject(ProjectProposal {
                        id: format!("{tag}-{i}"),
                        name: format!("{tag} project {i}"),
                        category: "test/load".into(),
                        location: "loopback".into(),
                        programme: None,
                        planned_start_ms: 1_800_000_000_000,
                        planned_end_ms: 1_830_000_000_000,
                        requested_budget_fen: 100_000 + i as u64,
                        disclosure: Disclosure::Public,
                        description: String::new(),
                    }),
                }
                .sign(signer)
            })
            .collect()
    }
}

fn write_key(path: &Path, name: &str, key: &Keypair) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    std::io::Write::write_all(
        &mut file,
        KeyFile::from_keypair(name, key).to_json().as_bytes(),
    )?;
    Ok(())
}

/// The key name of the devnet's witness (`--witness`).
pub const WITNESS_NAME: &str = "devnet.witness";

/// The devnet witness's Ed25519 key (`keys/devnet.witness.key`), created on first use.
pub fn witness_key(dir: &Path) -> Result<Keypair> {
    let path = dir.join("keys").join(format!("{WITNESS_NAME}.key"));
    if path.exists() {
        return read_key(&path);
    }
    let key = Keypair::generate(Algorithm::Ed25519)?;
    write_key(&path, WITNESS_NAME, &key)?;
    Ok(key)
}

fn read_key(path: &Path) -> Result<Keypair> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(KeyFile::from_json(&text)?.keypair()?)
}

/// Creates keys and `genesis.json` in `dir` on first use (with `validators` validators), or
/// loads them when they exist. Returns the genesis and the members' keys.
pub fn create_devnet_files(dir: &Path, validators: usize) -> Result<DevnetKeys> {
    create_devnet_files_with(dir, validators, Algorithm::Ed25519)
}

/// The signature suite of the devnet in `dir` (its genesis' validator keys), if it has one.
pub fn devnet_algorithm(dir: &Path) -> Result<Option<Algorithm>> {
    let path = dir.join("genesis.json");
    if !path.exists() {
        return Ok(None);
    }
    let genesis = Genesis::from_json(&std::fs::read_to_string(&path)?)
        .with_context(|| format!("{} is invalid", path.display()))?;
    Ok(genesis
        .validators
        .validators()
        .first()
        .map(|v| v.public_key.algorithm()))
}

/// [`create_devnet_files`] with every key — validators' and members' — of `algorithm` (SM2 for a
/// 商用密码 consortium). An existing devnet directory made with the other algorithm is refused.
pub fn create_devnet_files_with(
    dir: &Path,
    validators: usize,
    algorithm: Algorithm,
) -> Result<DevnetKeys> {
    let template: Template =
        serde_json::from_str(TEMPLATE).context("genesis/devnet.json is invalid")?;
    let policies: Vec<ApprovalPolicy> =
        serde_json::from_str(CITY_POLICIES).context("genesis/city-policies.json is invalid")?;
    debug_assert_eq!(template.policies, "city-policies.json");
    let keys_dir = dir.join("keys");
    let genesis_path = dir.join("genesis.json");

    if genesis_path.exists() {
        let genesis = Genesis::from_json(&std::fs::read_to_string(&genesis_path)?)
            .with_context(|| format!("{} is invalid", genesis_path.display()))?;
        let made_with = genesis
            .validators
            .validators()
            .first()
            .map(|v| v.public_key.algorithm());
        if made_with.is_some_and(|a| a != algorithm) {
            bail!(
                "{} was made with {} keys, not {algorithm}: use another --dir for a devnet of the other suite",
                dir.display(),
                made_with.map_or_else(String::new, |a| a.to_string())
            );
        }
        if genesis.validators.len() != validators {
            bail!(
                "{} has {} validator(s), not {validators}: use another --dir for a different devnet",
                dir.display(),
                genesis.validators.len()
            );
        }
        let mut members = Vec::new();
        for member in &genesis.members {
            let key = read_key(&keys_dir.join(format!("{}.key", member.name)))?;
            members.push((
                member.name.clone(),
                member.department.clone(),
                member.role,
                key,
            ));
        }
        return Ok(DevnetKeys { genesis, members });
    }

    if validators > template.validators.len() {
        bail!(
            "the template names {} validators; asked for {validators}",
            template.validators.len()
        );
    }
    std::fs::create_dir_all(&keys_dir)?;
    let mut genesis_validators = Vec::new();
    for v in template.validators.iter().take(validators) {
        let key = Keypair::generate(algorithm)?;
        write_key(&keys_dir.join(format!("{}.key", v.name)), &v.name, &key)?;
        genesis_validators.push(GenesisValidator {
            name: v.name.clone(),
            department: v.department.clone(),
            algorithm,
            public_key: hex::encode(key.public_key().as_bytes()),
            power: v.power,
        });
    }
    let mut members = Vec::new();
    let mut genesis_members = Vec::new();
    for m in &template.members {
        let key = Keypair::generate(algorithm)?;
        write_key(&keys_dir.join(format!("{}.key", m.name)), &m.name, &key)?;
        genesis_members.push(Member {
            name: m.name.clone(),
            department: m.department.clone(),
            role: m.role,
            public_key: key.public_key(),
        });
        members.push((m.name.clone(), m.department.clone(), m.role, key));
    }
    let genesis = Genesis::from_file(GenesisFile {
        chain_id: template.chain_id,
        genesis_time_ms: SystemClock.now_ms(),
        departments: template.departments,
        validators: genesis_validators,
        members: genesis_members,
        policies,
        reminders: Default::default(),
    })?;
    std::fs::write(&genesis_path, genesis.to_json())?;
    Ok(DevnetKeys { genesis, members })
}
