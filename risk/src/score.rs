//! Scoring the open projects of a ledger: what the gateway serves and the console shows.

use gongxin_contracts::state::{State, StorageError};
use gongxin_core::Hash;
use gongxin_core::model::{ProjectStage, TimestampMs};
use serde::Serialize;

use crate::features::{Feature, ProjectFacts, describe, history_of, read_projects};
use crate::model::LoadedModel;

/// From this probability (bp) a project is 高风险.
pub const HIGH_RISK_BP: u16 = 5_000;
/// From this probability (bp) a project is 中风险.
pub const MEDIUM_RISK_BP: u16 = 2_500;
/// How many factors the summary sentence names.
pub const SUMMARY_FACTORS: usize = 3;

/// The stages whose projects are scored: work is contracted and not yet handed over.
pub fn scored(stage: ProjectStage) -> bool {
    matches!(
        stage,
        ProjectStage::Contracted | ProjectStage::InProgress | ProjectStage::Suspended
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub fn of(probability_bp: u16) -> RiskLevel {
        if probability_bp >= HIGH_RISK_BP {
            RiskLevel::High
        } else if probability_bp >= MEDIUM_RISK_BP {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RiskLevel::Low => "低",
            RiskLevel::Medium => "中",
            RiskLevel::High => "高",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }
}

/// One factor of a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    pub feature: Feature,
    /// The figure, in the feature's unit (see [`crate::features`]).
    pub value: f64,
    /// Log-odds it adds (positive raises the risk), rounded to 0.001.
    pub contribution: f64,
    pub text_zh: String,
    pub text_en: String,
}

/// Which model scored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRef {
    pub version: String,
    pub sm3: Hash,
}

/// A project's delay risk, explained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectRisk {
    pub project: String,
    pub name: String,
    pub department: String,
    pub stage: ProjectStage,
    pub as_of_ms: TimestampMs,
    /// The probability of being accepted after the originally planned end, in bp.
    pub probability_bp: u16,
    pub level: RiskLevel,
    /// "延期风险 72%（高）：…" — the level and the factors that raise it most.
    pub summary_zh: String,
    /// The same in English.
    pub summary_en: String,
    /// Every factor, the largest increase first.
    pub factors: Vec<Factor>,
    pub model: ModelRef,
}

fn round_to(value: f64, step: f64) -> f64 {
    (value / step).round() * step
}

/// Scores one project.
pub fn score_project<S: State>(
    st: &S,
    facts: &ProjectFacts,
    history: &crate::features::History,
    model: &LoadedModel,
    as_of: TimestampMs,
) -> Result<Option<ProjectRisk>, StorageError> {
    let Some(described) = describe(st, facts, history, as_of)? else {
        return Ok(None);
    };
    let explanation = model.model.explain(&described.features);
    let p = &facts.project;
    // Past its original planned end and not accepted, a project is late whatever the model
    // (trained on moments within the plan) would say.
    let overdue_days = as_of
        .checked_sub(p.original_planned_end_ms)
        .filter(|&ms| ms > 0)
        .map(|ms| ms.div_ceil(gongxin_contracts::limits::DAY_MS));
    let probability_bp = match overdue_days {
        Some(_) => 10_000,
        None => (explanation.probability * 10_000.0)
            .round()
            .clamp(0.0, 10_000.0) as u16,
    };
    let level = RiskLevel::of(probability_bp);
    let factors: Vec<Factor> = explanation
        .contributions
        .iter()
        .map(|c| Factor {
            feature: c.feature,
            value: round_to(c.value, 0.01),
            contribution: round_to(c.contribution, 0.001),
            text_zh: c.feature.describe_zh(c.value),
            text_en: c.feature.describe_en(c.value),
        })
        .collect();
    let raising: Vec<&Factor> = factors
        .iter()
        .filter(|f| f.contribution > 0.0)
        .take(SUMMARY_FACTORS)
        .collect();
    let percent = (probability_bp + 50) / 100;
    let (summary_zh, summary_en) = match overdue_days {
        Some(days) => (
            format!("已延期：超过原计划完工日期 {days} 天仍未通过验收"),
            format!("already late: {days} days past the original planned end, not accepted"),
        ),
        None => summaries(percent, level, &raising),
    };
    let model_ref = ModelRef {
        version: model.model.version.clone(),
        sm3: model.sm3,
    };
    Ok(Some(ProjectRisk {
        project: p.id.clone(),
        name: p.name.clone(),
        department: p.owner_department.clone(),
        stage: p.stage,
        as_of_ms: as_of,
        probability_bp,
        level,
        summary_zh,
        summary_en,
        factors,
        model: model_ref,
    }))
}

/// "延期风险 72%（高）：…" and its English, naming the factors that raise the risk most.
fn summaries(percent: u16, level: RiskLevel, raising: &[&Factor]) -> (String, String) {
    let summary_zh = format!(
        "延期风险 {percent}%（{}）：{}",
        level.label_zh(),
        if raising.is_empty() {
            "各项指标均不高于平均水平".to_owned()
        } else {
            raising
                .iter()
                .map(|f| f.text_zh.as_str())
                .collect::<Vec<_>>()
                .join("；")
        }
    );
    let summary_en = format!(
        "{percent}% risk of delay ({}): {}",
        level.label_en(),
        if raising.is_empty() {
            "no figure above the average".to_owned()
        } else {
            raising
                .iter()
                .map(|f| f.text_en.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        }
    );
    (summary_zh, summary_en)
}

/// The risk of every project in a [`scored`] stage as of `as_of`, in project id order.
pub fn score_open_projects<S: State>(
    st: &S,
    model: &LoadedModel,
    as_of: TimestampMs,
) -> Result<Vec<ProjectRisk>, StorageError> {
    let projects = read_projects(st)?;
    let history = history_of(&projects);
    let mut out = Vec::new();
    for facts in projects.iter().filter(|f| scored(f.project.stage)) {
        if let Some(risk) = score_project(st, facts, &history, model, as_of)? {
            out.push(risk);
        }
    }
    Ok(out)
}
