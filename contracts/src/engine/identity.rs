//! Members: a department's director adds, removes and re-keys the department's members.
//!
//! A member's *person* is their first key and survives rotations (`person/<first key>` points at
//! the current key), so approval rules can tell people apart even when keys change. A department
//! always keeps at least one director: without one nobody could manage its members again.

use gongxin_core::crypto::PublicKey;
use gongxin_core::model::{Member, Role};

use super::Cx;
use super::perm::{self, Action, Bind};
use crate::events::Event;
use crate::keys;
use crate::limits::{DIRECTORS_PER_DEPARTMENT_MAX, MEMBERS_PER_DEPARTMENT_MAX};
use crate::records::{DepartmentRecord, MemberRecord};
use crate::rejection::Rejection;
use crate::state::{State, StorageError};
use crate::store::{self, Rule};
use crate::validate;

/// The member holding `key`, if any.
pub(crate) fn member(
    st: &dyn State,
    key: &PublicKey,
) -> Result<Option<MemberRecord>, StorageError> {
    store::get(st, &keys::member(key))
}

/// The current key of the person whose first key is `person`, if they are still a member.
pub(crate) fn current_key(
    st: &dyn State,
    person: &PublicKey,
) -> Result<Option<PublicKey>, StorageError> {
    store::get(st, &keys::person(person))
}

pub(crate) fn department(
    st: &dyn State,
    id: &str,
) -> Result<Option<DepartmentRecord>, StorageError> {
    store::get(st, &keys::department(id))
}

fn load_department(st: &dyn State, id: &str) -> Rule<DepartmentRecord> {
    store::load(st, &keys::department(id), "department", id)
}

fn check_new_key(st: &dyn State, key: &PublicKey, field: &str) -> Rule<()> {
    key.check()
        .map_err(|e| Rejection::invalid(field, format!("{key} is not a usable key: {e}")))?;
    if store::exists(st, &keys::member(key))? {
        return Err(Rejection::exists("member", key.to_string()).into());
    }
    // A key that was once another person's first key stays theirs, so a person's identity is
    // never taken over by someone else's new key.
    if store::exists(st, &keys::person(key))? {
        return Err(Rejection::exists("person", key.to_string()).into());
    }
    Ok(())
}

/// Writes a new member with all its indexes (shared with genesis).
pub(crate) fn insert_member(
    st: &mut dyn State,
    dept: &mut DepartmentRecord,
    member: &Member,
    height: u64,
) -> Rule<()> {
    if dept.members as usize >= MEMBERS_PER_DEPARTMENT_MAX {
        return Err(Rejection::limit("members of a department", MEMBERS_PER_DEPARTMENT_MAX).into());
    }
    if member.role == Role::Director {
        if dept.directors.len() >= DIRECTORS_PER_DEPARTMENT_MAX {
            return Err(Rejection::limit(
                "directors of a department",
                DIRECTORS_PER_DEPARTMENT_MAX,
            )
            .into());
        }
        dept.directors.push(member.public_key);
        dept.directors.sort();
    }
    dept.members += 1;
    let record = MemberRecord {
        member: member.clone(),
        person: member.public_key,
        added_height: height,
    };
    store::put(st, &keys::member(&member.public_key), &record)?;
    store::put(st, &keys::person(&member.public_key), &member.public_key)?;
    store::mark(
        st,
        &keys::dept_member(&member.department, &member.public_key),
    )?;
    store::put(st, &keys::department(dept.id()), &*dept)?;
    Ok(())
}

pub(super) fn add_member(st: &mut dyn State, cx: &mut Cx<'_>, member: &Member) -> Rule<()> {
    perm::authorize(st, cx, Action::AddMember, &Bind::member(&member.department))?;
    validate::name("member.name", &member.name)?;
    check_new_key(st, &member.public_key, "member.public_key")?;
    let mut dept = load_department(st, &member.department)?;
    insert_member(st, &mut dept, member, cx.block.height)?;
    cx.history(
        st,
        &keys::member(&member.public_key),
        "add_member",
        format!("added as {}", perm::role_name(member.role)),
    )?;
    cx.emit(Event::MemberAdded {
        department: member.department.clone(),
        key: member.public_key,
    });
    Ok(())
}

fn load_member(st: &dyn State, key: &PublicKey) -> Rule<MemberRecord> {
    store::load(st, &keys::member(key), "member", &key.to_string())
}

pub(super) fn remove_member(st: &mut dyn State, cx: &mut Cx<'_>, key: &PublicKey) -> Rule<()> {
    let record = load_member(st, key)?;
    perm::authorize(
        st,
        cx,
        Action::RemoveMember,
        &Bind::member(record.department()),
    )?;
    let mut dept = load_department(st, record.department())?;
    if record.role() == Role::Director {
        if dept.directors.len() <= 1 {
            return Err(Rejection::NotPermitted {
                reason: format!(
                    "{key} is the last director of department {:?}; a department must keep one",
                    dept.id()
                ),
            }
            .into());
        }
        dept.directors.retain(|d| d != key);
    }
    dept.members = dept.members.saturating_sub(1);
    store::put(st, &keys::department(dept.id()), &dept)?;
    st.delete(&keys::member(key))?;
    st.delete(&keys::person(&record.person))?;
    st.delete(&keys::dept_member(record.department(), key))?;
    cx.history(st, &keys::member(key), "remove_member", "removed")?;
    cx.emit(Event::MemberRemoved {
        department: record.member.department.clone(),
        key: *key,
    });
    Ok(())
}

pub(super) fn rotate_key(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    old_key: &PublicKey,
    new_key: &PublicKey,
) -> Rule<()> {
    let mut record = load_member(st, old_key)?;
    perm::authorize(
        st,
        cx,
        Action::RotateMemberKey,
        &Bind::member(record.department()),
    )?;
    check_new_key(st, new_key, "new_key")?;
    let mut dept = load_department(st, record.department())?;
    if record.role() == Role::Director {
        for d in dept.directors.iter_mut() {
            if d == old_key {
                *d = *new_key;
            }
        }
        dept.directors.sort();
        store::put(st, &keys::department(dept.id()), &dept)?;
    }
    record.member.public_key = *new_key;
    st.delete(&keys::member(old_key))?;
    st.delete(&keys::dept_member(record.department(), old_key))?;
    store::put(st, &keys::member(new_key), &record)?;
    store::mark(st, &keys::dept_member(record.department(), new_key))?;
    store::put(st, &keys::person(&record.person), new_key)?;
    cx.history(
        st,
        &keys::member(new_key),
        "rotate_member_key",
        format!("key rotated from {old_key}"),
    )?;
    cx.emit(Event::MemberKeyRotated {
        department: record.member.department.clone(),
        old_key: *old_key,
        new_key: *new_key,
    });
    Ok(())
}
