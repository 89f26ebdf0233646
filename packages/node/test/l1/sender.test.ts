import type { Hex } from '@synod/protocol';
import {
  type Account,
  type Chain,
  type PublicClient,
  parseAbi,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { L1_RECEIPT_LAG_MS } from '../../src/l1/constants.ts';
import { type L1Call, type L1CallOwner, L1Sender } from '../../src/l1/sender.ts';

/**
 * The sender against a scripted node (a stubbed PublicClient): what it concludes when the
 * account's nonce has moved but the node does not serve the receipt of our transaction yet.
 */

const account = privateKeyToAccount(`0x${'11'.repeat(32)}`);
const abi = parseAbi(['function settle(uint256 height)']);
const CONTRACT = '0x00000000000000000000000000000000000000c0';

/** A node whose nonce and receipts the test sets. */
function scriptedNode() {
  const node = {
    latestNonce: 0,
    receipts: new Map<Hex, TransactionReceipt>(),
    sent: [] as Hex[],
  };
  const publicClient = {
    simulateContract: async () => ({}),
    estimateContractGas: async () => 100_000n,
    estimateFeesPerGas: async () => ({ maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }),
    getTransactionCount: async () => node.latestNonce,
    sendRawTransaction: async ({ serializedTransaction }: { serializedTransaction: Hex }) => {
      node.sent.push(serializedTransaction);
      return '0x';
    },
    getTransactionReceipt: async ({ hash }: { hash: Hex }) => {
      const receipt = node.receipts.get(hash);
      if (receipt === undefined) throw new TransactionReceiptNotFoundError({ hash });
      return receipt;
    },
    getTransaction: async () => ({}),
  } as unknown as PublicClient;
  const walletClient = {
    account,
    chain: undefined,
    signTransaction: (request: Parameters<typeof account.signTransaction>[0]) =>
      account.signTransaction({ ...request, chainId: 31_337 }),
  } as unknown as WalletClient<Transport, Chain | undefined, Account>;
  return { node, publicClient, walletClient };
}

function recordingOwner() {
  const events: string[] = [];
  const owner: L1CallOwner = {
    isDuplicateRevert: () => false,
    isStillWanted: async () => true,
    landed: (call) => events.push(`landed ${call.height}`),
    duplicate: (call) => events.push(`duplicate ${call.height}`),
    cancelled: (call) => {
      events.push(`cancelled ${call.height}`);
    },
  };
  return { owner, events };
}

const call: L1Call = {
  kind: 'settleBatch',
  height: 7,
  address: CONTRACT,
  abi,
  functionName: 'settle',
  args: [7n],
  fallbackGas: 200_000n,
};

const receiptOf = (hash: Hex): TransactionReceipt =>
  ({
    transactionHash: hash,
    status: 'success',
    to: CONTRACT,
    logs: [],
    gasUsed: 50_000n,
    blockNumber: 1n,
  }) as never;

describe('L1Sender: a nonce that moved before its receipt is served', () => {
  it('keeps the transaction in flight until the receipt shows up, and reports it landed', async () => {
    const { node, publicClient, walletClient } = scriptedNode();
    let now = 1_000_000;
    const sender = new L1Sender({ publicClient, walletClient, nowMs: () => now });
    const { owner, events } = recordingOwner();
    expect(await sender.send(owner, call)).toBe(true);
    const hash = sender.pendingStatus()!.hash;
    // Mined: the nonce moved, but the node does not serve the receipt yet.
    node.latestNonce = 1;
    await sender.checkPending();
    now += L1_RECEIPT_LAG_MS - 1;
    await sender.checkPending();
    expect(sender.pendingStatus()?.hash).toBe(hash);
    expect(events).toEqual([]);
    // The receipt appears: the owner hears that its call landed.
    node.receipts.set(hash, receiptOf(hash));
    now += 1;
    await sender.checkPending();
    expect(events).toEqual(['landed 7']);
    expect(sender.pendingStatus()).toBeUndefined();
  });

  it('concludes that another transaction used the nonce only after the receipt lag, and frees the account', async () => {
    const { node, publicClient, walletClient } = scriptedNode();
    let now = 1_000_000;
    const sender = new L1Sender({ publicClient, walletClient, nowMs: () => now });
    const { owner, events } = recordingOwner();
    await sender.send(owner, call);
    node.latestNonce = 1;
    await sender.checkPending();
    expect(sender.pendingStatus()).toBeDefined();
    now += L1_RECEIPT_LAG_MS;
    await sender.checkPending();
    expect(sender.pendingStatus()).toBeUndefined();
    expect(events).toEqual([]);
    // The next transaction reads the nonce from the chain again.
    await sender.send(owner, { ...call, height: 8, args: [8n] });
    expect(sender.pendingStatus()!.nonce).toBe(1);
  });
});
