import {
  batchRecorderAbi,
  batchRecorderBytecode,
  submitHeaderAndSettleBatchArgs,
  synodBatchSettlementAbi,
} from '@synod/contracts';
import { namespaceInclusionProof } from '@synod/protocol';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  type Address,
  bytesToHex,
  decodeFunctionData,
  type Hex,
  keccak256,
  parseEventLogs,
  toHex,
} from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeL1 } from '../../src/assembly/l1.ts';
import {
  batchSettlementCallAbi,
  certificateArgs,
  createL1Metrics,
  createL1Submitter,
  designatedSubmitter,
  headerArgs,
  inboxCallAbi,
  type L1BatchSource,
  type L1Metrics,
  type L1NamespaceSettlementStatus,
  type L1SettlementTarget,
  type L1Submitter,
} from '../../src/l1/index.ts';
import {
  clientsFor,
  DEX,
  FEEDS,
  type L1Fixture,
  startL1Fixture,
  validatorAccount,
  waitFor,
} from './fixtures.ts';

/**
 * The batch relayer (issue #13 item 3) against a real anvil, through a proxy that can cut L1
 * off, over real certified blocks in a real LevelDB store: four validators' submitters, each
 * settling two apps' namespaces into BatchRecorder contracts (a SynodBatchSettlement that
 * records every transaction it applies) besides posting headers and prices, from one account
 * each. The tests run in order and share the chain: in-order settlement by the designated
 * validator on a shared account → takeover → restart and catch-up from the contract's counter
 * (several heights per call) → bounded backlog through an L1 outage → a batch someone else
 * settled first → a combined header submission overtaken → a backlog of 40 batches cleared in a
 * few calls → a group racing a third party's single settlement → a contract bound to another
 * namespace.
 */

const N = 4;
const K = 4;
const TAKEOVER_TIMEOUT_MS = 2_500;
const MAX_BACKLOG_BATCHES = 3;
const PRICES = { eth: 3_000_00000000n, btc: 90_000_00000000n };
const APP_A = keccak256(toHex('app-a'));
const APP_B = keccak256(toHex('app-b'));

let fixture: L1Fixture;
let contracts: Record<Hex, Address>;
const nodes: (L1Submitter | undefined)[] = [];
const metrics: L1Metrics[] = [];

const address = (index: number) => validatorAccount(index).address.toLowerCase() as Address;

function targets(): L1SettlementTarget[] {
  return [
    { namespace: APP_A, contract: contracts[APP_A]! },
    { namespace: APP_B, contract: contracts[APP_B]! },
  ];
}

function startNode(
  index: number,
  settlement = targets(),
  options: { store?: L1BatchSource; maxBacklogBatches?: number; maxBatchCallGas?: bigint } = {},
): L1Submitter {
  const { publicClient, walletClient } = clientsFor(fixture.proxy.url, validatorAccount(index));
  metrics[index] = createL1Metrics(new Registry());
  const node = createL1Submitter({
    publicClient,
    walletClient,
    addresses: { inbox: fixture.deployment.inbox, priceFeeds: fixture.deployment.priceFeeds },
    validatorIndex: index,
    committeeSize: N,
    store: fixture.store,
    feeds: FEEDS,
    postEveryHeaders: K,
    takeoverTimeoutMs: TAKEOVER_TIMEOUT_MS,
    tickIntervalMs: 100,
    // No bump while a test holds transactions in the pool on purpose.
    fees: { feeBumpAfterMs: 60_000 },
    retryMinDelayMs: 100,
    retryMaxDelayMs: 400,
    settlement: { targets: settlement, store: options.store ?? fixture.store },
    maxBacklogBatches: options.maxBacklogBatches ?? MAX_BACKLOG_BATCHES,
    ...(options.maxBatchCallGas === undefined ? {} : { maxBatchCallGas: options.maxBatchCallGas }),
    metrics: metrics[index],
    ...(process.env.SYNOD_TEST_L1_LOG ? { logger: pino({ level: 'debug' }).child({ v: index }) } : {}),
  });
  nodes[index] = node;
  return node;
}

async function stopNode(index: number): Promise<void> {
  await nodes[index]?.stop();
  nodes[index] = undefined;
}

/** Finalizes the next blocks, one per entry (its transactions' namespaces), and tells every running node. */
async function finalize(...blocks: Hex[][]): Promise<void> {
  for (const namespaces of blocks) {
    await fixture.chain.next(PRICES, namespaces);
    for (const node of nodes) node?.onFinalized(fixture.chain.height);
  }
}

const batchOf = (node: L1Submitter, namespace: Hex): L1NamespaceSettlementStatus =>
  node.status().batches!.find((batch) => batch.namespace === namespace)!;

