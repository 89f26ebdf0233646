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
}

export interface TransactionPool {
  /** bySender[s][nonce]. */
  bySender: PoolTransaction[][];
  byId: Map<Hex, PoolTransaction>;
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

async function buildPool(): Promise<TransactionPool> {
  const bySender: PoolTransaction[][] = [];
  const byId = new Map<Hex, PoolTransaction>();
  for (let senderIndex = 0; senderIndex < POOL_SENDERS; senderIndex++) {
    const account = privateKeyToAccount(keccak256(toBytes(`synod/sim/sender/${senderIndex}`)));
    const chain: PoolTransaction[] = [];
    for (let nonce = 0; nonce < POOL_NONCES_PER_SENDER; nonce++) {
      const tx = await signTransaction(
        account,
        {
          networkId: SIM_DOMAIN.networkId,
          namespace: SIM_NAMESPACES[(senderIndex + nonce) % SIM_NAMESPACES.length]!,
          sender: account.address,
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
