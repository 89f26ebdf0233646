import {
  blockHeaderCodec,
  type CertifiedBlock,
  certificateCodec,
  certifiedBlockCodec,
  type Hex,
  headerHash,
  merkleRoot,
  type NamespaceEntry,
  type NetworkDomain,
  namespaceEntriesFromLeaves,
  namespaceRoot,
  priceLeaf,
  transactionId,
  transactionLeaf,
} from '@synod/protocol';
import {
  STORAGE_MAX_EVIDENCE_BYTES,
  STORAGE_MAX_EVIDENCE_PER_HEIGHT,
  STORAGE_MAX_EXTENSION_BYTES,
  STORAGE_MAX_EXTENSIONS_PER_HEIGHT,
} from './constants.ts';
import { StorageError } from './errors.ts';
import {
  contentExtensionKey,
  encodeLeaves,
  encodeNamespaceEntries,
  encodeTxLocation,
  encodeU64,
  evidenceKey,
  extensionKey,
  hashIndexKey,
  heightKey,
  metaKey,
  namespaceBatchKey,
  namespaceSequenceKey,
  Table,
  txIndexKey,
} from './keys.ts';

/** One validator's signed vote extension for a committed block, as encoded bytes. */
export interface StoredExtension {
  validatorIndex: number;
  bytes: Uint8Array;
}

/** Evidence against `validatorIndex` for (height, round, kind), as encoded bytes (e.g. EvidenceCodec). */
export interface EvidenceRecord {
  height: number;
  round: number;
  kind: number;
  validatorIndex: number;
  bytes: Uint8Array;
}

export interface CommitBlockOptions {
  /** The ≥ 2f+1 extensions of this block's commit (the input of the next height's content). */
  extensions?: readonly StoredExtension[];
  /**
   * The extensions this block's content derives from (its proposal's: precommit extensions of
   * the commit of height − 1, as the proposer chose them). Catch-up serves them so that a
   * syncing node can rebuild the block's content state (the oracle breaker).
   */
  contentExtensions?: readonly StoredExtension[];
  /** Evidence found while deciding this block. */
  evidence?: readonly EvidenceRecord[];
}

export interface PutOperation {
  type: 'put';
  key: Uint8Array;
  value: Uint8Array;
}
export interface DelOperation {
  type: 'del';
  key: Uint8Array;
}
export type BatchOperation = PutOperation | DelOperation;

