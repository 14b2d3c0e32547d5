//! Human-readable renderings of the gateway's records, for the CLI's default (non-`--json`)
//! output: money in yuan from fen (`¥1,234.56`), shares in percent from basis points
//! (`12.34 %`), times in UTC, lists as aligned tables.
//!
//! Records arrive as `serde_json::Value`s (this crate does not know the contracts' types), so
//! every accessor tolerates a missing or differently typed field and shows `-`: a newer node
//! adding or renaming a field degrades one cell, never the whole command. Everything here is
//! integer arithmetic; no float ever touches an amount.

use std::fmt::Write as _;

use serde_json::Value;

/// Longest cell of a free-text column (names, titles, messages) before it is cut with `…`.
const TEXT_CELL_WIDTH_MAX: usize = 60;
/// Shown for a field the record does not have.
const MISSING: &str = "-";

/// An amount in fen as yuan with thousands separators: `¥17,672,000.00`.
pub fn yuan(fen: u64) -> String {
    let whole = (fen / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("¥{grouped}.{:02}", fen % 100)
}

/// Basis points as a percentage with two decimals: `920` → `9.20 %` (the node's own style).
pub fn percent(bp: u64) -> String {
    format!("{}.{:02} %", bp / 100, bp % 100)
}

pub use gongxin_core::calendar::{utc_date, utc_minute};

/// Terminal columns a character takes: 2 for East Asian wide characters (Han, kana, Hangul,
/// full-width forms), else 1 — enough to align Chinese project names.
fn char_width(c: char) -> usize {
    let wide = matches!(u32::from(c),
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

/// Terminal columns of a text.
pub fn text_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// `text` cut to at most `max` columns, ending in `…` when cut.
fn clip(text: &str, max: usize) -> String {
    if text_width(text) <= max {
        return text.to_owned();
    }
    let mut clipped = String::new();
    let mut width = 0;
    for c in text.chars() {
        if width + char_width(c) + 1 > max {
            break;
        }
        width += char_width(c);
        clipped.push(c);
    }
    clipped.push('…');
    clipped
}

/// A table of columns two spaces apart, left-aligned unless said (amounts and shares read
/// best right-aligned); a left-aligned last column is never padded, and cells are single lines
/// (newlines in record texts become spaces).
#[derive(Debug, Clone)]
pub struct Table {
    headers: Vec<&'static str>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Table {
        Table {
            headers: headers.to_vec(),
            right: vec![false; headers.len()],
            rows: Vec::new(),
        }
    }

    /// Right-aligns the columns at these positions.
    pub fn right_aligned(mut self, columns: &[usize]) -> Table {
        for &column in columns {
            if let Some(right) = self.right.get_mut(column) {
                *right = true;
            }
        }
        self
    }

    /// Adds a row; cells beyond the headers are dropped, missing ones are empty.
    pub fn row(&mut self, cells: Vec<String>) {
        let mut cells: Vec<String> = cells
            .into_iter()
            .take(self.headers.len())
            .map(|c| clip(&c.replace(['\n', '\r', '\t'], " "), TEXT_CELL_WIDTH_MAX))
            .collect();
        cells.resize(self.headers.len(), String::new());
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| text_width(h)).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(text_width(cell));
            }
        }
        let mut out = String::new();
        let header: Vec<String> = self.headers.iter().map(|h| (*h).to_owned()).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    out.push_str("  ");
                }
                let pad = widths[i] - text_width(cell);
                if self.right[i] {
                    out.extend(std::iter::repeat_n(' ', pad));
                    out.push_str(cell);
                } else {
                    out.push_str(cell);
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            let trimmed = out.trim_end_matches(' ').len();
            out.truncate(trimmed);
            out.push('\n');
        }
        out
    }
}

/// The value at a `/`-separated path of object keys, if any.
fn at<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('/').try_fold(value, |v, key| v.get(key))
}

/// A text field, or `-`.
fn text<'v>(value: &'v Value, path: &str) -> &'v str {
    at(value, path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(MISSING)
}

