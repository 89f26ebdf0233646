import { settlementInboxAbi, synodPriceFeedAdapterAbi } from '@synod/contracts/abi';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { type Address, decodeFunctionData, type Hex, parseEventLogs } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  certificateArgs,
  createL1Metrics,
  createL1Submitter,
  designatedSubmitter,
  headerArgs,
  inboxCallAbi,
  type L1Metrics,
  type L1ProofError,
  type L1Submitter,
  priceFeedsCallAbi,
  proveOnL1,
} from '../../src/l1/index.ts';
import {
  BTC_USD,
  clientsFor,
  ETH_USD,
  FEEDS,
  type L1Fixture,
  startL1Fixture,
  validatorAccount,
  waitFor,
} from './fixtures.ts';

/**
 * Four validators' submitters against a real anvil, through a proxy that can cut L1 off, over
 * real certified blocks in a real LevelDB store. The tests run in order and share the chain:
 * rotation → takeover → restart + price push → outage and catch-up → proofs → fee bump.
 */

const N = 4;
const K = 4;
const TAKEOVER_TIMEOUT_MS = 1_500;
const FEE_BUMP_AFTER_MS = 600;
const ETH = 3_000_00000000n;
const BTC = 90_000_00000000n;

let fixture: L1Fixture;
const submitters: (L1Submitter | undefined)[] = [];
const metrics: L1Metrics[] = [];

function startSubmitter(index: number): L1Submitter {
  const { publicClient, walletClient } = clientsFor(fixture.proxy.url, validatorAccount(index));
  metrics[index] = createL1Metrics(new Registry());
  const submitter = createL1Submitter({
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
    fees: { feeBumpAfterMs: FEE_BUMP_AFTER_MS },
    retryMinDelayMs: 100,
    retryMaxDelayMs: 400,
    metrics: metrics[index],
    ...(process.env.SYNOD_TEST_L1_LOG ? { logger: pino({ level: 'debug' }).child({ v: index }) } : {}),
  });
  submitters[index] = submitter;
  return submitter;
}

/** Finalizes blocks up to `height` (ETH at `eth`) and tells every running submitter. */
async function finalizeTo(height: number, eth = ETH): Promise<void> {
  while (fixture.chain.height < height) {
    await fixture.chain.next({ eth, btc: BTC });
    for (const submitter of submitters) submitter?.onFinalized(fixture.chain.height);
  }
}

async function inboxHeight(): Promise<number> {
  return Number(
    await fixture.publicClient.readContract({
      address: fixture.deployment.inbox,
      abi: settlementInboxAbi,
      functionName: 'latestHeight',
    }),
  );
}

/** height → the account whose transaction landed it. */
async function postersByHeight(): Promise<Map<number, Address>> {
  const logs = parseEventLogs({
    abi: settlementInboxAbi,
    eventName: 'HeaderSubmitted',
    logs: await fixture.publicClient.getLogs({ address: fixture.deployment.inbox, fromBlock: 0n }),
  });
  const posters = new Map<number, Address>();
  for (const log of logs) {
    const tx = await fixture.publicClient.getTransaction({ hash: log.transactionHash });
    posters.set(Number(log.args.height), tx.from.toLowerCase() as Address);
  }
  return posters;
}

/** The adapter's latest round as [Synod height, answer, startedAt, updatedAt, the feed's round]. */
const adapterRound = async (feedId: Hex) => {
  const read = { address: fixture.deployment.adapters[feedId]!, abi: synodPriceFeedAdapterAbi } as const;
  const [round, answer, startedAt, updatedAt] = await fixture.publicClient.readContract({
    ...read,
    functionName: 'latestRoundData',
  });
  const height = await fixture.publicClient.readContract({
    ...read,
    functionName: 'heightOf',
    args: [round],
  });
  return [BigInt(height), answer, startedAt, updatedAt, round] as const;
};

const address = (index: number) => validatorAccount(index).address.toLowerCase() as Address;

