import { DEFAULT_OBSERVE_INTERVAL_MS } from '@synod/oracle';
import {
  L1_DEFAULT_FEE_BUMP_AFTER_MS,
  L1_DEFAULT_POST_EVERY_HEADERS,
  L1_DEFAULT_TAKEOVER_TIMEOUT_MS,
  L1_DEFAULT_TICK_INTERVAL_MS,
} from '../l1/constants.ts';
import { LOG_LEVELS } from '../logging/index.ts';
import {
  MEMPOOL_MAX_BYTES,
  MEMPOOL_MAX_PER_SENDER,
  MEMPOOL_MAX_REMEMBERED_SENDERS,
  MEMPOOL_MAX_TRANSACTIONS,
} from '../mempool/constants.ts';
import {
  DIAL_TIMEOUT_MS,
  MAX_PEERS,
  RECONNECT_MAX_DELAY_MS,
  RECONNECT_MIN_DELAY_MS,
} from '../p2p/constants.ts';
import {
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_HTTP_CONNECTIONS,
  DEFAULT_MAX_SUBSCRIPTIONS_PER_SOCKET,
  DEFAULT_MAX_WEBSOCKET_CONNECTIONS,
  DEFAULT_RATE_LIMIT_BURST,
  DEFAULT_RATE_LIMIT_PER_SECOND,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from '../rpc/constants.ts';
import { checkCorsOrigin } from '../rpc/cors.ts';
import { checkFeeds, type FeedEntry } from './feeds.ts';
import {
  boolean,
  type ConfigField,
  checkAddress,
  checkHost,
  checkHttpUrl,
  checkMultiaddr,
  checkPeerMultiaddr,
  type FieldValue,
  integer,
  json,
  nullable,
  oneOf,
  path,
  string,
  stringList,
} from './fields.ts';
import { checkSettlement, type SettlementEntry } from './settlement.ts';

export type { FeedEntry, FeedSourceEntry } from './feeds.ts';
export type { SettlementEntry } from './settlement.ts';

/**
 * The node's configuration schema: every key with its type, default and meaning. This object is
 * the single source of truth: loading, env/flag names, `synod <cmd> --help` and the reference in
 * docs/operations.md are all derived from it (a test fails when the docs drift).
 *
 * Defaults that another subsystem owns (p2p, RPC, mempool limits) are imported from that
 * subsystem's constants, where the reason for each value is written.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Timeouts and intervals: 1 ms up to one day, which catches seconds given as milliseconds' opposite. */
const MAX_DURATION_MS = 24 * 60 * 60 * 1000;
/** Bound on list-valued keys (listen addresses, bootstrap peers): a typo cannot make the node dial thousands. */
const MAX_LIST_ENTRIES = 256;

const port = (defaultPort: number, description: string) =>
  integer({ min: 1, max: 65_535, default: defaultPort, description });

const durationMs = (defaultMs: number, description: string) =>
  integer({ min: 1, max: MAX_DURATION_MS, default: defaultMs, description });

const count = (defaultCount: number, description: string, max = MAX_SAFE) =>
  integer({ min: 1, max, default: defaultCount, description });

export const CONFIG_SCHEMA = {
  network: {
    genesisFile: path({
      default: 'genesis.json',
      description:
        'Genesis file (JSON): network id, chain id, epoch, threshold, DKG nonce and participants. `synod dkg` reads it; the committee it produces goes to <dataDir>/committee.json.',
    }),
    networkId: nullable(
      integer({ min: 0, max: MAX_SAFE, default: 0, description: '' }),
      'Expected network id. When set, a genesis or committee with another network id is refused: a guard against pointing a validator at the wrong network.',
    ),
    chainId: nullable(
      integer({ min: 1, max: MAX_SAFE, default: 1, description: '' }),
      'Expected L1 chain id, checked against the genesis like networkId.',
    ),
    inboxAddress: nullable(
      string({ default: '', description: '', validate: checkAddress, type: 'address' }),
      'SettlementInbox contract on L1. Headers bind it (and the chain id), so `synod start` needs it; unset until the contracts are deployed.',
    ),
  },
  node: {
    dataDir: path({
      default: '.',
      description:
        'Data directory: keys/, committee.json, chain data. In the config file a relative path is relative to the file, so a data dir holding its own config.json can be moved as a whole.',
    }),
    name: string({
      default: 'synod',
      description: 'Name of this node in every log line (e.g. the operator and validator index).',
    }),
  },
  p2p: {
    listenAddresses: stringList({
      default: ['/ip4/0.0.0.0/tcp/9000'],
      description: 'libp2p TCP listen multiaddrs. Port 9000 must be reachable by the other validators.',
      itemType: 'multiaddr',
      validate: checkMultiaddr,
      maxItems: MAX_LIST_ENTRIES,
    }),
    announceAddresses: stringList({
      default: [],
      description: 'Multiaddrs to advertise instead of the listen addresses (behind NAT or a load balancer).',
      itemType: 'multiaddr',
      validate: checkMultiaddr,
      maxItems: MAX_LIST_ENTRIES,
    }),
    bootstrapPeers: stringList({
      default: [],
      description:
        'Peers dialed at start and redialed with backoff forever, as multiaddrs ending in /p2p/<peerId>. The committee members from the genesis file are added to these.',
      itemType: 'multiaddr',
      validate: checkPeerMultiaddr,
      maxItems: MAX_LIST_ENTRIES,
    }),
    maxPeers: count(MAX_PEERS, 'Connection cap: the committee plus a few sync clients.', 10_000),
    dialTimeoutMs: durationMs(DIAL_TIMEOUT_MS, 'Timeout of one dial (TCP + noise + yamux handshake).'),
    reconnectMinDelayMs: durationMs(
      RECONNECT_MIN_DELAY_MS,
      'First redial delay after a bootstrap peer drops.',
    ),
    reconnectMaxDelayMs: durationMs(
      RECONNECT_MAX_DELAY_MS,
      'Redial delay ceiling (exponential backoff with jitter up to this); must be ≥ reconnectMinDelayMs.',
    ),
  },
  rpc: {
    enabled: boolean({ default: true, description: 'Serve JSON-RPC 2.0 over HTTP and WebSocket.' }),
    host: string({
      default: '127.0.0.1',
      description:
        'Interface the RPC listens on. Loopback by default: exposing the RPC (0.0.0.0) is a deliberate choice.',
      validate: checkHost,
      type: 'host',
    }),
    port: port(
      8645,
      'RPC port, HTTP and WebSocket on one port. 8645 rather than 8545, which a local L1 (anvil) uses.',
    ),
    maxBodyBytes: count(
      DEFAULT_MAX_BODY_BYTES,
      'Largest HTTP body / WebSocket message (413 / close 1009 past it).',
    ),
    maxBatchSize: count(DEFAULT_MAX_BATCH_SIZE, 'Most calls in one JSON-RPC batch.', 10_000),
    rateLimitPerSecond: count(DEFAULT_RATE_LIMIT_PER_SECOND, 'Sustained calls per second per client IP.'),
    rateLimitBurst: count(
      DEFAULT_RATE_LIMIT_BURST,
      'Calls a client IP may make at once before the rate applies.',
    ),
    maxSubscriptionsPerSocket: count(DEFAULT_MAX_SUBSCRIPTIONS_PER_SOCKET, 'Subscriptions per WebSocket.'),
    maxWebSocketConnections: count(
      DEFAULT_MAX_WEBSOCKET_CONNECTIONS,
      'Open WebSocket connections (503 past it).',
    ),
    maxHttpConnections: count(DEFAULT_MAX_HTTP_CONNECTIONS, 'Open HTTP connections, keep-alive included.'),
    requestTimeoutMs: durationMs(
      DEFAULT_REQUEST_TIMEOUT_MS,
      'Deadline of one call, and of receiving one request.',
    ),
    corsOrigins: stringList({
      default: [],
      description:
        'Origins of browser apps allowed to call the HTTP RPC (CORS), e.g. https://app.example.com; * allows any page. Empty: no CORS headers, so browser pages of other origins cannot call it. WebSocket is not affected.',
      itemType: 'origin',
      validate: checkCorsOrigin,
      maxItems: MAX_LIST_ENTRIES,
    }),
  },
  metrics: {
    enabled: boolean({
      default: true,
      description: 'Serve Prometheus metrics at http://<host>:<port>/metrics.',
    }),
    host: string({
      default: '127.0.0.1',
      description: 'Interface of the metrics endpoint; metrics reveal load and peers, keep it private.',
      validate: checkHost,
      type: 'host',
    }),
    port: port(9464, 'Metrics port (9464: the usual Prometheus exporter port).'),
  },
  consensus: {
    timeoutProposeBaseMs: durationMs(
      1000,
      'Propose timeout of round 0: how long to wait for the proposal before prevoting nil.',
    ),
    timeoutPrevoteBaseMs: durationMs(500, 'Prevote timeout of round 0 (after 2f+1 prevotes of any kind).'),
    timeoutPrecommitBaseMs: durationMs(
      500,
      'Precommit timeout of round 0 (after 2f+1 precommits of any kind).',
    ),
    timeoutPerRoundIncrementMs: integer({
      min: 0,
      max: MAX_DURATION_MS,
      default: 500,
      description:
        'Added to every timeout per round, so timeouts eventually exceed the unknown network delay (Tendermint paper §4).',
    }),
    timeoutMaxMs: durationMs(
      10_000,
      'Cap on any timeout, which bounds the time to recover from a bad round; must be ≥ every base timeout.',
    ),
    stallWarningMs: durationMs(
      30_000,
      'No block finalized for this long: the node logs its consensus state at warn level (again each period) and reports it in synod_status and metrics.',
    ),
    idleIntervalMs: integer({
      min: 0,
      max: 60_000,
      default: 1000,
      description:
        "Idle at rest: with nothing to order (empty mempool, no transaction listed by the last commit, no price moved by its feed's push deviation), the next height starts after this long, or as soon as a transaction, a moved price or a peer's message of that height arrives. 0: a block as fast as consensus goes. Keep it below every feed's heartbeat and max age.",
    }),
  },
  mempool: {
    maxTransactions: count(MEMPOOL_MAX_TRANSACTIONS, 'Pending transactions held at once.'),
    maxBytes: count(MEMPOOL_MAX_BYTES, 'Encoded bytes of pending transactions.'),
    maxPerSender: count(
      MEMPOOL_MAX_PER_SENDER,
      'Pending transactions of one sender; also how far ahead of its next nonce a sender may be.',
    ),
    maxRememberedSenders: count(
      MEMPOOL_MAX_REMEMBERED_SENDERS,
      'Senders whose next nonce is remembered (oldest forgotten first).',
    ),
  },
  oracle: {
    feeds: json<readonly FeedEntry[]>({
      type: 'feed[]',
      default: [],
      description:
        'Price feeds: [{ "feedId": "0x…32 bytes", "decimals": 8, "deviationBoundBps"?, "confirmationHeights"?, "maxAgeMs"?, "heartbeatMs"?, "pushDeviationBps"?, "pair": "ETH/USD", "sources": [{ "id", "kind": "coinbase"|"kraken"|"binance", "baseUrl", "symbol", "resultKey"?, "timeoutMs"?, "maxBodyBytes"? }], "sourceMaxAgeMs"?, "minSources"? }]. The feed settings (feedId … pushDeviationBps) are consensus: every validator must configure the same list. pair and sources are this validator\'s own choice of venues; a feed without them is finalized from the other validators\' observations. See docs/oracle.md.',
      check: checkFeeds,
    }),
    pollIntervalMs: durationMs(
      DEFAULT_OBSERVE_INTERVAL_MS,
      "Pause between two polls of every feed's sources (one block); the latest observation goes into each vote extension.",
    ),
  },
  l1: {
    rpcUrl: nullable(
      string({ default: '', description: '', validate: checkHttpUrl, type: 'url' }),
      'JSON-RPC URL of the L1 (settlement chain) node used to post certified headers and prices; null: no posting. Its chain id must be network.chainId.',
    ),
    priceFeedsAddress: nullable(
      string({ default: '', description: '', validate: checkAddress, type: 'address' }),
      'PriceFeeds contract on L1. Null: headers only (submitHeader), prices are not pushed.',
    ),
    equivocationRegistryAddress: nullable(
      string({ default: '', description: '', validate: checkAddress, type: 'address' }),
      "EquivocationRegistry contract on L1: equivocation evidence this node holds is recorded there (recordEquivocation), with the committee's commitments from committee.json. Null: evidence stays off L1.",
    ),
    postingIntervalMs: durationMs(
      L1_DEFAULT_TICK_INTERVAL_MS,
      'How often the submitter reads the inbox, checks its pending transaction and posts what is due (one Ethereum slot).',
    ),
    postEveryHeaders: integer({
      min: 1,
      max: 1_000_000,
      default: L1_DEFAULT_POST_EVERY_HEADERS,
      description:
        'k: every k-th height is posted, sooner when a price must be pushed. Must be the same on every validator (the rotation depends on it).',
    }),
    takeoverTimeoutMs: durationMs(
      L1_DEFAULT_TAKEOVER_TIMEOUT_MS,
      'Wait per step of rotation distance before posting a height the designated validator has not landed. Must be the same on every validator.',
    ),
    feeBumpAfterMs: durationMs(
      L1_DEFAULT_FEE_BUMP_AFTER_MS,
      'An L1 transaction unmined after this is replaced at the same nonce with fees +12.5 %.',
    ),
    maxFeePerGasWei: nullable(
      integer({ min: 1, max: MAX_SAFE, default: 1, description: '' }),
      'Ceiling on maxFeePerGas (wei), estimates and bumps included; null: none. At the ceiling a stuck transaction waits.',
    ),
    settlement: json<readonly SettlementEntry[]>({
      type: 'settlement[]',
      default: [],
      description:
        'Namespaces whose batches this validator settles on L1, in order, from its account: [{ "namespace": "0x…32 bytes", "contract": "0x… SynodBatchSettlement app bound to it" }]. Each namespace once, at most 64. Empty: no batch settlement. List the same on every validator: the rotation runs over the whole committee, and the turns of a validator without the namespace wait one takeover timeout. See docs/operations.md "Batch settlement".',
      check: checkSettlement,
    }),
  },
  log: {
    level: oneOf({
      values: LOG_LEVELS,
      default: 'info',
      description: 'Log level of the JSON logs (pino); "silent" turns them off.',
    }),
  },
  dkg: {
    dealTimeoutMs: durationMs(
      30_000,
      "Deal phase of `synod dkg`. A phase also ends as soon as every participant's message for it is held, so this only matters when someone is missing.",
    ),
    responseTimeoutMs: durationMs(15_000, 'Response (complaint) phase of `synod dkg`.'),
    justificationTimeoutMs: durationMs(
      15_000,
      'Justification phase of `synod dkg` (only when someone complained).',
    ),
    peerWaitTimeoutMs: durationMs(
      600_000,
      'How long `synod dkg` waits for every other participant to join the DKG topic before dealing. Validators start at different times; past this it starts with those present if they reach the threshold, and fails otherwise.',
    ),
    lingerMs: integer({
      min: 0,
      max: MAX_DURATION_MS,
      default: 5_000,
      description:
        'How long `synod dkg` stays connected after it finishes, so its last messages reach peers that are slightly behind.',
    }),
  },
} as const satisfies Record<string, Record<string, ConfigField<unknown>>>;

export type ConfigSchema = typeof CONFIG_SCHEMA;
export type ConfigSectionName = keyof ConfigSchema & string;

/** The node's configuration, as `loadConfig` returns it: every key present, checked and frozen. */
export type SynodConfig = {
  readonly [S in keyof ConfigSchema]: {
    readonly [K in keyof ConfigSchema[S]]: FieldValue<ConfigSchema[S][K]>;
  };
};

/** One schema key with its dotted name and env variable name. */
export interface ConfigKey {
  readonly section: string;
  readonly name: string;
  /** `rpc.port` */
  readonly key: string;
  /** `SYNOD_RPC_PORT` */
  readonly envName: string;
  readonly field: ConfigField<unknown>;
}

/** Environment variables are `SYNOD_` + section + key, camelCase turned to SCREAMING_SNAKE_CASE. */
export function envNameOf(section: string, name: string): string {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return `SYNOD_${section.toUpperCase()}_${snake}`;
}

/** Every key of the schema, in schema order. */
export const CONFIG_KEYS: readonly ConfigKey[] = Object.entries(CONFIG_SCHEMA).flatMap(([section, fields]) =>
  Object.entries(fields).map(([name, field]) => ({
    section,
    name,
    key: `${section}.${name}`,
    envName: envNameOf(section, name),
    field: field as ConfigField<unknown>,
  })),
);

/** Section descriptions, for docs and help. */
export const CONFIG_SECTIONS: Readonly<Record<ConfigSectionName, string>> = {
  network: 'Which network this node belongs to.',
  node: 'Where the node keeps its data.',
  p2p: 'libp2p networking between validators.',
  rpc: 'JSON-RPC server for apps and `synod status`.',
  metrics: 'Prometheus endpoint.',
  consensus: 'Tendermint timeouts.',
  mempool: 'Bounds of the transaction pool.',
  oracle: "Price feeds: consensus settings and this validator's price sources.",
  l1: 'Posting certified headers and prices, and settling namespace batches, on the settlement chain.',
  log: 'JSON logs.',
  dkg: 'The distributed key generation run by `synod dkg`.',
};
