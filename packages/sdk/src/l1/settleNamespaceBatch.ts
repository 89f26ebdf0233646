import { type Address, bytesToHex, type Hex } from 'viem';
import { getNamespaceBatch } from '../actions/getNamespaceBatch.ts';
import type { Client } from '../clients/createClient.ts';
import {
  settleBatchArgs,
  settleBatchesArgs,
  settleBatchFromHistoryArgs,
  settlementInboxAbi,
  submitHeaderAndSettleBatchArgs,
  submitHeaderAndSettleBatchesArgs,
  synodBatchSettlementAbi,
} from '../internal/contracts.ts';
import { headerHash } from '../internal/protocol.ts';
import type { BlockHeader, NamespaceBatch } from '../types/synod.ts';
import { g2ToEip2537 } from '../utils/bls.ts';
import { decodeHeader } from '../utils/decode.ts';
import { L1Error, requireWallet, type SynodL1Config } from './types.ts';

export interface SettleNamespaceBatchParameters {
  /** The app's contract: a SynodBatchSettlement bound to the client network's inbox. */
  contract: Address;
  /**
   * The batch to settle (status 'batch', e.g. from getNamespaceBatch). Default: the node's next
   * batch for the contract's namespace above its lastSettledHeight, verified.
   */
  batch?: ReadyBatch | undefined;
  /**
   * Settle up to this many consecutive ready batches in one call (1 .. 64, default 1: one batch,
   * one call). With more than one ready, the call is settleBatches against the inbox's latest
   * header when every batch is at or below it, else submitHeaderAndSettleBatches posting the last
   * batch's header as the anchor; the other headers are proven by the anchor's historyRoot
   * (`synod_getHeaderProof`). Fewer are settled when fewer are final.
   */
  maxBatches?: number | undefined;
  /**
   * With maxBatches > 1: stop adding batches to the call before their transactions exceed this
   * (the first batch always goes). Bounds the call's gas and calldata; default unbounded.
   */
  maxTransactions?: number | undefined;
  /**
   * Bytes appended to the call's calldata after its ABI arguments (viem's `dataSuffix`), computed
   * from the batches the call settles, in order: what an app whose hook reads data from the end
   * of `msg.data` needs (e.g. the perps clearinghouse's settlement data).
   */
  calldataSuffix?: ((batches: readonly ReadyBatch[]) => Hex | Promise<Hex>) | undefined;
  signal?: AbortSignal | undefined;
}

/** A namespace batch with transactions (status 'batch'), as getNamespaceBatch returns it. */
export type ReadyBatch = Extract<NamespaceBatch, { status: 'batch' }>;

/** One batch a call settled. */
export interface SettledBatch {
  height: number;
  sequenceStart: number;
  count: number;
}

export type SettleNamespaceBatchReturnType =
  | {
      status: 'settled';
      /** The (last) settled batch's height: the contract's lastSettledHeight after this call. */
      height: number;
      /** The (first) batch's first sequence number: the contract's appliedCount before this call. */
      sequenceStart: number;
      /** Transactions settled by the call (all its batches). */
      count: number;
      /** Every settled batch's height, increasing (one unless maxBatches > 1). */
      heights: number[];
      /** Every settled batch, in order. */
      batches: SettledBatch[];
      /** How the header(s) reached the contract. */
      entryPoint:
        | 'settleBatch'
        | 'submitHeaderAndSettleBatch'
        | 'settleBatchFromHistory'
        | 'settleBatches'
        | 'submitHeaderAndSettleBatches';
      transactionHash: Hex;
    }
  /** Nothing to settle: no finalized batch of the namespace above the contract's lastSettledHeight. */
  | { status: 'up-to-date'; appliedCount: number; lastSettledHeight: number; latestHeight: number };

/**
 * Settles an app's next batch on L1: the namespace's transactions of one height, complete and in
 * Synod's order, into the app's SynodBatchSettlement contract, which checks them against the
 * certified header and runs its hook for each. Reads where the contract stands (appliedCount,
 * lastSettledHeight), fetches and verifies the next batch, and picks the entry point: settleBatch
 * when the inbox stores the header, submitHeaderAndSettleBatch when the header is above the
 * inbox's latest (it is posted in the same transaction), settleBatchFromHistory otherwise (the
 * inbox's latest header proves it by its historyRoot; the proof comes from the node).
 *
 * With `maxBatches` > 1 it settles up to that many consecutive final batches in one call
 * (settleBatches, or submitHeaderAndSettleBatches posting the last one's header), and
 * `calldataSuffix` appends app data after the ABI arguments (e.g. @synod/perps' settlement data).
 *
 * Call it in a loop to catch up; the validators' relayer does the same for the namespaces it is
 * configured for, and a batch settled by someone else first makes this one revert
 * BatchAlreadySettled (an L1Error here, harmless: read again).
 *
 * L1 methods: the contract's `namespace`, `inbox`, `appliedCount`, `lastSettledHeight` and the
 * chosen entry point (settleBatches and submitHeaderAndSettleBatches for groups); the inbox's `headerHashes` and `latestHeight`.
 *
 * @example
 * ```ts
 * const l1Client = client.extend(synodL1Actions({ publicClient, walletClient, addresses: { inbox } }));
 * for (;;) {
 *   const result = await l1Client.settleNamespaceBatch({ contract: app });
 *   if (result.status === 'up-to-date') break;
 * }
 * ```
 */
