//! Who may read what: one table, used by every read path of the gateway and printed into
//! ARCHITECTURE.md from this same source ([`rules_markdown`]).
//!
//! A read touches records of one of four [`RecordClass`]es. What a member may read of a class
//! follows their department's kind (and role; today every role of a department reads the same,
//! because roles restrict what one may *do*, not what one may see):
//!
//! - [`Scope::All`] — every record of the class;
//! - [`Scope::Own`] — the records the member's department owns or answers for (its projects, the
//!   rectification tasks it is responsible for or that concern its projects, its own queue);
//! - [`Scope::None`] — nothing.
//!
//! Composite reads follow the records they concern: a ledger entry (a transaction and its
//! outcome), a live event, an inclusion proof carrying an entry are readable when any
//! [`Subject`] they concern is, or when the reader's own department signed the transaction.
//! [`entry_subjects`] finds those subjects from the operation and the state.

use gongxin_core::model::{DepartmentKind, Operation, Role};
use gongxin_core::tx::SignedTx;
use serde::Serialize;

use crate::engine::project_of_operation;
use crate::events::{Alert, Event};
use crate::records::{MemberRecord, ProjectRecord, RectificationRecord};
use crate::state::{State, StorageError};
use crate::{keys, store};

/// The classes of records a read can touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordClass {
    /// A project and everything filed under it: budget, procurement, contracts, change orders,
    /// progress, disbursements, history, alerts, rejected attempts, health.
    Project,
    /// A rectification task (整改) with its finding, evidence and verification.
    Rectification,
    /// A department's own affairs: its members, the requests waiting for its approval.
    Department,
    /// What concerns the whole consortium: governance, approval policies, validator sets.
    Consortium,
}

impl RecordClass {
    pub const ALL: [RecordClass; 4] = [
        RecordClass::Project,
        RecordClass::Rectification,
        RecordClass::Department,
        RecordClass::Consortium,
    ];

    fn label(self) -> &'static str {
        match self {
            RecordClass::Project => {
                "project (and its budget, contracts, payments, history, alerts, rejections)"
            }
            RecordClass::Rectification => "rectification task",
            RecordClass::Department => "department (members, approval queue)",
            RecordClass::Consortium => "consortium (governance, policies, validator sets)",
        }
    }
}

/// How much of a class a reader sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    All,
    Own,
    None,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct ReadRule {
    pub class: RecordClass,
    pub department: DepartmentKind,
    /// The roles the row applies to.
    pub roles: &'static [Role],
    pub scope: Scope,
}

const EVERY_ROLE: &[Role] = &[
    Role::Director,
    Role::SectionChief,
    Role::Specialist,
    Role::Auditor,
];

const fn rule(class: RecordClass, department: DepartmentKind, scope: Scope) -> ReadRule {
    ReadRule {
        class,
        department,
        roles: EVERY_ROLE,
        scope,
    }
}

/// The table. Audit / discipline inspection reads everything; finance and planning read every
/// project (they fund and approve them) but only their own rectifications and queue; a line
/// department reads what it owns or answers for; the consortium's own affairs are open to
/// every member.
pub const READ_RULES: &[ReadRule] = {
    use DepartmentKind::{Audit, Finance, Line, Planning};
    use RecordClass::{Consortium, Department, Project, Rectification};
    use Scope::{All, Own};
    &[
        rule(Project, Audit, All),
        rule(Project, Finance, All),
        rule(Project, Planning, All),
        rule(Project, Line, Own),
        rule(Rectification, Audit, All),
        rule(Rectification, Finance, Own),
        rule(Rectification, Planning, Own),
        rule(Rectification, Line, Own),
        rule(Department, Audit, All),
        rule(Department, Finance, Own),
        rule(Department, Planning, Own),
        rule(Department, Line, Own),
        rule(Consortium, Audit, All),
        rule(Consortium, Finance, All),
        rule(Consortium, Planning, All),
        rule(Consortium, Line, All),
    ]
};

/// The scope of `class` for a member of a `department` kind in `role`; a combination the table
/// does not list reads nothing.
pub fn scope(class: RecordClass, department: DepartmentKind, role: Role) -> Scope {
    READ_RULES
        .iter()
        .find(|r| r.class == class && r.department == department && r.roles.contains(&role))
        .map_or(Scope::None, |r| r.scope)
}

