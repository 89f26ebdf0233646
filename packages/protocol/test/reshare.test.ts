import { describe, expect, it } from 'vitest';
import { BLS_CURVE_ORDER } from '../src/bls/constants.ts';
import {
  blsPublicKey,
  partialSign,
  recoverGroupSignature,
  sharePublicKeyFromCommitments,
  verifyGroupSignature,
} from '../src/bls/index.ts';
import { scalarToBytes } from '../src/bls/scalar.ts';
import { buildDeal, ephemeralSecretKey, polynomialFromCoefficients } from '../src/dkg/deal.ts';
import {
  type DkgConfig,
  type DkgDeal,
  DkgError,
  type DkgExclusionReason,
  type DkgInput,
  type DkgKeyPair,
  type DkgOutput,
  type DkgPublicOutcome,
  type DkgRejectCode,
  type DkgResult,
  type DkgState,
  decodeDkgMessage,
  dkgInit,
  dkgKeysFromSeed,
  dkgSessionId,
  dkgStep,
  encodeDkgMessage,
} from '../src/dkg/index.ts';

// ---------------------------------------------------------------------------------------------
// Resharing (docs/protocol.md "Resharing"): the previous committee deals sub-shares of its shares
// of one group secret to a new committee. Validators are named by a number (their key seed); a
// validator in both committees is one node with both roles. Messages travel as wire bytes.

/** What a previous-committee dealer does instead of dealing honestly. */
type DealerAttack =
  /** Sends nothing. */
  | 'withhold'
  /** Deals a fresh random polynomial: right shape, but its constant term is not its previous share. */
  | 'wrongConstant'
  /** Sends the first new member a share off by one, and never justifies it. */
  | 'badShareNoJustification';

interface Node {
  validator: number;
  keys: DkgKeyPair;
  state: DkgState | undefined;
  outcome: DkgOutput | undefined;
  rejections: { code: DkgRejectCode; senderIndex: number | undefined }[];
}

interface Envelope {
  from: number;
  bytes: Uint8Array;
}

const keysOf = (validator: number) => dkgKeysFromSeed(seed('identity', validator));

function seed(label: string, index: number): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes.set(new TextEncoder().encode(label).subarray(0, 28));
  new DataView(bytes.buffer).setUint32(28, index);
  return bytes;
}

/** The previous key, shared by a polynomial of degree t−1 among `n` validators (as a DKG leaves it). */
function previousSharing(n: number, threshold: number) {
  const coefficients = Array.from(
    { length: threshold },
    (_, k) =>
      (BigInt(`0x${Buffer.from(seed('previous coefficient', k)).toString('hex')}`) % BLS_CURVE_ORDER) + 1n,
  );
  const polynomial = polynomialFromCoefficients(coefficients, n);
  return { secret: coefficients[0]!, commitments: polynomial.commitments, shares: polynomial.shares };
}

const participantOf = (validator: number) => {
  const keys = keysOf(validator);
  return { signingPublicKey: keys.signingPublicKey, encryptionPublicKey: keys.encryptionPublicKey };
};

class Reshare {
  readonly config: DkgConfig;
  readonly sessionId: Uint8Array;
  readonly previous: ReturnType<typeof previousSharing>;
  readonly nodes = new Map<number, Node>();
  private readonly queue: Envelope[] = [];

  /**
   * @param previousCommittee validators of the previous committee, by dealer index
   * @param newCommittee validators of the new one, by participant index
   */
  readonly previousCommittee: readonly number[];
  readonly newCommittee: readonly number[];
  readonly attacks: Record<number, DealerAttack>;

