import { merkleZeroHash } from '@synod/protocol';
import { type Address, type Hex, toFunctionSelector } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  synodFailClosedPriceFeedAdapterAbi,
  synodFailClosedPriceFeedAdapterBytecode,
} from '../src/artifacts.ts';
import { buildMultiproof } from '../src/multiproof.ts';
import { startTestChain, type TestChain } from './helpers/chain.ts';
import { adapterAbi, expectRevert, feedsAbi, inboxAbi } from './helpers/contracts.ts';
import { merkleProof, priceLeafHash } from './helpers/merkle.ts';
import {
  type BuiltBlock,
  certify,
  deployFixture,
  type Fixture,
  feedId,
  HeaderChain,
  headerArgs,
} from './helpers/synod.ts';

const ETH = feedId('ETH/USD');
const BTC = feedId('BTC/USD');
const OTHERS = ['SOL/USD', 'EUR/USD', 'XAU/USD'].map(feedId);
const HEARTBEAT_SECONDS = 3600n;
const MAX_AGE_SECONDS = HEARTBEAT_SECONDS + 900n;

let chain: TestChain;
let fixture: Fixture;
let headers: HeaderChain;
let ethAdapter: Address;
let btcAdapter: Address;
let ethFailClosed: Address;

async function now(): Promise<number> {
  const block = await chain.publicClient.getBlock();
  return Number(block.timestamp);
}

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
      { feedId: BTC, decimals: 8, description: 'BTC / USD' },
    ],
  });
  headers = new HeaderChain(fixture.domain);
  ethAdapter = fixture.deployment.adapters[ETH]!;
  btcAdapter = fixture.deployment.adapters[BTC]!;
  ethFailClosed = fixture.deployment.failClosedAdapters[ETH]!;
});

afterAll(async () => {
  await chain?.anvil.stop();
});

async function mined(hash: Promise<Hex>) {
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
  expect(receipt.status).toBe('success');
  return receipt;
}

/** A new block carrying `prices`, timestamped at the chain's current time, posted to the inbox. */
async function postBlock(prices: { feedId: Hex; answer: bigint }[]): Promise<BuiltBlock> {
  const block = headers.next({ prices, timestampMs: (await now()) * 1000 });
  await mined(
    chain.walletClient.writeContract({
      address: fixture.deployment.inbox,
      abi: inboxAbi,
      functionName: 'submitHeader',
      args: [
        headerArgs(block.header),
        { round: 0, signature: certify(fixture.committee, block.header, fixture.domain) },
      ],
    }),
  );
  return block;
}

function updatesFor(block: BuiltBlock, indices: number[]) {
  const leaves = block.prices.map((price) => priceLeafHash(price.feedId, price.answer));
  return {
    updates: indices.map((index) => ({ ...block.prices[index]!, index: BigInt(index) })),
    proof: buildMultiproof(leaves, indices),
  };
}

type Update = { feedId: Hex; answer: bigint; index: bigint };

const updateArgs = (block: BuiltBlock, updates: Update[], proof: Hex[]) =>
  ({
    address: fixture.deployment.priceFeeds,
    abi: feedsAbi,
    functionName: 'updatePrices',
    args: [headerArgs(block.header), updates, proof],
  }) as const;

async function simulateUpdate(block: BuiltBlock, updates: Update[], proof: Hex[]): Promise<bigint> {
  const { result } = await chain.publicClient.simulateContract({
    ...updateArgs(block, updates, proof),
    account: chain.walletClient.account,
  });
  return result;
}

const adapterRead = <T>(address: Address, functionName: string, args: readonly unknown[] = []) =>
  chain.publicClient.readContract({ address, abi: adapterAbi, functionName, args } as never) as Promise<T>;

const failClosedRead = <T>(functionName: string, args: readonly unknown[] = []) =>
  chain.publicClient.readContract({
    address: ethFailClosed,
    abi: synodFailClosedPriceFeedAdapterAbi,
    functionName,
    args,
  } as never) as Promise<T>;

