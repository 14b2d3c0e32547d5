//! The model: a logistic regression over standardised features,
//! `P(late) = σ(b + Σᵢ wᵢ · (xᵢ − μᵢ) / sᵢ)`.
//!
//! Each term `wᵢ · (xᵢ − μᵢ) / sᵢ` is feature *i*'s **contribution**: how far it moves this
//! project's log-odds from those of a project with every feature at the training average. The
//! contributions add up exactly to the log-odds, so the factors a page lists are the whole
//! explanation, not an approximation of it.
//!
//! Training ([`train`]) minimises the L2-regularised log-loss by Newton's method: the problem is
//! convex with eleven unknowns, so Newton converges to the one optimum in a few steps, and the
//! same rows give the same model bit for bit. Features whose direction the domain fixes
//! ([`Feature::raises_risk`]) may not come out with a negative weight: when one does (features
//! that move together, such as a department's and its categories' late rates, can trade signs),
//! it is left out (weight 0) and the rest is fitted again, until every sign is right — so no
//! factor ever reads "a clean record raises the risk". (A general ML library would bring an optimiser
//! framework and linear-algebra crates for an 11 × 11 solve; this file is the whole of it and can
//! be read by an auditor.)
//!
//! A model file is JSON ([`Model`]); it is identified by its version and by the SM3 hash of its
//! bytes, which every score names, so an auditor knows which model scored what.

use std::sync::LazyLock;

use gongxin_core::Hash;
use serde::{Deserialize, Serialize};

use crate::features::{FEATURE_COUNT, Feature, FeatureVector};

/// The longest model version (the ledger's limit on names).
pub const VERSION_BYTES_MAX: usize = gongxin_contracts::limits::NAME_BYTES_MAX;

/// The format line of a model file.
pub const MODEL_FORMAT: &str = "gongxin/delay-risk/v1";

/// The model the node uses unless its config names another: trained on the synthetic history
/// with `gongxin-risk train` (see BENCHMARKS.md for the command and its evaluation).
pub const DEFAULT_MODEL_JSON: &str = include_str!("../models/delay-risk-v1.json");

/// One feature's place in the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFeature {
    pub feature: Feature,
    /// Training mean.
    pub mean: f64,
    /// Training standard deviation (1 when the feature did not vary).
    pub scale: f64,
    /// Log-odds per standard deviation.
    pub weight: f64,
}

/// How the model was made, for the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// What produced the rows (the generator and its parameters, or a ledger).
    pub source: String,
    pub rows: usize,
    pub projects: usize,
    /// Share of rows whose project finished late.
    pub late_share: f64,
    /// The L2 penalty.
    pub lambda: f64,
    pub newton_steps: usize,
}

/// A delay-risk model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub format: String,
    pub version: String,
    pub intercept: f64,
    pub features: Vec<ModelFeature>,
    pub training: TrainingInfo,
}

/// Why a model file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the model file is not valid JSON for a delay-risk model: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the model file's format is {found:?}, this build reads {MODEL_FORMAT:?}")]
    Format { found: String },
    #[error("the model must list the features {expected:?} in that order")]
    Features { expected: Vec<&'static str> },
    #[error("the model's version must be 1 to {VERSION_BYTES_MAX} bytes, not blank")]
    Version,
    #[error("the model's {0} is not a finite number (or a scale is not positive)")]
    NotFinite(&'static str),
}

/// A model and the SM3 hash of the bytes it was read from.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    pub model: Model,
    pub sm3: Hash,
}

impl LoadedModel {
    /// Reads and checks a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<LoadedModel, ModelError> {
        let model: Model = serde_json::from_slice(bytes)?;
        model.check()?;
        Ok(LoadedModel {
            model,
            sm3: Hash::digest(bytes),
        })
    }

    /// The model built into this binary.
    pub fn builtin() -> &'static LoadedModel {
        static BUILTIN: LazyLock<LoadedModel> = LazyLock::new(|| {
            LoadedModel::from_bytes(DEFAULT_MODEL_JSON.as_bytes())
                .expect("the built-in model is checked by this crate's tests")
        });
        &BUILTIN
    }
}

