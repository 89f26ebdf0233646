import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Address, bytesToHex, type Hex, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bls12381HarnessAbi, bls12381HarnessBytecode } from '../src/artifacts.ts';
import { startTestChain, type TestChain } from './helpers/chain.ts';

const VECTORS_DIRECTORY = join(import.meta.dirname, '..', '..', '..', 'vectors');

interface ExpandVectors {
  DST: string;
  tests: { msg: string; len_in_bytes: string; uniform_bytes: string }[];
}
interface HashToCurveVectors {
  dst: string;
  vectors: { msg: string; P: { x: string; y: string } }[];
}

function readVectors<T>(name: string): T {
  return JSON.parse(readFileSync(join(VECTORS_DIRECTORY, name), 'utf8')) as T;
}

/** '0xabc…' (48-byte field element) → 64-byte EIP-2537 encoding. */
function fpToEip2537(value: string): string {
  return value.replace(/^0x/, '').padStart(128, '0');
}

/** RFC "c0,c1" strings → EIP-2537 G2 point x ‖ y (c0 ‖ c1 each). */
function g2ToEip2537(point: { x: string; y: string }): Hex {
  const coordinates = [...point.x.split(','), ...point.y.split(',')];
  return `0x${coordinates.map(fpToEip2537).join('')}`;
}

let chain: TestChain;
let harness: Address;

beforeAll(async () => {
  chain = await startTestChain();
  const hash = await chain.walletClient.deployContract({
    abi: bls12381HarnessAbi,
    bytecode: bls12381HarnessBytecode,
  });
  harness = (await chain.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
});

afterAll(async () => {
  await chain?.anvil.stop();
});

describe('RFC 9380 vectors through the EVM', () => {
  for (const file of [
    'rfc9380-expand_message_xmd_SHA256_38.json',
    'rfc9380-expand_message_xmd_SHA256_256.json',
  ]) {
    const vectors = readVectors<ExpandVectors>(file);
    it(`expand_message_xmd matches every vector of ${file}`, async () => {
      for (const vector of vectors.tests) {
        const uniform = await chain.publicClient.readContract({
          address: harness,
          abi: bls12381HarnessAbi,
          functionName: 'expandMessageXmd',
          args: [toHex(vector.msg), toHex(vectors.DST), BigInt(vector.len_in_bytes)],
        });
        expect(uniform, `msg ${JSON.stringify(vector.msg)} len ${vector.len_in_bytes}`).toBe(
          `0x${vector.uniform_bytes}`,
        );
      }
    });
  }

  it('hash_to_G2 matches every BLS12381G2_XMD:SHA-256_SSWU_RO_ vector', async () => {
    const vectors = readVectors<HashToCurveVectors>(
      'rfc9380-hash_to_G2-BLS12381G2_XMD_SHA-256_SSWU_RO_.json',
    );
    expect(vectors.vectors.length).toBeGreaterThan(0);
    for (const vector of vectors.vectors) {
      const point = await chain.publicClient.readContract({
        address: harness,
        abi: bls12381HarnessAbi,
        functionName: 'hashToG2',
        args: [toHex(vector.msg), toHex(vectors.dst)],
      });
      expect(point, `msg ${JSON.stringify(vector.msg)}`).toBe(g2ToEip2537(vector.P));
    }
  });

  it('expand_message_xmd refuses a zero or oversize output length', async () => {
    for (const length of [0n, 8161n]) {
      await expect(
        chain.publicClient.readContract({
          address: harness,
          abi: bls12381HarnessAbi,
          functionName: 'expandMessageXmd',
          args: [bytesToHex(new Uint8Array(1)), toHex('DST'), length],
        }),
      ).rejects.toThrow(/InvalidExpandLength/);
    }
  });
});
