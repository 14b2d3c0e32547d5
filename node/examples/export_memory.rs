//! What a 100,000-row export costs in memory: writes that many rows of the widest table
//! (rectifications, 12 columns, Chinese text) through the CSV and the XLSX writers the gateway
//! uses, to temporary files, then reads each file back as the gateway does before sending it,
//! and prints the process's peak resident memory (VmHWM) after each step. A measuring tool, not
//! a test:
//!
//! ```sh
//! cargo run -p gongxin-node --example export_memory [rows]
//! ```

use std::fs::File;
use std::io::BufWriter;

use gongxin_node::exports::{Cell, CsvWriter, XlsxWriter};

fn peak_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

const HEADERS: [&str; 12] = [
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
];

fn row(n: u64) -> Vec<Cell> {
    vec![
        Cell::text(format!("HB-2026-{n:06}")),
        Cell::text(format!(
            "督察整改措施 {n}: 河段 {n} 排污口整治 outfall {n} clean-up"
        )),
        Cell::text(format!("SC-2026-{:03}", n % 1000)),
        Cell::text("ecology"),
        Cell::text("audit"),
        Cell::DateTime(1_796_270_400_000 + n * 60_000),
        Cell::text("待整改"),
        Cell::text("否"),
        Cell::Int(n % 5),
        Cell::Int(n % 3),
        Cell::Empty,
        Cell::text("连续三个月监测达标 three consecutive monthly samples within limits"),
    ]
}

fn main() {
    let rows: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    println!("start: peak {} MiB", peak_mib());

    let csv_path = dir.path().join("export.csv");
    let mut csv =
        CsvWriter::new(BufWriter::new(File::create(&csv_path).unwrap()), &HEADERS).unwrap();
    for n in 0..rows {
        csv.row(&row(n)).unwrap();
    }
    csv.finish().unwrap();
    let size = std::fs::metadata(&csv_path).unwrap().len() / 1024 / 1024;
    println!(
        "CSV of {rows} rows written ({size} MiB): peak {} MiB",
        peak_mib()
    );
    let bytes = std::fs::read(&csv_path).unwrap();
    println!(
        "CSV read back to send ({} MiB): peak {} MiB",
        bytes.len() / 1024 / 1024,
        peak_mib()
    );
    drop(bytes);
    // Resets the peak (VmHWM) to the current resident size, so the XLSX figures are its own.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    println!("peak reset: {} MiB", peak_mib());

    let xlsx_path = dir.path().join("export.xlsx");
    let mut xlsx = XlsxWriter::new("整改台账", &HEADERS, dir.path()).unwrap();
    for n in 0..rows {
        xlsx.row(&row(n)).unwrap();
    }
    println!("XLSX rows written: peak {} MiB", peak_mib());
    xlsx.finish(&xlsx_path).unwrap();
    let size = std::fs::metadata(&xlsx_path).unwrap().len() / 1024 / 1024;
    println!("XLSX saved ({size} MiB): peak {} MiB", peak_mib());
    let bytes = std::fs::read(&xlsx_path).unwrap();
    println!(
        "XLSX read back to send ({} MiB): peak {} MiB",
        bytes.len() / 1024 / 1024,
        peak_mib()
    );
}