/// One feature's share of a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub feature: Feature,
    pub value: f64,
    /// Log-odds added (positive raises the risk).
    pub contribution: f64,
}

/// A score and its explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub probability: f64,
    /// The log-odds of a project with every feature at the training average.
    pub baseline_logit: f64,
    /// Every feature's contribution, the largest increase first.
    pub contributions: Vec<Contribution>,
}

impl Model {
    fn check(&self) -> Result<(), ModelError> {
        if self.format != MODEL_FORMAT {
            return Err(ModelError::Format {
                found: self.format.clone(),
            });
        }
        let names: Vec<Feature> = self.features.iter().map(|f| f.feature).collect();
        if names != Feature::ALL {
            return Err(ModelError::Features {
                expected: Feature::ALL.iter().map(|f| f.name()).collect(),
            });
        }
        // What `record_risk_model` accepts, so a node never sends a record the rules refuse.
        if self.version.trim().is_empty() || self.version.len() > VERSION_BYTES_MAX {
            return Err(ModelError::Version);
        }
        if !self.intercept.is_finite() {
            return Err(ModelError::NotFinite("intercept"));
        }
        for f in &self.features {
            if !(f.mean.is_finite() && f.weight.is_finite() && f.scale.is_finite() && f.scale > 0.0)
            {
                return Err(ModelError::NotFinite(f.feature.name()));
            }
        }
        Ok(())
    }

    /// The probability that a project with features `x` finishes late, and why.
    pub fn explain(&self, x: &FeatureVector) -> Explanation {
        let mut contributions: Vec<Contribution> = self
            .features
            .iter()
            .zip(x)
            .map(|(f, &value)| Contribution {
                feature: f.feature,
                value,
                contribution: f.weight * (value - f.mean) / f.scale,
            })
            .collect();
        let logit = self.intercept + contributions.iter().map(|c| c.contribution).sum::<f64>();
        contributions.sort_by(|a, b| {
            b.contribution
                .total_cmp(&a.contribution)
                .then(a.feature.cmp(&b.feature))
        });
        Explanation {
            probability: sigmoid(logit),
            baseline_logit: self.intercept,
            contributions,
        }
    }
}

pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// What [`train`] needs besides the rows.
#[derive(Debug, Clone)]
pub struct TrainingSetup {
    pub version: String,
    pub source: String,
    pub projects: usize,
    pub lambda: f64,
}

/// Fits the model to `rows` (`late[i]` is row *i*'s outcome). `None` if there are no rows.
pub fn train(rows: &[FeatureVector], late: &[bool], setup: &TrainingSetup) -> Option<Model> {
    if rows.is_empty() || rows.len() != late.len() {
        return None;
    }
    let n = rows.len() as f64;
    let mut mean = [0.0; FEATURE_COUNT];
    let mut scale = [0.0; FEATURE_COUNT];
    for j in 0..FEATURE_COUNT {
        mean[j] = rows.iter().map(|r| r[j]).sum::<f64>() / n;
        let var = rows.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n;
        scale[j] = if var > 1e-12 { var.sqrt() } else { 1.0 };
    }
    // Design matrix: a 1 for the intercept, then the standardised features.
    let z: Vec<[f64; FEATURE_COUNT + 1]> = rows
        .iter()
        .map(|r| {
            let mut v = [1.0; FEATURE_COUNT + 1];
            for j in 0..FEATURE_COUNT {
                v[j + 1] = (r[j] - mean[j]) / scale[j];
            }
            v
        })
        .collect();
    // Fit; leave out any risk-raising feature that comes out negative; fit the rest again.
    let mut z = z;
    let mut total_steps = 0;
    let beta = loop {
        let (beta, steps) = newton_logistic(&z, late, setup.lambda);
        total_steps += steps;
        let wrong: Vec<usize> = Feature::ALL
            .iter()
            .enumerate()
            .filter(|(j, f)| f.raises_risk() && beta[j + 1] < 0.0)
            .map(|(j, _)| j)
            .collect();
        if wrong.is_empty() {
            break beta;
        }
        for row in z.iter_mut() {
            for &j in &wrong {
                row[j + 1] = 0.0;
            }
        }
    };
    let steps = total_steps;
    let late_count = late.iter().filter(|&&l| l).count();
    Some(Model {
        format: MODEL_FORMAT.to_owned(),
        version: setup.version.clone(),
        intercept: beta[0],
        features: Feature::ALL
            .iter()
            .enumerate()
            .map(|(j, &feature)| ModelFeature {
                feature,
                mean: mean[j],
                scale: scale[j],
                weight: beta[j + 1],
            })
            .collect(),
        training: TrainingInfo {
            source: setup.source.clone(),
            rows: rows.len(),
            projects: setup.projects,
            late_share: late_count as f64 / n,
            lambda: setup.lambda,
            newton_steps: steps,
        },
    })
}

