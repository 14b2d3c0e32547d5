// The genesis hash a portal page pins, recomputed in the browser: SM3 of the canonical encoding
// of the parsed genesis document (core/src/genesis), encoded through its JSON Schema
// (core::schema::genesis_schema) by the same encoder that signs transactions. The schema must
// come with the verifier, not from the node whose answers it checks: another schema could lay
// the same bytes out as other validator keys: [`readGenesis`] uses the schema built into this
// bundle (the Rust golden vector, so a schema change fails the golden test first).

import builtInSchema from '../../../core/tests/golden/genesis.schema.json';
import { toHex } from '../crypto/hex';
import { sm3 } from '../crypto/sm3';
import { encodeBySchema } from '../wire/encode';
import type { JsonSchemaRoot } from '../wire/schema';
import type { ListedValidator } from './note';

/** The parsed genesis's validators, as the JSON of `Genesis` holds them. */
interface GenesisValidators {
  validators: { validators: { name: string; department: string; public_key: string; power: number }[] };
}

/** The hex genesis hash of `genesis` (the JSON of the parsed `Genesis`) under `schema`. */
export function genesisHash(schema: JsonSchemaRoot, genesis: unknown): string {
  return toHex(sm3(encodeBySchema(schema, genesis)));
}

/** A genesis document as a verifier uses it: its hash, chain and validator listing. */
export interface ReadGenesis {
  hash: string;
  chainId: string;
  listing: ListedValidator[];
}

/** Reads `GET /public/v1/genesis`'s answer under the built-in schema; throws if it is not one. */
export function readGenesis(json: unknown): ReadGenesis {
  const genesis = json as GenesisValidators & { chain_id: string };
  const hash = genesisHash(builtInSchema as unknown as JsonSchemaRoot, genesis);
  return { hash, chainId: genesis.chain_id, listing: genesisListing(genesis) };
}

/** The genesis validator set as PROTOCOL.md lists it. */
export function genesisListing(genesis: GenesisValidators): ListedValidator[] {
  return genesis.validators.validators.map((v) => {
    const [algorithm, hex] = v.public_key.split(':');
    if ((algorithm !== 'ed25519' && algorithm !== 'sm2') || hex === undefined) {
      throw new Error(`validator ${v.name}: a key is <algorithm>:<hex>`);
    }
    return { name: v.name, department: v.department, algorithm, public_key: hex, power: v.power };
  });
}
