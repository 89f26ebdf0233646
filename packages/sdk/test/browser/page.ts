// The browser test's page (bundled by Vite in test/helpers/browser.ts): a dapp's view of the SDK.
// It reads /config.json, signs a transaction with a viem local account, waits for its finality
// over the node's WebSocket (certificate and Merkle proof verified here, with @noble/curves),
// re-checks it offline, reads the block over HTTP, watches blocks, and POSTs what it saw to /report.
import { type Hex, keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  type BlockSummary,
  createSynodClient,
  http,
  NonceUsedError,
  RpcRequestError,
  verifyCertificate,
  verifyTransactionInclusion,
  webSocket,
} from '../../src/index.ts';
import type { BrowserRunConfig, BrowserRunReport } from './types.ts';

/** The few DOM globals the page uses (the repository's tsconfig has no DOM lib). */
interface PageGlobals {
  location: { href: string };
  navigator: { userAgent: string };
  document: { getElementById(id: string): { textContent: string | null } | null };
}
const page = globalThis as unknown as PageGlobals;

const WATCHED_BLOCKS = 3;

async function run(config: BrowserRunConfig): Promise<BrowserRunReport> {
  const { network, groupPublicKey } = config;
  const committee = { epoch: 0, groupPublicKey };
  const ws = createSynodClient({ transport: webSocket(config.webSocketUrl), network, committee });
  const web = createSynodClient({
    transport: http(new URL(config.httpPath, page.location.href).href),
    network,
    committee,
  });
  const account = privateKeyToAccount(config.privateKey);
  const started = performance.now();

  const watched: BlockSummary[] = [];
  const watchErrors: string[] = [];
  let enoughBlocks!: () => void;
  const watchedEnough = new Promise<void>((resolve) => {
    enoughBlocks = resolve;
  });
  const unwatch = ws.watchBlocks({
    onBlock: (block) => {
      watched.push(block);
      if (watched.length >= WATCHED_BLOCKS) enoughBlocks();
    },
    onError: (error) => watchErrors.push(`${error.name}: ${error.message}`),
  });

  try {
    const { txId, transaction } = await ws.sendTransaction({
      account,
      namespace: keccak256(toHex('browser-exchange')),
      payload: toHex('buy 1 ETH/USD @ 3500'),
    });
    const submitMs = performance.now() - started;
    const finality = await ws.waitForFinality({ txId, transaction, timeoutMs: 20_000 });
    const finalityMs = performance.now() - started;

    const certified = verifyCertificate({
      header: finality.header,
      certificate: finality.certificate,
      groupPublicKey,
      network,
    });
    const forgedCertified = verifyCertificate({
      header: { ...finality.header, height: finality.header.height + 1 },
      certificate: finality.certificate,
      groupPublicKey,
      network,
    });
    const included = verifyTransactionInclusion({ ...finality, network });
    // Over HTTP (another node behind the page's origin): once that node has finalized it too,
    // the same block, verified; and the finalized nonce is taken.
    await web.waitForFinality({ txId, transaction, timeoutMs: 20_000 });
    const block = await web.getBlock({ height: finality.height, verify: true });
    const reuse: unknown = await web
      .sendTransaction({
        account,
        namespace: transaction.namespace,
        payload: '0x02',
        nonce: transaction.nonce,
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    // An encrypted order, encrypted in the page (pure JS): the nodes order its envelope, and the
    // page gets its plaintext, verified, two blocks later.
    const secret = toHex('sell 2 ETH/USD @ 3600');
    const encryptStarted = performance.now();
    const hidden = await ws.sendTransaction({
      account,
      namespace: keccak256(toHex('browser-exchange')),
      payload: secret,
      encrypt: true,
    });
    const encryptMs = performance.now() - encryptStarted;
    const hiddenFinality = await ws.waitForFinality({ ...hidden, timeoutMs: 20_000 });
    const revealed = hiddenFinality.revealed;

    await Promise.race([
      watchedEnough,
      new Promise((resolve) => setTimeout(resolve, 15_000)), // the test reports how many came
    ]);
    return {
      ok: true,
      userAgent: page.navigator.userAgent,
      hasProcessGlobal: typeof (globalThis as { process?: unknown }).process !== 'undefined',
      sender: account.address,
      txId,
      nonce: transaction.nonce.toString(),
      height: finality.height,
      index: finality.index,
      blockHash: finality.blockHash,
      certified,
      forgedCertified,
      included,
      httpBlockHash: block?.hash ?? null,
      nonceReuse: {
        name: (reuse as Error | undefined)?.name ?? 'none',
        dataCode: reuse instanceof RpcRequestError ? reuse.dataCode : undefined,
        isNonceUsedError: reuse instanceof NonceUsedError,
      },
      watched: watched.map((summary) => ({
        height: summary.header.height,
        hash: summary.hash,
        parentHash: summary.header.parentHash as Hex,
      })),
      watchErrors,
      submitMs,
      finalityMs,
      encrypted: {
        envelopeHidesPayload: !hidden.transaction.payload.includes(secret.slice(2)),
        envelopeHeight: hiddenFinality.height,
        revealedHeight: revealed?.height ?? null,
        revealedPayloadMatches: revealed?.transaction.payload === secret,
        revealedIncluded:
          revealed === undefined ? false : verifyTransactionInclusion({ ...revealed, network }),
        sendMs: encryptMs,
      },
    };
  } finally {
    unwatch();
    await ws.transport.value.close();
  }
}

async function main(): Promise<void> {
  let report: BrowserRunReport;
  try {
    const config = (await (await fetch('/config.json')).json()) as BrowserRunConfig;
    report = await run(config);
  } catch (error) {
    const { name, message, stack } = error as Error;
    report = { ok: false, error: `${name}: ${message}\n${stack ?? ''}` };
  }
  const out = page.document.getElementById('out');
  if (out !== null) out.textContent = JSON.stringify(report, null, 2);
  await fetch('/report', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(report),
  });
}

await main();
