import { parseHex, toLowerHex, VoteExtensionCodec } from '@synod/protocol';
import { keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createSynodClient,
  getBlockOrdering,
  http,
  sendTransaction,
  VerificationError,
} from '../src/index.ts';
import type { BlockOrdering } from './helpers/node.ts';
import { startTestNode, TEST_NETWORK, type TestNode } from './helpers/server.ts';

const namespace = keccak256(toHex('ordering-exchange'));
const ETH_USD = keccak256(toHex('ETH/USD'));
const alice = privateKeyToAccount(`0x${'a1'.repeat(32)}`);
const bob = privateKeyToAccount(`0x${'b0'.repeat(32)}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let node: TestNode;
/** Block 2: alice's nonces 0 and 1, then bob's 0, and an ETH/USD price; block 3: one more of bob's. */
const ORDERED = 2;
beforeAll(async () => {
  node = await startTestNode();
  const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
  node.chain.produceBlock(); // block 1: empty
  await sendTransaction(client, { account: alice, namespace, payload: '0x01' });
  await sleep(3);
  await sendTransaction(client, { account: alice, namespace, payload: '0x02' });
  await sleep(3);
  await sendTransaction(client, { account: bob, namespace, payload: '0x03' });
  node.chain.setPrice(ETH_USD, 2_500n * 10n ** 8n);
  node.chain.produceBlock(); // block 2
  await sendTransaction(client, { account: bob, namespace, payload: '0x04' });
  node.chain.produceBlock(); // block 3
});
afterAll(async () => {
  await node.stop();
});
afterEach(() => {
  node.chain.lieAboutOrdering = undefined;
});

const client = () => createSynodClient({ transport: http(node.url), network: TEST_NETWORK });

/** Serves the honest answer altered by `lie`, and returns the details of the refusal. */
async function refusal(lie: (ordering: BlockOrdering) => void): Promise<string> {
  node.chain.lieAboutOrdering = (ordering) => {
    lie(ordering);
    return ordering;
  };
  // Unverified, the altered answer comes back as served: the lie reached the client.
  const served = await getBlockOrdering(client(), { height: ORDERED, verify: false });
  node.chain.lieAboutOrdering = undefined;
  const honest = await getBlockOrdering(client(), { height: ORDERED, verify: false });
  expect(served).not.toEqual(honest);
  node.chain.lieAboutOrdering = (ordering) => {
    lie(ordering);
    return ordering;
  };
  const error = await getBlockOrdering(client(), { height: ORDERED }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(VerificationError);
  expect((error as VerificationError).reason).toBe('INVALID_ORDERING');
  return (error as VerificationError).details;
}

describe('getBlockOrdering', () => {
  it('returns an ordering its signed extensions and the certified blocks back', async () => {
    const ordering = (await client().getBlockOrdering({ height: ORDERED }))!;
    const block = (await client().getBlock({ height: ORDERED, verify: true }))!;
    expect(ordering).toMatchObject({ height: 2, blockHash: block.hash, signerCount: 4, faultTolerance: 1 });
    expect(ordering.transactions.map((tx) => tx.txId)).toEqual(block.transactionIds);
    expect(ordering.transactions).toHaveLength(3);
    // Every validator's raw extension is a signed one for block 1.
    expect(ordering.validators.map((validator) => validator.validatorIndex)).toEqual([0, 1, 2, 3]);
    const parent = (await client().getBlock({ height: ORDERED - 1 }))!;
    for (const validator of ordering.validators) {
      const extension = VoteExtensionCodec.decode(parseHex(validator.extension)!);
      expect(extension).toMatchObject({ networkId: TEST_NETWORK.networkId, height: 1, blockId: parent.hash });
    }
    // Validator 3 reports each transaction 400 ms early: the second smallest report is validator 0's.
    for (const tx of ordering.transactions) {
      const byValidator = new Map(tx.firstSeen.map((report) => [report.validatorIndex, report.firstSeenMs]));
      expect(tx.fairTimestampMs).toBe(byValidator.get(0));
      expect(tx.source).toBe('fair');
    }
    // Validator 2 missed the last one; validator 3 alone reported a transaction: not a candidate.
    expect(ordering.transactions[2]!.firstSeen.map((report) => report.validatorIndex)).toEqual([0, 1, 3]);
    expect(ordering.unordered).toEqual([
      {
        txId: `0x${'73'.repeat(32)}`,
        fairTimestampMs: null,
        firstSeen: [expect.objectContaining({ validatorIndex: 3 })],
      },
    ]);
    // The outlier is outside [low, high]; the median is the finalized price.
    const answer = 2_500n * 10n ** 8n;
    expect(ordering.prices).toEqual([
      {
        feedId: ETH_USD,
        answer,
        median: answer,
        low: answer,
        high: answer + 1n,
        observations: [
          { validatorIndex: 0, price: answer - 1n },
          { validatorIndex: 1, price: answer },
          { validatorIndex: 2, price: answer + 1n },
          { validatorIndex: 3, price: answer * 4n + 7n },
        ],
      },
    ]);
    // Block 3 verifies too (its reveals are told from block 1's envelopes: none).
    expect((await getBlockOrdering(client(), { height: 3 }))!.transactions).toHaveLength(1);
    expect(await getBlockOrdering(client(), { height: 99 })).toBeNull();
  });

  it('refuses a node that alters a first-seen time', async () => {
    const details = await refusal((ordering) => {
      ordering.transactions[1]!.firstSeen[2]!.firstSeenMs -= 1_000;
    });
    expect(details).toMatch(
      /^the firstSeen reports of transaction 1 .* are not those of the signed extensions$/,
    );
  });

  it('refuses a node that serves fewer than 2f+1 extensions', async () => {
    const details = await refusal((ordering) => {
      ordering.validators.splice(2);
    });
    expect(details).toBe('2 signed extensions, fewer than 2f+1 = 3 (n = 4)');
  });

  it('refuses a node that swaps two validators’ signatures', async () => {
    const details = await refusal((ordering) => {
      const [first, second] = ordering.validators.map((validator) =>
        VoteExtensionCodec.decode(parseHex(validator.extension)!),
      );
      ordering.validators[0]!.extension = toLowerHex(
        VoteExtensionCodec.encode({ ...first!, signature: second!.signature }),
      );
      ordering.validators[1]!.extension = toLowerHex(
        VoteExtensionCodec.encode({ ...second!, signature: first!.signature }),
      );
    });
    expect(details).toBe('the extension of validator 0 does not verify under its share key');
  });

  it('refuses extensions replayed from another commit (signed, but for block 1, not block 2)', async () => {
    const earlier = (await getBlockOrdering(client(), { height: ORDERED }))!.validators;
    node.chain.lieAboutOrdering = (ordering) =>
      ordering.height === 3 ? { ...ordering, validators: earlier } : ordering;
    const error = await getBlockOrdering(client(), { height: 3 }).catch((caught: unknown) => caught);
    expect((error as VerificationError).reason).toBe('INVALID_ORDERING');
    expect((error as VerificationError).details).toMatch(
      /^the extension of validator 0 is for network 7, height 1, block 0x[0-9a-f]{64}: not certified block 2 /,
    );
  });

  it('refuses a node that reorders the transactions', async () => {
    const details = await refusal((ordering) => {
      const [first, second] = ordering.transactions;
      ordering.transactions[0] = { ...second!, index: 0 };
      ordering.transactions[1] = { ...first!, index: 1 };
    });
    expect(details).toMatch(/^transaction 0 \(0x[0-9a-f]{64}\) is not transaction 0 of certified block 2/);
  });

  it('refuses a node that reports a wrong fair timestamp', async () => {
    const details = await refusal((ordering) => {
      ordering.transactions[2]!.fairTimestampMs += 1;
    });
    expect(details).toMatch(
      /^transaction 2 .* has fairTimestampMs \d+, its \(f\+1\)-th smallest report is \d+$/,
    );
  });
});
