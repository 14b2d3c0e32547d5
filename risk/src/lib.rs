//! # gongxin-risk — which projects will be late, and why
//!
//! The seed's AI module, kept explainable: a project's delay risk is a logistic regression over
//! ten figures read from the ledger ([`features`]), and every score comes with each figure's
//! contribution in plain Chinese ("验收进度落后计划 32 个百分点"). The same ledger height and the
//! same model file give the same scores; every score names the model's version and the SM3 of
//! its file.
//!
//! It is **off the consensus path**: nothing here runs in `contracts`' rules or changes state.
//! The node scores open projects from its committed state for the console ([`score`]); the
//! devnet's `gongxin-risk` tool makes training rows from finished projects ([`training`]), fits
//! a model ([`model::train`]) and evaluates it against the health score's schedule component
//! ([`metrics`]).
//!
//! Floating point is used throughout: the figures are statistics for people, never ledger state,
//! so the workspace's ban on float arithmetic (which guards the deterministic rules) is lifted
//! for this crate.
#![allow(clippy::float_arithmetic)]

pub mod features;
pub mod metrics;
pub mod model;
pub mod score;
pub mod training;

pub use features::{FEATURE_COUNT, Feature, FeatureVector};
pub use model::{LoadedModel, Model};
pub use score::{ProjectRisk, RiskLevel, score_open_projects};