const DIM: usize = FEATURE_COUNT + 1;
const NEWTON_STEPS_MAX: usize = 100;

/// Minimises Σ log-loss + λ/2 ‖β₁..‖² (the intercept unpenalised) by Newton's method; returns β
/// and the steps taken.
#[allow(clippy::needless_range_loop)] // matrix code reads best with its indices
fn newton_logistic(z: &[[f64; DIM]], y: &[bool], lambda: f64) -> ([f64; DIM], usize) {
    let mut beta = [0.0; DIM];
    for step in 1..=NEWTON_STEPS_MAX {
        let mut grad = [0.0; DIM];
        let mut hess = [[0.0; DIM]; DIM];
        for (row, &label) in z.iter().zip(y) {
            let p = sigmoid(dot(row, &beta));
            let residual = p - f64::from(u8::from(label));
            let w = (p * (1.0 - p)).max(1e-12);
            for a in 0..DIM {
                grad[a] += residual * row[a];
                for b in a..DIM {
                    hess[a][b] += w * row[a] * row[b];
                }
            }
        }
        for a in 0..DIM {
            for b in 0..a {
                hess[a][b] = hess[b][a];
            }
            if a > 0 {
                grad[a] += lambda * beta[a];
                hess[a][a] += lambda;
            }
        }
        let Some(delta) = solve(hess, grad) else {
            return (beta, step);
        };
        let mut largest: f64 = 0.0;
        for a in 0..DIM {
            beta[a] -= delta[a];
            largest = largest.max(delta[a].abs());
        }
        if largest < 1e-10 {
            return (beta, step);
        }
    }
    (beta, NEWTON_STEPS_MAX)
}

