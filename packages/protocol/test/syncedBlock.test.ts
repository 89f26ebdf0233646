import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VoteExtensionCodec } from '../src/consensus/codecs.ts';
import type { SignedVoteExtension } from '../src/consensus/types.ts';
import { certifiedBlockCodec, type SyncedBlock, syncedBlockCodec } from '../src/messages/index.ts';
import type { Hex } from '../src/types.ts';
import { certifiedBlockArbitrary, hash32Arbitrary } from './support/arbitraries.ts';
import { describeCodecProperties, expectDecodeError } from './support/codecProperties.ts';

/** SyncedBlock: a certified block with its content and commit extensions (catch-up with extensions). */

const ZERO: Hex = `0x${'00'.repeat(32)}`;
const u53 = fc.nat({ max: Number.MAX_SAFE_INTEGER });

function extension(
  validatorIndex: number,
  overrides: Partial<SignedVoteExtension> = {},
): SignedVoteExtension {
  return {
    networkId: 7,
    height: 9,
    round: 1,
    blockId: `0x${'ab'.repeat(32)}`,
    validatorIndex,
    timestampMs: 1_700_000_000_000,
    inclusionList: [{ txId: `0x${'01'.repeat(32)}`, firstSeenMs: 5 }],
    prices: [{ feedId: `0x${'02'.repeat(32)}`, price: -3n }],
    signature: new Uint8Array(96).fill(validatorIndex),
    ...overrides,
  };
}

/** Strictly increasing validator indices, as the codec requires. */
const extensionsArbitrary: fc.Arbitrary<SignedVoteExtension[]> = fc
  .uniqueArray(fc.nat({ max: 127 }), { maxLength: 4 })
  .chain((indices) =>
    fc.tuple(
      ...[...indices]
        .sort((a, b) => a - b)
        .map((validatorIndex) =>
          fc
            .record({
              height: u53,
              blockId: hash32Arbitrary.filter((hash) => hash !== ZERO),
              timestampMs: u53,
            })
            .map((fields) => extension(validatorIndex, fields)),
        ),
    ),
  );

const syncedBlockArbitrary: fc.Arbitrary<SyncedBlock> = fc.record({
  certified: certifiedBlockArbitrary,
  contentExtensions: extensionsArbitrary,
  commitExtensions: extensionsArbitrary,
});

describeCodecProperties(syncedBlockCodec, syncedBlockArbitrary, { numRuns: 40 });

describe('SyncedBlock', () => {
  it('starts with the CertifiedBlock fields: block ‖ certificate, then the two lists', () => {
    const certified = fc.sample(certifiedBlockArbitrary, { numRuns: 1, seed: 3 })[0]!;
    const synced = syncedBlockCodec.encode({ certified, contentExtensions: [], commitExtensions: [] });
    const bare = certifiedBlockCodec.encode(certified);
    // Same fields after the envelope, then two empty u32 counts.
    expect(synced.subarray(2, bare.length)).toEqual(bare.subarray(2));
    expect(synced.length).toBe(bare.length + 8);
  });

  it('rejects extensions that are not strictly increasing by validator', () => {
    const certified = fc.sample(certifiedBlockArbitrary, { numRuns: 1, seed: 4 })[0]!;
    const good = syncedBlockCodec.encode({
      certified,
      contentExtensions: [extension(1), extension(2)],
      commitExtensions: [],
    });
    // Swap the two (equal-length) extension messages in place.
    const first = VoteExtensionCodec.encode(extension(1));
    const second = VoteExtensionCodec.encode(extension(2));
    const at = good.length - 4 - (4 + second.length) - (4 + first.length);
    const swapped = new Uint8Array(good);
    swapped.set(second, at + 4);
    swapped.set(first, at + 4 + 4 + second.length);
    expectDecodeError(syncedBlockCodec, swapped, 'INVALID_VALUE');
  });
});
