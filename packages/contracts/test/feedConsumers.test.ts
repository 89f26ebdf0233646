import { type Abi, type Address, type Hex, keccak256, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  latestAnswerConsumerAbi,
  latestAnswerConsumerBytecode,
  priceFeedsAbi,
  stalenessCheckingConsumerAbi,
  stalenessCheckingConsumerBytecode,
  synodFailClosedPriceFeedAdapterAbi,
  walkBackConsumerAbi,
  walkBackConsumerBytecode,
} from '../src/artifacts.ts';
import { checkFailClosedMaxAge, FeedDeploymentError, MIN_STALENESS_MARGIN_SECONDS } from '../src/deploy.ts';
import { buildMultiproof } from '../src/multiproof.ts';
import { startTestChain, type TestChain } from './helpers/chain.ts';
import { adapterAbi, expectRevert, feedsAbi } from './helpers/contracts.ts';
import { priceLeafHash } from './helpers/merkle.ts';
import { certify, deployFixture, type Fixture, HeaderChain, headerArgs } from './helpers/synod.ts';

/**
 * The price feed adapters under the three ways deployed lending and stablecoin protocols read a
 * Chainlink feed (contracts/test/FeedConsumers.sol): latestAnswer with a fallback for ≤ 0;
 * latestRoundData with their own `block.timestamp − updatedAt` rule and a fallback oracle; and a
 * walk back one round. Each works fresh, stale, before the first price and with Synod's clock
 * ahead of L1's through SynodPriceFeedAdapter; the fail-closed adapter shows why it is not the
 * default (a staleness-checking consumer's fallback never runs).
 */

const ETH = keccak256(toHex('ETH/USD'));
/** The consumers' secondary oracle: another Synod feed here, any AggregatorV3 in production. */
const BACKUP = keccak256(toHex('ETH/USD backup'));
const HEARTBEAT_SECONDS = 3_600n;
/** The consumers' own staleness bound, and the fail-closed adapter's. */
const MAX_AGE_SECONDS = HEARTBEAT_SECONDS + MIN_STALENESS_MARGIN_SECONDS;

let chain: TestChain;
let fixture: Fixture;
let headers: HeaderChain;
let consumers: { latestAnswer: Address; staleness: Address; walkBack: Address; stalenessFailClosed: Address };

const errorsOf = (abi: Abi) => abi.filter((item) => item.type === 'error');
const stalenessAbi = [
  ...stalenessCheckingConsumerAbi,
  ...errorsOf(synodFailClosedPriceFeedAdapterAbi),
] as const;

async function now(): Promise<bigint> {
  return (await chain.publicClient.getBlock()).timestamp;
}

async function advance(seconds: bigint): Promise<void> {
  await chain.publicClient.request({
    method: 'evm_increaseTime' as never,
    params: [Number(seconds)] as never,
  });
  await chain.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
}

/** A certified header carrying `prices` (timestamped `timestampS`, default now), posted with them in one call. */
async function publish(prices: { feedId: Hex; answer: bigint }[], timestampS?: bigint): Promise<void> {
  const block = headers.next({ prices, timestampMs: Number((timestampS ?? (await now())) * 1000n) });
  const leaves = block.prices.map((price) => priceLeafHash(price.feedId, price.answer));
  const indices = block.prices.map((_, index) => index);
  const hash = await chain.walletClient.writeContract({
    address: fixture.deployment.priceFeeds,
    abi: feedsAbi,
    functionName: 'submitHeaderAndUpdatePrices',
    args: [
      headerArgs(block.header),
      { round: 0, signature: certify(fixture.committee, block.header, fixture.domain) },
      indices.map((index) => ({ ...block.prices[index]!, index: BigInt(index) })),
      buildMultiproof(leaves, indices),
    ],
  });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe('success');
}