beforeAll(async () => {
  fixture = await startL1Fixture(N);
  for (let i = 0; i < N; i++) await startSubmitter(i).start();
}, 30_000);

afterAll(async () => {
  await Promise.all(submitters.map((submitter) => submitter?.stop()));
  await fixture?.cleanup();
});

describe('L1 submitter on anvil', () => {
  it('posts the first price height and every k-th header from the designated validator', async () => {
    await finalizeTo(1);
    await waitFor('height 1 on L1', async () => (await inboxHeight()) === 1);
    await finalizeTo(4);
    await waitFor('height 4 on L1', async () => (await inboxHeight()) === 4);
    await finalizeTo(8);
    await waitFor('height 8 on L1', async () => (await inboxHeight()) === 8);

    await waitFor('receipts seen', () => submitters[2]!.status().headersPosted === 1);
    const posters = await postersByHeight();
    expect([...posters.keys()]).toEqual([1, 4, 8]);
    for (const [height, poster] of posters) {
      expect(poster).toBe(address(designatedSubmitter(height, N, K)));
    }
    expect([...posters.values()]).toEqual([address(0), address(1), address(2)]);
    // Height 1 carried the first price of both feeds: the AggregatorV3 adapters serve them.
    const [height, answer, , updatedAt, round] = await adapterRound(ETH_USD);
    expect([height, answer, round]).toEqual([1n, ETH, 1n]);
    expect(updatedAt).toBe(BigInt(Math.floor((await fixture.store.getHeader(1))!.timestampMs / 1000)));
    expect((await adapterRound(BTC_USD)).slice(0, 2)).toEqual([1n, BTC]);
    expect(submitters[0]!.status()).toMatchObject({ headersPosted: 1, pricesPosted: 2, lastPostedHeight: 1 });
    expect(submitters.map((submitter) => submitter!.status().duplicateSubmissions)).toEqual([0, 0, 0, 0]);
    expect((await metrics[2]!.headersPostedTotal.get()).values[0]!.value).toBe(1);
    expect((await metrics[2]!.lastPostedHeight.get()).values[0]!.value).toBe(8);
  }, 20_000);

  it('lets the next validator post when the designated one is down, after the takeover timeout', async () => {
    expect(designatedSubmitter(12, N, K)).toBe(3);
    await submitters[3]!.stop();
    submitters[3] = undefined;
    await finalizeTo(11);
    const finalizedAtMs = Date.now();
    await finalizeTo(12);
    await waitFor('height 12 on L1', async () => (await inboxHeight()) === 12, 3 * TAKEOVER_TIMEOUT_MS);
    const elapsedMs = Date.now() - finalizedAtMs;
    expect(elapsedMs).toBeGreaterThanOrEqual(TAKEOVER_TIMEOUT_MS);
    expect(elapsedMs).toBeLessThan(2 * TAKEOVER_TIMEOUT_MS);
    // Validator 0 is one step behind validator 3 in the rotation.
    expect((await postersByHeight()).get(12)).toBe(address(0));
  }, 20_000);

  it('resumes from the inbox after a restart and pushes a deviating price with only its leaf', async () => {
    const restarted = startSubmitter(3);
    await restarted.start();
    await waitFor('resume', () => restarted.status().resumed);
    await waitFor('planned', () => restarted.status().plannedHeight === 12);
    expect(restarted.status()).toMatchObject({ l1LatestHeight: 12, backlog: 0 });

    // ETH moves 3.3 % at height 13 (not a multiple of k): 13 must be posted, with ETH only.
    await finalizeTo(13, 3_100_00000000n);
    await waitFor('height 13 on L1', async () => (await inboxHeight()) === 13);
    expect((await postersByHeight()).get(13)).toBe(address(3));
    expect((await adapterRound(ETH_USD)).slice(0, 2)).toEqual([13n, 3_100_00000000n]);
    expect((await adapterRound(BTC_USD)).slice(0, 2)).toEqual([1n, BTC]);
    const logs = await fixture.publicClient.getLogs({ address: fixture.deployment.inbox, fromBlock: 0n });
    const tx = await fixture.publicClient.getTransaction({ hash: logs.at(-1)!.transactionHash! });
    const call = decodeFunctionData({ abi: priceFeedsCallAbi, data: tx.input });
    expect(call.functionName).toBe('submitHeaderAndUpdatePrices');
    const leaves = call.args![2] as readonly { feedId: Hex }[];
    expect(leaves.map((leaf) => leaf.feedId)).toEqual([ETH_USD]);
    await waitFor('receipt seen', () => restarted.status().headersPosted === 1);
    expect(restarted.status()).toMatchObject({ headersPosted: 1, pricesPosted: 1 });
  }, 20_000);

  it('keeps a bounded backlog while L1 is unreachable, reports it, and catches up', async () => {
    fixture.proxy.setUp(false);
    await finalizeTo(20, 3_100_00000000n);
    // 16 and 20 are needed (multiples of k); nothing can be posted.
    for (const submitter of submitters) {
      await waitFor('backlog reported', () => {
        const status = submitter!.status();
        return status.backlog === 2 && !status.reachable && status.lastError?.code === 'RPC_UNAVAILABLE';
      });
      expect(submitter!.status().backlogHeights).toEqual([16, 20]);
    }
    expect((await metrics[0]!.backlog.get()).values[0]!.value).toBe(2);
    expect((await metrics[0]!.reachable.get()).values[0]!.value).toBe(0);
    const errors = (await metrics[0]!.submitErrorsTotal.get()).values;
    expect(errors.find((value) => value.labels.code === 'RPC_UNAVAILABLE')!.value).toBeGreaterThan(0);
    expect(await inboxHeight()).toBe(13);

    fixture.proxy.setUp(true);
    await waitFor('height 20 on L1', async () => (await inboxHeight()) === 20, 10_000);
    for (const submitter of submitters) {
      await waitFor(
        'backlog drained',
        () => submitter!.status().backlog === 0 && submitter!.status().reachable,
      );
    }
    expect((await metrics[1]!.backlog.get()).values[0]!.value).toBe(0);
    expect((await postersByHeight()).get(20)).toBe(address(designatedSubmitter(20, N, K)));
  }, 30_000);

  it('proves finalized transactions on L1, including one from a header that was never posted', async () => {
    const posted = await postersByHeight();
    const direct = await proveOnL1({
      publicClient: fixture.publicClient,
      inbox: fixture.deployment.inbox,
      store: fixture.store,
      txId: fixture.chain.txIds.get(20)![1]!,
    });
    expect(direct.call.functionName).toBe('verifyTransaction');
    expect(direct.anchorHeight).toBe(20);
    expect(await fixture.publicClient.readContract(direct.call as never)).toBe(true);

    expect(posted.has(14)).toBe(false);
    const viaHistory = await proveOnL1({
      publicClient: fixture.publicClient,
      inbox: fixture.deployment.inbox,
      store: fixture.store,
      txId: fixture.chain.txIds.get(14)![0]!,
    });
    expect(viaHistory.call.functionName).toBe('verifyTransactionInHistory');
    expect(viaHistory.anchorHeight).toBe(posted.has(16) ? 16 : 20);
    expect(await fixture.publicClient.readContract(viaHistory.call as never)).toBe(true);

    // Also from the very first block, through a later anchor's history.
    const first = await proveOnL1({
      publicClient: fixture.publicClient,
      inbox: fixture.deployment.inbox,
      store: fixture.store,
      txId: fixture.chain.txIds.get(2)![0]!,
    });
    expect(first.anchorHeight).toBe(4);
    expect(await fixture.publicClient.readContract(first.call as never)).toBe(true);

    await finalizeTo(21, 3_100_00000000n);
    await expect(
      proveOnL1({
        publicClient: fixture.publicClient,
        inbox: fixture.deployment.inbox,
        store: fixture.store,
        txId: fixture.chain.txIds.get(21)![0]!,
      }),
    ).rejects.toMatchObject({ name: 'L1ProofError', code: 'NOT_YET_ON_L1' } satisfies Partial<L1ProofError>);
  }, 20_000);

  it('replaces a stuck transaction with +12.5 % fees, and counts the takeover that lost as a duplicate', async () => {
    // Validators 0 and 1 sit out; 2 is designated for 24 and 3 takes over after one timeout.
    expect(designatedSubmitter(24, N, K)).toBe(2);
    await submitters[0]!.stop();
    await submitters[1]!.stop();
    submitters[0] = submitters[1] = undefined;
    await fixture.publicClient.request({ method: 'evm_setAutomine', params: [false] } as never);
    try {
      await finalizeTo(24, 3_100_00000000n);
      await waitFor(
        'designated transaction sent',
        () => submitters[2]!.status().pendingTransaction !== undefined,
      );
      const original = submitters[2]!.status().pendingTransaction!;
      expect(original.replacements).toBe(0);
      await waitFor(
        'fee bump and takeover transaction',
        () =>
          (submitters[2]!.status().pendingTransaction?.replacements ?? 0) >= 1 &&
          submitters[3]!.status().pendingTransaction !== undefined,
        4 * TAKEOVER_TIMEOUT_MS,
      );
      const replaced = submitters[2]!.status().pendingTransaction!;
      expect(replaced.nonce).toBe(original.nonce);
      expect(replaced.hashes[0]).toBe(original.hash);
      expect(replaced.maxFeePerGas * 1000n).toBeGreaterThanOrEqual(original.maxFeePerGas * 1125n);
      expect(replaced.maxPriorityFeePerGas * 1000n).toBeGreaterThanOrEqual(
        original.maxPriorityFeePerGas * 1125n,
      );
      const pool = (await fixture.publicClient.request({
        method: 'txpool_content',
        params: [],
      } as never)) as {
        pending: Record<string, Record<string, { hash: Hex }>>;
      };
      // One transaction of validator 2 in the pool, a replacement (bumps continue every
      // FEE_BUMP_AFTER_MS, so it may be newer than `replaced`).
      const ours = Object.entries(pool.pending).find(([from]) => from.toLowerCase() === address(2))!;
      const inPool = Object.values(ours[1]).map((tx) => tx.hash);
      expect(inPool).toHaveLength(1);
      expect(inPool[0]).not.toBe(original.hash);

      await fixture.publicClient.request({ method: 'evm_mine', params: [] } as never);
      await waitFor('both settled', () => {
        const [designated, takeover] = [submitters[2]!.status(), submitters[3]!.status()];
        return designated.pendingTransaction === undefined && takeover.pendingTransaction === undefined;
      });
      expect(await inboxHeight()).toBe(24);
      const mined = await fixture.publicClient.getBlock({ includeTransactions: true });
      const landed = mined.transactions.find((tx) => tx.from.toLowerCase() === address(2))!;
      expect(landed.nonce).toBe(original.nonce);
      expect(landed.hash).not.toBe(original.hash);
      expect(landed.maxFeePerGas! * 1000n).toBeGreaterThanOrEqual(original.maxFeePerGas * 1125n);
      expect((await fixture.publicClient.getTransactionReceipt({ hash: landed.hash })).status).toBe(
        'success',
      );
      await expect(fixture.publicClient.getTransactionReceipt({ hash: original.hash })).rejects.toThrow();
      // Validator 3's takeover was mined after 2's header in the same block: reverted as stale.
      expect(submitters[3]!.status().duplicateSubmissions).toBe(1);
      expect((await metrics[3]!.duplicateSubmissionsTotal.get()).values[0]!.value).toBe(1);
      expect((await metrics[2]!.feeBumpsTotal.get()).values[0]!.value).toBeGreaterThanOrEqual(1);
      expect(submitters[2]!.status().lastPostedHeight).toBe(24);
    } finally {
      await fixture.publicClient.request({ method: 'evm_setAutomine', params: [true] } as never);
    }
  }, 30_000);

  it('pushes prices with updatePrices when the header is already stored without them', async () => {
    await Promise.all(submitters.map((submitter) => submitter?.stop()));
    submitters.fill(undefined);
    // ETH moves at 25, and someone else (a third-party relayer) posts 25 with plain submitHeader.
    const block = await fixture.chain.next({ eth: 3_200_00000000n, btc: BTC });
    const relayer = clientsFor(fixture.anvil.rpcUrl, validatorAccount(5));
    await fixture.publicClient.waitForTransactionReceipt({
      hash: await relayer.walletClient.writeContract({
        address: fixture.deployment.inbox,
        abi: inboxCallAbi,
        functionName: 'submitHeader',
        args: [headerArgs(block.block.header), certificateArgs(block.certificate)],
      }),
    });
    expect(await inboxHeight()).toBe(25);
    expect((await adapterRound(ETH_USD))[0]).toBe(13n);

    const designated = startSubmitter(designatedSubmitter(25, N, K));
    await designated.start();
    await waitFor('ETH pushed at 25', async () => (await adapterRound(ETH_USD))[0] === 25n);
    expect((await adapterRound(ETH_USD))[1]).toBe(3_200_00000000n);
    expect((await adapterRound(ETH_USD))[4]).toBe(3n); // ETH's third round on L1: heights 1, 13, 25
    expect((await adapterRound(BTC_USD))[0]).toBe(1n);
    await waitFor('receipt seen', () => designated.status().pricesPosted === 1);
    expect(designated.status()).toMatchObject({ headersPosted: 0, backlog: 0, duplicateSubmissions: 0 });
  }, 20_000);

  it('cancels its own submission once the height landed from elsewhere, freeing the nonce', async () => {
    await Promise.all(submitters.map((submitter) => submitter?.stop()));
    submitters.fill(undefined);
    expect(designatedSubmitter(28, N, K)).toBe(3);
    const submitter = startSubmitter(3);
    await submitter.start();
    await fixture.publicClient.request({ method: 'evm_setAutomine', params: [false] } as never);
    try {
      await finalizeTo(28, 3_200_00000000n);
      await waitFor('submission sent', () => submitter.status().pendingTransaction !== undefined);
      const stale = submitter.status().pendingTransaction!;
      // The node loses it, and a relayer lands 28 meanwhile (paused so that the submitter does
      // not rebroadcast it into the relayer's block, which would be the mined-duplicate case).
      await submitter.stop();
      await fixture.publicClient.request({ method: 'anvil_dropTransaction', params: [stale.hash] } as never);
      const block = (await fixture.store.getBlock(28))!;
      const relayer = clientsFor(fixture.anvil.rpcUrl, validatorAccount(5));
      await relayer.walletClient.writeContract({
        address: fixture.deployment.inbox,
        abi: inboxCallAbi,
        functionName: 'submitHeader',
        args: [headerArgs(block.block.header), certificateArgs(block.certificate)],
      });
      await fixture.publicClient.request({ method: 'evm_mine', params: [] } as never);
      expect(await inboxHeight()).toBe(28);
      await submitter.start();

      await waitFor(
        'cancellation sent',
        () => (submitter.status().pendingTransaction?.replacements ?? 0) >= 1,
      );
      const cancellation = await fixture.publicClient.getTransaction({
        hash: submitter.status().pendingTransaction!.hash,
      });
      expect(cancellation.to?.toLowerCase()).toBe(address(3));
      expect(cancellation.nonce).toBe(stale.nonce);
      expect(cancellation.input).toBe('0x');
      await fixture.publicClient.request({ method: 'evm_mine', params: [] } as never);
      await waitFor('cancellation mined', () => submitter.status().pendingTransaction === undefined);
      expect(submitter.status()).toMatchObject({ duplicateSubmissions: 1, headersPosted: 0, backlog: 0 });
      expect(await fixture.publicClient.getTransactionCount({ address: address(3) })).toBe(stale.nonce + 1);
    } finally {
      await fixture.publicClient.request({ method: 'evm_setAutomine', params: [true] } as never);
    }
  }, 20_000);
});
