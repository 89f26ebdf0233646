import {
  type Hex,
  headerHash,
  type NetworkDomain,
  namespaceExclusionProof,
  namespaceInclusionProof,
  parseHex,
  toLowerHex,
  transactionId,
} from '@synod/protocol';
import type { NamespaceBatch } from '../rpc/backend.ts';
import { RpcBackendError } from '../rpc/errors.ts';
import type { Store } from '../storage/store.ts';

/**
 * A namespace's batch of one finalized height, read from the store (docs/protocol.md
 * "Namespaces"): what synod_getNamespaceBatch serves and what an L1 batch settlement needs.
 * The leaf entries are kept after pruning, so an absence is provable at any height; the
 * transactions themselves need the block's body.
 */

/** The lowercase bytes32 namespace (the RPC layer has checked its shape). */
function normalize(namespace: Hex): Hex {
  const bytes = parseHex(namespace, 32);
  if (bytes === undefined) throw new TypeError(`namespace ${namespace} is not a bytes32 hex string`);
  return toLowerHex(bytes);
}

export async function readNamespaceBatch(
  store: Store,
  domain: NetworkDomain,
  namespaceHex: Hex,
  height: number,
): Promise<NamespaceBatch> {
  const namespace = normalize(namespaceHex);
  const latestHeight = store.latestHeight();
  if (height > latestHeight || height < 1) return { status: 'not-final', namespace, height, latestHeight };
  const [header, certificate, entries] = await Promise.all([
    store.getHeader(height),
    store.getCertificate(height),
    store.getNamespaceEntries(height),
  ]);
  if (header === undefined || certificate === undefined || entries === undefined) {
    throw new Error(
      `assertion failed: finalized height ${height} has no header, certificate or namespace entries`,
    );
  }
  const block = { namespace, height, blockHash: headerHash(header, domain), header, certificate };
  const inclusion = namespaceInclusionProof(entries, namespace);
  if (inclusion === undefined) {
    return { ...block, status: 'empty', exclusion: namespaceExclusionProof(entries, namespace) };
  }
  const certified = await store.getBlock(height);
  if (certified === undefined) {
    throw new RpcBackendError(
      'UNAVAILABLE',
      `the body of block ${height} is pruned: its ${inclusion.entry.count} transactions of namespace ${namespace} cannot be served`,
    );
  }
  const transactions = certified.block.transactions
    .filter((tx) => tx.namespace.toLowerCase() === namespace)
    .map((tx) => ({ tx, txId: transactionId(tx, domain) }));
  if (transactions.length !== inclusion.entry.count) {
    throw new Error(
      `assertion failed: block ${height} has ${transactions.length} transactions of ${namespace}, its leaf says ${inclusion.entry.count}`,
    );
  }
  return { ...block, status: 'batch', inclusion, transactions };
}

/** The first batch of `namespace` above `afterHeight`, or 'not-final' when none is finalized yet. */
export async function readNextNamespaceBatch(
  store: Store,
  domain: NetworkDomain,
  namespaceHex: Hex,
  afterHeight: number,
): Promise<NamespaceBatch> {
  const namespace = normalize(namespaceHex);
  const height = await store.nextNamespaceBatchHeight(namespace, afterHeight);
  if (height === undefined) {
    return { status: 'not-final', namespace, height: afterHeight + 1, latestHeight: store.latestHeight() };
  }
  return readNamespaceBatch(store, domain, namespace, height);
}
