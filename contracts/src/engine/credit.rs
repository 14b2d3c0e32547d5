//! 信用核查: contractors checked against a credit registry (信用中国 and the like) before the
//! contract is signed. The registry's answer stays with the department; its SM3 hash is the
//! evidence on the ledger. A contract cannot be signed with a contractor whose latest check for
//! the project found it listed.

use gongxin_core::model::{CreditCheck, CreditVerdict, Party};

use super::Cx;
use super::perm::{self, Action, Bind};
use super::projects::load_live_project;
use crate::events::{Event, RecordKind};
use crate::keys;
use crate::records::CreditCheckRecord;
use crate::rejection::Rejection;
use crate::state::State;
use crate::store::{self, Rule};
use crate::validate;

/// How far ahead of the block a registry's answer may be dated (clocks differ a little).
const CHECKED_AHEAD_MS_MAX: u64 = 10 * 60 * 1000;

fn verdict_text(verdict: CreditVerdict) -> &'static str {
    match verdict {
        CreditVerdict::Clear => "clear",
        CreditVerdict::Listed => "listed",
    }
}

pub(super) fn record(st: &mut dyn State, cx: &mut Cx<'_>, c: &CreditCheck) -> Rule<()> {
    let project = load_live_project(st, &c.project)?;
    perm::authorize(
        st,
        cx,
        Action::RecordCreditCheck,
        &Bind::owner(&project.owner_department),
    )?;
    validate::name("party.name", &c.party.name)?;
    validate::credit_code("party.credit_code", &c.party.credit_code)?;
    validate::id("registry", &c.registry)?;
    validate::note("summary", &c.summary)?;
    if c.checked_ms > cx.now().saturating_add(CHECKED_AHEAD_MS_MAX) {
        return Err(Rejection::InvalidField {
            field: "checked_ms".into(),
            reason: "the registry's answer is dated after this block".into(),
        }
        .into());
    }
    let record = CreditCheckRecord {
        check: c.clone(),
        recorded_by: cx.actor().key(),
        height: cx.block.height,
        recorded_ms: cx.now(),
        tx: cx
            .tx
            .expect("record_credit_check runs inside a transaction"),
    };
    store::put(
        st,
        &keys::credit_check(&project.id, &c.party.credit_code),
        &record,
    )?;
    cx.history(
        st,
        &keys::project(&project.id),
        "record_credit_check",
        format!(
            "credit check of {} ({}) at {}: {} (answer SM3 {})",
            c.party.name,
            c.party.credit_code,
            c.registry,
            verdict_text(c.verdict),
            c.result_hash.to_hex()
        ),
    )?;
    cx.emit(Event::RecordUpdated {
        kind: RecordKind::Project,
        id: project.id.clone(),
        project: Some(project.id),
        what: "credit_check".into(),
    });
    Ok(())
}

/// The latest check of `party` for `project`; refused when it found the party listed.
pub(super) fn require_not_listed(
    st: &dyn State,
    project: &str,
    party: &Party,
) -> Rule<Option<CreditCheckRecord>> {
    let record: Option<CreditCheckRecord> =
        store::get(st, &keys::credit_check(project, &party.credit_code))?;
    if let Some(r) = &record
        && r.check.verdict == CreditVerdict::Listed
    {
        return Err(Rejection::WrongState {
            what: format!("contractor {} ({})", party.name, party.credit_code),
            state: format!(
                "listed by {} (credit check at height {}: {})",
                r.check.registry, r.height, r.check.summary
            ),
            action: "signing a contract".into(),
            needed: "a contractor whose latest credit check is clear".into(),
        }
        .into());
    }
    Ok(record)
}
