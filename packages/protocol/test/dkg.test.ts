import { describe, expect, it } from 'vitest';
import { BLS_CURVE_ORDER } from '../src/bls/constants.ts';
import {
  blsPublicKey,
  blsSign,
  partialSign,
  recoverGroupSignature,
  sharePublicKeyFromCommitments,
  verifyGroupSignature,
} from '../src/bls/index.ts';
import { scalarToBytes } from '../src/bls/scalar.ts';
import { committeeSize, encryptionThreshold } from '../src/committee.ts';
import { justificationSigningPayload, responseSigningPayload } from '../src/dkg/codecs.ts';
import {
  buildDeal,
  dealerPolynomial,
  ephemeralSecretKey,
  polynomialFromCoefficients,
} from '../src/dkg/deal.ts';
import { decryptShare, encryptShare } from '../src/dkg/encryption.ts';
import {
  type DkgConfig,
  type DkgDeal,
  DkgError,
  type DkgExclusionReason,
  type DkgInput,
  type DkgKeyPair,
  type DkgMessage,
  type DkgOutput,
  type DkgPurpose,
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
import { signDkgPayload } from '../src/dkg/keys.ts';

// ---------------------------------------------------------------------------------------------
// An in-memory network of DKG participants. Every broadcast travels as wire bytes and is decoded
// by each receiver, as over gossip. Byzantine participants run the honest state machine but
// rewrite what they send, each named for its behaviour.

type Behaviour =
  | { kind: 'honest' }
  /** Never sends its deal. */
  | { kind: 'withholder' }
  /** Sends `victim` a share off by one; then justifies not at all, correctly, or with another wrong share. */
  | { kind: 'badShare'; justify: 'never' | 'correctly' | 'wrongly' }
  /** Publishes commitments of a different polynomial than the one it shares. */
  | { kind: 'badCommitments' }
  /** Publishes a commitment that is the identity point, which no honest dealer produces. */
  | { kind: 'malformedCommitments' }
  /** Signs two different deals and sends them to different halves first. */
  | { kind: 'equivocator' }
  /** Deals honestly but complains about every other dealer. */
  | { kind: 'falseComplainer' };

interface Node {
  index: number;
  keys: DkgKeyPair;
  randomness: Uint8Array;
  behaviour: Behaviour;
  state: DkgState;
  outcome: DkgOutput | undefined;
  rejections: { code: DkgRejectCode; senderIndex: number | undefined }[];
}

/** A message and its recipients (default: everyone else). */
interface Send {
  message: DkgMessage;
  to?: readonly number[];
}

interface Envelope {
  from: number;
  to: readonly number[];
  bytes: Uint8Array;
}

function seedBytes(label: string, index: number): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes.set(new TextEncoder().encode(label).subarray(0, 28));
  new DataView(bytes.buffer).setUint32(28, index);
  return bytes;
}

function sessionConfig(
  n: number,
  threshold: number,
  nonceLabel = 'nonce',
  purpose?: DkgPurpose,
): { config: DkgConfig; keys: DkgKeyPair[] } {
  const keys = Array.from({ length: n }, (_, i) => dkgKeysFromSeed(seedBytes('identity', i)));
  const config: DkgConfig = {
    networkId: 7,
    epoch: 1,
    nonce: seedBytes(nonceLabel, 0),
    threshold,
    participants: keys.map((key) => ({
      signingPublicKey: key.signingPublicKey,
      encryptionPublicKey: key.encryptionPublicKey,
    })),
    ...(purpose === undefined ? {} : { purpose }),
  };
  return { config, keys };
}

function randomnessOf(index: number, label = 'randomness'): Uint8Array {
  return seedBytes(label, index);
}

class Network {
  readonly nodes: Node[];
  readonly config: DkgConfig;
  readonly sessionId: Uint8Array;
  private readonly queue: Envelope[] = [];

