import type { BlockHeader, Hex, Transaction } from '@synod/protocol';
import { committeeSize, namespaceEntries, namespaceRoot } from '@synod/protocol';
import type { RecordedCommit, RecordedExtension, Recorder } from './recorder.ts';
import type { Scenario } from './scenario.ts';
import { isAuthenticTransaction, type TransactionPool } from './workload.ts';

/**
 * The properties every run must satisfy (docs/consensus.md "Properties"). Each checker returns
 * human-readable violations; a run is good when every list is empty.
 */

export interface CheckResult {
  heightsFinalized: number;
  /**
   * Agreement, certificate validity, validity of the finalized transactions, each header's
   * namespace commitment, honest equivocation, write-ahead.
   */
  safetyViolations: string[];
  fairnessViolations: string[];
  censorshipViolations: string[];
  priceBoundViolations: string[];
  livenessFailures: string[];
}

export interface CheckInput {
  scenario: Scenario;
  recorder: Recorder;
  honestValidators: number[];
  pool: TransactionPool;
  livenessReached: boolean;
}

interface FinalizedTx {
  height: number;
  position: number;
}

/** A finalized block as the namespace check reads it: its header and its transactions in block order. */
export interface NamespaceCheckBlock {
  header: BlockHeader;
  transactions: readonly { tx: Transaction; txId: Hex }[];
}

/**
 * Namespace commitment (docs/protocol.md "Namespaces"): the namespaceRoot and namespaceCount of
 * every finalized header, heights 1, 2, … in order, equal the tree over its transactions with
 * each namespace's sequenceStart the count of its transactions in all earlier blocks. Returns
 * one violation per mismatching field.
 */
export function checkNamespaceCommitments(blocks: readonly NamespaceCheckBlock[]): string[] {
  const violations: string[] = [];
  const sequences = new Map<Hex, number>();
  for (const { header, transactions } of blocks) {
    const entries = namespaceEntries(transactions, (namespace) => sequences.get(namespace) ?? 0);
    const root = namespaceRoot(entries);
    if (header.namespaceCount !== entries.length) {
      violations.push(
        `namespace: height ${header.height} namespaceCount ${header.namespaceCount}, its transactions have ${entries.length} namespaces`,
      );
    }
    if (header.namespaceRoot !== root) {
      violations.push(
        `namespace: height ${header.height} namespaceRoot ${header.namespaceRoot}, its transactions and the sequences before it give ${root}`,
      );
    }
    for (const entry of entries) sequences.set(entry.namespace, entry.sequenceStart + entry.count);
  }
  return violations;
}

