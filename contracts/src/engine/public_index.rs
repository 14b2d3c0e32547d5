//! The public project index: every public project under each combination of the filters the
//! public API offers (owner department, programme, stage; each given or any), with a counter
//! per combination. A public listing with any filters is then one prefix scan for its page and
//! one read for its total, however many projects the ledger holds.
//!
//! Disclosure is fixed when a project is proposed and owner and programme never change, so the
//! index changes at proposal (8 entries, 8 counters) and at each stage change (the 4
//! combinations that name the stage move).

use gongxin_core::model::{Disclosure, ProjectStage};

use crate::keys::{self, ANY, PublicFilterKey};
use crate::records::ProjectRecord;
use crate::state::{State, StorageError};
use crate::store;

/// The 8 filter combinations a project is listed under, with its stage as given.
fn combinations<'a>(project: &'a ProjectRecord, stage: &'a str) -> [PublicFilterKey<'a>; 8] {
    let dept = project.owner_department.as_str();
    let programme = project.programme.as_deref().unwrap_or("");
    let mut out = [[ANY; 3]; 8];
    for (bits, slot) in out.iter_mut().enumerate() {
        *slot = [
            if bits & 1 != 0 { dept } else { ANY },
            if bits & 2 != 0 { programme } else { ANY },
            if bits & 4 != 0 { stage } else { ANY },
        ];
    }
    out
}

/// Lists (`listed`) or unlists project `id` under `filter`, keeping the filter's counter.
fn set_listed(
    st: &mut dyn State,
    filter: PublicFilterKey<'_>,
    id: &str,
    listed: bool,
) -> Result<(), StorageError> {
    let entry = keys::public_project_in(filter, id);
    let counter = keys::public_count(filter);
    let count = store::get::<u64>(st, &counter)?.unwrap_or(0);
    let count = if listed {
        store::mark(st, &entry)?;
        count.saturating_add(1)
    } else {
        st.delete(&entry)?;
        count.saturating_sub(1)
    };
    if count == 0 {
        st.delete(&counter)
    } else {
        store::put(st, &counter, &count)
    }
}

/// Lists a newly proposed project, if it is public.
pub(crate) fn on_propose(st: &mut dyn State, project: &ProjectRecord) -> Result<(), StorageError> {
    if project.disclosure != Disclosure::Public {
        return Ok(());
    }
    let stage = keys::stage_name(project.stage);
    for filter in combinations(project, stage) {
        set_listed(st, filter, &project.id, true)?;
    }
    Ok(())
}

/// Moves a public project from stage `from` to its current stage in the index.
pub(crate) fn on_stage_change(
    st: &mut dyn State,
    project: &ProjectRecord,
    from: ProjectStage,
) -> Result<(), StorageError> {
    if project.disclosure != Disclosure::Public || from == project.stage {
        return Ok(());
    }
    let old = keys::stage_name(from);
    let new = keys::stage_name(project.stage);
    // Only the combinations that name the stage (the upper four) move.
    for filter in &combinations(project, old)[4..] {
        set_listed(st, *filter, &project.id, false)?;
    }
    for filter in &combinations(project, new)[4..] {
        set_listed(st, *filter, &project.id, true)?;
    }
    Ok(())
}
