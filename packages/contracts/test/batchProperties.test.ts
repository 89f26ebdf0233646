import { namespaceExclusionProof } from '@synod/protocol';
import fc from 'fast-check';
import { type Address, bytesToHex, getAddress, type Hex, keccak256 } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  namespaceExclusionArgs,
  settleBatchArgs,
  settleBatchesArgs,
  settleBatchFromHistoryArgs,
  submitHeaderAndSettleBatchArgs,
  submitHeaderAndSettleBatchesArgs,
} from '../src/calls.ts';
import {
  batchOf,
  deployApp,
  namespaceOf,
  postHeader,
  recorderAbi,
  TransactionFactory,
  USERS,
} from './helpers/batches.ts';
import { startTestChain, type TestChain } from './helpers/chain.ts';
import { inboxAbi } from './helpers/contracts.ts';
import {
  type BlockTransaction,
  type BuiltBlock,
  certify,
  deployFixture,
  type Fixture,
  HeaderChain,
} from './helpers/synod.ts';

/** Runs of the property: each deploys apps and settles up to 6 blocks on anvil. */
const RUNS = 20;

let chain: TestChain;
let fixture: Fixture;

beforeAll(async () => {
  chain = await startTestChain();
  fixture = await deployFixture(chain, { n: 4 });
});

afterAll(async () => {
  await chain?.anvil.stop();
});

async function withSnapshot<T>(run: () => Promise<T>): Promise<T> {
  const id = await chain.publicClient.request({ method: 'evm_snapshot' as never, params: [] as never });
  try {
    return await run();
  } finally {
    await chain.publicClient.request({ method: 'evm_revert' as never, params: [id] as never });
  }
}

/** How a block's header reaches the inbox: posted alone, posted by the first settle call, or never. */
type Posting = 'post' | 'submit' | 'skip';

interface PlannedTransaction {
  namespace: number;
  user: number;
  /** The recorder refuses payloads starting with 0xff. */
  rejected: boolean;
  body: Uint8Array;
}

const transactionArbitrary: fc.Arbitrary<PlannedTransaction> = fc.record({
  namespace: fc.nat(2),
  user: fc.nat(USERS.length - 1),
  rejected: fc.integer({ min: 0, max: 7 }).map((roll) => roll === 0),
  body: fc.uint8Array({ maxLength: 12 }),
});

const planArbitrary = fc.record({
  namespaces: fc.integer({ min: 2, max: 3 }),
  blocks: fc.array(
    fc.record({
      transactions: fc.array(transactionArbitrary, { maxLength: 6 }),
      posting: fc.constantFrom<Posting>('post', 'submit', 'skip'),
    }),
    { minLength: 1, maxLength: 6 },
  ),
});

async function send(app: Address, functionName: string, args: readonly unknown[]): Promise<void> {
  const hash = await chain.walletClient.writeContract({
    address: app,
    abi: recorderAbi,
    functionName,
    args,
  } as never);
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status, functionName).toBe('success');
}

