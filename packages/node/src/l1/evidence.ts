import { equivocationRegistryAbi } from '@synod/contracts/abi';
import {
  type Evidence,
  g1ToEip2537,
  g2ToEip2537,
  type Hex,
  type TransitionRecord,
  toLowerHex,
} from '@synod/protocol';
import type { Logger } from 'pino';
import { type Address, concatHex, encodeAbiParameters, keccak256, type PublicClient } from 'viem';
import { revertErrorName } from './errors.ts';
import type { L1Failure, L1Job, L1JobContext } from './scheduler.ts';
import type { L1Call } from './sender.ts';

/**
 * The evidence job (issue #18 §3): posts equivocations this node holds to the
 * EquivocationRegistry (docs/contracts.md), `recordEquivocation(epoch, validator, height, round,
 * kind, commitments, first, second)`. One offence per offending validator and epoch is enough to
 * prove it (a slashing module acts on the validator, not on each vote), so the job posts the first
 * one it holds for each validator and keeps the others off L1 (they stay in the store and on
 * synod_getEvidence): a validator equivocating at every height cannot make honest nodes spend
 * 450k gas per height. Every node that holds the evidence may post it; the registry records an
 * offence once (`AlreadyRecorded` is a duplicate, never retried), and the job reads `recorded`
 * first so a node that learns of it late sends nothing.
 */

/** Offences waiting to be posted, at most: a flood of evidence cannot grow memory without bound. */
export const L1_MAX_PENDING_EVIDENCE = 256;
/** Gas limit when it cannot be estimated (two pairings and a G1 MSM: ~450k at n = 4, ~530k at 16). */
const RECORD_EQUIVOCATION_FALLBACK_GAS = 900_000n;

export interface L1EvidenceTarget {
  registry: Address;
  /** The genesis epoch: its commitments were registered at deployment. */
  epoch: number;
  /** The genesis epoch's Feldman commitments as the registry takes them (t × 128-byte EIP-2537 points). */
  commitments: Hex;
  /**
   * The epoch of a height and, for an epoch a reshare installed, its finalized transition record
   * (the driver's committeeAt): its commitments are registered from the record before an offence
   * of that epoch is recorded. Absent: every offence is of the genesis epoch.
   */
  epochAt?: (height: number) => { epoch: number; record?: TransitionRecord | undefined };
}

/** recordEquivocation of an offence, or registerTransition of the epoch it needs first. */
interface EvidenceCall extends L1Call {
  offence: Hex;
  /** Set on a registerTransition call: the epoch it registers. */
  registersEpoch?: number;
}

/** Gas limit of registerTransition when it cannot be estimated (~320k at n = 5). */
const REGISTER_TRANSITION_FALLBACK_GAS = 700_000n;

export class EvidenceJob implements L1Job<EvidenceCall> {
  readonly name = 'evidence';
  readonly #publicClient: PublicClient;
  readonly #target: L1EvidenceTarget;
  readonly #logger: Logger | undefined;
  /** Offence id → evidence, oldest first: at most one per validator. */
  readonly #pending = new Map<Hex, Evidence>();
  /** `epoch/validator` with an offence queued or already on L1 (landed or a duplicate of another node's). */
  readonly #validators = new Set<string>();
  recorded = 0;
  duplicates = 0;
  lastError: L1Failure | undefined;

  constructor(parameters: {
    publicClient: PublicClient;
    target: L1EvidenceTarget;
    context: L1JobContext;
    logger?: Logger | undefined;
  }) {
    this.#publicClient = parameters.publicClient;
    this.#target = parameters.target;
    this.#logger = parameters.logger;
  }