  constructor(n: number, threshold: number, behaviours: Record<number, Behaviour>, purpose?: DkgPurpose) {
    const { config, keys } = sessionConfig(n, threshold, 'nonce', purpose);
    this.config = config;
    this.sessionId = dkgSessionId(config);
    const started = keys.map((key, index) =>
      dkgInit(config, {
        index,
        signingSecretKey: key.signingSecretKey,
        encryptionSecretKey: key.encryptionSecretKey,
        randomness: randomnessOf(index),
      }),
    );
    this.nodes = keys.map((key, index) => ({
      index,
      keys: key,
      randomness: randomnessOf(index),
      behaviour: behaviours[index] ?? { kind: 'honest' },
      state: started[index]!.state,
      outcome: undefined,
      rejections: [],
    }));
    // Deals go out once every node exists, so the adversary can pick its victim.
    for (const node of this.nodes) this.handleOutputs(node, started[node.index]!.outputs);
  }

  private everyoneBut(index: number): number[] {
    return this.nodes.map((node) => node.index).filter((i) => i !== index);
  }

  /** The first honest participant other than `node`: the victim of a targeted attack. */
  victimOf(node: Node): number {
    return this.nodes.find((other) => other.index !== node.index && other.behaviour.kind === 'honest')!.index;
  }

  private send(from: number, sends: readonly Send[]): void {
    for (const { message, to } of sends) {
      this.queue.push({ from, to: to ?? this.everyoneBut(from), bytes: encodeDkgMessage(message) });
    }
  }

  private handleOutputs(node: Node, outputs: readonly DkgOutput[]): void {
    for (const output of outputs) {
      if (output.type === 'broadcast') {
        // The honest encoding must be what the wire carries.
        expect(Buffer.from(output.bytes).equals(encodeDkgMessage(output.message))).toBe(true);
        this.send(node.index, this.outgoing(node, output.message));
      } else if (output.type === 'rejected') {
        node.rejections.push({ code: output.code, senderIndex: output.senderIndex });
      } else if (output.type === 'finished' || output.type === 'failed') {
        node.outcome = output;
      }
    }
  }

  /** What a participant with this behaviour actually sends in place of `message`. */
  private outgoing(node: Node, message: DkgMessage): Send[] {
    const behaviour = node.behaviour;
    if (behaviour.kind === 'honest') return [{ message }];
    const { threshold, participants } = this.config;
    const n = participants.length;
    const polynomial = dealerPolynomial(node.randomness, this.sessionId, threshold, n);
    const rebuildDeal = (commitments: Uint8Array[], shares: bigint[]): DkgDeal =>
      buildDeal({
        sessionId: this.sessionId,
        dealerIndex: node.index,
        participants,
        commitments,
        shares,
        ephemeralSecretKey: ephemeralSecretKey(node.randomness, this.sessionId),
        signingSecretKey: node.keys.signingSecretKey,
      });
    const offByOne = (victim: number) =>
      polynomial.shares.map((share, i) => (i === victim ? (share + 1n) % BLS_CURVE_ORDER : share));

    if (message.type === 'deal') {
      switch (behaviour.kind) {
        case 'withholder':
          return [];
        case 'badShare':
          return [
            {
              message: {
                type: 'deal',
                deal: rebuildDeal(polynomial.commitments, offByOne(this.victimOf(node))),
              },
            },
          ];
        case 'badCommitments': {
          const other = polynomialFromCoefficients(
            polynomial.coefficients.map((coefficient) => (coefficient + 1n) % BLS_CURVE_ORDER),
            n,
          );
          return [
            {
              message: {
                type: 'deal',
                deal: rebuildDeal(other.commitments, polynomial.shares),
              },
            },
          ];
        }
        case 'malformedCommitments': {
          const identity = new Uint8Array(48);
          identity[0] = 0xc0;
          const commitments = polynomial.commitments.map((commitment, k) =>
            k === 1 ? identity : commitment,
          );
          return [{ message: { type: 'deal', deal: rebuildDeal(commitments, polynomial.shares) } }];
        }
        case 'equivocator': {
          const other: DkgMessage = {
            type: 'deal',
            deal: rebuildDeal(polynomial.commitments, offByOne(this.victimOf(node))),
          };
          const evens = this.everyoneBut(node.index).filter((i) => i % 2 === 0);
          const odds = this.everyoneBut(node.index).filter((i) => i % 2 === 1);
          return [{ message, to: evens }, { message: other }, { message, to: odds }];
        }
      }
    }
    if (message.type === 'response' && behaviour.kind === 'falseComplainer') {
      const unsigned = {
        sessionId: this.sessionId,
        responderIndex: node.index,
        complaints: this.everyoneBut(node.index),
      };
      const signature = signDkgPayload(responseSigningPayload(unsigned), node.keys.signingSecretKey);
      return [{ message: { type: 'response', response: { ...unsigned, signature } } }];
    }
    if (message.type === 'justification' && behaviour.kind === 'badShare') {
      if (behaviour.justify === 'never') return [];
      if (behaviour.justify === 'wrongly') {
        const victim = this.victimOf(node);
        const unsigned = {
          ...message.justification,
          revealedShares: message.justification.revealedShares.map((revealed) =>
            revealed.recipientIndex === victim
              ? { recipientIndex: victim, secretShare: scalarToBytes(offByOne(victim)[victim]!) }
              : revealed,
          ),
        };
        const signature = signDkgPayload(justificationSigningPayload(unsigned), node.keys.signingSecretKey);
        return [{ message: { type: 'justification', justification: { ...unsigned, signature } } }];
      }
    }
    return [{ message }];
  }