fn number(value: &Value, path: &str) -> Option<u64> {
    at(value, path).and_then(Value::as_u64)
}

fn money(value: &Value, path: &str) -> String {
    number(value, path).map_or_else(|| MISSING.to_owned(), yuan)
}

fn share(value: &Value, path: &str) -> String {
    number(value, path).map_or_else(|| MISSING.to_owned(), percent)
}

fn minute(value: &Value, path: &str) -> String {
    number(value, path).map_or_else(|| MISSING.to_owned(), utc_minute)
}

fn date(value: &Value, path: &str) -> String {
    number(value, path).map_or_else(|| MISSING.to_owned(), utc_date)
}

fn list<'v>(value: &'v Value, path: &str) -> &'v [Value] {
    at(value, path)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A key or hash shortened for a table: `ed25519:6c3db82a…`.
fn short(id: &str) -> String {
    let keep = id.find(':').map_or(0, |colon| colon + 1) + 8;
    match id.char_indices().nth(keep) {
        Some((at, _)) => format!("{}…", &id[..at]),
        None => id.to_owned(),
    }
}

/// Project summaries (`GET /v1/projects`) or public project views (`/public/v1/projects`),
/// one row each.
pub fn projects_table(projects: &[Value]) -> String {
    let mut table = Table::new(&[
        "ID",
        "STAGE",
        "OWNER",
        "BUDGET",
        "COMMITTED",
        "DISBURSED",
        "ACCEPTED",
        "NAME",
    ])
    .right_aligned(&[3, 4, 5, 6]);
    for p in projects {
        table.row(vec![
            text(p, "id").to_owned(),
            text(p, "stage").to_owned(),
            text(p, "owner_department").to_owned(),
            money(p, "budget_fen"),
            money(p, "committed_fen"),
            money(p, "disbursed_fen"),
            share(p, "accepted_progress_bp"),
            text(p, "name").to_owned(),
        ]);
    }
    table.render()
}

/// Writes `label  value` lines with the labels aligned.
fn fields(out: &mut String, rows: &[(&str, String)]) {
    let width = rows.iter().map(|(l, _)| text_width(l)).max().unwrap_or(0);
    for (label, value) in rows {
        let pad = width - text_width(label);
        let _ = writeln!(out, "  {label}{}  {value}", " ".repeat(pad));
    }
}

/// Indents every line of a rendered table.
fn indented(table: &str) -> String {
    table.lines().map(|l| format!("    {l}\n")).collect()
}

fn planned(p: &Value) -> String {
    format!(
        "{} → {}",
        date(p, "planned_start_ms"),
        date(p, "planned_end_ms")
    )
}

