//! Imports from the platforms departments already use, turned into operations: budget lines as
//! the finance platform (财政一体化平台) exports its 指标 (one `approve_budget` per project and
//! fiscal year, its lines in file order), and procurement announcements as the procurement
//! network (政府采购网) lists them (one `start_procurement` each). Pure: parsing, grouping and
//! the deterministic nonce; the CLI signs, submits and keeps the journal.
//!
//! **Column mapping** (header names, Chinese or English; any other column is ignored):
//!
//! | file | column | meaning |
//! |---|---|---|
//! | budget | `项目编号` / `project` | the project id on the ledger |
//! | budget | `预算年度` / `fiscal_year` | e.g. 2026 |
//! | budget | `科目编码` / `功能科目编码` / `code` | 政府收支分类科目 code |
//! | budget | `科目名称` / `功能科目名称` / `name` | its name |
//! | budget | `金额(元)` / `指标金额(元)` / `amount_yuan` | yuan, `1,234.56` or `1234.56` |
//! | procurement | `项目编号` / `project` | the project id |
//! | procurement | `采购方式` / `method` | 公开招标, 邀请招标, 竞争性谈判, 竞争性磋商, 询价, 单一来源 |
//! | procurement | `公告编号` / `announcement_ref` | the notice's reference |
//!
//! A row that does not parse is reported with its line and reason and never submitted; the
//! others go on.

use gongxin_core::Hash;
use gongxin_core::model::{
    BudgetApproval, BudgetLine, Operation, Procurement, ProcurementMethod, is_valid_id,
};

/// What one file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Budget,
    Procurement,
}

/// One operation to submit, with the file lines it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Stable within the file: `<project>/<fiscal year>` or `<project>`.
    pub key: String,
    pub operation: Operation,
    /// 1-based line numbers.
    pub lines: Vec<usize>,
}

/// A line that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: usize,
    pub fields: Vec<String>,
    pub reason: String,
}

/// Splits CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF; a UTF-8 BOM ignored)
/// into records with their 1-based starting line.
pub fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut field = String::new();
    let mut record = Vec::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                if record.iter().any(|f| !f.is_empty()) {
                    records.push((start, std::mem::take(&mut record)));
                }
                record.clear();
                line += 1;
                start = line;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(format!("line {start}: a quoted field is not closed"));
    }
    record.push(field);
    if record.iter().any(|f| !f.is_empty()) {
        records.push((start, record));
    }
    Ok(records)
}

/// Yuan text (`1,234.56`, `1234.5`, `100`) as fen; at most two decimals, more than zero.
pub fn yuan_to_fen(text: &str) -> Result<u64, String> {
    let clean: String = text
        .trim()
        .trim_start_matches('¥')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (whole, cents) = clean.split_once('.').unwrap_or((&clean, ""));
    let bad = || format!("amount {text:?} is not yuan with at most two decimals");
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || cents.len() > 2 {
        return Err(bad());
    }
    if !cents.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: u64 = whole.parse().map_err(|_| bad())?;
    let cents: u64 = format!("{cents:0<2}").parse().map_err(|_| bad())?;
    let fen = whole
        .checked_mul(100)
        .and_then(|f| f.checked_add(cents))
        .ok_or_else(bad)?;
    if fen == 0 {
        return Err(format!("amount {text:?} is zero"));
    }
    Ok(fen)
}

fn method(text: &str) -> Option<ProcurementMethod> {
    Some(match text.trim() {
        "公开招标" | "open_tender" => ProcurementMethod::OpenTender,
        "邀请招标" | "invited_tender" => ProcurementMethod::InvitedTender,
        "竞争性谈判" | "competitive_negotiation" => ProcurementMethod::CompetitiveNegotiation,
        "竞争性磋商" | "competitive_consultation" => {
            ProcurementMethod::CompetitiveConsultation
        }
        "询价" | "inquiry" => ProcurementMethod::Inquiry,
        "单一来源" | "single_source" => ProcurementMethod::SingleSource,
        _ => return None,
    })
}

