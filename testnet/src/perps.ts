import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { settlementInboxAbi } from '@synod/contracts';
import {
  type ClearinghouseConfig,
  clearinghouseAbi,
  clearinghouseReader,
  createKeeper,
  deployClearinghouse,
  deployTestToken,
  encodePayload,
  type Keeper,
  type KeeperStepResult,
  MAX_PRICE,
  type MarketConfig,
  type Payload,
  testTokenAbi,
} from '@synod/perps';
import type { NetworkDomain } from '@synod/protocol';
import { createSynodClient, http as synodHttp } from '@synod/sdk';
import {
  type Address,
  type Hex,
  keccak256,
  maxUint256,
  type PublicClient,
  parseEventLogs,
  toHex,
} from 'viem';
import { feedIdOf, TESTNET_FEEDS } from './config.ts';
import { type L1, walletFor } from './l1.ts';
import {
  type LoadSigner,
  loadSigner,
  type PreparedTransaction,
  signLoadTransaction,
  type TransactionSource,
} from './load.ts';

/**
 * The perpetual-futures clearinghouse on the testnet (issue #14 item 4; testnet/README.md
 * "Perps"): its deployment after the core contracts (a test ERC-20 and one market per testnet
 * feed), the L1 deposits of the run's LP and traders, the keeper that settles its namespace, the
 * perp orders of the load generator, and the comparison of every account on L1 with the
 * keeper's model after the drain.
 */

/**
 * The clearinghouse's Synod namespace: `keccak256("synod/testnet/perps/<salt>")`, a fresh salt
 * per deployment, so that a clearinghouse deployed again (anvil lost its state while the nodes
 * kept their chain) starts from an empty namespace instead of settling every earlier order.
 */
export function perpsNamespace(salt: string): Hex {
  return keccak256(toHex(`synod/testnet/perps/${salt}`));
}
/** Dev account 2 deploys the token and the clearinghouse and makes the L1 deposits. */
export const PERPS_ACCOUNT_INDEX = 2;
/** Dev account 3 is the keeper's: it pays for the settle calls. */
export const KEEPER_ACCOUNT_INDEX = 3;
/** The test token: 6 decimals, like USDC. */
export const COLLATERAL_DECIMALS = 6;
const USD = 10n ** BigInt(COLLATERAL_DECIMALS);
/** Position sizes have 8 decimals; notional (collateral units) = |size| × price (8 decimals) / scale. */
export const PERPS_SCALE = 10n ** 10n;
export const SIZE_UNIT = 10n ** 8n;
/** 10× at most (initial margin 10%), liquidated below 5%. */
export const INITIAL_MARGIN_BPS = 1_000;
export const MAINTENANCE_MARGIN_BPS = 500;
export const ESCAPE_TIMEOUT_SECONDS = 86_400n;
/** Traders of each run, each with this much collateral deposited on L1 at the start. */
export const PERPS_TRADERS = 6;
export const TRADER_DEPOSIT = 10_000n * USD;
/** The run's LP deposits this on L1 and moves it into the vault with a Synod transaction. */
export const LP_DEPOSIT = 10_000_000n * USD;
/** One transaction in this many of the load is a perp order (testnet/README.md "Load"). */
export const PERPS_LOAD_EVERY = 10;
/**
 * One perp order in this many is sent encrypted when the committee has an encryption key
 * (docs/protocol.md "Encrypted transactions"): revealed two blocks after its envelope and settled
 * on L1 like the others.
 */
export const PERPS_ENCRYPTED_EVERY = 2;
/** The keeper settles up to this many batches per call; polls every PERPS_KEEPER_POLL_MS when up to date. */
export const KEEPER_MAX_BATCHES = 16;
export const KEEPER_POLL_MS = 250;

/** What state.json records of the clearinghouse (addresses; the config is read back from L1). */
export interface PerpsDeployment {
  namespace: Hex;
  token: Address;
  clearinghouse: Address;
  libraries: { transactions: Address; batches: Address };
  /** The L1 block of the clearinghouse's deployment, decimal (the keeper's model starts there). */
  deploymentBlock: string;
}

