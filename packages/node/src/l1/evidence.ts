import { equivocationRegistryAbi } from '@synod/contracts/abi';
import { type Evidence, g2ToEip2537, type Hex, toLowerHex } from '@synod/protocol';
import type { Logger } from 'pino';
import { type Address, encodeAbiParameters, keccak256, type PublicClient } from 'viem';
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
  /** The committee's epoch: its commitments are the ones registered for it. */
  epoch: number;
  /** The epoch's Feldman commitments as the registry takes them (t × 128-byte EIP-2537 points). */
  commitments: Hex;
}

interface EvidenceCall extends L1Call {
  offence: Hex;
}

export class EvidenceJob implements L1Job<EvidenceCall> {
  readonly name = 'evidence';
  readonly #publicClient: PublicClient;
  readonly #target: L1EvidenceTarget;
  readonly #logger: Logger | undefined;
  /** Offence id → evidence, oldest first: at most one per validator. */
  readonly #pending = new Map<Hex, Evidence>();
  /** Validators with an offence queued or already on L1 (landed or a duplicate of another node's). */
  readonly #validators = new Set<number>();
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
    const validator = evidence.first.validatorIndex;
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
        [BigInt(this.#target.epoch), BigInt(first.height), first.round, first.kind, first.validatorIndex],
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
          BigInt(this.#target.epoch),
          first.validatorIndex,
          BigInt(first.height),
          first.round,
          first.kind,
          this.#target.commitments,
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
    return revertErrorName(error) === 'AlreadyRecorded';
  }

  async isStillWanted(call: EvidenceCall): Promise<boolean> {
    return !(await this.#isRecorded(call.offence));
  }

  landed(call: EvidenceCall): void {
    this.#pending.delete(call.offence);
    this.recorded += 1;
    this.#logger?.warn({ ...call.logFields, height: call.height }, 'equivocation recorded on L1');
  }

  duplicate(call: EvidenceCall): void {
    this.#pending.delete(call.offence);
    this.duplicates += 1;
  }

  async cancelled(call: EvidenceCall): Promise<void> {
    if (await this.#isRecorded(call.offence)) this.#pending.delete(call.offence);
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
