//! The key layout of the state: readable ASCII, ordered so prefix scans answer the questions the
//! rules and the gateway ask.
//!
//! Conventions: record ids are [`gongxin_core::model::is_valid_id`] strings (no `/`), so `/`
//! always separates components and every prefix ends in `/`. Numbers in keys are fixed-width
//! lowercase hex of the big-endian value (16 digits for `u64`), which sorts exactly like the
//! number and still reads as text. Keys appear as `member/ed25519:<hex>` (the core's tagged text
//! form), hashes as 64 hex digits. Values are the canonical (bincode) encoding of the record
//! types in [`crate::records`] unless noted.
//!
//! | key | value |
//! |-----|-------|
//! | `params` | [`Params`](crate::records::Params): chain id, genesis time and hash |
//! | `dept/<id>` | [`DepartmentRecord`](crate::records::DepartmentRecord) |
//! | `member/<key>` | [`MemberRecord`](crate::records::MemberRecord) |
//! | `person/<first key>` | the person's current key (`PublicKey`), stable across rotations |
//! | `validator/<name>` | `Validator` |
//! | `policy/<kind>/<min_amount_fen hex16>` | `ApprovalPolicy` |
//! | `gov/<id>` | [`GovernanceRecord`](crate::records::GovernanceRecord) |
//! | `project/<id>` | [`ProjectRecord`](crate::records::ProjectRecord) (budget, totals, acceptance) |
//! | `procurement/<project>` | [`ProcurementRecord`](crate::records::ProcurementRecord) |
//! | `contract/<id>` | [`ContractState`](crate::records::ContractState) |
//! | `change/<id>` | [`ChangeRecord`](crate::records::ChangeRecord) |
//! | `progress/<id>` | [`ProgressRecord`](crate::records::ProgressRecord) |
//! | `disb/<id>` | [`DisbursementRecord`](crate::records::DisbursementRecord) |
//! | `rect/<id>` | [`RectificationRecord`](crate::records::RectificationRecord) |
//! | `request/<tx hash>` | [`RequestRecord`](crate::records::RequestRecord) |
//! | `hist/<record key>/<height hex16>/<cause>` | [`HistoryEntry`](crate::records::HistoryEntry); cause = tx hash, or `block` for deadline sweeps |
//! | `alert/project/<project>/<time hex16>/<alert digest>` | [`Alert`](crate::events::Alert) about a project |
//! | `alert/dept/<dept>/<time hex16>/<alert digest>` | [`Alert`](crate::events::Alert) not about a project |
//! | `rej/<height hex16>/<tx hash>` | [`RejectionRecord`](crate::records::RejectionRecord) |
//! | `seen/<tx hash>` | de-dup: the tx's `valid_until_height` (u64 BE) |
//! | `exp/<valid_until hex16>/<tx hash>` | de-dup expiry index (empty value) |
//! | `anchor/<validator name hex>/<count hex16>` | [`AccessAnchorRecord`](crate::records::AccessAnchorRecord): an anchored point of the validator's operation log (the name in hex: validator names may hold `/`) |
//! | `anchor_latest/<validator name hex>` | the newest of those |
//! | `riskmodel/<validator name hex>/<height hex16>` | [`RiskModelRecord`](crate::records::RiskModelRecord): a delay-risk model a validator's gateway scores with, from that height |
//! | `riskmodel_latest/<validator name hex>` | the newest of those |
//! | `reminders` | the [`ReminderPolicy`](gongxin_core::model::ReminderPolicy) in force |
//! | `ack/<alert digest>/<person>` | [`AckRecord`](crate::records::AckRecord): the person saw the alert |
//!
//! Secondary indexes (empty values unless noted), all under `idx/`:
//!
//! | key | answers |
//! |-----|---------|
//! | `idx/dept_members/<dept>/<key>` | a department's members |
//! | `idx/dept_projects/<dept>/<project>` | projects a department owns |
//! | `idx/stage/<stage>/<project>` | projects by stage |
//! | `idx/programme/<programme>/<project>` | a programme's sub-projects |
//! | `idx/project_contracts/<project>/<contract>` | a project's contracts |
//! | `idx/project_progress/<project>/<report>` | a project's progress reports |
//! | `idx/contract_disb/<contract>/<disbursement>` | a contract's disbursements |
//! | `idx/contract_changes/<contract>/<change>` | a contract's change orders |
//! | `idx/project_rects/<project>/<task>` | rectification tasks about a project |
//! | `idx/dept_rects/<dept>/<task>` | tasks a department is responsible for |
//! | `idx/rect_status/<status>/<deadline hex16>/<task>` | tasks by status, earliest deadline first |
//! | `idx/deadline/<time hex16>/milestone/<contract>/<index hex4>` | milestone due dates, for the overdue sweep |
//! | `idx/deadline/<time hex16>/rect/<task>` | rectification deadlines and reminder times |
//! | `idx/deadline/<time hex16>/milestone_soon/<due hex16>/<contract>/<index hex4>` | due-soon reminders of milestones |
//! | `idx/deadline/<time hex16>/rect_soon/<deadline hex16>/<task>` | due-soon reminders of rectification tasks |
//! | `idx/deadline/<time hex16>/rect_escalate/<deadline hex16>/<task>` | escalation of an overdue task to its raiser |
//! | `idx/dept_requests/<dept>/<tx hash>` | open requests a department can approve |
//! | `idx/project_requests/<project>/<tx hash>` | open requests about a project |
//! | `idx/project_rejections/<project>/<height hex16>/<tx hash>` | rejected attempts about a project |
//! | `idx/dept_alerts/<dept>/<time hex16>/<alert digest>` | alerts for a department (value: the alert's key) |
//! | `idx/person_alerts/<person>/<time hex16>/<alert digest>` | alerts naming a person: responsible, or the director (value: the alert's key) |
//! | `idx/alert/<alert digest>` | an alert by its digest (value: the alert's key) |
//! | `idx/pub/<dept or *>/<programme or *>/<stage or *>/<project>` | public projects, once under each of the 8 combinations of filters (`*`: any; a project without programme has an empty programme component) |
//!
//! Counters (value: `u64`), so public totals cost one read:
//!
//! | key | counts |
//! |-----|--------|
//! | `count/pub/<dept or *>/<programme or *>/<stage or *>` | public projects matching that combination of filters |