/// `GET /v1/projects/{id}`: the record, money, procurement, contracts, health and the first
/// page of alerts, rejections and open requests.
pub fn project_view(view: &Value) -> String {
    let p = at(view, "project").unwrap_or(&Value::Null);
    let t = at(view, "totals").unwrap_or(&Value::Null);
    let mut out = format!("{}  {}\n", text(p, "id"), text(p, "name"));
    let mut rows = vec![
        (
            "owner",
            format!(
                "{} (programme {}, category {})",
                text(p, "owner_department"),
                text(p, "programme"),
                text(p, "category")
            ),
        ),
        ("stage", stage(p)),
        ("location", text(p, "location").to_owned()),
        ("planned", planned(p)),
        ("budget", money(t, "budget_fen")),
        (
            "committed",
            format!(
                "{} (uncommitted {})",
                money(t, "committed_fen"),
                money(t, "uncommitted_fen")
            ),
        ),
        (
            "disbursed",
            format!(
                "{} ({} of the budget; approved, unpaid {})",
                money(t, "disbursed_fen"),
                share(t, "budget_use_bp"),
                money(t, "approved_unpaid_fen")
            ),
        ),
        (
            "progress",
            format!(
                "{} accepted, {} reported; payable {} ({})",
                share(t, "accepted_progress_bp"),
                share(t, "reported_progress_bp"),
                money(t, "payable_fen"),
                share(t, "payable_bp")
            ),
        ),
    ];
    if let Some(procurement) = at(view, "procurement").filter(|v| !v.is_null()) {
        rows.push(("procurement", procurement_line(procurement)));
    }
    for c in list(view, "contracts") {
        rows.push((
            "contract",
            format!(
                "{} with {}: {}, paid {}",
                text(c, "id"),
                text(c, "contractor/name"),
                money(c, "amount_fen"),
                money(c, "paid_fen")
            ),
        ));
    }
    if let Some(health) = at(view, "health").filter(|v| !v.is_null()) {
        rows.push((
            "health",
            format!(
                "{} in {}",
                share(health, "score_bp"),
                text(health, "quarter_label")
            ),
        ));
    }
    fields(&mut out, &rows);
    let alerts = list(view, "alerts/items");
    let rejections = list(view, "rejections/items");
    let requests = list(view, "open_requests/items");
    let history = list(view, "history/items");
    let _ = writeln!(
        out,
        "  {} alerts, {} rejected attempts, {} open requests, {} history entries{}",
        counted(view, "alerts"),
        counted(view, "rejections"),
        counted(view, "open_requests"),
        counted(view, "history"),
        if history.is_empty() {
            String::new()
        } else {
            format!(" (`gongxin history {}`)", text(p, "id"))
        }
    );
    if !alerts.is_empty() {
        out.push_str("  alerts:\n");
        out.push_str(&indented(&alerts_table(alerts)));
    }
    if !rejections.is_empty() {
        out.push_str("  rejected attempts:\n");
        out.push_str(&indented(&rejections_table(rejections)));
    }
    if !requests.is_empty() {
        out.push_str("  open requests:\n");
        out.push_str(&indented(&approvals_table(requests)));
    }
    out
}

/// How many items a first page holds, with `+` when there are more pages.
fn counted(view: &Value, page: &str) -> String {
    let n = list(view, &format!("{page}/items")).len();
    let more = at(view, &format!("{page}/next")).is_some_and(|next| !next.is_null());
    format!("{n}{}", if more { "+" } else { "" })
}

fn stage(p: &Value) -> String {
    match text(p, "stage_reason") {
        MISSING => text(p, "stage").to_owned(),
        reason => format!("{} ({reason})", text(p, "stage")),
    }
}

fn procurement_line(procurement: &Value) -> String {
    // The internal record nests the award; the public view flattens it.
    let (winner, amount, bids) = if at(procurement, "award").is_some() {
        let award = at(procurement, "award").unwrap_or(&Value::Null);
        (
            text(award, "winner/name"),
            money(award, "amount_fen"),
            list(award, "bids").len().to_string(),
        )
    } else {
        (
            text(procurement, "winner_name"),
            money(procurement, "award_fen"),
            number(procurement, "bidders").map_or_else(|| MISSING.to_owned(), |n| n.to_string()),
        )
    };
    let reference = match at(procurement, "procurement") {
        Some(inner) => (text(inner, "announcement_ref"), text(inner, "method")),
        None => (
            text(procurement, "announcement_ref"),
            text(procurement, "method"),
        ),
    };
    if winner == MISSING {
        format!("{} ({}), not yet awarded", reference.0, reference.1)
    } else {
        format!(
            "{} ({}): awarded to {winner} for {amount} among {bids} bids",
            reference.0, reference.1
        )
    }
}

