//! The one output path: every answer leaves through here, as text for people or, with `--json`,
//! as JSON for machines. Commands hand over the value and its human rendering; only this module
//! prints.

use serde::{Serialize, Serializer};

/// How answers are printed: chosen once, from `--json`, for the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputMode {
    /// Text for people (the default).
    Human,
    /// JSON for machines (`--json`).
    Json,
}

/// Where an answer goes.
#[derive(Debug, Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

/// How an answer's JSON is laid out.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// Indented, over several lines: documents (records, pages, reports, statuses).
    Pretty,
    /// One line: small answers, one per item or event, and failures.
    Line,
}

/// An answer built only when it is printed as JSON, from a `serde_json::json!` object: the
/// human text never needs it, and `json!` panics on what does not serialize (a path that is not
/// UTF-8), which the human text prints fine.
pub(crate) struct JsonWith<F>(pub(crate) F);

impl<F: Fn() -> serde_json::Value> Serialize for JsonWith<F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.0)().serialize(serializer)
    }
}

impl OutputMode {
    /// `--json` or not.
    pub(crate) fn from_json_flag(json: bool) -> OutputMode {
        if json {
            OutputMode::Json
        } else {
            OutputMode::Human
        }
    }

    /// An answer on stdout: indented JSON, or its human rendering (which ends its own lines).
    pub(crate) fn emit<T: Serialize + ?Sized>(
        self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> anyhow::Result<()> {
        self.write(Stream::Stdout, Layout::Pretty, value, human)
    }

    /// An answer on stdout: JSON on one line, or its human rendering.
    pub(crate) fn emit_line<T: Serialize + ?Sized>(
        self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> anyhow::Result<()> {
        self.write(Stream::Stdout, Layout::Line, value, human)
    }

    /// An event or a failure on stderr: JSON on one line, or its human rendering.
    pub(crate) fn emit_err_line<T: Serialize + ?Sized>(
        self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> anyhow::Result<()> {
        self.write(Stream::Stderr, Layout::Line, value, human)
    }

    /// Text for people only, on stdout (progress); nothing with `--json`.
    pub(crate) fn note(self, text: &str) {
        if self == OutputMode::Human {
            write_to(Stream::Stdout, text);
        }
    }

    /// Text for people only, on stderr (advice, where evidence went); nothing with `--json`.
    pub(crate) fn note_err(self, text: &str) {
        if self == OutputMode::Human {
            write_to(Stream::Stderr, text);
        }
    }

    /// The one place that decides between JSON and text.
    fn write<T: Serialize + ?Sized>(
        self,
        stream: Stream,
        layout: Layout,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> anyhow::Result<()> {
        let text = match self {
            OutputMode::Human => human(value),
            OutputMode::Json => {
                let mut json = match layout {
                    Layout::Pretty => serde_json::to_string_pretty(value)?,
                    Layout::Line => serde_json::to_string(value)?,
                };
                json.push('\n');
                json
            }
        };
        write_to(stream, &text);
        Ok(())
    }
}

/// Text printed the same in both modes, on stdout (an operation template is JSON to both).
pub(crate) fn say(text: &str) {
    write_to(Stream::Stdout, text);
}

/// Text printed the same in both modes, on stderr (ALARM lines, failures to save evidence).
pub(crate) fn say_err(text: &str) {
    write_to(Stream::Stderr, text);
}

fn write_to(stream: Stream, text: &str) {
    match stream {
        Stream::Stdout => print!("{text}"),
        Stream::Stderr => eprint!("{text}"),
    }
}
