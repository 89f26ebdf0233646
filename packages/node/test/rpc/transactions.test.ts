import {
  type Hex,
  type SignedTransaction,
  signTransaction,
  transactionId,
  verifyTransaction,
} from '@synod/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  account,
  DOMAIN,
  encode,
  MempoolStubError,
  signedTransaction,
  unsignedTransaction,
} from './fixtures.ts';
import { post, StubBackend, startServer, type TestServer } from './helpers.ts';

/** The verifier's clock: a fixed unix second inside every fixture's validity window. */
const NOW_SECONDS = 1_700_000_000;

/**
 * A backend whose sendTransaction does what the mempool will: verify the decoded transaction
 * against the network domain (real secp256k1 recovery) and refuse a reused nonce.
 */
class VerifyingBackend extends StubBackend {
  readonly received: SignedTransaction[] = [];
  readonly #nonces = new Set<string>();
  override sendTransaction = async (tx: SignedTransaction): Promise<Hex> => {
    const txId = verifyTransaction(tx, DOMAIN, { nowSeconds: NOW_SECONDS });
    const key = `${tx.sender}:${tx.nonce}`;
    if (this.#nonces.has(key)) throw new MempoolStubError('NONCE_USED', `nonce ${tx.nonce} already used`);
    this.#nonces.add(key);
    this.received.push(tx);
    return txId;
  };
}

let server: TestServer;
let backend: VerifyingBackend;

beforeAll(async () => {
  backend = new VerifyingBackend();
  server = await startServer({ backend });
});
afterAll(() => server.server.stop());

async function send(raw: Hex | Hex[]) {
  const body = Array.isArray(raw)
    ? raw.map((tx, id) => ({ jsonrpc: '2.0', id, method: 'synod_sendTransaction', params: [tx] }))
    : { jsonrpc: '2.0', id: 1, method: 'synod_sendTransaction', params: [raw] };
  return (await post(server.address.url, JSON.stringify(body))).body;
}

describe('synod_sendTransaction end to end (real signatures, HTTP, decoding backend)', () => {
  test('signed transactions arrive decoded and intact, and the txId is the EIP-712 digest', async () => {
    const signed = await Promise.all([1n, 2n, 3n].map((nonce) => signedTransaction(nonce)));
    const responses = (await send(signed.map(encode))) as { id: number; result: Hex }[];
    expect(responses.sort((a, b) => a.id - b.id).map((r) => r.result)).toEqual(
      signed.map((tx) => transactionId(tx, DOMAIN)),
    );
    expect(backend.received.map((tx) => tx.nonce).sort((a, b) => (a < b ? -1 : 1))).toEqual([1n, 2n, 3n]);
    for (const tx of signed) expect(backend.received).toContainEqual(tx);
  });

  test('a reused nonce is NONCE_USED (-32020)', async () => {
    const tx = encode(await signedTransaction(10n));
    expect(await send(tx)).toMatchObject({ result: expect.any(String) });
    expect(await send(tx)).toMatchObject({ error: { code: -32020, data: { code: 'NONCE_USED' } } });
  });

  test('a payload changed after signing is SIGNER_MISMATCH (-32016)', async () => {
    const tx = await signedTransaction(20n, '0x01');
    const tampered = encode({ ...tx, payload: '0x02' });
    expect(await send(tampered)).toMatchObject({
      error: { code: -32016, message: 'signer mismatch', data: { code: 'SIGNER_MISMATCH' } },
    });
  });

  test('a transaction for another network is WRONG_NETWORK (-32012)', async () => {
    const otherDomain = { ...DOMAIN, networkId: 8 };
    const tx = await signTransaction(account, { ...unsignedTransaction(30n), networkId: 8 }, otherDomain);
    expect(await send(encode(tx))).toMatchObject({
      error: { code: -32012, data: { code: 'WRONG_NETWORK' } },
    });
  });

  test('an expired transaction is EXPIRED (-32013)', async () => {
    const tx = await signTransaction(
      account,
      { ...unsignedTransaction(40n), validUntil: 1_600_000_000n },
      DOMAIN,
    );
    expect(await send(encode(tx))).toMatchObject({ error: { code: -32013, data: { code: 'EXPIRED' } } });
  });

  test('an r value of zero is BAD_SIGNATURE (-32014)', async () => {
    const tx = await signedTransaction(50n);
    const broken = encode({ ...tx, signature: `0x${'00'.repeat(32)}${tx.signature.slice(66)}` as Hex });
    expect(await send(broken)).toMatchObject({ error: { code: -32014, data: { code: 'BAD_SIGNATURE' } } });
  });

  test('bytes that are not a transaction encoding are MALFORMED (-32010) with the decoder code', async () => {
    const raw = encode(await signedTransaction(60n));
    expect(await send(raw.slice(0, -4) as Hex)).toMatchObject({
      error: { code: -32010, data: { code: 'MALFORMED', decodeCode: 'TRUNCATED' } },
    });
    expect(await send(`${raw}00` as Hex)).toMatchObject({
      error: { code: -32010, data: { code: 'MALFORMED', decodeCode: 'TRAILING_BYTES' } },
    });
  });
});