/** One market per testnet feed, sorted by feedId as the contract requires. */
export function perpsMarkets(): MarketConfig[] {
  return TESTNET_FEEDS.map((feed) => ({
    feedId: feedIdOf(feed.pair),
    scale: PERPS_SCALE,
    initialMarginBps: INITIAL_MARGIN_BPS,
    maintenanceMarginBps: MAINTENANCE_MARGIN_BPS,
    takerFeeBps: 5,
    liquidationFeeBps: 100,
    maxOpenInterestVaultBps: 10_000,
    maxOpenInterest: 10n ** 20n,
    maxPositionSize: 10n ** 18n,
  })).sort((a, b) => (BigInt(a.feedId) < BigInt(b.feedId) ? -1 : 1));
}

/** The clearinghouse market index of a testnet pair. */
export function perpsMarketIndex(pair: string): number {
  const index = perpsMarkets().findIndex((market) => market.feedId === feedIdOf(pair));
  if (index < 0) throw new Error(`${pair} is not a testnet feed`);
  return index;
}

/** Deploys the test token and the clearinghouse (libraries linked) for `inbox`. */
export async function deployPerps(l1: L1, inbox: Address): Promise<PerpsDeployment> {
  const wallet = walletFor(l1, PERPS_ACCOUNT_INDEX);
  const namespace = perpsNamespace(randomBytes(8).toString('hex'));
  const token = await deployTestToken(wallet, l1.publicClient, {
    name: 'Testnet USD',
    symbol: 'tUSD',
    decimals: COLLATERAL_DECIMALS,
  });
  const { clearinghouse, libraries } = await deployClearinghouse(wallet, l1.publicClient, {
    inbox,
    namespace,
    collateralToken: token,
    feeRecipient: wallet.account.address,
    escapeTimeoutSeconds: ESCAPE_TIMEOUT_SECONDS,
    markets: perpsMarkets(),
  });
  const deploymentBlock = await l1.publicClient.getBlockNumber({ cacheTime: 0 });
  return {
    namespace,
    token,
    clearinghouse,
    libraries,
    deploymentBlock: String(deploymentBlock),
  };
}

/** True when the token and the clearinghouse still have code and the clearinghouse is bound to `inbox`. */
export async function isPerpsDeployed(l1: L1, perps: PerpsDeployment, inbox: Address): Promise<boolean> {
  for (const address of [
    perps.token,
    perps.clearinghouse,
    perps.libraries.transactions,
    perps.libraries.batches,
  ]) {
    const code = await l1.publicClient.getCode({ address });
    if (code === undefined || code === '0x') return false;
  }
  const bound = await l1.publicClient.readContract({
    address: perps.clearinghouse,
    abi: clearinghouseAbi,
    functionName: 'inbox',
  });
  return bound.toLowerCase() === inbox.toLowerCase();
}

/** The clearinghouse's config as the contract holds it (markets, escape timeout). */
export async function readPerpsConfig(
  publicClient: PublicClient,
  clearinghouse: Address,
): Promise<ClearinghouseConfig> {
  const read = clearinghouseReader(publicClient, clearinghouse);
  const count = await read<bigint>('marketCount');
  const markets: MarketConfig[] = [];
  for (let i = 0n; i < count; i++) {
    const market = await read<MarketConfig>('marketConfig', [i]);
    markets.push({ ...market, feedId: market.feedId.toLowerCase() as Hex });
  }
  return { markets, escapeTimeoutSeconds: await read<bigint>('escapeTimeoutSeconds') };
}

/** The run's fresh perps accounts: an LP and PERPS_TRADERS traders, each with its market. */
export interface PerpsAccounts {
  lp: LoadSigner;
  traders: { signer: LoadSigner; market: number; pair: string }[];
}

/** Fresh accounts; trader i trades testnet feed i mod feeds (with two feeds: half on each). */
export function perpsAccounts(traders = PERPS_TRADERS): PerpsAccounts {
  return {
    lp: loadSigner(),
    traders: Array.from({ length: traders }, (_, i) => {
      const pair = TESTNET_FEEDS[i % TESTNET_FEEDS.length]!.pair;
      return { signer: loadSigner(), market: perpsMarketIndex(pair), pair };
    }),
  };
}

