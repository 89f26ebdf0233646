import {
  type DecryptionShares,
  decryptionShare,
  type Hex,
  type Proposal,
  revealedTransaction,
  type SyncedBlock,
  transactionId,
} from '@synod/protocol';
import {
  censorExtensions,
  censorInclusionList,
  conflictingVote,
  frontRunInclusionList,
  frontRunOrder,
  inflateFeedPrices,
  inflateObservations,
} from '../behaviour/actions.ts';
import type { BehaviourContext, NodeBehaviour } from '../behaviour/types.ts';
import { NIL_BLOCK_ID } from '../consensus/core.ts';
import { createEnvelopeOpener, type EnvelopeOpener, type PendingEnvelope } from '../consensus/reveals.ts';
import type { ConsensusCrypto, ConsensusMessage } from '../consensus/types.ts';
import type { ConsensusDriver } from '../driver/driver.ts';
import type { EpochEncryption } from '../driver/types.ts';
import type { Random } from './random.ts';
import type { ByzantineBehaviour } from './scenario.ts';
import { SIM_DOMAIN, type TransactionPool } from './workload.ts';

/**
 * The simulator's byzantine actors (docs/consensus.md "Simulator"). Each runs the node's own
 * driver with the test-only hooks of behaviour/types.ts (what it signs and proposes, built from
 * the moves of behaviour/actions.ts that the testnet's strategies use too), plus what only a
 * simulated network allows: a different message for each recipient, and lies to a peer that
 * asks it for blocks. `silent` runs no process at all; `twins` are two honest processes with one
 * key, each talking to half the committee (sim/validator.ts).
 */
export interface SimActor {
  /** Hooks of its driver. */
  readonly behaviour?: NodeBehaviour;
  /** What it sends validator `to` in place of a message its driver publishes. */
  rewrite?(message: ConsensusMessage, to: number): ConsensusMessage;
  /** What it answers a block request with, in place of its stored blocks. */
  serveBlocks?(blocks: SyncedBlock[]): SyncedBlock[];
  /** Every consensus message its process receives or sends. */
  observe?(message: ConsensusMessage): void;
  /** Every DecryptionShares message its process receives or sends (a front-runner collects them). */
  observeShares?(message: DecryptionShares): void;
  /** Its process finalized `height`. */
  committed?(height: number): void;
  /** The envelope opener its driver is handed, wrapped (a front-runner reads what its driver decrypts). */
  wrapOpener?(opener: EnvelopeOpener): EnvelopeOpener;
}

/** What a front-runner reads of its own process in an encryption run (sim/validator.ts). */
export interface RevealTap {
  /** Its driver now (undefined while the process is down). */
  driver(): ConsensusDriver | undefined;
  /** It has read the plaintext `plaintextTxId`: it submits a transaction of its own in reaction. */
  react(plaintextTxId: Hex): void;
}

export interface ActorOptions {
  validatorIndex: number;
  validatorCount: number;
  crypto: ConsensusCrypto;
  pool: TransactionPool;
  /** The actor's own stream (a censor's coin). */
  random: Random;
  /** Its wall clock (for the conflicting votes it signs). */
  nowMs: () => number;
  /** In encryption runs: how a front-runner reads plaintexts and reacts to them. */
  reveals?: RevealTap;
}

