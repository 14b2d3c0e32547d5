//! `GET /v1/exports/{table}?format=csv|xlsx&…`: the records a reader may see, as a spreadsheet
//! file with Chinese headers (see [`crate::exports`] for the formats). A signed read: each table
//! applies the same read rules and filters as its list endpoint — projects
//! (`department`, `stage`, `programme`), budget execution (the same), disbursements (of the
//! projects listed), rectifications (`status`, `department`, `project`, `overdue`), one
//! project's history (`project`, required), and the audit trail: every ledger entry decoded,
//! applied or rejected, of blocks `from_height ..= to_height` (audit department only).
//!
//! The file is written a page of records at a time (memory stays flat however many rows) to a
//! temporary directory inside the node's own scratch directory ([`Node::scratch_dir`], not the
//! system's shared temp directory), then sent; at most [`EXPORT_ROWS_MAX`] rows and
//! [`EXPORT_BYTES_MAX`] bytes (the file is in memory while it is sent).

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;

use gongxin_contracts::queries::{self, ProjectSummary};
use gongxin_contracts::records::{DisbursementStatus, RectStatus};
use gongxin_core::model::{FULL_BP, ProjectStage};
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

use super::auth::Reader;
use super::error::{ApiError, ApiResult};
use super::ledger::Query;
use super::records::{
    check_project, enum_param, project_filter, rectification_filter, state_error,
};
use crate::exports::{Cell, CsvWriter, XlsxWriter};
use crate::node::Node;
use crate::reader::CommittedState;

/// Rows one export may have; narrow the filter for more.
pub const EXPORT_ROWS_MAX: usize = 200_000;
/// Bytes one export file may have (it is held in memory while it is sent).
pub const EXPORT_BYTES_MAX: u64 = 64 * 1024 * 1024;
/// Records read per page.
const PAGE: usize = 500;

/// The tables, their sheet names and headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Projects,
    Budget,
    Disbursements,
    Rectifications,
    History,
    Trail,
}

impl Table {
    const ALL: [(&'static str, Table); 6] = [
        ("projects", Table::Projects),
        ("budget", Table::Budget),
        ("disbursements", Table::Disbursements),
        ("rectifications", Table::Rectifications),
        ("history", Table::History),
        ("trail", Table::Trail),
    ];

    fn parse(name: &str) -> Result<Table, ApiError> {
        Table::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                let known: Vec<&str> = Table::ALL.iter().map(|(n, _)| *n).collect();
                ApiError::not_found(
                    "unknown_export",
                    format!("no export {name:?}; there are {}", known.join(", ")),
                )
            })
    }

    fn sheet(self) -> &'static str {
        match self {
            Table::Projects => "项目清单",
            Table::Budget => "预算执行",
            Table::Disbursements => "资金拨付",
            Table::Rectifications => "整改台账",
            Table::History => "项目记录",
            Table::Trail => "审计轨迹",
        }
    }

    fn headers(self) -> &'static [&'static str] {
        match self {
            Table::Projects => &[
                "项目编号",
                "项目名称",
                "主管部门",
                "所属专项",
                "阶段",
                "批复预算(元)",
                "合同金额(元)",
                "已拨付(元)",
                "预算执行率",
                "已验收进度",
                "已填报进度",
                "计划开工",
                "计划完工",
            ],
            Table::Budget => &[
                "项目编号",
                "项目名称",
                "主管部门",
                "批复预算(元)",
                "已承诺(元)",
                "未承诺(元)",
                "已拨付(元)",
                "未拨付(元)",
                "预算执行率",
            ],
            Table::Disbursements => &[
                "拨付编号",
                "项目编号",
                "合同编号",
                "金额(元)",
                "付款节点",
                "状态",
                "批准时间",
                "支付时间",
                "支付凭证号",
                "说明",
            ],
            Table::Rectifications => &[
                "任务编号",
                "整改事项",
                "项目编号",
                "责任部门",
                "提出部门",
                "整改期限",
                "状态",
                "是否逾期",
                "催办次数",
                "提交次数",
                "核验时间",
                "整改标准",
            ],
            Table::History => &["时间", "区块高度", "操作", "摘要", "交易哈希"],
            Table::Trail => &[
                "时间",
                "区块高度",
                "日志序号",
                "操作",
                "项目编号",
                "结果",
                "拒绝代码",
                "拒绝原因",
                "签名人",
                "部门",
                "交易哈希",
            ],
        }
    }
}

