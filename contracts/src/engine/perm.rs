//! Who may do what. [`PERMISSIONS`] is the "departments × roles" column of the engine's table
//! "Who may submit what" as data: one row per [`Action`], listing the department × role pairs
//! it admits, in order. A department may be a placeholder ([`DeptRule::Owner`],
//! [`DeptRule::Suspender`], …) that the rule binds with a [`Bind`] when it calls [`authorize`];
//! a mismatch is `wrong_department` (no listed department is the signer's) or `wrong_role` (the
//! department is right, the role is not). Conditions that are not department × role pairs (not
//! the submitter, the responsible person, one vote per department, stages) stay in the rules.
//! A unit test checks the table against the documentation's.

use gongxin_core::model::{DepartmentKind, Role};

use super::Cx;
use crate::keys;
use crate::records::DepartmentRecord;
use crate::rejection::Rejection;
use crate::state::{State, StorageError};
use crate::store::{self, Rule};

/// An operation whose submitter [`authorize`] checks against its row of [`PERMISSIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    AddMember,
    RemoveMember,
    RotateMemberKey,
    ProposeGovernance,
    VoteGovernance,
    ProposeProject,
    ApproveProject,
    ApproveBudget,
    AdjustBudget,
    StartProcurement,
    AwardProcurement,
    SignContract,
    StartImplementation,
    RequestChangeOrder,
    ReportProgress,
    ReviewProgress,
    RequestDisbursement,
    MarkDisbursementPaid,
    RequestAcceptance,
    RecordAcceptance,
    RecordEvaluation,
    CloseProject,
    SuspendProject,
    ResumeProject,
    CancelProject,
    RaiseRectification,
    SubmitRectification,
    VerifyRectification,
    RecordCreditCheck,
}

#[cfg(test)]
impl Action {
    /// Every action, in declaration order.
    const ALL: &'static [Action] = &[
        Action::AddMember,
        Action::RemoveMember,
        Action::RotateMemberKey,
        Action::ProposeGovernance,
        Action::VoteGovernance,
        Action::ProposeProject,
        Action::ApproveProject,
        Action::ApproveBudget,
        Action::AdjustBudget,
        Action::StartProcurement,
        Action::AwardProcurement,
        Action::SignContract,
        Action::StartImplementation,
        Action::RequestChangeOrder,
        Action::ReportProgress,
        Action::ReviewProgress,
        Action::RequestDisbursement,
        Action::MarkDisbursementPaid,
        Action::RequestAcceptance,
        Action::RecordAcceptance,
        Action::RecordEvaluation,
        Action::CloseProject,
        Action::SuspendProject,
        Action::ResumeProject,
        Action::CancelProject,
        Action::RaiseRectification,
        Action::SubmitRectification,
        Action::VerifyRectification,
        Action::RecordCreditCheck,
    ];
}

/// The departments a grant admits: a fixed set, or a placeholder the rule binds ([`Bind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeptRule {
    /// Any department.
    Any,
    /// Any department of this kind.
    Kind(DepartmentKind),
    /// The department owning the project concerned (`Bind::owner`).
    Owner,
    /// The department of the member concerned (`Bind::member`).
    Member,
    /// The department that suspended the project (`Bind::suspender`).
    Suspender,
    /// The department that raised the rectification task (`Bind::raiser`).
    Raiser,
    /// The department responsible for the rectification task (`Bind::responsible`).
    Responsible,
}

/// "Members of `dept` with one of `roles` may do it."
#[derive(Debug, Clone, Copy)]
pub(crate) struct StaticGrant {
    pub dept: DeptRule,
    pub roles: &'static [Role],
}

/// One row of [`PERMISSIONS`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Permission {
    pub action: Action,
    /// What the rejections call the action (stored on the ledger: never change it).
    pub name: &'static str,
    /// The "operation" cell of the row of the documentation's table that describes it (read by
    /// the test that keeps the two tables equal).
    #[cfg_attr(not(test), allow(dead_code))]
    pub doc: &'static str,
    /// Tried in order; the order also shapes the `needed` text of a rejection.
    pub grants: &'static [StaticGrant],
}

