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
  extras: { controlUrl?: string | undefined; dashboardUrl?: string | undefined; linkProxies?: boolean } = {},
): string {
  const { deployment } = setup.state;
  const rows = nodes.map(
    (node) =>
      `  ${pad(`node-${node.index}${node.byzantine ? '*' : ''}${node.clockOffsetMs !== 0 ? '°' : ''}`, 9)}${pad(node.rpcUrl, 27)}${pad(node.metricsUrl, 34)}${node.p2pAddress}`,
  );
  const clockNodes = nodes.filter((node) => node.clockOffsetMs !== 0);
  const base = setup.plan.base;
  const adapters = TESTNET_FEEDS.map((feed) => {
    const address = deployment.adapters[feedIdOf(feed.pair)];
    return `  ${pad(`${feed.pair} adapter`, 20)}${address ?? '-'}`;
  });
  return [
    '',
    `Synod testnet: ${nodes.length} nodes, network id ${setup.state.networkId}, L1 chain id ${setup.state.chainId}, threshold ${setup.committee.threshold} of ${nodes.length}`,
    ...(extras.dashboardUrl === undefined
      ? []
      : [`Dashboard: ${extras.dashboardUrl}   (open it in a browser)`]),
    '',
    `  ${pad('node', 9)}${pad('RPC (HTTP, WebSocket /ws)', 27)}${pad('metrics', 34)}p2p`,
    ...rows,
    ...(nodes.some((node) => node.byzantine) ? ['  * byzantine'] : []),
    ...(clockNodes.length > 0
      ? [
          `  ° clock off: ${clockNodes.map((node) => `node-${node.index} ${node.clockOffsetMs > 0 ? '+' : ''}${node.clockOffsetMs} ms`).join(', ')}`,
        ]
      : []),
    ...(extras.linkProxies === true
      ? [
          `  p2p goes through link proxies: node i dials node j on 127.0.0.1:${base + 1000}+100i+j (node-1 → node-2: ${base + 1102})`,
        ]
      : []),
    '',
    `L1 (anvil)            ${setup.l1.rpcUrl}   chain id ${setup.state.chainId}`,
    `  ${pad('CommitteeRegistry', 20)}${deployment.registry}`,
    `  ${pad('SettlementInbox', 20)}${deployment.inbox}`,
    `  ${pad('PriceFeeds', 20)}${deployment.priceFeeds}`,
    ...adapters,
    ...(setup.state.perps === undefined
      ? []
      : [
          `  ${pad('Clearinghouse', 20)}${setup.state.perps.clearinghouse}   (perps; namespace ${setup.state.perps.namespace})`,
          `  ${pad('Test token (tUSD)', 20)}${setup.state.perps.token}`,
        ]),
    `Price simulator       ${simulatorRunning ? `${setup.simulatorUrl}   (GET /state, POST /control)` : 'not running'}`,
    `Group public key      ${setup.committee.groupPublicKey}`,
    ...(extras.controlUrl === undefined
      ? []
      : [`Control               ${extras.controlUrl}   (pnpm testnet:ctl status | kill | pause | cut …)`]),
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
  /** Nodes that are not up and why: `node-3 restarting in 2 s`, `node-2 paused`. */
  nodeNotes?: readonly string[];
  /** Links that are not plainly up: `2 cut, 1 delayed`. */
  links?: string | undefined;
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
    `${input.nodesUp}/${input.nodes} nodes up${input.nodeNotes !== undefined && input.nodeNotes.length > 0 ? ` (${input.nodeNotes.join(', ')})` : ''}`,
    ...(input.links === undefined || input.links === '' ? [] : [`links ${input.links}`]),
    ...(input.load === undefined
      ? []
      : [
          `load sent ${input.load.sent}${input.load.rejected > 0 ? ` (${input.load.rejected} rejected)` : ''}`,
        ]),
  ].join(' · ');
}
