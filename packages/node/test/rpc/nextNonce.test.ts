import type { Address, Hex } from '@synod/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNodeBackend } from '../../src/assembly/backend.ts';
import type { CommitteeJson } from '../../src/dkg/committee.ts';
import type { ConsensusDriver } from '../../src/driver/driver.ts';
import { Mempool } from '../../src/mempool/mempool.ts';
import type { Store } from '../../src/storage/store.ts';
import type { CatchUpSync } from '../../src/sync/sync.ts';
import { account, DOMAIN, signedTransaction } from './fixtures.ts';
import { call, startServer, type TestServer } from './helpers.ts';

/**
 * synod_getNextNonce over real HTTP, answered by the node's own backend over a real mempool
 * (verified, signed transactions); the chain state's next nonce is a map the test moves.
 */

const NOW_MS = 1_700_000_000_000;
const sender = account.address.toLowerCase() as Address;
const chainNonces = new Map<Address, bigint>();
const mempool = new Mempool({ domain: DOMAIN, nextNonceOf: (address) => chainNonces.get(address) ?? 0n });
let server: TestServer;

beforeAll(async () => {
  const backend = createNodeBackend({
    domain: DOMAIN,
    committee: {} as CommitteeJson,
    store: {} as Store,
    mempool,
    driver: { onCommit: () => () => {}, chain: { feedStates: new Map() } } as unknown as ConsensusDriver,
    sync: {} as CatchUpSync,
    peerCount: () => 0,
    disseminate: () => {},
    nowMs: () => NOW_MS,
  });
  server = await startServer({ backend });
});
afterAll(() => server.server.stop());

const nextNonce = async (address: string) =>
  (await call(server.address.url, 'synod_getNextNonce', [address])).result;

async function admit(nonce: bigint): Promise<void> {
  mempool.add(await signedTransaction(nonce), { nowMs: NOW_MS });
}

describe('synod_getNextNonce', () => {
  test('a sender the node never saw starts at "0"', async () => {
    expect(await nextNonce(`0x${'99'.repeat(20)}`)).toBe('0');
  });

  test('counts the finalized nonces (chain state) and the gapless run pending in the mempool', async () => {
    chainNonces.set(sender, 2n);
    expect(await nextNonce(sender)).toBe('2');
    await admit(2n);
    await admit(3n);
    await admit(5n); // behind a gap: 4 is what the sender must send next
    expect(await nextNonce(sender)).toBe('4');
    await admit(4n);
    expect(await nextNonce(sender)).toBe('6');
    // A checksummed address is the same sender (the param is lowercased).
    expect(await nextNonce(account.address)).toBe('6');
  });

  test('finalized nonces past the pending ones win', async () => {
    chainNonces.set(sender, 10n);
    expect(await nextNonce(sender)).toBe('10');
  });

  test('large nonces are exact decimal strings', async () => {
    chainNonces.set(sender, 2n ** 63n);
    expect(await nextNonce(sender)).toBe('9223372036854775808');
  });

  test('the address must be 20 bytes of hex: INVALID_PARAMS naming it', async () => {
    for (const bad of ['0x1234', 'abc', 7, null]) {
      const response = await call(server.address.url, 'synod_getNextNonce', [bad]);
      expect(response.error, String(bad)).toMatchObject({ code: -32602, data: { param: 'sender' } });
    }
    const byName = await call(server.address.url, 'synod_getNextNonce', {
      sender: `0x${'99'.repeat(20)}` as Hex,
    });
    expect(byName.result).toBe('0');
  });
});
