import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import {
  ENCRYPTED_NAMESPACE,
  encryptTransaction,
  type SignedTransaction,
  signTransaction,
  toLowerHex,
  transactionCodec,
} from '@synod/protocol';
import { bytesToHex, type Hex, hexToBytes, keccak256, toHex } from 'viem';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BadSignatureError,
  BaseError,
  type BlockSummary,
  createSynodClient,
  DuplicateNonceError,
  http,
  InvalidParamsRpcError,
  MethodNotFoundRpcError,
  NonCanonicalSignatureError,
  NonceTooFarAheadError,
  NonceUsedError,
  RpcRequestError,
  SignerMismatchError,
  type SynodClient,
  TransactionExpiredError,
  type Transport,
  UndecryptableTransactionError,
  VerificationError,
  verifyCertificate,
  verifyTransactionInclusion,
  WrongNetworkError,
  webSocket,
} from '../src/index.ts';
import { type Bundle, bundlePage, runInChromium, servePage } from './helpers/browser.ts';
import { type RealNetwork, startRealNetwork, stopAllNodes } from './helpers/network.ts';

/**
 * Issue #8 §6: the SDK against a real network. Four `synod start` processes with a genesis from
 * the real DKG (the node's integration helpers); the README quick start and the trading example
 * run as subprocesses against it; finality is verified under the DKG's group key through every
 * node; watchBlocks gets consecutive verified blocks over a WebSocket; real node rejections come
 * back as the SDK's error classes; and the SDK, bundled by Vite, does the same in headless
 * Chromium (test/browser/page.ts).
 */

const run = promisify(execFile);
const example = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));
const namespace = keccak256(toHex('sdk/network-test'));
/** secp256k1's group order: s ↦ n − s makes the high-s twin of a signature. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

let net: RealNetwork;
/** The Vite build runs (~1 s) while the DKG does; only the browser test waits for it. */
let bundling: Promise<Bundle>;
const wsClients: SynodClient<Transport<string, unknown>>[] = [];

/** An HTTP client of node `i` that pins the DKG's key (no node can substitute its own). */
function httpClient(i: number, overrides: { network?: RealNetwork['network']; groupPublicKey?: Hex } = {}) {
  return createSynodClient({
    transport: http(net.nodes[i]!.url),
    network: overrides.network ?? net.network,
    committee: { epoch: 0, groupPublicKey: overrides.groupPublicKey ?? net.groupPublicKey },
    pollingIntervalMs: 100,
  });
}

function webSocketClient(i: number) {
  const client = createSynodClient({
    transport: webSocket(net.nodes[i]!.webSocketUrl),
    network: net.network,
    committee: { epoch: 0, groupPublicKey: net.groupPublicKey },
  });
  wsClients.push(client);
  return client;
}

const freshAccount = (): PrivateKeyAccount => privateKeyToAccount(generatePrivateKey());