async function deploy(abi: Abi, bytecode: Hex, args: readonly unknown[]): Promise<Address> {
  const hash = await chain.walletClient.deployContract({ abi, bytecode, args } as never);
  return (await chain.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
}

const read = <T>(address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []) =>
  chain.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>;
const priceOf = (address: Address, abi: Abi = latestAnswerConsumerAbi) =>
  read<[bigint, boolean]>(address, abi, 'price');
const lastTwo = () =>
  read<[bigint, bigint, bigint, bigint]>(consumers.walkBack, walkBackConsumerAbi, 'lastTwo');

beforeAll(async () => {
  chain = await startTestChain();
  fixture = await deployFixture(chain, {
    n: 4,
    feeds: [
      {
        feedId: ETH,
        decimals: 8,
        description: 'ETH / USD',
        failClosed: { maxAgeSeconds: MAX_AGE_SECONDS, heartbeatSeconds: HEARTBEAT_SECONDS },
      },
      { feedId: BACKUP, decimals: 8, description: 'ETH / USD (backup)' },
    ],
  });
  headers = new HeaderChain(fixture.domain);
  const eth = fixture.deployment.adapters[ETH]!;
  const backup = fixture.deployment.adapters[BACKUP]!;
  consumers = {
    latestAnswer: await deploy(latestAnswerConsumerAbi, latestAnswerConsumerBytecode, [eth, backup]),
    staleness: await deploy(stalenessCheckingConsumerAbi, stalenessCheckingConsumerBytecode, [
      eth,
      backup,
      MAX_AGE_SECONDS,
    ]),
    walkBack: await deploy(walkBackConsumerAbi, walkBackConsumerBytecode, [eth]),
    stalenessFailClosed: await deploy(stalenessCheckingConsumerAbi, stalenessCheckingConsumerBytecode, [
      fixture.deployment.failClosedAdapters[ETH]!,
      backup,
      MAX_AGE_SECONDS,
    ]),
  };
});

afterAll(async () => {
  await chain?.anvil.stop();
});

describe('Chainlink-style consumers of SynodPriceFeedAdapter', () => {
  it('before the first price: zeros, so each consumer takes its own fallback path', async () => {
    await publish([{ feedId: BACKUP, answer: 2_990_00000000n }]); // the backup has a price, ETH none
    expect(await priceOf(consumers.latestAnswer)).toEqual([2_990_00000000n, true]);
    expect(await priceOf(consumers.staleness, stalenessAbi)).toEqual([2_990_00000000n, true]);
    expect(await lastTwo()).toEqual([0n, 0n, 0n, 0n]);
    // The fail-closed adapter reverts instead: the consumer's fallback never runs.
    await expectRevert(priceOf(consumers.stalenessFailClosed, stalenessAbi), 'No data present');
  });

  it('fresh: the primary price, and the previous round one step back', async () => {
    await publish([{ feedId: ETH, answer: 3_000_00000000n }]);
    // The round's time as recorded (the header's, clamped to L1's), not L1's clock after the call:
    // the block it landed in may be a second past the header's time.
    const [, , , firstAt] = await read<bigint[]>(
      fixture.deployment.adapters[ETH]!,
      adapterAbi,
      'latestRoundData',
    );
    expect(await priceOf(consumers.latestAnswer)).toEqual([3_000_00000000n, false]);
    expect(await priceOf(consumers.staleness, stalenessAbi)).toEqual([3_000_00000000n, false]);
    expect(await lastTwo()).toEqual([1n, 3_000_00000000n, 0n, 0n]); // round 0 does not exist
    await publish([{ feedId: ETH, answer: 3_010_00000000n }]);
    expect(await lastTwo()).toEqual([2n, 3_010_00000000n, 3_000_00000000n, firstAt]);
    expect(await priceOf(consumers.stalenessFailClosed, stalenessAbi)).toEqual([3_010_00000000n, false]);
  });

  it("with Synod's clock ahead of L1's: updatedAt is never in L1's future, so age checks do not underflow", async () => {
    const l1Time = await now();
    await publish([{ feedId: ETH, answer: 3_020_00000000n }], l1Time + 600n);
    const [, , , updatedAt] = await read<bigint[]>(
      fixture.deployment.adapters[ETH]!,
      adapterAbi,
      'latestRoundData',
    );
    expect(updatedAt).toBeLessThanOrEqual(await now());
    expect(updatedAt).toBeGreaterThanOrEqual(l1Time);
    expect(await priceOf(consumers.staleness, stalenessAbi)).toEqual([3_020_00000000n, false]);
    expect(await priceOf(consumers.stalenessFailClosed, stalenessAbi)).toEqual([3_020_00000000n, false]);
    // PriceFeeds records the clamped time too (what every adapter reads).
    const [, recordedAt] = await read<[bigint, bigint, bigint]>(
      fixture.deployment.priceFeeds,
      priceFeedsAbi,
      'latestPrice',
      [ETH],
    );
    expect(recordedAt).toBe(updatedAt);
  });

  it('stale: the staleness-checking consumer falls back; the fail-closed adapter stops it instead', async () => {
    await advance(MAX_AGE_SECONDS + 1n);
    await publish([{ feedId: BACKUP, answer: 2_995_00000000n }]); // the backup stays fresh
    expect(await priceOf(consumers.staleness, stalenessAbi)).toEqual([2_995_00000000n, true]);
    // latestAnswer-only consumers check no age, with Chainlink as with Synod: the old answer.
    expect(await priceOf(consumers.latestAnswer)).toEqual([3_020_00000000n, false]);
    expect((await lastTwo())[1]).toBe(3_020_00000000n);
    await expectRevert(priceOf(consumers.stalenessFailClosed, stalenessAbi), 'StalePrice');
    // The next heartbeat refresh makes the primary current again.
    await publish([{ feedId: ETH, answer: 3_030_00000000n }]);
    expect(await priceOf(consumers.staleness, stalenessAbi)).toEqual([3_030_00000000n, false]);
  });
});

describe('round history', () => {
  it('keeps the last ROUND_HISTORY rounds of a feed readable, older ones read as zeros', async () => {
    const adapter = fixture.deployment.adapters[ETH]!;
    const history = await read<bigint>(fixture.deployment.priceFeeds, priceFeedsAbi, 'ROUND_HISTORY');
    const first = (await read<bigint>(adapter, adapterAbi, 'latestRound')) + 1n;
    const answerOf = (round: bigint) => 4_000_00000000n + round;
    for (let round = first; round < first + history + 2n; round++) {
      await publish([{ feedId: ETH, answer: answerOf(round) }]);
    }
    const latest = await read<bigint>(adapter, adapterAbi, 'latestRound');
    expect(latest).toBe(first + history + 1n);
    const oldestKept = latest - history + 1n;
    expect(await read(adapter, adapterAbi, 'getAnswer', [oldestKept])).toBe(answerOf(oldestKept));
    expect(await read(adapter, adapterAbi, 'getAnswer', [latest - 1n])).toBe(answerOf(latest - 1n));
    expect(await read(adapter, adapterAbi, 'getTimestamp', [oldestKept])).toBeGreaterThan(0n);
    // Evicted (its slot holds a later round) and future rounds: zeros, no revert.
    expect(await read(adapter, adapterAbi, 'getAnswer', [oldestKept - 1n])).toBe(0n);
    expect(await read(adapter, adapterAbi, 'getRoundData', [oldestKept - 1n])).toEqual([
      oldestKept - 1n,
      0n,
      0n,
      0n,
      oldestKept - 1n,
    ]);
    expect(await read(adapter, adapterAbi, 'getAnswer', [latest + 1n])).toBe(0n);
    expect(await read(adapter, adapterAbi, 'heightOf', [latest])).toBe(
      BigInt(headers.blocks.at(-1)!.header.height),
    );
  });
});

describe('deploySynod', () => {
  it('refuses a fail-closed max age without a margin over the heartbeat', () => {
    const feed = { description: 'ETH / USD', heartbeatSeconds: HEARTBEAT_SECONDS };
    expect(() => checkFailClosedMaxAge({ ...feed, maxAgeSeconds: HEARTBEAT_SECONDS })).toThrow(
      FeedDeploymentError,
    );
    expect(() => checkFailClosedMaxAge({ ...feed, maxAgeSeconds: MAX_AGE_SECONDS - 1n })).toThrow(
      /must be ≥ heartbeatSeconds \(3600\) \+ 300 = 3900/,
    );
    expect(() => checkFailClosedMaxAge({ ...feed, maxAgeSeconds: MAX_AGE_SECONDS })).not.toThrow();
  });
});
