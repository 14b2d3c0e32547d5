//! An alert in Chinese for the people a webhook reaches (a 钉钉 group, a phone): the ledger
//! keeps each alert's `message` in English, the same on every node; what is pushed is said
//! from the alert's figures, in Beijing time. The console's `alertText.ts` says the same.

use gongxin_contracts::{Alert, AlertKind};

const DAY_MS: u64 = gongxin_core::calendar::DAY_MS;

pub use gongxin_core::calendar::{beijing_date as date, beijing_minute as date_time};

/// What is left until `due` as of `at`: `2 天 5 小时`, `5 小时`, `不足 1 小时`.
pub fn left(due: u64, at: u64) -> String {
    let hours = due.saturating_sub(at) / 3_600_000;
    match (hours / 24, hours % 24) {
        (0, 0) => "不足 1 小时".to_owned(),
        (0, h) => format!("{h} 小时"),
        (d, 0) => format!("{d} 天"),
        (d, h) => format!("{d} 天 {h} 小时"),
    }
}

/// Fen as `¥1,234.56`.
fn yuan(fen: u64) -> String {
    let whole = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("¥{grouped}.{:02}", fen % 100)
}

/// Basis points as a percent: `92%`, `30.5%`.
fn percent(bp: u64) -> String {
    if bp.is_multiple_of(100) {
        format!("{}%", bp / 100)
    } else {
        let text = format!("{}.{:02}", bp / 100, bp % 100);
        format!("{}%", text.trim_end_matches('0'))
    }
}

