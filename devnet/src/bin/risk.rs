//! `gongxin-risk`: trains the delay-risk model on a synthetic history and reports how well it
//! ranks held-out projects, against the health score's schedule component.
//!
//! ```text
//! gongxin-risk train --projects 3000 --seed 1 --out risk/models/delay-risk-v1.json
//! gongxin-risk evaluate --model risk/models/delay-risk-v1.json --projects 1000 --seed 2
//! ```
//!
//! `train` holds 30 % of the projects out (chosen by the seed) and evaluates on them; `evaluate`
//! scores every finished project of a freshly generated city (another seed is another city).

#![allow(clippy::float_arithmetic)] // figures for a report

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use gongxin_devnet::history::{HistoryConfig, experiment, generate};
use gongxin_risk::LoadedModel;
use gongxin_risk::training::{Evaluation, evaluate, rows};

#[derive(Parser, Debug)]
#[command(
    name = "gongxin-risk",
    about = "Train and evaluate gongxin's delay-risk model"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Debug)]
struct City {
    /// Projects in the synthetic history.
    #[arg(long, default_value_t = 3000)]
    projects: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Projects start evenly over this many days.
    #[arg(long, default_value_t = 1460)]
    span_days: u64,
}

impl City {
    fn config(&self) -> HistoryConfig {
        HistoryConfig {
            projects: self.projects,
            seed: self.seed,
            span_days: self.span_days,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a history, train on 70 % of its projects, evaluate on the rest.
    Train {
        #[command(flatten)]
        city: City,
        /// Where to write the model file.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "delay-risk-v1")]
        version: String,
    },
    /// Score every finished project of a generated history with a model file.
    Evaluate {
        #[command(flatten)]
        city: City,
        #[arg(long)]
        model: PathBuf,
    },
}

fn print(evaluation: &Evaluation) -> Result<()> {
    let figure = |x: Option<f64>| x.map_or("n/a".to_owned(), |v| format!("{v:.3}"));
    println!("| | ROC AUC | precision, top decile |");
    println!("|---|---|---|");
    println!(
        "| model | {} | {} |",
        figure(evaluation.model.auc),
        figure(evaluation.model.precision_top_decile)
    );
    println!(
        "| baseline: health score's schedule component | {} | {} |",
        figure(evaluation.baseline_schedule_component.auc),
        figure(evaluation.baseline_schedule_component.precision_top_decile)
    );
    println!(
        "rows {} of {} projects, late share {:.3}, Brier {:.4}, expected calibration error {:.4}",
        evaluation.rows,
        evaluation.projects,
        evaluation.late_share,
        evaluation.brier,
        evaluation.expected_calibration_error
    );
    println!("| predicted | rows | mean predicted | observed late |");
    println!("|---|---|---|---|");
    for bin in &evaluation.calibration {
        println!(
            "| {:.1}–{:.1} | {} | {:.3} | {:.3} |",
            bin.from, bin.to, bin.rows, bin.mean_predicted, bin.observed_late
        );
    }
    Ok(())
}

fn main() -> Result<()> {
    match Args::parse().command {
        Command::Train { city, out, version } => {
            let started = std::time::Instant::now();
            let e = experiment(&city.config(), &version);
            eprintln!(
                "generated {} projects ({} late) in {} transactions, trained on {} rows, {:.1} s",
                e.generated_projects,
                e.late_projects,
                e.transactions,
                e.training_rows,
                started.elapsed().as_secs_f64()
            );
            let mut json = serde_json::to_string_pretty(&e.model)?;
            json.push('\n');
            std::fs::write(&out, &json).with_context(|| format!("writing {}", out.display()))?;
            let loaded = LoadedModel::from_bytes(json.as_bytes())?;
            println!("model {} sm3 {}", loaded.model.version, loaded.sm3);
            print(&e.evaluation)
        }
        Command::Evaluate { city, model } => {
            let bytes =
                std::fs::read(&model).with_context(|| format!("reading {}", model.display()))?;
            let loaded = LoadedModel::from_bytes(&bytes)
                .with_context(|| format!("{} is not a usable model", model.display()))?;
            let generated = generate(&city.config());
            let rows = rows(&generated.harness.state)?;
            println!("model {} sm3 {}", loaded.model.version, loaded.sm3);
            print(&evaluate(&loaded.model, &rows))
        }
    }
}