  /** Evidence the node recorded (its own finding or gossip's): queued unless already known. */
  add(evidence: Evidence): void {
    const validator = `${this.#epochOf(evidence.first.height).epoch}/${evidence.first.validatorIndex}`;
    if (this.#validators.has(validator) || this.#pending.size >= L1_MAX_PENDING_EVIDENCE) return;
    this.#validators.add(validator);
    this.#pending.set(this.offenceId(evidence), evidence);
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** The registry's offenceId(epoch, height, round, kind, validator). */
  offenceId({ first }: Evidence): Hex {
    return keccak256(
      encodeAbiParameters(
        [{ type: 'uint64' }, { type: 'uint64' }, { type: 'uint32' }, { type: 'uint8' }, { type: 'uint32' }],
        [
          BigInt(this.#epochOf(first.height).epoch),
          BigInt(first.height),
          first.round,
          first.kind,
          first.validatorIndex,
        ],
      ),
    );
  }

  async plan(): Promise<void> {}

  async next(): Promise<EvidenceCall | undefined> {
    for (const [offence, evidence] of this.#pending) {
      if (await this.#isRecorded(offence)) {
        this.#pending.delete(offence);
        continue;
      }
      const { first, second } = evidence;
      const { epoch, record } = this.#epochOf(first.height);
      let commitments = this.#target.commitments;
      if (epoch !== this.#target.epoch) {
        if (record === undefined) {
          // A later epoch whose record this node does not hold: nothing to prove it with here.
          this.#pending.delete(offence);
          continue;
        }
        commitments = concatHex(record.commitments.map((point) => toLowerHex(g1ToEip2537(point))));
        if (!(await this.#isRegistered(epoch))) {
          return {
            kind: 'registerTransition',
            height: first.height,
            address: this.#target.registry,
            abi: equivocationRegistryAbi,
            functionName: 'registerTransition',
            args: [
              BigInt(epoch),
              record.validatorCount,
              commitments,
              toLowerHex(g2ToEip2537(record.signature)),
            ],
            fallbackGas: REGISTER_TRANSITION_FALLBACK_GAS,
            logFields: { epoch },
            offence,
            registersEpoch: epoch,
          };
        }
      }
      const vote = (v: Evidence['first']) => ({
        blockId: v.blockId,
        signature: toLowerHex(g2ToEip2537(v.signature)),
      });
      return {
        kind: 'recordEquivocation',
        height: first.height,
        address: this.#target.registry,
        abi: equivocationRegistryAbi,
        functionName: 'recordEquivocation',
        args: [
          BigInt(epoch),
          first.validatorIndex,
          BigInt(first.height),
          first.round,
          first.kind,
          commitments,
          vote(first),
          vote(second),
        ],
        fallbackGas: RECORD_EQUIVOCATION_FALLBACK_GAS,
        logFields: { validator: first.validatorIndex, round: first.round, voteKind: first.kind },
        offence,
      };
    }
    return undefined;
  }

  wakeAtMs(): number | undefined {
    return undefined;
  }

  wantsRound(): boolean {
    return this.#pending.size > 0;
  }

  failed(failure: L1Failure): void {
    this.lastError = failure;
  }

  isDuplicateRevert(error: unknown): boolean {
    const name = revertErrorName(error);
    return name === 'AlreadyRecorded' || name === 'CommitmentsAlreadyRegistered';
  }

  async isStillWanted(call: EvidenceCall): Promise<boolean> {
    if (call.registersEpoch !== undefined) return !(await this.#isRegistered(call.registersEpoch));
    return !(await this.#isRecorded(call.offence));
  }

  landed(call: EvidenceCall): void {
    if (call.registersEpoch !== undefined) {
      // The epoch's commitments are on L1 now: the offence itself goes next.
      this.#logger?.info(
        { epoch: call.registersEpoch },
        'epoch commitments registered on L1 from its transition record',
      );
      return;
    }
    this.#pending.delete(call.offence);
    this.recorded += 1;
    this.#logger?.warn({ ...call.logFields, height: call.height }, 'equivocation recorded on L1');
  }

  duplicate(call: EvidenceCall): void {
    if (call.registersEpoch !== undefined) return; // another node registered the epoch
    this.#pending.delete(call.offence);
    this.duplicates += 1;
  }

  async cancelled(call: EvidenceCall): Promise<void> {
    if (call.registersEpoch !== undefined) return;
    if (await this.#isRecorded(call.offence)) this.#pending.delete(call.offence);
  }

  #epochOf(height: number): { epoch: number; record?: TransitionRecord | undefined } {
    return this.#target.epochAt?.(height) ?? { epoch: this.#target.epoch };
  }

  async #isRegistered(epoch: number): Promise<boolean> {
    const hash = await this.#publicClient.readContract({
      address: this.#target.registry,
      abi: equivocationRegistryAbi,
      functionName: 'commitmentsHash',
      args: [BigInt(epoch)],
    });
    return BigInt(hash) !== 0n;
  }

  async #isRecorded(offence: Hex): Promise<boolean> {
    return this.#publicClient.readContract({
      address: this.#target.registry,
      abi: equivocationRegistryAbi,
      functionName: 'recorded',
      args: [offence],
    });
  }
}