/// The alert in Chinese.
pub fn alert_zh(a: &Alert) -> String {
    let dept = &a.responsible_department;
    let project = a.project.as_deref().unwrap_or("");
    match &a.kind {
        AlertKind::RectificationDueSoon { task, deadline_ms } => format!(
            "整改任务 {task} 将于 {} 到期（剩余 {}），请 {dept} 按期提交整改材料。",
            date_time(*deadline_ms),
            left(*deadline_ms, a.time_ms)
        ),
        AlertKind::RectificationOverdue {
            task,
            deadline_ms,
            reminder,
        } => format!(
            "整改任务 {task} 已逾期 {} 天（期限 {}，第 {reminder} 次催办），请 {dept} 尽快办理。",
            a.time_ms.saturating_sub(*deadline_ms) / DAY_MS,
            date(*deadline_ms)
        ),
        AlertKind::RectificationEscalated {
            task, days_overdue, ..
        } => format!(
            "整改任务 {task} 逾期已达 {days_overdue} 天，已上报 {}。",
            a.escalated_to.as_deref().unwrap_or("")
        ),
        AlertKind::MilestoneDueSoon {
            contract,
            name,
            due_ms,
            required_progress_bp,
            accepted_progress_bp,
            ..
        } => format!(
            "合同 {contract} 的付款节点「{name}」将于 {} 到期，需验收进度 {}，目前已验收 {}。",
            date(*due_ms),
            percent(u64::from(*required_progress_bp)),
            percent(u64::from(*accepted_progress_bp))
        ),
        AlertKind::MilestoneOverdue {
            contract,
            name,
            due_ms,
            required_progress_bp,
            accepted_progress_bp,
            ..
        } => format!(
            "合同 {contract} 的付款节点「{name}」已于 {} 到期，需验收进度 {}，目前仅 {}。",
            date(*due_ms),
            percent(u64::from(*required_progress_bp)),
            percent(u64::from(*accepted_progress_bp))
        ),
        AlertKind::BudgetUse80 {
            budget_fen,
            used_fen,
            use_bp,
        } => format!(
            "项目 {project} 已支付 {}，占批复预算 {} 的 {}。",
            yuan(*used_fen),
            yuan(*budget_fen),
            percent(*use_bp)
        ),
        AlertKind::BudgetUse100 { budget_fen, .. } => {
            format!("项目 {project} 已用尽批复预算 {}。", yuan(*budget_fen))
        }
        AlertKind::OverBudgetAttempt {
            budget_fen,
            committed_fen,
            requested_fen,
        } => format!(
            "项目 {project} 有人试图超预算承诺 {}（预算 {}，已承诺 {}），已被规则拒绝并留痕。",
            yuan(*requested_fen),
            yuan(*budget_fen),
            yuan(*committed_fen)
        ),
        AlertKind::DisbursementAheadOfProgress {
            contract,
            accepted_progress_bp,
            allowed_fen,
            requested_fen,
            ..
        } => format!(
            "合同 {contract} 有人申请拨付 {}，超过已验收进度 {} 允许的 {}，已被规则拒绝并留痕。",
            yuan(*requested_fen),
            percent(u64::from(*accepted_progress_bp)),
            yuan(*allowed_fen)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongxin_contracts::AlertKind;

    /// One alert of every kind, as the golden file shows them.
    fn samples() -> Vec<Alert> {
        let t = 1_796_270_400_000; // 2026-12-03 12:00 Beijing time
        let text = |s: &str| s.to_owned();
        let kinds = vec![
            AlertKind::BudgetUse80 {
                budget_fen: 764_000_000,
                used_fen: 702_880_000,
                use_bp: 9_200,
            },
            AlertKind::BudgetUse100 {
                budget_fen: 125_600_000,
                used_fen: 125_600_000,
            },
            AlertKind::OverBudgetAttempt {
                budget_fen: 100_000_000,
                committed_fen: 90_000_000,
                requested_fen: 30_000_000,
            },
            AlertKind::DisbursementAheadOfProgress {
                contract: text("SC-2026-010-C"),
                accepted_progress_bp: 3_050,
                allowed_fen: 40_000_000,
                disbursed_fen: 35_000_000,
                requested_fen: 20_000_000,
            },
            AlertKind::MilestoneOverdue {
                contract: text("SC-2026-010-C"),
                milestone: 1,
                name: text("主体结构 structure"),
                due_ms: t - 86_400_000,
                required_progress_bp: 6_000,
                accepted_progress_bp: 4_500,
            },
            AlertKind::RectificationOverdue {
                task: text("HB-2026-002"),
                deadline_ms: t - 10 * 86_400_000,
                reminder: 2,
            },
            AlertKind::MilestoneDueSoon {
                contract: text("SC-2026-010-C"),
                milestone: 2,
                name: text("竣工 completion"),
                due_ms: t + 3 * 86_400_000,
                required_progress_bp: 10_000,
                accepted_progress_bp: 6_000,
            },
            AlertKind::RectificationDueSoon {
                task: text("HB-2026-003"),
                deadline_ms: t + 26 * 3_600_000,
            },
            AlertKind::RectificationEscalated {
                task: text("HB-2026-004"),
                deadline_ms: t - 31 * 86_400_000,
                days_overdue: 31,
            },
        ];
        kinds
            .into_iter()
            .map(|kind| Alert {
                kind,
                project: Some(text("SC-2026-010")),
                record: text("rect/HB-2026-002"),
                responsible_department: text("ecology"),
                responsible_person: None,
                director: None,
                escalated_to: Some(text("audit")),
                height: 7,
                time_ms: t,
                message: text("(the ledger's English message)"),
            })
            .collect()
    }

    /// The console says alerts the same way (`web/src/app/components/alertText.ts`): its test
    /// reads this golden file. `GONGXIN_UPDATE_GOLDEN=1` rewrites it after a deliberate change.
    #[test]
    fn the_console_and_the_webhooks_say_every_alert_alike() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../web/test/fixtures/alert-texts.json"
        );
        let golden: Vec<serde_json::Value> = samples()
            .iter()
            .map(|a| serde_json::json!({ "alert": a, "zh": alert_zh(a) }))
            .collect();
        let text = serde_json::to_string_pretty(&golden).unwrap() + "\n";
        if std::env::var_os("GONGXIN_UPDATE_GOLDEN").is_some() {
            std::fs::write(path, &text).unwrap();
        }
        let stored = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{path}: {e}; generate with GONGXIN_UPDATE_GOLDEN=1"));
        assert_eq!(
            stored, text,
            "{path} is stale; regenerate with GONGXIN_UPDATE_GOLDEN=1"
        );
    }

    #[test]
    fn money_shares_and_time_left_read_as_people_write_them() {
        // The dates are core's calendar, tested there; this is the Beijing-time one it uses.
        assert_eq!(date_time(1_796_270_400_000), "2026-12-03 12:00");
        assert_eq!(yuan(702_880_000), "¥7,028,800.00");
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(percent(9_200), "92%");
        assert_eq!(percent(3_050), "30.5%");
        assert_eq!(left(50 * 3_600_000, 0), "2 天 2 小时");
        assert_eq!(left(48 * 3_600_000, 0), "2 天");
        assert_eq!(left(1_000, 0), "不足 1 小时");
    }
}