/// Where each named column is: the first header cell among its names.
fn columns(header: &[String], wanted: &[&[&str]]) -> Result<Vec<usize>, String> {
    wanted
        .iter()
        .map(|names| {
            header
                .iter()
                .position(|h| names.contains(&h.trim()))
                .ok_or_else(|| format!("the header has no column {}", names.join(" / ")))
        })
        .collect()
}

const BUDGET_COLUMNS: [&[&str]; 5] = [
    &["项目编号", "project"],
    &["预算年度", "fiscal_year"],
    &["科目编码", "功能科目编码", "code"],
    &["科目名称", "功能科目名称", "name"],
    &["金额(元)", "指标金额(元)", "amount_yuan"],
];
const PROCUREMENT_COLUMNS: [&[&str]; 3] = [
    &["项目编号", "project"],
    &["采购方式", "method"],
    &["公告编号", "announcement_ref"],
];

/// The operations of a file, in the order their first line appears, and the lines refused.
pub fn plan(kind: Kind, text: &str) -> Result<(Vec<Group>, Vec<BadRow>), String> {
    let mut records = parse_csv(text)?.into_iter();
    let (_, header) = records.next().ok_or("the file is empty")?;
    let wanted: &[&[&str]] = match kind {
        Kind::Budget => &BUDGET_COLUMNS,
        Kind::Procurement => &PROCUREMENT_COLUMNS,
    };
    let at = columns(&header, wanted)?;
    let mut groups: Vec<Group> = Vec::new();
    let mut bad = Vec::new();
    for (line, fields) in records {
        let get = |i: usize| fields.get(at[i]).map_or("", |f| f.trim());
        let result = match kind {
            Kind::Budget => budget_row(&get),
            Kind::Procurement => procurement_row(&get),
        };
        match result {
            Err(reason) => bad.push(BadRow {
                line,
                fields,
                reason,
            }),
            Ok((key, _)) if kind == Kind::Budget && other_year(&groups, &key) => bad.push(BadRow {
                line,
                fields,
                reason: format!(
                    "{key}: the project has lines of another fiscal year in this file; a budget is approved once per project, so import one year per file"
                ),
            }),
            Ok((key, op)) => match groups.iter_mut().find(|g| g.key == key) {
                Some(group) => match (&mut group.operation, op) {
                    (Operation::ApproveBudget(b), Operation::ApproveBudget(mut row)) => {
                        b.lines.append(&mut row.lines);
                        group.lines.push(line);
                    }
                    _ => bad.push(BadRow {
                        line,
                        fields,
                        reason: format!("{key} appears twice"),
                    }),
                },
                None => groups.push(Group {
                    key,
                    operation: op,
                    lines: vec![line],
                }),
            },
        }
    }
    Ok((groups, bad))
}

/// Whether `key` (`<project>/<year>`) has a group of another year of the same project.
fn other_year(groups: &[Group], key: &str) -> bool {
    let project = key.split('/').next().unwrap_or_default();
    groups
        .iter()
        .any(|g| g.key != key && g.key.split('/').next() == Some(project))
}

fn budget_row<'a>(get: &dyn Fn(usize) -> &'a str) -> Result<(String, Operation), String> {
    let project = get(0);
    if !is_valid_id(project) {
        return Err(format!("project {project:?} is not a ledger id"));
    }
    let year: u16 = get(1)
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| format!("fiscal year {:?} is not a year", get(1)))?;
    let (code, name) = (get(2), get(3));
    if code.is_empty() || name.is_empty() {
        return Err("a budget line needs a code and a name".into());
    }
    let amount_fen = yuan_to_fen(get(4))?;
    let op = Operation::ApproveBudget(BudgetApproval {
        project: project.to_owned(),
        fiscal_year: year,
        lines: vec![BudgetLine {
            code: code.to_owned(),
            name: name.to_owned(),
            amount_fen,
        }],
        document_hash: None,
    });
    Ok((format!("{project}/{year}"), op))
}

