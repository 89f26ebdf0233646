import {
  type BlockHeader,
  HEADER_VERSION,
  type Hex,
  headerHash,
  historyProof,
  type NetworkDomain,
} from '@synod/protocol';
import { describe, expect, it } from 'vitest';
import { L1_PROOF_MAX_HISTORY_HEADERS } from '../../src/l1/constants.ts';
import { headerHashesBelow, historyProofsBelow } from '../../src/l1/prove.ts';

const DOMAIN: NetworkDomain = { networkId: 1, chainId: 31_337, inbox: `0x${'11'.repeat(20)}` };
const ZERO: Hex = `0x${'00'.repeat(32)}`;

function header(height: number): BlockHeader {
  return {
    version: HEADER_VERSION,
    networkId: 1,
    epoch: 0,
    height,
    parentHash: ZERO,
    timestampMs: 1_000 * height,
    txRoot: ZERO,
    txCount: 0,
    namespaceRoot: ZERO,
    namespaceCount: 0,
    priceRoot: ZERO,
    priceCount: 0,
    historyRoot: ZERO,
    proposerIndex: height % 4,
  };
}

/** A store of `latest` headers that counts its reads. */
function countingStore(latest: number) {
  const reads: number[] = [];
  return {
    reads,
    store: {
      domain: DOMAIN,
      async getHeader(height: number) {
        reads.push(height);
        return height >= 1 && height <= latest ? header(height) : undefined;
      },
    },
  };
}

const expected = (count: number) =>
  Array.from({ length: count }, (_, i) => headerHash(header(i + 1), DOMAIN));

describe('headerHashesBelow', () => {
  it('reads each header of a store once: later anchors read only the new heights', async () => {
    const { store, reads } = countingStore(600);
    expect(await headerHashesBelow(store, 300)).toEqual(expected(299));
    expect(reads).toHaveLength(299);
    expect(await headerHashesBelow(store, 100)).toEqual(expected(99));
    expect(reads).toHaveLength(299);
    expect(await headerHashesBelow(store, 600)).toEqual(expected(599));
    expect(reads.slice(299)).toEqual(Array.from({ length: 300 }, (_, i) => 300 + i));
    // The answer is a copy: a caller that modifies it does not modify the next answer.
    const first = await headerHashesBelow(store, 10);
    first[0] = ZERO;
    expect((await headerHashesBelow(store, 10))[0]).toBe(expected(1)[0]);
  });

  it('concurrent calls share one read of each header, agree with a fresh read and leave the cache whole', async () => {
    const { store, reads } = countingStore(1_000);
    const answers = await Promise.all(
      [700, 300, 1_000, 999].map((anchor) => headerHashesBelow(store, anchor)),
    );
    expect(answers.map((answer) => answer.length)).toEqual([699, 299, 999, 998]);
    const all = expected(999);
    for (const answer of answers) expect(answer).toEqual(all.slice(0, answer.length));
    // A node just started gets a burst of proofs: each header is still read once, not once per call.
    expect(reads).toHaveLength(999);
    expect(new Set(reads).size).toBe(999);
    expect(await headerHashesBelow(store, 1_000)).toEqual(all);
  });

  it('a missing header fails the call and caches nothing past it; another store has its own cache', async () => {
    const { store } = countingStore(50);
    await expect(headerHashesBelow(store, 80)).rejects.toThrow(/no header at 51/);
    expect(await headerHashesBelow(store, 51)).toEqual(expected(50));
    const other = countingStore(50);
    expect(await headerHashesBelow(other.store, 20)).toEqual(expected(19));
    expect(other.reads).toHaveLength(19);
  });

  it('refuses a history longer than the proof bound', async () => {
    const { store, reads } = countingStore(10);
    await expect(headerHashesBelow(store, L1_PROOF_MAX_HISTORY_HEADERS + 2)).rejects.toMatchObject({
      code: 'HISTORY_TOO_LONG',
    });
    expect(reads).toEqual([]);
  });
});

describe('historyProofsBelow', () => {
  it("equals the protocol's historyProof for every height of every anchor, as the history grows", async () => {
    const { store } = countingStore(70);
    const all = expected(69);
    // Anchors in a mixed order: the cache is extended, then read below its end, then extended again.
    for (const anchor of [2, 3, 9, 5, 17, 16, 33, 34, 70, 40, 65, 64]) {
      const count = anchor - 1;
      const heights = Array.from({ length: count }, (_, i) => i + 1);
      const proofs = await historyProofsBelow(store, anchor, heights);
      expect(proofs, `anchor ${anchor}`).toEqual(
        heights.map((height) => historyProof(all.slice(0, count), height - 1)),
      );
    }
  });

  it('refuses heights outside the history and histories past the bound', async () => {
    const { store } = countingStore(10);
    await expect(historyProofsBelow(store, 5, [5])).rejects.toThrow(RangeError);
    await expect(historyProofsBelow(store, 5, [0])).rejects.toThrow(RangeError);
    expect(await historyProofsBelow(store, 5, [])).toEqual([]);
    await expect(historyProofsBelow(store, L1_PROOF_MAX_HISTORY_HEADERS + 2, [1])).rejects.toMatchObject({
      code: 'HISTORY_TOO_LONG',
    });
  });
});
