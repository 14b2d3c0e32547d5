//! RFC 8785 JSON Canonicalization Scheme (JCS) for the integer-only JSON gongxin publishes.
//!
//! The public disclosure log's leaves and the validator-set listings are hashed as JCS text
//! (PROTOCOL.md v2), so a browser can recompute them with `JSON.stringify` over sorted keys.
//! The scheme, restricted to what gongxin writes:
//!
//! - object members sorted by their names' UTF-16 code units (RFC 8785 §3.2.3), no whitespace;
//! - strings escaped as ECMAScript's `JSON.stringify` does: `\"`, `\\`, `\b \f \n \r \t`, other
//!   controls below U+0020 as `\u00xx` (lowercase hex), everything else as is (§3.2.2.2);
//! - numbers are integers, written in plain decimal, exactly. Floats are refused: their
//!   ECMAScript formatting is a trap no verifier should depend on, and gongxin keeps money in
//!   fen, time in ms and shares in basis points. (A JavaScript verifier must read integers
//!   beyond 2^53 − 1 exactly, e.g. by parsing them as `BigInt`; PROTOCOL.md's notes say where
//!   the rules do not yet keep amounts below it.)
//!
//! We cannot lean on `serde_json`'s own output: the workspace enables its `preserve_order`
//! feature (through `schemars`), so an object's member order is insertion order, not sorted.

use serde_json::Value;

/// Why a value has no canonical form here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JcsError {
    #[error("number {0} is not an integer; gongxin's canonical JSON has integers only")]
    NotAnInteger(String),
}

/// The JCS text of `value`.
pub fn to_canonical(value: &Value) -> Result<String, JcsError> {
    let mut out = String::new();
    write_value(&mut out, value)?;
    Ok(out)
}

fn write_value(out: &mut String, value: &Value) -> Result<(), JcsError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => write_integer(out, number)?,
        Value::String(text) => write_string(out, text),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item)?;
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (name, item)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, name);
                out.push(':');
                write_value(out, item)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_integer(out: &mut String, number: &serde_json::Number) -> Result<(), JcsError> {
    if !(number.is_u64() || number.is_i64()) {
        return Err(JcsError::NotAnInteger(number.to_string()));
    }
    // serde_json prints integers in plain decimal ("-0" cannot arise from an integer).
    out.push_str(&number.to_string());
    Ok(())
}

fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_are_sorted_by_utf16_code_units_at_every_depth() {
        let value = json!({"b": 1, "a": {"z": [true, null], "y": "x"}, "A": -3});
        assert_eq!(
            to_canonical(&value).unwrap(),
            r#"{"A":-3,"a":{"y":"x","z":[true,null]},"b":1}"#
        );
        // RFC 8785 §3.2.3's example: U+1F600 (surrogates D83D DE00) sorts before U+FB33, which
        // a sort by code points or UTF-8 bytes would put the other way round.
        let value = json!({"\u{fb33}": 1, "\u{1f600}": 2, "\u{20ac}": 3, "\r": 4});
        assert_eq!(
            to_canonical(&value).unwrap(),
            "{\"\\r\":4,\"\u{20ac}\":3,\"\u{1f600}\":2,\"\u{fb33}\":1}"
        );
    }

    #[test]
    fn strings_are_escaped_as_json_stringify_does() {
        let value = json!("q\"b\\ \u{8}\u{c}\n\r\t\u{1}\u{1f} / é 公信 \u{2028}");
        assert_eq!(
            to_canonical(&value).unwrap(),
            "\"q\\\"b\\\\ \\b\\f\\n\\r\\t\\u0001\\u001f / é 公信 \u{2028}\""
        );
    }

    #[test]
    fn integers_are_exact_and_floats_have_no_canonical_form() {
        assert_eq!(
            to_canonical(&json!(u64::MAX)).unwrap(),
            "18446744073709551615"
        );
        assert_eq!(
            to_canonical(&json!(i64::MIN)).unwrap(),
            "-9223372036854775808"
        );
        assert_eq!(to_canonical(&json!([0, -1])).unwrap(), "[0,-1]");
        assert!(matches!(
            to_canonical(&json!({"a": [1.5]})),
            Err(JcsError::NotAnInteger(_))
        ));
    }
}