async function appliedCount(namespace: Hex): Promise<number> {
  return Number(
    await fixture.publicClient.readContract({
      address: contracts[namespace]!,
      abi: synodBatchSettlementAbi,
      functionName: 'appliedCount',
    }),
  );
}

/** The namespace's finalized transactions, in the chain's order: [height, txId]. */
function chainOrder(namespace: Hex): [number, Hex][] {
  const order: [number, Hex][] = [];
  for (let height = 1; height <= fixture.chain.height; height++) {
    const transactions = fixture.chain.transactions.get(height) ?? [];
    const txIds = fixture.chain.txIds.get(height) ?? [];
    for (const [i, tx] of transactions.entries()) {
      if (tx.namespace.toLowerCase() === namespace) order.push([height, txIds[i]!]);
    }
  }
  return order;
}

/** What the app applied, in the order its hook saw it: [height, txId], sequences 0, 1, 2, …. */
async function applied(namespace: Hex): Promise<[number, Hex][]> {
  const records = await fixture.publicClient.readContract({
    address: contracts[namespace]!,
    abi: batchRecorderAbi,
    functionName: 'allApplied',
  });
  expect(records.map((record) => Number(record.sequence))).toEqual(records.map((_, i) => i));
  return records.map((record) => [Number(record.height), record.txId.toLowerCase() as Hex]);
}

interface Settlement {
  height: number;
  sequenceStart: number;
  count: number;
  from: Address;
  functionName: string;
  /** The L1 transaction: several settlements share it when one call settled several heights. */
  hash: Hex;
  /** The first height that transaction settled: whose designated validator sent it. */
  callHeight: number;
}

/** Every BatchSettled of the namespace's contract, with the sender and the entry point used. */
async function settlements(namespace: Hex): Promise<Settlement[]> {
  const logs = parseEventLogs({
    abi: synodBatchSettlementAbi,
    eventName: 'BatchSettled',
    logs: await fixture.publicClient.getLogs({ address: contracts[namespace]!, fromBlock: 0n }),
  });
  const result: Settlement[] = [];
  for (const log of logs) {
    const tx = await fixture.publicClient.getTransaction({ hash: log.transactionHash });
    const call = decodeFunctionData({ abi: batchSettlementCallAbi, data: tx.input });
    result.push({
      height: Number(log.args.height),
      sequenceStart: Number(log.args.sequenceStart),
      count: log.args.count,
      from: tx.from.toLowerCase() as Address,
      functionName: call.functionName,
      hash: log.transactionHash,
      callHeight: Number(log.args.height),
    });
  }
  for (const settlement of result) {
    settlement.callHeight = result.find((other) => other.hash === settlement.hash)!.height;
  }
  return result;
}

const MULTI = ['settleBatches', 'submitHeaderAndSettleBatches'];

/** Every transaction of `account` on L1 so far, by nonce, with its function and status. */
async function accountHistory(account: Address): Promise<{ nonce: number; fn: string; ok: boolean }[]> {
  const latest = await fixture.publicClient.getBlockNumber();
  const found: { nonce: number; fn: string; ok: boolean }[] = [];
  for (let number = 1n; number <= latest; number++) {
    const block = await fixture.publicClient.getBlock({ blockNumber: number, includeTransactions: true });
    for (const tx of block.transactions) {
      if (tx.from.toLowerCase() !== account) continue;
      const receipt = await fixture.publicClient.getTransactionReceipt({ hash: tx.hash });
      let fn = 'transfer';
      if (tx.input !== '0x') {
        try {
          fn = decodeFunctionData({ abi: batchSettlementCallAbi, data: tx.input }).functionName;
        } catch {
          fn = tx.input.slice(0, 10);
        }
      }
      found.push({ nonce: tx.nonce, fn, ok: receipt.status === 'success' });
    }
  }
  return found.sort((a, b) => a.nonce - b.nonce);
}

async function deployRecorder(namespace: Hex): Promise<Address> {
  const deployer = clientsFor(fixture.anvil.rpcUrl, validatorAccount(7));
  const hash = await deployer.walletClient.deployContract({
    abi: batchRecorderAbi,
    bytecode: batchRecorderBytecode,
    args: [fixture.deployment.inbox, namespace],
  });
  const receipt = await fixture.publicClient.waitForTransactionReceipt({ hash });
  return receipt.contractAddress!.toLowerCase() as Address;
}

beforeAll(async () => {
  fixture = await startL1Fixture(N);
  contracts = { [APP_A]: await deployRecorder(APP_A), [APP_B]: await deployRecorder(APP_B) };
  for (let i = 0; i < N; i++) await startNode(i).start();
}, 30_000);

afterAll(async () => {
  await Promise.all(nodes.map((node) => node?.stop()));
  await fixture?.cleanup();
});

