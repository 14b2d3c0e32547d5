//! Field checks shared by the rules: ids, texts, shares, and the unified social credit code.

/// The credit code's format lives with the model, so clients check it before asking anyone.
pub use gongxin_core::model::credit_code::{
    credit_code_problem, is_valid_credit_code, with_check_character,
};
use gongxin_core::model::{BasisPoints, FULL_BP, TEXT_BYTES_MAX, is_valid_id};

use crate::limits::NAME_BYTES_MAX;
use crate::rejection::Rejection;

/// A record or department id: 1–64 characters from `A–Z a–z 0–9 . _ -`.
pub(crate) fn id(field: &str, value: &str) -> Result<(), Rejection> {
    if is_valid_id(value) {
        Ok(())
    } else {
        Err(Rejection::invalid(
            field,
            format!("{value:?} is not an id: 1-64 characters from A-Z a-z 0-9 . _ -"),
        ))
    }
}

fn text(field: &str, value: &str, min: usize, max: usize, lines: bool) -> Result<(), Rejection> {
    if value.len() < min {
        return Err(Rejection::invalid(field, "must not be empty"));
    }
    if value.len() > max {
        return Err(Rejection::invalid(
            field,
            format!("is {} bytes, at most {max} are allowed", value.len()),
        ));
    }
    // Control characters hide text from people reading the ledger (and can forge line breaks in
    // names shown in lists); long texts may still have lines and tabs.
    if value
        .chars()
        .any(|c| c.is_control() && !(lines && (c == '\n' || c == '\t')))
    {
        return Err(Rejection::invalid(field, "contains control characters"));
    }
    Ok(())
}

/// A short, required text: names, references, codes (1–256 bytes, one line).
pub(crate) fn name(field: &str, value: &str) -> Result<(), Rejection> {
    text(field, value, 1, NAME_BYTES_MAX, false)
}

/// A required free text (1–4096 bytes).
pub(crate) fn required_text(field: &str, value: &str) -> Result<(), Rejection> {
    text(field, value, 1, TEXT_BYTES_MAX, true)
}

/// An optional free text (0–4096 bytes).
pub(crate) fn note(field: &str, value: &str) -> Result<(), Rejection> {
    text(field, value, 0, TEXT_BYTES_MAX, true)
}

/// A share or percentage: at most 10 000 bp.
pub(crate) fn share(field: &str, value: BasisPoints) -> Result<(), Rejection> {
    if value > FULL_BP {
        Err(Rejection::invalid(
            field,
            format!("{value} bp is more than 100 % (10000 bp)"),
        ))
    } else {
        Ok(())
    }
}

/// A list length within `1..=max` (or `0..=max` when `allow_empty`).
pub(crate) fn list_len(
    field: &str,
    len: usize,
    max: usize,
    allow_empty: bool,
) -> Result<(), Rejection> {
    if len == 0 && !allow_empty {
        return Err(Rejection::invalid(field, "must not be empty"));
    }
    if len > max {
        return Err(Rejection::invalid(
            field,
            format!("has {len} entries, at most {max} are allowed"),
        ));
    }
    Ok(())
}

pub(crate) fn credit_code(field: &str, code: &str) -> Result<(), Rejection> {
    match credit_code_problem(code) {
        None => Ok(()),
        Some(problem) => Err(Rejection::invalid(
            field,
            format!("{code:?} is not a unified social credit code: {problem}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_bounded_and_printable() {
        assert!(name("name", "智慧城市 交通信号").is_ok());
        assert!(name("name", "").is_err());
        assert!(name("name", "a\nb").is_err());
        assert!(note("note", "a\nb").is_ok());
        assert!(note("note", &"x".repeat(TEXT_BYTES_MAX + 1)).is_err());
        assert!(share("share", 10_001).is_err());
        assert!(id("id", "SC-2026/1").is_err());
    }
}
