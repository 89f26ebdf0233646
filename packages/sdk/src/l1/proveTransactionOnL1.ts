import { encodeFunctionData, type Hex, keccak256 } from 'viem';
import { type WaitForFinalityReturnType, waitForFinality } from '../actions/waitForFinality.ts';
import type { Client } from '../clients/createClient.ts';
import { headerArgs, settlementInboxAbi } from '../internal/contracts.ts';
import { headerHash } from '../internal/protocol.ts';
import { isHeaderStored, submitHeaderToL1 } from './submitHeaderToL1.ts';
import { L1Error, type SynodL1Config } from './types.ts';

export type ProveTransactionOnL1Parameters = {
  /**
   * Post the header first when the inbox does not store it yet (needs the walletClient; default
   * true when one is configured). Otherwise an unposted header is an L1Error.
   */
  submitHeader?: boolean | undefined;
} & (
  | { /** A verified finality from waitForFinality. */ finality: WaitForFinalityReturnType; txId?: undefined }
  | {
      finality?: undefined;
      txId: Hex;
      transaction?: WaitForFinalityReturnType['transaction'] | undefined;
      timeoutMs?: number | undefined;
    }
);

export interface ProveTransactionOnL1ReturnType {
  /** SettlementInbox.verifyTransaction's answer on L1. */
  verified: boolean;
  /** The L1 transaction that posted the header, when this call posted it. */
  submitHeaderTransactionHash: Hex | undefined;
  /**
   * Calldata of SettlementInbox.verifyTransaction(header, leaf, index, proof): for a contract
   * (or a Safe transaction) that proves the order itself.
   */
  calldata: Hex;
  /** The arguments of that call, in viem's form. */
  args: {
    header: ReturnType<typeof headerArgs>;
    leaf: { txId: Hex; sender: Hex; namespace: Hex; nonce: bigint; payloadHash: Hex };
    index: bigint;
    proof: readonly Hex[];
  };
}

/**
 * Proves a finalized transaction on the settlement chain: waits for (and verifies) its finality
 * unless given, posts the certified header if the inbox lacks it, then asks
 * SettlementInbox.verifyTransaction on L1 and returns its answer with the calldata.
 *
 * L1 methods: `SettlementInbox.headerHashes`, `submitHeader` (if needed), `verifyTransaction`.
 *
 * @example
 * ```ts
 * const l1Client = client.extend(synodL1Actions({ publicClient, walletClient, addresses: { inbox } }));
 * const { verified, calldata } = await l1Client.proveTransactionOnL1({ finality });
 * ```
 */
export async function proveTransactionOnL1(
  client: Client,
  l1: SynodL1Config,
  parameters: ProveTransactionOnL1Parameters,
): Promise<ProveTransactionOnL1ReturnType> {
  if (l1.addresses.inbox.toLowerCase() !== client.network.inbox) {
    throw new L1Error('The L1 inbox is not the client network’s inbox.', {
      details: `${l1.addresses.inbox} ≠ ${client.network.inbox}: headers are bound to one inbox`,
    });
  }
  const finality =
    parameters.finality ??
    (await waitForFinality(client, {
      txId: parameters.txId,
      transaction: parameters.transaction,
      timeoutMs: parameters.timeoutMs,
    }));
  const { header, certificate, transaction } = finality;
  let submitHeaderTransactionHash: Hex | undefined;
  if (!(await isHeaderStored(l1, header, headerHash(header, client.network)))) {
    if (parameters.submitHeader === false || l1.walletClient === undefined) {
      throw new L1Error(`The inbox does not store header ${header.height} yet.`, {
        details: 'wait for the nodes to post it, or pass a walletClient to post it yourself',
      });
    }
    submitHeaderTransactionHash = (await submitHeaderToL1(client, l1, { header, certificate }))
      .transactionHash;
  }
  const args = {
    header: headerArgs(header),
    leaf: {
      txId: finality.txId,
      sender: transaction.sender,
      namespace: transaction.namespace,
      nonce: transaction.nonce,
      payloadHash: keccak256(transaction.payload),
    },
    index: BigInt(finality.index),
    proof: finality.proof,
  };
  const callArgs = [args.header, args.leaf, args.index, args.proof] as const;
  let verified: boolean;
  try {
    verified = await l1.publicClient.readContract({
      address: l1.addresses.inbox,
      abi: settlementInboxAbi,
      functionName: 'verifyTransaction',
      args: callArgs,
    });
  } catch (cause) {
    throw new L1Error('SettlementInbox.verifyTransaction failed.', { cause });
  }
  return {
    verified,
    submitHeaderTransactionHash,
    calldata: encodeFunctionData({
      abi: settlementInboxAbi,
      functionName: 'verifyTransaction',
      args: callArgs,
    }),
    args,
  };
}
