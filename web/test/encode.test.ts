// The schema-driven encoder on a small hand-made schema in schemars' style: each layout rule
// of core/src/encoding.rs, and the errors (with the JSON path of the bad value).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex } from '../src/crypto/hex';
import { WireError, encodeBySchema } from '../src/wire/encode';
import type { JsonSchemaRoot } from '../src/wire/schema';
import { fixedSigner } from './support/keys';

const HASH = 'ab'.repeat(32);

const schema: JsonSchemaRoot = {
  type: 'object',
  properties: {
    n: { type: 'integer', format: 'uint64', minimum: 0 },
    flag: { type: 'boolean' },
    name: { type: 'string' },
    items: { type: 'array', items: { type: 'integer', format: 'uint16' } },
    maybe: { type: ['integer', 'null'], format: 'uint8' },
    op: { $ref: '#/$defs/Op' },
  },
  required: ['n', 'flag', 'name', 'items', 'op'],
  $defs: {
    Hash: { type: 'string', pattern: '^[0-9a-f]{64}$', 'x-wire': 'hash' },
    PublicKey: { type: 'string', 'x-wire': 'public_key' },
    Color: { type: 'string', enum: ['red', 'green', 'blue'] },
    Op: {
      oneOf: [
        { type: 'string', const: 'noop' },
        { type: 'object', properties: { paint: { $ref: '#/$defs/Color' } }, required: ['paint'], additionalProperties: false },
        {
          type: 'object',
          properties: {
            transfer: {
              type: 'object',
              properties: {
                to: { $ref: '#/$defs/PublicKey' },
                delta: { type: 'integer', format: 'int64' },
                days: { type: 'integer', format: 'int32' },
                evidence: { anyOf: [{ $ref: '#/$defs/Hash' }, { type: 'null' }] },
                note: { type: 'string', default: '' },
                pair: { type: 'array', prefixItems: [{ type: 'boolean' }, { type: 'integer', format: 'uint8' }] },
                digest: { type: 'array', items: { type: 'integer', format: 'uint8' }, minItems: 2, maxItems: 2 },
              },
              required: ['to', 'delta', 'days', 'pair', 'digest'],
            },
          },
          required: ['transfer'],
        },
        { type: 'string', enum: ['stop'] },
      ],
    },
  },
};

const base = { n: 1, flag: true, name: 'ab', items: [0x0102], op: 'noop' };

function hex(value: unknown): string {
  return toHex(encodeBySchema(schema, value));
}

function wireError(value: unknown, path: string, message: RegExp, root: JsonSchemaRoot = schema): void {
  assert.throws(
    () => encodeBySchema(root, value),
    (error: unknown) => {
      assert.ok(error instanceof WireError, String(error));
      assert.equal(error.path, path);
      assert.match(error.en, message);
      assert.ok(error.zh.length > 0);
      return true;
    },
  );
}

test('the layout of core/src/encoding.rs: big-endian fixed width, u64 lengths, option tags', () => {
  assert.equal(hex(base), '0000000000000001' + '01' + '0000000000000002' + '6162' + '0000000000000001' + '0102' + '00' + '00000000');
  assert.equal(hex({ ...base, maybe: 7 }).slice(58, 62), '0107');
  assert.equal(hex({ ...base, maybe: null }), hex(base));
});

test('unit variants, newtype variants with a unit enum, and the variant index', () => {
  assert.equal(hex({ ...base, op: 'stop' }).slice(-8), '00000003');
  assert.equal(hex({ ...base, op: { paint: 'blue' } }).slice(-16), '0000000100000002');
});

test('struct variant: keys, signed integers, optional hash, defaults, tuples and fixed arrays', () => {
  const signer = fixedSigner('sm2', 2);
  const transfer = { to: signer.publicKeyText, delta: -2, days: -1, pair: [true, 9], digest: [1, 2] };
  const bytes = hex({ ...base, op: { transfer } }).slice(60);
  assert.equal(
    bytes,
    '00000002' + '00000001' + toHex(signer.publicKey) + 'fffffffffffffffe' + 'ffffffff' + '00' + '0000000000000000' + '0109' + '0102',
  );
  const full = hex({ ...base, op: { transfer: { ...transfer, evidence: HASH, note: 'x' } } }).slice(60);
  assert.ok(full.includes(`01${HASH}000000000000000178`));
});