/** Mints the deposits and deposits them on L1 for the LP and the traders (dev account 2 pays). */
export async function fundPerpsAccounts(
  l1: L1,
  perps: PerpsDeployment,
  accounts: PerpsAccounts,
): Promise<void> {
  const wallet = walletFor(l1, PERPS_ACCOUNT_INDEX);
  const deposits: [Address, bigint][] = [
    [accounts.lp.address, LP_DEPOSIT],
    ...accounts.traders.map((trader): [Address, bigint] => [trader.signer.address, TRADER_DEPOSIT]),
  ];
  const total = deposits.reduce((sum, [, amount]) => sum + amount, 0n);
  const send = async (request: Parameters<typeof wallet.writeContract>[0], what: string) => {
    const hash = await wallet.writeContract(request);
    const receipt = await l1.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`perps funding: ${what} reverted (${hash})`);
  };
  await send(
    {
      address: perps.token,
      abi: testTokenAbi,
      functionName: 'mint',
      args: [wallet.account.address, total],
      chain: wallet.chain,
    },
    'mint',
  );
  const allowance = await l1.publicClient.readContract({
    address: perps.token,
    abi: testTokenAbi,
    functionName: 'allowance',
    args: [wallet.account.address, perps.clearinghouse],
  });
  if (allowance < total) {
    await send(
      {
        address: perps.token,
        abi: testTokenAbi,
        functionName: 'approve',
        args: [perps.clearinghouse, maxUint256],
        chain: wallet.chain,
      },
      'approve',
    );
  }
  for (const [account, amount] of deposits) {
    await send(
      {
        address: perps.clearinghouse,
        abi: clearinghouseAbi,
        functionName: 'deposit',
        args: [account, amount],
        chain: wallet.chain,
      },
      `deposit for ${account}`,
    );
  }
}

/** A step of every trader's cycle (PERPS_CYCLE). */
export interface PerpsStep {
  name: 'open' | 'add' | 'limit-rejected' | 'reduce' | 'close';
  /** Size in multiples of the trader's deposit at the pair's initial price (leverage). */
  leverage: bigint;
}

/**
 * Each trader's orders, in a loop: long 5×, add 2× (7×), a buy whose limit is far below the
 * price (rejected LimitPriceNotMet), reduce 3× (reduce-only), add 3× (7× again), close. Long at
 * 4–7× most of the time, so a 30% crash of its market liquidates it.
 */
export const PERPS_CYCLE: readonly PerpsStep[] = [
  { name: 'open', leverage: 5n },
  { name: 'add', leverage: 2n },
  { name: 'limit-rejected', leverage: 1n },
  { name: 'reduce', leverage: 3n },
  { name: 'add', leverage: 3n },
  { name: 'close', leverage: 0n },
];

/** The order payload of `step` for a trader of `market` (initial price `price`, 8 decimals). */
export function perpsStepPayload(step: PerpsStep, market: number, price: bigint, expiry: bigint): Payload {
  const size = (step.leverage * TRADER_DEPOSIT * PERPS_SCALE) / price;
  switch (step.name) {
    case 'open':
    case 'add':
      return { kind: 'order', market, side: 'buy', size, limitPrice: MAX_PRICE, expiry };
    case 'limit-rejected':
      return { kind: 'order', market, side: 'buy', size, limitPrice: 1n, expiry };
    case 'reduce':
      return { kind: 'order', market, side: 'sell', size, limitPrice: 0n, expiry, reduceOnly: true };
    case 'close':
      return { kind: 'close', market, limitPrice: 0n, expiry };
  }
}

/** The pair's initial simulator price, 8 decimals. */
function initialPrice(pair: string): bigint {
  const feed = TESTNET_FEEDS.find((candidate) => candidate.pair === pair)!;
  const [whole, fraction = ''] = feed.initialPrice.split('.');
  return BigInt(whole!) * SIZE_UNIT + BigInt(fraction.padEnd(8, '0').slice(0, 8));
}

/**
 * Signs the traders' perp orders: order q is trader q mod T's next step of PERPS_CYCLE, so
 * consecutive orders come from different traders; expiry = the transactions' validUntil.
 */
