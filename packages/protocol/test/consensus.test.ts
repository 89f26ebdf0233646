import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EvidenceCodec,
  extensionMessage,
  ProposalCodec,
  proposalMessage,
  VoteCodec,
  VoteExtensionCodec,
} from '../src/consensus/index.ts';
import type { Evidence, Proposal, SignedVoteExtension, Vote } from '../src/consensus/types.ts';
import type { Hex } from '../src/types.ts';
import { VoteKind } from '../src/types.ts';
import { blockHeaderArbitrary, hash32Arbitrary } from './support/arbitraries.ts';
import { describeCodecProperties, expectDecodeError } from './support/codecProperties.ts';

const ZERO: Hex = `0x${'00'.repeat(32)}`;
const nonZeroHash = hash32Arbitrary.filter((hash) => hash !== ZERO);
const signature = fc.uint8Array({ minLength: 96, maxLength: 96 });
const u32 = fc.nat({ max: 0xffff_ffff });
const u53 = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const price = fc.bigInt({ min: -(1n << 255n), max: (1n << 255n) - 1n });

function sortedUniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

const extensionArbitrary: fc.Arbitrary<SignedVoteExtension> = fc
  .record({
    networkId: u53,
    height: u53,
    round: u32,
    blockId: nonZeroHash,
    validatorIndex: u32,
    timestampMs: u53,
    inclusionList: fc.array(fc.record({ txId: hash32Arbitrary, firstSeenMs: u53 }), { maxLength: 6 }),
    prices: fc.array(fc.record({ feedId: hash32Arbitrary, price }), { maxLength: 3 }),
    signature,
  })
  .map((extension) => ({
    ...extension,
    inclusionList: sortedUniqueBy(extension.inclusionList, (entry) => entry.txId),
    prices: sortedUniqueBy(extension.prices, (observation) => observation.feedId),
  }));

const voteArbitrary: fc.Arbitrary<Vote> = fc
  .record({
    kind: fc.constantFrom(VoteKind.Prevote, VoteKind.Precommit),
    networkId: u53,
    height: u53,
    round: u32,
    blockId: fc.oneof(fc.constant(ZERO), nonZeroHash),
    validatorIndex: u32,
    signature,
    extension: extensionArbitrary,
  })
  .map((vote) => ({
    ...vote,
    // Exactly the non-nil precommits carry an extension, bound to the vote.
    extension:
      vote.kind === VoteKind.Precommit && vote.blockId !== ZERO
        ? {
            ...vote.extension,
            networkId: vote.networkId,
            height: vote.height,
            round: vote.round,
            blockId: vote.blockId,
            validatorIndex: vote.validatorIndex,
          }
        : null,
  }));

const proposalArbitrary: fc.Arbitrary<Proposal> = fc
  .record({
    networkId: u53,
    height: u53,
    round: fc.nat({ max: 1000 }),
    validRoundOffset: fc.nat({ max: 1000 }),
    proposerIndex: u32,
    header: blockHeaderArbitrary,
    transactionIds: fc.array(hash32Arbitrary, { maxLength: 5 }),
    prices: fc.array(fc.record({ feedId: hash32Arbitrary, answer: price }), { maxLength: 3 }),
    certificate: fc.option(signature, { nil: null }),
    extensions: fc.array(extensionArbitrary, { maxLength: 3 }),
    signature,
  })
  .map(({ validRoundOffset, certificate, ...proposal }) => {
    const validRound = validRoundOffset >= proposal.round ? -1 : validRoundOffset;
    const prices = sortedUniqueBy(proposal.prices, (entry) => entry.feedId);
    return {
      ...proposal,
      validRound,
      header: { ...proposal.header, txCount: proposal.transactionIds.length, priceCount: prices.length },
      prices,
      validRoundCertificate: validRound >= 0 ? certificate : null,
      extensions: sortedUniqueBy(proposal.extensions, (extension) =>
        String(extension.validatorIndex).padStart(10, '0'),
      ),
    };
  });

