//! The credit-registry adapter (信用中国 and the provincial credit platforms): how a registry is
//! asked about a party, and how its answer becomes a verdict. Pure: the HTTP call and the
//! ledger transaction are `gongxin credit check`'s (`cli/credit.rs`).
//!
//! Registries differ, so the adapter is data, a JSON file the department keeps:
//!
//! ```json
//! {
//!   "name": "creditchina",
//!   "url": "https://credit.example.gov.cn/api/v1/entity",
//!   "query": {"code": "{credit_code}", "keyword": "{name}"},
//!   "headers": {"X-Api-Key": "…"},
//!   "listed_when": ["/data/dishonest_executee", "/data/major_tax_violation"],
//!   "credit_code_at": "/data/credit_code",
//!   "summary_at": "/data/summary",
//!   "timeout_ms": 10000
//! }
//! ```
//!
//! `query` values may name `{credit_code}` and `{name}`. The answer must be JSON; each
//! `listed_when` entry is a JSON pointer (RFC 6901) to a field that says whether the party is on
//! one of the registry's lists: `true`, a non-zero number, a non-empty array or object, or a
//! non-empty string other than 否 / no / false / 0 / none / 无 means listed. A pointer the answer
//! lacks is an error, never "clear": an answer the mapping does not fit proves nothing. With
//! `credit_code_at`, the answer must be about the code asked.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use gongxin_core::model::{CreditVerdict, Party};

/// Answers larger than this are refused (a registry's answer about one party is small).
pub const ANSWER_BYTES_MAX: u64 = 1024 * 1024;

/// A registry and how to read its answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryConfig {
    /// Recorded on the ledger as the check's `registry` (an id: letters, digits, `._-`).
    pub name: String,
    /// `http://` or `https://`, without the query.
    pub url: String,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub listed_when: Vec<String>,
    #[serde(default)]
    pub credit_code_at: Option<String>,
    #[serde(default)]
    pub summary_at: Option<String>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_timeout_ms() -> u64 {
    10_000
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditError {
    #[error("registry file: {0}")]
    Config(String),
    #[error("the registry's answer is not JSON: {0}")]
    NotJson(String),
    #[error(
        "the registry's answer has no {0}: the adapter's mapping does not fit this answer, so it proves nothing"
    )]
    Missing(String),
    #[error("the registry answered about {found:?}, not the code asked ({asked})")]
    OtherParty { asked: String, found: String },
}

/// What the answer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub verdict: CreditVerdict,
    /// The `listed_when` pointers that said listed.
    pub listed_on: Vec<String>,
    /// One line for the ledger.
    pub summary: String,
}

/// The summary's length on the ledger (the rules allow notes of this many bytes and more).
const SUMMARY_CHARS_MAX: usize = 200;

impl RegistryConfig {
    pub fn from_json(text: &str) -> Result<RegistryConfig, CreditError> {
        let config: RegistryConfig =
            serde_json::from_str(text).map_err(|e| CreditError::Config(e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), CreditError> {
        let id_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !id_ok {
            return Err(CreditError::Config(format!(
                "name {:?} must be 1-64 letters, digits, '.', '_' or '-'",
                self.name
            )));
        }
        if !(self.url.starts_with("http://") || self.url.starts_with("https://"))
            || self.url.contains('?')
        {
            return Err(CreditError::Config(format!(
                "url {:?} must be http(s):// without a query (put parameters in \"query\")",
                self.url
            )));
        }
        if self.listed_when.is_empty() {
            return Err(CreditError::Config(
                "listed_when must name at least one field of the answer".into(),
            ));
        }
        let pointers = self
            .listed_when
            .iter()
            .chain(&self.credit_code_at)
            .chain(&self.summary_at);
        for pointer in pointers {
            if !pointer.starts_with('/') {
                return Err(CreditError::Config(format!(
                    "{pointer:?} is not a JSON pointer (it starts with '/')"
                )));
            }
        }
        if !(100..=120_000).contains(&self.timeout_ms) {
            return Err(CreditError::Config(
                "timeout_ms must be 100 to 120000".into(),
            ));
        }
        Ok(())
    }

    /// The query parameters for `party`, templates filled in (the HTTP client encodes them).
    pub fn query_for(&self, party: &Party) -> Vec<(String, String)> {
        self.query
            .iter()
            .map(|(k, v)| {
                let value = v
                    .replace("{credit_code}", &party.credit_code)
                    .replace("{name}", &party.name);
                (k.clone(), value)
            })
            .collect()
    }

    /// Reads the registry's answer about `party`.
    pub fn judge(&self, party: &Party, answer: &[u8]) -> Result<Judgement, CreditError> {
        let json: Value =
            serde_json::from_slice(answer).map_err(|e| CreditError::NotJson(e.to_string()))?;
        if let Some(at) = &self.credit_code_at {
            let found = json
                .pointer(at)
                .ok_or_else(|| CreditError::Missing(at.clone()))?;
            let found = found
                .as_str()
                .map_or_else(|| found.to_string(), str::to_owned);
            if !found.trim().eq_ignore_ascii_case(&party.credit_code) {
                return Err(CreditError::OtherParty {
                    asked: party.credit_code.clone(),
                    found,
                });
            }
        }
        let mut listed_on = Vec::new();
        for pointer in &self.listed_when {
            let value = json
                .pointer(pointer)
                .ok_or_else(|| CreditError::Missing(pointer.clone()))?;
            if says_listed(value) {
                listed_on.push(pointer.clone());
            }
        }
        let verdict = if listed_on.is_empty() {
            CreditVerdict::Clear
        } else {
            CreditVerdict::Listed
        };
        let summary = match self.summary_at.as_deref().and_then(|p| json.pointer(p)) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None if listed_on.is_empty() => "未列入所查名单".to_owned(),
            None => format!("列入：{}", listed_on.join("、")),
        };
        Ok(Judgement {
            verdict,
            listed_on,
            summary: summary.chars().take(SUMMARY_CHARS_MAX).collect(),
        })
    }
}

/// Whether a registry field's value means "on the list".
pub fn says_listed(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => {
            let s = s.trim().to_lowercase();
            !matches!(
                s.as_str(),
                "" | "否" | "无" | "no" | "false" | "0" | "none" | "n"
            )
        }
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> RegistryConfig {
        RegistryConfig::from_json(
            r#"{"name": "creditchina", "url": "http://127.0.0.1:9/api",
                "query": {"code": "{credit_code}", "kw": "{name}"},
                "listed_when": ["/data/dishonest", "/data/tax"],
                "credit_code_at": "/data/code", "summary_at": "/data/summary"}"#,
        )
        .unwrap()
    }