test('ed25519 keys encode as variant 0 plus 32 bytes', () => {
  const signer = fixedSigner('ed25519', 1);
  const root: JsonSchemaRoot = { $ref: '#/$defs/K', $defs: { K: { type: 'string', 'x-wire': 'public_key' } } };
  assert.equal(toHex(encodeBySchema(root, signer.publicKeyText)), `00000000${toHex(signer.publicKey)}`);
});

test('wrong types name the path of the bad value', () => {
  wireError({ ...base, n: '1' }, 'n', /expected an integer 0\.\.=18446744073709551615/);
  wireError({ ...base, flag: 1 }, 'flag', /expected true or false/);
  wireError({ ...base, name: 5 }, 'name', /expected a string/);
  wireError({ ...base, items: {} }, 'items', /expected an array/);
  wireError({ ...base, items: [1, 'x'] }, 'items[1]', /expected an integer/);
  wireError([], '', /expected an object/);
  wireError({ ...base, name: 'a\uD800b' }, 'name', /unpaired surrogate/);
});

test('out-of-range and unsafe integers are refused', () => {
  wireError({ ...base, items: [65536] }, 'items[0]', /expected an integer 0\.\.=65535/);
  wireError({ ...base, items: [-1] }, 'items[0]', /0\.\.=65535/);
  wireError({ ...base, items: [1.5] }, 'items[0]', /expected an integer/);
  wireError({ ...base, n: 2 ** 53 }, 'n', /expected an integer/);
  assert.equal(hex({ ...base, n: 2n ** 64n - 1n }).slice(0, 16), 'ffffffffffffffff');
  wireError({ ...base, n: 2n ** 64n }, 'n', /expected an integer/);
});

test('unknown and missing fields', () => {
  wireError({ ...base, extra: 1 }, 'extra', /unknown field/);
  const { name: _, ...withoutName } = base;
  wireError(withoutName, 'name', /missing required field/);
});

test('unknown variants and variants in the wrong form', () => {
  wireError({ ...base, op: 'launch' }, 'op', /unknown variant "launch" \(expected one of noop, paint, transfer, stop\)/);
  wireError({ ...base, op: { paint: 'pink' } }, 'op.paint', /expected one of red, green, blue/);
  wireError({ ...base, op: 'paint' }, 'op', /carries data/);
  wireError({ ...base, op: { noop: {} } }, 'op', /carries no data/);
  wireError({ ...base, op: { paint: 'red', noop: 1 } }, 'op', /one-key object/);
  wireError({ ...base, op: { transfer: { to: 'rsa:00', delta: 0, days: 0, pair: [true, 1], digest: [1, 2] } } }, 'op.transfer.to', /ed25519:<hex>/);
  wireError({ ...base, op: { transfer: { to: fixedSigner('ed25519', 1).publicKeyText, delta: 0, days: 2 ** 31, pair: [true, 1], digest: [1, 2] } } }, 'op.transfer.days', /-2147483648\.\.=2147483647/);
  wireError({ ...base, op: { transfer: { to: fixedSigner('ed25519', 1).publicKeyText, delta: 0, days: 0, pair: [true], digest: [1, 2, 3] } } }, 'op.transfer.pair', /exactly 2 items/);
});

test('hashes must be 64 hex digits', () => {
  const root: JsonSchemaRoot = { type: 'string', 'x-wire': 'hash' };
  assert.equal(toHex(encodeBySchema(root, HASH.toUpperCase())), HASH);
  wireError('abc', '', /64 hex digits/, root);
});

test('a oneOf branch listing several unit variants is an ambiguous variant order', () => {
  const root: JsonSchemaRoot = { oneOf: [{ type: 'string', enum: ['a', 'b'] }, { type: 'object', properties: { c: { type: 'string' } }, required: ['c'] }] };
  wireError('a', '', /ambiguous variant order/, root);
});

test('schema problems are reported, not guessed around', () => {
  wireError(1, '', /unresolved \$ref/, { $ref: '#/$defs/Nope' });
  wireError(1, '', /integer without a known format/, { type: 'integer' });
  wireError(1, '', /unsupported schema/, {});
  wireError({}, 'x', /no default/, { type: 'object', properties: { x: { $ref: '#/$defs/O' } }, $defs: { O: { type: 'object', properties: {} } } });
});