  deliver(node: Node, input: DkgInput): void {
    const { state, outputs } = dkgStep(node.state, input);
    node.state = state;
    this.handleOutputs(node, outputs);
  }

  /** Delivers everything in flight, then times out every phase, until all nodes are done. */
  run(): void {
    for (let round = 0; round < 10; round++) {
      while (this.queue.length > 0) {
        const envelope = this.queue.shift()!;
        for (const to of envelope.to) this.deliver(this.nodes[to]!, decodeDkgMessage(envelope.bytes));
      }
      const pending = this.nodes.filter((node) => node.outcome === undefined);
      if (pending.length === 0) return;
      for (const node of pending) this.deliver(node, { type: 'phaseTimeout', phase: node.state.phase });
    }
    throw new Error('DKG did not terminate in 10 rounds');
  }

  honest(): Node[] {
    return this.nodes.filter((node) => node.behaviour.kind === 'honest');
  }
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function resultOf(node: Node): DkgResult {
  expect(node.outcome?.type, `participant ${node.index} outcome`).toBe('finished');
  return (node.outcome as { type: 'finished'; result: DkgResult }).result;
}

/**
 * What every run must satisfy: all honest participants finish with the same group key, QUAL and
 * commitments; QUAL is what we expect; each share matches the commitments; the group key is the
 * sum of the qualified dealers' secrets; and t honest shares sign for the group.
 */
function expectAgreement(network: Network, expectedExcluded: Record<number, DkgExclusionReason>): DkgResult {
  const honest = network.honest();
  const results = honest.map(resultOf);
  const first = results[0]!;
  for (const result of results) {
    expect(toHex(result.groupPublicKey)).toBe(toHex(first.groupPublicKey));
    expect(result.commitments.map(toHex)).toEqual(first.commitments.map(toHex));
    expect(result.qualified).toEqual(first.qualified);
    expect(result.excluded).toEqual(first.excluded);
  }
  const expectedExclusions = Object.entries(expectedExcluded)
    .map(([dealerIndex, reason]) => ({ dealerIndex: Number(dealerIndex), reason }))
    .sort((a, b) => a.dealerIndex - b.dealerIndex);
  expect(first.excluded).toEqual(expectedExclusions);
  const n = network.config.participants.length;
  expect(first.qualified).toEqual(
    Array.from({ length: n }, (_, i) => i).filter((i) => !(i in expectedExcluded)),
  );

  for (const [i, result] of results.entries()) {
    const node = honest[i]!;
    expect(result.shareIndex).toBe(node.index + 1);
    expect(toHex(result.sharePublicKey)).toBe(toHex(blsPublicKey(result.shareSecretKey)));
    expect(toHex(sharePublicKeyFromCommitments(result.commitments, result.shareIndex))).toBe(
      toHex(result.sharePublicKey),
    );
    // An honest node never rejects what an honest node sends.
    const honestSenders = new Set(honest.map((other) => other.index));
    expect(node.rejections.filter((rejection) => honestSenders.has(rejection.senderIndex ?? -1))).toEqual([]);
  }

  // The group secret is Σ a_{j,0} over QUAL (computed here from the dealers' randomness).
  const { threshold } = network.config;
  const groupSecret =
    first.qualified.reduce(
      (sum, dealer) =>
        sum +
        dealerPolynomial(network.nodes[dealer]!.randomness, network.sessionId, threshold, n).coefficients[0]!,
      0n,
    ) % BLS_CURVE_ORDER;
  expect(toHex(blsPublicKey(scalarToBytes(groupSecret)))).toBe(toHex(first.groupPublicKey));

  const message = new TextEncoder().encode('synod dkg group signature');
  const direct = blsSign(scalarToBytes(groupSecret), message);
  for (const subset of [results.slice(0, threshold), results.slice(-threshold)]) {
    const partials = subset.map((result) => ({
      index: result.shareIndex,
      signature: partialSign(result.shareSecretKey, message),
    }));
    const signature = recoverGroupSignature(partials, threshold);
    expect(verifyGroupSignature(first.groupPublicKey, message, signature)).toBe(true);
    expect(toHex(signature)).toBe(toHex(direct));
  }
  return first;
}

// ---------------------------------------------------------------------------------------------

const attacks: { name: string; behaviour: Behaviour; reason: DkgExclusionReason }[] = [
  {
    name: 'send one participant a bad share and never justify',
    behaviour: { kind: 'badShare', justify: 'never' },
    reason: 'UNANSWERED_COMPLAINT',
  },
  {
    name: 'publish commitments that do not match their shares',
    behaviour: { kind: 'badCommitments' },
    reason: 'INVALID_JUSTIFICATION',
  },
  { name: 'withhold their deal', behaviour: { kind: 'withholder' }, reason: 'MISSING_DEAL' },
];

for (const [n, t, maliciousSets] of [
  [4, 3, [[], [1]]],
  [7, 5, [[], [2], [1, 5]]],
] as const) {
  describe(`DKG at n=${n}, t=${t}`, () => {
    it('with every dealer honest, all finish with the same key and no one is excluded', () => {
      const network = new Network(n, t, {});
      network.run();
      const result = expectAgreement(network, {});
      expect(result.qualified).toHaveLength(n);
    });

    for (const attack of attacks) {
      for (const malicious of maliciousSets.filter((set) => set.length > 0)) {
        it(`excludes ${malicious.length} dealer(s) that ${attack.name}`, () => {
          const behaviours = Object.fromEntries(malicious.map((index) => [index, attack.behaviour]));
          const network = new Network(n, t, behaviours);
          network.run();
          expectAgreement(network, Object.fromEntries(malicious.map((index) => [index, attack.reason])));
        });
      }
    }
  });
}

describe('DKG with other byzantine behaviours (n=7, t=5)', () => {
  it('keeps a dealer that sent a bad share but revealed the right one; its victim uses the revealed share', () => {
    const network = new Network(7, 5, { 3: { kind: 'badShare', justify: 'correctly' } });
    network.run();
    expectAgreement(network, {});
  });

  it('excludes a dealer that justifies with a share that does not match its commitments', () => {
    const network = new Network(7, 5, { 3: { kind: 'badShare', justify: 'wrongly' } });
    network.run();
    expectAgreement(network, { 3: 'INVALID_JUSTIFICATION' });
  });

  it('excludes a dealer that publishes an identity commitment', () => {
    const network = new Network(7, 5, { 6: { kind: 'malformedCommitments' } });
    network.run();
    expectAgreement(network, { 6: 'INVALID_DEAL' });
  });

  it('excludes a dealer that signs two different deals, whichever arrives first', () => {
    const network = new Network(7, 5, { 4: { kind: 'equivocator' } });
    network.run();
    expectAgreement(network, { 4: 'EQUIVOCATION' });
  });

  it('false complaints cannot exclude honest dealers: they justify and stay qualified', () => {
    const network = new Network(7, 5, { 0: { kind: 'falseComplainer' }, 6: { kind: 'falseComplainer' } });
    network.run();
    expectAgreement(network, {});
  });

  it('survives f=2 different attackers at once', () => {
    const network = new Network(7, 5, { 1: { kind: 'withholder' }, 4: { kind: 'falseComplainer' } });
    network.run();
    expectAgreement(network, { 1: 'MISSING_DEAL' });
  });

  it('fails with TOO_FEW_QUALIFIED when fewer than t dealers qualify', () => {
    const network = new Network(4, 3, { 0: { kind: 'withholder' }, 3: { kind: 'withholder' } });
    network.run();
    for (const node of network.honest()) {
      expect(node.outcome?.type).toBe('failed');
      const outcome = node.outcome as Extract<DkgOutput, { type: 'failed' }>;
      expect(outcome.error).toBeInstanceOf(DkgError);
      expect(outcome.error.code).toBe('TOO_FEW_QUALIFIED');
      expect(outcome.excluded.map((exclusion) => exclusion.dealerIndex)).toEqual([0, 3]);
    }
  });

  it('is deterministic: the same inputs give the same outputs', () => {
    const run = () => {
      const network = new Network(4, 3, { 2: { kind: 'badShare', justify: 'never' } });
      network.run();
      return network.honest().map(resultOf);
    };
    expect(run()).toEqual(run());
  });

  it('skips the justification phase when nobody complained', () => {
    const network = new Network(4, 3, {});
    const phases: string[] = [];
    const node = network.nodes[0]!;
    const original = network.deliver.bind(network);
    network.deliver = (target, input) => {
      original(target, input);
      if (target === node) phases.push(target.state.phase);
    };
    network.run();
    expect(phases).not.toContain('justification');
    expect(node.outcome?.type).toBe('finished');
  });
});

describe('the committee encryption-key session (purpose encryption, t = f + 1)', () => {
  it('has its own session id; a signing session keeps the id of before purposes existed', () => {
    for (const n of [1, 4, 7]) {
      const signing = sessionConfig(n, committeeSize(n).quorum).config;
      const encryption = { ...signing, threshold: encryptionThreshold(n), purpose: 'encryption' as const };
      expect(toHex(dkgSessionId({ ...signing, purpose: 'signing' }))).toBe(toHex(dkgSessionId(signing)));
      expect(toHex(dkgSessionId(encryption)), `n = ${n}`).not.toBe(toHex(dkgSessionId(signing)));
      // Equal thresholds (n = 1: both are 1; any n with the threshold forced equal): only the tag differs.
      const sameThreshold = { ...signing, purpose: 'encryption' as const };
      expect(toHex(dkgSessionId(sameThreshold)), `n = ${n}`).not.toBe(toHex(dkgSessionId(signing)));
    }
    expect([encryptionThreshold(1), committeeSize(1).quorum]).toEqual([1, 1]);
  });

  it('a session of n = 1 (both thresholds 1) gives a key other than the signing one from the same randomness', () => {
    const signing = new Network(1, 1, {});
    const encryption = new Network(1, encryptionThreshold(1), {}, 'encryption');
    signing.run();
    encryption.run();
    const signingKey = expectAgreement(signing, {}).groupPublicKey;
    const encryptionKey = expectAgreement(encryption, {}).groupPublicKey;
    expect(toHex(encryptionKey)).not.toBe(toHex(signingKey));
  });

  for (const n of [4, 7]) {
    const { f } = committeeSize(n);
    const t = encryptionThreshold(n);
    it(`at n=${n}, t=${t}: any f+1 shares' partial signatures combine to the key's, and f alone do not`, () => {
      const network = new Network(n, t, {}, 'encryption');
      network.run();
      // expectAgreement recovers from the first and from the last t = f+1 partials.
      const result = expectAgreement(network, {});
      expect(t).toBe(f + 1);
      expect(result.commitments).toHaveLength(f + 1);
      const results = network.honest().map(resultOf);
      const message = new TextEncoder().encode('synod dkg decryption share');
      const partials = results.map((share) => ({
        index: share.shareIndex,
        signature: partialSign(share.shareSecretKey, message),
      }));
      const middle = partials.slice(1, 2 + f);
      expect(middle).toHaveLength(f + 1);
      expect(verifyGroupSignature(result.groupPublicKey, message, recoverGroupSignature(middle, t))).toBe(
        true,
      );
      // f partials interpolate a degree f−1 polynomial: not the key's signature (and n = 4 has f = 1).
      const forged = recoverGroupSignature(partials.slice(0, f), f);
      expect(verifyGroupSignature(result.groupPublicKey, message, forged)).toBe(false);
    });
  }

  it('tolerates f withholding dealers at n=7 (t = 3: four honest dealers qualify)', () => {
    const network = new Network(
      7,
      encryptionThreshold(7),
      { 2: { kind: 'withholder' }, 5: { kind: 'withholder' } },
      'encryption',
    );
    network.run();
    expectAgreement(network, { 2: 'MISSING_DEAL', 5: 'MISSING_DEAL' });
  });

  it('does not accept the signing session’s messages (same committee and nonce)', () => {
    const signing = sessionConfig(4, 3);
    const encryption = sessionConfig(4, 2, 'nonce', 'encryption');
    const secrets = (index: number) => ({
      index,
      signingSecretKey: signing.keys[index]!.signingSecretKey,
      encryptionSecretKey: signing.keys[index]!.encryptionSecretKey,
      randomness: randomnessOf(index),
    });
    const receiver = dkgInit(encryption.config, secrets(0)).state;
    const { outputs } = dkgInit(signing.config, secrets(1));
    const deal = outputs.find((output) => output.type === 'broadcast');
    if (deal?.type !== 'broadcast' || deal.message.type !== 'deal') throw new Error('expected a deal');
    const rejected = dkgStep(receiver, deal.message).outputs;
    expect(rejected).toEqual([{ type: 'rejected', code: 'WRONG_SESSION', senderIndex: 1 }]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('DKG message authentication and replay', () => {
  function freshParticipant(config: DkgConfig, keys: DkgKeyPair[], index: number) {
    return dkgInit(config, {
      index,
      signingSecretKey: keys[index]!.signingSecretKey,
      encryptionSecretKey: keys[index]!.encryptionSecretKey,
      randomness: randomnessOf(index),
    });
  }

  function dealOf(outputs: readonly DkgOutput[]): DkgDeal {
    const output = outputs.find((o) => o.type === 'broadcast' && o.message.type === 'deal');
    return ((output as { message: { deal: DkgDeal } }).message as { deal: DkgDeal }).deal;
  }

  function rejectionOf(state: DkgState, input: DkgInput): DkgRejectCode | undefined {
    const rejected = dkgStep(state, input).outputs.find((output) => output.type === 'rejected');
    return rejected?.type === 'rejected' ? rejected.code : undefined;
  }

  const sessionA = sessionConfig(4, 3, 'session A');
  const sessionB = sessionConfig(4, 3, 'session B');
  const receiver = freshParticipant(sessionA.config, sessionA.keys, 0).state;
  const dealA = dealOf(freshParticipant(sessionA.config, sessionA.keys, 1).outputs);
  const dealB = dealOf(freshParticipant(sessionB.config, sessionB.keys, 1).outputs);

  it('accepts a deal of its own session', () => {
    const { state, outputs } = dkgStep(receiver, { type: 'deal', deal: dealA });
    expect(outputs).toEqual([]);
    expect(state.deals.has(1)).toBe(true);
    expect(receiver.deals.has(1)).toBe(false); // the input state is untouched
  });

  it('rejects a deal from another session (same participants, another nonce)', () => {
    expect(rejectionOf(receiver, { type: 'deal', deal: dealB })).toBe('WRONG_SESSION');
  });

  it('rejects another session’s deal relabelled with this session id: the signature covers it', () => {
    expect(rejectionOf(receiver, { type: 'deal', deal: { ...dealB, sessionId: dealA.sessionId } })).toBe(
      'BAD_SIGNATURE',
    );
  });

  it('rejects a deal that names another dealer than its signer', () => {
    expect(rejectionOf(receiver, { type: 'deal', deal: { ...dealA, dealerIndex: 2 } })).toBe('BAD_SIGNATURE');
  });

  it('rejects a replayed deal as a duplicate and an out-of-committee dealer as unknown', () => {
    const { state } = dkgStep(receiver, { type: 'deal', deal: dealA });
    expect(rejectionOf(state, { type: 'deal', deal: dealA })).toBe('DUPLICATE');
    expect(rejectionOf(receiver, { type: 'deal', deal: { ...dealA, dealerIndex: 4 } })).toBe(
      'UNKNOWN_SENDER',
    );
  });

  it('rejects a first deal that arrives after the deal phase as late', () => {
    const { state } = dkgStep(receiver, { type: 'phaseTimeout', phase: 'deal' });
    expect(state.phase).toBe('response');
    expect(rejectionOf(state, { type: 'deal', deal: dealA })).toBe('LATE');
  });

  it('rejects responses and justifications from another session, and tampered ones', () => {
    const responder = freshParticipant(sessionB.config, sessionB.keys, 2).state;
    const { outputs } = dkgStep(responder, { type: 'phaseTimeout' });
    const response = outputs.find((o) => o.type === 'broadcast')!;
    expect(response.type === 'broadcast' && response.message.type).toBe('response');
    const input = (response as { message: DkgMessage }).message as DkgInput;
    expect(rejectionOf(receiver, input)).toBe('WRONG_SESSION');
    if (input.type !== 'response') throw new Error('expected a response');
    const relabelled = { ...input.response, sessionId: dealA.sessionId };
    expect(rejectionOf(receiver, { type: 'response', response: relabelled })).toBe('BAD_SIGNATURE');
    const justification = {
      sessionId: dealB.sessionId,
      dealerIndex: 2,
      revealedShares: [],
      signature: new Uint8Array(64),
    };
    expect(rejectionOf(receiver, { type: 'justification', justification })).toBe('WRONG_SESSION');
    expect(
      rejectionOf(receiver, {
        type: 'justification',
        justification: { ...justification, sessionId: dealA.sessionId },
      }),
    ).toBe('BAD_SIGNATURE');
  });

  it('rejects malformed messages instead of throwing', () => {
    expect(rejectionOf(receiver, { type: 'deal', deal: { ...dealA, signature: new Uint8Array(3) } })).toBe(
      'MALFORMED',
    );
    const unsorted = {
      sessionId: dealA.sessionId,
      responderIndex: 1,
      complaints: [2, 1],
      signature: new Uint8Array(64),
    };
    expect(rejectionOf(receiver, { type: 'response', response: unsorted })).toBe('MALFORMED');
    const outOfRange = { ...unsorted, complaints: [9] };
    expect(rejectionOf(receiver, { type: 'response', response: outOfRange })).toBe('MALFORMED');
  });

  it('rejects everything as late once finished', () => {
    const network = new Network(4, 3, {});
    network.run();
    const finished = network.nodes[0]!.state;
    expect(finished.phase).toBe('finished');
    expect(rejectionOf(finished, { type: 'deal', deal: dealA })).toBe('LATE');
    expect(dkgStep(finished, { type: 'phaseTimeout' }).outputs).toEqual([]);
  });

  it('reports a second, different deal from one dealer as equivocation evidence, even after the deal phase', () => {
    const { state: holding } = dkgStep(receiver, { type: 'deal', deal: dealA });
    const { state: responding } = dkgStep(holding, { type: 'phaseTimeout', phase: 'deal' });
    const other = buildDeal({
      sessionId: dealA.sessionId,
      dealerIndex: 1,
      participants: sessionA.config.participants,
      commitments: dealA.commitments,
      shares: [1n, 2n, 3n, 4n],
      ephemeralSecretKey: ephemeralSecretKey(randomnessOf(1), dealA.sessionId),
      signingSecretKey: sessionA.keys[1]!.signingSecretKey,
    });
    const { state, outputs } = dkgStep(responding, { type: 'deal', deal: other });
    expect(outputs).toEqual([{ type: 'equivocation', dealerIndex: 1, first: dealA, second: other }]);
    expect(state.equivocators.has(1)).toBe(true);
    expect(rejectionOf(state, { type: 'deal', deal: other })).toBe('DUPLICATE');
  });

  it('ignores a timeout for a phase that is already over', () => {
    const { state, outputs } = dkgStep(receiver, { type: 'phaseTimeout', phase: 'justification' });
    expect(outputs).toEqual([]);
    expect(state).toBe(receiver);
  });

  it('binds each encrypted share to its session, dealer and recipient', () => {
    const { keys } = sessionA;
    const sessionId = dkgSessionId(sessionA.config);
    const ephemeral = ephemeralSecretKey(randomnessOf(1), sessionId);
    const share = scalarToBytes(12345n);
    const context = { sessionId, dealerIndex: 1, recipientIndex: 2 };
    const ephemeralPublicKey = dealA.ephemeralPublicKey;
    const ciphertext = encryptShare(
      share,
      { secretKey: ephemeral, publicKey: ephemeralPublicKey },
      keys[2]!.encryptionPublicKey,
      context,
    );
    const recipient = { secretKey: keys[2]!.encryptionSecretKey, publicKey: keys[2]!.encryptionPublicKey };
    expect(decryptShare(ciphertext, ephemeralPublicKey, recipient, context)).toEqual(share);
    for (const wrong of [
      { ...context, sessionId: dkgSessionId(sessionB.config) },
      { ...context, dealerIndex: 3 },
      { ...context, recipientIndex: 3 },
    ]) {
      expect(decryptShare(ciphertext, ephemeralPublicKey, recipient, wrong)).toBeUndefined();
    }
    const other = { secretKey: keys[3]!.encryptionSecretKey, publicKey: keys[3]!.encryptionPublicKey };
    expect(decryptShare(ciphertext, ephemeralPublicKey, other, context)).toBeUndefined();
    const tampered = ciphertext.slice();
    tampered[0]! ^= 1;
    expect(decryptShare(tampered, ephemeralPublicKey, recipient, context)).toBeUndefined();
  });

  it('refuses unusable configurations with INVALID_CONFIG', () => {
    const { config, keys } = sessionA;
    const secrets = {
      index: 0,
      signingSecretKey: keys[0]!.signingSecretKey,
      encryptionSecretKey: keys[0]!.encryptionSecretKey,
      randomness: randomnessOf(0),
    };
    const cases: [string, DkgConfig, typeof secrets][] = [
      ['threshold 0', { ...config, threshold: 0 }, secrets],
      ['threshold above n', { ...config, threshold: 5 }, secrets],
      ['short nonce', { ...config, nonce: new Uint8Array(16) }, secrets],
      [
        'duplicate participant',
        { ...config, participants: [...config.participants.slice(0, 3), config.participants[0]!] },
        secrets,
      ],
      [
        'small-order encryption key',
        {
          ...config,
          participants: [
            { ...config.participants[0]!, encryptionPublicKey: new Uint8Array(32) },
            ...config.participants.slice(1),
          ],
        },
        secrets,
      ],
      ['index out of range', config, { ...secrets, index: 4 }],
      ['someone else’s signing key', config, { ...secrets, signingSecretKey: keys[1]!.signingSecretKey }],
      ['short randomness', config, { ...secrets, randomness: new Uint8Array(16) }],
      ['unknown purpose', { ...config, purpose: 'decryption' as DkgPurpose }, secrets],
    ];
    for (const [name, badConfig, badSecrets] of cases) {
      let error: unknown;
      try {
        dkgInit(badConfig, badSecrets);
      } catch (caught) {
        error = caught;
      }
      expect(error, name).toBeInstanceOf(DkgError);
      expect((error as DkgError).code, name).toBe('INVALID_CONFIG');
    }
  });
});
