import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  ENCRYPTED_NAMESPACE,
  encryptFast,
  encryptTransaction,
  type NetworkDomain,
  normalizeTransactionSignature,
  type SignedTransaction,
  toLowerHex,
  transactionCodec,
  transactionId,
} from '@synod/protocol';
import { type Address, type Hex, hexToBytes, keccak256, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount, sign } from 'viem/accounts';
import type { NodeRpc } from './rpc.ts';

/**
 * The built-in load generator: R transactions per second from many senders, signed before the
 * run starts (so signing speed never limits the rate), submitted over JSON-RPC round-robin to
 * the honest nodes. A transaction handed only to a byzantine node may be dropped by it, which no
 * protocol can prevent; clients of a real network submit to honest nodes or to several.
 */

/** Namespace of load-generator transactions: one app id, recognisable in blocks. */
export const LOAD_NAMESPACE: Hex = keccak256(toHex('synod/testnet/load'));
/** At least this many senders, so per-sender nonce ordering does not serialise the load. */
export const MIN_LOAD_SENDERS = 8;
/** At most this many: each sender's next nonce is state every node keeps. */
export const MAX_LOAD_SENDERS = 1_024;
/** Transactions stay valid this long after the run's planned end (drain included). */
const VALIDITY_MARGIN_S = 300;
/** The generator wakes this often and sends what is due: fine-grained enough for latency, coarse enough to batch. */
export const LOAD_TICK_MS = 10;
/** Payload of each transaction: 32 bytes, an order-sized message. */
const PAYLOAD_BYTES = 32;