describe('SynodBatchSettlement over random chains', () => {
  it("each app ends with exactly the chain's order filtered by its namespace", async () => {
    await fc.assert(
      fc.asyncProperty(planArbitrary, async (plan) =>
        withSnapshot(async () => {
          const headers = new HeaderChain(fixture.domain);
          const factory = new TransactionFactory(fixture);
          const namespaces = Array.from({ length: plan.namespaces }, (_, i) =>
            namespaceOf(`property app ${i}`),
          );
          const apps: Address[] = [];
          for (const namespace of namespaces)
            apps.push(await deployApp(chain, fixture, 'recorder', namespace));

          // Build the chain: every transaction signed, in block order.
          const blocks: BuiltBlock[] = [];
          for (const planned of plan.blocks) {
            const transactions: BlockTransaction[] = [];
            for (const tx of planned.transactions) {
              const namespace = namespaces[tx.namespace % plan.namespaces]!;
              const payload = bytesToHex(
                tx.rejected ? new Uint8Array([0xff, ...tx.body]) : new Uint8Array([0x01, ...tx.body]),
              );
              transactions.push(await factory.sign(USERS[tx.user]!, namespace, payload));
            }
            blocks.push(headers.next({ transactions }));
          }

          // Settle every non-empty batch of every namespace, in height order. A skipped header
          // is settled from the history of the next posted one (the last block is always posted).
          const pending: BuiltBlock[] = [];
          for (const [index, block] of blocks.entries()) {
            const last = index === blocks.length - 1;
            const posting =
              last && plan.blocks[index]!.posting === 'skip' ? 'post' : plan.blocks[index]!.posting;
            if (posting === 'skip') {
              pending.push(block);
              continue;
            }
            const submitting = posting === 'submit' && pending.length === 0;
            if (!submitting) await postHeader(chain, fixture, block);
            for (const skipped of pending.splice(0)) {
              for (const [i, namespace] of namespaces.entries()) {
                const batch = batchOf(skipped, namespace);
                if (batch === undefined) continue;
                const proof = headers.historyProof(skipped.header.height, block.header.height);
                await send(
                  apps[i]!,
                  'settleBatchFromHistory',
                  settleBatchFromHistoryArgs(block.header, skipped.header, proof, batch),
                );
              }
            }
            let posted = !submitting;
            for (const [i, namespace] of namespaces.entries()) {
              const batch = batchOf(block, namespace);
              if (batch === undefined) {
                if (posted) {
                  // Nothing of this namespace here, and the inbox can prove it.
                  const exclusion = namespaceExclusionProof(block.namespaces, namespace);
                  const excluded = await chain.publicClient.readContract({
                    address: fixture.deployment.inbox,
                    abi: inboxAbi,
                    functionName: 'verifyNamespaceExclusion',
                    args: namespaceExclusionArgs(block.header, namespace, exclusion),
                  });
                  expect(excluded).toBe(true);
                }
                continue;
              }
              if (posted) {
                await send(apps[i]!, 'settleBatch', settleBatchArgs(block.header, batch));
              } else {
                const certificate = {
                  round: 0,
                  signature: certify(fixture.committee, block.header, fixture.domain),
                };
                await send(
                  apps[i]!,
                  'submitHeaderAndSettleBatch',
                  submitHeaderAndSettleBatchArgs(block.header, certificate, batch),
                );
                posted = true;
              }
            }
            if (!posted) await postHeader(chain, fixture, block);
          }

          for (const [i, namespace] of namespaces.entries()) {
            const ordered = blocks.flatMap((block) =>
              block.signed.filter(({ tx }) => tx.namespace === namespace).map((entry) => ({ entry, block })),
            );
            const expected = ordered
              .map(({ entry, block }, sequence) => ({
                sequence: BigInt(sequence),
                height: BigInt(block.header.height),
                txId: entry.txId,
                sender: getAddress(entry.tx.sender),
                payloadHash: keccak256(entry.tx.payload),
                rejected: entry.tx.payload.startsWith('0xff'),
              }))
              .filter((record) => !record.rejected)
              .map(({ rejected: _, ...record }) => record);
            const read = (functionName: string) =>
              chain.publicClient.readContract({
                address: apps[i]!,
                abi: recorderAbi,
                functionName,
              } as never) as Promise<unknown>;
            expect(await read('allApplied')).toEqual(expected);
            expect(await read('appliedCount')).toBe(BigInt(ordered.length));
            const lastHeight = ordered.at(-1)?.block.header.height ?? 0;
            expect(await read('lastSettledHeight')).toBe(BigInt(lastHeight));
          }
        }),
      ),
      { numRuns: RUNS },
    );
  });
});

/** What app `namespace` must hold after settling `blocks`: the chain's order filtered by it. */
async function expectChainOrder(app: Address, namespace: Hex, blocks: readonly BuiltBlock[]): Promise<void> {
  const ordered = blocks.flatMap((block) =>
    block.signed.filter(({ tx }) => tx.namespace === namespace).map((entry) => ({ entry, block })),
  );
  const expected = ordered
    .filter(({ entry }) => !entry.tx.payload.startsWith('0xff'))
    .map(({ entry, block }) => ({
      sequence: BigInt(ordered.findIndex((item) => item.entry === entry)),
      height: BigInt(block.header.height),
      txId: entry.txId,
      sender: getAddress(entry.tx.sender),
      payloadHash: keccak256(entry.tx.payload),
    }));
  const read = (functionName: string) =>
    chain.publicClient.readContract({
      address: app,
      abi: recorderAbi,
      functionName,
    } as never) as Promise<unknown>;
  expect(await read('allApplied')).toEqual(expected);
  expect(await read('appliedCount')).toBe(BigInt(ordered.length));
  expect(await read('lastSettledHeight')).toBe(BigInt(ordered.at(-1)?.block.header.height ?? 0));
}