use gongxin_core::Hash;
use gongxin_core::crypto::PublicKey;
use gongxin_core::model::{OperationKind, ProjectStage};

use crate::records::RectStatus;

pub const PARAMS: &[u8] = b"params";
pub const REMINDERS: &[u8] = b"reminders";

pub fn hex16(n: u64) -> String {
    format!("{n:016x}")
}

/// Parses a 16-digit hex component back into its number.
pub fn parse_hex16(text: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(text).ok()?;
    if text.len() != 16 {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}

fn key(parts: &[&str]) -> Vec<u8> {
    parts.join("/").into_bytes()
}

fn prefix(parts: &[&str]) -> Vec<u8> {
    let mut k = key(parts);
    k.push(b'/');
    k
}

pub fn department(id: &str) -> Vec<u8> {
    key(&["dept", id])
}
pub const DEPARTMENTS: &[u8] = b"dept/";

pub fn member(k: &PublicKey) -> Vec<u8> {
    key(&["member", &k.to_string()])
}

pub fn person(first_key: &PublicKey) -> Vec<u8> {
    key(&["person", &first_key.to_string()])
}

pub fn dept_member(dept: &str, k: &PublicKey) -> Vec<u8> {
    key(&["idx/dept_members", dept, &k.to_string()])
}
pub fn dept_members(dept: &str) -> Vec<u8> {
    prefix(&["idx/dept_members", dept])
}

pub fn validator(name: &str) -> Vec<u8> {
    key(&["validator", name])
}
pub const VALIDATORS: &[u8] = b"validator/";

pub fn access_anchor(node: &str, count: u64) -> Vec<u8> {
    key(&["anchor", &hex::encode(node), &hex16(count)])
}
pub fn access_anchors(node: &str) -> Vec<u8> {
    prefix(&["anchor", &hex::encode(node)])
}
pub fn access_anchor_latest(node: &str) -> Vec<u8> {
    key(&["anchor_latest", &hex::encode(node)])
}
pub fn risk_model(node: &str, height: u64) -> Vec<u8> {
    key(&["riskmodel", &hex::encode(node), &hex16(height)])
}
pub fn risk_model_latest(node: &str) -> Vec<u8> {
    key(&["riskmodel_latest", &hex::encode(node)])
}

/// The snake_case name of an operation kind, as in policy files.
pub fn kind_name(kind: OperationKind) -> String {
    kind.as_str().to_owned()
}

pub fn policy(kind: OperationKind, min_amount_fen: u64) -> Vec<u8> {
    key(&["policy", &kind_name(kind), &hex16(min_amount_fen)])
}
pub fn policies_of(kind: OperationKind) -> Vec<u8> {
    prefix(&["policy", &kind_name(kind)])
}
pub const POLICIES: &[u8] = b"policy/";

pub fn governance(id: &str) -> Vec<u8> {
    key(&["gov", id])
}

pub fn project(id: &str) -> Vec<u8> {
    key(&["project", id])
}
pub const PROJECTS: &[u8] = b"project/";

pub fn procurement(project: &str) -> Vec<u8> {
    key(&["procurement", project])
}
pub fn contract(id: &str) -> Vec<u8> {
    key(&["contract", id])
}
pub fn change(id: &str) -> Vec<u8> {
    key(&["change", id])
}
pub fn progress(id: &str) -> Vec<u8> {
    key(&["progress", id])
}
pub fn disbursement(id: &str) -> Vec<u8> {
    key(&["disb", id])
}
pub fn rectification(id: &str) -> Vec<u8> {
    key(&["rect", id])
}
pub const RECTIFICATIONS: &[u8] = b"rect/";
/// The latest credit check of contractor `credit_code` for `project`.
pub fn credit_check(project: &str, credit_code: &str) -> Vec<u8> {
    key(&["credit", project, credit_code])
}
pub fn credit_checks(project: &str) -> Vec<u8> {
    prefix(&["credit", project])
}
pub fn request(hash: &Hash) -> Vec<u8> {
    key(&["request", &hash.to_hex()])
}

/// The history prefix of a record, given the record's own key.
pub fn history_of(record_key: &[u8]) -> Vec<u8> {
    let mut k = b"hist/".to_vec();
    k.extend_from_slice(record_key);
    k.push(b'/');
    k
}
pub fn history(record_key: &[u8], height: u64, cause: &str) -> Vec<u8> {
    let mut k = history_of(record_key);
    k.extend_from_slice(hex16(height).as_bytes());
    k.push(b'/');
    k.extend_from_slice(cause.as_bytes());
    k
}

pub fn project_alerts(project: &str) -> Vec<u8> {
    prefix(&["alert/project", project])
}
pub fn project_alert(project: &str, time_ms: u64, digest: &Hash) -> Vec<u8> {
    key(&["alert/project", project, &hex16(time_ms), &digest.to_hex()])
}
pub fn dept_alert_record(dept: &str, time_ms: u64, digest: &Hash) -> Vec<u8> {
    key(&["alert/dept", dept, &hex16(time_ms), &digest.to_hex()])
}
pub fn dept_alert_index(dept: &str, time_ms: u64, digest: &Hash) -> Vec<u8> {
    key(&["idx/dept_alerts", dept, &hex16(time_ms), &digest.to_hex()])
}
pub fn dept_alerts(dept: &str) -> Vec<u8> {
    prefix(&["idx/dept_alerts", dept])
}

pub fn person_alert_index(person: &PublicKey, time_ms: u64, digest: &Hash) -> Vec<u8> {
    key(&[
        "idx/person_alerts",
        &person.to_string(),
        &hex16(time_ms),
        &digest.to_hex(),
    ])
}
pub fn person_alerts(person: &PublicKey) -> Vec<u8> {
    prefix(&["idx/person_alerts", &person.to_string()])
}
pub fn alert_by_digest(digest: &Hash) -> Vec<u8> {
    key(&["idx/alert", &digest.to_hex()])
}
pub fn ack(digest: &Hash, person: &PublicKey) -> Vec<u8> {
    key(&["ack", &digest.to_hex(), &person.to_string()])
}
pub fn acks(digest: &Hash) -> Vec<u8> {
    prefix(&["ack", &digest.to_hex()])
}

pub fn rejection(height: u64, tx: &Hash) -> Vec<u8> {
    key(&["rej", &hex16(height), &tx.to_hex()])
}
pub fn project_rejection(project: &str, height: u64, tx: &Hash) -> Vec<u8> {
    key(&[
        "idx/project_rejections",
        project,
        &hex16(height),
        &tx.to_hex(),
    ])
}
pub fn project_rejections(project: &str) -> Vec<u8> {
    prefix(&["idx/project_rejections", project])
}

pub fn seen(tx: &Hash) -> Vec<u8> {
    key(&["seen", &tx.to_hex()])
}
pub fn expiry(valid_until_height: u64, tx: &Hash) -> Vec<u8> {
    key(&["exp", &hex16(valid_until_height), &tx.to_hex()])
}
pub const EXPIRIES: &[u8] = b"exp/";

pub fn dept_project(dept: &str, project: &str) -> Vec<u8> {
    key(&["idx/dept_projects", dept, project])
}
pub fn dept_projects(dept: &str) -> Vec<u8> {
    prefix(&["idx/dept_projects", dept])
}

/// The stable snake_case name of a stage, for keys.
pub fn stage_name(stage: ProjectStage) -> &'static str {
    match stage {
        ProjectStage::Proposed => "proposed",
        ProjectStage::Approved => "approved",
        ProjectStage::Budgeted => "budgeted",
        ProjectStage::Procurement => "procurement",
        ProjectStage::Contracted => "contracted",
        ProjectStage::InProgress => "in_progress",
        ProjectStage::AcceptanceRequested => "acceptance_requested",
        ProjectStage::Accepted => "accepted",
        ProjectStage::Evaluated => "evaluated",
        ProjectStage::Closed => "closed",
        ProjectStage::Suspended => "suspended",
        ProjectStage::Cancelled => "cancelled",
    }
}
pub fn stage_project(stage: ProjectStage, project: &str) -> Vec<u8> {
    key(&["idx/stage", stage_name(stage), project])
}
pub fn stage_projects(stage: ProjectStage) -> Vec<u8> {
    prefix(&["idx/stage", stage_name(stage)])
}

