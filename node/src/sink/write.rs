//! Writing a [`Batch`] into PostgreSQL, inside the caller's transaction: event rows inserted
//! once (`ON CONFLICT DO NOTHING` on their chain position), records upserted with their latest
//! state from the committed ledger, each only when the sink's department may read it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gongxin_contracts::access::{self, ReaderRole, Subject};
use gongxin_contracts::records::{
    ChangeRecord, DisbursementRecord, DisbursementStatus, ProgressRecord, ProjectRecord,
    RectificationRecord, ReviewStatus,
};
use gongxin_contracts::{State, keys, queries, store};
use gongxin_core::model::Disclosure;
use postgres::Transaction;

use super::SinkError;
use super::collect::{Batch, Dirty};

fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn big<T: TryInto<i64>>(v: T) -> i64 {
    v.try_into().unwrap_or(i64::MAX)
}

fn int<T: TryInto<i32>>(v: T) -> i32 {
    v.try_into().unwrap_or(i32::MAX)
}

/// `INSERT INTO schema.table (cols) VALUES ($1…) ON CONFLICT (key) DO UPDATE SET` every other
/// column, so a record's row is its latest state however often it is written.
fn upsert_sql(schema: &str, table: &str, key: &[&str], cols: &[&str]) -> String {
    let values: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    let set: Vec<String> = cols
        .iter()
        .filter(|c| !key.contains(c))
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect();
    format!(
        "INSERT INTO {schema}.{table} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
        cols.join(", "),
        values.join(", "),
        key.join(", "),
        set.join(", ")
    )
}

/// `INSERT … ON CONFLICT DO NOTHING`: rows keyed by their place in the chain.
fn insert_once_sql(schema: &str, table: &str, cols: &[&str]) -> String {
    let values: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {schema}.{table} ({}) VALUES ({}) ON CONFLICT DO NOTHING",
        cols.join(", "),
        values.join(", ")
    )
}

/// Counts of what a batch wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub records: usize,
}

/// Writes a batch as `reader` may read it, with records from `state`.
pub struct Writer<'a, S: State> {
    pub schema: &'a str,
    pub state: &'a S,
    pub reader: &'a ReaderRole,
    pub synced_height: u64,
}

impl<S: State> std::fmt::Debug for Writer<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("schema", &self.schema)
            .field("reader", &self.reader)
            .field("synced_height", &self.synced_height)
            .finish_non_exhaustive()
    }
}