export function createActor(behaviour: ByzantineBehaviour, options: ActorOptions): SimActor {
  const { validatorIndex, validatorCount, crypto, pool, random } = options;
  // Byzantine actors "own" the transactions of even-numbered senders in the pool, and a
  // front-runner's reactions.
  const owns = (txId: Hex): boolean => {
    const entry = pool.byId.get(txId);
    return entry !== undefined && (entry.senderIndex % 2 === 0 || entry.reaction === true);
  };
  const conflicting = (message: Extract<ConsensusMessage, { type: 'vote' }>): ConsensusMessage => ({
    type: 'vote',
    vote: conflictingVote(message.vote, { crypto, validatorIndex, nowMs: options.nowMs() }),
  });
  switch (behaviour) {
    case 'silent':
    case 'twins':
      return {};
    case 'equivocator':
      return {
        // Conflicting votes to half the peers.
        rewrite: (message, to) => (message.type === 'vote' && to % 2 === 1 ? conflicting(message) : message),
      };
    case 'conflictingProposer':
      return {
        rewrite(message, to) {
          if (message.type === 'proposal' && to % 2 === 1)
            return {
              type: 'proposal',
              proposal: conflictingProposal(message.proposal, validatorCount, crypto),
            };
          // Its votes for a block go to one peer only, nil-for-phantom to the rest, so that one
          // honest node can decide while the others stay undecided but locked (what the lock
          // rule protects against).
          if (
            message.type === 'vote' &&
            message.vote.blockId !== NIL_BLOCK_ID &&
            to !== (validatorIndex + 1) % validatorCount
          ) {
            return conflicting(message);
          }
          return message;
        },
      };
    case 'censor':
      return {
        behaviour: {
          name: behaviour,
          // Its extensions leave the victims (odd senders) out.
          extendVote: (payload) => ({
            ...payload,
            inclusionList: censorInclusionList(payload.inclusionList, owns),
          }),
          // Drops the extensions that list a victim's transaction, down to the 2f+1 minimum.
          proposalExtensions: (extensions, height) =>
            height > 1 ? censorExtensions(extensions, owns, validatorCount) : [...extensions],
          // Every other proposal or so also drops the victims' transactions (invalid content).
          proposedBlock: (block) =>
            random.chance(0.5) ? { ...block, transactionIds: block.transactionIds.filter(owns) } : block,
        },
      };
    case 'frontRunner':
      return {
        // In encryption runs it also reads each plaintext as soon as its process can, and reacts.
        ...(options.reveals === undefined ? {} : plaintextReader(options.reveals)),
        behaviour: {
          name: behaviour,
          // Early times for its own transactions, late ones for everyone else's.
          extendVote: (payload, _height, context: BehaviourContext) => ({
            ...payload,
            inclusionList: frontRunInclusionList(payload.inclusionList, owns, context.nowMs()),
          }),
          proposedBlock: (block) => ({ ...block, transactionIds: frontRunOrder(block.transactionIds, owns) }),
        },
      };
    case 'priceManipulator':
      return {
        behaviour: {
          name: behaviour,
          // +4%: inside the breaker's bound, outside the honest range.
          extendVote: (payload) => ({ ...payload, prices: inflateObservations(payload.prices) }),
          proposedBlock: (block) => ({ ...block, prices: inflateFeedPrices(block.prices) }),
        },
      };
    case 'invalidSigner':
      return {
        behaviour: {
          name: behaviour,
          extendVote: (payload) => ({ ...payload, prices: inflateObservations(payload.prices) }),
          // As proposer, forges the other validators' extensions with inflated prices (their
          // signatures no longer match).
          proposalExtensions: (extensions, height) =>
            height > 1
              ? extensions.map((extension) =>
                  extension.validatorIndex === validatorIndex
                    ? extension
                    : { ...extension, prices: inflateObservations(extension.prices) },
                )
              : [...extensions],
        },
        // Bad vote signatures to half the peers.
        rewrite: (message, to) =>
          message.type === 'vote' && to % 2 === 0
            ? { type: 'vote', vote: { ...message.vote, signature: garbageSignature(message.vote.signature) } }
            : message,
        // A peer catching up from it gets blocks that chain but are not the certified ones: the
        // header's time moved by 1 ms (another block id), under the real block's certificate.
        serveBlocks: (blocks) =>
          blocks.map((synced) => ({
            ...synced,
            certified: {
              ...synced.certified,
              block: {
                ...synced.certified.block,
                header: {
                  ...synced.certified.block.header,
                  timestampMs: synced.certified.block.header.timestampMs + 1,
                },
              },
            },
          })),
      };
  }
}