/// Any value, in a public-index filter component (not a valid id character, so never a value).
pub const ANY: &str = "*";

/// The filter components of the public index: department, programme, stage (each [`ANY`] or a
/// value; `""` for "no programme").
pub type PublicFilterKey<'a> = [&'a str; 3];

pub fn public_project_in(filter: PublicFilterKey<'_>, project: &str) -> Vec<u8> {
    key(&["idx/pub", filter[0], filter[1], filter[2], project])
}
pub fn public_projects_in(filter: PublicFilterKey<'_>) -> Vec<u8> {
    prefix(&["idx/pub", filter[0], filter[1], filter[2]])
}
pub fn public_count(filter: PublicFilterKey<'_>) -> Vec<u8> {
    key(&["count/pub", filter[0], filter[1], filter[2]])
}

pub fn programme_project(programme: &str, project: &str) -> Vec<u8> {
    key(&["idx/programme", programme, project])
}
pub fn programme_projects(programme: &str) -> Vec<u8> {
    prefix(&["idx/programme", programme])
}

pub fn project_contract(project: &str, contract: &str) -> Vec<u8> {
    key(&["idx/project_contracts", project, contract])
}
pub fn project_contracts(project: &str) -> Vec<u8> {
    prefix(&["idx/project_contracts", project])
}
pub fn project_progress_report(project: &str, report: &str) -> Vec<u8> {
    key(&["idx/project_progress", project, report])
}
pub fn project_progress(project: &str) -> Vec<u8> {
    prefix(&["idx/project_progress", project])
}
pub fn contract_disbursement(contract: &str, disb: &str) -> Vec<u8> {
    key(&["idx/contract_disb", contract, disb])
}
pub fn contract_disbursements(contract: &str) -> Vec<u8> {
    prefix(&["idx/contract_disb", contract])
}
pub fn contract_change(contract: &str, change: &str) -> Vec<u8> {
    key(&["idx/contract_changes", contract, change])
}
pub fn contract_changes(contract: &str) -> Vec<u8> {
    prefix(&["idx/contract_changes", contract])
}
pub fn project_rect(project: &str, task: &str) -> Vec<u8> {
    key(&["idx/project_rects", project, task])
}
pub fn project_rects(project: &str) -> Vec<u8> {
    prefix(&["idx/project_rects", project])
}
pub fn dept_rect(dept: &str, task: &str) -> Vec<u8> {
    key(&["idx/dept_rects", dept, task])
}
pub fn dept_rects(dept: &str) -> Vec<u8> {
    prefix(&["idx/dept_rects", dept])
}
pub fn rect_status(status: RectStatus, deadline_ms: u64, task: &str) -> Vec<u8> {
    key(&["idx/rect_status", status.name(), &hex16(deadline_ms), task])
}
pub fn rect_statuses(status: RectStatus) -> Vec<u8> {
    prefix(&["idx/rect_status", status.name()])
}