/** Block `height` from `client`'s node, waiting (10 s at most) for that node to finalize it. */
async function blockOf(client: ReturnType<typeof httpClient>, height: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const block = await client.getBlock({ height });
    if (block !== null) return block;
    if (Date.now() > deadline) throw new Error(`the node has no block ${height} after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  bundling = bundlePage();
  bundling.catch(() => {}); // reported by the browser test
  net = await startRealNetwork(4);
}, 150_000);

beforeEach(({ onTestFailed }) => {
  // The nodes' own account of a failure: the tail of each one's log.
  onTestFailed(() => console.error(net?.logs()));
});

afterAll(async () => {
  await Promise.all(
    wsClients.map((client) => (client.transport.value as { close(): Promise<void> }).close().catch(() => {})),
  );
  await net?.stop();
  stopAllNodes(); // also what a start-up cut short by the hook timeout left behind
  await bundling?.then(
    (bundle) => bundle.remove(),
    () => {},
  );
});

describe('@synod/sdk against a real 4-node network', () => {
  it('runs the README quick start (examples/quickstart.ts) against a node', async () => {
    const { stdout } = await run(process.execPath, [example('quickstart.ts')], {
      timeout: 30_000,
      env: {
        ...process.env,
        SYNOD_RPC_URL: net.nodes[0]!.url,
        SYNOD_NETWORK_ID: String(net.network.networkId),
        SYNOD_CHAIN_ID: String(net.network.chainId),
        SYNOD_INBOX: net.network.inbox,
        SYNOD_GROUP_PUBLIC_KEY: net.groupPublicKey,
        PRIVATE_KEY: generatePrivateKey(),
      },
    });
    expect(stdout).toMatch(/submitted 0x[0-9a-f]{64} \(nonce 0\)/);
    expect(stdout).toMatch(/finalized at height \d+, position \d+/);
    expect(stdout).toContain('certificate verifies: true');
    expect(stdout).toContain('transaction included: true');
    // This network runs no price oracle: the quick start's last step reads an empty feed.
    expect(stdout).toContain('ETH/USD: no price yet');
  });

  it('runs the trading example (examples/trading.ts) over WebSocket and HTTP', async () => {
    const [overWebSocket, overHttp] = await Promise.all([
      run(
        process.execPath,
        [example('trading.ts'), net.nodes[1]!.webSocketUrl, '--orders', '20', '--concurrency', '5'],
        {
          timeout: 60_000,
        },
      ),
      run(
        process.execPath,
        [example('trading.ts'), net.nodes[2]!.url, '--orders', '6', '--concurrency', '3'],
        {
          timeout: 60_000,
        },
      ),
    ]);
    expect(overWebSocket.stdout).toContain(`network ${net.network.networkId}`);
    expect(overWebSocket.stdout).toContain('orders: 20 finalized, 0 failed');
    expect(overWebSocket.stdout).toMatch(/p50 [\d.]+ ms, p90 [\d.]+ ms, p99 [\d.]+ ms/);
    expect(overHttp.stdout).toContain('orders: 6 finalized, 0 failed');
    console.log(`trading.ts over WebSocket: ${overWebSocket.stdout.trim().split('\n').at(-1)}`);
  });

  it('sendTransaction → waitForFinality verifies certificate and proof, through every node', async () => {
    const clients = net.nodes.map((_, i) => httpClient(i));
    // The committee every node reports is the DKG's.
    for (const client of clients) {
      const committee = await client.getCommittee({ epoch: 0 });
      expect(committee?.groupPublicKey).toBe(net.groupPublicKey);
      expect(committee?.threshold).toBe(net.threshold);
    }
    const sent = await Promise.all(
      clients.map(async (client, i) => {
        const account = freshAccount();
        const submitted = await client.sendTransaction({
          account,
          namespace,
          payload: toHex(`order via node ${i}`),
        });
        return { ...submitted, account };
      }),
    );
    for (const { txId, transaction } of sent) {
      // Every node gives the same verified inclusion (each checks it against the pinned key).
      const seen = await Promise.all(
        clients.map((client) => client.waitForFinality({ txId, transaction, timeoutMs: 30_000 })),
      );
      const [first] = seen;
      for (const finality of seen) {
        expect({ height: finality.height, index: finality.index, blockHash: finality.blockHash }).toEqual({
          height: first!.height,
          index: first!.index,
          blockHash: first!.blockHash,
        });
        expect(finality.txId).toBe(txId);
        expect(
          verifyCertificate({
            header: finality.header,
            certificate: finality.certificate,
            groupPublicKey: net.groupPublicKey,
            network: net.network,
          }),
        ).toBe(true);
        expect(verifyTransactionInclusion({ ...finality, network: net.network })).toBe(true);
      }
      // The block each node serves is the same, verified (certificate, hash, txRoot).
      const blocks = await Promise.all(
        clients.map((client) =>
          client.getBlock({ height: first!.height, includeTransactions: true, verify: true }),
        ),
      );
      for (const block of blocks) {
        expect(block?.hash).toBe(first!.blockHash);
        expect(block?.transactionIds[first!.index]).toBe(txId);
      }
    }
    // Over a WebSocket, finality comes by subscription; same answer.
    const ws = webSocketClient(3);
    const account = freshAccount();
    const { txId, transaction } = await ws.sendTransaction({ account, namespace, payload: '0xabcd' });
    const finality = await ws.waitForFinality({ txId, transaction, timeoutMs: 30_000 });
    expect((await clients[0]!.waitForFinality({ txId, timeoutMs: 30_000 })).blockHash).toBe(
      finality.blockHash,
    );
    const status = await clients[0]!.getTransactionStatus({ txId });
    expect(status.status === 'finalized' && status.blockHash).toBe(finality.blockHash);
  });

  it('encrypt: true — the network orders an envelope; its verified plaintext is final two blocks later', async () => {
    const client = httpClient(1);
    const committee = await client.getCommittee({ epoch: 0 });
    expect(committee?.encryptionKey).toMatch(/^0x[0-9a-f]{96}$/);
    const account = freshAccount();
    const payload = toHex('secret order: buy 1 ETH-PERP');
    const sent = await client.sendTransaction({ account, namespace, payload, encrypt: true });
    // What the nodes see is an envelope of its own namespace, whose payload does not hold the order.
    expect(sent.transaction.namespace).toBe(ENCRYPTED_NAMESPACE);
    expect(sent.transaction.payload.includes(payload.slice(2))).toBe(false);
    expect(sent.encrypted?.transaction).toMatchObject({ namespace, payload, nonce: sent.transaction.nonce });
    const finality = await client.waitForFinality({ ...sent, timeoutMs: 30_000 });
    const revealed = finality.revealed!;
    expect(revealed.txId).toBe(sent.encrypted!.txId);
    expect(revealed.height).toBe(finality.height + 2);
    expect(revealed.transaction.payload).toBe(payload);
    expect(verifyTransactionInclusion({ ...revealed, network: net.network })).toBe(true);
    // Any node names the plaintext in the envelope's status.
    const status = await httpClient(3).getTransactionStatus({ txId: sent.txId });
    expect(status.status === 'finalized' && status.reveal).toEqual({
      status: 'revealed',
      txId: revealed.txId,
      height: revealed.height,
    });
    // The sender's next transaction runs after its plaintext (its nonce order holds).
    const next = await client.sendTransaction({ account, namespace, payload: '0x01' });
    const nextFinality = await client.waitForFinality({ ...next, timeoutMs: 30_000 });
    expect(
      nextFinality.height > revealed.height ||
        (nextFinality.height === revealed.height && nextFinality.index > revealed.index),
    ).toBe(true);
  });

  it('an envelope whose plaintext is not its own transaction reveals nothing (UndecryptableTransactionError)', async () => {
    const client = httpClient(2);
    const committee = await client.getCommittee({ epoch: 0 });
    const account = freshAccount();
    // The hidden transaction carries nonce 7, the envelope nonce 0: a MISMATCH verdict.
    const hidden = await signTransaction(
      account,
      {
        networkId: net.network.networkId,
        namespace,
        sender: account.address,
        nonce: 7n,
        payload: '0x02',
        validUntil: BigInt(Math.floor(Date.now() / 1000) + 60),
      },
      net.network,
    );
    const envelopePayload = encryptTransaction({
      publicKey: hexToBytes(committee!.encryptionKey!),
      transaction: hidden,
      seed: crypto.getRandomValues(new Uint8Array(32)),
    });
    const sent = await client.sendTransaction({
      account,
      namespace: ENCRYPTED_NAMESPACE,
      payload: envelopePayload,
      nonce: 0n,
      validUntil: hidden.validUntil,
    });
    const error = await client
      .waitForFinality({ ...sent, timeoutMs: 30_000 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UndecryptableTransactionError);
    expect((error as UndecryptableTransactionError).reason).toBe('MISMATCH');
  });

  it('rejects a finality that does not verify under the pinned key (VerificationError)', async () => {
    // Another valid G1 point: the generator. The real certificates do not verify under it.
    const wrongKey = bytesToHex(bls12_381.G1.Point.BASE.toBytes(true));
    const honest = httpClient(0);
    const pinnedWrong = httpClient(0, { groupPublicKey: wrongKey });
    const { txId, transaction } = await honest.sendTransaction({
      account: freshAccount(),
      namespace,
      payload: '0x01',
    });
    await honest.waitForFinality({ txId, transaction, timeoutMs: 30_000 });
    const error = await pinnedWrong.waitForFinality({ txId, transaction, timeoutMs: 30_000 }).catch((e) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error.reason).toBe('INVALID_CERTIFICATE');
  });

  it('watchBlocks over WebSocket delivers consecutive verified blocks', async () => {
    const ws = webSocketClient(2);
    const blocks: BlockSummary[] = [];
    const errors: Error[] = [];
    let enough!: () => void;
    const done = new Promise<void>((resolve) => {
      enough = resolve;
    });
    const unwatch = ws.watchBlocks({
      emitOnBegin: true,
      onBlock: (block) => {
        blocks.push(block);
        if (blocks.length >= 5) enough();
      },
      onError: (error) => errors.push(error),
    });
    // Some transactions meanwhile, so the blocks are not all empty.
    const sender = httpClient(1);
    const account = freshAccount();
    for (let i = 0; i < 3; i++)
      await sender.sendTransaction({ account, namespace, payload: toHex(`watched ${i}`) });
    await done;
    unwatch();
    expect(errors).toEqual([]);
    for (let i = 1; i < blocks.length; i++) {
      expect(blocks[i]!.header.height).toBe(blocks[i - 1]!.header.height + 1);
      expect(blocks[i]!.header.parentHash).toBe(blocks[i - 1]!.hash);
    }
    for (const block of blocks) {
      expect(verifyCertificate({ ...block, groupPublicKey: net.groupPublicKey, network: net.network })).toBe(
        true,
      );
    }
    // Another node has the same blocks (once it has caught up with the one watched).
    const other = httpClient(0);
    for (const block of blocks) {
      expect((await blockOf(other, block.header.height)).hash).toBe(block.hash);
    }

    // With a wrong pinned key, the first block fails verification and the watch stops there.
    const wrong = createSynodClient({
      transport: webSocket(net.nodes[2]!.webSocketUrl),
      network: net.network,
      committee: { epoch: 0, groupPublicKey: bytesToHex(bls12_381.G1.Point.BASE.toBytes(true)) },
    });
    wsClients.push(wrong);
    const rejected = await new Promise<Error>((resolve, reject) => {
      const stop = wrong.watchBlocks({
        emitOnBegin: true,
        onBlock: (block) => reject(new Error(`delivered unverifiable block ${block.header.height}`)),
        onError: (error) => {
          stop();
          resolve(error);
        },
      });
    });
    expect(rejected).toBeInstanceOf(VerificationError);
  });

  describe('node rejections map to the SDK error classes', () => {
    const expectRpcError = (
      error: unknown,
      errorClass: abstract new (...args: never[]) => RpcRequestError,
      dataCode: string,
    ) => {
      expect(error, dataCode).toBeInstanceOf(errorClass);
      expect(error).toBeInstanceOf(RpcRequestError);
      expect(error).toBeInstanceOf(BaseError);
      const rpcError = error as RpcRequestError;
      expect(rpcError.dataCode).toBe(dataCode);
      expect(rpcError.shortMessage).not.toBe('');
      expect(typeof rpcError.code).toBe('number');
    };

    it('nonce reuse, a duplicate pending nonce, a nonce too far ahead', async () => {
      const client = httpClient(1);
      const account = freshAccount();
      const { txId, transaction } = await client.sendTransaction({ account, namespace, payload: '0x01' });
      await client.waitForFinality({ txId, transaction, timeoutMs: 30_000 });
      const reused = await client
        .sendTransaction({ account, namespace, payload: '0x02', nonce: transaction.nonce })
        .catch((e) => e);
      expectRpcError(reused, NonceUsedError, 'NONCE_USED');
      // Nonce 5 waits for 1..4 (never sent), so it stays pending: a second nonce 5 is a duplicate.
      await client.sendTransaction({ account, namespace, payload: '0x05', nonce: 5n });
      const duplicate = await client
        .sendTransaction({ account, namespace, payload: '0x55', nonce: 5n })
        .catch((e) => e);
      expectRpcError(duplicate, DuplicateNonceError, 'DUPLICATE_NONCE');
      const ahead = await client
        .sendTransaction({ account, namespace, payload: '0x01', nonce: 1_000_000n })
        .catch((e) => e);
      expectRpcError(ahead, NonceTooFarAheadError, 'NONCE_TOO_FAR_AHEAD');
    });

    it('an expired transaction, another network, another chain id', async () => {
      const account = freshAccount();
      const expired = await httpClient(2)
        .sendTransaction({ account, namespace, payload: '0x01', validUntil: 1n })
        .catch((e) => e);
      expectRpcError(expired, TransactionExpiredError, 'EXPIRED');
      const otherNetwork = await httpClient(2, {
        network: { ...net.network, networkId: net.network.networkId + 1 },
      })
        .sendTransaction({ account, namespace, payload: '0x01' })
        .catch((e) => e);
      expectRpcError(otherNetwork, WrongNetworkError, 'WRONG_NETWORK');
      // Signed for another chain id: the node recovers another address than the sender.
      const otherChain = await httpClient(2, {
        network: { ...net.network, chainId: net.network.chainId + 1 },
      })
        .sendTransaction({ account, namespace, payload: '0x01' })
        .catch((e) => e);
      expectRpcError(otherChain, SignerMismatchError, 'SIGNER_MISMATCH');
    });

    it('signatures the SDK would never produce (raw): bad v, high s', async () => {
      const client = httpClient(3);
      const account = freshAccount();
      const signed = await signTransaction(
        account,
        {
          networkId: net.network.networkId,
          namespace,
          sender: account.address,
          nonce: 0n,
          payload: '0x01',
          validUntil: BigInt(Math.floor(Date.now() / 1000) + 600),
        },
        net.network,
      );
      const send = (tx: SignedTransaction) =>
        client
          .request({ method: 'synod_sendTransaction', params: [toLowerHex(transactionCodec.encode(tx))] })
          .catch((e: unknown) => e);
      const r = signed.signature.slice(2, 66);
      const s = BigInt(`0x${signed.signature.slice(66, 130)}`);
      const v = Number.parseInt(signed.signature.slice(130), 16);
      const badV = `0x${r}${s.toString(16).padStart(64, '0')}1d` as Hex;
      expectRpcError(await send({ ...signed, signature: badV }), BadSignatureError, 'BAD_SIGNATURE');
      const highS =
        `0x${r}${(SECP256K1_N - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
      expectRpcError(await send({ ...signed, signature: highS }), NonCanonicalSignatureError, 'HIGH_S');
      // The untouched one is admitted.
      expect(await send(signed)).toMatch(/^0x[0-9a-f]{64}$/);
    });

    it('protocol-level errors: unknown method, invalid params', async () => {
      const client = httpClient(0);
      const request = client.request as (args: { method: string; params: unknown[] }) => Promise<unknown>;
      expectRpcError(
        await request({ method: 'synod_noSuchMethod', params: [] }).catch((e) => e),
        MethodNotFoundRpcError,
        'METHOD_NOT_FOUND',
      );
      expectRpcError(
        await client
          .request({ method: 'synod_getTransactionStatus', params: ['0x1234' as Hex] })
          .catch((e) => e),
        InvalidParamsRpcError,
        'INVALID_PARAMS',
      );
    });
  });
});