/// Who is reading: their department (id and kind) and role.
#[derive(Debug, Clone)]
pub struct ReaderRole {
    pub department: String,
    pub kind: DepartmentKind,
    pub role: Role,
}

/// A record a read concerns, with the departments that own or answer for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A project owned by `owner` (`None`: no such project, e.g. a refused proposal).
    Project {
        id: String,
        owner: Option<String>,
    },
    /// A rectification task: the department responsible and the owner of its project, if any.
    Rectification {
        responsible: String,
        project_owner: Option<String>,
    },
    Department(String),
    Consortium,
}

impl Subject {
    pub fn class(&self) -> RecordClass {
        match self {
            Subject::Project { .. } => RecordClass::Project,
            Subject::Rectification { .. } => RecordClass::Rectification,
            Subject::Department(_) => RecordClass::Department,
            Subject::Consortium => RecordClass::Consortium,
        }
    }

    /// Whether `department` owns or answers for this record.
    fn owned_by(&self, department: &str) -> bool {
        match self {
            Subject::Project { owner, .. } => owner.as_deref() == Some(department),
            Subject::Rectification {
                responsible,
                project_owner,
            } => responsible == department || project_owner.as_deref() == Some(department),
            Subject::Department(d) => d == department,
            Subject::Consortium => true,
        }
    }
}

impl ReaderRole {
    pub fn scope(&self, class: RecordClass) -> Scope {
        scope(class, self.kind, self.role)
    }

    /// Whether this reader may read `subject`.
    pub fn may_read(&self, subject: &Subject) -> bool {
        match self.scope(subject.class()) {
            Scope::All => true,
            Scope::Own => subject.owned_by(&self.department),
            Scope::None => false,
        }
    }

    /// Whether this reader may read a ledger entry concerning `subjects`, signed by a member
    /// of `signer_department`.
    pub fn may_read_entry(&self, subjects: &[Subject], signer_department: Option<&str>) -> bool {
        self.reads_everything()
            || signer_department == Some(self.department.as_str())
            || subjects.iter().any(|s| self.may_read(s))
    }

    /// Whether this reader sees every record of every class (audit / discipline inspection).
    pub fn reads_everything(&self) -> bool {
        RecordClass::ALL
            .iter()
            .all(|class| self.scope(*class) == Scope::All)
    }
}

/// The project subject of `id`, its owner from the state.
pub fn project_subject(state: &dyn State, id: &str) -> Result<Subject, StorageError> {
    let owner = store::get::<ProjectRecord>(state, &keys::project(id))?.map(|p| p.owner_department);
    Ok(Subject::Project {
        id: id.to_owned(),
        owner,
    })
}

/// The subject of rectification task `id`, or `None` if there is no such task.
pub fn rectification_subject(state: &dyn State, id: &str) -> Result<Option<Subject>, StorageError> {
    let Some(task) = store::get::<RectificationRecord>(state, &keys::rectification(id))? else {
        return Ok(None);
    };
    let project_owner = match &task.task.project {
        Some(p) => {
            store::get::<ProjectRecord>(state, &keys::project(p))?.map(|p| p.owner_department)
        }
        None => None,
    };
    Ok(Some(Subject::Rectification {
        responsible: task.task.responsible_department,
        project_owner,
    }))
}

fn member_department(
    state: &dyn State,
    key: &gongxin_core::crypto::PublicKey,
) -> Result<Option<String>, StorageError> {
    Ok(store::get::<MemberRecord>(state, &keys::member(key))?.map(|m| m.member.department))
}

/// The department of the member who signed `tx`, if still a member.
pub fn signer_department(state: &dyn State, tx: &SignedTx) -> Result<Option<String>, StorageError> {
    member_department(state, &tx.body.signer)
}