/// `GET /public/v1/projects/{id}`: the disclosed view.
pub fn public_project(p: &Value) -> String {
    let mut out = format!("{}  {}\n", text(p, "id"), text(p, "name"));
    let mut rows = vec![
        (
            "owner",
            format!(
                "{} (programme {}, category {})",
                text(p, "owner_department"),
                text(p, "programme"),
                text(p, "category")
            ),
        ),
        ("stage", text(p, "stage").to_owned()),
        ("location", text(p, "location").to_owned()),
        ("planned", planned(p)),
        ("budget", money(p, "budget_fen")),
        ("committed", money(p, "committed_fen")),
        ("disbursed", money(p, "disbursed_fen")),
        ("accepted", share(p, "accepted_progress_bp")),
    ];
    if let Some(procurement) = at(p, "procurement").filter(|v| !v.is_null()) {
        rows.push(("procurement", procurement_line(procurement)));
    }
    for c in list(p, "contracts") {
        rows.push((
            "contract",
            format!(
                "{} with {}: {}, paid {}",
                text(c, "id"),
                text(c, "contractor_name"),
                money(c, "amount_fen"),
                money(c, "paid_fen")
            ),
        ));
    }
    if let Some(passed) = at(p, "acceptance_passed").and_then(Value::as_bool) {
        rows.push((
            "acceptance",
            format!(
                "{} on {}",
                if passed { "passed" } else { "failed" },
                date(p, "acceptance_ms")
            ),
        ));
    }
    fields(&mut out, &rows);
    out
}

/// `GET /v1/contracts/{id}`: the contract, its payments and milestones.
pub fn contract(c: &Value) -> String {
    let mut out = format!(
        "{}  contract of project {}\n",
        text(c, "id"),
        text(c, "project")
    );
    fields(
        &mut out,
        &[
            (
                "contractor",
                format!(
                    "{} ({})",
                    text(c, "contractor/name"),
                    text(c, "contractor/credit_code")
                ),
            ),
            (
                "amount",
                format!(
                    "{} (originally {}, {} change orders)",
                    money(c, "amount_fen"),
                    money(c, "original_amount_fen"),
                    number(c, "change_orders").unwrap_or(0)
                ),
            ),
            (
                "paid",
                format!(
                    "{} in {} disbursements; approved, unpaid {}",
                    money(c, "paid_fen"),
                    number(c, "disbursements").unwrap_or(0),
                    money(c, "approved_unpaid_fen")
                ),
            ),
            ("advance", share(c, "advance_share_bp")),
            (
                "signed",
                format!(
                    "{} by {}",
                    date(c, "signed_ms"),
                    short(text(c, "signed_by"))
                ),
            ),
            ("document", format!("sm3 {}", text(c, "document_hash"))),
        ],
    );
    let milestones = list(c, "milestones");
    if !milestones.is_empty() {
        let mut table = Table::new(&["DUE", "MILESTONE", "PROGRESS", "SHARE", "REACHED"])
            .right_aligned(&[2, 3]);
        for m in milestones {
            table.row(vec![
                date(m, "milestone/due_ms"),
                text(m, "milestone/name").to_owned(),
                share(m, "milestone/progress_bp"),
                share(m, "milestone/share_bp"),
                date(m, "reached_ms"),
            ]);
        }
        out.push_str("  milestones:\n");
        out.push_str(&indented(&table.render()));
    }
    out
}

/// `GET /v1/projects/{id}/history`.
pub fn history_table(entries: &[Value]) -> String {
    let mut table = Table::new(&["TIME (UTC)", "HEIGHT", "ACTION", "SUMMARY"]).right_aligned(&[1]);
    for e in entries {
        table.row(vec![
            minute(e, "time_ms"),
            number(e, "height").map_or_else(|| MISSING.to_owned(), |h| h.to_string()),
            text(e, "action").to_owned(),
            text(e, "summary").to_owned(),
        ]);
    }
    table.render()
}

/// `GET /v1/projects/{id}/alerts` (and the alerts of a project view).
pub fn alerts_table(alerts: &[Value]) -> String {
    let mut table = Table::new(&["TIME (UTC)", "ALERT", "RESPONSIBLE", "MESSAGE"]);
    for a in alerts {
        table.row(vec![
            minute(a, "time_ms"),
            text(a, "kind/alert").to_owned(),
            text(a, "responsible_department").to_owned(),
            text(a, "message").to_owned(),
        ]);
    }
    table.render()
}

