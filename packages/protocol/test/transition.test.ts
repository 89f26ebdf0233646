import { describe, expect, it } from 'vitest';
import {
  blsPublicKey,
  insecureTrustedDealer,
  insecureTrustedRedeal,
  partialSign,
  recoverGroupSignature,
  verifyPartial,
} from '../src/bls/index.ts';
import { checkTransitionRecord, TransitionError } from '../src/dkg/transition.ts';
import { DecodeError } from '../src/errors.ts';
import {
  MAX_TRANSITION_THRESHOLD,
  type TransitionRecord,
  transitionMessage,
  transitionRecordCodec,
} from '../src/messages/index.ts';

// Committee transitions (docs/protocol.md "Committee transitions"): the old committee approves a
// reshare outcome with its group key; the record installs the new share keys of the same key.

const NETWORK_ID = 7;
const seed = (label: string) => new TextEncoder().encode(label.padEnd(32, '.'));
const genesis = insecureTrustedDealer(4, 3, seed('genesis'));
const grown = insecureTrustedRedeal(genesis, 5, 4, seed('epoch 1'));

/** The record of `dealing` for `epoch`, signed by `signers` of the old committee (3 of genesis by default). */
function recordOf(
  dealing = grown,
  epoch = 1,
  signers = genesis.shares.slice(0, 3),
  validatorCount = dealing.shares.length,
): TransitionRecord {
  const unsigned = { epoch, validatorCount, commitments: dealing.commitments };
  const message = transitionMessage(NETWORK_ID, unsigned);
  const signature = recoverGroupSignature(
    signers.map((share) => ({ index: share.index, signature: partialSign(share.secretKey, message) })),
    signers.length,
  );
  return { ...unsigned, signature };
}

const context = { networkId: NETWORK_ID, groupPublicKey: genesis.groupPublicKey, currentEpoch: 0 };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof TransitionError || error instanceof DecodeError) return error.code;
    throw error;
  }
  return undefined;
}

describe('committee transition records', () => {
  it('installs the new share keys of the same group key: the new shares sign, the old ones no longer match', () => {
    expect(grown.groupPublicKey).toEqual(genesis.groupPublicKey);
    const record = transitionRecordCodec.decode(transitionRecordCodec.encode(recordOf()));
    const keys = checkTransitionRecord(record, context);
    expect(keys).toMatchObject({ epoch: 1, validatorCount: 5, threshold: 4 });
    expect(keys.sharePublicKeys).toEqual(grown.shares.map((share) => share.publicKey));
    const message = new Uint8Array([1, 2, 3]);
    for (const [i, share] of grown.shares.entries()) {
      expect(verifyPartial(keys.sharePublicKeys[i]!, message, partialSign(share.secretKey, message))).toBe(
        true,
      );
    }
    // An old share is not a share of the new polynomial.
    expect(
      verifyPartial(keys.sharePublicKeys[0]!, message, partialSign(genesis.shares[0]!.secretKey, message)),
    ).toBe(false);
  });

  it('shrinks as well as grows (5 → 4), approved by the 5-member committee', () => {
    const shrunk = insecureTrustedRedeal(grown, 4, 3, seed('epoch 2'));
    const record = recordOf(shrunk, 2, grown.shares.slice(1, 5));
    const keys = checkTransitionRecord(record, { ...context, currentEpoch: 1 });
    expect(keys.sharePublicKeys).toEqual(shrunk.shares.map((share) => share.publicKey));
  });

  it('refuses a record that is not for the next epoch, or whose size is not its quorum', () => {
    expect(codeOf(() => checkTransitionRecord(recordOf(grown, 2), context))).toBe('WRONG_EPOCH');
    expect(codeOf(() => checkTransitionRecord(recordOf(), { ...context, currentEpoch: 1 }))).toBe(
      'WRONG_EPOCH',
    );
    // 4 commitments claim a committee of 7, whose threshold is 5.
    expect(codeOf(() => checkTransitionRecord(recordOf(grown, 1, undefined, 7), context))).toBe('WRONG_SIZE');
    expect(codeOf(() => checkTransitionRecord(recordOf(grown, 1, undefined, 0), context))).toBe('WRONG_SIZE');
  });

  it('refuses commitments of another key, even signed by the right one', () => {
    const other = insecureTrustedDealer(5, 4, seed('another key'));
    expect(codeOf(() => checkTransitionRecord(recordOf(other), context))).toBe('WRONG_COMMITMENTS');
    const notAPoint = recordOf();
    notAPoint.commitments = [
      notAPoint.commitments[0]!,
      new Uint8Array(48).fill(0xab),
      ...notAPoint.commitments.slice(2),
    ];
    expect(codeOf(() => checkTransitionRecord(notAPoint, context))).toBe('WRONG_COMMITMENTS');
  });

  it('refuses a record the old committee did not sign: too few shares, another network, a changed field', () => {
    expect(codeOf(() => checkTransitionRecord(recordOf(grown, 1, genesis.shares.slice(0, 2)), context))).toBe(
      'INVALID_SIGNATURE',
    );
    expect(codeOf(() => checkTransitionRecord(recordOf(), { ...context, networkId: NETWORK_ID + 1 }))).toBe(
      'INVALID_SIGNATURE',
    );
    // Signed by the NEW shares (a joiner cannot approve itself, but the key is the same): valid.
    expect(() => checkTransitionRecord(recordOf(grown, 1, grown.shares.slice(0, 4)), context)).not.toThrow();
    const tampered = recordOf();
    const shrunk = insecureTrustedRedeal(genesis, 4, 3, seed('swapped'));
    expect(
      codeOf(() =>
        checkTransitionRecord({ ...tampered, validatorCount: 4, commitments: shrunk.commitments }, context),
      ),
    ).toBe('INVALID_SIGNATURE');
    expect(codeOf(() => checkTransitionRecord({ ...tampered, signature: new Uint8Array(96) }, context))).toBe(
      'INVALID_SIGNATURE',
    );
  });

  it('decodes only canonical records within one transaction payload', () => {
    const bytes = transitionRecordCodec.encode(recordOf());
    expect(codeOf(() => transitionRecordCodec.decode(bytes.subarray(0, bytes.length - 1)))).toBe('TRUNCATED');
    expect(codeOf(() => transitionRecordCodec.decode(new Uint8Array([...bytes, 0])))).toBeDefined();
    const empty = { ...recordOf(), commitments: [] };
    expect(codeOf(() => transitionRecordCodec.decode(transitionRecordCodec.encode(empty)))).toBe(
      'INVALID_VALUE',
    );
    const point = blsPublicKey(genesis.shares[0]!.secretKey);
    const largest = {
      ...recordOf(),
      commitments: Array.from({ length: MAX_TRANSITION_THRESHOLD }, () => point),
    };
    expect(transitionRecordCodec.decode(transitionRecordCodec.encode(largest)).commitments).toHaveLength(
      MAX_TRANSITION_THRESHOLD,
    );
    const tooMany = { ...largest, commitments: [...largest.commitments, point] };
    expect(() => transitionRecordCodec.encode(tooMany)).toThrow();
  });
});