const ZERO_ROUND = [0n, 0n, 0n, 0n, 0n];

describe('price feed adapters before the first price', () => {
  it('describe their feed', async () => {
    expect(await adapterRead(ethAdapter, 'decimals')).toBe(8);
    expect(await adapterRead(ethAdapter, 'description')).toBe('ETH / USD');
    expect(await adapterRead(ethAdapter, 'version')).toBe(2n);
    expect(await failClosedRead('description')).toBe('ETH / USD');
    expect(await failClosedRead('maxAgeSeconds')).toBe(MAX_AGE_SECONDS);
  });

  it('SynodPriceFeedAdapter answers zeros, as Chainlink does; the fail-closed one reverts "No data present"', async () => {
    expect(await adapterRead(ethAdapter, 'latestRoundData')).toEqual(ZERO_ROUND);
    expect(await adapterRead(ethAdapter, 'latestAnswer')).toBe(0n);
    expect(await adapterRead(ethAdapter, 'latestTimestamp')).toBe(0n);
    expect(await adapterRead(ethAdapter, 'latestRound')).toBe(0n);
    expect(await adapterRead(ethAdapter, 'getRoundData', [1n])).toEqual([1n, 0n, 0n, 0n, 1n]);
    expect(await adapterRead(ethAdapter, 'getAnswer', [1n])).toBe(0n);
    await expectRevert(failClosedRead('latestRoundData'), 'No data present');
    await expectRevert(failClosedRead('latestAnswer'), 'No data present');
    await expectRevert(failClosedRead('getRoundData', [1n]), 'No data present');
  });

  it('the fail-closed adapter refuses a zero max age at deployment', async () => {
    await expect(
      chain.walletClient.deployContract({
        abi: synodFailClosedPriceFeedAdapterAbi,
        bytecode: synodFailClosedPriceFeedAdapterBytecode,
        args: [fixture.deployment.priceFeeds, ETH, 8, 0n, 'ETH / USD'],
      }),
    ).rejects.toThrow(toFunctionSelector('ZeroMaxAge()'));
  });
});