/// `GET /v1/me/alerts`, `/v1/departments/{id}/alerts`: reminders with their digest (for
/// `acknowledge_alert`) and how many have acknowledged each.
pub fn reminders_table(alerts: &[Value]) -> String {
    let mut table = Table::new(&[
        "TIME (UTC)",
        "ALERT",
        "RESPONSIBLE",
        "SEEN BY",
        "DIGEST",
        "MESSAGE",
    ]);
    for a in alerts {
        let seen = a
            .get("acknowledgements")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        table.row(vec![
            minute(a, "time_ms"),
            text(a, "kind/alert").to_owned(),
            text(a, "responsible_department").to_owned(),
            seen.to_string(),
            text(a, "digest").to_owned(),
            text(a, "message").to_owned(),
        ]);
    }
    table.render()
}

/// `GET /v1/projects/{id}/rejections`: attempted irregularities.
pub fn rejections_table(rejections: &[Value]) -> String {
    let mut table = Table::new(&["TIME (UTC)", "OPERATION", "BY", "REJECTED AS", "ALERT"]);
    for r in rejections {
        table.row(vec![
            minute(r, "time_ms"),
            text(r, "kind").to_owned(),
            text(r, "signer_department").to_owned(),
            text(r, "rejection/code").to_owned(),
            text(r, "alert/message").to_owned(),
        ]);
    }
    table.render()
}

/// `GET /v1/rectifications` (tasks nested under `task`) or `/public/v1/rectifications`
/// (flat disclosed fields).
pub fn rectifications_table(tasks: &[Value]) -> String {
    let mut table = Table::new(&[
        "ID",
        "STATUS",
        "DEADLINE (UTC)",
        "OVERDUE",
        "RESPONSIBLE",
        "PROJECT",
        "TITLE",
    ]);
    for r in tasks {
        let task = at(r, "task").unwrap_or(r);
        let overdue = match at(r, "overdue").and_then(Value::as_bool) {
            Some(true) => "OVERDUE",
            Some(false) => "",
            None => MISSING,
        };
        table.row(vec![
            text(task, "id").to_owned(),
            text(r, "status").to_owned(),
            minute(task, "deadline_ms"),
            overdue.to_owned(),
            text(task, "responsible_department").to_owned(),
            text(task, "project").to_owned(),
            text(task, "title").to_owned(),
        ]);
    }
    table.render()
}

/// `GET /v1/departments/{id}/approvals` (and a project view's open requests).
pub fn approvals_table(requests: &[Value]) -> String {
    let mut table = Table::new(&[
        "OPENED (UTC)",
        "OPERATION",
        "PROJECT",
        "AMOUNT",
        "APPROVALS",
        "FROM",
        "REQUEST",
    ])
    .right_aligned(&[3, 4]);
    for r in requests {
        let slots: u64 = list(r, "required")
            .iter()
            .filter_map(|req| number(req, "count"))
            .sum();
        table.row(vec![
            minute(r, "opened_ms"),
            text(r, "kind").to_owned(),
            text(r, "project").to_owned(),
            money(r, "amount_fen"),
            format!("{}/{slots}", list(r, "approvals").len()),
            text(r, "submitter_department").to_owned(),
            short(text(r, "hash")),
        ]);
    }
    table.render()
}

