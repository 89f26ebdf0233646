import { headerHash } from '@synod/protocol';
import fc from 'fast-check';
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMultiproof } from '../src/multiproof.ts';
import { startTestChain, type TestChain } from './helpers/chain.ts';
import { feedsAbi, inboxAbi, revertReason } from './helpers/contracts.ts';
import { priceLeafHash } from './helpers/merkle.ts';
import {
  type BuiltBlock,
  certify,
  deployFixture,
  type Fixture,
  feedId,
  HeaderChain,
  headerArgs,
  makeCommittee,
  ZERO_HASH,
} from './helpers/synod.ts';

/** Runs per property: each run is a fresh snapshot of the chain, so keep the suite fast. */
const RUNS = 50;

let chain: TestChain;
let fixture: Fixture;
const stranger = makeCommittee(4, 77);

beforeAll(async () => {
  chain = await startTestChain();
  fixture = await deployFixture(chain, { n: 4 });
});

afterAll(async () => {
  await chain?.anvil.stop();
});

type Action =
  | { kind: 'valid'; gap: number; round: number }
  | { kind: 'replay'; back: number }
  | { kind: 'wrongKey' }
  | { kind: 'tamperedRoot' }
  | { kind: 'otherChain' }
  | { kind: 'laterEpoch' };

const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant('valid' as const),
    gap: fc.integer({ min: 0, max: 3 }),
    round: fc.integer({ min: 0, max: 5 }),
  }),
  fc.record({ kind: fc.constant('replay' as const), back: fc.nat(4) }),
  fc.record({ kind: fc.constant('wrongKey' as const) }),
  fc.record({ kind: fc.constant('tamperedRoot' as const) }),
  fc.record({ kind: fc.constant('otherChain' as const) }),
  fc.record({ kind: fc.constant('laterEpoch' as const) }),
);

async function withSnapshot<T>(run: () => Promise<T>): Promise<T> {
  const id = await chain.publicClient.request({ method: 'evm_snapshot' as never, params: [] as never });
  try {
    return await run();
  } finally {
    await chain.publicClient.request({ method: 'evm_revert' as never, params: [id] as never });
  }
}

async function trySubmit(block: BuiltBlock, signature: Hex, round = 0): Promise<boolean> {
  try {
    const hash = await chain.walletClient.writeContract({
      address: fixture.deployment.inbox,
      abi: inboxAbi,
      functionName: 'submitHeader',
      args: [headerArgs(block.header), { round, signature }],
    });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    return receipt.status === 'success';
  } catch (error) {
    // Only reverts are expected; anything else (RPC down, bug in a helper) fails the test.
    expect(revertReason(error)).toMatch(/^[A-Z][A-Za-z]+$/);
    return false;
  }
}

