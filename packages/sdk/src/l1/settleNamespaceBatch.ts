import { type Address, bytesToHex, type Hex } from 'viem';
import { getNamespaceBatch } from '../actions/getNamespaceBatch.ts';
import type { Client } from '../clients/createClient.ts';
import {
  settleBatchArgs,
  settleBatchFromHistoryArgs,
  settlementInboxAbi,
  submitHeaderAndSettleBatchArgs,
  synodBatchSettlementAbi,
} from '../internal/contracts.ts';
import { headerHash } from '../internal/protocol.ts';
import type { NamespaceBatch } from '../types/synod.ts';
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
  batch?: Extract<NamespaceBatch, { status: 'batch' }> | undefined;
  signal?: AbortSignal | undefined;
}

export type SettleNamespaceBatchReturnType =
  | {
      status: 'settled';
      height: number;
      /** The batch's first sequence number: the contract's appliedCount before this call. */
      sequenceStart: number;
      count: number;
      /** How the header reached the contract. */
      entryPoint: 'settleBatch' | 'submitHeaderAndSettleBatch' | 'settleBatchFromHistory';
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
 * Call it in a loop to catch up; the validators' relayer does the same for the namespaces it is
 * configured for, and a batch settled by someone else first makes this one revert
 * BatchAlreadySettled (an L1Error here, harmless: read again).
 *
 * L1 methods: the contract's `namespace`, `inbox`, `appliedCount`, `lastSettledHeight` and the
 * chosen entry point; the inbox's `headerHashes` and `latestHeight`.
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

  const batch =
    parameters.batch ??
    (await getNamespaceBatch(client, {
      namespace,
      afterHeight: lastSettledHeight,
      signal: parameters.signal,
    }));
  if (batch.status === 'not-final') {
    return { status: 'up-to-date', appliedCount, lastSettledHeight, latestHeight: batch.latestHeight };
  }
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

  const { header, certificate } = batch;
  const settled = {
    inclusion: batch.inclusion,
    transactions: batch.transactions.map(({ txId: _txId, ...transaction }) => transaction),
  };
  const [stored, inboxLatest] = await Promise.all([
    l1.publicClient.readContract({
      address: inbox,
      abi: settlementInboxAbi,
      functionName: 'headerHashes',
      args: [BigInt(header.height)],
    }),
    l1.publicClient.readContract({ address: inbox, abi: settlementInboxAbi, functionName: 'latestHeight' }),
  ]);
  let call:
    | { functionName: 'settleBatch'; args: ReturnType<typeof settleBatchArgs> }
    | { functionName: 'submitHeaderAndSettleBatch'; args: ReturnType<typeof submitHeaderAndSettleBatchArgs> }
    | { functionName: 'settleBatchFromHistory'; args: ReturnType<typeof settleBatchFromHistoryArgs> };
  if (stored.toLowerCase() === headerHash(header, client.network)) {
    call = { functionName: 'settleBatch', args: settleBatchArgs(header, settled) };
  } else if (BigInt(header.height) > inboxLatest) {
    call = {
      functionName: 'submitHeaderAndSettleBatch',
      args: submitHeaderAndSettleBatchArgs(
        header,
        { round: certificate.round, signature: bytesToHex(g2ToEip2537(certificate.signature)) },
        settled,
      ),
    };
  } else {
    const proof = await client.request(
      { method: 'synod_getHeaderProof', params: [header.height, Number(inboxLatest)] },
      { signal: parameters.signal },
    );
    if (proof === null) {
      throw new L1Error(`The node has not finalized the inbox's latest height ${inboxLatest}.`, {
        details: 'the header is needed as the anchor of a history proof; use a node that is caught up',
      });
    }
    // The contract checks the anchor against the inbox and the proof against its historyRoot.
    const anchor = decodeHeader(proof.anchorHeader);
    const historyProof = proof.proof.map((sibling) => sibling.toLowerCase() as Hex);
    call = {
      functionName: 'settleBatchFromHistory',
      args: settleBatchFromHistoryArgs(anchor, header, historyProof, settled),
    };
  }

  try {
    const { request } = await l1.publicClient.simulateContract({
      address: contract,
      abi: synodBatchSettlementAbi,
      ...call,
      account: walletClient.account,
    } as Parameters<typeof l1.publicClient.simulateContract>[0]);
    const transactionHash = await walletClient.writeContract({
      ...request,
      chain: walletClient.chain ?? null,
    });
    const receipt = await l1.publicClient.waitForTransactionReceipt({ hash: transactionHash });
    if (receipt.status !== 'success') {
      throw new L1Error(`${call.functionName} reverted.`, { details: transactionHash });
    }
    return {
      status: 'settled',
      height: header.height,
      sequenceStart: entry.sequenceStart,
      count: entry.count,
      entryPoint: call.functionName,
      transactionHash,
    };
  } catch (cause) {
    if (cause instanceof L1Error) throw cause;
    throw new L1Error(`Could not settle the batch of height ${header.height} into ${contract}.`, { cause });
  }
}