const groupedPlanArbitrary = fc.record({
  namespaces: fc.integer({ min: 2, max: 3 }),
  blocks: fc.array(
    fc.record({
      transactions: fc.array(transactionArbitrary, { maxLength: 5 }),
      /** Posted up front; the last block is posted by the first group anchored on it instead. */
      posted: fc.boolean(),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  /** Group sizes, used in turn (1 goes through settleBatches too). */
  groupSizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }),
  /** Anchor picks among the posted heights at or above a group's last height, used in turn. */
  anchorPicks: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
});

describe('SynodBatchSettlement.settleBatches over random chains', () => {
  it("random-size groups, each against a random later anchor, give exactly the chain's order per namespace", async () => {
    await fc.assert(
      fc.asyncProperty(groupedPlanArbitrary, async (plan) =>
        withSnapshot(async () => {
          const headers = new HeaderChain(fixture.domain);
          const factory = new TransactionFactory(fixture);
          const namespaces = Array.from({ length: plan.namespaces }, (_, i) =>
            namespaceOf(`grouped app ${i}`),
          );
          const apps: Address[] = [];
          for (const namespace of namespaces)
            apps.push(await deployApp(chain, fixture, 'recorder', namespace));
          const blocks: BuiltBlock[] = [];
          for (const planned of plan.blocks) {
            const transactions: BlockTransaction[] = [];
            for (const tx of planned.transactions) {
              const payload = bytesToHex(new Uint8Array([tx.rejected ? 0xff : 0x01, ...tx.body]));
              transactions.push(
                await factory.sign(USERS[tx.user]!, namespaces[tx.namespace % plan.namespaces]!, payload),
              );
            }
            blocks.push(headers.next({ transactions }));
          }
          const last = blocks.at(-1)!;
          const posted = new Set<number>();
          for (const [index, block] of blocks.slice(0, -1).entries()) {
            if (plan.blocks[index]!.posted) {
              await postHeader(chain, fixture, block);
              posted.add(block.header.height);
            }
          }

          let groups = 0;
          for (const [i, namespace] of namespaces.entries()) {
            const pending = blocks.filter((block) => batchOf(block, namespace) !== undefined);
            while (pending.length > 0) {
              const size = plan.groupSizes[groups % plan.groupSizes.length]!;
              const pick = plan.anchorPicks[groups % plan.anchorPicks.length]!;
              groups += 1;
              const members = pending.splice(0, size);
              const top = members.at(-1)!.header.height;
              // Any posted header at or above the group (the last block always qualifies).
              const candidates = blocks.filter(
                (block) => block.header.height >= top && (posted.has(block.header.height) || block === last),
              );
              const anchor = candidates[pick % candidates.length]!;
              const batches = members.map((block) => ({
                header: block.header,
                historyProof:
                  block === anchor ? [] : headers.historyProof(block.header.height, anchor.header.height),
                batch: batchOf(block, namespace)!,
              }));
              if (anchor === last && !posted.has(last.header.height)) {
                const certificate = {
                  round: 0,
                  signature: certify(fixture.committee, last.header, fixture.domain),
                };
                await send(
                  apps[i]!,
                  'submitHeaderAndSettleBatches',
                  submitHeaderAndSettleBatchesArgs(last.header, certificate, batches),
                );
                posted.add(last.header.height);
              } else {
                await send(apps[i]!, 'settleBatches', settleBatchesArgs(anchor.header, batches));
              }
            }
          }
          for (const [i, namespace] of namespaces.entries())
            await expectChainOrder(apps[i]!, namespace, blocks);
        }),
      ),
      { numRuns: RUNS },
    );
  });
});