  /**
   * @param previousCommittee validators of the previous committee, by dealer index
   * @param newCommittee validators of the new one, by participant index
   */
  constructor(
    previousCommittee: readonly number[],
    previousThreshold: number,
    newCommittee: readonly number[],
    threshold: number,
    attacks: Record<number, DealerAttack> = {},
  ) {
    this.previousCommittee = previousCommittee;
    this.newCommittee = newCommittee;
    this.attacks = attacks;
    this.previous = previousSharing(previousCommittee.length, previousThreshold);
    this.config = {
      networkId: 7,
      epoch: 2,
      nonce: seed('reshare nonce', 0),
      threshold,
      participants: newCommittee.map(participantOf),
      reshare: {
        dealers: previousCommittee.map(participantOf),
        previousCommitments: this.previous.commitments,
      },
    };
    this.sessionId = dkgSessionId(this.config);
    const everyone = [...new Set([...previousCommittee, ...newCommittee])];
    for (const validator of everyone) {
      this.nodes.set(validator, {
        validator,
        keys: keysOf(validator),
        state: undefined,
        outcome: undefined,
        rejections: [],
      });
    }
    for (const validator of everyone) {
      const node = this.nodes.get(validator)!;
      const dealerIndex = previousCommittee.indexOf(validator);
      const attack = this.attacks[validator];
      if (attack !== undefined) {
        // A byzantine dealer: no state machine, only the messages it chooses to send.
        const deal = this.maliciousDeal(node, dealerIndex, attack);
        if (deal !== undefined)
          this.queue.push({ from: validator, bytes: encodeDkgMessage({ type: 'deal', deal }) });
        continue;
      }
      const started = dkgInit(this.config, {
        index: newCommittee.includes(validator) ? newCommittee.indexOf(validator) : undefined,
        ...(dealerIndex < 0
          ? {}
          : {
              previousShare: {
                index: dealerIndex,
                secretKey: scalarToBytes(this.previous.shares[dealerIndex]!),
              },
            }),
        signingSecretKey: node.keys.signingSecretKey,
        encryptionSecretKey: node.keys.encryptionSecretKey,
        randomness: seed('randomness', validator),
      });
      node.state = started.state;
      this.handle(node, started.outputs);
    }
  }

  private maliciousDeal(node: Node, dealerIndex: number, attack: DealerAttack): DkgDeal | undefined {
    if (attack === 'withhold') return undefined;
    const n = this.newCommittee.length;
    const random = Array.from({ length: this.config.threshold }, (_, k) =>
      BigInt(1000 + 7 * k + node.validator),
    );
    const coefficients =
      attack === 'wrongConstant' ? random : [this.previous.shares[dealerIndex]!, ...random.slice(1)];
    const polynomial = polynomialFromCoefficients(coefficients, n);
    const shares =
      attack === 'badShareNoJustification'
        ? polynomial.shares.map((share, i) => (i === 0 ? (share + 1n) % BLS_CURVE_ORDER : share))
        : polynomial.shares;
    return buildDeal({
      sessionId: this.sessionId,
      dealerIndex,
      participants: this.config.participants,
      commitments: polynomial.commitments,
      shares,
      ephemeralSecretKey: ephemeralSecretKey(seed('randomness', node.validator), this.sessionId),
      signingSecretKey: node.keys.signingSecretKey,
    });
  }

  private handle(node: Node, outputs: readonly DkgOutput[]): void {
    for (const output of outputs) {
      if (output.type === 'broadcast') this.queue.push({ from: node.validator, bytes: output.bytes });
      else if (output.type === 'rejected')
        node.rejections.push({ code: output.code, senderIndex: output.senderIndex });
      else if (output.type === 'finished' || output.type === 'failed' || output.type === 'handedOver')
        node.outcome = output;
    }
  }

  deliver(node: Node, input: DkgInput): void {
    if (node.state === undefined) return;
    const { state, outputs } = dkgStep(node.state, input);
    node.state = state;
    this.handle(node, outputs);
  }

  honest(): Node[] {
    return [...this.nodes.values()].filter((node) => node.state !== undefined);
  }

  run(): this {
    for (let round = 0; round < 10; round++) {
      while (this.queue.length > 0) {
        const envelope = this.queue.shift()!;
        for (const node of this.nodes.values())
          if (node.validator !== envelope.from) this.deliver(node, decodeDkgMessage(envelope.bytes));
      }
      const pending = this.honest().filter((node) => node.outcome === undefined);
      if (pending.length === 0) return this;
      for (const node of pending) this.deliver(node, { type: 'phaseTimeout', phase: node.state!.phase });
    }
    throw new Error('reshare did not terminate in 10 rounds');
  }