/** What the factory uses of libsecp256k1's addon (`secp256k1/bindings`, @synod/protocol's dependency). */
interface NativeSigner {
  ecdsaSign(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
}

/**
 * libsecp256k1 signs ~10× faster than viem's @noble/curves, so a benchmark can pre-sign tens of
 * thousands of transactions per load step in a second or two. Loaded through @synod/protocol's
 * own dependency (the node verifies with the same addon); undefined when it does not load, and
 * the factory then signs with viem. Both are RFC 6979 deterministic with low s, so they produce
 * the same bytes (the factory checks its first signature against viem's).
 */
function loadNativeSigner(): NativeSigner | undefined {
  try {
    const protocolEntry = fileURLToPath(import.meta.resolve('@synod/protocol'));
    return createRequire(protocolEntry)('secp256k1/bindings') as NativeSigner;
  } catch {
    return undefined;
  }
}

const nativeSigner = loadNativeSigner();

/** Which signer the load generator's factory uses: 'native' (libsecp256k1) or 'viem' (noble). */
export const loadSignerBackend: 'native' | 'viem' = nativeSigner === undefined ? 'viem' : 'native';

export interface PreparedTransaction {
  txId: string;
  /** transactionCodec encoding, 0x-hex: the synod_sendTransaction parameter. */
  encoded: Hex;
  /**
   * An encrypted transaction (`txId` is its envelope's): the txId of the plaintext, which is
   * final two blocks after the envelope (docs/protocol.md "Encrypted transactions").
   */
  revealTxId?: string;
}

/** Senders for a rate: enough that each sends a few per second at most. */
export function senderCount(ratePerSecond: number): number {
  return Math.min(MAX_LOAD_SENDERS, Math.max(MIN_LOAD_SENDERS, Math.ceil(ratePerSecond)));
}

/** A load account: its key (hex and bytes) and lowercase address. */
export interface LoadSigner {
  key: Hex;
  keyBytes: Uint8Array;
  address: Address;
}

/** A fresh random account (`key` given: that one). */
export function loadSigner(key: Hex = generatePrivateKey()): LoadSigner {
  return {
    key,
    keyBytes: hexToBytes(key),
    address: privateKeyToAccount(key).address.toLowerCase() as Address,
  };
}

/** Set once the native signer's first signature matched viem's. */
let checkedNative = false;

/** r ‖ s ‖ v (v = 27 + recovery bit, low s) over the EIP-712 digest `txId`. */
async function signDigest(txId: Hex, signer: LoadSigner): Promise<Hex> {
  // The txId is the EIP-712 digest: signing it directly is signTypedData without re-hashing.
  const viemSignature = async () =>
    normalizeTransactionSignature(await sign({ hash: txId, privateKey: signer.key, to: 'hex' }));
  if (nativeSigner === undefined) return await viemSignature();
  const { signature, recid } = nativeSigner.ecdsaSign(hexToBytes(txId), signer.keyBytes);
  const bytes = new Uint8Array(65);
  bytes.set(signature);
  bytes[64] = 27 + recid;
  const native = toLowerHex(bytes) as Hex;
  if (!checkedNative) {
    const expected = await viemSignature();
    if (native !== expected) throw new Error(`native signature ${native} differs from viem's ${expected}`);
    checkedNative = true;
  }
  return native;
}

/**
 * Signs one transaction of `signer` and encodes it for synod_sendTransaction. With `encryptTo`
 * (the committee encryption key), what is sent is the envelope that hides it, signed by the same
 * sender with the same nonce, as `@synod/sdk` sendTransaction({ encrypt: true }) does.
 */
export async function signLoadTransaction(
  signer: LoadSigner,
  domain: NetworkDomain,
  fields: { namespace: Hex; nonce: bigint; payload: Hex; validUntil: bigint },
  options: { encryptTo?: Uint8Array | undefined } = {},
): Promise<PreparedTransaction> {
  const signed = await signFields(signer, domain, fields);
  if (options.encryptTo === undefined) {
    return { txId: signed.txId, encoded: toLowerHex(transactionCodec.encode(signed.transaction)) as Hex };
  }
  const payload = encryptTransaction({
    publicKey: options.encryptTo,
    transaction: signed.transaction,
    seed: new Uint8Array(randomBytes(32)),
    encrypt: encryptFast,
  });
  const envelope = await signFields(signer, domain, { ...fields, namespace: ENCRYPTED_NAMESPACE, payload });
  return {
    txId: envelope.txId,
    encoded: toLowerHex(transactionCodec.encode(envelope.transaction)) as Hex,
    revealTxId: signed.txId,
  };
}

async function signFields(
  signer: LoadSigner,
  domain: NetworkDomain,
  fields: { namespace: Hex; nonce: bigint; payload: Hex; validUntil: bigint },
): Promise<{ txId: string; transaction: SignedTransaction }> {
  const unsigned = {
    networkId: domain.networkId,
    namespace: fields.namespace,
    sender: signer.address,
    nonce: fields.nonce,
    payload: fields.payload,
    validUntil: fields.validUntil,
  };
  const txId = transactionId(unsigned, domain);
  const signature = await signDigest(txId as Hex, signer);
  return { txId, transaction: { ...unsigned, signature } };
}

/** What the load generator's transactions come from: plain ones, or a mix with perp orders. */
export interface TransactionSource {
  next(count: number): Promise<PreparedTransaction[]>;
}

/**
 * Signs transactions from fresh random senders (nonce 0 upwards), interleaved across senders so
 * consecutive submissions come from different accounts. Fresh senders each run mean a reused
 * testnet never sees a stale nonce. `next` can be called again for more (an open-ended run).
 */
export class TransactionFactory implements TransactionSource {
  readonly #domain: NetworkDomain;
  readonly #validUntilS: () => bigint;
  readonly #signers: LoadSigner[];
  readonly #nonces: bigint[];
  readonly #encryptTo: Uint8Array | undefined;
  #count = 0;

  /**
   * `validUntilS`: a fixed expiry, or a function read at each `next()` (an open-ended run signs
   * ahead as it goes; a fixed expiry would make its later transactions expired when signed).
   * `encryptTo`: every transaction is sent encrypted to this committee key (`pnpm bench network --encrypted`).
   */
  constructor(parameters: {
    senders: number;
    domain: NetworkDomain;
    validUntilS: bigint | (() => bigint);
    encryptTo?: Uint8Array | undefined;
  }) {
    this.#encryptTo = parameters.encryptTo;
    this.#domain = parameters.domain;
    const validUntil = parameters.validUntilS;
    this.#validUntilS = typeof validUntil === 'bigint' ? () => validUntil : validUntil;
    this.#signers = Array.from({ length: parameters.senders }, () => loadSigner());
    this.#nonces = this.#signers.map(() => 0n);
  }

