//! Block 0: the genesis document's departments, members, validators and policies, written into
//! an empty state.

use gongxin_core::genesis::Genesis;

use crate::engine::{check_policy, insert_member, set_reminder_policy, store_policy};
use crate::keys;
use crate::limits::{DEPARTMENTS_MAX, VALIDATORS_MAX};
use crate::records::{DepartmentRecord, Params};
use crate::rejection::Rejection;
use crate::state::{State, StorageError};
use crate::store::{self, Fail};

/// Why a genesis could not be written.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("the state is already initialised for chain {0:?}")]
    AlreadyInitialised(String),
    /// The genesis passed the core's checks but breaks a rule of this engine (a limit, or a
    /// policy on an operation kind that cannot have one).
    #[error("genesis is not acceptable: {0}")]
    Invalid(Rejection),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<Fail> for InitError {
    fn from(f: Fail) -> InitError {
        match f {
            Fail::Reject(r) => InitError::Invalid(*r),
            Fail::Storage(e) => InitError::Storage(e),
        }
    }
}

/// Writes `genesis` into an empty state: chain parameters, departments, members (each with
/// their person index), validators and approval policies. Policies are checked exactly as a
/// governance change would check them.
pub fn init_genesis<S: State>(state: &mut S, genesis: &Genesis) -> Result<(), InitError> {
    let st: &mut dyn State = state;
    if let Some(params) = store::get::<Params>(st, keys::PARAMS)? {
        return Err(InitError::AlreadyInitialised(params.chain_id));
    }
    if genesis.departments.len() > DEPARTMENTS_MAX {
        return Err(InitError::Invalid(Rejection::limit(
            "departments",
            DEPARTMENTS_MAX,
        )));
    }
    if genesis.validators.validators().len() > VALIDATORS_MAX {
        return Err(InitError::Invalid(Rejection::limit(
            "validators",
            VALIDATORS_MAX,
        )));
    }
    store::put(
        st,
        keys::PARAMS,
        &Params {
            chain_id: genesis.chain_id.clone(),
            genesis_time_ms: genesis.genesis_time_ms,
            genesis_hash: genesis.hash(),
        },
    )?;
    for d in &genesis.departments {
        store::put(
            st,
            &keys::department(&d.id),
            &DepartmentRecord {
                department: d.clone(),
                directors: Vec::new(),
                members: 0,
            },
        )?;
    }
    for m in &genesis.members {
        let mut dept: DepartmentRecord = store::get(st, &keys::department(&m.department))?
            .ok_or_else(|| {
                InitError::Invalid(Rejection::not_found("department", m.department.clone()))
            })?;
        insert_member(st, &mut dept, m, 0)?;
    }
    for v in genesis.validators.validators() {
        store::put(st, &keys::validator(&v.name), v)?;
    }
    for p in &genesis.policies {
        check_policy(st, p)?;
        store_policy(st, p)?;
    }
    set_reminder_policy(st, &genesis.reminders)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use gongxin_core::model::{ApprovalPolicy, OperationKind};

    use super::*;
    use crate::queries;
    use crate::state::MemoryState;
    use crate::testkit::{City, FINANCE, city_policies};

    #[test]
    fn genesis_writes_departments_members_validators_and_policies_once() {
        let city = City::new();
        let mut state = MemoryState::new();
        init_genesis(&mut state, &city.genesis).unwrap();
        assert_eq!(queries::departments(&state).unwrap().len(), 4);
        assert_eq!(queries::validators(&state).unwrap().len(), 4);
        assert_eq!(
            queries::policies(&state).unwrap().len(),
            city_policies().len()
        );
        let finance = queries::department(&state, FINANCE).unwrap().unwrap();
        assert_eq!(finance.members, 4);
        assert_eq!(finance.directors.len(), 1);
        let members = queries::members_of(&state, FINANCE, None, 10).unwrap();
        assert_eq!(members.items.len(), 4);
        let params = queries::params(&state).unwrap().unwrap();
        assert_eq!(params.genesis_hash, city.genesis.hash());
        assert!(matches!(
            init_genesis(&mut state, &city.genesis),
            Err(InitError::AlreadyInitialised(_))
        ));
    }

    #[test]
    fn genesis_policies_on_approvals_themselves_are_refused() {
        let mut policies = city_policies();
        policies.push(ApprovalPolicy {
            kind: OperationKind::Approve,
            ..policies[0].clone()
        });
        let city = City::with_policies(policies);
        let mut state = MemoryState::new();
        match init_genesis(&mut state, &city.genesis) {
            Err(InitError::Invalid(r)) => assert_eq!(r.code(), "invalid_field"),
            other => panic!("{other:?}"),
        }
    }
}