/// The records a transaction concerns, looked up in `state` (the committed state, where the
/// project, task or request it names lives).
pub fn entry_subjects(state: &dyn State, tx: &SignedTx) -> Result<Vec<Subject>, StorageError> {
    let op = &tx.body.operation;
    let mut subjects = Vec::new();
    match op {
        Operation::RaiseRectification(task) => {
            let project_owner = match &task.project {
                Some(p) => store::get::<ProjectRecord>(state, &keys::project(p))?
                    .map(|p| p.owner_department),
                None => None,
            };
            subjects.push(Subject::Rectification {
                responsible: task.responsible_department.clone(),
                project_owner,
            });
        }
        Operation::SubmitRectification { task, .. }
        | Operation::VerifyRectification { task, .. } => {
            subjects.extend(rectification_subject(state, task)?);
        }
        Operation::AddMember(member) => {
            subjects.push(Subject::Department(member.department.clone()))
        }
        Operation::RemoveMember { public_key }
        | Operation::RotateMemberKey {
            old_key: public_key,
            ..
        } => {
            if let Some(d) = member_department(state, public_key)? {
                subjects.push(Subject::Department(d));
            }
        }
        Operation::ProposeGovernance { .. }
        | Operation::VoteGovernance { .. }
        | Operation::AnchorAccessLog { .. }
        | Operation::RecordRiskModel { .. } => {
            subjects.push(Subject::Consortium);
        }
        Operation::AcknowledgeAlert { alert, .. } => {
            if let Some(record_key) = state.get(&keys::alert_by_digest(alert))?
                && let Some(alert) = store::get::<Alert>(state, &record_key)?
            {
                subjects.extend(alert_subjects(
                    state,
                    &alert.responsible_department,
                    alert.escalated_to.as_deref(),
                    alert.project.as_deref(),
                )?);
            }
        }
        _ => {}
    }
    if let Some(project) = project_of_operation(state, op)? {
        subjects.push(project_subject(state, &project)?);
    }
    Ok(subjects)
}

/// What an alert concerns: the departments it addresses and its project.
fn alert_subjects(
    state: &dyn State,
    responsible_department: &str,
    escalated_to: Option<&str>,
    project: Option<&str>,
) -> Result<Vec<Subject>, StorageError> {
    let mut subjects = vec![Subject::Department(responsible_department.to_owned())];
    if let Some(d) = escalated_to {
        subjects.push(Subject::Department(d.to_owned()));
    }
    if let Some(p) = project {
        subjects.push(project_subject(state, p)?);
    }
    Ok(subjects)
}

/// The records a live event concerns (`None`: the event concerns no record, e.g. a block).
pub fn event_subjects(state: &dyn State, event: &Event) -> Result<Vec<Subject>, StorageError> {
    let project = match event {
        Event::Alert(alert) => {
            return alert_subjects(
                state,
                &alert.responsible_department,
                alert.escalated_to.as_deref(),
                alert.project.as_deref(),
            );
        }
        Event::AlertAcknowledged {
            responsible_department,
            escalated_to,
            project,
            ..
        } => {
            return alert_subjects(
                state,
                responsible_department,
                escalated_to.as_deref(),
                project.as_deref(),
            );
        }
        Event::RecordCreated { project, .. } | Event::RecordUpdated { project, .. } => {
            project.clone()
        }
        Event::StageChanged { project, .. } => Some(project.clone()),
        Event::RequestOpened {
            project,
            departments,
            ..
        } => {
            let mut subjects: Vec<Subject> = departments
                .iter()
                .cloned()
                .map(Subject::Department)
                .collect();
            if let Some(p) = project {
                subjects.push(project_subject(state, p)?);
            }
            return Ok(subjects);
        }
        _ => None,
    };
    Ok(match project {
        Some(p) => vec![project_subject(state, &p)?],
        // Events that name no project (requests decided, members, governance) are shown to
        // audit only: their subject is found through records the event does not carry.
        None => Vec::new(),
    })
}

fn scope_word(scope: Scope) -> &'static str {
    match scope {
        Scope::All => "all",
        Scope::Own => "own",
        Scope::None => "none",
    }
}

