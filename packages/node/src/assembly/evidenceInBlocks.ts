import {
  type Address,
  EquivocationProofCodec,
  EVIDENCE_NAMESPACE,
  type Evidence,
  equivocationProofOf,
  type NetworkDomain,
  parseHex,
  type SignedTransaction,
  signTransaction,
  toLowerHex,
} from '@synod/protocol';
import type { Logger } from 'pino';
import type { LocalAccount } from 'viem';
import type { ConsensusDriver } from '../driver/driver.ts';
import type { CommittedBlock } from '../driver/types.ts';
import type { Mempool } from '../mempool/mempool.ts';

/**
 * Evidence in blocks (docs/protocol.md "Evidence in blocks"): the first offence of each validator
 * in each epoch that this node records goes into a block as a transaction of EVIDENCE_NAMESPACE
 * carrying its EquivocationProof, so the committee certifies it with its block and any app can
 * read it from that namespace's batches (a slashing module on L1 included). Any sender will do:
 * the proof is two share signatures, checked by whoever uses it.
 *
 * Honest nodes record the same offence within a few ms of one another: a node waits
 * EVIDENCE_SUBMIT_STAGGER_MS × its index first, and submits only if no proof of that offence is
 * pending in its mempool or finalized by then; one copy usually lands, at worst one per node.
 */

/** Per validator index, the wait before this node submits a proof (node 0 at once). */
export const EVIDENCE_SUBMIT_STAGGER_MS = 300;
/** How long a proof transaction stays valid. */
const PROOF_VALIDITY_SECONDS = 600;

export interface EvidenceInBlocksOptions {
  domain: NetworkDomain;
  /** The key that signs the proof transactions (the node's own account). */
  account: LocalAccount;
  driver: ConsensusDriver;
  mempool: Mempool;
  /** Admits and gossips one of our transactions (the RPC backend's sendTransaction). */
  submit(tx: SignedTransaction): Promise<unknown>;
  logger?: Logger | undefined;
}

export class EvidenceInBlocks {
  readonly #options: EvidenceInBlocksOptions;
  /** `epoch/validator` of offences with a proof finalized, or submitted by us. */
  readonly #done = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #nextNonce = 0n;

  constructor(options: EvidenceInBlocksOptions) {
    this.#options = options;
  }

  /** A block was finalized: the proofs in it are done. */
  onCommit(block: CommittedBlock): void {
    for (const tx of block.certified.block.transactions) {
      if (tx.namespace.toLowerCase() !== EVIDENCE_NAMESPACE) continue;
      const key = this.#keyOfPayload(tx.payload);
      if (key !== undefined) this.#done.add(key);
    }
  }

  /** This node recorded an offence (detected or received): schedule its proof. */
  onEvidence(evidence: Evidence): void {
    const key = this.#keyOf(evidence);
    if (this.#done.has(key)) return;
    const own = this.#options.driver.committeeAt(this.#options.driver.height).validatorIndex;
    const delayMs = Math.max(0, own) * EVIDENCE_SUBMIT_STAGGER_MS;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#submit(evidence, key).catch((error: unknown) =>
        this.#options.logger?.warn({ err: error }, 'submitting an equivocation proof failed'),
      );
    }, delayMs);
    timer.unref();
    this.#timers.add(timer);
  }

  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #submit(evidence: Evidence, key: string): Promise<void> {
    if (this.#done.has(key) || this.#pendingInMempool(key)) return;
    this.#done.add(key);
    const { account, domain, driver } = this.#options;
    const sender = account.address.toLowerCase() as Address;
    // Above our finalized nonces and the ones of proofs still pending.
    const finalizedNext = driver.chain.nextNonce(sender);
    if (finalizedNext > this.#nextNonce) this.#nextNonce = finalizedNext;
    const nonce = this.#nextNonce;
    this.#nextNonce += 1n;
    const tx = await signTransaction(
      account,
      {
        networkId: domain.networkId,
        namespace: EVIDENCE_NAMESPACE,
        sender: account.address,
        nonce,
        payload: toLowerHex(EquivocationProofCodec.encode(equivocationProofOf(evidence))),
        validUntil: BigInt(Math.floor(Date.now() / 1000) + PROOF_VALIDITY_SECONDS),
      },
      domain,
    );
    await this.#options.submit(tx);
    this.#options.logger?.info(
      { validator: evidence.first.validatorIndex, height: evidence.first.height, nonce: nonce.toString() },
      'equivocation proof submitted for a block',
    );
  }

  #pendingInMempool(key: string): boolean {
    for (const entry of this.#options.mempool.entries()) {
      const { transaction } = entry;
      if (
        transaction.namespace.toLowerCase() === EVIDENCE_NAMESPACE &&
        this.#keyOfPayload(transaction.payload) === key
      )
        return true;
    }
    return false;
  }

  #keyOf(evidence: Evidence): string {
    const epoch = this.#options.driver.committeeAt(evidence.first.height).epoch;
    return `${epoch}/${evidence.first.validatorIndex}`;
  }

  #keyOfPayload(payload: `0x${string}`): string | undefined {
    try {
      const proof = EquivocationProofCodec.decode(parseHex(payload) ?? new Uint8Array(0));
      return `${this.#options.driver.committeeAt(proof.height).epoch}/${proof.validatorIndex}`;
    } catch {
      return undefined; // not a proof: an ordinary transaction in that namespace
    }
  }
}