/** The header hash of height 0: the parent of block 1. */
export const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`;

export interface PreparedCommit {
  operations: BatchOperation[];
  headerHash: Hex;
  txIds: Hex[];
  /** The block's namespace-tree leaves (docs/protocol.md "Namespaces"). */
  namespaceEntries: NamespaceEntry[];
}

/**
 * The distinct namespaces of a block's transactions, lowercase: the counters commitBlock reads
 * before prepareCommit. A malformed namespace is skipped here; prepareCommit refuses its block.
 */
export function blockNamespaces(certified: CertifiedBlock): Hex[] {
  const namespaces = new Set<Hex>();
  for (const tx of certified.block.transactions) {
    if (typeof tx.namespace === 'string' && /^0x[0-9a-fA-F]{64}$/.test(tx.namespace)) {
      namespaces.add(tx.namespace.toLowerCase() as Hex);
    }
  }
  return [...namespaces];
}

/**
 * Checks a certified block against the chain and its own header, and returns every write of its
 * commit, to be applied as one batch. Everything that can fail (hashing, encoding, bounds) runs
 * here, before the batch exists, so a refused commit writes nothing. The certificate is not
 * verified: catch-up sync and consensus do that before committing. `namespaceSequences` holds
 * the stored finalized count of each of the block's namespaces (blockNamespaces; absent = 0):
 * the namespace leaves are rebuilt from them and must match the header's commitment.
 */
export function prepareCommit(
  certified: CertifiedBlock,
  domain: NetworkDomain,
  parent: { height: number; hash: Hex },
  options: CommitBlockOptions,
  namespaceSequences: ReadonlyMap<Hex, number> = new Map(),
): PreparedCommit {
  const { header, transactions, prices } = certified.block;
  const height = header.height;
  if (header.networkId !== domain.networkId) {
    throw new StorageError(
      'INVALID_BLOCK',
      `block of network ${header.networkId}, store of ${domain.networkId}`,
    );
  }
  if (height !== parent.height + 1) {
    throw new StorageError('NOT_NEXT_BLOCK', `block ${height} after latest ${parent.height}`);
  }
  if (header.parentHash.toLowerCase() !== parent.hash) {
    throw new StorageError(
      'NOT_NEXT_BLOCK',
      `block ${height} parent ${header.parentHash}, latest is ${parent.hash}`,
    );
  }
  if (header.txCount !== transactions.length || header.priceCount !== prices.length) {
    throw new StorageError('INVALID_BLOCK', `block ${height} counts differ from its header`);
  }

  let txIds: Hex[];
  let leaves: Hex[];
  let priceRoot: Hex;
  let namespaceEntries: NamespaceEntry[];
  try {
    txIds = transactions.map((tx) => transactionId(tx, domain));
    leaves = transactions.map((tx, i) => transactionLeaf(tx, txIds[i]!));
    priceRoot = merkleRoot(prices.map(priceLeaf));
    namespaceEntries = namespaceEntriesFromLeaves(
      transactions.map((tx, i) => ({ namespace: tx.namespace, leaf: leaves[i]! })),
      (namespace) => namespaceSequences.get(namespace) ?? 0,
    );
  } catch (error) {
    throw new StorageError('INVALID_BLOCK', `block ${height}: ${(error as Error).message}`, { cause: error });
  }
  if (new Set(txIds).size !== txIds.length) {
    throw new StorageError('INVALID_BLOCK', `block ${height} lists a transaction twice`);
  }
  if (merkleRoot(leaves) !== header.txRoot.toLowerCase()) {
    throw new StorageError('INVALID_BLOCK', `block ${height} transactions do not match txRoot`);
  }
  if (priceRoot !== header.priceRoot.toLowerCase()) {
    throw new StorageError('INVALID_BLOCK', `block ${height} prices do not match priceRoot`);
  }
  if (
    namespaceEntries.length !== header.namespaceCount ||
    namespaceRoot(namespaceEntries) !== header.namespaceRoot.toLowerCase()
  ) {
    throw new StorageError(
      'INVALID_BLOCK',
      `block ${height} namespace commitment does not match its transactions and the stored sequences`,
    );
  }

  const hash = headerHash(header, domain);
  const operations: BatchOperation[] = [
    { type: 'put', key: heightKey(Table.Block, height), value: certifiedBlockCodec.encode(certified) },
    { type: 'put', key: heightKey(Table.Header, height), value: blockHeaderCodec.encode(header) },
    {
      type: 'put',
      key: heightKey(Table.Certificate, height),
      value: certificateCodec.encode(certified.certificate),
    },
    { type: 'put', key: heightKey(Table.TxLeaves, height), value: encodeLeaves(leaves) },
    { type: 'put', key: hashIndexKey(hash), value: encodeU64(height) },
    {
      type: 'put',
      key: heightKey(Table.NamespaceEntries, height),
      value: encodeNamespaceEntries(namespaceEntries),
    },
  ];
  for (const entry of namespaceEntries) {
    operations.push({
      type: 'put',
      key: namespaceSequenceKey(entry.namespace),
      value: encodeU64(entry.sequenceStart + entry.count),
    });
    operations.push({
      type: 'put',
      key: namespaceBatchKey(entry.namespace, height),
      value: encodeU64(entry.sequenceStart),
    });
  }
  txIds.forEach((txId, index) => {
    operations.push({ type: 'put', key: txIndexKey(txId), value: encodeTxLocation(height, index) });
  });
  operations.push(...extensionOperations(height, options.extensions ?? []));
  operations.push(...extensionOperations(height, options.contentExtensions ?? [], Table.ContentExtension));
  operations.push(...evidenceOperations(options.evidence ?? []));
  operations.push({ type: 'put', key: metaKey('latestHeight'), value: encodeU64(height) });
  return { operations, headerHash: hash, txIds, namespaceEntries };
}

function extensionOperations(
  height: number,
  extensions: readonly StoredExtension[],
  table: typeof Table.Extension | typeof Table.ContentExtension = Table.Extension,
): PutOperation[] {
  if (extensions.length > STORAGE_MAX_EXTENSIONS_PER_HEIGHT) {
    throw new StorageError(
      'TOO_LARGE',
      `${extensions.length} extensions exceed ${STORAGE_MAX_EXTENSIONS_PER_HEIGHT}`,
    );
  }
  const validators = new Set<number>();
  return extensions.map(({ validatorIndex, bytes }) => {
    if (bytes.length > STORAGE_MAX_EXTENSION_BYTES) {
      throw new StorageError(
        'TOO_LARGE',
        `extension of ${bytes.length} bytes exceeds ${STORAGE_MAX_EXTENSION_BYTES}`,
      );
    }
    if (validators.has(validatorIndex)) {
      throw new StorageError('INVALID_BLOCK', `two extensions of validator ${validatorIndex} at ${height}`);
    }
    validators.add(validatorIndex);
    const key =
      table === Table.Extension
        ? extensionKey(height, validatorIndex)
        : contentExtensionKey(height, validatorIndex);
    return { type: 'put', key, value: bytes };
  });
}

/** Puts of evidence records (also used by putEvidence outside a commit). */
export function evidenceOperations(records: readonly EvidenceRecord[]): PutOperation[] {
  if (records.length > STORAGE_MAX_EVIDENCE_PER_HEIGHT) {
    throw new StorageError(
      'TOO_LARGE',
      `${records.length} evidence records exceed ${STORAGE_MAX_EVIDENCE_PER_HEIGHT}`,
    );
  }
  return records.map((record) => {
    if (record.bytes.length > STORAGE_MAX_EVIDENCE_BYTES) {
      throw new StorageError(
        'TOO_LARGE',
        `evidence of ${record.bytes.length} bytes exceeds ${STORAGE_MAX_EVIDENCE_BYTES}`,
      );
    }
    return {
      type: 'put',
      key: evidenceKey(record.height, record.round, record.kind, record.validatorIndex),
      value: record.bytes,
    };
  });
}