    fn party() -> Party {
        Party {
            name: "某某建设有限公司".into(),
            credit_code: "91510100MA61K3T8XP".into(),
        }
    }

    #[test]
    fn the_query_names_the_party() {
        assert_eq!(
            config().query_for(&party()),
            vec![
                ("code".to_owned(), "91510100MA61K3T8XP".to_owned()),
                ("kw".to_owned(), "某某建设有限公司".to_owned()),
            ]
        );
    }

    #[test]
    fn answers_become_verdicts() {
        let c = config();
        let clear = r#"{"data": {"code": "91510100MA61K3T8XP", "dishonest": false, "tax": [], "summary": "无不良记录"}}"#;
        let j = c.judge(&party(), clear.as_bytes()).unwrap();
        assert_eq!(j.verdict, CreditVerdict::Clear);
        assert_eq!(j.summary, "无不良记录");
        let listed = r#"{"data": {"code": "91510100MA61K3T8XP", "dishonest": "是", "tax": []}}"#;
        let j = c.judge(&party(), listed.as_bytes()).unwrap();
        assert_eq!(j.verdict, CreditVerdict::Listed);
        assert_eq!(j.listed_on, vec!["/data/dishonest".to_owned()]);
        assert_eq!(j.summary, "列入：/data/dishonest");
    }

    #[test]
    fn an_answer_the_mapping_does_not_fit_proves_nothing() {
        let c = config();
        let missing = br#"{"data": {"code": "91510100MA61K3T8XP", "dishonest": false}}"#;
        assert_eq!(
            c.judge(&party(), missing),
            Err(CreditError::Missing("/data/tax".into()))
        );
        let other = br#"{"data": {"code": "91110000000000000X", "dishonest": false, "tax": 0}}"#;
        assert!(matches!(
            c.judge(&party(), other),
            Err(CreditError::OtherParty { .. })
        ));
        assert!(matches!(
            c.judge(&party(), b"<html>busy</html>"),
            Err(CreditError::NotJson(_))
        ));
    }

    #[test]
    fn field_values_that_mean_listed() {
        for listed in [
            serde_json::json!(true),
            serde_json::json!(1),
            serde_json::json!("是"),
            serde_json::json!("yes"),
            serde_json::json!(["case 1"]),
            serde_json::json!({"case": 1}),
        ] {
            assert!(says_listed(&listed), "{listed}");
        }
        for clear in [
            serde_json::json!(null),
            serde_json::json!(false),
            serde_json::json!(0),
            serde_json::json!(""),
            serde_json::json!("否"),
            serde_json::json!("无"),
            serde_json::json!(" No "),
            serde_json::json!([]),
            serde_json::json!({}),
        ] {
            assert!(!says_listed(&clear), "{clear}");
        }
    }

    #[test]
    fn bad_registry_files_are_explained() {
        for (text, says) in [
            (
                r#"{"name": "x y", "url": "http://a", "listed_when": ["/a"]}"#,
                "name",
            ),
            (
                r#"{"name": "x", "url": "ftp://a", "listed_when": ["/a"]}"#,
                "url",
            ),
            (
                r#"{"name": "x", "url": "http://a?b=1", "listed_when": ["/a"]}"#,
                "url",
            ),
            (
                r#"{"name": "x", "url": "http://a", "listed_when": []}"#,
                "listed_when",
            ),
            (
                r#"{"name": "x", "url": "http://a", "listed_when": ["a"]}"#,
                "JSON pointer",
            ),
            (
                r#"{"name": "x", "url": "http://a", "listed_when": ["/a"], "timeout_ms": 5}"#,
                "timeout_ms",
            ),
            (
                r#"{"name": "x", "url": "http://a", "listed_when": ["/a"], "extra": 1}"#,
                "unknown field",
            ),
        ] {
            let e = RegistryConfig::from_json(text).unwrap_err().to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
