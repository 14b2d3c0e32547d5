//! Spreadsheet files of ledger records, for the people who keep their own books in Excel or WPS:
//! CSV (UTF-8 with a BOM, so Excel reads the Chinese headers; RFC 4180 quoting) and XLSX
//! (`rust_xlsxwriter` in constant-memory mode: rows go to a temporary file as they are written).
//! Amounts are yuan from integer fen, shares percent from basis points, times Beijing time.
//!
//! A cell that a spreadsheet would read as a formula (text starting `=`, `+`, `-`, `@`, tab or
//! carriage return) is written with a leading apostrophe in CSV and always as text in XLSX, so a
//! record's name cannot run a formula on the reader's machine (CSV injection).
//!
//! Both writers hold one row at a time; what they produce goes to a file, whose size is the
//! export's memory cost when the gateway sends it.

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use gongxin_core::calendar::{beijing_date as date, beijing_minute as date_time};

/// One value of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// Fen, shown as yuan.
    Money(u64),
    /// Basis points, shown as a percent.
    Percent(u64),
    Int(u64),
    /// A day (Beijing time).
    Date(u64),
    /// A minute (Beijing time).
    DateTime(u64),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt_date(ms: Option<u64>) -> Cell {
        ms.map_or(Cell::Empty, Cell::DateTime)
    }

    /// The cell as CSV shows it (before quoting).
    fn plain(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Money(fen) => format!("{}.{:02}", fen / 100, fen % 100),
            Cell::Percent(bp) => format!("{}.{:02}%", bp / 100, bp % 100),
            Cell::Int(n) => n.to_string(),
            Cell::Date(ms) => date(*ms),
            Cell::DateTime(ms) => date_time(*ms),
            Cell::Empty => String::new(),
        }
    }
}

/// Whether a spreadsheet would take `text` for a formula.
fn looks_like_formula(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A CSV field: text that could be a formula gets an apostrophe; a field with a comma, quote
/// or line break is quoted, its quotes doubled.
pub fn csv_field(cell: &Cell) -> String {
    let mut text = cell.plain();
    if matches!(cell, Cell::Text(_)) && looks_like_formula(&text) {
        text.insert(0, '\'');
    }
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Writes rows as CSV.
#[derive(Debug)]
pub struct CsvWriter<W: Write> {
    out: W,
}

impl<W: Write> CsvWriter<W> {
    /// Starts the file: the BOM and the header row.
    pub fn new(mut out: W, headers: &[&str]) -> std::io::Result<CsvWriter<W>> {
        out.write_all("\u{feff}".as_bytes())?;
        let mut writer = CsvWriter { out };
        let cells: Vec<Cell> = headers.iter().map(|h| Cell::text(*h)).collect();
        writer.row(&cells)?;
        Ok(writer)
    }

    pub fn row(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        let line: Vec<String> = cells.iter().map(csv_field).collect();
        self.out.write_all(line.join(",").as_bytes())?;
        self.out.write_all(b"\r\n")
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes rows to one XLSX worksheet.
pub struct XlsxWriter {
    workbook: Workbook,
    row: u32,
    formats: Formats,
}

#[derive(Debug)]
struct Formats {
    header: Format,
    money: Format,
    percent: Format,
    text: Format,
}

impl std::fmt::Debug for XlsxWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxWriter")
            .field("row", &self.row)
            .finish()
    }
}

/// Rows one worksheet holds (Excel's limit, less the header).
pub const XLSX_ROWS_MAX: u32 = 1_048_575;

impl XlsxWriter {
    /// A workbook with one sheet named `sheet`, its header row written, temporary files in
    /// `tempdir`.
    pub fn new(sheet: &str, headers: &[&str], tempdir: &Path) -> Result<XlsxWriter, XlsxError> {
        let mut workbook = Workbook::new();
        workbook.set_tempdir(tempdir)?;
        let formats = Formats {
            header: Format::new().set_bold(),
            money: Format::new().set_num_format("¥#,##0.00"),
            percent: Format::new().set_num_format("0.00%"),
            text: Format::new().set_num_format("@"),
        };
        let sheet_ref = workbook.add_worksheet_with_constant_memory()?;
        sheet_ref.set_name(sheet)?;
        for (col, header) in headers.iter().enumerate() {
            let col = col as u16;
            sheet_ref.write_string_with_format(0, col, *header, &formats.header)?;
            sheet_ref.set_column_width(col, 16)?;
        }
        sheet_ref.set_freeze_panes(1, 0)?;
        Ok(XlsxWriter {
            workbook,
            row: 0,
            formats,
        })
    }

    fn sheet(&mut self) -> Result<&mut Worksheet, XlsxError> {
        self.workbook.worksheet_from_index(0)
    }

    #[allow(clippy::float_arithmetic)] // spreadsheet numbers are doubles; exact for any budget
    pub fn row(&mut self, cells: &[Cell]) -> Result<(), XlsxError> {
        if self.row >= XLSX_ROWS_MAX {
            return Err(XlsxError::RowColumnLimitError);
        }
        self.row += 1;
        let row = self.row;
        let money = self.formats.money.clone();
        let percent = self.formats.percent.clone();
        let text = self.formats.text.clone();
        let sheet = self.sheet()?;
        for (col, cell) in cells.iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Money(fen) => {
                    sheet.write_number_with_format(row, col, *fen as f64 / 100.0, &money)?;
                }
                Cell::Percent(bp) => {
                    sheet.write_number_with_format(row, col, *bp as f64 / 10_000.0, &percent)?;
                }
                Cell::Int(n) => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                Cell::Empty => {}
                other => {
                    sheet.write_string_with_format(row, col, other.plain(), &text)?;
                }
            }
        }
        Ok(())
    }

    /// Writes the workbook to `path`.
    pub fn finish(mut self, path: &Path) -> Result<(), XlsxError> {
        self.workbook.save(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_it_must_and_never_lets_a_cell_be_a_formula() {
        assert_eq!(csv_field(&Cell::text("河段 8")), "河段 8");
        assert_eq!(csv_field(&Cell::text("a,b")), "\"a,b\"");
        assert_eq!(csv_field(&Cell::text("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(
            csv_field(&Cell::text("=HYPERLINK(\"x\")")),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(csv_field(&Cell::text("-1+2")), "'-1+2");
        assert_eq!(csv_field(&Cell::Money(123_456)), "1234.56");
        assert_eq!(csv_field(&Cell::Money(5)), "0.05");
        assert_eq!(csv_field(&Cell::Percent(9_200)), "92.00%");
        assert_eq!(
            csv_field(&Cell::DateTime(1_796_270_400_000)),
            "2026-12-03 12:00"
        );
        let out = CsvWriter::new(Vec::new(), &["项目编号", "批复预算(元)"])
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(out, "\u{feff}项目编号,批复预算(元)\r\n".as_bytes());
    }
}