fn dot(a: &[f64; DIM], b: &[f64; DIM]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves `m · x = v` by Gaussian elimination with partial pivoting; `None` if singular.
#[allow(clippy::needless_range_loop)] // matrix code reads best with its indices
fn solve(mut m: [[f64; DIM]; DIM], mut v: [f64; DIM]) -> Option<[f64; DIM]> {
    for col in 0..DIM {
        let pivot = (col..DIM).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-300 {
            return None;
        }
        m.swap(col, pivot);
        v.swap(col, pivot);
        for row in col + 1..DIM {
            let factor = m[row][col] / m[col][col];
            for k in col..DIM {
                m[row][k] -= factor * m[col][k];
            }
            v[row] -= factor * v[col];
        }
    }
    let mut x = [0.0; DIM];
    for row in (0..DIM).rev() {
        let tail: f64 = (row + 1..DIM).map(|k| m[row][k] * x[k]).sum();
        x[row] = (v[row] - tail) / m[row][row];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> TrainingSetup {
        TrainingSetup {
            version: "test".into(),
            source: "unit test".into(),
            projects: 0,
            lambda: 0.01,
        }
    }

    /// Rows drawn from a known logistic model (a deterministic LCG for the draws).
    fn synthetic(
        n: usize,
        weights: &[f64; FEATURE_COUNT],
        bias: f64,
    ) -> (Vec<FeatureVector>, Vec<bool>) {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut uniform = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut rows = Vec::new();
        let mut late = Vec::new();
        for _ in 0..n {
            let mut x = [0.0; FEATURE_COUNT];
            for v in x.iter_mut() {
                *v = uniform() * 2.0 - 1.0;
            }
            let logit = bias + x.iter().zip(weights).map(|(a, b)| a * b).sum::<f64>();
            late.push(uniform() < sigmoid(logit));
            rows.push(x);
        }
        (rows, late)
    }

    #[test]
    fn training_recovers_the_weights_that_generated_the_data() {
        let truth = [2.0, -1.5, 0.0, 1.0, 0.5, 0.0, 0.0, 3.0, 2.0, 0.0];
        let (rows, late) = synthetic(40_000, &truth, -0.5);
        let model = train(&rows, &late, &setup()).unwrap();
        for (f, &w) in model.features.iter().zip(&truth) {
            // The model's weight is per standard deviation: uniform(−1, 1) has sd 1/√3.
            let raw = f.weight / f.scale;
            assert!((raw - w).abs() < 0.15, "{:?}: {raw} vs {w}", f.feature);
        }
        assert!(model.training.newton_steps < 20);
    }

    #[test]
    fn a_risk_raising_feature_never_gets_a_negative_weight() {
        // Feature 7 (the department's late rate) truly lowers the risk in these rows: it is
        // left out rather than shown as "a worse history lowers the risk".
        let truth = [2.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, -2.0, 0.0, 0.0];
        let (rows, late) = synthetic(20_000, &truth, 0.0);
        let model = train(&rows, &late, &setup()).unwrap();
        for f in &model.features {
            if f.feature.raises_risk() {
                assert!(f.weight >= 0.0, "{:?} {}", f.feature, f.weight);
            }
        }
        assert_eq!(model.features[7].weight, 0.0);
        // Per standard deviation (1/√3 of the raw 2.0), shrunk a little by the left-out feature.
        assert!(
            model.features[0].weight > 0.5,
            "{}",
            model.features[0].weight
        );
    }

    #[test]
    fn contributions_add_up_to_the_log_odds() {
        let truth = [1.0, -0.5, 0.5, 0.0, 0.2, 0.3, 0.0, 0.0, 0.0, 0.1];
        let (rows, late) = synthetic(2_000, &truth, 0.0);
        let model = train(&rows, &late, &setup()).unwrap();
        let e = model.explain(&rows[7]);
        let logit = e.baseline_logit + e.contributions.iter().map(|c| c.contribution).sum::<f64>();
        assert!((sigmoid(logit) - e.probability).abs() < 1e-12);
        assert!(
            e.contributions
                .windows(2)
                .all(|w| w[0].contribution >= w[1].contribution)
        );
    }

    #[test]
    fn the_same_rows_give_the_same_model_byte_for_byte() {
        let (rows, late) = synthetic(3_000, &[1.0; FEATURE_COUNT], 0.2);
        let a = serde_json::to_vec(&train(&rows, &late, &setup()).unwrap()).unwrap();
        let b = serde_json::to_vec(&train(&rows, &late, &setup()).unwrap()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn the_builtin_model_loads_and_a_bad_file_is_refused_with_the_reason() {
        let builtin = LoadedModel::builtin();
        assert_eq!(builtin.sm3, Hash::digest(DEFAULT_MODEL_JSON.as_bytes()));
        let mut other = builtin.model.clone();
        other.format = "something/else".into();
        let err = LoadedModel::from_bytes(&serde_json::to_vec(&other).unwrap()).unwrap_err();
        assert!(err.to_string().contains("something/else"), "{err}");
        let mut other = builtin.model.clone();
        other.features.swap(0, 1);
        let err = LoadedModel::from_bytes(&serde_json::to_vec(&other).unwrap()).unwrap_err();
        assert!(err.to_string().contains("schedule_gap"), "{err}");
        let mut other = builtin.model.clone();
        other.version = " ".into();
        let err = LoadedModel::from_bytes(&serde_json::to_vec(&other).unwrap()).unwrap_err();
        assert!(err.to_string().contains("version"), "{err}");
        let mut other = builtin.model.clone();
        other.features[3].scale = 0.0;
        let err = LoadedModel::from_bytes(&serde_json::to_vec(&other).unwrap()).unwrap_err();
        assert!(err.to_string().contains("change_orders"), "{err}");
        assert!(LoadedModel::from_bytes(b"{").is_err());
    }

    #[test]
    fn no_rows_train_no_model() {
        assert!(train(&[], &[], &setup()).is_none());
    }
}
