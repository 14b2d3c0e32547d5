// The canonical encoding (bincode 2, big-endian, fixed-width integers — core/src/encoding.rs)
// of any JSON value, driven by the JSON Schema of its Rust type. The console encodes a
// transaction body this way to hash and sign it exactly as the node will, without a
// hand-written copy of every operation: the node's schema is the single source of the layout.
//
// Layout: integers fixed width big-endian by `format`; bool 1 byte; String and Vec a u64 length
// then the bytes / items; Option a 0/1 tag then the value; a struct its fields in declaration
// (schema property) order; an enum a u32 variant index then its payload; `x-wire` values
// (hash, public_key, signature) their fixed raw bytes, keys and signatures after their enum index.
// Properties the schema does not list are refused rather than dropped, so a misspelt field
// never silently leaves what is signed.

import { BilingualError } from '../crypto/bilingual';
import { concatBytes, fromHex, utf8 } from '../crypto/hex';
import { KeyFileError, parsePublicKey, parseSignature, type Algorithm } from '../crypto/keys';
import type { JsonSchema, JsonSchemaRoot, SchemaObject } from './schema';

/** Why a value could not be encoded; `path` is the JSON path of the bad value. */
export class WireError extends BilingualError {
  readonly path: string;

  constructor(path: string, zh: string, en: string) {
    const where = path === '' ? '(root)' : path;
    super(`${where}：${zh}`, `${where}: ${en}`);
    this.path = path;
  }
}

/** Enum variant index of each algorithm in the Rust `PublicKey` / `Signature` enums. */
const ALGORITHM_INDEX: Record<Algorithm, number> = { ed25519: 0, sm2: 1 };

interface IntegerFormat {
  bytes: number;
  signed: boolean;
}

const INTEGER_FORMATS: Record<string, IntegerFormat> = {
  uint8: { bytes: 1, signed: false },
  uint16: { bytes: 2, signed: false },
  uint32: { bytes: 4, signed: false },
  uint64: { bytes: 8, signed: false },
  uint: { bytes: 8, signed: false },
  int8: { bytes: 1, signed: true },
  int16: { bytes: 2, signed: true },
  int32: { bytes: 4, signed: true },
  int64: { bytes: 8, signed: true },
  int: { bytes: 8, signed: true },
};

type Variant = { name: string; index: number; payload?: JsonSchema };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Encodes values of one root schema; holds the output while encoding one value. */
class Encoder {
  private readonly out: Uint8Array[] = [];

  constructor(private readonly root: JsonSchemaRoot) {}

  bytes(): Uint8Array {
    return concatBytes(...this.out);
  }

  encode(schema: JsonSchema, value: unknown, path: string): void {
    const node = this.resolve(schema, path);
    const wire = node['x-wire'];
    if (wire !== undefined) return this.encodeWire(wire, value, path);
    const optional = optionInner(node);
    if (optional !== undefined) return this.encodeOption(optional, value, path);
    if (node.oneOf) return this.encodeVariant(node.oneOf, value, path);
    if (node.enum) return this.encodeUnitEnum(node.enum, value, path);
    switch (node.type) {
      case 'integer':
        return this.encodeInteger(node.format, value, path);
      case 'boolean':
        return this.encodeBool(value, path);
      case 'string':
        return this.encodeString(value, path);
      case 'array':
        return this.encodeArray(node, value, path);
      case 'object':
        return this.encodeStruct(node, value, path);
      default:
        throw schemaError(path, `unsupported schema ${JSON.stringify(node).slice(0, 120)}`);
    }
  }

  /** Follows `$ref`s and one-element `allOf` wrappers to the schema that says what a value is. */
  private resolve(schema: JsonSchema, path: string): SchemaObject {
    let node = schema;
    for (let hops = 0; hops < 64; hops++) {
      if (typeof node === 'boolean') throw schemaError(path, 'a boolean schema says nothing about the layout');
      if (node.$ref !== undefined) node = this.lookup(node.$ref, path);
      else if (node.allOf?.length === 1 && node.type === undefined) node = node.allOf[0];
      else return node;
    }
    throw schemaError(path, 'too many nested $ref');
  }

  /** The target of a local reference `#/$defs/Name` (or the older `#/definitions/Name`). */
  private lookup(ref: string, path: string): JsonSchema {
    const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
    const defs = match ? (this.root[match[1]] as Record<string, JsonSchema> | undefined) : undefined;
    const name = match ? match[2].replace(/~1/g, '/').replace(/~0/g, '~') : '';
    const target = defs?.[name];
    if (target === undefined) throw schemaError(path, `unresolved $ref ${ref}`);
    return target;
  }

  private push(bytes: Uint8Array): void {
    this.out.push(bytes);
  }