  /** The new member's result (it must have finished). */
  result(validator: number): DkgResult {
    const outcome = this.nodes.get(validator)!.outcome;
    expect(outcome?.type, `validator ${validator}`).toBe('finished');
    return (outcome as { type: 'finished'; result: DkgResult }).result;
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const message = new TextEncoder().encode('synod block certificate after a reshare');

/** t partial signatures of `message` by these (Shamir index, share secret key) pairs, combined. */
function groupSignature(
  shares: readonly { index: number; secretKey: Uint8Array }[],
  threshold: number,
): Uint8Array {
  return recoverGroupSignature(
    shares.map((share) => ({ index: share.index, signature: partialSign(share.secretKey, message) })),
    threshold,
  );
}

/**
 * Every honest new member finished with the same public outcome; the group key is the previous
 * one; shares match the commitments; any t new shares sign for the group key; honest leaving
 * dealers handed over with the same outcome; and nothing an honest node sent was rejected.
 */
function expectReshared(reshare: Reshare, excluded: Record<number, DkgExclusionReason> = {}): DkgResult[] {
  const { threshold } = reshare.config;
  const members = reshare.newCommittee.filter(
    (validator) => reshare.nodes.get(validator)!.state !== undefined,
  );
  const results = members.map((validator) => reshare.result(validator));
  const first = results[0]!;
  const expectedExcluded = Object.entries(excluded)
    .map(([dealerIndex, reason]) => ({ dealerIndex: Number(dealerIndex), reason }))
    .sort((a, b) => a.dealerIndex - b.dealerIndex);
  for (const result of results) {
    expect(hex(result.groupPublicKey)).toBe(hex(reshare.previous.commitments[0]!));
    expect(result.commitments.map(hex)).toEqual(first.commitments.map(hex));
    expect(result.commitments).toHaveLength(threshold);
    expect(result.excluded).toEqual(expectedExcluded);
    expect(result.qualified).toEqual(
      reshare.previousCommittee.map((_, i) => i).filter((i) => !(i in excluded)),
    );
    expect(hex(sharePublicKeyFromCommitments(result.commitments, result.shareIndex))).toBe(
      hex(blsPublicKey(result.shareSecretKey)),
    );
  }
  for (const [i, validator] of members.entries())
    expect(results[i]!.shareIndex).toBe(reshare.newCommittee.indexOf(validator) + 1);
  for (const validator of reshare.previousCommittee) {
    if (reshare.newCommittee.includes(validator) || reshare.attacks[validator] !== undefined) continue;
    const outcome = reshare.nodes.get(validator)!.outcome;
    expect(outcome?.type).toBe('handedOver');
    const handed = (outcome as { type: 'handedOver'; outcome: DkgPublicOutcome }).outcome;
    expect(handed.commitments.map(hex)).toEqual(first.commitments.map(hex));
    expect(handed.qualified).toEqual(first.qualified);
  }
  const honestValidators = new Set(reshare.honest().map((node) => node.validator));
  for (const node of reshare.honest()) {
    const fromHonest = node.rejections.filter((rejection) => {
      // senderIndex is a dealer index for deals and justifications, a participant index for responses.
      const dealer = reshare.previousCommittee[rejection.senderIndex ?? -1];
      return dealer !== undefined && honestValidators.has(dealer) && rejection.code !== 'DUPLICATE';
    });
    expect(fromHonest, `validator ${node.validator}`).toEqual([]);
  }
  // Any t of the new shares sign for the unchanged group key, first and last t alike.
  const shares = results.map((result) => ({ index: result.shareIndex, secretKey: result.shareSecretKey }));
  for (const subset of [shares.slice(0, threshold), shares.slice(-threshold)]) {
    expect(verifyGroupSignature(first.groupPublicKey, message, groupSignature(subset, threshold))).toBe(true);
  }
  return results;
}

describe('resharing keeps the group key', () => {
  it('grows 4 → 5: the new validator gets a share, the key and old members stay', () => {
    expectReshared(new Reshare([0, 1, 2, 3], 3, [0, 1, 2, 3, 4], 4).run());
  });

  it('shrinks 5 → 4: the leaving validator deals, then hands over without a share', () => {
    expectReshared(new Reshare([0, 1, 2, 3, 4], 4, [0, 1, 2, 3], 3).run());
  });

  it('replaces a member (4 → 4, validator 3 out, 9 in), at other indices than before', () => {
    const reshare = new Reshare([0, 1, 2, 3], 3, [9, 2, 1, 0], 3).run();
    const [nine] = expectReshared(reshare);
    expect(nine!.shareIndex).toBe(1);
  });

  it('a refresh with the same members makes the old shares useless with the new ones', () => {
    const reshare = new Reshare([0, 1, 2, 3], 3, [0, 1, 2, 3], 3).run();
    const results = expectReshared(reshare);
    const { shares } = reshare.previous;
    for (const [i, result] of results.entries())
      expect(hex(result.shareSecretKey)).not.toBe(hex(scalarToBytes(shares[i]!)));
    // A thief holding two leaked old shares and one new share cannot sign.
    const mixed = [
      { index: 1, secretKey: scalarToBytes(shares[0]!) },
      { index: 2, secretKey: scalarToBytes(shares[1]!) },
      { index: 3, secretKey: results[2]!.shareSecretKey },
    ];
    expect(verifyGroupSignature(results[0]!.groupPublicKey, message, groupSignature(mixed, 3))).toBe(false);
  });
});

describe('resharing with byzantine dealers', () => {
  it('excludes a dealer whose constant term is not its previous share (n = 4, one bad dealer)', () => {
    expectReshared(new Reshare([0, 1, 2, 3], 3, [0, 1, 2, 3, 4], 4, { 2: 'wrongConstant' }).run(), {
      2: 'WRONG_PREVIOUS_SHARE',
    });
  });

  it('survives f = 2 bad dealers of 7 (a withheld deal and an unjustified bad share), 7 → 5', () => {
    const reshare = new Reshare([0, 1, 2, 3, 4, 5, 6], 5, [0, 1, 2, 3, 4], 4, {
      5: 'withhold',
      6: 'badShareNoJustification',
    }).run();
    expectReshared(reshare, { 5: 'MISSING_DEAL', 6: 'UNANSWERED_COMPLAINT' });
  });

  it('fails, changing nothing, when fewer dealers than the previous threshold qualify', () => {
    const reshare = new Reshare([0, 1, 2, 3], 3, [0, 1, 2, 3, 4], 4, {
      1: 'withhold',
      3: 'wrongConstant',
    }).run();
    for (const node of reshare.honest()) {
      expect(node.outcome?.type).toBe('failed');
      const failed = node.outcome as { type: 'failed'; error: DkgError };
      expect(failed.error.code).toBe('TOO_FEW_QUALIFIED');
      expect(node.state!.result).toBeUndefined();
    }
  });
});

describe('reshare sessions', () => {
  it('have their own session id: not the DKG of the same members, nor a reshare of another key', () => {
    const reshare = new Reshare([0, 1, 2, 3], 3, [0, 1, 2, 3], 3);
    const { reshare: _, ...asDkg } = reshare.config;
    expect(hex(dkgSessionId(asDkg))).not.toBe(hex(reshare.sessionId));
    const otherKey = {
      ...reshare.config,
      reshare: { ...reshare.config.reshare!, previousCommitments: reshare.previous.commitments.slice(0, 2) },
    };
    expect(hex(dkgSessionId(otherKey))).not.toBe(hex(reshare.sessionId));
    // The encryption key's reshare of the same committees: neither this one nor that key's DKG.
    const encryption = { ...reshare.config, purpose: 'encryption' as const };
    expect(hex(dkgSessionId(encryption))).not.toBe(hex(reshare.sessionId));
    expect(hex(dkgSessionId({ ...asDkg, purpose: 'encryption' }))).not.toBe(hex(dkgSessionId(encryption)));
    expect(hex(dkgSessionId({ ...reshare.config, purpose: 'signing' }))).toBe(hex(reshare.sessionId));
  });

  it('reject a deal signed by a previous-committee key under the wrong dealer index', () => {
    const reshare = new Reshare([0, 1, 2, 3], 3, [0, 1, 2, 3, 4], 4);
    const four = reshare.nodes.get(4)!;
    const deal = buildDeal({
      sessionId: reshare.sessionId,
      dealerIndex: 1,
      participants: reshare.config.participants,
      commitments: reshare.previous.commitments,
      shares: [1n, 2n, 3n, 4n, 5n],
      ephemeralSecretKey: ephemeralSecretKey(seed('x', 0), reshare.sessionId),
      signingSecretKey: keysOf(0).signingSecretKey, // dealer 0's key claiming to be dealer 1
    });
    reshare.deliver(four, { type: 'deal', deal });
    expect(four.rejections.at(-1)).toEqual({ code: 'BAD_SIGNATURE', senderIndex: 1 });
  });

  it('refuse a previous share that does not match the previous commitments, and a node with no role', () => {
    const { config, previous } = new Reshare([0, 1, 2, 3], 3, [0, 1, 2, 3], 3);
    const keys = keysOf(1);
    const base = {
      signingSecretKey: keys.signingSecretKey,
      encryptionSecretKey: keys.encryptionSecretKey,
      randomness: seed('randomness', 1),
    };
    const wrongShare = { index: 1, secretKey: scalarToBytes(previous.shares[2]!) };
    expect(() => dkgInit(config, { ...base, index: 1, previousShare: wrongShare })).toThrow(
      /previous share secret key does not match/,
    );
    expect(() => dkgInit(config, { ...base, index: undefined })).toThrow(/neither a dealer nor a recipient/);
    const { reshare: _, ...asDkg } = config;
    expect(() =>
      dkgInit(asDkg, {
        ...base,
        index: 1,
        previousShare: { index: 1, secretKey: scalarToBytes(previous.shares[1]!) },
      }),
    ).toThrow(DkgError);
  });
});
