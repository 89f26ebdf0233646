import { FEED_DECIMALS, feedIdOf, TESTNET_FEEDS } from './config.ts';
import type { RunningNode } from './network.ts';
import type { TestnetSetup } from './setup.ts';

/** What the runner prints for people: the table of addresses and the live status line. */

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text.padEnd(width);
}

export function formatTable(
  setup: TestnetSetup,
  nodes: readonly RunningNode[],
  simulatorRunning: boolean,
): string {
  const { deployment } = setup.state;
  const rows = nodes.map(
    (node) =>
      `  ${pad(`node-${node.index}${node.byzantine ? '*' : ''}`, 9)}${pad(node.rpcUrl, 27)}${pad(node.metricsUrl, 34)}${node.p2pAddress}`,
  );
  const adapters = TESTNET_FEEDS.map((feed) => {
    const address = deployment.adapters[feedIdOf(feed.pair)];
    return `  ${pad(`${feed.pair} adapter`, 20)}${address ?? '-'}`;
  });
  return [
    '',
    `Synod testnet: ${nodes.length} nodes, network id ${setup.state.networkId}, L1 chain id ${setup.state.chainId}, threshold ${setup.committee.threshold} of ${nodes.length}`,
    '',
    `  ${pad('node', 9)}${pad('RPC (HTTP, WebSocket /ws)', 27)}${pad('metrics', 34)}p2p`,
    ...rows,
    ...(nodes.some((node) => node.byzantine) ? ['  * byzantine'] : []),
    '',
    `L1 (anvil)            ${setup.l1.rpcUrl}   chain id ${setup.state.chainId}`,
    `  ${pad('CommitteeRegistry', 20)}${deployment.registry}`,
    `  ${pad('SettlementInbox', 20)}${deployment.inbox}`,
    `  ${pad('PriceFeeds', 20)}${deployment.priceFeeds}`,
    ...adapters,
    `Price simulator       ${simulatorRunning ? `${setup.simulatorUrl}   (GET /state, POST /control)` : 'not running'}`,
    `Group public key      ${setup.committee.groupPublicKey}`,
    `Data                  ${setup.layout.root}`,
    `Logs                  ${setup.layout.logs}`,
    '',
  ].join('\n');
}

/** A fixed-point answer with FEED_DECIMALS as a price with two decimals. */
export function formatPrice(answer: string, decimals: number = FEED_DECIMALS): string {
  const value = BigInt(answer);
  const scale = 10n ** BigInt(decimals);
  const cents = (value * 100n + scale / 2n) / scale;
  return `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
}

export interface StatusLineInput {
  height: number;
  tps: number;
  /** feedId → latest finalized answer. */
  prices: ReadonlyMap<string, string>;
  nodesUp: number;
  nodes: number;
  load?: { sent: number; rejected: number } | undefined;
}

export function formatStatusLine(input: StatusLineInput): string {
  const prices = TESTNET_FEEDS.map((feed) => {
    const answer = input.prices.get(feedIdOf(feed.pair));
    return `${feed.pair} ${answer === undefined ? '-' : formatPrice(answer)}`;
  });
  return [
    `height ${input.height}`,
    `${input.tps.toFixed(1)} tx/s finalized`,
    ...prices,
    `${input.nodesUp}/${input.nodes} nodes up`,
    ...(input.load === undefined
      ? []
      : [
          `load sent ${input.load.sent}${input.load.rejected > 0 ? ` (${input.load.rejected} rejected)` : ''}`,
        ]),
  ].join(' · ');
}