  async next(count: number): Promise<PreparedTransaction[]> {
    const prepared: PreparedTransaction[] = [];
    const validUntil = this.#validUntilS();
    for (let i = 0; i < count; i++, this.#count++) {
      const s = this.#count % this.#signers.length;
      const payload = new Uint8Array(PAYLOAD_BYTES);
      new DataView(payload.buffer).setUint32(0, this.#count);
      const nonce = this.#nonces[s]!;
      this.#nonces[s] = nonce + 1n;
      prepared.push(
        await signLoadTransaction(
          this.#signers[s]!,
          this.#domain,
          { namespace: LOAD_NAMESPACE, nonce, payload: toLowerHex(payload) as Hex, validUntil },
          { encryptTo: this.#encryptTo },
        ),
      );
    }
    return prepared;
  }
}

/**
 * The load's mix (testnet/README.md "Load"): every `every`-th transaction of the stream comes
 * from `special` (the perp orders), the others from `plain`; the rate and the tx* counters of
 * the summary cover both.
 */
export class MixedTransactionSource implements TransactionSource {
  readonly #plain: TransactionSource;
  readonly #special: TransactionSource;
  readonly #every: number;
  #count = 0;

  constructor(plain: TransactionSource, special: TransactionSource, every: number) {
    if (!Number.isInteger(every) || every < 1)
      throw new RangeError(`every must be an integer ≥ 1, got ${every}`);
    this.#plain = plain;
    this.#special = special;
    this.#every = every;
  }

  /** Whether the stream's transaction at `index` (0-based) is a special one. */
  static isSpecial(index: number, every: number): boolean {
    return index % every === every - 1;
  }

  async next(count: number): Promise<PreparedTransaction[]> {
    const kinds = Array.from({ length: count }, (_, i) =>
      MixedTransactionSource.isSpecial(this.#count + i, this.#every),
    );
    this.#count += count;
    const specials = kinds.filter(Boolean).length;
    const [special, plain] = await Promise.all([
      this.#special.next(specials),
      this.#plain.next(count - specials),
    ]);
    let s = 0;
    let p = 0;
    return kinds.map((isSpecial) => (isSpecial ? special[s++]! : plain[p++]!));
  }
}

export interface Submission {
  /** The first send (latency is measured from it, whatever the retries). */
  sentAtMs: number;
  /** Sends so far (1 + resubmissions) and when the last one went out. */
  attempts: number;
  lastSentAtMs: number;
  /** Index into the targets of the node the last send went to. */
  lastTarget: number;
  /** Failed sends in a row (the retry back-off). */
  failuresInARow?: number;
  /** When the node's answer to the batch arrived (RPC admission latency = answeredAtMs − sentAtMs). */
  answeredAtMs?: number;
  /** The node answered the txId (admitted to its mempool). */
  acknowledged: boolean;
  error?: string;
}

export interface LoadGeneratorOptions {
  /** Signed ahead of time; `append` adds more while the load runs. */
  transactions: readonly PreparedTransaction[];
  ratePerSecond: number;
  /** The honest nodes' RPCs, in round-robin order. */
  targets: readonly NodeRpc[];
  nowMs?: () => number;
  /**
   * Whether a transaction is in a finalized block (the runner's chain follower). With it, the
   * generator behaves as a careful client: a transaction whose send failed is sent to the next
   * node after a short back-off (doubling from RETRY_MIN_DELAY_MS while sends keep failing: the
   * whole committee may be restarting), and one not finalized RESUBMIT_AFTER_MS after an
   * acknowledged send goes to the next node again, until GIVE_UP_AFTER_MS after its first send.
   * A node can acknowledge a transaction and then crash
   * before gossiping it (its mempool is not persisted), or be unreachable: no protocol saves a
   * transaction only one node ever held, so clients resubmit (docs/decisions.md).
   */
  isFinalized?: (txId: string) => boolean;
}

/** A transaction not finalized this long after its last (acknowledged) send is sent again, to another node. */
export const RESUBMIT_AFTER_MS = 5_000;
/** After a failed send: the first retry's delay, doubled per failure in a row up to RESUBMIT_AFTER_MS. */
export const RETRY_MIN_DELAY_MS = 250;
/** A transaction is given up (not sent again) this long after its first send. */
export const GIVE_UP_AFTER_MS = 120_000;
/** How often the generator looks for transactions to resubmit. */
const RESUBMIT_CHECK_MS = 500;

/** Sends the prepared transactions at the rate, round-robin, one JSON-RPC batch per node per tick. */
export class LoadGenerator {
  readonly submissions = new Map<string, Submission>();
  /** Encrypted transactions: envelope txId → plaintext txId (final two blocks after the envelope). */
  readonly reveals = new Map<string, string>();
  readonly #options: LoadGeneratorOptions;
  readonly #transactions: PreparedTransaction[];
  readonly #nowMs: () => number;
  #next = 0;
  #startedAtMs = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #resubmitTimer: ReturnType<typeof setInterval> | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  /** Transactions neither finalized nor given up on, by txId (what resubmit() scans). */
  readonly #unsettled = new Map<string, PreparedTransaction>();
  /** Sends beyond the first (to another node, after a failure or while not finalized). */
  resubmitted = 0;
  rejected = 0;
  lastError: string | undefined;

  constructor(options: LoadGeneratorOptions) {
    if (options.targets.length === 0) throw new Error('the load generator needs at least one node');
    this.#options = options;
    this.#transactions = [...options.transactions];
    for (const transaction of options.transactions) {
      if (transaction.revealTxId !== undefined) this.reveals.set(transaction.txId, transaction.revealTxId);
    }
    this.#nowMs = options.nowMs ?? Date.now;
  }

  get sent(): number {
    return this.#next;
  }

  start(): void {
    this.#startedAtMs = this.#nowMs();
    this.#timer = setInterval(() => this.tick(), LOAD_TICK_MS);
    if (this.#options.isFinalized !== undefined)
      this.#resubmitTimer = setInterval(() => this.resubmit(), RESUBMIT_CHECK_MS);
  }

  /**
   * Sends again, each to the node after the one it last went to, the transactions that are not
   * finalized: at once after a failed send, RESUBMIT_AFTER_MS after an acknowledged one. Returns
   * how many it sent.
   */
  resubmit(): number {
    const isFinalized = this.#options.isFinalized;
    if (isFinalized === undefined) return 0;
    const { targets } = this.#options;
    const nowMs = this.#nowMs();
    const perTarget: PreparedTransaction[][] = targets.map(() => []);
    let count = 0;
    for (const [txId, tx] of this.#unsettled) {
      const submission = this.submissions.get(txId)!;
      if (isFinalized(txId) || nowMs - submission.sentAtMs >= GIVE_UP_AFTER_MS) {
        this.#unsettled.delete(txId);
        continue;
      }
      if (submission.answeredAtMs === undefined && submission.error === undefined) continue; // in flight
      const failures = submission.failuresInARow ?? 0;
      const waitMs =
        failures > 0
          ? Math.min(RETRY_MIN_DELAY_MS * 2 ** (failures - 1), RESUBMIT_AFTER_MS)
          : RESUBMIT_AFTER_MS;
      if (nowMs - submission.lastSentAtMs < waitMs) continue;
      const target = (submission.lastTarget + 1) % targets.length;
      perTarget[target]!.push(tx);
      count++;
    }
    for (const [i, batch] of perTarget.entries()) if (batch.length > 0) this.#send(i, batch);
    this.resubmitted += count;
    return count;
  }

  /** Sends what is due by now. */
  tick(): void {
    const elapsedS = (this.#nowMs() - this.#startedAtMs) / 1000;
    const due = Math.min(this.#transactions.length, Math.floor(elapsedS * this.#options.ratePerSecond));
    if (due <= this.#next) return;
    const { targets } = this.#options;
    const perTarget: PreparedTransaction[][] = targets.map(() => []);
    for (; this.#next < due; this.#next++) {
      perTarget[this.#next % targets.length]!.push(this.#transactions[this.#next]!);
    }
    for (const [i, batch] of perTarget.entries()) {
      if (batch.length > 0) this.#send(i, batch);
    }
  }

  #send(targetIndex: number, batch: PreparedTransaction[]): void {
    const target = this.#options.targets[targetIndex]!;
    const sentAtMs = this.#nowMs();
    for (const tx of batch) {
      const known = this.submissions.get(tx.txId);
      if (known === undefined) {
        this.submissions.set(tx.txId, {
          sentAtMs,
          attempts: 1,
          lastSentAtMs: sentAtMs,
          lastTarget: targetIndex,
          acknowledged: false,
        });
      } else {
        known.attempts++;
        known.lastSentAtMs = sentAtMs;
        known.lastTarget = targetIndex;
        known.answeredAtMs = undefined;
        known.error = undefined;
      }
      if (this.#options.isFinalized !== undefined) this.#unsettled.set(tx.txId, tx);
    }
    const request = target
      .sendRawTransactions(batch.map((tx) => tx.encoded))
      .then((answers) => {
        const answeredAtMs = this.#nowMs();
        for (const [i, answer] of answers.entries()) {
          const submission = this.submissions.get(batch[i]!.txId)!;
          submission.answeredAtMs = answeredAtMs;
          if (answer.ok && answer.result.toLowerCase() === batch[i]!.txId) {
            submission.acknowledged = true;
            submission.failuresInARow = 0;
          } else {
            submission.failuresInARow = (submission.failuresInARow ?? 0) + 1;
            // A resubmission of a transaction finalized meanwhile is refused (nonce used): not an error.
            if (submission.attempts === 1) this.rejected++;
            submission.error = answer.ok ? `answered txId ${answer.result}` : answer.error.message;
            this.lastError = submission.error;
          }
        }
      })
      .catch((error: unknown) => {
        this.rejected += batch.filter((tx) => this.submissions.get(tx.txId)!.attempts === 1).length;
        this.lastError = (error as Error).message;
        for (const tx of batch) {
          const submission = this.submissions.get(tx.txId)!;
          submission.error = this.lastError;
          submission.answeredAtMs = this.#nowMs();
          submission.failuresInARow = (submission.failuresInARow ?? 0) + 1;
        }
      })
      .finally(() => this.#inFlight.delete(request));
    this.#inFlight.add(request);
  }

  /** More signed transactions for an open-ended run. */
  append(transactions: readonly PreparedTransaction[]): void {
    for (const transaction of transactions) {
      this.#transactions.push(transaction);
      if (transaction.revealTxId !== undefined) this.reveals.set(transaction.txId, transaction.revealTxId);
    }
  }

  /** Prepared transactions not sent yet. */
  get remaining(): number {
    return this.#transactions.length - this.#next;
  }

  /** True once every prepared transaction has been sent. */
  get finished(): boolean {
    return this.#next >= this.#transactions.length;
  }

  /**
   * Sends what is left when it is less than a second's worth (the rounding of rate × duration), so
   * a run of R tx/s for S s submits R × S transactions.
   */
  flushTail(): void {
    if (this.remaining > 0 && this.remaining <= this.#options.ratePerSecond) {
      this.#startedAtMs = Number.NEGATIVE_INFINITY;
      this.tick();
    }
  }

  /**
   * Stops sending new transactions and waits for the answers of what was sent. Resubmission goes
   * on (the drain needs it) until close().
   */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.all([...this.#inFlight]);
  }

  /** Stops everything, resubmission included, and waits for the answers. Idempotent. */
  async close(): Promise<void> {
    await this.stop();
    if (this.#resubmitTimer !== undefined) clearInterval(this.#resubmitTimer);
    this.#resubmitTimer = undefined;
    await Promise.all([...this.#inFlight]);
  }

  /**
   * Why transactions are not finalized: for each sender with an unfinalized transaction, its
   * lowest unfinalized nonce (every later one waits for it) and what that transaction went
   * through. At most `limit` senders, those with the most transactions waiting first.
   */
  explainUnfinalized(isFinalized: (txId: string) => boolean, limit = 5): string[] {
    const bySender = new Map<string, { nonce: bigint; txId: string; waiting: number }>();
    for (const tx of this.#transactions.slice(0, this.#next)) {
      if (isFinalized(tx.txId)) continue;
      const decoded = transactionCodec.decode(hexToBytes(tx.encoded));
      const known = bySender.get(decoded.sender);
      if (known === undefined)
        bySender.set(decoded.sender, { nonce: decoded.nonce, txId: tx.txId, waiting: 1 });
      else {
        known.waiting++;
        if (decoded.nonce < known.nonce) Object.assign(known, { nonce: decoded.nonce, txId: tx.txId });
      }
    }
    return [...bySender]
      .sort((a, b) => b[1].waiting - a[1].waiting)
      .slice(0, limit)
      .map(([sender, { nonce, txId, waiting }]) => {
        const submission = this.submissions.get(txId);
        const state =
          submission === undefined
            ? 'never sent'
            : `sent ${submission.attempts}× (last to node #${submission.lastTarget}), ${submission.acknowledged ? 'acknowledged' : 'never acknowledged'}, last answer: ${submission.error ?? 'ok'}`;
        return `sender ${sender.slice(0, 10)}…: ${waiting} unfinalized from nonce ${nonce} (${txId.slice(0, 10)}…: ${state})`;
      });
  }

  acknowledgedCount(): number {
    let count = 0;
    for (const submission of this.submissions.values()) if (submission.acknowledged) count++;
    return count;
  }
}

/** validUntil for a run of `durationS` starting now. */
export function loadValidUntil(durationS: number, nowMs: number = Date.now()): bigint {
  return BigInt(Math.floor(nowMs / 1000) + Math.ceil(durationS) + VALIDITY_MARGIN_S);
}
