//! The sink's tables, as SQL. `docs/POSTGRES.md` documents every column for BI authors; a test
//! (`documented_tables_are_the_created_tables`) keeps the two in step.
//!
//! Amounts are integer fen (`bigint`, divide by 100 for yuan), shares and progress integer basis
//! points (10 000 = 100 %), times `timestamptz`, keys and hashes their text forms
//! (`ed25519:<hex>`, 64 hex digits). Event tables (`blocks`, `transactions`, `alerts`,
//! `alert_acknowledgements`) are keyed by the chain's own order (height, position) and only ever
//! gain rows; record tables hold each record's latest state, upserted by id, with the height the
//! sink had reached when it wrote them (`synced_height`).

/// Bumped when a table changes shape; a database made by another version is refused, not
/// silently mixed.
pub const SCHEMA_VERSION: i32 = 1;

/// The tables in creation order (the documentation lists the same).
pub const TABLES: [&str; 13] = [
    "sink_state",
    "blocks",
    "transactions",
    "projects",
    "budget_lines",
    "contracts",
    "milestones",
    "change_orders",
    "progress_reports",
    "disbursements",
    "rectifications",
    "alerts",
    "alert_acknowledgements",
];

const DDL: &str = r#"
CREATE SCHEMA IF NOT EXISTS {s};
CREATE TABLE IF NOT EXISTS {s}.sink_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    chain_id text NOT NULL,
    department text NOT NULL,
    schema_version integer NOT NULL,
    height bigint NOT NULL,
    block_hash text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {s}.blocks (
    height bigint PRIMARY KEY,
    hash text NOT NULL,
    time timestamptz NOT NULL,
    tx_count integer NOT NULL,
    log_size bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.transactions (
    height bigint NOT NULL,
    position integer NOT NULL,
    log_index bigint NOT NULL,
    tx_hash text NOT NULL UNIQUE,
    kind text NOT NULL,
    signer text NOT NULL,
    signer_department text,
    project text,
    outcome text NOT NULL,
    reason_code text,
    reason text,
    time timestamptz NOT NULL,
    PRIMARY KEY (height, position)
);
CREATE INDEX IF NOT EXISTS transactions_project ON {s}.transactions (project);
CREATE TABLE IF NOT EXISTS {s}.projects (
    id text PRIMARY KEY,
    name text NOT NULL,
    category text NOT NULL,
    location text NOT NULL,
    programme text,
    owner_department text NOT NULL,
    stage text NOT NULL,
    disclosure text NOT NULL,
    planned_start timestamptz NOT NULL,
    planned_end timestamptz NOT NULL,
    original_planned_end timestamptz NOT NULL,
    requested_budget_fen bigint NOT NULL,
    fiscal_year integer,
    budget_fen bigint NOT NULL,
    original_budget_fen bigint NOT NULL,
    committed_fen bigint NOT NULL,
    approved_unpaid_fen bigint NOT NULL,
    disbursed_fen bigint NOT NULL,
    accepted_progress_bp integer NOT NULL,
    reported_progress_bp integer NOT NULL,
    progress_reports integer NOT NULL,
    rectifications integer NOT NULL,
    contract text,
    created_height bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    closed_at timestamptz,
    synced_height bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.budget_lines (
    project text NOT NULL,
    line integer NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    amount_fen bigint NOT NULL,
    PRIMARY KEY (project, line)
);
CREATE TABLE IF NOT EXISTS {s}.contracts (
    id text PRIMARY KEY,
    project text NOT NULL,
    contractor_name text NOT NULL,
    contractor_credit_code text NOT NULL,
    original_amount_fen bigint NOT NULL,
    amount_fen bigint NOT NULL,
    advance_share_bp integer NOT NULL,
    approved_unpaid_fen bigint NOT NULL,
    paid_fen bigint NOT NULL,
    disbursements integer NOT NULL,
    change_orders integer NOT NULL,
    schedule_delta_days bigint NOT NULL,
    document_hash text NOT NULL,
    signed_at timestamptz NOT NULL,
    synced_height bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS contracts_project ON {s}.contracts (project);
CREATE TABLE IF NOT EXISTS {s}.milestones (
    contract text NOT NULL,
    position integer NOT NULL,
    name text NOT NULL,
    progress_bp integer NOT NULL,
    share_bp integer NOT NULL,
    due_at timestamptz NOT NULL,
    original_due_at timestamptz NOT NULL,
    reached_at timestamptz,
    PRIMARY KEY (contract, position)
);
CREATE TABLE IF NOT EXISTS {s}.change_orders (
    id text PRIMARY KEY,
    contract text NOT NULL,
    project text NOT NULL,
    amount_delta_fen bigint NOT NULL,
    amount_before_fen bigint NOT NULL,
    amount_after_fen bigint NOT NULL,
    schedule_delta_days integer NOT NULL,
    reason text NOT NULL,
    executed_at timestamptz NOT NULL,
    synced_height bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.progress_reports (
    id text PRIMARY KEY,
    project text NOT NULL,
    percent_bp integer NOT NULL,
    milestone integer,
    status text NOT NULL,
    note text NOT NULL,
    evidence_hash text NOT NULL,
    submitted_at timestamptz NOT NULL,
    reviewed_at timestamptz,
    review_note text NOT NULL,
    synced_height bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.disbursements (
    id text PRIMARY KEY,
    contract text NOT NULL,
    project text NOT NULL,
    amount_fen bigint NOT NULL,
    milestone integer,
    status text NOT NULL,
    note text NOT NULL,
    approved_at timestamptz NOT NULL,
    paid_at timestamptz,
    voucher_ref text,
    synced_height bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS disbursements_project ON {s}.disbursements (project);
CREATE TABLE IF NOT EXISTS {s}.rectifications (
    id text PRIMARY KEY,
    project text,
    title text NOT NULL,
    responsible_department text NOT NULL,
    raising_department text NOT NULL,
    status text NOT NULL,
    deadline timestamptz NOT NULL,
    raised_at timestamptz NOT NULL,
    overdue boolean NOT NULL,
    reminders integer NOT NULL,
    submissions integer NOT NULL,
    last_submitted_at timestamptz,
    verified_at timestamptz,
    escalated_at timestamptz,
    on_time boolean NOT NULL,
    synced_height bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.alerts (
    height bigint NOT NULL,
    position integer NOT NULL,
    digest text NOT NULL UNIQUE,
    kind text NOT NULL,
    project text,
    record text NOT NULL,
    responsible_department text NOT NULL,
    escalated_to text,
    time timestamptz NOT NULL,
    message text NOT NULL,
    details jsonb NOT NULL,
    PRIMARY KEY (height, position)
);
CREATE INDEX IF NOT EXISTS alerts_project ON {s}.alerts (project);
CREATE TABLE IF NOT EXISTS {s}.alert_acknowledgements (
    height bigint NOT NULL,
    position integer NOT NULL,
    alert text NOT NULL,
    person text NOT NULL,
    department text NOT NULL,
    PRIMARY KEY (height, position)
);
"#;

/// Whether `schema` is a plain lower-case identifier (it is spliced into SQL, so nothing else
/// is accepted).
pub fn valid_schema_name(schema: &str) -> bool {
    let mut chars = schema.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && schema.len() <= 63
}

/// The statements that create the tables in `schema` (idempotent).
pub fn ddl(schema: &str) -> String {
    debug_assert!(valid_schema_name(schema));
    DDL.replace("{s}", schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_identifiers_are_schema_names() {
        for good in ["gongxin", "bi_2026", "_x"] {
            assert!(valid_schema_name(good), "{good}");
        }
        for bad in [
            "",
            "Gongxin",
            "1abc",
            "a-b",
            "a;drop table x",
            "a b",
            "\"a\"",
            &"a".repeat(64),
        ] {
            assert!(!valid_schema_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn every_listed_table_is_created() {
        let sql = ddl("gongxin");
        for table in TABLES {
            assert!(
                sql.contains(&format!("CREATE TABLE IF NOT EXISTS gongxin.{table} (")),
                "{table}"
            );
        }
        assert_eq!(sql.matches("CREATE TABLE").count(), TABLES.len());
    }

    #[test]
    fn documented_tables_are_the_created_tables() {
        let doc = include_str!("../../../docs/POSTGRES.md");
        for table in TABLES {
            assert!(
                doc.contains(&format!("### `{table}`")),
                "{table} undocumented"
            );
        }
        // Every column of every table is named in the documentation.
        for line in DDL.lines() {
            let line = line.trim();
            let Some(column) = line.split_whitespace().next() else {
                continue;
            };
            if line.starts_with("CREATE") || line.starts_with("PRIMARY") || line.starts_with(')') {
                continue;
            }
            assert!(
                doc.contains(&format!("`{column}`")),
                "column {column} undocumented"
            );
        }
    }
}