/// Operation-log records: seq, time, kind, department, actor, target, outcome.
pub fn access_log_table(records: &[gongxin_core::access_log::ChainedRecord]) -> String {
    let mut table = Table::new(&[
        "seq",
        "time (UTC)",
        "kind",
        "dept",
        "actor",
        "target",
        "outcome",
    ])
    .right_aligned(&[0]);
    for chained in records {
        let r = &chained.record;
        let kind = match r.kind {
            gongxin_core::access_log::AccessKind::Read => "read",
            gongxin_core::access_log::AccessKind::Admission => "admission",
        };
        table.row(vec![
            r.seq.to_string(),
            utc_minute(r.at_ms),
            kind.to_owned(),
            r.department.clone(),
            clip(&r.actor, 24),
            r.target.clone(),
            r.outcome.clone(),
        ]);
    }
    if table.is_empty() {
        return String::new();
    }
    table.render()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn money_and_shares_use_integer_arithmetic() {
        assert_eq!(yuan(0), "¥0.00");
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(yuan(99_999), "¥999.99");
        assert_eq!(yuan(100_000), "¥1,000.00");
        assert_eq!(yuan(1_767_200_000), "¥17,672,000.00");
        assert_eq!(yuan(u64::MAX), "¥184,467,440,737,095,516.15");
        assert_eq!(percent(0), "0.00 %");
        assert_eq!(percent(920), "9.20 %");
        assert_eq!(percent(10_000), "100.00 %");
    }

    #[test]
    fn times_are_utc() {
        assert_eq!(utc_minute(0), "1970-01-01 00:00");
        // 2026-11-27T03:00:21Z
        assert_eq!(utc_minute(1_795_748_421_498), "2026-11-27 03:00");
        assert_eq!(utc_date(951_782_400_000), "2000-02-29");
        assert_eq!(utc_date(4_107_542_399_000), "2100-02-28");
    }

    #[test]
    fn tables_align_wide_characters_and_clip_long_texts() {
        let mut table = Table::new(&["ID", "AMOUNT", "NAME"]).right_aligned(&[1]);
        table.row(vec![
            "SC-1".into(),
            yuan(100_000),
            "智慧交通 traffic".into(),
        ]);
        table.row(vec!["SC-10".into(), yuan(5), "x".repeat(100)]);
        table.row(vec!["a\nb".into()]);
        let text = table.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "ID        AMOUNT  NAME");
        assert_eq!(lines[1], "SC-1   ¥1,000.00  智慧交通 traffic");
        assert!(lines[2].starts_with("SC-10      ¥0.05  x"), "{text}");
        assert!(lines[2].ends_with('…'));
        assert_eq!(text_width(lines[2]), 18 + TEXT_CELL_WIDTH_MAX);
        assert_eq!(lines[3], "a b");
        assert_eq!(text_width("智慧 ab"), 7);
        assert_eq!(clip("智慧交通", 5), "智慧…");
    }

    #[test]
    fn records_render_and_missing_fields_show_a_dash() {
        let summary = json!({
            "id": "SC-2026-009", "stage": "in_progress", "owner_department": "ecology",
            "budget_fen": 1_767_200_000u64, "committed_fen": 1_625_824_000u64,
            "disbursed_fen": 162_582_400u64, "accepted_progress_bp": 1500,
            "name": "智慧环保监测点 009",
        });
        let text = projects_table(&[summary, json!({"id": "odd"})]);
        assert!(text.contains("¥17,672,000.00"), "{text}");
        assert!(text.contains("15.00 %"), "{text}");
        assert!(
            text.lines().nth(2).unwrap().starts_with("odd    "),
            "{text}"
        );

        let view = json!({
            "project": {"id": "P", "name": "N", "stage": "suspended", "stage_reason": "audit"},
            "totals": {"budget_fen": 100, "budget_use_bp": 920},
            "alerts": {"items": [{"kind": {"alert": "milestone_overdue"}, "message": "late"}],
                       "next": "x"},
            "history": {"items": [], "next": null},
        });
        let text = project_view(&view);
        assert!(text.contains("suspended (audit)"), "{text}");
        assert!(text.contains("9.20 % of the budget"), "{text}");
        assert!(text.contains("1+ alerts"), "{text}");
        assert!(text.contains("milestone_overdue"), "{text}");
        // A record that is not an object at all still renders.
        assert!(project_view(&Value::Null).starts_with("-  -"));
        assert!(contract(&json!([])).starts_with("-  contract of project -"));

        let internal = json!({"status": "open", "overdue": true,
            "task": {"id": "HB-1", "deadline_ms": 0, "title": "T"}});
        let public = json!({"id": "HB-2", "status": "verified", "overdue": false});
        let text = rectifications_table(&[internal, public]);
        assert!(text.contains("HB-1  open"), "{text}");
        assert!(text.contains("OVERDUE"), "{text}");
        assert!(text.contains("HB-2  verified"), "{text}");
        assert_eq!(short("ed25519:6c3db82a9d45793f"), "ed25519:6c3db82a…");
        assert_eq!(short("abc"), "abc");
    }
}
