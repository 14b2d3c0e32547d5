// The subset of JSON Schema (draft 2020-12, as schemars 1.x writes it for the Rust `TxBody`)
// that the canonical encoder reads, plus gongxin's `x-wire` annotation for hashes, keys and
// signatures. The node serves the schema at `GET /v1/schema/operations` as `{"tx_body": …}`.

export type JsonSchema = boolean | SchemaObject;

export interface SchemaObject {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  description?: string;
  title?: string;
  'x-wire'?: string;
  [keyword: string]: unknown;
}

/** A whole schema document: the type's own schema with its `$defs`. */
export type JsonSchemaRoot = SchemaObject;

/** What `GET /v1/schema/operations` answers. */
export interface OperationsSchema {
  tx_body: JsonSchemaRoot;
}
