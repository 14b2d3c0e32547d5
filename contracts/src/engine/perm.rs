//! Who may do what: each rule lists the department × role pairs it admits, and [`authorize`]
//! turns a mismatch into `wrong_department` (no listed department is the signer's) or
//! `wrong_role` (the department is right, the role is not).

use gongxin_core::model::{DepartmentKind, Role};

use super::Cx;
use crate::keys;
use crate::records::DepartmentRecord;
use crate::rejection::Rejection;
use crate::state::{State, StorageError};
use crate::store::{self, Rule};

/// A department a grant admits.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dept<'a> {
    /// The department owning the project concerned.
    Owner(&'a str),
    /// Any department of this kind.
    Kind(DepartmentKind),
    /// This department.
    Id(&'a str),
}

/// "Members of `dept` with one of `roles` may do it."
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grant<'a> {
    pub dept: Dept<'a>,
    pub roles: &'static [Role],
}

pub(crate) const DIRECTOR: &[Role] = &[Role::Director];
pub(crate) const CHIEF_OR_DIRECTOR: &[Role] = &[Role::Director, Role::SectionChief];
pub(crate) const STAFF: &[Role] = &[Role::Director, Role::SectionChief, Role::Specialist];
pub(crate) const SPECIALIST_OR_CHIEF: &[Role] = &[Role::SectionChief, Role::Specialist];
pub(crate) const INSPECTORS: &[Role] = &[Role::Director, Role::SectionChief, Role::Auditor];

pub(crate) fn grant<'a>(dept: Dept<'a>, roles: &'static [Role]) -> Grant<'a> {
    Grant { dept, roles }
}

pub(crate) fn role_name(role: Role) -> &'static str {
    match role {
        Role::Director => "director",
        Role::SectionChief => "section chief",
        Role::Specialist => "specialist",
        Role::Auditor => "auditor",
    }
}

pub(crate) fn kind_name(kind: DepartmentKind) -> &'static str {
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
        Dept::Owner(id) => format!("the project's owner department {id:?}"),
        Dept::Kind(kind) => format!("a {} department", kind_name(*kind)),
        Dept::Id(id) => format!("department {id:?}"),
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

/// Admits the acting member if one grant names their department and role.
pub(crate) fn authorize(
    st: &dyn State,
    cx: &Cx<'_>,
    action: &str,
    grants: &[Grant<'_>],
) -> Rule<()> {
    let actor = cx.actor();
    let department = actor_department(st, cx)?;
    let matches = |dept: &Dept<'_>| match dept {
        Dept::Owner(id) | Dept::Id(id) => department.id() == *id,
        Dept::Kind(kind) => department.kind() == *kind,
    };
    let mut wanted_roles: Vec<Role> = Vec::new();
    for g in grants {
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
            action: action.to_owned(),
            needed: needed.join("; or "),
            actual: department.id().to_owned(),
        }
        .into());
    }
    Err(Rejection::WrongRole {
        action: action.to_owned(),
        needed: roles_text(&wanted_roles),
        actual: actor.role(),
    }
    .into())
}