export class PerpsOrderFactory implements TransactionSource {
  readonly #domain: NetworkDomain;
  readonly #namespace: Hex;
  readonly #traders: PerpsAccounts['traders'];
  readonly #validUntilS: () => bigint;
  readonly #nonces: bigint[];
  readonly #encryptTo: Uint8Array | undefined;
  #count = 0;

  constructor(parameters: {
    domain: NetworkDomain;
    namespace: Hex;
    accounts: PerpsAccounts;
    validUntilS: bigint | (() => bigint);
    /** The committee encryption key: every PERPS_ENCRYPTED_EVERY-th order is encrypted to it. */
    encryptTo?: Uint8Array | undefined;
  }) {
    this.#encryptTo = parameters.encryptTo;
    this.#domain = parameters.domain;
    this.#namespace = parameters.namespace;
    this.#traders = parameters.accounts.traders;
    const validUntil = parameters.validUntilS;
    this.#validUntilS = typeof validUntil === 'bigint' ? () => validUntil : validUntil;
    this.#nonces = this.#traders.map(() => 0n);
  }

  async next(count: number): Promise<PreparedTransaction[]> {
    const prepared: PreparedTransaction[] = [];
    const validUntil = this.#validUntilS();
    for (let i = 0; i < count; i++, this.#count++) {
      const t = this.#count % this.#traders.length;
      const trader = this.#traders[t]!;
      const step = PERPS_CYCLE[Math.floor(this.#count / this.#traders.length) % PERPS_CYCLE.length]!;
      const payload = perpsStepPayload(step, trader.market, initialPrice(trader.pair), validUntil);
      const nonce = this.#nonces[t]!;
      this.#nonces[t] = nonce + 1n;
      prepared.push(
        await signLoadTransaction(
          trader.signer,
          this.#domain,
          { namespace: this.#namespace, nonce, payload: encodePayload(payload), validUntil },
          {
            encryptTo:
              this.#count % PERPS_ENCRYPTED_EVERY === PERPS_ENCRYPTED_EVERY - 1 ? this.#encryptTo : undefined,
          },
        ),
      );
    }
    return prepared;
  }
}

/** The LP's vault deposit: its first transaction (nonce 0), signed. */
export async function lpVaultDeposit(
  accounts: PerpsAccounts,
  domain: NetworkDomain,
  namespace: Hex,
  validUntil: bigint,
): Promise<PreparedTransaction> {
  return await signLoadTransaction(accounts.lp, domain, {
    namespace,
    nonce: 0n,
    payload: encodePayload({ kind: 'vaultDeposit', amount: LP_DEPOSIT }),
    validUntil,
  });
}

/** A node that has not answered a keeper request within this long is skipped for the next one. */
export const FAILOVER_ATTEMPT_TIMEOUT_MS = 5_000;

/**
 * A fetch that sends each request to the first of `urls` that answers, starting from the last
 * one that did: the keeper follows the network, not one node (a node may be killed, paused or
 * cut off; one that does not answer within `attemptTimeoutMs` counts as down).
 */
export function failoverFetch(
  urls: readonly string[],
  attemptTimeoutMs: number = FAILOVER_ATTEMPT_TIMEOUT_MS,
): typeof fetch {
  let current = 0;
  return async (_input, init) => {
    const callerSignal = init?.signal ?? undefined;
    let lastError: unknown;
    for (let attempt = 0; attempt < urls.length; attempt++) {
      const index = (current + attempt) % urls.length;
      const timeout = AbortSignal.timeout(attemptTimeoutMs);
      const signal = callerSignal == null ? timeout : AbortSignal.any([callerSignal, timeout]);
      try {
        const response = await fetch(urls[index]!, { ...init, signal });
        if (response.status >= 500 && attempt < urls.length - 1) {
          lastError = new Error(`HTTP ${response.status} from ${urls[index]}`);
          continue;
        }
        current = index;
        return response;
      } catch (error) {
        if (callerSignal?.aborted === true) throw error;
        lastError = error;
      }
    }
    throw lastError;
  };
}

/** What a keeper step reported, as the runner needs it (the worker posts it). */
export interface KeeperStepReport {
  status: KeeperStepResult['status'];
  /** Up to date: the node's finalized height then (every batch up to it is settled). */
  latestHeight?: number;
  /** Settled: the heights the call settled. */
  heights: number[];
}

/** The keeper of the run (in its worker thread) and what it reported. */
export interface RunningKeeper {
  /** The last step's report (undefined before the first). */
  lastStep: KeeperStepReport | undefined;
  /** Per settled height: Synod's finalized height when its settle call landed minus its height. */
  lagHeights: number[];
  errors: number;
  lastError: string | undefined;
  /**
   * Stops the loop, syncs the model with L1 once more and compares them (compareL1WithModel);
   * the differences (empty: equal). The keeper is stopped afterwards.
   */
  stopAndCompare(extraAccounts: readonly Address[]): Promise<string[]>;
  /** Stops the loop and the worker (idempotent). */
  stop(): Promise<void>;
}

/** What the keeper's worker thread gets (structured-cloneable). */
export interface KeeperWorkerData {
  l1RpcUrl: string;
  chainId: number;
  perps: PerpsDeployment;
  domain: NetworkDomain;
  groupPublicKey: Hex;
  nodeRpcUrls: readonly string[];
}

export type KeeperWorkerMessage =
  | { type: 'step'; report: KeeperStepReport }
  | { type: 'error'; message: string }
  | { type: 'compared'; differences: string[] }
  | { type: 'compare-failed'; message: string };

/** A worker stopped on request has this long to exit before it is terminated. */
const KEEPER_STOP_TIMEOUT_MS = 10_000;
/** The last sync and the comparison of every account: this long at most. */
const KEEPER_COMPARE_TIMEOUT_MS = 60_000;

/**
 * The keeper loop itself (run by the worker, keeper-worker.ts): a keeper on the clearinghouse,
 * settling with dev account 3, until `signal` aborts. Each step and error goes to the callbacks.
 */
export async function createPerpsKeeper(data: KeeperWorkerData, publicClient: PublicClient): Promise<Keeper> {
  const client = createSynodClient({
    transport: synodHttp(data.nodeRpcUrls[0]!, { fetch: failoverFetch(data.nodeRpcUrls) }),
    network: data.domain,
    committee: { epoch: 0, groupPublicKey: data.groupPublicKey },
  });
  const l1 = { rpcUrl: data.l1RpcUrl, chainId: data.chainId, publicClient } as L1;
  return createKeeper({
    client,
    l1: {
      publicClient,
      walletClient: walletFor(l1, KEEPER_ACCOUNT_INDEX),
      addresses: { inbox: data.domain.inbox },
    },
    clearinghouse: data.perps.clearinghouse,
    config: await readPerpsConfig(publicClient, data.perps.clearinghouse),
    deploymentBlock: BigInt(data.perps.deploymentBlock),
    maxBatches: KEEPER_MAX_BATCHES,
  });
}

/** The report of a step result. */
export function stepReport(result: KeeperStepResult): KeeperStepReport {
  return result.status === 'settled'
    ? { status: result.status, heights: result.entries.map((entry) => entry.height) }
    : { status: result.status, latestHeight: result.latestHeight, heights: [] };
}

/**
 * Starts the keeper in a worker thread of the runner's process (keeper-worker.ts), settling the
 * clearinghouse's namespace until stopped: its BLS verifications and model replays then never
 * hold up the runner's event loop, which carries every p2p link through the link proxies. Each
 * step error goes to `onError` (the loop goes on); `finalizedHeight` dates the settlements for
 * the lag. A worker thread ends with the process: nothing outlives the runner.
 */
export async function startPerpsKeeper(parameters: {
  l1: L1;
  perps: PerpsDeployment;
  domain: NetworkDomain;
  groupPublicKey: Hex;
  nodeRpcUrls: readonly string[];
  finalizedHeight: () => number;
  onError: (error: unknown) => void;
}): Promise<RunningKeeper> {
  const data: KeeperWorkerData = {
    l1RpcUrl: parameters.l1.rpcUrl,
    chainId: parameters.l1.chainId,
    perps: parameters.perps,
    domain: parameters.domain,
    groupPublicKey: parameters.groupPublicKey,
    nodeRpcUrls: [...parameters.nodeRpcUrls],
  };
  const worker = new Worker(new URL('./keeper-worker.ts', import.meta.url), { workerData: data });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let compared: ((message: KeeperWorkerMessage) => void) | undefined;
  const running: RunningKeeper = {
    lastStep: undefined,
    lagHeights: [],
    errors: 0,
    lastError: undefined,
    async stopAndCompare(extraAccounts) {
      const answer = new Promise<KeeperWorkerMessage>((resolve, reject) => {
        compared = resolve;
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `the keeper did not compare L1 with its model within ${KEEPER_COMPARE_TIMEOUT_MS / 1000} s`,
              ),
            ),
          KEEPER_COMPARE_TIMEOUT_MS,
        );
        exited.then(() => {
          clearTimeout(timer);
          reject(
            new Error(`the keeper's worker exited before comparing (${running.lastError ?? 'no error'})`),
          );
        });
      });
      worker.postMessage({ type: 'compare', extraAccounts: [...extraAccounts] });
      try {
        const message = await answer;
        if (message.type === 'compare-failed') throw new Error(message.message);
        return message.type === 'compared' ? message.differences : [];
      } finally {
        await running.stop();
      }
    },
    async stop() {
      worker.postMessage({ type: 'stop' });
      const timer = setTimeout(() => void worker.terminate(), KEEPER_STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
  const fail = (message: string) => {
    running.errors++;
    running.lastError = message;
    parameters.onError(new Error(message));
  };
  worker.on('message', (message: KeeperWorkerMessage) => {
    switch (message.type) {
      case 'step': {
        running.lastStep = message.report;
        const height = parameters.finalizedHeight();
        for (const settled of message.report.heights) running.lagHeights.push(Math.max(0, height - settled));
        break;
      }
      case 'error':
        fail(message.message);
        break;
      default:
        compared?.(message);
    }
  });
  worker.on('error', (error) => fail(`the keeper's worker failed: ${briefError(error)}`));
  return running;
}

/** The clearinghouse's events of the run: settled transactions, rejections, liquidations. */
export interface PerpsL1Stats {
  ordersSettledL1: number;
  ordersRejected: number;
  liquidations: number;
}

/** Sums BatchSettled (count, rejected) and counts Liquidated events from `fromBlock`. */
export async function perpsL1Stats(
  publicClient: PublicClient,
  clearinghouse: Address,
  fromBlock: bigint,
): Promise<PerpsL1Stats> {
  const logs = parseEventLogs({
    abi: clearinghouseAbi,
    logs: await publicClient.getLogs({ address: clearinghouse, fromBlock, toBlock: 'latest' }),
  });
  const stats: PerpsL1Stats = { ordersSettledL1: 0, ordersRejected: 0, liquidations: 0 };
  for (const log of logs) {
    if (log.eventName === 'BatchSettled') {
      const { count, rejected } = log.args as { count: number; rejected: number };
      stats.ordersSettledL1 += Number(count);
      stats.ordersRejected += Number(rejected);
    } else if (log.eventName === 'Liquidated') stats.liquidations++;
  }
  return stats;
}

/**
 * One line for a keeper error: the first line of its message and, for a reverted call, the
 * error's name (viem's message spans the whole call with its arguments).
 */
export function briefError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0]!;
  const selector = /signature:\s*(0x[0-9a-fA-F]{8})\b/.exec(message)?.[1];
  if (selector === undefined) return first;
  const known = [...settlementInboxAbi, ...clearinghouseAbi].find(
    (item) => item.type === 'error' && errorSelector(item) === selector.toLowerCase(),
  ) as { name: string } | undefined;
  return `${first} (reverted ${known?.name ?? selector})`;
}

interface AbiParameterLike {
  type: string;
  components?: readonly AbiParameterLike[];
}

/** The 4-byte selector of an ABI error: keccak256 of `Name(type,…)`, tuples expanded. */
function errorSelector(item: { name: string; inputs: readonly AbiParameterLike[] }): string {
  const typeOf = (parameter: AbiParameterLike): string =>
    parameter.type.startsWith('tuple')
      ? `(${(parameter.components ?? []).map(typeOf).join(',')})${parameter.type.slice('tuple'.length)}`
      : parameter.type;
  return keccak256(toHex(`${item.name}(${item.inputs.map(typeOf).join(',')})`)).slice(0, 10);
}
