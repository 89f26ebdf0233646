import { type Address, type Hex, type SignedTransaction, transactionId } from '@synod/protocol';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Mempool, MempoolError, type MempoolLimits } from '../../src/mempool/index.ts';
import { ACCOUNTS, DOMAIN, encodedSize, NOW_MS, NOW_SECONDS, sign } from './fixtures.ts';

/**
 * Model-based property test: any sequence of add / markFinalized / prune / inclusionList on a
 * small pool with tight limits gives exactly the results of a straightforward reference model,
 * and the accounting invariants hold after every step.
 */

const SENDERS = 4;
const NONCES = 5;
const VARIANTS = 2;

interface PoolTx {
  signed: SignedTransaction;
  txId: Hex;
  sender: Address;
  nonce: bigint;
  validUntil: bigint;
  bytes: number;
}

let txs: PoolTx[] = [];

beforeAll(async () => {
  const specs = [];
  for (let s = 0; s < SENDERS; s++)
    for (let n = 0; n < NONCES; n++)
      for (let v = 0; v < VARIANTS; v++) specs.push({ account: ACCOUNTS[s]!, nonce: BigInt(n), variant: v });
  txs = await Promise.all(
    specs.map(async ({ account, nonce, variant }) => {
      // Expiries spread over the run; variant 1 has a bigger payload so the byte bound binds too.
      const validUntil = BigInt(NOW_SECONDS + 5 + 10 * (Number(nonce) % 3) + 10 * variant);
      const payload = variant === 0 ? '0xc0ffee' : (`0x${'5a'.repeat(40)}` as Hex);
      const signed = await sign(account, { nonce, validUntil, payload });
      return {
        signed,
        txId: transactionId(signed, DOMAIN),
        sender: account.address.toLowerCase() as Address,
        nonce,
        validUntil,
        bytes: encodedSize(signed),
      };
    }),
  );
});

const LIMITS: Partial<MempoolLimits> = {
  // 4 senders × 3 fit 12, so the count bound binds; 7 small transactions (150 bytes) fit the byte
  // bound, a mix with large ones (187 bytes) hits it first.
  maxTransactions: 7,
  maxPerSender: 3,
  maxNonceAhead: 4n,
  maxBytes: 1200,
};

