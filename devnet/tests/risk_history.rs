//! The delay-risk pipeline end to end at test size: a synthetic history through the rules,
//! rows from its finished projects, a model trained on 70 % of them, evaluated on the rest.
//! The figures BENCHMARKS.md reports come from the same code at 3,000 projects.
#![allow(clippy::float_arithmetic)]

use gongxin_devnet::history::{HistoryConfig, experiment};

#[test]
fn the_model_beats_the_schedule_baseline_on_held_out_projects_and_is_calibrated() {
    let e = experiment(
        &HistoryConfig {
            projects: 300,
            seed: 1,
            span_days: 400,
        },
        "test",
    );
    assert_eq!(e.generated_projects, 300);
    let late_share = e.late_projects as f64 / e.generated_projects as f64;
    assert!((0.15..0.6).contains(&late_share), "late share {late_share}");
    let ev = &e.evaluation;
    assert!(ev.rows > 150, "{ev:?}");
    let model = ev.model.auc.unwrap();
    let baseline = ev.baseline_schedule_component.auc.unwrap();
    assert!(model > baseline, "model AUC {model} vs baseline {baseline}");
    assert!(model > 0.8, "model AUC {model}");
    assert!(ev.expected_calibration_error < 0.12, "{ev:?}");
    // The model file names what it was trained on.
    assert!(e.model.training.source.contains("300 projects"));
    assert!(e.model.training.rows == e.training_rows);
}

#[test]
fn the_same_seed_gives_the_same_model_byte_for_byte() {
    let config = HistoryConfig {
        projects: 60,
        seed: 9,
        span_days: 90,
    };
    let a = experiment(&config, "test");
    let b = experiment(&config, "test");
    assert_eq!(
        serde_json::to_vec(&a.model).unwrap(),
        serde_json::to_vec(&b.model).unwrap()
    );
    assert_eq!(a.transactions, b.transactions);
}
