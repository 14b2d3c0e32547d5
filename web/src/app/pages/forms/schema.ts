// Reads the node's JSON Schema of a transaction body (GET /v1/schema/operations, schemars 1.x,
// draft 2020-12) into a tree of form fields: one field per property, with the widget chosen from
// the schema and the field-name conventions (_fen money, _bp percent, _ms dates, x-wire hashes
// and keys). Pure: no DOM, no preact, so every rule here is unit-tested.

/** A JSON Schema node as schemars writes it (only what the form needs). */
export interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  format?: string;
  const?: unknown;
  enum?: unknown[];
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  'x-wire'?: string;
  $defs?: Record<string, SchemaNode>;
}

/** GET /v1/schema/operations. */
export interface OperationsSchemaDoc {
  tx_body: SchemaNode;
  kinds?: string[];
}

/** How a number is entered: money in 万元/¥ (stored fen), percent (stored bp), a Beijing date (stored ms), or a plain integer. */
export type IntUnit = 'fen' | 'bp' | 'date' | 'datetime' | 'plain';

export interface EnumOption {
  value: string;
  description?: string;
}

interface FieldBase {
  /** Property name (the last path segment); '' for array items and union payloads. */
  name: string;
  description?: string;
  /** `Option<T>`: the value may be null ("not set"). */
  nullable: boolean;
}

export type Field =
  | (FieldBase & { type: 'string'; wire?: 'hash' | 'public_key' | 'signature'; pattern?: string; multiline: boolean })
  | (FieldBase & { type: 'integer'; format: string; min: number; max: number; unit: IntUnit })
  | (FieldBase & { type: 'boolean' })
  | (FieldBase & { type: 'enum'; options: EnumOption[] })
  | (FieldBase & { type: 'object'; fields: Field[] })
  | (FieldBase & { type: 'array'; item: Field })
  | (FieldBase & { type: 'union'; variants: Variant[] })
  | (FieldBase & { type: 'json' });

/** One branch of an externally tagged enum: a unit variant (a bare string) or a tagged payload. */
export interface Variant {
  tag: string;
  description?: string;
  /** null for a unit variant. */
  payload: Field | null;
}

/** One operation kind and the form of its payload (null for a unit operation). */
export interface KindSpec {
  kind: string;
  description?: string;
  payload: Field | null;
}