describe('batch relayer on anvil', () => {
  it('settles every batch of each namespace in order, from the designated validator, sharing the account with the headers', async () => {
    const A = APP_A;
    const B = APP_B;
    // Heights 1 … 8; 2 and 5 hold nothing of A or B, 5 nothing at all.
    await finalize([A, A, B], [DEX], [B, A], [A], [], [B, B], [A, DEX], [DEX, A, B]);
    await waitFor(
      'A and B settled',
      async () => (await appliedCount(A)) === 6 && (await appliedCount(B)) === 5,
      20_000,
    );

    expect(await applied(A)).toEqual(chainOrder(A));
    expect(await applied(B)).toEqual(chainOrder(B));
    const settledA = await settlements(A);
    expect(settledA.map((s) => [s.height, s.sequenceStart, s.count])).toEqual([
      [1, 0, 2],
      [3, 2, 1],
      [4, 3, 1],
      [7, 4, 1],
      [8, 5, 1],
    ]);
    const settledB = await settlements(B);
    expect(settledB.map((s) => [s.height, s.sequenceStart, s.count])).toEqual([
      [1, 0, 1],
      [3, 1, 1],
      [6, 2, 2],
      [8, 4, 1],
    ]);
    // A call settles the next batch and those after it: sent by the next batch's validator.
    for (const settlement of [...settledA, ...settledB]) {
      expect(settlement.from).toBe(address(designatedSubmitter(settlement.callHeight, N, K)));
    }

    // One account per validator, headers and batches interleaved: nonces 0, 1, 2, … with no gap
    // and no nonce error. The reverts allowed are races on the chain, not on the account: a
    // combined header submission a higher header overtook in between (then settled from
    // history), or a header submission another validator's higher header made a duplicate.
    await waitFor('receipts seen', () =>
      nodes.every((node) => node!.status().batches!.every((batch) => batch.pending === undefined)),
    );
    let interleaved = 0;
    for (const [i, node] of nodes.entries()) {
      const history = await accountHistory(address(i));
      expect(history.map((tx) => tx.nonce)).toEqual(history.map((_, n) => n));
      const reverted = history.filter((tx) => !tx.ok);
      const revertedBatches = reverted.filter((tx) => tx.fn.includes('Batch'));
      expect(revertedBatches.every((tx) => tx.fn.startsWith('submitHeaderAndSettleBatch'))).toBe(true);
      const overtaken = node!.status().batches!.reduce((sum, batch) => sum + batch.overtaken, 0);
      expect(revertedBatches.length).toBeLessThanOrEqual(overtaken);
      expect(reverted.length - revertedBatches.length).toBeLessThanOrEqual(
        node!.status().duplicateSubmissions,
      );
      const batchCalls = history.filter((tx) => tx.fn.includes('Batch')).length;
      if (batchCalls > 0 && batchCalls < history.length) interleaved += 1;
    }
    expect(interleaved).toBeGreaterThan(0);
    for (const [i, node] of nodes.entries()) {
      const errors = (await metrics[i]!.submitErrorsTotal.get()).values;
      expect(errors.filter((value) => value.labels.code?.toString().startsWith('NONCE'))).toEqual([]);
      expect(node!.status().lastError).toBeUndefined();
    }
    // Status and metrics of validator 0: the batches of the calls it sent (A and B from height 1).
    const byZero = (settled: Settlement[]) => settled.filter((s) => s.from === address(0));
    expect(byZero(settledA).length).toBeGreaterThanOrEqual(2);
    expect(batchOf(nodes[0]!, A)).toMatchObject({
      resumed: true,
      appliedCount: 6,
      finalizedCount: 6,
      backlog: 0,
      batchesSettled: byZero(settledA).length,
      transactionsSettled: byZero(settledA).reduce((sum, s) => sum + s.count, 0),
      duplicates: 0,
      pending: undefined,
    });
    const settledTotal = (await metrics[0]!.batchesSettledTotal.get()).values;
    expect(settledTotal.find((value) => value.labels.namespace === A)!.value).toBe(byZero(settledA).length);
    expect(settledTotal.find((value) => value.labels.namespace === B)!.value).toBe(byZero(settledB).length);
  }, 30_000);

  it('lets the next validator settle when the designated one is down, after the takeover timeout', async () => {
    expect(designatedSubmitter(9, N, K)).toBe(2);
    await stopNode(2);
    const finalizedAtMs = Date.now();
    await finalize([APP_A], [APP_A, APP_B]);
    // 9 and 10 may go in one call: A@9 is settled once the counter passed 6.
    await waitFor('A@9 settled', async () => (await appliedCount(APP_A)) >= 7, 3 * TAKEOVER_TIMEOUT_MS);
    const elapsedMs = Date.now() - finalizedAtMs;
    expect(elapsedMs).toBeGreaterThanOrEqual(TAKEOVER_TIMEOUT_MS);
    expect(elapsedMs).toBeLessThan(2 * TAKEOVER_TIMEOUT_MS);
    await waitFor(
      'A@10, B@10 settled',
      async () => (await appliedCount(APP_A)) === 8 && (await appliedCount(APP_B)) === 6,
      4 * TAKEOVER_TIMEOUT_MS,
    );
    // Validator 3 is one step behind validator 2 in the rotation.
    const taken = [...(await settlements(APP_A)), ...(await settlements(APP_B))].filter((s) => s.height >= 9);
    expect(taken.map((s) => s.from)).toEqual(taken.map(() => address(3)));
    expect(await applied(APP_A)).toEqual(chainOrder(APP_A));
    expect(await applied(APP_B)).toEqual(chainOrder(APP_B));
  }, 30_000);

  it('stops, and after a restart catches up from the contract counters, every batch in order, several per call', async () => {
    await Promise.all(nodes.map((_, i) => stopNode(i)));
    const before = { a: await appliedCount(APP_A), b: await appliedCount(APP_B) };
    // Heights 11 … 20, finalized while no relayer runs.
    await finalize(
      [APP_A],
      [APP_B],
      [APP_A, APP_B],
      [APP_A],
      [DEX],
      [APP_A],
      [],
      [APP_A, APP_A],
      [APP_B],
      [APP_A],
    );
    // Someone else posts header 16: batches below it must go from its history, 16's from its
    // stored header.
    const block16 = (await fixture.store.getBlock(16))!;
    const relayer = clientsFor(fixture.anvil.rpcUrl, validatorAccount(5));
    await fixture.publicClient.waitForTransactionReceipt({
      hash: await relayer.walletClient.writeContract({
        address: fixture.deployment.inbox,
        abi: inboxCallAbi,
        functionName: 'submitHeader',
        args: [headerArgs(block16.block.header), certificateArgs(block16.certificate)],
      }),
    });
    expect({ a: await appliedCount(APP_A), b: await appliedCount(APP_B) }).toEqual(before);

    for (let i = 0; i < N; i++) await startNode(i).start();
    await waitFor('resumed from the contracts', () =>
      nodes.every((node) => node!.status().batches!.every((batch) => batch.resumed)),
    );
    await waitFor(
      'caught up',
      async () => (await appliedCount(APP_A)) === 15 && (await appliedCount(APP_B)) === 9,
      30_000,
    );
    expect(await applied(APP_A)).toEqual(chainOrder(APP_A));
    expect(await applied(APP_B)).toEqual(chainOrder(APP_B));
    await waitFor('counters read', () => batchOf(nodes[0]!, APP_A).appliedCount === 15);
    expect(batchOf(nodes[0]!, APP_A)).toMatchObject({
      lastSettledHeight: 20,
      finalizedCount: 15,
      backlog: 0,
    });
    const settledA = (await settlements(APP_A)).filter((s) => s.height > 10);
    expect(settledA.map((s) => s.height)).toEqual([11, 13, 14, 16, 18, 20]);
    // Six batches, a backlog of three: two calls of three heights, each proven against one
    // anchor (11, 13 and 14 all lie below the header 16 someone posted).
    expect(settledA.map((s) => s.callHeight)).toEqual([11, 11, 11, 16, 16, 16]);
    expect(new Set(settledA.map((s) => s.hash)).size).toBe(2);
    expect(settledA[0]!.functionName).toBe('settleBatches');
    for (const settlement of settledA) {
      expect(MULTI).toContain(settlement.functionName);
      expect(settlement.from).toBe(address(designatedSubmitter(settlement.callHeight, N, K)));
    }
  }, 45_000);

  it('keeps a bounded batch backlog while L1 is unreachable, reports it, and catches up in order', async () => {
    const base = await appliedCount(APP_A);
    for (const node of nodes) {
      await waitFor('every node up to date', () => {
        const batch = batchOf(node!, APP_A);
        return batch.appliedCount === base && batch.backlog === 0;
      });
    }
    fixture.proxy.setUp(false);
    try {
      // Heights 21 … 25, one A transaction each: more batches than the backlog holds.
      await finalize([APP_A], [APP_A], [APP_A], [APP_A], [APP_A]);
      for (const node of nodes) {
        await waitFor('backlog reported', () => {
          const batch = batchOf(node!, APP_A);
          return batch.backlog === MAX_BACKLOG_BATCHES && !node!.status().reachable;
        });
        expect(batchOf(node!, APP_A)).toMatchObject({ backlogHeights: [21, 22, 23], scannedHeight: 23 });
      }
      await waitFor('error reported', () => batchOf(nodes[0]!, APP_A).lastError?.code === 'RPC_UNAVAILABLE');
      const gauge = (await metrics[0]!.batchBacklog.get()).values;
      expect(gauge.find((value) => value.labels.namespace === APP_A)!.value).toBe(MAX_BACKLOG_BATCHES);
      const errors = (await metrics[0]!.batchErrorsTotal.get()).values;
      expect(
        errors.find((value) => value.labels.namespace === APP_A && value.labels.code === 'RPC_UNAVAILABLE')!
          .value,
      ).toBeGreaterThan(0);
      expect(await appliedCount(APP_A)).toBe(base);
    } finally {
      fixture.proxy.setUp(true);
    }
    await waitFor('caught up', async () => (await appliedCount(APP_A)) === base + 5, 30_000);
    expect(await applied(APP_A)).toEqual(chainOrder(APP_A));
    for (const node of nodes) {
      await waitFor('backlog drained', () => batchOf(node!, APP_A).backlog === 0);
      expect(batchOf(node!, APP_A).scannedHeight).toBe(25);
    }
  }, 45_000);

  it('counts a batch someone else settled first as a duplicate, and settles it once', async () => {
    // Height 27 (not a header height, same prices) is validator 2's; the others sit out.
    await finalize([DEX]);
    expect(designatedSubmitter(27, N, K)).toBe(2);
    for (const i of [0, 1, 3]) await stopNode(i);
    const designated = nodes[2]!;
    const base = await appliedCount(APP_A);
    await fixture.publicClient.request({ method: 'evm_setAutomine', params: [false] } as never);
    try {
      await finalize([APP_A]);
      await waitFor('settlement sent', () => batchOf(designated, APP_A).pending !== undefined);
      const ours = designated.status().pendingTransaction!;
      expect(ours).toMatchObject({ kind: 'submitHeaderAndSettleBatch', namespace: APP_A, height: 27 });

      // A third party settles the same batch with a higher tip: it goes first in the block.
      const block = (await fixture.store.getBlock(27))!;
      const inclusion = namespaceInclusionProof((await fixture.store.getNamespaceEntries(27))!, APP_A)!;
      const transactions = block.block.transactions.filter((tx) => tx.namespace.toLowerCase() === APP_A);
      const relayer = clientsFor(fixture.anvil.rpcUrl, validatorAccount(5));
      await relayer.walletClient.writeContract({
        address: contracts[APP_A]!,
        abi: synodBatchSettlementAbi,
        functionName: 'submitHeaderAndSettleBatch',
        args: submitHeaderAndSettleBatchArgs(block.block.header, certificateArgs(block.certificate), {
          inclusion,
          transactions,
        }),
        gas: 1_000_000n,
        maxFeePerGas: ours.maxFeePerGas * 4n,
        maxPriorityFeePerGas: ours.maxFeePerGas * 2n,
      });
      await fixture.publicClient.request({ method: 'evm_mine', params: [] } as never);

      await waitFor('duplicate seen', () => batchOf(designated, APP_A).duplicates === 1);
      expect(batchOf(designated, APP_A)).toMatchObject({ pending: undefined, backlog: 0 });
      expect(designated.status().pendingTransaction).toBeUndefined();
      const duplicates = (await metrics[2]!.batchDuplicatesTotal.get()).values;
      expect(duplicates.find((value) => value.labels.namespace === APP_A)!.value).toBe(1);
      // Our transaction was mined and reverted (BatchAlreadySettled): settled once, by the other.
      const receipt = await fixture.publicClient.getTransactionReceipt({ hash: ours.hash });
      expect(receipt.status).toBe('reverted');
      expect(await appliedCount(APP_A)).toBe(base + 1);
      expect(await applied(APP_A)).toEqual(chainOrder(APP_A));
      expect((await settlements(APP_A)).at(-1)!.from).toBe(address(5));
    } finally {
      await fixture.publicClient.request({ method: 'evm_setAutomine', params: [true] } as never);
    }
  }, 30_000);

  it('settles a batch from history when a higher header overtakes its combined header submission', async () => {
    await stopNode(2);
    // Height 28 (a header height, validator 3's) is posted first, so that 29 is the next.
    await finalize([DEX]);
    const designated = startNode(3);
    await designated.start();
    await waitFor('header 28 posted', () => designated.status().l1LatestHeight === 28);
    await waitFor('idle', () => designated.status().pendingTransaction === undefined);
    const base = await appliedCount(APP_A);
    await fixture.publicClient.request({ method: 'evm_setAutomine', params: [false] } as never);
    try {
      await finalize([APP_A]);
      expect(designatedSubmitter(29, N, K)).toBe(3);
      await waitFor('settlement sent', () => batchOf(designated, APP_A).pending !== undefined);
      const ours = designated.status().pendingTransaction!;
      expect(ours).toMatchObject({ kind: 'submitHeaderAndSettleBatch', height: 29 });
      // Height 30 is posted by someone else with a higher tip, in the same block, first.
      await finalize([DEX]);
      const block30 = (await fixture.store.getBlock(30))!;
      const relayer = clientsFor(fixture.anvil.rpcUrl, validatorAccount(5));
      await relayer.walletClient.writeContract({
        address: fixture.deployment.inbox,
        abi: inboxCallAbi,
        functionName: 'submitHeader',
        args: [headerArgs(block30.block.header), certificateArgs(block30.certificate)],
        gas: 1_000_000n,
        maxFeePerGas: ours.maxFeePerGas * 4n,
        maxPriorityFeePerGas: ours.maxFeePerGas * 2n,
      });
      await fixture.publicClient.request({ method: 'evm_mine', params: [] } as never);
      await waitFor('overtaken seen', () => batchOf(designated, APP_A).overtaken === 1);
      expect((await fixture.publicClient.getTransactionReceipt({ hash: ours.hash })).status).toBe('reverted');
    } finally {
      await fixture.publicClient.request({ method: 'evm_setAutomine', params: [true] } as never);
      await fixture.publicClient.request({ method: 'evm_mine', params: [] } as never);
    }
    await waitFor('settled from history', async () => (await appliedCount(APP_A)) === base + 1);
    const last = (await settlements(APP_A)).at(-1)!;
    expect(last).toMatchObject({ height: 29, functionName: 'settleBatchFromHistory', from: address(3) });
    expect(await applied(APP_A)).toEqual(chainOrder(APP_A));
    await waitFor('receipt seen', () => batchOf(designated, APP_A).backlog === 0);
    expect(batchOf(designated, APP_A)).toMatchObject({
      duplicates: 0,
      lastError: undefined,
      batchesSettled: 1,
    });
  }, 30_000);

  it('clears a backlog of 40 batches in a few L1 transactions, in order, reading the history once per call', async () => {
    await Promise.all(nodes.map((_, i) => stopNode(i)));
    const base = await appliedCount(APP_A);
    const first = fixture.chain.height + 1;
    // 40 heights with a transaction of A each, finalized while no relayer runs.
    await finalize(...Array.from({ length: 40 }, () => [APP_A]));
    const last = fixture.chain.height;
    // Every header read of each node's relayers (history proofs and anchors) is counted.
    const headerReads = Array.from({ length: N }, () => 0);
    for (let i = 0; i < N; i++) {
      const store = new Proxy(fixture.store, {
        get(target, property, receiver) {
          if (property === 'getHeader') {
            return (height: number) => {
              headerReads[i]! += 1;
              return target.getHeader(height);
            };
          }
          const value = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      await startNode(i, targets(), { store, maxBacklogBatches: 64 }).start();
    }
    await waitFor('caught up', async () => (await appliedCount(APP_A)) === base + 40, 30_000);
    expect(await applied(APP_A)).toEqual(chainOrder(APP_A));
    const settled = (await settlements(APP_A)).filter((s) => s.height >= first);
    expect(settled.map((s) => s.height)).toEqual(Array.from({ length: 40 }, (_, i) => first + i));
    const calls = new Set(settled.map((s) => s.hash));
    expect(calls.size).toBeLessThanOrEqual(3);
    for (const settlement of settled) {
      expect(MULTI).toContain(settlement.functionName);
      expect(settlement.from).toBe(address(designatedSubmitter(settlement.callHeight, N, K)));
    }
    // One read of the hashes below the anchor per call (plus the anchor), not one per batch.
    const sender = designatedSubmitter(first, N, K);
    const sent = new Set(settled.filter((s) => s.from === address(sender)).map((s) => s.hash)).size;
    expect(sent).toBeGreaterThan(0);
    expect(headerReads[sender]).toBeLessThanOrEqual(sent * (last + 1));
    await waitFor('backlog drained', () => batchOf(nodes[sender]!, APP_A).backlog === 0);
    expect(batchOf(nodes[sender]!, APP_A)).toMatchObject({ duplicates: 0, lastError: undefined });
  }, 60_000);

  it('recovers when a group races a third party that settles its first batch alone', async () => {
    await Promise.all(nodes.map((_, i) => stopNode(i)));
    // A window of K heights: its first (a header height) posted by its validator, then three
    // heights with transactions of A, so that one group of three is that validator's.
    while ((fixture.chain.height + 1) % K !== 0) await finalize([DEX]);
    await finalize([DEX]);
    const windowStart = fixture.chain.height;
    const designated = designatedSubmitter(windowStart, N, K);
    const poster = startNode(designated);
    await poster.start();
    await waitFor('window header posted', () => poster.status().l1LatestHeight >= windowStart);
    await waitFor('idle', () => poster.status().pendingTransaction === undefined);
    await stopNode(designated);
    const base = await appliedCount(APP_A);
    await finalize([APP_A], [APP_A, APP_A], [APP_A]);
    const heights = [windowStart + 1, windowStart + 2, windowStart + 3];
    expect(heights.map((height) => designatedSubmitter(height, N, K))).toEqual(Array(3).fill(designated));
    const node = startNode(designated, targets(), { maxBacklogBatches: 64 });
    await fixture.publicClient.request({ method: 'evm_setAutomine', params: [false] } as never);
    try {
      await node.start();
      await waitFor('group sent', () => batchOf(node, APP_A).pending !== undefined);
      const ours = node.status().pendingTransaction!;
      expect(ours).toMatchObject({ kind: 'submitHeaderAndSettleBatches', height: heights[2] });

      // A third party settles the first batch alone, with a higher tip: first in the block.
      const [height] = heights as [number];
      const block = (await fixture.store.getBlock(height))!;
      const inclusion = namespaceInclusionProof((await fixture.store.getNamespaceEntries(height))!, APP_A)!;
      const transactions = block.block.transactions.filter((tx) => tx.namespace.toLowerCase() === APP_A);
      const relayer = clientsFor(fixture.anvil.rpcUrl, validatorAccount(5));
      await relayer.walletClient.writeContract({
        address: contracts[APP_A]!,
        abi: synodBatchSettlementAbi,
        functionName: 'submitHeaderAndSettleBatch',
        args: submitHeaderAndSettleBatchArgs(block.block.header, certificateArgs(block.certificate), {
          inclusion,
          transactions,
        }),
        gas: 1_000_000n,
        maxFeePerGas: ours.maxFeePerGas * 4n,
        maxPriorityFeePerGas: ours.maxFeePerGas * 2n,
      });
      await fixture.publicClient.request({ method: 'evm_mine', params: [] } as never);
      await waitFor('duplicate seen', () => batchOf(node, APP_A).duplicates === 1);
      // Ours was mined and reverted whole (BatchAlreadySettled at its first batch).
      expect((await fixture.publicClient.getTransactionReceipt({ hash: ours.hash })).status).toBe('reverted');
    } finally {
      await fixture.publicClient.request({ method: 'evm_setAutomine', params: [true] } as never);
      await fixture.publicClient.request({ method: 'evm_mine', params: [] } as never);
    }
    // The relayer re-reads the counter and settles what is left, the two other heights, in one call.
    await waitFor('settled', async () => (await appliedCount(APP_A)) === base + 4);
    expect(await applied(APP_A)).toEqual(chainOrder(APP_A));
    const settled = (await settlements(APP_A)).filter((s) => s.height >= heights[0]!);
    expect(settled.map((s) => [s.height, s.from === address(5)])).toEqual([
      [heights[0], true],
      [heights[1], false],
      [heights[2], false],
    ]);
    expect(settled[1]!.hash).toBe(settled[2]!.hash);
    expect(settled[1]).toMatchObject({ from: address(designated) });
    expect(MULTI).toContain(settled[1]!.functionName);
    await waitFor('receipt seen', () => batchOf(node, APP_A).backlog === 0);
    expect(batchOf(node, APP_A)).toMatchObject({ duplicates: 1, lastError: undefined, pending: undefined });
  }, 30_000);

  it('sends no group above its gas budget: an estimate over it makes the next group smaller', async () => {
    await Promise.all(nodes.map((_, i) => stopNode(i)));
    const base = await appliedCount(APP_A);
    const first = fixture.chain.height + 1;
    await finalize(...Array.from({ length: 8 }, () => [APP_A]));
    // BatchRecorder's hook stores a record per transaction (≈ 100,000 gas), above the 60,000 a
    // fresh relayer assumes: its first group of 8 is estimated at ≈ 1,000,000, over the budget.
    const budget = 600_000n;
    for (let i = 0; i < N; i++) {
      await startNode(i, targets(), { maxBacklogBatches: 64, maxBatchCallGas: budget }).start();
    }
    await waitFor('settled', async () => (await appliedCount(APP_A)) === base + 8, 20_000);
    expect(await applied(APP_A)).toEqual(chainOrder(APP_A));
    const settled = (await settlements(APP_A)).filter((s) => s.height >= first);
    expect(settled.map((s) => s.height)).toEqual(Array.from({ length: 8 }, (_, i) => first + i));
    const calls = [...new Set(settled.map((s) => s.hash))];
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.length).toBeLessThan(8);
    for (const hash of calls) {
      const receipt = await fixture.publicClient.getTransactionReceipt({ hash });
      if (settled.filter((s) => s.hash === hash).length > 1)
        expect(receipt.gasUsed).toBeLessThanOrEqual(budget);
    }
  }, 30_000);

  it('follows its transaction in flight while its planning fails: a store error sets no L1 backoff', async () => {
    // Every validator's batch store fails its reads once a settlement of A is in flight (as a
    // seek that sees a commit being written did): the sender must still see its receipt land.
    let failing = false;
    const flaky = new Proxy(fixture.store, {
      get(target, property) {
        if (property === 'nextNamespaceBatchHeight') {
          return async (namespace: Hex, afterHeight: number) => {
            if (failing) throw new Error('simulated store read failure');
            return target.nextNamespaceBatchHeight(namespace, afterHeight);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as L1BatchSource;
    for (let i = 0; i < N; i++) await stopNode(i);
    for (let i = 0; i < N; i++) await startNode(i, targets(), { store: flaky }).start();
    const before = await appliedCount(APP_A);
    const settledBefore = nodes.reduce((sum, node) => sum + batchOf(node!, APP_A).transactionsSettled, 0);
    // Anvil holds transactions until the test mines, so the settlement is still in flight (its
    // receipt not yet seen) when the store starts failing. With automine it could land and be
    // seen between two polls of `pending`, and the test would wait for a state that came and went.
    await fixture.publicClient.request({ method: 'evm_setAutomine', params: [false] } as never);
    try {
      await finalize([APP_A, APP_A]);
      await waitFor('a settlement of A in flight', async () => {
        if (nodes.some((node) => batchOf(node!, APP_A).pending !== undefined)) return true;
        // Whatever the accounts sent before (a header the settlement waits for) lands now.
        await fixture.publicClient.request({ method: 'evm_mine', params: [] } as never);
        return false;
      });
      failing = true;
    } finally {
      await fixture.publicClient.request({ method: 'evm_setAutomine', params: [true] } as never);
      await fixture.publicClient.request({ method: 'evm_mine', params: [] } as never);
    }
    // New heights keep coming, so every round's planning reads the store, and fails.
    let producing = true;
    const producer = (async () => {
      while (producing) {
        await finalize([]);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      await waitFor(
        'the landed settlement counted while planning fails',
        async () =>
          (await appliedCount(APP_A)) === before + 2 &&
          nodes.reduce((sum, node) => sum + batchOf(node!, APP_A).transactionsSettled, 0) ===
            settledBefore + 2,
        10_000,
      );
      expect(nodes.some((node) => node!.status().lastError?.message === 'simulated store read failure')).toBe(
        true,
      );
    } finally {
      producing = false;
      await producer;
      failing = false;
      for (let i = 0; i < N; i++) await stopNode(i);
      for (let i = 0; i < N; i++) await startNode(i).start();
    }
  }, 30_000);

  it('refuses a contract bound to another namespace (CONTRACT_MISMATCH) and goes on with the headers', async () => {
    await Promise.all(nodes.map((_, i) => stopNode(i)));
    const wrong = startNode(0, [{ namespace: APP_B, contract: contracts[APP_A]! }]);
    await wrong.start();
    await waitFor('mismatch reported', () => batchOf(wrong, APP_B).lastError?.code === 'CONTRACT_MISMATCH');
    expect(batchOf(wrong, APP_B).resumed).toBe(false);
    await waitFor('headers resumed', () => wrong.status().resumed);
    const errors = (await metrics[0]!.batchErrorsTotal.get()).values;
    expect(
      errors.find((value) => value.labels.namespace === APP_B && value.labels.code === 'CONTRACT_MISMATCH'),
    ).toBeDefined();
  }, 20_000);
  it('is wired from l1.settlement through the node: synod_status l1 lists each namespace', async () => {
    await Promise.all(nodes.map((_, i) => stopNode(i)));
    const nodeL1 = createNodeL1({
      rpcUrl: fixture.anvil.rpcUrl,
      domain: fixture.domain,
      priceFeeds: fixture.deployment.priceFeeds,
      ethereumPrivateKey: bytesToHex(validatorAccount(1).getHdKey().privateKey!),
      validatorIndex: 1,
      committeeSize: N,
      store: fixture.store,
      feeds: FEEDS,
      postEveryHeaders: K,
      takeoverTimeoutMs: TAKEOVER_TIMEOUT_MS,
      postingIntervalMs: 100,
      feeBumpAfterMs: 60_000,
      maxFeePerGasWei: undefined,
      settlement: targets(),
      metrics: createL1Metrics(new Registry()),
      logger: pino({ level: 'silent' }),
    });
    nodeL1.start();
    try {
      await waitFor('resumed', () => nodeL1.status().batches?.every((batch) => batch.resumed) === true);
      const status = nodeL1.status();
      expect(status.batches!.map((batch) => [batch.namespace, batch.contract])).toEqual([
        [APP_A, contracts[APP_A]],
        [APP_B, contracts[APP_B]],
      ]);
      expect(status.batches![0]).toMatchObject({
        appliedCount: await appliedCount(APP_A),
        finalizedCount: chainOrder(APP_A).length,
      });
      expect(status.chainChecked).toBe(true);
      expect(status.account.toLowerCase()).toBe(address(1));
    } finally {
      await nodeL1.stop();
    }
  }, 20_000);
});