pub const DEADLINES: &[u8] = b"idx/deadline/";
pub fn deadline_milestone(time_ms: u64, contract: &str, index: u16) -> Vec<u8> {
    key(&[
        "idx/deadline",
        &hex16(time_ms),
        "milestone",
        contract,
        &format!("{index:04x}"),
    ])
}
pub fn deadline_rect(time_ms: u64, task: &str) -> Vec<u8> {
    key(&["idx/deadline", &hex16(time_ms), "rect", task])
}
pub fn deadline_milestone_soon(time_ms: u64, due_ms: u64, contract: &str, index: u16) -> Vec<u8> {
    key(&[
        "idx/deadline",
        &hex16(time_ms),
        "milestone_soon",
        &hex16(due_ms),
        contract,
        &format!("{index:04x}"),
    ])
}
pub fn deadline_rect_soon(time_ms: u64, deadline_ms: u64, task: &str) -> Vec<u8> {
    key(&[
        "idx/deadline",
        &hex16(time_ms),
        "rect_soon",
        &hex16(deadline_ms),
        task,
    ])
}
pub fn deadline_rect_escalate(time_ms: u64, deadline_ms: u64, task: &str) -> Vec<u8> {
    key(&[
        "idx/deadline",
        &hex16(time_ms),
        "rect_escalate",
        &hex16(deadline_ms),
        task,
    ])
}