const INT_RANGES: Record<string, [number, number]> = {
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** Field names whose `_ms` value is a moment of the day, not a date. */
const DATETIME_FIELDS = new Set(['deadline_ms']);

/** The unit a field name implies (`amount_fen` → money, `share_bp` → percent, `due_ms` → date). */
export function unitOf(name: string): IntUnit {
  if (name.endsWith('_fen')) return 'fen';
  if (name.endsWith('_bp')) return 'bp';
  if (name.endsWith('_ms')) return DATETIME_FIELDS.has(name) ? 'datetime' : 'date';
  return 'plain';
}

/** Names of fields whose free text is long (shown as a text area). */
const MULTILINE = new Set(['description', 'finding', 'acceptance_standard', 'reason', 'note', 'summary']);

/** Follows `$ref: "#/$defs/X"` (merging a description written beside the ref). */
export function deref(node: SchemaNode, defs: Record<string, SchemaNode>): SchemaNode {
  let current = node;
  for (let hops = 0; current.$ref && hops < 32; hops++) {
    const name = current.$ref.replace(/^#\/(\$defs|definitions)\//, '');
    const target = defs[name];
    if (!target) throw new Error(`schema: unknown reference ${current.$ref}`);
    const description = current.description ?? target.description;
    current = description === undefined ? target : { ...target, description };
  }
  return current;
}

function typeList(node: SchemaNode): string[] {
  if (node.type === undefined) return [];
  return Array.isArray(node.type) ? node.type : [node.type];
}

/** Strips `null` from `type: [T, "null"]` / `anyOf: [T, {type: null}]`; says whether it was there. */
export function unwrapNullable(node: SchemaNode): { inner: SchemaNode; nullable: boolean } {
  const types = typeList(node);
  if (types.length > 1 && types.includes('null')) {
    const rest = types.filter((t) => t !== 'null');
    return { inner: { ...node, type: rest.length === 1 ? rest[0] : rest }, nullable: true };
  }
  const alts = node.anyOf ?? node.oneOf;
  if (alts && alts.length === 2) {
    const nullIdx = alts.findIndex((a) => a.type === 'null');
    if (nullIdx >= 0) {
      const other = alts[1 - nullIdx];
      const description = node.description ?? other.description;
      return { inner: { ...other, description }, nullable: true };
    }
  }
  return { inner: node, nullable: false };
}

function unitValue(branch: SchemaNode): string | null {
  if (typeof branch.const === 'string') return branch.const;
  if (branch.enum && branch.enum.length === 1 && typeof branch.enum[0] === 'string') return branch.enum[0];
  return null;
}

/** A data variant's tag: the one required property of an object branch. */
function dataTag(branch: SchemaNode): string | null {
  const props = branch.properties ? Object.keys(branch.properties) : [];
  if (props.length === 1 && (branch.required ?? []).includes(props[0])) return props[0];
  return null;
}

function variantsOf(branches: SchemaNode[], defs: Record<string, SchemaNode>, depth: number): Variant[] | null {
  const out: Variant[] = [];
  for (const raw of branches) {
    const branch = deref(raw, defs);
    const unit = unitValue(branch);
    if (unit !== null) {
      out.push({ tag: unit, description: branch.description, payload: null });
      continue;
    }
    if (branch.enum && branch.enum.every((v) => typeof v === 'string')) {
      for (const v of branch.enum as string[]) out.push({ tag: v, payload: null });
      continue;
    }
    const tag = dataTag(branch);
    if (tag === null) return null;
    const payload = fieldOf('', branch.properties![tag], defs, depth + 1);
    out.push({ tag, description: branch.description, payload });
  }
  return out;
}

/** The form field for one schema node (`name` is its property name, for unit conventions and labels). */
export function fieldOf(name: string, raw: SchemaNode, defs: Record<string, SchemaNode>, depth = 0): Field {
  if (depth > 24) return { type: 'json', name, nullable: false };
  const { inner: node0, nullable } = unwrapNullable(deref(raw, defs));
  const node = deref(node0, defs);
  const base = { name, nullable, description: raw.description ?? node.description };
  const types = typeList(node);
  const branches = node.oneOf ?? node.anyOf;
  if (branches) {
    const variants = variantsOf(branches, defs, depth);
    if (!variants) return { ...base, type: 'json' };
    if (variants.every((v) => v.payload === null)) {
      return { ...base, type: 'enum', options: variants.map((v) => ({ value: v.tag, description: v.description })) };
    }
    return { ...base, type: 'union', variants };
  }
  if (node.enum && node.enum.every((v) => typeof v === 'string')) {
    return { ...base, type: 'enum', options: (node.enum as string[]).map((value) => ({ value })) };
  }
  if (types.includes('object') || node.properties) {
    const props = node.properties ?? {};
    const fields = Object.entries(props).map(([key, child]) => fieldOf(key, child, defs, depth + 1));
    return { ...base, type: 'object', fields };
  }
  if (types.includes('array') && node.items) {
    return { ...base, type: 'array', item: fieldOf('', node.items, defs, depth + 1) };
  }
  if (types.includes('integer')) return integerField(base, node);
  if (types.includes('boolean')) return { ...base, type: 'boolean' };
  if (types.includes('string')) {
    const wire = node['x-wire'];
    return {
      ...base,
      type: 'string',
      wire: wire === 'hash' || wire === 'public_key' || wire === 'signature' ? wire : undefined,
      pattern: node.pattern,
      multiline: MULTILINE.has(name),
    };
  }
  return { ...base, type: 'json' };
}

function integerField(base: FieldBase, node: SchemaNode): Field {
  const format = node.format ?? 'int64';
  const [lo, hi] = INT_RANGES[format] ?? [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  const min = Math.max(lo, node.minimum ?? lo);
  const max = Math.min(hi, node.maximum ?? hi);
  return { ...base, type: 'integer', format, min, max, unit: unitOf(base.name) };
}

/** Every operation kind with its payload form, in the schema's (declaration) order. */
export function operationKinds(doc: OperationsSchemaDoc): KindSpec[] {
  const root = doc.tx_body;
  const defs = root.$defs ?? {};
  const opNode = root.properties?.operation;
  if (!opNode) throw new Error('schema: tx_body has no "operation" property');
  const op = deref(opNode, defs);
  const branches = op.oneOf ?? op.anyOf ?? [];
  const kinds: KindSpec[] = [];
  for (const raw of branches) {
    const branch = deref(raw, defs);
    const unit = unitValue(branch);
    if (unit !== null) {
      kinds.push({ kind: unit, description: branch.description, payload: null });
      continue;
    }
    const tag = dataTag(branch);
    if (tag === null) continue;
    const payload = fieldOf(tag, branch.properties![tag], defs);
    kinds.push({ kind: tag, description: branch.description ?? payload.description, payload });
  }
  return kinds;
}
