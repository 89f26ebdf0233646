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
import { historyProofsBelow } from '../../src/l1/prove.ts';

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

/** The protocol's proofs of `heights` against the history below `anchor`, from the hashes. */
const reference = (anchor: number, heights: readonly number[]) => {
  const hashes = expected(anchor - 1);
  return heights.map((height) => historyProof(hashes, height - 1));
};
const heightsBelow = (anchor: number) => Array.from({ length: anchor - 1 }, (_, i) => i + 1);

describe('the history a store has given (historyProofsBelow)', () => {
  it('reads each header of a store once: later anchors read only the new heights', async () => {
    const { store, reads } = countingStore(600);
    expect(await historyProofsBelow(store, 300, heightsBelow(300))).toEqual(
      reference(300, heightsBelow(300)),
    );
    expect(reads).toHaveLength(299);
    expect(await historyProofsBelow(store, 100, heightsBelow(100))).toEqual(
      reference(100, heightsBelow(100)),
    );
    expect(reads).toHaveLength(299);
    expect(await historyProofsBelow(store, 600, [1, 450, 599])).toEqual(reference(600, [1, 450, 599]));
    expect(reads.slice(299)).toEqual(Array.from({ length: 300 }, (_, i) => 300 + i));
  });

  it('concurrent calls share one read of each header and agree with a fresh computation', async () => {
    const { store, reads } = countingStore(1_000);
    const anchors = [700, 300, 1_000, 999];
    const answers = await Promise.all(
      anchors.map((anchor) => historyProofsBelow(store, anchor, [1, anchor - 1])),
    );
    for (const [i, anchor] of anchors.entries()) {
      expect(answers[i], `anchor ${anchor}`).toEqual(reference(anchor, [1, anchor - 1]));
    }
    // A node just started gets a burst of proofs: each header is still read once, not once per call.
    expect(reads).toHaveLength(999);
    expect(new Set(reads).size).toBe(999);
  });

  it('a missing header fails the call and caches nothing past it; another store has its own cache', async () => {
    const { store } = countingStore(50);
    await expect(historyProofsBelow(store, 80, [1])).rejects.toThrow(/no header at 51/);
    expect(await historyProofsBelow(store, 51, heightsBelow(51))).toEqual(reference(51, heightsBelow(51)));
    const other = countingStore(50);
    expect(await historyProofsBelow(other.store, 20, [19])).toEqual(reference(20, [19]));
    expect(other.reads).toHaveLength(19);
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