describe('PriceFeeds.updatePrices', () => {
  it("records every price of a stored header with an empty multiproof, each as its feed's next round", async () => {
    const block = await postBlock([
      { feedId: ETH, answer: 3_000_12345678n },
      { feedId: BTC, answer: 90_000_00000000n },
      ...OTHERS.map((id, i) => ({ feedId: id, answer: BigInt(-i - 1) })),
    ]);
    const all = block.prices.map((_, index) => index);
    const { updates, proof } = updatesFor(block, all);
    // 5 leaves in a tree of 8: only the padding siblings are needed.
    expect(proof).toEqual([merkleZeroHash(0), merkleZeroHash(1)]);
    await mined(chain.walletClient.writeContract(updateArgs(block, updates, proof)));
    const updatedAt = BigInt(Math.floor(block.header.timestampMs / 1000));
    const height = BigInt(block.header.height);
    // Each feed's first round.
    expect(await adapterRead(ethAdapter, 'latestRoundData')).toEqual([
      1n,
      3_000_12345678n,
      updatedAt,
      updatedAt,
      1n,
    ]);
    expect(await adapterRead(ethAdapter, 'latestAnswer')).toBe(3_000_12345678n);
    expect(await adapterRead(ethAdapter, 'latestTimestamp')).toBe(updatedAt);
    expect(await adapterRead(ethAdapter, 'latestRound')).toBe(1n);
    expect(await adapterRead(ethAdapter, 'heightOf', [1n])).toBe(height);
    expect(await failClosedRead('latestRoundData')).toEqual([1n, 3_000_12345678n, updatedAt, updatedAt, 1n]);
    expect(await adapterRead(btcAdapter, 'getRoundData', [1n])).toEqual([
      1n,
      90_000_00000000n,
      updatedAt,
      updatedAt,
      1n,
    ]);
    expect(await adapterRead(btcAdapter, 'getRoundData', [2n])).toEqual([2n, 0n, 0n, 0n, 2n]);
    await expectRevert(failClosedRead('getRoundData', [2n]), 'No data present');
    const solPrice = block.prices.find((price) => price.feedId === OTHERS[0])!;
    expect(
      await chain.publicClient.readContract({
        address: fixture.deployment.priceFeeds,
        abi: feedsAbi,
        functionName: 'latestPrice',
        args: [OTHERS[0]!],
      }),
    ).toEqual([solPrice.answer, updatedAt, height]);
  });

  it('proves any subset of the leaves with a multiproof', async () => {
    const block = await postBlock([
      { feedId: ETH, answer: 3_100_00000000n },
      { feedId: BTC, answer: 91_000_00000000n },
      ...OTHERS.map((id, i) => ({ feedId: id, answer: BigInt(100 + i) })),
    ]);
    const subsets = [[0], [4], [1, 2], [0, 3], [1, 4], [0, 2, 4], [0, 1, 2, 3, 4], [2, 3, 4]];
    for (const subset of subsets) {
      const { updates, proof } = updatesFor(block, subset);
      expect(await simulateUpdate(block, updates, proof), `subset ${subset}`).toBe(BigInt(subset.length));
    }
  });

  it('refuses tampered answers, feeds, indices and proofs', async () => {
    const block = headers.blocks.at(-1)!;
    const { updates, proof } = updatesFor(block, [1, 3]);
    const tamper = (change: Partial<Update>, at = 0) =>
      updates.map((update, i) => (i === at ? { ...update, ...change } : update));
    await expectRevert(
      simulateUpdate(block, tamper({ answer: updates[0]!.answer + 1n }), proof),
      'InvalidPriceProof',
    );
    await expectRevert(simulateUpdate(block, tamper({ feedId: OTHERS[2]! }), proof), 'InvalidPriceProof');
    await expectRevert(simulateUpdate(block, tamper({ index: 2n }), proof), 'InvalidPriceProof');
    await expectRevert(simulateUpdate(block, tamper({ index: 3n }), proof), 'UnsortedLeafIndices');
    await expectRevert(simulateUpdate(block, tamper({ index: 5n }, 1), proof), 'UnsortedLeafIndices');
    await expectRevert(simulateUpdate(block, [...updates].reverse(), proof), 'UnsortedLeafIndices');
    await expectRevert(simulateUpdate(block, updates, proof.slice(1)), 'InvalidPriceProof');
    await expectRevert(simulateUpdate(block, updates, [...proof, proof[0]!]), 'InvalidPriceProof');
    await expectRevert(
      simulateUpdate(
        block,
        updates,
        proof.map((hash, i) => (i === 0 ? (`0x${'00'.repeat(32)}` as Hex) : hash)),
      ),
      'InvalidPriceProof',
    );
    await expectRevert(simulateUpdate(block, [], []), 'EmptyMultiproof');
  });

  it('refuses prices of a header the inbox did not store', async () => {
    const unposted = headers.next({ prices: [{ feedId: ETH, answer: 1n }] });
    await expectRevert(
      simulateUpdate(unposted, [{ feedId: ETH, answer: 1n, index: 0n }], []),
      'HeaderNotStored',
    );
    headers.blocks.pop();
    const stored = headers.blocks.at(-1)!;
    const forged = {
      ...stored,
      header: { ...stored.header, priceRoot: priceLeafHash(ETH, 1n), priceCount: 1 },
    };
    await expectRevert(
      simulateUpdate(forged, [{ feedId: ETH, answer: 1n, index: 0n }], []),
      'HeaderNotStored',
    );
  });

  it('moves feeds only forward: a price from an older header is skipped', async () => {
    const older = headers.blocks.at(-1)!; // posted, its prices not yet applied
    const newer = await postBlock([{ feedId: ETH, answer: 3_200_00000000n }]);
    const newerUpdate = updatesFor(newer, [0]);
    await mined(chain.walletClient.writeContract(updateArgs(newer, newerUpdate.updates, newerUpdate.proof)));
    const olderUpdate = updatesFor(older, [0]);
    expect(await simulateUpdate(older, olderUpdate.updates, olderUpdate.proof)).toBe(0n);
    expect(await simulateUpdate(newer, newerUpdate.updates, newerUpdate.proof)).toBe(0n); // replay
    expect(await adapterRead(ethAdapter, 'latestAnswer')).toBe(3_200_00000000n);
    // BTC of the older header still moves BTC forward.
    const btcUpdate = updatesFor(older, [1]);
    expect(await simulateUpdate(older, btcUpdate.updates, btcUpdate.proof)).toBe(1n);
  });

  it('refuses an answer that does not fit the stored int128', async () => {
    const huge = 1n << 127n;
    const block = await postBlock([{ feedId: OTHERS[1]!, answer: huge }]);
    await expectRevert(
      simulateUpdate(block, [{ feedId: OTHERS[1]!, answer: huge, index: 0n }], []),
      'AnswerOutOfRange',
    );
  });

  it('submits a header and its prices in one transaction', async () => {
    const block = headers.next({
      prices: [
        { feedId: BTC, answer: 95_000_00000000n },
        { feedId: ETH, answer: 3_300_00000000n },
      ],
      timestampMs: (await now()) * 1000,
    });
    const { updates, proof } = updatesFor(block, [0, 1]);
    await mined(
      chain.walletClient.writeContract({
        address: fixture.deployment.priceFeeds,
        abi: feedsAbi,
        functionName: 'submitHeaderAndUpdatePrices',
        args: [
          headerArgs(block.header),
          { round: 0, signature: certify(fixture.committee, block.header, fixture.domain) },
          updates,
          proof,
        ],
      }),
    );
    expect(await adapterRead(ethAdapter, 'latestAnswer')).toBe(3_300_00000000n);
    expect(await adapterRead(btcAdapter, 'latestAnswer')).toBe(95_000_00000000n);
  });

  it('proves a historical price of any stored header', async () => {
    const block = headers.blocks[0]!;
    const leaves = block.prices.map((price) => priceLeafHash(price.feedId, price.answer));
    const verify = (price: Update, proof: Hex[]) =>
      chain.publicClient.readContract({
        address: fixture.deployment.priceFeeds,
        abi: feedsAbi,
        functionName: 'verifyPrice',
        args: [headerArgs(block.header), price, proof],
      });
    const price = { ...block.prices[2]!, index: 2n };
    expect(await verify(price, merkleProof(leaves, 2))).toBe(true);
    expect(await verify({ ...price, answer: price.answer + 1n }, merkleProof(leaves, 2))).toBe(false);
  });

  it('fail-closed: refuses a price older than the max age; the Chainlink adapter serves it with its age', async () => {
    const [round, answer, , updatedAt] =
      await failClosedRead<[bigint, bigint, bigint, bigint, bigint]>('latestRoundData');
    // Blocks at exact times: a relative increase would drift by the wall-clock second that may
    // pass between reading L1's time and mining.
    const mineAt = async (timestamp: bigint) => {
      await chain.publicClient.request({
        method: 'evm_setNextBlockTimestamp' as never,
        params: [Number(timestamp)] as never,
      });
      await chain.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
    };
    await mineAt(updatedAt + MAX_AGE_SECONDS);
    expect(await failClosedRead('latestAnswer')).toBe(answer); // exactly maxAge old: still fresh
    await mineAt(updatedAt + MAX_AGE_SECONDS + 1n);
    await expectRevert(failClosedRead('latestRoundData'), 'StalePrice');
    await expectRevert(failClosedRead('latestAnswer'), 'StalePrice');
    // A specific round is still readable, with its timestamp for the caller to judge.
    expect(await failClosedRead('getRoundData', [round])).toEqual([
      round,
      answer,
      updatedAt,
      updatedAt,
      round,
    ]);
    // Chainlink's semantics: never a revert, updatedAt tells the age.
    expect(await adapterRead(ethAdapter, 'latestRoundData')).toEqual([
      round,
      answer,
      updatedAt,
      updatedAt,
      round,
    ]);
  });
});