describe('SettlementInbox invariants under random submissions', () => {
  it('heights strictly increase, only certified headers are stored, nothing replays', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArbitrary, { minLength: 1, maxLength: 8 }), async (actions) =>
        withSnapshot(async () => {
          const headers = new HeaderChain(fixture.domain);
          const accepted = new Map<number, Hex>();
          let latest = 0;
          for (const action of actions) {
            let ok: boolean;
            let expected: boolean;
            let block: BuiltBlock;
            switch (action.kind) {
              case 'valid':
                for (let i = 0; i < action.gap; i++) headers.next();
                block = headers.next();
                ok = await trySubmit(
                  block,
                  certify(fixture.committee, block.header, fixture.domain, action.round),
                  action.round,
                );
                expected = true;
                break;
              case 'replay': {
                const previous = [...accepted.keys()].sort((a, b) => b - a)[
                  action.back % Math.max(accepted.size, 1)
                ];
                block = previous === undefined ? headers.next() : headers.blocks[previous - 1]!;
                ok = await trySubmit(block, certify(fixture.committee, block.header, fixture.domain));
                expected = previous === undefined; // nothing accepted yet: this is a fresh height
                break;
              }
              case 'wrongKey':
                block = headers.next();
                ok = await trySubmit(block, certify(stranger, block.header, fixture.domain));
                expected = false;
                break;
              case 'tamperedRoot': {
                block = headers.next();
                const signature = certify(fixture.committee, block.header, fixture.domain);
                const tampered = { ...block, header: { ...block.header, priceRoot: block.header.txRoot } };
                ok = await trySubmit(tampered, signature);
                expected = false;
                break;
              }
              case 'otherChain':
                block = headers.next();
                ok = await trySubmit(
                  block,
                  certify(fixture.committee, block.header, { ...fixture.domain, chainId: 1 }),
                );
                expected = false;
                break;
              case 'laterEpoch': {
                // An epoch no rotation registered is a reshare of the current key: certified by
                // it, the header lands (docs/contracts.md "Epochs without a rotation").
                const built = headers.next();
                const header = { ...built.header, epoch: 3 };
                block = { ...built, header, hash: headerHash(header, fixture.domain) };
                ok = await trySubmit(block, certify(fixture.committee, header, fixture.domain));
                expected = true;
                break;
              }
            }
            expect(ok, `${action.kind} at height ${block.header.height}`).toBe(expected);
            if (ok) {
              expect(block.header.height).toBeGreaterThan(latest);
              latest = block.header.height;
              accepted.set(latest, block.hash);
            }
          }
          const stored = (await chain.publicClient.readContract({
            address: fixture.deployment.inbox,
            abi: inboxAbi,
            functionName: 'latestHeight',
          })) as bigint;
          expect(stored).toBe(BigInt(latest));
          for (let height = 1; height <= headers.blocks.length; height++) {
            const hash = await chain.publicClient.readContract({
              address: fixture.deployment.inbox,
              abi: inboxAbi,
              functionName: 'headerHashes',
              args: [BigInt(height)],
            });
            expect(hash, `height ${height}`).toBe(accepted.get(height) ?? ZERO_HASH);
          }
        }),
      ),
      { numRuns: RUNS },
    );
  });
});

describe('PriceFeeds multiproofs', () => {
  it('accept exactly the right leaves for any subset of any tree size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }).chain((count) =>
          fc.tuple(
            fc.constant(count),
            fc
              .uniqueArray(fc.nat(count - 1), { minLength: 1, maxLength: count })
              .map((indices) => indices.sort((a, b) => a - b)),
            fc.nat(),
          ),
        ),
        async ([count, indices, salt]) =>
          withSnapshot(async () => {
            const headers = new HeaderChain(fixture.domain);
            const prices = Array.from({ length: count }, (_, i) => ({
              feedId: feedId(`F${salt}/${i}`),
              answer: BigInt(salt + i),
            }));
            const block = headers.next({ prices });
            expect(await trySubmit(block, certify(fixture.committee, block.header, fixture.domain))).toBe(
              true,
            );
            const leaves = block.prices.map((price) => priceLeafHash(price.feedId, price.answer));
            const updates = indices.map((index) => ({ ...block.prices[index]!, index: BigInt(index) }));
            const proof = buildMultiproof(leaves, indices);
            const simulate = (list: typeof updates, siblings: Hex[]) =>
              chain.publicClient
                .simulateContract({
                  address: fixture.deployment.priceFeeds,
                  abi: feedsAbi,
                  functionName: 'updatePrices',
                  args: [headerArgs(block.header), list, siblings],
                  account: chain.walletClient.account,
                })
                .then(
                  (result) => result.result,
                  (error: unknown) => revertReason(error),
                );
            expect(await simulate(updates, proof)).toBe(BigInt(indices.length));
            const wrong = updates.map((update, i) =>
              i === updates.length - 1 ? { ...update, answer: update.answer + 1n } : update,
            );
            expect(await simulate(wrong, proof)).toBe('InvalidPriceProof');
          }),
      ),
      { numRuns: RUNS },
    );
  });
});
