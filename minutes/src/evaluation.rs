//! Precision and recall of the extraction against hand-labelled minutes (`samples/`): whether
//! each instruction was found (and nothing else), and per field whether what was filled is
//! right. A draft matches a label when its sentence contains the label's `contains` words.

use serde::{Deserialize, Serialize};

use crate::{Dictionary, extract};

/// One hand-labelled task.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledTask {
    /// Words only that task's sentence contains.
    pub contains: String,
    pub department: Option<String>,
    /// The member's name.
    pub person: Option<String>,
    /// `YYYY-MM-DD`.
    pub deadline: Option<String>,
    /// Whether the sentence states an acceptance standard.
    pub acceptance: bool,
    pub project: Option<String>,
}

/// A labelled file.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledMinutes {
    pub file: String,
    pub tasks: Vec<LabelledTask>,
}

/// Precision and recall of one field (or of finding tasks at all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Filled and right.
    pub correct: usize,
    /// Filled.
    pub predicted: usize,
    /// Labelled (non-empty).
    pub labelled: usize,
}

impl Figures {
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.predicted)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.labelled)
    }
}

#[allow(clippy::float_arithmetic)] // a report's ratio
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub files: usize,
    pub sentences: usize,
    pub tasks: Figures,
    pub department: Figures,
    pub person: Figures,
    pub deadline: Figures,
    pub acceptance_standard: Figures,
    pub project: Figures,
    /// Sentences drafted that no label names, and labels no draft found.
    pub spurious: Vec<String>,
    pub missed: Vec<String>,
}

fn tally(f: &mut Figures, predicted: Option<&str>, labelled: Option<&str>) {
    if predicted.is_some() {
        f.predicted += 1;
    }
    if labelled.is_some() {
        f.labelled += 1;
    }
    if predicted.is_some() && predicted == labelled {
        f.correct += 1;
    }
}

/// Scores the extraction of each `(text, labels)` pair.
pub fn evaluate(samples: &[(String, LabelledMinutes)], dict: &Dictionary) -> Report {
    let mut r = Report {
        files: samples.len(),
        ..Report::default()
    };
    for (text, labels) in samples {
        let out = extract(text, dict, 0);
        r.sentences += out.sentences;
        r.tasks.predicted += out.drafts.len();
        r.tasks.labelled += labels.tasks.len();
        for draft in &out.drafts {
            if !labels
                .tasks
                .iter()
                .any(|l| draft.sentence.contains(&l.contains))
            {
                r.spurious.push(draft.sentence.clone());
            }
        }
        for label in &labels.tasks {
            let draft = out
                .drafts
                .iter()
                .find(|d| d.sentence.contains(&label.contains));
            let Some(d) = draft else {
                r.missed.push(label.contains.clone());
                tally(&mut r.department, None, label.department.as_deref());
                tally(&mut r.person, None, label.person.as_deref());
                tally(&mut r.deadline, None, label.deadline.as_deref());
                tally(
                    &mut r.acceptance_standard,
                    None,
                    label.acceptance.then_some("yes"),
                );
                tally(&mut r.project, None, label.project.as_deref());
                continue;
            };
            r.tasks.correct += 1;
            tally(
                &mut r.department,
                d.department.as_ref().map(|x| x.id.as_str()),
                label.department.as_deref(),
            );
            tally(
                &mut r.person,
                d.person.as_ref().and_then(|p| p.name.as_deref()),
                label.person.as_deref(),
            );
            tally(
                &mut r.deadline,
                d.deadline.as_ref().map(|x| x.date.as_str()),
                label.deadline.as_deref(),
            );
            tally(
                &mut r.acceptance_standard,
                d.acceptance_standard.as_ref().map(|_| "yes"),
                label.acceptance.then_some("yes"),
            );
            tally(
                &mut r.project,
                d.project.as_deref(),
                label.project.as_deref(),
            );
        }
    }
    r
}

impl Report {
    /// The report as a Markdown table (BENCHMARKS.md).
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| field | precision | recall | right / filled / labelled |\n|---|---|---|---|\n",
        );
        for (name, f) in [
            ("task found", &self.tasks),
            ("responsible department", &self.department),
            ("responsible person", &self.person),
            ("deadline", &self.deadline),
            ("acceptance standard", &self.acceptance_standard),
            ("project", &self.project),
        ] {
            out.push_str(&format!(
                "| {name} | {:.2} | {:.2} | {} / {} / {} |\n",
                f.precision(),
                f.recall(),
                f.correct,
                f.predicted,
                f.labelled
            ));
        }
        out
    }
}