fn procurement_row<'a>(get: &dyn Fn(usize) -> &'a str) -> Result<(String, Operation), String> {
    let project = get(0);
    if !is_valid_id(project) {
        return Err(format!("project {project:?} is not a ledger id"));
    }
    let method = method(get(1)).ok_or_else(|| format!("采购方式 {:?} is not known", get(1)))?;
    let reference = get(2);
    if reference.is_empty() {
        return Err("公告编号 is empty".into());
    }
    let op = Operation::StartProcurement(Procurement {
        project: project.to_owned(),
        method,
        announcement_ref: reference.to_owned(),
    });
    Ok((project.to_owned(), op))
}

/// The nonce of a group: the same for the same file and group, so a resumed import signs the
/// very same transaction again (same hash) and the node takes it once.
pub fn nonce(file: &Hash, key: &str) -> u64 {
    let h = Hash::digest_parts(&[b"gongxin/import/v1\0", file.as_bytes(), key.as_bytes()]);
    u64::from_be_bytes(h.as_bytes()[..8].try_into().expect("32 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_quotes_bom_and_crlf() {
        let text = "\u{feff}a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\r\n\r\nlast,\"two\nlines\"\n";
        let records = parse_csv(text).unwrap();
        assert_eq!(records[0], (1, vec!["a".into(), "b".into()]));
        assert_eq!(records[1], (2, vec!["x,1".into(), "say \"hi\"".into()]));
        assert_eq!(records[2], (4, vec!["last".into(), "two\nlines".into()]));
        assert!(parse_csv("\"open").is_err());
    }

    #[test]
    fn yuan_reads_as_finance_writes_it() {
        assert_eq!(yuan_to_fen("1,234.56"), Ok(123_456));
        assert_eq!(yuan_to_fen("¥100"), Ok(10_000));
        assert_eq!(yuan_to_fen("0.5"), Ok(50));
        for bad in ["", "-1", "1.234", "abc", "0", "1e3", "99999999999999999999"] {
            assert!(yuan_to_fen(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn budget_lines_group_per_project_and_year_and_bad_rows_are_reported() {
        let text = "项目编号,预算年度,功能科目编码,功能科目名称,指标金额(元),指标文号\n\
                    P-1,2026,2120101,行政运行,\"1,000.00\",财预〔2026〕1号\n\
                    P-2,2026,2120102,一般行政管理事务,500,\n\
                    P-1,2026,2120199,其他,20.5,\n\
                    P 3,2026,1,x,1,\n\
                    P-4,1999,1,x,1,\n\
                    P-5,2026,1,x,-3,\n\
                    P-2,2027,2120102,一般行政管理事务,500,\n";
        let (groups, bad) = plan(Kind::Budget, text).unwrap();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].key, "P-1/2026");
        assert_eq!(groups[0].lines, vec![2, 4]);
        let Operation::ApproveBudget(b) = &groups[0].operation else {
            panic!()
        };
        assert_eq!(
            b.lines.iter().map(|l| l.amount_fen).collect::<Vec<_>>(),
            vec![100_000, 2_050]
        );
        assert_eq!(
            bad.iter().map(|b| b.line).collect::<Vec<_>>(),
            vec![5, 6, 7, 8]
        );
        assert!(bad[0].reason.contains("not a ledger id"));
        assert!(
            bad[3].reason.contains("another fiscal year"),
            "{}",
            bad[3].reason
        );
        assert!(
            plan(Kind::Budget, "项目编号,金额(元)\nP,1\n")
                .unwrap_err()
                .contains("预算年度")
        );
    }

    #[test]
    fn procurement_notices_and_stable_nonces() {
        let text = "公告编号,项目编号,采购方式\nZB-1,P-1,公开招标\nZB-2,P-2,拍卖\nZB-3,P-1,询价\n";
        let (groups, bad) = plan(Kind::Procurement, text).unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(bad.len(), 2);
        assert!(bad[0].reason.contains("采购方式"));
        assert!(bad[1].reason.contains("twice"));
        let file = Hash::digest(b"file");
        assert_eq!(nonce(&file, "P-1"), nonce(&file, "P-1"));
        assert_ne!(nonce(&file, "P-1"), nonce(&file, "P-2"));
        assert_ne!(nonce(&file, "P-1"), nonce(&Hash::digest(b"other"), "P-1"));
    }
}