fn stage_zh(stage: ProjectStage) -> &'static str {
    match stage {
        ProjectStage::Proposed => "已申报",
        ProjectStage::Approved => "已立项",
        ProjectStage::Budgeted => "预算已批复",
        ProjectStage::Procurement => "招标采购中",
        ProjectStage::Contracted => "已签合同",
        ProjectStage::InProgress => "实施中",
        ProjectStage::AcceptanceRequested => "验收申请中",
        ProjectStage::Accepted => "已验收",
        ProjectStage::Evaluated => "已后评价",
        ProjectStage::Closed => "已关闭",
        ProjectStage::Suspended => "已暂停",
        ProjectStage::Cancelled => "已撤销",
    }
}

fn rect_zh(status: RectStatus) -> &'static str {
    match status {
        RectStatus::Open => "待整改",
        RectStatus::Submitted => "已提交待核验",
        RectStatus::Verified => "已核验销号",
        RectStatus::Reopened => "已退回重整",
    }
}

fn share_bp(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        0
    } else {
        (u128::from(part) * u128::from(FULL_BP) / u128::from(whole)) as u64
    }
}

/// Where rows go, with the row bound.
struct Rows<'a> {
    sink: &'a mut dyn FnMut(&[Cell]) -> Result<(), String>,
    count: usize,
}

impl Rows<'_> {
    fn push(&mut self, cells: &[Cell]) -> Result<(), ApiError> {
        if self.count >= EXPORT_ROWS_MAX {
            return Err(ApiError::bad_request(
                "too_many_rows",
                format!("an export has at most {EXPORT_ROWS_MAX} rows; narrow the filter"),
            ));
        }
        self.count += 1;
        (self.sink)(cells).map_err(|e| {
            tracing::error!(error = %e, "an export file could not be written");
            ApiError::internal("the node could not write the export file")
        })
    }
}

