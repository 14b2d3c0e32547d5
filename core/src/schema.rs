//! The JSON Schema of a transaction body, which the node serves at `GET /v1/schema/operations`
//! so the console can generate a form for every operation kind and encode what it signs without
//! UI code per kind.
//!
//! The schema is also the console's description of the canonical encoding, so it carries what
//! the encoder needs beyond what JSON Schema says about JSON:
//! - object properties are in declaration order (`schemars` with `preserve_order`), the order of
//!   the encoded fields;
//! - integers carry their width in `format` (`uint16`, `uint64`, `int64`, …);
//! - hashes, public keys and signatures carry `x-wire` (`hash`, `public_key`, `signature`);
//! - a `oneOf` lists an enum's variants in declaration order, one branch per variant (a unit
//!   variant as a `const`), so a branch's position is its variant index; an all-unit enum is a
//!   string `enum` in declaration order. [`ambiguous_variant_orders`] finds a `oneOf` whose
//!   branches do not each name one variant, so a change in how `schemars` lays enums out fails
//!   a test here, and the console's encoder is checked against `tests/golden/operations.json`.

use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::tx::TxBody;

/// The JSON Schema (draft 2020-12) of [`TxBody`].
pub fn tx_body_schema() -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    generator.into_root_schema_for::<TxBody>().to_value()
}

/// The JSON Schema (draft 2020-12) of the parsed [`crate::genesis::Genesis`], whose canonical
/// encoding the genesis hash is SM3 of: what a browser needs to check the genesis a page pins.
pub fn genesis_schema() -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    generator
        .into_root_schema_for::<crate::genesis::Genesis>()
        .to_value()
}

/// The JSON paths of every `oneOf` in `schema` whose branches do not each name one variant —
/// where a branch's position would not be the variant's index in the canonical encoding.
pub fn ambiguous_variant_orders(schema: &Value) -> Vec<String> {
    let mut found = Vec::new();
    walk(schema, "#", &mut found);
    found
}

fn walk(node: &Value, path: &str, found: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::Array(branches)) = map.get("oneOf")
                && branches.iter().any(|b| !names_one_variant(b))
            {
                found.push(path.to_owned());
            }
            for (key, child) in map {
                walk(child, &format!("{path}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &format!("{path}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// A unit variant (`const`, or a one-value string `enum`) or a data variant (an object with
/// exactly one required property, the variant's name).
fn names_one_variant(branch: &Value) -> bool {
    if branch.get("const").is_some() {
        return true;
    }
    if let Some(Value::Array(values)) = branch.get("enum") {
        return values.len() == 1;
    }
    matches!(branch.get("required"), Some(Value::Array(r)) if r.len() == 1)
        && matches!(branch.get("properties"), Some(Value::Object(p)) if p.len() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_enum_in_the_genesis_schema_lists_variants_in_encoding_order() {
        assert_eq!(
            ambiguous_variant_orders(&genesis_schema()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn every_enum_in_the_tx_body_schema_lists_variants_in_encoding_order() {
        let schema = tx_body_schema();
        assert_eq!(ambiguous_variant_orders(&schema), Vec::<String>::new());
    }

    #[test]
    fn a_folded_unit_variant_branch_is_found() {
        let folded = serde_json::json!({"$defs": {"E": {"oneOf": [
            {"type": "string", "enum": ["a", "b"]},
            {"type": "object", "properties": {"c": {"type": "string"}}, "required": ["c"]},
        ]}}});
        assert_eq!(
            ambiguous_variant_orders(&folded),
            vec!["#/$defs/E".to_owned()]
        );
    }

    #[test]
    fn fields_are_in_declaration_order_with_widths_and_wire_hints() {
        let schema = tx_body_schema();
        let body: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(body, ["chain_id", "signer", "replay", "operation"]);
        assert_eq!(schema["properties"]["signer"]["$ref"], "#/$defs/PublicKey");
        assert_eq!(schema["$defs"]["PublicKey"]["x-wire"], "public_key");
        assert_eq!(schema["$defs"]["Hash"]["x-wire"], "hash");
        let replay = &schema["$defs"]["ReplayGuard"]["properties"];
        assert_eq!(replay["nonce"]["format"], "uint64");
    }
}