const DIRECTOR: &[Role] = &[Role::Director];
const CHIEF_OR_DIRECTOR: &[Role] = &[Role::Director, Role::SectionChief];
const STAFF: &[Role] = &[Role::Director, Role::SectionChief, Role::Specialist];
const SPECIALIST_OR_CHIEF: &[Role] = &[Role::SectionChief, Role::Specialist];
const INSPECTORS: &[Role] = &[Role::Director, Role::SectionChief, Role::Auditor];

const FINANCE: DeptRule = DeptRule::Kind(DepartmentKind::Finance);
const AUDIT: DeptRule = DeptRule::Kind(DepartmentKind::Audit);
const LINE: DeptRule = DeptRule::Kind(DepartmentKind::Line);
const PLANNING: DeptRule = DeptRule::Kind(DepartmentKind::Planning);

/// Who may submit what: the department × role part of the engine's table "Who may submit
/// what", one row per [`Action`].
pub(crate) const PERMISSIONS: &[Permission] = &[
    Permission {
        action: Action::AddMember,
        name: "adding a member",
        doc: "add / remove member, rotate key",
        grants: &[StaticGrant {
            dept: DeptRule::Member,
            roles: DIRECTOR,
        }],
    },
    Permission {
        action: Action::RemoveMember,
        name: "removing a member",
        doc: "add / remove member, rotate key",
        grants: &[StaticGrant {
            dept: DeptRule::Member,
            roles: DIRECTOR,
        }],
    },
    Permission {
        action: Action::RotateMemberKey,
        name: "rotating a member's key",
        doc: "add / remove member, rotate key",
        grants: &[StaticGrant {
            dept: DeptRule::Member,
            roles: DIRECTOR,
        }],
    },
    Permission {
        action: Action::ProposeGovernance,
        name: "proposing a governance change",
        doc: "propose / vote governance",
        grants: &[StaticGrant {
            dept: DeptRule::Any,
            roles: DIRECTOR,
        }],
    },
    Permission {
        action: Action::VoteGovernance,
        name: "voting on a governance change",
        doc: "propose / vote governance",
        grants: &[StaticGrant {
            dept: DeptRule::Any,
            roles: DIRECTOR,
        }],
    },
    Permission {
        action: Action::ProposeProject,
        name: "proposing a project",
        doc: "propose project",
        grants: &[
            StaticGrant {
                dept: LINE,
                roles: STAFF,
            },
            StaticGrant {
                dept: PLANNING,
                roles: STAFF,
            },
        ],
    },
    Permission {
        action: Action::ApproveProject,
        name: "approving a project (立项)",
        doc: "approve project (立项)",
        grants: &[
            StaticGrant {
                dept: DeptRule::Owner,
                roles: DIRECTOR,
            },
            StaticGrant {
                dept: PLANNING,
                roles: CHIEF_OR_DIRECTOR,
            },
        ],
    },
    Permission {
        action: Action::ApproveBudget,
        name: "approving a budget (预算批复)",
        doc: "approve budget (预算批复)",
        grants: &[StaticGrant {
            dept: FINANCE,
            roles: CHIEF_OR_DIRECTOR,
        }],
    },
    Permission {
        action: Action::AdjustBudget,
        name: "adjusting a budget (预算调整)",
        doc: "adjust budget (预算调整)",
        grants: &[
            StaticGrant {
                dept: DeptRule::Owner,
                roles: CHIEF_OR_DIRECTOR,
            },
            StaticGrant {
                dept: FINANCE,
                roles: CHIEF_OR_DIRECTOR,
            },
        ],
    },
    Permission {
        action: Action::StartProcurement,
        name: "starting procurement",
        doc: "start procurement",
        grants: &[StaticGrant {
            dept: DeptRule::Owner,
            roles: STAFF,
        }],
    },
    Permission {
        action: Action::AwardProcurement,
        name: "awarding a procurement",
        doc: "award procurement",
        grants: &[StaticGrant {
            dept: DeptRule::Owner,
            roles: CHIEF_OR_DIRECTOR,
        }],
    },
    Permission {
        action: Action::SignContract,
        name: "signing a contract",
        doc: "sign contract",
        grants: &[StaticGrant {
            dept: DeptRule::Owner,
            roles: CHIEF_OR_DIRECTOR,
        }],
    },
    Permission {
        action: Action::StartImplementation,
        name: "starting implementation",
        doc: "start implementation",
        grants: &[StaticGrant {
            dept: DeptRule::Owner,
            roles: CHIEF_OR_DIRECTOR,
        }],
    },
    Permission {
        action: Action::RequestChangeOrder,
        name: "requesting a change order (变更)",
        doc: "change order (变更)",
        grants: &[StaticGrant {
            dept: DeptRule::Owner,
            roles: STAFF,
        }],
    },
    Permission {
        action: Action::ReportProgress,
        name: "reporting progress (进度)",
        doc: "report progress",
        grants: &[StaticGrant {
            dept: DeptRule::Owner,
            roles: SPECIALIST_OR_CHIEF,
        }],
    },
    Permission {
        action: Action::ReviewProgress,
        name: "reviewing a progress report",
        doc: "review progress",
        grants: &[StaticGrant {
            dept: DeptRule::Owner,
            roles: DIRECTOR,
        }],
    },
    Permission {
        action: Action::RequestDisbursement,
        name: "requesting a disbursement (资金拨付)",
        doc: "request disbursement",
        grants: &[StaticGrant {
            dept: DeptRule::Owner,
            roles: STAFF,
        }],
    },
    Permission {
        action: Action::MarkDisbursementPaid,
        name: "marking a disbursement paid",
        doc: "mark disbursement paid",
        grants: &[StaticGrant {
            dept: FINANCE,
            roles: STAFF,
        }],
    },
    Permission {
        action: Action::RequestAcceptance,
        name: "requesting acceptance",
        doc: "request acceptance",
        grants: &[StaticGrant {
            dept: DeptRule::Owner,
            roles: CHIEF_OR_DIRECTOR,
        }],
    },
    Permission {
        action: Action::RecordAcceptance,
        name: "recording acceptance (验收)",
        doc: "record acceptance (验收)",
        grants: &[StaticGrant {
            dept: DeptRule::Owner,
            roles: DIRECTOR,
        }],
    },
    Permission {
        action: Action::RecordEvaluation,
        name: "recording a post-evaluation (后评价)",
        doc: "record evaluation (后评价)",
        grants: &[
            StaticGrant {
                dept: FINANCE,
                roles: CHIEF_OR_DIRECTOR,
            },
            StaticGrant {
                dept: AUDIT,
                roles: INSPECTORS,
            },
            StaticGrant {
                dept: PLANNING,
                roles: CHIEF_OR_DIRECTOR,
            },
        ],
    },
    Permission {
        action: Action::CloseProject,
        name: "closing a project",
        doc: "close project",
        grants: &[StaticGrant {
            dept: DeptRule::Owner,
            roles: DIRECTOR,
        }],
    },
    Permission {
        action: Action::SuspendProject,
        name: "suspending a project",
        doc: "suspend project",
        grants: &[
            StaticGrant {
                dept: DeptRule::Owner,
                roles: DIRECTOR,
            },
            StaticGrant {
                dept: FINANCE,
                roles: DIRECTOR,
            },
            StaticGrant {
                dept: AUDIT,
                roles: DIRECTOR,
            },
        ],
    },
    Permission {
        action: Action::ResumeProject,
        name: "resuming a project",
        doc: "resume project",
        grants: &[StaticGrant {
            dept: DeptRule::Suspender,
            roles: DIRECTOR,
        }],
    },
    Permission {
        action: Action::CancelProject,
        name: "cancelling a project",
        doc: "cancel project",
        grants: &[
            StaticGrant {
                dept: DeptRule::Owner,
                roles: DIRECTOR,
            },
            StaticGrant {
                dept: PLANNING,
                roles: DIRECTOR,
            },
        ],
    },
    Permission {
        action: Action::RaiseRectification,
        name: "raising a rectification task (整改)",
        doc: "raise rectification",
        grants: &[StaticGrant {
            dept: AUDIT,
            roles: INSPECTORS,
        }],
    },
    Permission {
        action: Action::SubmitRectification,
        name: "submitting a rectification",
        doc: "submit rectification",
        grants: &[StaticGrant {
            dept: DeptRule::Responsible,
            roles: CHIEF_OR_DIRECTOR,
        }],
    },
    Permission {
        action: Action::VerifyRectification,
        name: "verifying a rectification",
        doc: "verify rectification",
        grants: &[StaticGrant {
            dept: DeptRule::Raiser,
            roles: INSPECTORS,
        }],
    },
    Permission {
        action: Action::RecordCreditCheck,
        name: "recording a credit check (信用核查)",
        doc: "record credit check (信用核查)",
        grants: &[StaticGrant {
            dept: DeptRule::Owner,
            roles: STAFF,
        }],
    },
];

