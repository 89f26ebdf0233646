import { createFeedConfig, type FeedConfig } from '@synod/oracle';
import {
  type Address,
  type Hex,
  type NetworkDomain,
  type PriceObservation,
  recoverTransactionSender,
  type SignedTransaction,
  signTransaction,
  transactionId,
  verifyTransaction,
} from '@synod/protocol';
import { keccak256, toBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { Random } from './random.ts';

/** The simulated deployment every run signs for. */
export const SIM_DOMAIN: NetworkDomain = {
  networkId: 7,
  chainId: 31_337,
  inbox: '0x00000000000000000000000000000000000051a0',
};

/** Senders in the per-process pool: a run draws its senders from these. */
export const POOL_SENDERS = 24;
/** Consecutive nonces signed per sender (0 .. POOL_NONCES_PER_SENDER − 1). */
export const POOL_NONCES_PER_SENDER = 6;
/**
 * The apps of the simulated deployment: transaction (sender s, nonce k) is of namespace
 * SIM_NAMESPACES[(s + k) % 3], so blocks mix namespaces and the checker's namespace commitment
 * check (sequences across blocks, several leaves per block) has something to check.
 */
export const SIM_NAMESPACES: readonly Hex[] = [0, 1, 2].map((app) =>
  keccak256(toBytes(`synod/sim/app/${app}`)),
);

export interface PoolTransaction {
  txId: Hex;
  tx: SignedTransaction;
  sender: Address;
  senderIndex: number;
  /**
   * An envelope (sim/encryption.ts): it hides the pool transaction `plaintextTxId` (same sender
   * and nonce); `identity` is its ciphertext's, what each decryption share of it signs.
   */
  envelope?: { plaintextTxId: Hex; identity: Uint8Array };
  /** A front-runner's reaction to a plaintext (sim/actors.ts), of its own sender. */
  reaction?: true;
}

export interface TransactionPool {
  /** bySender[s][nonce]: the plaintexts (envelopes are in byId and `envelopes` only). */
  bySender: PoolTransaction[][];
  /** Every transaction of the run, envelopes included. */
  byId: Map<Hex, PoolTransaction>;
  /** The run's envelopes by the txId of the plaintext each hides. */
  envelopes?: ReadonlyMap<Hex, PoolTransaction>;
}

let poolPromise: Promise<TransactionPool> | undefined;

/**
 * Real EIP-712 transactions, signed once per process (signing costs ~1 ms each) and reused by
 * every run: validity checking in the simulator is the real signature check.
 */
export function transactionPool(): Promise<TransactionPool> {
  poolPromise ??= buildPool();
  return poolPromise;
}

const accounts = new Map<string, ReturnType<typeof privateKeyToAccount>>();

function account(label: string): ReturnType<typeof privateKeyToAccount> {
  let known = accounts.get(label);
  if (known === undefined) {
    known = privateKeyToAccount(keccak256(toBytes(label)));
    accounts.set(label, known);
  }
  return known;
}

/** The key of pool sender `senderIndex`. */
export function senderAccount(senderIndex: number): ReturnType<typeof privateKeyToAccount> {
  return account(`synod/sim/sender/${senderIndex}`);
}

async function buildPool(): Promise<TransactionPool> {
  const bySender: PoolTransaction[][] = [];
  const byId = new Map<Hex, PoolTransaction>();
  for (let senderIndex = 0; senderIndex < POOL_SENDERS; senderIndex++) {
    const signer = senderAccount(senderIndex);
    const chain: PoolTransaction[] = [];
    for (let nonce = 0; nonce < POOL_NONCES_PER_SENDER; nonce++) {
      const tx = await signTransaction(
        signer,
        {
          networkId: SIM_DOMAIN.networkId,
          namespace: SIM_NAMESPACES[(senderIndex + nonce) % SIM_NAMESPACES.length]!,
          sender: signer.address,
          nonce: BigInt(nonce),
          payload: `0x${(senderIndex * 256 + nonce).toString(16).padStart(4, '0')}`,
          validUntil: 10_000_000_000n,
        },
        SIM_DOMAIN,
      );
      const entry: PoolTransaction = {
        txId: transactionId(tx, SIM_DOMAIN),
        tx,
        sender: tx.sender.toLowerCase() as Address,
        senderIndex,
      };
      chain.push(entry);
      byId.set(entry.txId, entry);
    }
    bySender.push(chain);
  }
  return { bySender, byId };
}

/** Reactions a front-runner has signed (sim/actors.ts): it reacts to at most this many plaintexts a run. */
export const REACTIONS_PER_FRONT_RUNNER = 48;

const reactionMemo = new Map<number, Promise<PoolTransaction[]>>();

/**
 * The transactions a front-runner at validator `validatorIndex` submits in reaction to plaintexts,
 * nonces 0, 1, … of its own sender, signed once per process (their senderIndex is the run's:
 * see `withSenders`).
 */
export function reactionChain(validatorIndex: number): Promise<PoolTransaction[]> {
  let chain = reactionMemo.get(validatorIndex);
  if (chain === undefined) {
    chain = signReactions(validatorIndex);
    reactionMemo.set(validatorIndex, chain);
  }
  return chain;
}

async function signReactions(validatorIndex: number): Promise<PoolTransaction[]> {
  const signer = account(`synod/sim/frontRunner/${validatorIndex}`);
  const chain: PoolTransaction[] = [];
  for (let nonce = 0; nonce < REACTIONS_PER_FRONT_RUNNER; nonce++) {
    const tx = await signTransaction(
      signer,
      {
        networkId: SIM_DOMAIN.networkId,
        namespace: SIM_NAMESPACES[nonce % SIM_NAMESPACES.length]!,
        sender: signer.address,
        nonce: BigInt(nonce),
        payload: `0xf0${validatorIndex.toString(16).padStart(2, '0')}${nonce.toString(16).padStart(4, '0')}`,
        validUntil: 10_000_000_000n,
      },
      SIM_DOMAIN,
    );
    chain.push({
      txId: transactionId(tx, SIM_DOMAIN),
      tx,
      sender: tx.sender.toLowerCase() as Address,
      senderIndex: -1,
      reaction: true,
    });
  }
  return chain;
}

/** The pool plus more senders (each chain's nonces 0, 1, …), numbered after the pool's. */
export function withSenders(
  pool: TransactionPool,
  chains: readonly (readonly PoolTransaction[])[],
): TransactionPool {
  if (chains.length === 0) return pool;
  const added = chains.map((chain, i) =>
    chain.map((entry) => ({ ...entry, senderIndex: pool.bySender.length + i })),
  );
  return {
    ...pool,
    bySender: [...pool.bySender, ...added],
    byId: new Map([...pool.byId, ...added.flat().map((entry) => [entry.txId, entry] as const)]),
  };
}

/** The pool plus the run's envelopes (sim/encryption.ts envelopeOf). */
export function withEnvelopes(pool: TransactionPool, envelopes: readonly PoolTransaction[]): TransactionPool {
  if (envelopes.length === 0) return pool;
  return {
    ...pool,
    byId: new Map([...pool.byId, ...envelopes.map((entry) => [entry.txId, entry] as const)]),
    envelopes: new Map([
      ...(pool.envelopes ?? []),
      ...envelopes.map((entry) => [entry.envelope!.plaintextTxId, entry] as const),
    ]),
  };
}

/** What submission (sender, nonce) sends: the envelope hiding it when encrypted, else the plaintext. */
export function submittedEntry(
  pool: TransactionPool,
  submission: { senderIndex: number; nonce: number; encrypted?: boolean },
): PoolTransaction {
  const plaintext = pool.bySender[submission.senderIndex]![submission.nonce]!;
  if (submission.encrypted !== true) return plaintext;
  const envelope = pool.envelopes?.get(plaintext.txId);
  if (envelope === undefined) throw new Error(`simulator assertion failed: no envelope of ${plaintext.txId}`);
  return envelope;
}

const authenticity = new Map<string, boolean>();

/**
 * Each transaction's signature is verified once per process (as a node verifies each once on
 * receipt) with the real secp256k1 recovery, then remembered.
 */
export function isAuthenticTransaction(tx: SignedTransaction, txId: Hex): boolean {
  const key = `${txId}/${tx.signature}`;
  let known = authenticity.get(key);
  if (known === undefined) {
    try {
      known =
        recoverTransactionSender(tx, SIM_DOMAIN) === tx.sender.toLowerCase() &&
        transactionId(tx, SIM_DOMAIN) === txId;
    } catch {
      known = false;
    }
    authenticity.set(key, known);
  }
  return known;
}

const verified = new WeakMap<SignedTransaction, { txId: Hex } | { error: unknown }>();

/**
 * The mempool's admission check in the simulator (MempoolOptions.verify): the real
 * verifyTransaction, run once per transaction object per process and remembered (every node of
 * every run receives the same pool objects). The pool never expires (validUntil far in the
 * future), so the first verdict holds at any simulated time.
 */
export function verifyTransactionOnce(signed: SignedTransaction, nowSeconds: number): Hex {
  let known = verified.get(signed);
  if (known === undefined) {
    try {
      known = { txId: verifyTransaction(signed, SIM_DOMAIN, { nowSeconds }) };
    } catch (error) {
      known = { error };
    }
    verified.set(signed, known);
  }
  if ('error' in known) throw known.error;
  return known.txId;
}

export const SIM_FEEDS: FeedConfig[] = ['ETH/USD', 'BTC/USD'].map((pair) =>
  createFeedConfig({ feedId: keccak256(toBytes(pair)), decimals: 8 }),
);

/** Per-height market prices; honest observations are the market ± a small per-node noise. */
export class Market {
  private readonly prices: bigint[][] = [];
  private readonly random: Random;
  private readonly flat: boolean;

  /** `flat`: every height at the initial prices (no walk, no jump, no draw from `random`). */
  constructor(random: Random, options: { flat?: boolean } = {}) {
    this.random = random;
    this.flat = options.flat === true;
    this.prices.push([300_000_000_000n, 6_000_000_000_000n]);
  }

  private at(height: number): bigint[] {
    while (this.prices.length <= height) {
      const last = this.prices[this.prices.length - 1]!;
      if (this.flat) {
        this.prices.push(last);
        continue;
      }
      // A random walk of up to ±0.8% per height, with an occasional 8% jump (trips the breaker).
      const next = last.map((price) => {
        const jump = this.random.chance(0.03);
        const bps = jump ? (this.random.chance(0.5) ? 800 : -800) : this.random.int(-80, 80);
        return price + (price * BigInt(bps)) / 10_000n;
      });
      this.prices.push(next);
    }
    return this.prices[height]!;
  }

  /** What honest validator `validatorIndex` observes when precommitting at `height`. */
  honestObservation(validatorIndex: number, height: number): PriceObservation[] {
    const market = this.at(height);
    return SIM_FEEDS.map((feed, i) => {
      // Deterministic per (validator, height, feed): within ±0.1% of the market.
      const noiseBps = BigInt(((validatorIndex * 7919 + height * 104_729 + i * 13) % 21) - 10);
      return { feedId: feed.feedId, price: market[i]! + (market[i]! * noiseBps) / 10_000n };
    }).sort((a, b) => (a.feedId < b.feedId ? -1 : 1));
  }
}