pub fn dept_request(dept: &str, request: &Hash) -> Vec<u8> {
    key(&["idx/dept_requests", dept, &request.to_hex()])
}
pub fn dept_requests(dept: &str) -> Vec<u8> {
    prefix(&["idx/dept_requests", dept])
}
pub fn project_request(project: &str, request: &Hash) -> Vec<u8> {
    key(&["idx/project_requests", project, &request.to_hex()])
}
pub fn project_requests(project: &str) -> Vec<u8> {
    prefix(&["idx/project_requests", project])
}

/// The last `/`-separated component of a key, as text.
pub fn last_component(key: &[u8]) -> &str {
    let start = key.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    std::str::from_utf8(&key[start..]).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_sort_like_their_values() {
        assert!(hex16(9) < hex16(10));
        assert!(hex16(0xff) < hex16(0x100));
        assert_eq!(parse_hex16(hex16(u64::MAX).as_bytes()), Some(u64::MAX));
        assert!(deadline_rect(5, "R-1") < deadline_milestone(6, "C-1", 0));
        assert_eq!(last_component(b"idx/stage/closed/P-1"), "P-1");
        assert_eq!(
            policy(OperationKind::RequestDisbursement, 100),
            b"policy/request_disbursement/0000000000000064".to_vec()
        );
        assert_eq!(
            history(b"project/P-1", 1, "block"),
            b"hist/project/P-1/0000000000000001/block".to_vec()
        );
    }
}