impl<S: State> Writer<'_, S> {
    pub fn write(&self, tx: &mut Transaction<'_>, batch: &Batch) -> Result<Written, SinkError> {
        self.events(tx, batch)?;
        let mut written = Written::default();
        for dirty in &batch.dirty {
            let wrote = match dirty {
                Dirty::Project(id) => self.project(tx, id)?,
                Dirty::ChangeOrder(id) => self.change_order(tx, id)?,
                Dirty::ProgressReport(id) => self.progress_report(tx, id)?,
                Dirty::Disbursement(id) => self.disbursement(tx, id)?,
                Dirty::Rectification(id) => self.rectification(tx, id)?,
            };
            written.records += usize::from(wrote);
        }
        Ok(written)
    }

    fn events(&self, tx: &mut Transaction<'_>, batch: &Batch) -> Result<(), SinkError> {
        let s = self.schema;
        let blocks = tx.prepare(&insert_once_sql(
            s,
            "blocks",
            &["height", "hash", "time", "tx_count", "log_size"],
        ))?;
        for b in &batch.blocks {
            tx.execute(
                &blocks,
                &[
                    &big(b.height),
                    &b.hash.to_hex(),
                    &at(b.time_ms),
                    &int(b.tx_count),
                    &big(b.log_size),
                ],
            )?;
        }
        let txs = tx.prepare(&insert_once_sql(
            s,
            "transactions",
            &[
                "height",
                "position",
                "log_index",
                "tx_hash",
                "kind",
                "signer",
                "signer_department",
                "project",
                "outcome",
                "reason_code",
                "reason",
                "time",
            ],
        ))?;
        for t in &batch.txs {
            tx.execute(
                &txs,
                &[
                    &big(t.height),
                    &int(t.position),
                    &big(t.log_index),
                    &t.tx_hash.to_hex(),
                    &t.kind,
                    &t.signer,
                    &t.signer_department,
                    &t.project,
                    &t.outcome,
                    &t.reason_code,
                    &t.reason,
                    &at(t.time_ms),
                ],
            )?;
        }
        let alerts = tx.prepare(&insert_once_sql(
            s,
            "alerts",
            &[
                "height",
                "position",
                "digest",
                "kind",
                "project",
                "record",
                "responsible_department",
                "escalated_to",
                "time",
                "message",
                "details",
            ],
        ))?;
        for a in &batch.alerts {
            tx.execute(
                &alerts,
                &[
                    &big(a.event.height),
                    &int(a.event.index),
                    &a.digest.to_hex(),
                    &a.kind,
                    &a.project,
                    &a.record,
                    &a.responsible_department,
                    &a.escalated_to,
                    &at(a.time_ms),
                    &a.message,
                    &a.details,
                ],
            )?;
        }
        let acks = tx.prepare(&insert_once_sql(
            s,
            "alert_acknowledgements",
            &["height", "position", "alert", "person", "department"],
        ))?;
        for a in &batch.acks {
            tx.execute(
                &acks,
                &[
                    &big(a.event.height),
                    &int(a.event.index),
                    &a.alert.to_hex(),
                    &a.person,
                    &a.department,
                ],
            )?;
        }
        Ok(())
    }

    fn may_read_project(&self, id: &str) -> Result<bool, SinkError> {
        let subject = access::project_subject(self.state, id)?;
        Ok(self.reader.may_read(&subject))
    }

    /// A project with its budget lines, contracts and their milestones.
    fn project(&self, tx: &mut Transaction<'_>, id: &str) -> Result<bool, SinkError> {
        let Some(p) = store::get::<ProjectRecord>(self.state, &keys::project(id))? else {
            return Ok(false);
        };
        let subject = Subject::Project {
            id: p.id.clone(),
            owner: Some(p.owner_department.clone()),
        };
        if !self.reader.may_read(&subject) {
            return Ok(false);
        }
        let s = self.schema;
        let sql = upsert_sql(
            s,
            "projects",
            &["id"],
            &[
                "id",
                "name",
                "category",
                "location",
                "programme",
                "owner_department",
                "stage",
                "disclosure",
                "planned_start",
                "planned_end",
                "original_planned_end",
                "requested_budget_fen",
                "fiscal_year",
                "budget_fen",
                "original_budget_fen",
                "committed_fen",
                "approved_unpaid_fen",
                "disbursed_fen",
                "accepted_progress_bp",
                "reported_progress_bp",
                "progress_reports",
                "rectifications",
                "contract",
                "created_height",
                "created_at",
                "updated_at",
                "closed_at",
                "synced_height",
            ],
        );
        let budget = p.budget.as_ref();
        tx.execute(
            &sql,
            &[
                &p.id,
                &p.name,
                &p.category,
                &p.location,
                &p.programme,
                &p.owner_department,
                &keys::stage_name(p.stage),
                &disclosure_name(p.disclosure),
                &at(p.planned_start_ms),
                &at(p.planned_end_ms),
                &at(p.original_planned_end_ms),
                &big(p.requested_budget_fen),
                &budget.map(|b| i32::from(b.fiscal_year)),
                &big(p.budget_fen()),
                &big(budget.map_or(0, |b| b.original_total_fen)),
                &big(p.committed_fen),
                &big(p.approved_unpaid_fen),
                &big(p.disbursed_fen),
                &int(p.accepted_progress_bp),
                &int(p.reported_progress_bp),
                &int(p.progress_reports),
                &int(p.rectifications),
                &p.contract,
                &big(p.created_height),
                &at(p.created_ms),
                &at(p.updated_ms),
                &p.closed_ms.map(at),
                &big(self.synced_height),
            ],
        )?;
        tx.execute(
            &format!("DELETE FROM {s}.budget_lines WHERE project = $1"),
            &[&p.id],
        )?;
        let insert_line = tx.prepare(&format!(
            "INSERT INTO {s}.budget_lines (project, line, code, name, amount_fen) VALUES ($1, $2, $3, $4, $5)"
        ))?;
        for (line, b) in budget.map_or(&[][..], |b| &b.lines[..]).iter().enumerate() {
            tx.execute(
                &insert_line,
                &[&p.id, &int(line), &b.code, &b.name, &big(b.amount_fen)],
            )?;
        }
        for contract in queries::contracts_of_project(self.state, id)? {
            self.contract(tx, &contract)?;
        }
        Ok(true)
    }

    fn contract(
        &self,
        tx: &mut Transaction<'_>,
        c: &gongxin_contracts::records::ContractState,
    ) -> Result<(), SinkError> {
        let s = self.schema;
        let sql = upsert_sql(
            s,
            "contracts",
            &["id"],
            &[
                "id",
                "project",
                "contractor_name",
                "contractor_credit_code",
                "original_amount_fen",
                "amount_fen",
                "advance_share_bp",
                "approved_unpaid_fen",
                "paid_fen",
                "disbursements",
                "change_orders",
                "schedule_delta_days",
                "document_hash",
                "signed_at",
                "synced_height",
            ],
        );
        tx.execute(
            &sql,
            &[
                &c.id,
                &c.project,
                &c.contractor.name,
                &c.contractor.credit_code,
                &big(c.original_amount_fen),
                &big(c.amount_fen),
                &int(c.advance_share_bp),
                &big(c.approved_unpaid_fen),
                &big(c.paid_fen),
                &int(c.disbursements),
                &int(c.change_orders),
                &c.schedule_delta_days,
                &c.document_hash.to_hex(),
                &at(c.signed_ms),
                &big(self.synced_height),
            ],
        )?;
        tx.execute(
            &format!("DELETE FROM {s}.milestones WHERE contract = $1"),
            &[&c.id],
        )?;
        let insert_milestone = tx.prepare(&format!(
            "INSERT INTO {s}.milestones (contract, position, name, progress_bp, share_bp, due_at, original_due_at, reached_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))?;
        for (position, m) in c.milestones.iter().enumerate() {
            tx.execute(
                &insert_milestone,
                &[
                    &c.id,
                    &int(position),
                    &m.milestone.name,
                    &int(m.milestone.progress_bp),
                    &int(m.milestone.share_bp),
                    &at(m.milestone.due_ms),
                    &at(m.original_due_ms),
                    &m.reached_ms.map(at),
                ],
            )?;
        }
        Ok(())
    }

    fn change_order(&self, tx: &mut Transaction<'_>, id: &str) -> Result<bool, SinkError> {
        let Some(c) = store::get::<ChangeRecord>(self.state, &keys::change(id))? else {
            return Ok(false);
        };
        if !self.may_read_project(&c.project)? {
            return Ok(false);
        }
        let sql = upsert_sql(
            self.schema,
            "change_orders",
            &["id"],
            &[
                "id",
                "contract",
                "project",
                "amount_delta_fen",
                "amount_before_fen",
                "amount_after_fen",
                "schedule_delta_days",
                "reason",
                "executed_at",
                "synced_height",
            ],
        );
        tx.execute(
            &sql,
            &[
                &c.order.id,
                &c.order.contract,
                &c.project,
                &c.order.amount_delta_fen,
                &big(c.amount_before_fen),
                &big(c.amount_after_fen),
                &c.order.schedule_delta_days,
                &c.order.reason,
                &at(c.executed_ms),
                &big(self.synced_height),
            ],
        )?;
        Ok(true)
    }

    fn progress_report(&self, tx: &mut Transaction<'_>, id: &str) -> Result<bool, SinkError> {
        let Some(r) = store::get::<ProgressRecord>(self.state, &keys::progress(id))? else {
            return Ok(false);
        };
        if !self.may_read_project(&r.report.project)? {
            return Ok(false);
        }
        let status = match r.status {
            ReviewStatus::Submitted => "submitted",
            ReviewStatus::Accepted => "accepted",
            ReviewStatus::Rejected => "rejected",
        };
        let sql = upsert_sql(
            self.schema,
            "progress_reports",
            &["id"],
            &[
                "id",
                "project",
                "percent_bp",
                "milestone",
                "status",
                "note",
                "evidence_hash",
                "submitted_at",
                "reviewed_at",
                "review_note",
                "synced_height",
            ],
        );
        tx.execute(
            &sql,
            &[
                &r.report.id,
                &r.report.project,
                &int(r.report.percent_bp),
                &r.report.milestone.map(i32::from),
                &status,
                &r.report.note,
                &r.report.evidence_hash.to_hex(),
                &at(r.submitted_ms),
                &r.reviewed_ms.map(at),
                &r.review_note,
                &big(self.synced_height),
            ],
        )?;
        Ok(true)
    }

    fn disbursement(&self, tx: &mut Transaction<'_>, id: &str) -> Result<bool, SinkError> {
        let Some(d) = store::get::<DisbursementRecord>(self.state, &keys::disbursement(id))? else {
            return Ok(false);
        };
        if !self.may_read_project(&d.project)? {
            return Ok(false);
        }
        let status = match d.status {
            DisbursementStatus::Approved => "approved",
            DisbursementStatus::Paid => "paid",
        };
        let sql = upsert_sql(
            self.schema,
            "disbursements",
            &["id"],
            &[
                "id",
                "contract",
                "project",
                "amount_fen",
                "milestone",
                "status",
                "note",
                "approved_at",
                "paid_at",
                "voucher_ref",
                "synced_height",
            ],
        );
        tx.execute(
            &sql,
            &[
                &d.request.id,
                &d.request.contract,
                &d.project,
                &big(d.request.amount_fen),
                &d.request.milestone.map(i32::from),
                &status,
                &d.request.note,
                &at(d.approved_ms),
                &d.paid_ms.map(at),
                &d.voucher_ref,
                &big(self.synced_height),
            ],
        )?;
        Ok(true)
    }

    fn rectification(&self, tx: &mut Transaction<'_>, id: &str) -> Result<bool, SinkError> {
        let Some(r) = store::get::<RectificationRecord>(self.state, &keys::rectification(id))?
        else {
            return Ok(false);
        };
        match access::rectification_subject(self.state, id)? {
            Some(subject) if self.reader.may_read(&subject) => {}
            _ => return Ok(false),
        }
        let sql = upsert_sql(
            self.schema,
            "rectifications",
            &["id"],
            &[
                "id",
                "project",
                "title",
                "responsible_department",
                "raising_department",
                "status",
                "deadline",
                "raised_at",
                "overdue",
                "reminders",
                "submissions",
                "last_submitted_at",
                "verified_at",
                "escalated_at",
                "on_time",
                "synced_height",
            ],
        );
        tx.execute(
            &sql,
            &[
                &r.task.id,
                &r.task.project,
                &r.task.title,
                &r.task.responsible_department,
                &r.raising_department,
                &r.status.name(),
                &at(r.task.deadline_ms),
                &at(r.raised_ms),
                &r.overdue,
                &int(r.reminders),
                &int(r.submissions),
                &r.last_submitted_ms.map(at),
                &r.verified_ms.map(at),
                &r.escalated_ms.map(at),
                &r.on_time(),
                &big(self.synced_height),
            ],
        )?;
        Ok(true)
    }
}

fn disclosure_name(d: Disclosure) -> &'static str {
    match d {
        Disclosure::Public => "public",
        Disclosure::Internal => "internal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upserts_update_every_column_but_the_key() {
        assert_eq!(
            upsert_sql("bi", "t", &["id"], &["id", "a", "b"]),
            "INSERT INTO bi.t (id, a, b) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a, b = EXCLUDED.b"
        );
        assert_eq!(
            insert_once_sql("bi", "t", &["h", "p"]),
            "INSERT INTO bi.t (h, p) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        );
    }

    #[test]
    fn out_of_range_numbers_saturate_instead_of_wrapping() {
        assert_eq!(big(u64::MAX), i64::MAX);
        assert_eq!(int(u32::MAX), i32::MAX);
        assert_eq!(int(7u16), 7);
    }
}