/// Calls `visit` with every project summary the reader's filter lists, a page at a time.
fn each_project(
    state: &CommittedState<'_>,
    reader: &Reader,
    query: &Query,
    visit: &mut dyn FnMut(&ProjectSummary) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let filter = project_filter(reader, query)?;
    let mut after: Option<String> = None;
    loop {
        let page =
            queries::list_projects(state, &filter, after.as_deref(), PAGE).map_err(state_error)?;
        for p in &page.items {
            visit(p)?;
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}

fn produce(
    node: &Node,
    reader: &Reader,
    table: Table,
    query: &Query,
    rows: &mut Rows<'_>,
) -> Result<(), ApiError> {
    let state = node.reader().state();
    match table {
        Table::Projects => each_project(&state, reader, query, &mut |p| {
            rows.push(&[
                Cell::text(&p.id),
                Cell::text(&p.name),
                Cell::text(&p.owner_department),
                Cell::text(p.programme.clone().unwrap_or_default()),
                Cell::text(stage_zh(p.stage)),
                Cell::Money(p.budget_fen),
                Cell::Money(p.committed_fen),
                Cell::Money(p.disbursed_fen),
                Cell::Percent(share_bp(p.disbursed_fen, p.budget_fen)),
                Cell::Percent(u64::from(p.accepted_progress_bp)),
                Cell::Percent(u64::from(p.reported_progress_bp)),
                Cell::Date(p.planned_start_ms),
                Cell::Date(p.planned_end_ms),
            ])
        }),
        Table::Budget => each_project(&state, reader, query, &mut |p| {
            rows.push(&[
                Cell::text(&p.id),
                Cell::text(&p.name),
                Cell::text(&p.owner_department),
                Cell::Money(p.budget_fen),
                Cell::Money(p.committed_fen),
                Cell::Money(p.budget_fen.saturating_sub(p.committed_fen)),
                Cell::Money(p.disbursed_fen),
                Cell::Money(p.budget_fen.saturating_sub(p.disbursed_fen)),
                Cell::Percent(share_bp(p.disbursed_fen, p.budget_fen)),
            ])
        }),
        Table::Disbursements => each_project(&state, reader, query, &mut |p| {
            let contracts = queries::contracts_of_project(&state, &p.id).map_err(state_error)?;
            for contract in contracts {
                let mut after: Option<String> = None;
                loop {
                    let page = queries::disbursements(&state, &contract.id, after.as_deref(), PAGE)
                        .map_err(state_error)?;
                    for d in &page.items {
                        rows.push(&[
                            Cell::text(&d.request.id),
                            Cell::text(&d.project),
                            Cell::text(&d.request.contract),
                            Cell::Money(d.request.amount_fen),
                            d.request
                                .milestone
                                .map_or(Cell::Empty, |m| Cell::Int(u64::from(m) + 1)),
                            Cell::text(match d.status {
                                DisbursementStatus::Approved => "已批准待支付",
                                DisbursementStatus::Paid => "已支付",
                            }),
                            Cell::DateTime(d.approved_ms),
                            Cell::opt_date(d.paid_ms),
                            Cell::text(d.voucher_ref.clone().unwrap_or_default()),
                            Cell::text(&d.request.note),
                        ])?;
                    }
                    match page.next {
                        Some(next) => after = Some(next),
                        None => break,
                    }
                }
            }
            Ok(())
        }),
        Table::Rectifications => {
            let filter = rectification_filter(node, reader, query)?;
            let now = node.clock.now_ms();
            let mut after: Option<String> = None;
            loop {
                let page = queries::rectifications(&state, &filter, after.as_deref(), PAGE)
                    .map_err(state_error)?;
                for t in &page.items {
                    let late = t.status.awaits_submission() && now > t.task.deadline_ms;
                    rows.push(&[
                        Cell::text(&t.task.id),
                        Cell::text(&t.task.title),
                        Cell::text(t.task.project.clone().unwrap_or_default()),
                        Cell::text(&t.task.responsible_department),
                        Cell::text(&t.raising_department),
                        Cell::DateTime(t.task.deadline_ms),
                        Cell::text(rect_zh(t.status)),
                        Cell::text(if late || t.overdue { "是" } else { "否" }),
                        Cell::Int(u64::from(t.reminders)),
                        Cell::Int(u64::from(t.submissions)),
                        Cell::opt_date(t.verified_ms),
                        Cell::text(&t.task.acceptance_standard),
                    ])?;
                }
                match page.next {
                    Some(next) => after = Some(next),
                    None => return Ok(()),
                }
            }
        }
        Table::History => {
            let project = query.get("project").ok_or_else(|| {
                ApiError::bad_request("bad_query", "the history export needs ?project=<id>")
            })?;
            check_project(reader, &state, project)?;
            let mut after: Option<String> = None;
            loop {
                let page = queries::project_history(&state, project, after.as_deref(), PAGE)
                    .map_err(state_error)?;
                for h in &page.items {
                    rows.push(&[
                        Cell::DateTime(h.time_ms),
                        Cell::Int(h.height),
                        Cell::text(&h.action),
                        Cell::text(&h.summary),
                        Cell::text(h.tx.map(|t| t.to_hex()).unwrap_or_default()),
                    ])?;
                }
                match page.next {
                    Some(next) => after = Some(next),
                    None => return Ok(()),
                }
            }
        }
        Table::Trail => trail(node, reader, query, rows),
    }
}

/// The audit trail: every ledger entry of blocks `from_height ..= to_height` (default: all; a
/// range past the tip or backwards is empty), decoded, in log order. The department is the
/// signer's membership now (a removed member's is empty), looked up once per signer; the entry
/// itself is what `gongxin verify` proves.
fn trail(node: &Node, reader: &Reader, query: &Query, rows: &mut Rows<'_>) -> Result<(), ApiError> {
    use gongxin_core::entry::{Entry, Outcome};
    if !reader.reads_everything() {
        return Err(super::auth::forbidden(format!(
            "the audit trail is exported by the audit department, not {}",
            reader.department()
        )));
    }
    let store = node.reader();
    let tip = node.tip().height();
    let from = super::ledger::param_u64(query, "from_height")?.unwrap_or(0);
    let to = super::ledger::param_u64(query, "to_height")?
        .unwrap_or(tip)
        .min(tip);
    if from > to {
        return Ok(());
    }
    let log_size_after = |height: u64| -> Result<u64, ApiError> {
        Ok(store.header(height)?.map_or(0, |h| h.log_size))
    };
    let start = if from == 0 {
        0
    } else {
        log_size_after(from - 1)?
    };
    let end = log_size_after(to)?;
    let state = store.state();
    let mut departments: HashMap<gongxin_core::crypto::PublicKey, String> = HashMap::new();
    let mut block_time = (u64::MAX, 0);
    let mut next = start;
    while next < end {
        let batch = store.entries(next, end - 1, PAGE)?;
        let Some((last, _)) = batch.last() else { break };
        next = last + 1;
        for (index, bytes) in batch {
            let entry = Entry::from_bytes(&bytes).map_err(|e| {
                ApiError::internal(format!("stored entry {index} does not decode: {e}"))
            })?;
            if block_time.0 != entry.height {
                let time = store.header(entry.height)?.map_or(0, |h| h.timestamp_ms);
                block_time = (entry.height, time);
            }
            let operation = &entry.tx.body.operation;
            let signer = &entry.tx.body.signer;
            let department = match departments.get(signer) {
                Some(department) => department.clone(),
                None => {
                    let department = queries::member(&state, signer)
                        .map_err(state_error)?
                        .map(|m| m.member.department)
                        .unwrap_or_default();
                    departments.insert(*signer, department.clone());
                    department
                }
            };
            let (result, code, reason) = match &entry.outcome {
                Outcome::Applied => ("已执行", "", ""),
                Outcome::Rejected { code, reason } => ("被拒绝", code.as_str(), reason.as_str()),
            };
            rows.push(&[
                Cell::DateTime(block_time.1),
                Cell::Int(entry.height),
                Cell::Int(index),
                Cell::text(operation.kind().as_str()),
                Cell::text(operation.project().unwrap_or_default()),
                Cell::text(result),
                Cell::text(code),
                Cell::text(reason),
                Cell::text(signer.to_string()),
                Cell::text(department),
                Cell::text(entry.tx.hash().to_hex()),
            ])?;
        }
    }
    Ok(())
}

fn io_error(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "an export file could not be written");
    ApiError::internal("the node could not write the export file")
}

/// `GET /v1/exports/{table}`.
pub fn export(node: &Node, reader: &Reader, name: &str, query: &Query) -> ApiResult {
    let table = Table::parse(name)?;
    // A filter left empty in a form (`department=`) is no filter.
    let query: Query = query
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let query = &query;
    // Every filter is checked, whichever table uses it, so a typo is an error, not ignored.
    enum_param::<ProjectStage>(query, "stage")?;
    enum_param::<RectStatus>(query, "status")?;
    super::ledger::param_u64(query, "from_height")?;
    super::ledger::param_u64(query, "to_height")?;
    if let Some(v) = query
        .get("overdue")
        .filter(|v| !matches!(v.as_str(), "true" | "false"))
    {
        return Err(ApiError::bad_request(
            "bad_query",
            format!("overdue must be true or false, got {v:?}"),
        ));
    }
    let xlsx = match query.get("format").map(String::as_str) {
        None | Some("csv") => false,
        Some("xlsx") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("format must be csv or xlsx, got {other:?}"),
            ));
        }
    };
    let dir = tempfile::tempdir_in(node.scratch_dir()).map_err(io_error)?;
    let path = dir.path().join("export");
    if xlsx {
        let mut writer =
            XlsxWriter::new(table.sheet(), table.headers(), dir.path()).map_err(io_error)?;
        let mut sink = |cells: &[Cell]| writer.row(cells).map_err(|e| e.to_string());
        produce(
            node,
            reader,
            table,
            query,
            &mut Rows {
                sink: &mut sink,
                count: 0,
            },
        )?;
        writer.finish(&path).map_err(io_error)?;
    } else {
        let file = BufWriter::new(File::create(&path).map_err(io_error)?);
        let mut writer = CsvWriter::new(file, table.headers()).map_err(io_error)?;
        let mut sink = |cells: &[Cell]| writer.row(cells).map_err(|e| e.to_string());
        produce(
            node,
            reader,
            table,
            query,
            &mut Rows {
                sink: &mut sink,
                count: 0,
            },
        )?;
        writer.finish().map_err(io_error)?;
    }
    let size = std::fs::metadata(&path).map_err(io_error)?.len();
    if size > EXPORT_BYTES_MAX {
        return Err(ApiError::bad_request(
            "too_large",
            format!(
                "the export is {} MiB, over the {} MiB a file may have; narrow the filter",
                size >> 20,
                EXPORT_BYTES_MAX >> 20
            ),
        ));
    }
    let bytes = std::fs::read(&path).map_err(io_error)?;
    let (content_type, extension) = if xlsx {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    } else {
        ("text/csv; charset=utf-8", "csv")
    };
    let day = gongxin_core::calendar::beijing_date(node.clock.now_ms()).replace('-', "");
    let disposition = format!("attachment; filename=\"gongxin-{name}-{day}.{extension}\"");
    let mut response = Response::new(bytes.into());
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
