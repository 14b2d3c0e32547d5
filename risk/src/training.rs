//! Training rows from a ledger's finished projects, a split that keeps each project on one side,
//! and the evaluation report.
//!
//! A finished project (accepted, passed) gives one row per **snapshot**: its features as of
//! 25 %, 50 % and 75 % of its originally planned duration (a snapshot at or after its acceptance
//! is skipped: by then the outcome is known), labelled late if it was accepted after its
//! originally planned end.

use gongxin_contracts::state::{State, StorageError};
use gongxin_core::Hash;
use gongxin_core::model::TimestampMs;
use serde::Serialize;

use crate::features::{FeatureVector, Finished, describe, history_of, read_projects};
use crate::metrics::{CalibrationBin, auc, brier, calibration, precision_at_top};
use crate::model::Model;

/// When, in percent of the originally planned duration, a finished project is described.
pub const SNAPSHOT_PERCENTS: [u64; 3] = [25, 50, 75];

/// One training or evaluation row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub project: String,
    pub as_of_ms: TimestampMs,
    pub features: FeatureVector,
    pub late: bool,
    /// The health score's schedule component at the same moment (the baseline).
    pub schedule_score_bp: u16,
}

/// The rows of every finished project of the ledger, in project order.
pub fn rows<S: State>(st: &S) -> Result<Vec<Row>, StorageError> {
    let projects = read_projects(st)?;
    let history = history_of(&projects);
    let mut out = Vec::new();
    for facts in &projects {
        let Some(outcome) = Finished::of(&facts.project, facts.contract.as_ref()) else {
            continue;
        };
        let p = &facts.project;
        let planned = p.original_planned_end_ms.saturating_sub(p.planned_start_ms);
        for percent in SNAPSHOT_PERCENTS {
            let as_of = p.planned_start_ms + planned * percent / 100;
            if as_of >= outcome.accepted_ms {
                continue;
            }
            if let Some(d) = describe(st, facts, &history, as_of)? {
                out.push(Row {
                    project: p.id.clone(),
                    as_of_ms: as_of,
                    features: d.features,
                    late: outcome.late,
                    schedule_score_bp: d.schedule_score_bp,
                });
            }
        }
    }
    Ok(out)
}

/// Whether `project` is in the evaluation share (`percent` of projects, chosen by the SM3 of
/// the seed and the id, so the same seed always splits the same way).
pub fn held_out(project: &str, seed: u64, percent: u8) -> bool {
    let digest = Hash::digest(format!("gongxin/risk/split/{seed}/{project}").as_bytes());
    let bytes = digest.as_bytes();
    u16::from_be_bytes([bytes[0], bytes[1]]) % 100 < u16::from(percent)
}

/// A ranking's quality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankingFigures {
    pub auc: Option<f64>,
    /// Share of late projects among the highest-scored 10 % of rows.
    pub precision_top_decile: Option<f64>,
}

/// The evaluation of a model on held-out rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub rows: usize,
    pub projects: usize,
    pub late_share: f64,
    pub model: RankingFigures,
    /// Ranking by the health score's schedule component alone (lower score = riskier).
    pub baseline_schedule_component: RankingFigures,
    pub brier: f64,
    pub expected_calibration_error: f64,
    pub calibration: Vec<CalibrationBin>,
}

/// Evaluates `model` on `rows`.
pub fn evaluate(model: &Model, rows: &[Row]) -> Evaluation {
    let late: Vec<bool> = rows.iter().map(|r| r.late).collect();
    let probabilities: Vec<f64> = rows
        .iter()
        .map(|r| model.explain(&r.features).probability)
        .collect();
    let baseline: Vec<f64> = rows
        .iter()
        .map(|r| f64::from(10_000 - r.schedule_score_bp.min(10_000)))
        .collect();
    let (bins, ece) = calibration(&probabilities, &late, 10);
    let mut projects: Vec<&str> = rows.iter().map(|r| r.project.as_str()).collect();
    projects.dedup();
    Evaluation {
        rows: rows.len(),
        projects: projects.len(),
        late_share: late.iter().filter(|&&l| l).count() as f64 / rows.len().max(1) as f64,
        model: RankingFigures {
            auc: auc(&probabilities, &late),
            precision_top_decile: precision_at_top(&probabilities, &late, 0.1),
        },
        baseline_schedule_component: RankingFigures {
            auc: auc(&baseline, &late),
            precision_top_decile: precision_at_top(&baseline, &late, 0.1),
        },
        brier: brier(&probabilities, &late),
        expected_calibration_error: ece,
        calibration: bins,
    }
}