  private pushU32(value: number): void {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value);
    this.push(bytes);
  }

  private pushU64(value: number): void {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(value));
    this.push(bytes);
  }

  private encodeWire(wire: string, value: unknown, path: string): void {
    if (typeof value !== 'string') throw valueError(path, '应为字符串', 'expected a string', value);
    if (wire === 'hash') {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) {
        throw new WireError(path, '应为 64 位十六进制的 SM3 哈希', `expected an SM3 hash of 64 hex digits, got ${describe(value)}`);
      }
      return this.push(fromHex(value));
    }
    if (wire !== 'public_key' && wire !== 'signature') throw schemaError(path, `unknown x-wire "${wire}"`);
    let parsed;
    try {
      parsed = wire === 'public_key' ? parsePublicKey(value) : parseSignature(value);
    } catch (error) {
      if (error instanceof KeyFileError) throw new WireError(path, error.zh, error.en);
      throw error;
    }
    this.pushU32(ALGORITHM_INDEX[parsed.algorithm]);
    this.push(parsed.bytes);
  }

  private encodeOption(inner: JsonSchema, value: unknown, path: string): void {
    if (value === null || value === undefined) return this.push(new Uint8Array([0]));
    this.push(new Uint8Array([1]));
    this.encode(inner, value, path);
  }

  private encodeVariant(branches: JsonSchema[], value: unknown, path: string): void {
    const variants = branches.map((branch, index) => this.variantOf(branch, index, path));
    const name = isPlainObject(value) && Object.keys(value).length === 1 ? Object.keys(value)[0] : value;
    const variant = typeof name === 'string' ? variants.find((v) => v.name === name) : undefined;
    const known = variants.map((v) => v.name).join(', ');
    if (typeof name !== 'string') {
      throw valueError(path, `应为变体名称字符串或只有一个键的对象（可选：${known}）`, `expected a variant name or a one-key object (one of ${known})`, value);
    }
    if (variant === undefined) {
      throw new WireError(path, `未知的变体 “${name}”（可选：${known}）`, `unknown variant "${name}" (expected one of ${known})`);
    }
    const carriesData = typeof value !== 'string';
    if (carriesData !== (variant.payload !== undefined)) {
      throw carriesData
        ? new WireError(path, `变体 “${name}” 不带数据，应写作字符串`, `variant "${name}" carries no data; write it as the string "${name}"`)
        : new WireError(path, `变体 “${name}” 需要数据：{"${name}": …}`, `variant "${name}" carries data; write it as {"${name}": …}`);
    }
    this.pushU32(variant.index);
    if (variant.payload !== undefined) {
      this.encode(variant.payload, (value as Record<string, unknown>)[name], childPath(path, name));
    }
  }

  /** One `oneOf` branch of an externally tagged enum: a unit variant or a one-property object. */
  private variantOf(branch: JsonSchema, index: number, path: string): Variant {
    const node = this.resolve(branch, path);
    if (typeof node.const === 'string') return { name: node.const, index };
    if (node.type === 'string' && node.enum) {
      if (node.enum.length !== 1 || typeof node.enum[0] !== 'string') {
        throw schemaError(path, `ambiguous variant order: one oneOf branch lists the unit variants ${JSON.stringify(node.enum)}`);
      }
      return { name: node.enum[0], index };
    }
    const names = Object.keys(node.properties ?? {});
    if (node.type === 'object' && names.length === 1 && node.required?.includes(names[0])) {
      return { name: names[0], index, payload: node.properties![names[0]] };
    }
    throw schemaError(path, `oneOf branch ${index} is neither a unit variant nor a one-property object`);
  }

  private encodeUnitEnum(names: unknown[], value: unknown, path: string): void {
    const index = names.indexOf(value);
    if (typeof value !== 'string' || index < 0) {
      const known = names.join(', ');
      throw valueError(path, `应为以下之一：${known}`, `expected one of ${known}`, value);
    }
    this.pushU32(index);
  }

  private encodeInteger(format: string | undefined, value: unknown, path: string): void {
    const spec = format === undefined ? undefined : INTEGER_FORMATS[format];
    if (spec === undefined) throw schemaError(path, `integer without a known format (${format})`);
    const bits = BigInt(8 * spec.bytes);
    const min = spec.signed ? -(1n << (bits - 1n)) : 0n;
    const max = spec.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
    const exact = typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value));
    const big = exact ? BigInt(value as number | bigint) : undefined;
    if (big === undefined || big < min || big > max) {
      const range = `${min}..=${max}`;
      throw valueError(path, `应为 ${range} 范围内的整数`, `expected an integer ${range}`, value);
    }
    const bytes = new Uint8Array(spec.bytes);
    const unsigned = big < 0n ? big + (1n << bits) : big;
    for (let i = spec.bytes - 1, rest = unsigned; i >= 0; i--, rest >>= 8n) bytes[i] = Number(rest & 0xffn);
    this.push(bytes);
  }

  private encodeBool(value: unknown, path: string): void {
    if (typeof value !== 'boolean') throw valueError(path, '应为 true 或 false', 'expected true or false', value);
    this.push(new Uint8Array([value ? 1 : 0]));
  }

  private encodeString(value: unknown, path: string): void {
    if (typeof value !== 'string') throw valueError(path, '应为字符串', 'expected a string', value);
    if (LONE_SURROGATE.test(value)) {
      throw new WireError(path, '字符串含有无效的 Unicode 字符', 'the string contains an unpaired surrogate (not valid Unicode)');
    }
    const bytes = utf8(value);
    this.pushU64(bytes.length);
    this.push(bytes);
  }

  /** `Vec<T>` (u64 length, items), a tuple (`prefixItems`) or a fixed array (min = max items). */
  private encodeArray(node: SchemaObject, value: unknown, path: string): void {
    if (!Array.isArray(value)) throw valueError(path, '应为数组', 'expected an array', value);
    if (node.prefixItems) return this.encodeTuple(node.prefixItems, value, path);
    if (node.items === undefined) throw schemaError(path, 'array schema without items');
    const fixed = node.minItems !== undefined && node.minItems === node.maxItems;
    if (fixed && value.length !== node.minItems) {
      throw new WireError(path, `应正好有 ${node.minItems} 项`, `expected exactly ${node.minItems} items, got ${value.length}`);
    }
    if (!fixed) this.pushU64(value.length);
    value.forEach((item, i) => this.encode(node.items!, item, `${path}[${i}]`));
  }

  private encodeTuple(items: JsonSchema[], value: unknown[], path: string): void {
    if (value.length !== items.length) {
      throw new WireError(path, `应正好有 ${items.length} 项`, `expected exactly ${items.length} items, got ${value.length}`);
    }
    items.forEach((item, i) => this.encode(item, value[i], `${path}[${i}]`));
  }

  /** A struct: its properties in schema order; absent non-required ones take their default. */
  private encodeStruct(node: SchemaObject, value: unknown, path: string): void {
    if (!isPlainObject(value)) throw valueError(path, '应为对象', 'expected an object', value);
    const properties = node.properties ?? {};
    for (const key of Object.keys(value)) {
      if (!(key in properties)) throw new WireError(childPath(path, key), '未知字段', 'unknown field');
    }
    for (const [key, property] of Object.entries(properties)) {
      const field = childPath(path, key);
      if (value[key] !== undefined) this.encode(property, value[key], field);
      else if (node.required?.includes(key)) throw new WireError(field, '缺少必填字段', 'missing required field');
      else this.encode(property, this.defaultOf(property, field), field);
    }
  }

  /** The value serde's `#[serde(default)]` gives an absent field. */
  private defaultOf(schema: JsonSchema, path: string): unknown {
    if (typeof schema === 'object' && schema.default !== undefined) return schema.default;
    const node = this.resolve(schema, path);
    if (node.default !== undefined) return node.default;
    if (optionInner(node) !== undefined) return null;
    const zero: Record<string, unknown> = { string: '', boolean: false, integer: 0, array: [] };
    const type = typeof node.type === 'string' && node['x-wire'] === undefined ? node.type : '';
    if (type in zero) return zero[type];
    throw new WireError(path, '缺少字段，且没有默认值', 'missing field, and its type has no default');
  }
}