/// The table as a Markdown table, for ARCHITECTURE.md (a test keeps the two equal).
pub fn rules_markdown() -> String {
    let kinds = [
        (DepartmentKind::Audit, "audit / discipline inspection"),
        (DepartmentKind::Finance, "finance"),
        (DepartmentKind::Planning, "planning"),
        (DepartmentKind::Line, "line department"),
    ];
    let mut out = String::from("| record | ");
    out.push_str(&kinds.map(|(_, label)| label).join(" | "));
    out.push_str(" |\n|---|");
    out.push_str(&"---|".repeat(kinds.len()));
    out.push('\n');
    for class in RecordClass::ALL {
        out.push_str(&format!("| {} |", class.label()));
        for (kind, _) in kinds {
            let scopes: Vec<Scope> = EVERY_ROLE
                .iter()
                .map(|role| scope(class, kind, *role))
                .collect();
            let cell = if scopes.iter().all(|s| *s == scopes[0]) {
                scope_word(scopes[0]).to_owned()
            } else {
                EVERY_ROLE
                    .iter()
                    .zip(&scopes)
                    .map(|(r, s)| format!("{r:?}: {}", scope_word(*s)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(department: &str, kind: DepartmentKind) -> ReaderRole {
        ReaderRole {
            department: department.into(),
            kind,
            role: Role::Specialist,
        }
    }

    fn project(owner: Option<&str>) -> Subject {
        Subject::Project {
            id: "P".into(),
            owner: owner.map(str::to_owned),
        }
    }

    #[test]
    fn every_department_kind_and_role_has_one_rule_per_class() {
        for class in RecordClass::ALL {
            for kind in [
                DepartmentKind::Audit,
                DepartmentKind::Finance,
                DepartmentKind::Planning,
                DepartmentKind::Line,
            ] {
                for role in EVERY_ROLE {
                    let rows = READ_RULES
                        .iter()
                        .filter(|r| {
                            r.class == class && r.department == kind && r.roles.contains(role)
                        })
                        .count();
                    assert_eq!(rows, 1, "{class:?} × {kind:?} × {role:?}");
                }
            }
        }
    }

    #[test]
    fn line_departments_read_their_own_projects_only() {
        let transport = reader("transport", DepartmentKind::Line);
        assert!(transport.may_read(&project(Some("transport"))));
        assert!(!transport.may_read(&project(Some("ecology"))));
        // An absent project is no one's: only readers of every project see that it is absent.
        assert!(!transport.may_read(&project(None)));
        assert!(reader("finance", DepartmentKind::Finance).may_read(&project(Some("ecology"))));
        assert!(reader("audit", DepartmentKind::Audit).may_read(&project(None)));
    }

    #[test]
    fn rectifications_are_read_by_the_responsible_and_the_project_owner() {
        let task = Subject::Rectification {
            responsible: "ecology".into(),
            project_owner: Some("transport".into()),
        };
        assert!(reader("ecology", DepartmentKind::Line).may_read(&task));
        assert!(reader("transport", DepartmentKind::Line).may_read(&task));
        assert!(!reader("water", DepartmentKind::Line).may_read(&task));
        assert!(!reader("finance", DepartmentKind::Finance).may_read(&task));
        assert!(reader("audit", DepartmentKind::Audit).may_read(&task));
    }

    #[test]
    fn entries_follow_their_subjects_or_their_signer() {
        let transport = reader("transport", DepartmentKind::Line);
        let foreign = [project(Some("ecology"))];
        assert!(!transport.may_read_entry(&foreign, Some("ecology")));
        assert!(transport.may_read_entry(&foreign, Some("transport")));
        assert!(!transport.may_read_entry(&[], None));
        assert!(transport.may_read_entry(&[Subject::Consortium], None));
        assert!(reader("audit", DepartmentKind::Audit).may_read_entry(&[], None));
    }

    #[test]
    fn the_markdown_table_has_a_row_per_class() {
        let table = rules_markdown();
        assert_eq!(table.lines().count(), 2 + RecordClass::ALL.len());
        assert!(table.contains("| project (and its budget, contracts, payments, history, alerts, rejections) | all | all | all | own |"));
    }
}

#[cfg(test)]
mod docs {
    /// ARCHITECTURE.md shows the table as [`super::rules_markdown`] prints it.
    #[test]
    fn architecture_md_shows_the_table_in_force() {
        let doc = include_str!("../../ARCHITECTURE.md");
        let begin = doc
            .find("<!-- read-rules:begin -->\n")
            .expect("begin marker")
            + 26;
        let end = doc.find("<!-- read-rules:end -->").expect("end marker");
        assert_eq!(
            &doc[begin..end],
            super::rules_markdown(),
            "regenerate the table in ARCHITECTURE.md from access::rules_markdown()"
        );
    }
}