export async function settleNamespaceBatch(
  client: Client,
  l1: SynodL1Config,
  parameters: SettleNamespaceBatchParameters,
): Promise<SettleNamespaceBatchReturnType> {
  const walletClient = requireWallet(l1);
  const { contract } = parameters;
  const read = <const Name extends 'namespace' | 'inbox' | 'appliedCount' | 'lastSettledHeight'>(
    functionName: Name,
  ) => l1.publicClient.readContract({ address: contract, abi: synodBatchSettlementAbi, functionName });
  let namespace: Hex;
  let inbox: Address;
  let appliedCount: number;
  let lastSettledHeight: number;
  try {
    const [ns, boundInbox, applied, last] = await Promise.all([
      read('namespace'),
      read('inbox'),
      read('appliedCount'),
      read('lastSettledHeight'),
    ]);
    namespace = ns.toLowerCase() as Hex;
    inbox = boundInbox;
    appliedCount = Number(applied);
    lastSettledHeight = Number(last);
  } catch (cause) {
    throw new L1Error(`Could not read the settlement state of ${contract}.`, { cause });
  }
  if (inbox.toLowerCase() !== client.network.inbox.toLowerCase()) {
    throw new L1Error('The contract is bound to another inbox than the client network’s.', {
      details: `${contract} settles against ${inbox}, the network's inbox is ${client.network.inbox}`,
    });
  }

  const maxBatches = parameters.maxBatches ?? 1;
  if (!Number.isInteger(maxBatches) || maxBatches < 1 || maxBatches > MAX_BATCHES_PER_CALL) {
    throw new RangeError(`maxBatches must be an integer in 1 .. ${MAX_BATCHES_PER_CALL}, got ${maxBatches}`);
  }
  const fetched =
    parameters.batch ??
    (await getNamespaceBatch(client, {
      namespace,
      afterHeight: lastSettledHeight,
      signal: parameters.signal,
    }));
  if (fetched.status === 'not-final') {
    return { status: 'up-to-date', appliedCount, lastSettledHeight, latestHeight: fetched.latestHeight };
  }
  const first = checkBatch(fetched, namespace, appliedCount, lastSettledHeight);
  const batches: ReadyBatch[] = [first];
  while (batches.length < maxBatches) {
    const previous = batches.at(-1)!;
    const next = await getNamespaceBatch(client, {
      namespace,
      afterHeight: previous.height,
      signal: parameters.signal,
    });
    if (next.status === 'not-final') break;
    const { entry } = previous.inclusion;
    const checked = checkBatch(next, namespace, entry.sequenceStart + entry.count, previous.height);
    const total = checked.inclusion.entry.sequenceStart + checked.inclusion.entry.count - appliedCount;
    if (parameters.maxTransactions !== undefined && total > parameters.maxTransactions) break;
    batches.push(checked);
  }

  const transactionsOf = (batch: ReadyBatch) => ({
    inclusion: batch.inclusion,
    transactions: batch.transactions.map(({ txId: _txId, ...transaction }) => transaction),
  });
  const certificateOf = (batch: ReadyBatch) => ({
    round: batch.certificate.round,
    signature: bytesToHex(g2ToEip2537(batch.certificate.signature)),
  });
  const headerProof = async (height: number, anchorHeight: number) => {
    const proof = await client.request(
      { method: 'synod_getHeaderProof', params: [height, anchorHeight] },
      { signal: parameters.signal },
    );
    if (proof === null) {
      throw new L1Error(`The node has not finalized the anchor height ${anchorHeight}.`, {
        details: 'the header is needed as the anchor of a history proof; use a node that is caught up',
      });
    }
    return {
      anchor: decodeHeader(proof.anchorHeader),
      historyProof: proof.proof.map((sibling) => sibling.toLowerCase() as Hex),
    };
  };
  const last = batches.at(-1)!;
  const inboxLatest = Number(
    await l1.publicClient.readContract({
      address: inbox,
      abi: settlementInboxAbi,
      functionName: 'latestHeight',
    }),
  );
  let call:
    | { functionName: 'settleBatch'; args: ReturnType<typeof settleBatchArgs> }
    | { functionName: 'submitHeaderAndSettleBatch'; args: ReturnType<typeof submitHeaderAndSettleBatchArgs> }
    | { functionName: 'settleBatchFromHistory'; args: ReturnType<typeof settleBatchFromHistoryArgs> }
    | { functionName: 'settleBatches'; args: ReturnType<typeof settleBatchesArgs> }
    | {
        functionName: 'submitHeaderAndSettleBatches';
        args: ReturnType<typeof submitHeaderAndSettleBatchesArgs>;
      };
  if (batches.length === 1) {
    const { header } = first;
    const stored = await l1.publicClient.readContract({
      address: inbox,
      abi: settlementInboxAbi,
      functionName: 'headerHashes',
      args: [BigInt(header.height)],
    });
    if (stored.toLowerCase() === headerHash(header, client.network)) {
      call = { functionName: 'settleBatch', args: settleBatchArgs(header, transactionsOf(first)) };
    } else if (header.height > inboxLatest) {
      call = {
        functionName: 'submitHeaderAndSettleBatch',
        args: submitHeaderAndSettleBatchArgs(header, certificateOf(first), transactionsOf(first)),
      };
    } else {
      // The contract checks the anchor against the inbox and the proof against its historyRoot.
      const { anchor, historyProof } = await headerProof(header.height, inboxLatest);
      call = {
        functionName: 'settleBatchFromHistory',
        args: settleBatchFromHistoryArgs(anchor, header, historyProof, transactionsOf(first)),
      };
    }
  } else {
    // One anchor for the whole call: the inbox's latest header if it covers every batch (nothing
    // to post), else the last batch's own header, posted in the same call.
    const anchorHeight = Math.max(last.height, inboxLatest);
    let anchor: BlockHeader | undefined = last.height === anchorHeight ? last.header : undefined;
    const historyBatches = await Promise.all(
      batches.map(async (batch) => {
        if (batch.height === anchorHeight) {
          return { header: batch.header, historyProof: [] as Hex[], batch: transactionsOf(batch) };
        }
        const proven = await headerProof(batch.height, anchorHeight);
        anchor ??= proven.anchor;
        return { header: batch.header, historyProof: proven.historyProof, batch: transactionsOf(batch) };
      }),
    );
    call =
      last.height <= inboxLatest
        ? { functionName: 'settleBatches', args: settleBatchesArgs(anchor!, historyBatches) }
        : {
            functionName: 'submitHeaderAndSettleBatches',
            args: submitHeaderAndSettleBatchesArgs(last.header, certificateOf(last), historyBatches),
          };
  }
  const dataSuffix =
    parameters.calldataSuffix === undefined ? undefined : await parameters.calldataSuffix(batches);

  try {
    const { request } = await l1.publicClient.simulateContract({
      address: contract,
      abi: synodBatchSettlementAbi,
      ...call,
      account: walletClient.account,
      dataSuffix,
    } as Parameters<typeof l1.publicClient.simulateContract>[0]);
    const transactionHash = await walletClient.writeContract({
      ...request,
      dataSuffix,
      chain: walletClient.chain ?? null,
    });
    const receipt = await l1.publicClient.waitForTransactionReceipt({ hash: transactionHash });
    if (receipt.status !== 'success') {
      throw new L1Error(`${call.functionName} reverted.`, { details: transactionHash });
    }
    const settled = batches.map((batch) => ({
      height: batch.height,
      sequenceStart: batch.inclusion.entry.sequenceStart,
      count: batch.inclusion.entry.count,
    }));
    return {
      status: 'settled',
      height: last.height,
      sequenceStart: first.inclusion.entry.sequenceStart,
      count: settled.reduce((sum, batch) => sum + batch.count, 0),
      heights: settled.map((batch) => batch.height),
      batches: settled,
      entryPoint: call.functionName,
      transactionHash,
    };
  } catch (cause) {
    if (cause instanceof L1Error) throw cause;
    const what =
      batches.length === 1
        ? `the batch of height ${first.height}`
        : `the batches of heights ${batches.map((batch) => batch.height).join(', ')}`;
    throw new L1Error(`Could not settle ${what} into ${contract}.`, { cause });
  }
}

/** SynodBatchSettlement.MAX_BATCHES_PER_CALL. */
const MAX_BATCHES_PER_CALL = 64;

/** The batch a contract at (appliedCount, lastSettledHeight) settles next, or an L1Error. */
function checkBatch(
  batch: NamespaceBatch,
  namespace: Hex,
  appliedCount: number,
  lastSettledHeight: number,
): ReadyBatch {
  if (batch.status !== 'batch') {
    throw new L1Error(`Namespace ${namespace} has no transaction at height ${batch.height}.`);
  }
  if (batch.namespace !== namespace) {
    throw new L1Error('The batch is of another namespace than the contract’s.', {
      details: `${batch.namespace} ≠ ${namespace}`,
    });
  }
  const { entry } = batch.inclusion;
  if (entry.sequenceStart !== appliedCount) {
    throw new L1Error(
      entry.sequenceStart < appliedCount
        ? `The batch at height ${batch.height} is already settled.`
        : `The batch at height ${batch.height} is not the contract's next one.`,
      {
        details: `it starts at sequence ${entry.sequenceStart}, the contract has applied ${appliedCount} (last settled height ${lastSettledHeight})`,
      },
    );
  }
  return batch;
}