/** The inner schema of an `Option<T>`: `type: [T, "null"]` or `anyOf`/`oneOf` `[T, {type: null}]`. */
function optionInner(node: SchemaObject): JsonSchema | undefined {
  if (Array.isArray(node.type) && node.type.includes('null')) {
    const others = node.type.filter((type) => type !== 'null');
    if (others.length === 1) return { ...node, type: others[0] };
  }
  const branches = node.anyOf ?? node.oneOf;
  if (branches?.length === 2) {
    const isNull = (branch: JsonSchema) => typeof branch === 'object' && branch.type === 'null';
    const nulls = branches.filter(isNull);
    if (nulls.length === 1) return branches.find((branch) => !isNull(branch));
  }
  return undefined;
}

function schemaError(path: string, en: string): WireError {
  return new WireError(path, `结构定义无法使用（${en}）`, `schema: ${en}`);
}

function valueError(path: string, zh: string, en: string, value: unknown): WireError {
  return new WireError(path, zh, `${en}, got ${describe(value)}`);
}

/** The canonical bytes of `value` as the Rust type described by `schema` encodes it. */
export function encodeBySchema(schema: JsonSchemaRoot, value: unknown): Uint8Array {
  const encoder = new Encoder(schema);
  encoder.encode(schema, value, '');
  return encoder.bytes();
}
