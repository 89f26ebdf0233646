// A small trading script: places N orders against a Synod node and prints the latency of each
// from submission to verified finality (certificate and Merkle proof checked locally).
//   pnpm exec node packages/sdk/examples/trading.ts <rpc-url> [--orders 100] [--concurrency 10]
//     [--submit-to URL,URL]
// An ws:// URL uses the WebSocket transport (finality by subscription), http:// polls.
// --submit-to also submits every order to those nodes, at the same time (client `submitTo`).
// The network (id, chain id, inbox) is read from the node's synod_status; each run signs with a
// fresh random key, so its nonces start at 0.
import { encodeAbiParameters, keccak256, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { blsBackendReady, createSynodClient, http, type Transport, webSocket } from '../src/index.ts';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const url = process.argv[2];
if (url === undefined || url.startsWith('--')) {
  console.error('usage: trading.ts <rpc-url> [--orders N] [--concurrency C] [--submit-to URL,URL]');
  process.exit(2);
}
const orders = option('orders', 100);
const concurrency = Math.min(option('concurrency', 10), orders);

const at = process.argv.indexOf('--submit-to');
const submitTo = at >= 0 ? (process.argv[at + 1] ?? '').split(',').filter((u) => u !== '') : [];
const transportOf = (u: string): Transport<string, unknown> => (u.startsWith('ws') ? webSocket(u) : http(u));
const transport = transportOf(url);
const bootstrap = transport();
const status = await bootstrap.request({ method: 'synod_status', params: [] });
await (bootstrap.value as { close?: () => Promise<void> } | undefined)?.close?.();
const client = createSynodClient({
  transport,
  submitTo: submitTo.map(transportOf),
  network: { networkId: status.networkId, chainId: status.chainId, inbox: status.inbox },
});
console.log(
  `node ${status.version}, network ${status.networkId}, height ${status.finalizedHeight}, certificates checked with ${await blsBackendReady}`,
);

const account = privateKeyToAccount(generatePrivateKey());
const namespace = keccak256(toHex('trading-example'));
const latenciesMs: number[] = [];
let failures = 0;
let next = 0;
const started = performance.now();

async function trader(): Promise<void> {
  while (next < orders) {
    const i = next++;
    const order = encodeAbiParameters(
      [{ type: 'uint8' }, { type: 'uint256' }, { type: 'uint256' }],
      [i % 2, 10n ** 16n, BigInt(3_000 + (i % 50)) * 10n ** 8n],
    );
    const sentAt = performance.now();
    try {
      const { txId, transaction } = await client.sendTransaction({ account, namespace, payload: order });
      await client.waitForFinality({ txId, transaction, timeoutMs: 30_000 });
      latenciesMs.push(performance.now() - sentAt);
    } catch (error) {
      failures++;
      console.error(`order ${i}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, trader));
const elapsedS = (performance.now() - started) / 1000;
latenciesMs.sort((a, b) => a - b);
const percentile = (p: number) =>
  latenciesMs.length === 0
    ? Number.NaN
    : latenciesMs[Math.min(latenciesMs.length - 1, Math.ceil((p / 100) * latenciesMs.length) - 1)]!;
const ms = (value: number) => `${value.toFixed(1)} ms`;
console.log(
  `orders: ${latenciesMs.length} finalized, ${failures} failed, ${(latenciesMs.length / elapsedS).toFixed(1)} orders/s`,
);
console.log(
  `latency to verified finality: p50 ${ms(percentile(50))}, p90 ${ms(percentile(90))}, p99 ${ms(percentile(99))}, max ${ms(latenciesMs.at(-1) ?? Number.NaN)}`,
);
for (const opened of [client.transport, ...client.submitTransports])
  await (opened.value as { close?: () => Promise<void> } | undefined)?.close?.();
process.exitCode = failures === 0 ? 0 : 1;
