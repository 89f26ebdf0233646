import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type NetworkDomain,
  recoverPublicKeyNative,
  secp256k1Backend,
  signTransaction,
  type Transaction,
  transactionId,
} from '@synod/protocol';
import { hexToBytes, keccak256, toBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

/** Where every benchmark writes its JSON (git-ignored). */
export const resultsDirectory = join(dirname(fileURLToPath(import.meta.url)), 'results');

export function writeResults(name: string, results: unknown): string {
  mkdirSync(resultsDirectory, { recursive: true });
  const path = join(resultsDirectory, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}

export interface Measurement {
  opsPerSecond: number;
  msPerOp: number;
  iterations: number;
}

/**
 * Runs `operation` in a warm loop for about `durationMs` and reports throughput. The first
 * `warmupIterations` calls are not timed (JIT, lazy init). Results of the operation are folded
 * into a sink so the work cannot be optimized away.
 */
export function measure(operation: () => unknown, durationMs = 1000, warmupIterations = 50): Measurement {
  let sink = 0;
  for (let i = 0; i < warmupIterations; i++) sink ^= operation() ? 1 : 0;
  let iterations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(durationMs) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 10; i++) sink ^= operation() ? 1 : 0;
    iterations += 10;
    now = process.hrtime.bigint();
  }
  const elapsedMs = Number(now - start) / 1e6;
  if (sink === 42) process.stdout.write('');
  return { opsPerSecond: (iterations / elapsedMs) * 1000, msPerOp: elapsedMs / iterations, iterations };
}

/** Median of several timed single runs of `operation`, in ms: robust to a stray GC pause. */
export function medianMs(operation: () => unknown, runs = 200): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    operation();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

export function printTable(title: string, rows: [string, string][]): void {
  const width = Math.max(...rows.map(([key]) => key.length));
  process.stdout.write(`\n${title}\n${'-'.repeat(title.length)}\n`);
  for (const [key, value] of rows) process.stdout.write(`${key.padEnd(width)}  ${value}\n`);
}

/** The signed transaction the crypto benchmarks recover: one sender, a 16-byte payload. */
export interface RecoveryFixture {
  domain: NetworkDomain;
  transaction: Transaction;
  /** r ‖ s of the signature. */
  rs: Uint8Array;
  recovery: number;
  /** The EIP-712 digest (the txId) as bytes. */
  digest: Uint8Array;
}

export async function recoveryFixture(): Promise<RecoveryFixture> {
  const domain: NetworkDomain = {
    networkId: 1,
    chainId: 31337,
    inbox: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
  };
  const account = privateKeyToAccount(keccak256(toBytes('synod bench account')));
  const transaction: Transaction = {
    networkId: domain.networkId,
    namespace: keccak256(toBytes('bench-app')),
    sender: account.address,
    nonce: 7n,
    payload: '0x0102030405060708090a0b0c0d0e0f10',
    validUntil: 4_000_000_000n,
  };
  const signed = await signTransaction(account, transaction, domain);
  const signatureBytes = hexToBytes(signed.signature);
  return {
    domain,
    transaction,
    rs: signatureBytes.subarray(0, 64),
    recovery: signatureBytes[64]! - 27,
    digest: hexToBytes(transactionId(transaction, domain)),
  };
}

/**
 * Native libsecp256k1 public-key recoveries per second on one core (crypto.json's
 * `secp256k1RecoverNative`, and the network benchmark's crypto ceiling). Throws if the addon did
 * not load: the number would be the fallback's.
 */
export async function measureSecp256k1RecoverNative(durationMs = 1000): Promise<Measurement> {
  if (secp256k1Backend !== 'native') {
    throw new Error('native libsecp256k1 did not load: the benchmark would measure the fallback');
  }
  const { rs, recovery, digest } = await recoveryFixture();
  return measure(() => recoverPublicKeyNative(rs, recovery, digest), durationMs);
}