/**
 * A front-runner's eyes on encrypted transactions: the plaintexts of block h's envelopes, the
 * moment its process can first decrypt them. It collects every decryption share that reaches it
 * (the extensions of the votes it receives and sends, and of the proposals), adds its own share
 * (which it may compute whenever it likes), and opens the envelopes as soon as it has the
 * threshold; and it reads whatever its driver decrypts (its commit, a proposal's content). Each
 * plaintext read once is reacted to once. The encryption checker asserts the reaction lands
 * after the plaintext.
 */
function plaintextReader(tap: RevealTap): Pick<SimActor, 'observeShares' | 'committed' | 'wrapOpener'> {
  /** Envelopes' height → validator → its decryption shares of them. */
  const collected = new Map<number, Map<number, readonly Uint8Array[]>>();
  const read = new Set<Hex>();
  const openers = new WeakMap<EpochEncryption, EnvelopeOpener>();

  const learn = (envelopes: readonly PendingEnvelope[], results: ReturnType<EnvelopeOpener['open']>) => {
    if (results === undefined) return;
    for (const [i, result] of results.entries()) {
      const envelope = envelopes[i]!;
      if (!result.ok || read.has(envelope.txId)) continue;
      read.add(envelope.txId);
      const opened = revealedTransaction(envelope.tx, envelope.envelope.namespace, result.message);
      if (opened.ok) tap.react(transactionId(opened.transaction, SIM_DOMAIN));
    }
  };

  /** Tries to open the envelopes of block `height` with the shares collected and its own (any time it likes). */
  const attempt = (height: number) => {
    const driver = tap.driver();
    if (driver === undefined) return;
    const envelopes = driver.chain.envelopes.get(height);
    if (envelopes === undefined || envelopes.every((envelope) => read.has(envelope.txId))) return;
    const committee = driver.committeeAt(height + 2);
    const encryption = committee.encryption;
    if (encryption === undefined) return;
    const shares = new Map(
      [...(collected.get(height) ?? new Map<number, readonly Uint8Array[]>())].filter(
        ([validatorIndex, list]) =>
          validatorIndex !== committee.validatorIndex && list.length === envelopes.length,
      ),
    );
    if (committee.validatorIndex >= 0 && encryption.shareSecretKey !== undefined) {
      shares.set(
        committee.validatorIndex,
        envelopes.map((envelope) => decryptionShare(encryption.shareSecretKey!, envelope.identity)),
      );
    }
    if (shares.size < encryption.threshold) return;
    // Its own opener: the run's shared one caches what honest nodes opened, with any shares.
    let opener = openers.get(encryption);
    if (opener === undefined) {
      opener = createEnvelopeOpener(encryption);
      openers.set(encryption, opener);
    }
    learn(envelopes, opener.open(envelopes, shares));
  };

  return {
    observeShares(message) {
      let byValidator = collected.get(message.height);
      if (byValidator === undefined) {
        byValidator = new Map();
        collected.set(message.height, byValidator);
      }
      if (byValidator.has(message.validatorIndex)) return;
      byValidator.set(message.validatorIndex, message.shares);
      attempt(message.height);
    },
    committed(height) {
      for (const known of collected.keys()) if (known < height - 2) collected.delete(known);
      attempt(height - 1);
      attempt(height);
    },
    wrapOpener: (opener) => ({
      open(envelopes, extensions) {
        const results = opener.open(envelopes, extensions);
        learn(envelopes, results);
        return results;
      },
    }),
  };
}

/** Another valid block for the same slot (a different proposer index in the header), always fresh. */
function conflictingProposal(proposal: Proposal, validatorCount: number, crypto: ConsensusCrypto): Proposal {
  const header = { ...proposal.header, proposerIndex: (proposal.header.proposerIndex + 1) % validatorCount };
  const unsigned = { ...proposal, header, validRound: -1, validRoundCertificate: null };
  return { ...unsigned, signature: crypto.signProposal(unsigned) };
}

function garbageSignature(signature: Uint8Array): Uint8Array {
  const out = new Uint8Array(signature);
  out[0] = (out[0]! ^ 0xff) & 0xff;
  out[95] = (out[95]! ^ 0x5a) & 0xff;
  return out;
}