type Command =
  | { kind: 'add'; index: number; elapsedMs: number }
  | { kind: 'finalize'; indices: number[] }
  | { kind: 'prune'; elapsedMs: number }
  | { kind: 'inclusion'; maxEntries: number };

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      index: fc.nat({ max: SENDERS * NONCES * VARIANTS - 1 }),
      elapsedMs: fc.nat({ max: 1000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('finalize' as const),
      indices: fc.array(fc.nat({ max: SENDERS * NONCES * VARIANTS - 1 }), { maxLength: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('prune' as const), elapsedMs: fc.nat({ max: 8000 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('inclusion' as const), maxEntries: fc.nat({ max: 12 }) }),
  },
);

/** The reference: plain lists and maps, every rule written out in the documented order. */
class Model {
  pending = new Map<Hex, PoolTx & { firstSeenMs: number }>();
  nextNonces = new Map<Address, bigint>();
  newestFirstSeenMs = 0;
  limits = { maxTransactions: 7, maxPerSender: 3, maxNonceAhead: 4n, maxBytes: 1200 };

  get bytes(): number {
    let total = 0;
    for (const tx of this.pending.values()) total += tx.bytes;
    return total;
  }

  next(sender: Address): bigint {
    return this.nextNonces.get(sender) ?? 0n;
  }

  add(tx: PoolTx, nowMs: number): { code: string; firstSeenMs?: number } {
    const existing = this.pending.get(tx.txId);
    if (existing) return { code: 'DUPLICATE', firstSeenMs: existing.firstSeenMs };
    if (tx.validUntil < BigInt(Math.floor(nowMs / 1000))) return { code: 'EXPIRED' };
    const next = this.next(tx.sender);
    if (tx.nonce < next) return { code: 'NONCE_USED' };
    if (tx.nonce >= next + this.limits.maxNonceAhead) return { code: 'NONCE_TOO_FAR_AHEAD' };
    const mine = [...this.pending.values()].filter((p) => p.sender === tx.sender);
    if (mine.some((p) => p.nonce === tx.nonce)) return { code: 'DUPLICATE_NONCE' };
    if (mine.length >= this.limits.maxPerSender) return { code: 'SENDER_FULL' };
    if (this.pending.size >= this.limits.maxTransactions) return { code: 'MEMPOOL_FULL' };
    if (this.bytes + tx.bytes > this.limits.maxBytes) return { code: 'MEMPOOL_FULL' };
    const firstSeenMs = Math.max(nowMs, this.newestFirstSeenMs);
    this.newestFirstSeenMs = firstSeenMs;
    this.pending.set(tx.txId, { ...tx, firstSeenMs });
    return { code: 'ACCEPTED', firstSeenMs };
  }

  finalize(finalizedTxs: PoolTx[]): { finalized: number; stale: number } {
    let finalized = 0;
    let stale = 0;
    for (const tx of finalizedTxs) {
      if (this.pending.delete(tx.txId)) finalized++;
      if (tx.nonce + 1n > this.next(tx.sender)) this.nextNonces.set(tx.sender, tx.nonce + 1n);
    }
    const senders = new Set(finalizedTxs.map((tx) => tx.sender));
    for (const [txId, tx] of this.pending) {
      if (senders.has(tx.sender) && tx.nonce < this.next(tx.sender)) {
        this.pending.delete(txId);
        stale++;
      }
    }
    return { finalized, stale };
  }

  prune(nowMs: number): number {
    let expired = 0;
    for (const [txId, tx] of this.pending) {
      if (tx.validUntil < BigInt(Math.floor(nowMs / 1000))) {
        this.pending.delete(txId);
        expired++;
      }
    }
    return expired;
  }

  inclusionList(maxEntries: number): { txId: Hex; firstSeenMs: number }[] {
    const isReady = (tx: PoolTx) => {
      for (let nonce = this.next(tx.sender); nonce < tx.nonce; nonce++) {
        if (![...this.pending.values()].some((p) => p.sender === tx.sender && p.nonce === nonce))
          return false;
      }
      return true;
    };
    return [...this.pending.values()]
      .filter(isReady)
      .slice(0, maxEntries)
      .map((tx) => ({ txId: tx.txId, firstSeenMs: tx.firstSeenMs }));
  }
}

function addResult(pool: Mempool, tx: PoolTx, nowMs: number): { code: string; firstSeenMs?: number } {
  try {
    const result = pool.add(tx.signed, { nowMs });
    return { code: result.duplicate ? 'DUPLICATE' : 'ACCEPTED', firstSeenMs: result.firstSeenMs };
  } catch (error) {
    if (!(error instanceof MempoolError)) throw error;
    return { code: error.code };
  }
}

describe('Mempool (model-based property)', () => {
  it('matches the reference model and keeps its invariants under any sequence of operations', () => {
    const seenCodes = new Set<string>();
    fc.assert(
      fc.property(fc.array(commandArbitrary, { minLength: 10, maxLength: 80 }), (commands) => {
        const pool = new Mempool({ domain: DOMAIN, limits: LIMITS });
        const model = new Model();
        let nowMs = NOW_MS;
        let prunedAtMs = 0;
        for (const command of commands) {
          switch (command.kind) {
            case 'add': {
              nowMs += command.elapsedMs;
              const tx = txs[command.index]!;
              const expected = model.add(tx, nowMs);
              seenCodes.add(expected.code);
              expect(addResult(pool, tx, nowMs)).toEqual(expected);
              break;
            }
            case 'finalize': {
              const finalized = command.indices.map((i) => txs[i]!);
              const list = finalized.map(({ sender, nonce, txId }) => ({ sender, nonce, txId }));
              expect(pool.markFinalized(list)).toEqual(model.finalize(finalized));
              break;
            }
            case 'prune':
              nowMs += command.elapsedMs;
              prunedAtMs = nowMs;
              expect(pool.prune(nowMs)).toBe(model.prune(nowMs));
              break;
            case 'inclusion': {
              const list = pool.inclusionList(command.maxEntries);
              expect(list).toEqual(model.inclusionList(command.maxEntries));
              for (let i = 1; i < list.length; i++)
                expect(list[i]!.firstSeenMs).toBeGreaterThanOrEqual(list[i - 1]!.firstSeenMs);
              break;
            }
          }
          // Invariants, computed independently of the pool's own bookkeeping.
          pool.checkInvariants();
          const entries = [...pool.entries()];
          expect(entries.map((e) => e.txId)).toEqual([...model.pending.keys()]);
          expect(pool.size).toBe(entries.length);
          expect(pool.bytes).toBe(entries.reduce((sum, e) => sum + encodedSize(e.transaction), 0));
          expect(pool.size).toBeLessThanOrEqual(LIMITS.maxTransactions!);
          expect(pool.bytes).toBeLessThanOrEqual(LIMITS.maxBytes!);
          const pruneSeconds = BigInt(Math.floor(prunedAtMs / 1000));
          for (const entry of entries) {
            expect(entry.nonce).toBeGreaterThanOrEqual(model.next(entry.sender));
            expect(entry.nonce).toBeLessThan(model.next(entry.sender) + LIMITS.maxNonceAhead!);
            expect(entry.transaction.validUntil).toBeGreaterThanOrEqual(pruneSeconds);
            expect(pool.senderEntries(entry.sender).length).toBeLessThanOrEqual(LIMITS.maxPerSender!);
          }
        }
      }),
      { numRuns: 300 },
    );
    // The generator reaches every outcome the pool's rules can produce here.
    expect([...seenCodes].sort()).toEqual(
      [
        'ACCEPTED',
        'DUPLICATE',
        'DUPLICATE_NONCE',
        'EXPIRED',
        'MEMPOOL_FULL',
        'NONCE_TOO_FAR_AHEAD',
        'NONCE_USED',
        'SENDER_FULL',
      ].sort(),
    );
  });
});