/// The departments a rule binds the placeholders of its row to. A placeholder its row uses
/// must be bound: an unbound one is a bug in the rule, and admits nobody (the transaction is
/// rejected the same way on every node; execution never panics on it).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Bind<'a> {
    pub owner: Option<&'a str>,
    pub member: Option<&'a str>,
    pub suspender: Option<&'a str>,
    pub raiser: Option<&'a str>,
    pub responsible: Option<&'a str>,
}

impl Bind<'static> {
    /// Nothing bound: for rows without placeholders.
    pub(crate) const NONE: Bind<'static> = Bind {
        owner: None,
        member: None,
        suspender: None,
        raiser: None,
        responsible: None,
    };
}

impl<'a> Bind<'a> {
    /// The project's owner department.
    pub(crate) fn owner(id: &'a str) -> Bind<'a> {
        Bind {
            owner: Some(id),
            ..Bind::default()
        }
    }

    /// The department of the member concerned.
    pub(crate) fn member(id: &'a str) -> Bind<'a> {
        Bind {
            member: Some(id),
            ..Bind::default()
        }
    }

    /// The department that suspended the project.
    pub(crate) fn suspender(id: &'a str) -> Bind<'a> {
        Bind {
            suspender: Some(id),
            ..Bind::default()
        }
    }

    /// The department that raised the rectification task.
    pub(crate) fn raiser(id: &'a str) -> Bind<'a> {
        Bind {
            raiser: Some(id),
            ..Bind::default()
        }
    }

    /// The department responsible for the rectification task.
    pub(crate) fn responsible(id: &'a str) -> Bind<'a> {
        Bind {
            responsible: Some(id),
            ..Bind::default()
        }
    }
}

/// A department a grant admits, with its placeholder bound.
#[derive(Debug, Clone, Copy)]
enum Dept<'a> {
    /// Any department.
    Any,
    /// The department owning the project concerned.
    Owner(&'a str),
    /// Any department of this kind.
    Kind(DepartmentKind),
    /// This department.
    Id(&'a str),
    /// A placeholder the rule failed to bind (a bug): admits nobody.
    Unbound(&'static str),
}

/// A [`StaticGrant`] with its placeholder bound.
#[derive(Debug, Clone, Copy)]
struct Grant<'a> {
    dept: Dept<'a>,
    roles: &'static [Role],
}

impl DeptRule {
    fn bind<'a>(self, bind: &Bind<'a>) -> Dept<'a> {
        let id = |id: Option<&'a str>, placeholder| id.map_or(Dept::Unbound(placeholder), Dept::Id);
        match self {
            DeptRule::Any => Dept::Any,
            DeptRule::Kind(kind) => Dept::Kind(kind),
            DeptRule::Owner => bind.owner.map_or(Dept::Unbound("the owner"), Dept::Owner),
            DeptRule::Member => id(bind.member, "the member's department"),
            DeptRule::Suspender => id(bind.suspender, "the suspender"),
            DeptRule::Raiser => id(bind.raiser, "the raiser"),
            DeptRule::Responsible => id(bind.responsible, "the responsible department"),
        }
    }
}

/// The row of `action`: a missing row (a bug) admits nobody.
fn permission(action: Action) -> Permission {
    PERMISSIONS
        .iter()
        .find(|p| p.action == action)
        .copied()
        .unwrap_or(Permission {
            action,
            name: "an action without a permission row",
            doc: "",
            grants: &[],
        })
}

pub(crate) fn role_name(role: Role) -> &'static str {
    match role {
        Role::Director => "director",
        Role::SectionChief => "section chief",
        Role::Specialist => "specialist",
        Role::Auditor => "auditor",
    }
}

pub(crate) fn department_kind_name(kind: DepartmentKind) -> &'static str {
    match kind {
        DepartmentKind::Finance => "finance",
        DepartmentKind::Audit => "audit",
        DepartmentKind::Line => "line",
        DepartmentKind::Planning => "planning",
    }
}

fn roles_text(roles: &[Role]) -> String {
    let names: Vec<&str> = roles.iter().map(|r| role_name(*r)).collect();
    match names.len() {
        0 => "no role".into(),
        1 => format!("a {}", names[0]),
        _ => format!(
            "a {} or {}",
            names[..names.len() - 1].join(", "),
            names[names.len() - 1]
        ),
    }
}

fn dept_text(dept: &Dept<'_>) -> String {
    match dept {
        Dept::Any => "any department".into(),
        Dept::Owner(id) => format!("the project's owner department {id:?}"),
        Dept::Kind(kind) => format!("a {} department", department_kind_name(*kind)),
        Dept::Id(id) => format!("department {id:?}"),
        Dept::Unbound(placeholder) => format!("{placeholder} (unbound)"),
    }
}

/// The acting member's department record.
pub(crate) fn actor_department(
    st: &dyn State,
    cx: &Cx<'_>,
) -> Result<DepartmentRecord, StorageError> {
    let id = cx.actor().department();
    store::get(st, &keys::department(id))?.ok_or_else(|| StorageError::Corrupt {
        key: String::from_utf8_lossy(&keys::department(id)).into_owned(),
        reason: "a member's department is missing".into(),
    })
}

/// Admits the acting member if one grant of `action`'s row, with its placeholders bound by
/// `bind`, names their department and role.
pub(crate) fn authorize(st: &dyn State, cx: &Cx<'_>, action: Action, bind: &Bind<'_>) -> Rule<()> {
    let row = permission(action);
    let grants: Vec<Grant<'_>> = row
        .grants
        .iter()
        .map(|g| Grant {
            dept: g.dept.bind(bind),
            roles: g.roles,
        })
        .collect();
    let actor = cx.actor();
    // A row that admits any department checks the role only: it needs no department record.
    let department = if grants.iter().all(|g| matches!(g.dept, Dept::Any)) {
        None
    } else {
        Some(actor_department(st, cx)?)
    };
    let matches = |dept: &Dept<'_>| match (dept, &department) {
        (Dept::Any, _) => true,
        (Dept::Owner(id) | Dept::Id(id), Some(d)) => d.id() == *id,
        (Dept::Kind(kind), Some(d)) => d.kind() == *kind,
        (Dept::Owner(_) | Dept::Id(_) | Dept::Kind(_), None) | (Dept::Unbound(_), _) => false,
    };
    let mut wanted_roles: Vec<Role> = Vec::new();
    for g in &grants {
        if matches(&g.dept) {
            if g.roles.contains(&actor.role()) {
                return Ok(());
            }
            for r in g.roles {
                if !wanted_roles.contains(r) {
                    wanted_roles.push(*r);
                }
            }
        }
    }
    if wanted_roles.is_empty() {
        let needed: Vec<String> = grants
            .iter()
            .map(|g| format!("{} of {}", roles_text(g.roles), dept_text(&g.dept)))
            .collect();
        return Err(Rejection::WrongDepartment {
            action: row.name.to_owned(),
            needed: needed.join("; or "),
            actual: department
                .as_ref()
                .map_or(actor.department(), DepartmentRecord::id)
                .to_owned(),
        }
        .into());
    }
    Err(Rejection::WrongRole {
        action: row.name.to_owned(),
        needed: roles_text(&wanted_roles),
        actual: actor.role(),
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of the documentation's table that are not department × role grants.
    const NOT_GRANTS: &[&str] = &[
        "approve / refuse a request",
        "anchor access log",
        "acknowledge alert",
    ];

    fn role_letter(role: Role) -> &'static str {
        match role {
            Role::Director => "D",
            Role::SectionChief => "C",
            Role::Specialist => "S",
            Role::Auditor => "A",
        }
    }

    fn rule_text(rule: DeptRule) -> &'static str {
        match rule {
            DeptRule::Any => "any",
            DeptRule::Kind(kind) => department_kind_name(kind),
            DeptRule::Owner => "owner",
            DeptRule::Member => "the member's department",
            DeptRule::Suspender => "the suspending department",
            DeptRule::Raiser => "the raising department",
            DeptRule::Responsible => "the responsible department",
        }
    }

    /// A row's grants as the documentation writes them: `owner × D, C; finance × D, C`.
    fn render(grants: &[StaticGrant]) -> String {
        grants
            .iter()
            .map(|g| {
                let roles: Vec<&str> = g.roles.iter().map(|r| role_letter(*r)).collect();
                format!("{} × {}", rule_text(g.dept), roles.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The rows of the table under "# Who may submit what" in `mod.rs`, as trimmed cells.
    fn doc_rows() -> Vec<Vec<&'static str>> {
        let doc = include_str!("mod.rs");
        let mut rows = Vec::new();
        let mut in_section = false;
        for line in doc.lines() {
            let Some(text) = line.strip_prefix("//!") else {
                continue;
            };
            let text = text.trim();
            if let Some(heading) = text.strip_prefix("# ") {
                in_section = heading == "Who may submit what";
                continue;
            }
            if !in_section || !text.starts_with('|') || !text.ends_with('|') || text.len() < 2 {
                continue;
            }
            let cells: Vec<&str> = text[1..text.len() - 1].split('|').map(str::trim).collect();
            if cells[0] == "operation" || cells[0].starts_with("---") {
                continue;
            }
            rows.push(cells);
        }
        rows
    }

    #[test]
    fn every_action_has_exactly_one_row() {
        for (i, action) in Action::ALL.iter().enumerate() {
            assert_eq!(*action as usize, i, "Action::ALL is in declaration order");
            let rows = PERMISSIONS.iter().filter(|p| p.action == *action).count();
            assert_eq!(rows, 1, "{action:?} has {rows} rows in PERMISSIONS");
        }
        assert_eq!(PERMISSIONS.len(), Action::ALL.len());
        for (i, p) in PERMISSIONS.iter().enumerate() {
            assert!(!p.grants.is_empty(), "{:?} admits nobody", p.action);
            assert!(
                PERMISSIONS[..i].iter().all(|q| q.name != p.name),
                "two actions are called {:?}",
                p.name
            );
        }
    }

    #[test]
    fn permissions_match_the_documented_table() {
        let rows = doc_rows();
        assert!(rows.len() >= 20, "the table in mod.rs was not found");
        for row in &rows {
            assert_eq!(row.len(), 3, "malformed row {row:?}");
            assert!(
                NOT_GRANTS.contains(&row[0]) || PERMISSIONS.iter().any(|p| p.doc == row[0]),
                "the documented row {:?} has no action in PERMISSIONS",
                row[0]
            );
        }
        for p in PERMISSIONS {
            let found: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == p.doc).collect();
            assert_eq!(found.len(), 1, "{:?}: no single row {:?}", p.action, p.doc);
            assert_eq!(
                found[0][1],
                render(p.grants),
                "{:?}: the documented departments × roles differ from PERMISSIONS",
                p.action
            );
        }
    }

    #[test]
    fn rendering_matches_the_documentation_s_notation() {
        let row = permission(Action::RecordEvaluation);
        assert_eq!(
            render(row.grants),
            "finance × D, C; audit × D, C, A; planning × D, C"
        );
        assert_eq!(
            render(permission(Action::ResumeProject).grants),
            "the suspending department × D"
        );
    }

    #[test]
    fn binding_fills_the_placeholders() {
        let bind = Bind::owner("transport");
        assert!(matches!(
            DeptRule::Owner.bind(&bind),
            Dept::Owner("transport")
        ));
        assert!(matches!(
            DeptRule::Responsible.bind(&Bind::responsible("ecology")),
            Dept::Id("ecology")
        ));
        assert!(matches!(
            FINANCE.bind(&Bind::NONE),
            Dept::Kind(DepartmentKind::Finance)
        ));
    }

    #[test]
    fn an_unbound_placeholder_admits_nobody() {
        assert!(matches!(
            DeptRule::Owner.bind(&Bind::NONE),
            Dept::Unbound("the owner")
        ));
        assert!(matches!(
            DeptRule::Raiser.bind(&Bind::owner("transport")),
            Dept::Unbound("the raiser")
        ));
    }

    #[test]
    fn needed_texts_are_unchanged() {
        assert_eq!(roles_text(CHIEF_OR_DIRECTOR), "a director or section chief");
        assert_eq!(roles_text(STAFF), "a director, section chief or specialist");
        assert_eq!(
            dept_text(&Dept::Owner("transport")),
            "the project's owner department \"transport\""
        );
        assert_eq!(dept_text(&Dept::Id("audit")), "department \"audit\"");
        assert_eq!(
            dept_text(&Dept::Kind(DepartmentKind::Finance)),
            "a finance department"
        );
    }
}