describe('@synod/sdk bundled by Vite, in headless Chromium', () => {
  it('signs with a viem account in the page and verifies finality there, against the real network', {
    timeout: 90_000,
  }, async () => {
    const bundle = await bundling;
    expect(bundle.javaScript).not.toContain('__vite-browser-external');
    const privateKey = generatePrivateKey();
    const server = await servePage(
      bundle,
      {
        webSocketUrl: net.nodes[1]!.webSocketUrl,
        httpPath: '/rpc',
        network: net.network,
        groupPublicKey: net.groupPublicKey,
        privateKey,
      },
      net.nodes[2]!.url,
    );
    try {
      const { report, console: messages } = await runInChromium(server.url, server.report, 60_000);
      if (!report.ok) throw new Error(`the page failed: ${report.error}\n${messages.join('\n')}`);
      console.log(
        `browser (${report.userAgent.match(/Chrome\/[\d.]+/)?.[0]}): bundle ${(bundle.javaScriptBytes / 1024).toFixed(0)} KiB, ` +
          `submitted in ${report.submitMs.toFixed(0)} ms, verified finality in ${report.finalityMs.toFixed(0)} ms`,
      );
      expect(report.userAgent).toMatch(/HeadlessChrome|Chrome/);
      expect(report.hasProcessGlobal).toBe(false);
      expect(report.sender).toBe(privateKeyToAccount(privateKey).address);
      expect(report.nonce).toBe('0');
      expect(report.certified).toBe(true);
      expect(report.forgedCertified).toBe(false);
      expect(report.included).toBe(true);
      expect(report.httpBlockHash).toBe(report.blockHash);
      expect(report.nonceReuse).toEqual({
        name: 'NonceUsedError',
        dataCode: 'NONCE_USED',
        isNonceUsedError: true,
      });
      // Encrypted in the browser, revealed two blocks after its envelope, verified there.
      expect(report.encrypted).toMatchObject({
        envelopeHidesPayload: true,
        revealedHeight: report.encrypted.envelopeHeight + 2,
        revealedPayloadMatches: true,
        revealedIncluded: true,
      });
      console.log(`browser: encrypt + two signatures + submit ${report.encrypted.sendMs.toFixed(0)} ms`);
      expect(report.watchErrors).toEqual([]);
      expect(report.watched.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < report.watched.length; i++) {
        expect(report.watched[i]!.height).toBe(report.watched[i - 1]!.height + 1);
        expect(report.watched[i]!.parentHash).toBe(report.watched[i - 1]!.hash);
      }
      // What the page verified is what every node finalized.
      for (const [i] of net.nodes.entries()) {
        const finality = await httpClient(i).waitForFinality({ txId: report.txId, timeoutMs: 30_000 });
        expect([finality.height, finality.index, finality.blockHash]).toEqual([
          report.height,
          report.index,
          report.blockHash,
        ]);
      }
    } finally {
      await server.close();
    }
  });
});