export function checkRun(input: CheckInput): CheckResult {
  const { recorder, honestValidators, scenario } = input;
  const safety: string[] = [];

  // Agreement: one block per height across honest nodes; every certificate verifies.
  const chain = new Map<number, RecordedCommit>();
  for (const validator of honestValidators) {
    for (const commit of recorder.commits.get(validator) ?? []) {
      const height = commit.commit.height;
      const known = chain.get(height);
      if (known === undefined) chain.set(height, commit);
      else if (known.commit.blockId !== commit.commit.blockId) {
        safety.push(
          `agreement: height ${height}: v${known.validatorIndex} ${known.commit.blockId} vs v${validator} ${commit.commit.blockId}`,
        );
      }
      if (!commit.certificateValid)
        safety.push(`certificate: v${validator} height ${height} does not verify`);
    }
  }
  // Certificate-level agreement: no two blocks of one height may each gather, in some round,
  // enough precommits that the byzantine validators' own signatures complete a certificate.
  // L1 accepts any valid certificate, so this is agreement as the settlement layer sees it.
  const byzantineCount = scenario.byzantine.length;
  const { quorum } = committeeSize(scenario.validatorCount);
  const precommitCounts = new Map<string, number>();
  for (const [key, blockId] of recorder.honestVotes) {
    const [, height, round, kind] = key.split('/');
    if (kind !== '2' || /^0x0+$/.test(blockId)) continue;
    const slot = `${height}/${round}/${blockId}`;
    precommitCounts.set(slot, (precommitCounts.get(slot) ?? 0) + 1);
  }
  const certifiable = new Map<string, Set<string>>();
  for (const [slot, count] of precommitCounts) {
    if (count + byzantineCount < quorum) continue;
    const [height, , blockId] = slot.split('/');
    const blocks = certifiable.get(height!) ?? new Set<string>();
    blocks.add(blockId!);
    certifiable.set(height!, blocks);
  }
  for (const [height, blocks] of certifiable) {
    if (blocks.size > 1)
      safety.push(
        `agreement: conflicting certificates possible at height ${height}: ${[...blocks].join(', ')}`,
      );
  }
  for (const line of recorder.honestEquivocations) safety.push(`honest equivocation: ${line}`);
  for (const line of recorder.persistBeforeSendFailures) safety.push(`vote sent before persisted: ${line}`);
  for (const { evidence } of recorder.evidence) {
    if (honestValidators.includes(evidence.first.validatorIndex)) {
      safety.push(`evidence against honest v${evidence.first.validatorIndex} at h${evidence.first.height}`);
    }
  }
  const heights = [...chain.keys()].sort((a, b) => a - b);
  const topHeight = heights.length === 0 ? 0 : heights[heights.length - 1]!;
  for (let h = 1; h <= topHeight; h++) {
    if (!chain.has(h)) safety.push(`gap: no honest commit at height ${h} below ${topHeight}`);
  }

  // Validity: authentic, included once, each sender's nonces 0, 1, 2, … in order.
  const finalized = new Map<Hex, FinalizedTx>();
  const nextNonce = new Map<string, bigint>();
  for (const height of heights) {
    const commit = chain.get(height)!;
    commit.transactionIds.forEach((txId, position) => {
      const entry = input.pool.byId.get(txId);
      if (entry === undefined || !isAuthenticTransaction(entry.tx, txId)) {
        safety.push(`validity: unknown or forged tx ${txId} at height ${height}`);
        return;
      }
      if (finalized.has(txId)) safety.push(`validity: tx ${txId} included twice (height ${height})`);
      finalized.set(txId, { height, position });
      const expected = nextNonce.get(entry.sender) ?? 0n;
      if (entry.tx.nonce !== expected) {
        safety.push(
          `validity: sender ${entry.sender} nonce ${entry.tx.nonce} at height ${height}, expected ${expected}`,
        );
      }
      nextNonce.set(entry.sender, entry.tx.nonce + 1n);
    });
  }

  // Namespace commitment of every finalized header, up to the first gap or unknown transaction
  // (both already violations above; past them the running sequences would be unknown).
  const namespaceBlocks: NamespaceCheckBlock[] = [];
  for (let h = 1; h <= topHeight; h++) {
    const commit = chain.get(h);
    if (commit === undefined) break;
    const entries = commit.transactionIds.map((txId) => input.pool.byId.get(txId));
    if (entries.some((entry) => entry === undefined)) break;
    namespaceBlocks.push({
      header: commit.commit.proposal.header,
      transactions: entries.map((entry) => ({ tx: entry!.tx, txId: entry!.txId })),
    });
  }
  safety.push(...checkNamespaceCommitments(namespaceBlocks));

  const honestSet = new Set(honestValidators);
  const honestExtensionsAt = (height: number): RecordedExtension[] => {
    const commit = chain.get(height);
    if (commit === undefined) return [];
    return recorder.extensions.filter(
      (extension) =>
        extension.height === height &&
        extension.blockId === commit.commit.blockId &&
        honestSet.has(extension.validatorIndex),
    );
  };

  // Censorship resistance: listed by every honest extension of the commit of h ⇒ final by h+1.
  const censorship: string[] = [];
  const predecessorsFinalizedBy = (txId: Hex, height: number): boolean => {
    const entry = input.pool.byId.get(txId)!;
    const chainOfSender = input.pool.bySender[entry.senderIndex]!;
    for (let nonce = 0; nonce < Number(entry.tx.nonce); nonce++) {
      const earlier = finalized.get(chainOfSender[nonce]!.txId);
      if (earlier === undefined || earlier.height > height) return false;
    }
    return true;
  };
  for (const height of heights) {
    if (!chain.has(height + 1)) continue;
    const extensions = honestExtensionsAt(height);
    if (extensions.length === 0) continue;
    for (const txId of extensions[0]!.txIds) {
      if (!extensions.every((extension) => extension.txIds.has(txId))) continue;
      const done = finalized.get(txId);
      if (done !== undefined && done.height <= height + 1) continue;
      if (!input.pool.byId.has(txId) || !predecessorsFinalizedBy(txId, height + 1)) continue;
      censorship.push(
        `censorship: tx ${txId} listed by every honest extension at height ${height}, not final by ${height + 1}`,
      );
    }
  }

  // Receive-order fairness: every honest node saw a (and its sender's earlier nonces) ≥ Δ before
  // any honest node saw b ⇒ a is final before b, or in b's block ahead of it.
  const fairness: string[] = [];
  const honestSkews = honestValidators.map((validator) => scenario.clockSkewMs[validator]!);
  const skewSpreadMs = honestSkews.length === 0 ? 0 : Math.max(...honestSkews) - Math.min(...honestSkews);
  const seenBy = honestValidators.map((validator) => recorder.seen.get(validator) ?? new Map<Hex, number>());
  const latestHonestSeen = (txId: Hex): number => {
    let latest = Number.NEGATIVE_INFINITY;
    for (const seen of seenBy) latest = Math.max(latest, seen.get(txId) ?? Number.POSITIVE_INFINITY);
    return latest;
  };
  const earliestHonestSeen = (txId: Hex): number => {
    let earliest = Number.POSITIVE_INFINITY;
    for (const seen of seenBy) earliest = Math.min(earliest, seen.get(txId) ?? Number.POSITIVE_INFINITY);
    return earliest;
  };
  const submittedIds = scenario.submissions.map(
    (submission) => input.pool.bySender[submission.senderIndex]![submission.nonce]!.txId,
  );
  // Latest honest sighting over a transaction and its sender's earlier nonces (which it must wait for).
  const latestWithPredecessors = new Map<Hex, number>();
  for (const txId of submittedIds) {
    const entry = input.pool.byId.get(txId)!;
    let latest = Number.NEGATIVE_INFINITY;
    for (let nonce = 0; nonce <= Number(entry.tx.nonce); nonce++) {
      latest = Math.max(latest, latestHonestSeen(input.pool.bySender[entry.senderIndex]![nonce]!.txId));
    }
    latestWithPredecessors.set(txId, latest);
  }
  const spreadMsAt = new Map<number, number>();
  const deltaMsFor = (height: number): number => {
    let spread = spreadMsAt.get(height);
    if (spread === undefined) {
      const times = honestExtensionsAt(height).map((extension) => extension.atMs);
      spread = times.length === 0 ? 0 : Math.max(...times) - Math.min(...times);
      spreadMsAt.set(height, spread);
    }
    return skewSpreadMs + spread + 1;
  };
  for (const b of submittedIds) {
    const placeB = finalized.get(b);
    if (placeB === undefined) continue;
    const earliestB = earliestHonestSeen(b);
    // b final, yet no honest node holds a receipt time for it: every one that had it lost it in
    // a restart (a whole-committee restart; b was final from the lists signed before it). The
    // premise compares receipt times; with none left for b there is nothing to compare.
    if (!Number.isFinite(earliestB)) continue;
    const deltaMs = deltaMsFor(placeB.height - 1);
    for (const a of submittedIds) {
      if (a === b) continue;
      if (input.pool.byId.get(a)!.senderIndex === input.pool.byId.get(b)!.senderIndex) continue;
      if (!(latestWithPredecessors.get(a)! + deltaMs <= earliestB)) continue;
      const placeA = finalized.get(a);
      const ahead =
        placeA !== undefined &&
        (placeA.height < placeB.height ||
          (placeA.height === placeB.height && placeA.position < placeB.position));
      if (!ahead) {
        fairness.push(
          `fairness: ${a} seen by all honest ≥ ${deltaMs} ms before ${b}, but ${placeA === undefined ? 'not final' : `at ${placeA.height}/${placeA.position}`} vs ${placeB.height}/${placeB.position}`,
        );
      }
    }
  }

  // Price bound: each finalized price of block h+1 lies within the honest observations of h.
  const priceBound: string[] = [];
  for (const height of heights) {
    const commit = chain.get(height)!;
    if (commit.prices.length === 0) continue;
    const honestObservations = honestExtensionsAt(height - 1);
    for (const price of commit.prices) {
      const observed = honestObservations.flatMap((extension) =>
        extension.prices.filter((observation) => observation.feedId === price.feedId).map((o) => o.price),
      );
      if (observed.length === 0) continue;
      // Bigints: Math.min/max do not apply.
      // biome-ignore lint/complexity/useMathMinMax: bigint operands
      const low = observed.reduce((x, y) => (y < x ? y : x));
      // biome-ignore lint/complexity/useMathMinMax: bigint operands
      const high = observed.reduce((x, y) => (y > x ? y : x));
      if (price.answer < low || price.answer > high) {
        priceBound.push(
          `price: feed ${price.feedId} at height ${height} = ${price.answer}, honest range [${low}, ${high}]`,
        );
      }
    }
  }

  const liveness = input.livenessReached
    ? []
    : [
        `liveness: honest nodes did not all finalize 2 new heights within ${scenario.livenessBoundMs} ms of the heal`,
      ];

  return {
    heightsFinalized: topHeight,
    safetyViolations: safety,
    fairnessViolations: fairness,
    censorshipViolations: censorship,
    priceBoundViolations: priceBound,
    livenessFailures: liveness,
  };
}
