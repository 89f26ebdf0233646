import { keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createSynodClient,
  http,
  sendTransaction,
  VerificationError,
  waitForFinality,
} from '../src/index.ts';
import { verifyBlsSignature } from '../src/utils/bls.ts';
import { startTestNode, TEST_NETWORK, type TestNode } from './helpers/server.ts';

// Counts the BLS pairing checks (the real function does the work).
vi.mock('../src/utils/bls.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/utils/bls.ts')>();
  return { ...real, verifyBlsSignature: vi.fn(real.verifyBlsSignature) };
});

const namespace = keccak256(toHex('cache-exchange'));
let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.stop();
});

describe('certificates are verified once per client', () => {
  it('orders finalized in one block pair its certificate once; another certificate for the same header is still checked', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    const sent = await Promise.all(
      [0x21, 0x22, 0x23].map((seed) =>
        sendTransaction(client, {
          account: privateKeyToAccount(`0x${seed.toString(16).repeat(32)}`),
          namespace,
          payload: '0x03',
        }),
      ),
    );
    node.chain.produceBlock();
    vi.mocked(verifyBlsSignature).mockClear();
    for (const { txId, transaction } of sent)
      await waitForFinality(client, { txId, transaction, timeoutMs: 5_000 });
    expect(vi.mocked(verifyBlsSignature)).toHaveBeenCalledTimes(1);
    expect(client.verifiedCertificates.size).toBe(1);
    // A node that now serves a forged certificate for that very header is caught: the cache
    // holds what was verified (hash, round, signature, key), not the height.
    node.chain.forge = { certificate: true };
    const error = await waitForFinality(client, { ...sent[0]!, timeoutMs: 5_000 }).catch((e) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error.reason).toBe('INVALID_CERTIFICATE');
    expect(vi.mocked(verifyBlsSignature)).toHaveBeenCalledTimes(2);
  });
});