const evidenceArbitrary: fc.Arbitrary<Evidence> = fc
  .tuple(voteArbitrary, nonZeroHash)
  .filter(([vote, other]) => vote.blockId !== other)
  .map(([vote, otherBlockId]) => {
    const other: Vote = {
      ...vote,
      blockId: otherBlockId,
      extension:
        vote.kind === VoteKind.Precommit
          ? {
              networkId: vote.networkId,
              height: vote.height,
              round: vote.round,
              blockId: otherBlockId,
              validatorIndex: vote.validatorIndex,
              timestampMs: 0,
              inclusionList: [],
              prices: [],
              signature: new Uint8Array(96),
            }
          : null,
    };
    return vote.blockId < other.blockId ? { first: vote, second: other } : { first: other, second: vote };
  });

describeCodecProperties(VoteExtensionCodec, extensionArbitrary, { numRuns: 60 });
describeCodecProperties(VoteCodec, voteArbitrary, { numRuns: 60 });
describeCodecProperties(ProposalCodec, proposalArbitrary, { numRuns: 40, exhaustiveTruncationBytes: 128 });
describeCodecProperties(EvidenceCodec, evidenceArbitrary, { numRuns: 40, exhaustiveTruncationBytes: 128 });

describe('consensus codecs: canonical-form rules', () => {
  it('rejects an extension on a nil precommit and a missing one on a block precommit', () => {
    fc.assert(
      fc.property(voteArbitrary, (vote) => {
        const bytes = VoteCodec.encode(vote);
        // The extension flag sits right after the 96-byte signature.
        const flagOffset = 2 + 1 + 8 + 8 + 4 + 32 + 4 + 96;
        if (vote.extension !== null) return; // flipping it would leave trailing bytes: covered by the generic properties
        const tampered = new Uint8Array(bytes);
        tampered[flagOffset] = 1;
        expectDecodeError(
          VoteCodec,
          tampered,
          vote.kind === VoteKind.Precommit && vote.blockId !== ZERO ? 'TRUNCATED' : 'INVALID_VALUE',
        );
      }),
      { numRuns: 50 },
    );
  });

  it('rejects unsorted inclusion lists', () => {
    const extension: SignedVoteExtension = {
      networkId: 1,
      height: 2,
      round: 0,
      blockId: `0x${'11'.repeat(32)}`,
      validatorIndex: 0,
      timestampMs: 5,
      inclusionList: [
        { txId: `0x${'bb'.repeat(32)}`, firstSeenMs: 1 },
        { txId: `0x${'aa'.repeat(32)}`, firstSeenMs: 2 },
      ],
      prices: [],
      signature: new Uint8Array(96),
    };
    expectDecodeError(VoteExtensionCodec, VoteExtensionCodec.encode(extension), 'INVALID_VALUE');
  });

  it('rejects evidence whose votes do not conflict', () => {
    fc.assert(
      fc.property(voteArbitrary, (vote) => {
        const bytes = EvidenceCodec.encode({ first: vote, second: vote });
        expectDecodeError(EvidenceCodec, bytes, 'INVALID_VALUE');
      }),
      { numRuns: 30 },
    );
  });

  it('signing messages bind every field', () => {
    fc.assert(
      fc.property(extensionArbitrary, proposalArbitrary, (extension, proposal) => {
        const message = extensionMessage(extension);
        expect(message.length).toBe(32);
        expect(
          extensionMessage({
            ...extension,
            timestampMs: extension.timestampMs === 0 ? 1 : extension.timestampMs - 1,
          }),
        ).not.toEqual(message);
        expect(
          extensionMessage({ ...extension, round: extension.round === 0 ? 1 : extension.round - 1 }),
        ).not.toEqual(message);
        const proposalDigest = proposalMessage(proposal);
        expect(proposalMessage({ ...proposal, round: proposal.round + 1 })).not.toEqual(proposalDigest);
        expect(
          proposalMessage({ ...proposal, transactionIds: [...proposal.transactionIds, ZERO] }),
        ).not.toEqual(proposalDigest);
      }),
      { numRuns: 40 },
    );
  });
});
