import {
  type Address,
  assert,
  type Hex,
  headerHash,
  type NetworkDomain,
  parseHex,
  toLowerHex,
} from '@synod/protocol';
import type { ClassicLevel } from 'classic-level';
import { ZERO_HASH } from './commit.ts';
import { STORAGE_SCHEMA_VERSION } from './constants.ts';
import { decodeStoredHeader } from './decode.ts';
import { StorageError } from './errors.ts';
import { decodeU32, decodeU64, encodeU32, encodeU64, heightKey, metaKey, Table } from './keys.ts';

/** The store's metadata: created with a new data directory, checked on every open. */

export type Database = ClassicLevel<Uint8Array, Uint8Array>;

export interface MetaState {
  latestHeight: number;
  latestHash: Hex;
  prunedBelow: number;
}

function encodeDomain(domain: NetworkDomain): Uint8Array {
  const inbox = parseHex(domain.inbox, 20);
  assert(inbox !== undefined, 'domain.inbox must be a 20-byte address');
  const bytes = new Uint8Array(8 + 8 + 20);
  bytes.set(encodeU64(domain.networkId), 0);
  bytes.set(encodeU64(domain.chainId), 8);
  bytes.set(inbox, 16);
  return bytes;
}

function describeDomain(bytes: Uint8Array): string {
  if (bytes.length !== 36) throw new StorageError('CORRUPT', `stored domain is ${bytes.length} bytes`);
  const networkId = decodeU64(bytes.subarray(0, 8), 'networkId');
  const chainId = decodeU64(bytes.subarray(8, 16), 'chainId');
  return `network ${networkId}, chain ${chainId}, inbox ${toLowerHex(bytes.subarray(16)) as Address}`;
}

export async function loadMeta(db: Database, domain: NetworkDomain): Promise<MetaState> {
  const [schema, storedDomain, latest, pruned] = await db.getMany([
    metaKey('schema'),
    metaKey('domain'),
    metaKey('latestHeight'),
    metaKey('prunedBelow'),
  ]);
  const expectedDomain = encodeDomain(domain);
  if (schema === undefined) {
    // A new data directory (the schema key is written first-and-together with the rest).
    await db.batch(
      [
        { type: 'put', key: metaKey('schema'), value: encodeU32(STORAGE_SCHEMA_VERSION) },
        { type: 'put', key: metaKey('domain'), value: expectedDomain },
        { type: 'put', key: metaKey('latestHeight'), value: encodeU64(0) },
        { type: 'put', key: metaKey('prunedBelow'), value: encodeU64(1) },
      ],
      { sync: true },
    );
    return { latestHeight: 0, latestHash: ZERO_HASH, prunedBelow: 1 };
  }
  const version = decodeU32(schema, 'schema version');
  if (version !== STORAGE_SCHEMA_VERSION) {
    throw new StorageError(
      'SCHEMA_MISMATCH',
      `store schema ${version}, this node reads ${STORAGE_SCHEMA_VERSION}`,
    );
  }
  if (storedDomain === undefined || latest === undefined || pruned === undefined) {
    throw new StorageError('CORRUPT', 'metadata incomplete');
  }
  if (!equalBytes(storedDomain, expectedDomain)) {
    throw new StorageError(
      'WRONG_NETWORK',
      `data directory is for ${describeDomain(storedDomain)}; configured ${describeDomain(expectedDomain)}`,
    );
  }
  const latestHeight = decodeU64(latest, 'latestHeight');
  const prunedBelow = decodeU64(pruned, 'prunedBelow');
  let latestHash = ZERO_HASH;
  if (latestHeight > 0) {
    const headerBytes = await db.get(heightKey(Table.Header, latestHeight));
    if (headerBytes === undefined)
      throw new StorageError('CORRUPT', `no header at latest height ${latestHeight}`);
    latestHash = headerHash(decodeStoredHeader(headerBytes, latestHeight), domain);
  }
  if (prunedBelow < 1 || prunedBelow > Math.max(latestHeight, 1)) {
    throw new StorageError('CORRUPT', `prunedBelow ${prunedBelow} outside [1, ${latestHeight}]`);
  }
  return { latestHeight, latestHash, prunedBelow };
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
