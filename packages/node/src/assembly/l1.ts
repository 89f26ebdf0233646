import type { FeedConfig } from '@synod/oracle';
import type { Evidence, Hex, NetworkDomain } from '@synod/protocol';
import type { Logger } from 'pino';
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  http,
  type PublicClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { L1ProofError } from '../l1/errors.ts';
import type { L1Metrics } from '../l1/metrics.ts';
import { proveOnL1 } from '../l1/prove.ts';
import {
  createL1Submitter,
  type L1EvidenceTarget,
  type L1SettlementTarget,
  type L1Submitter,
} from '../l1/submitter.ts';
import type { L1ProofResult, NodeL1Status } from '../rpc/backend.ts';
import { RpcBackendError } from '../rpc/errors.ts';
import type { Store } from '../storage/store.ts';
import type { NodeL1Backend } from './backend.ts';
import { L1_CHAIN_CHECK_MAX_DELAY_MS, L1_CHAIN_CHECK_MIN_DELAY_MS, L1_RPC_TIMEOUT_MS } from './constants.ts';

/**
 * The L1 side of a running node (docs/operations.md "L1 settlement"): the submitter posting
 * certified headers and prices, and settling the batches of the namespaces in l1.settlement,
 * from the node's Ethereum account (one transaction in flight, shared by those jobs), and the
 * prover behind synod_getL1Proof. The submitter starts once L1 has answered with the expected chain id, so a
 * node pointed at the wrong chain never sends anything there; L1 being down at start only
 * delays that check (retried with backoff).
 */

export interface NodeL1Options {
  rpcUrl: string;
  domain: NetworkDomain;
  priceFeeds: Address | null;
  ethereumPrivateKey: Hex;
  validatorIndex: number;
  committeeSize: number;
  /** The committee deciding a height (the driver's): the rotation follows the epochs. */
  committeeAt?: ((height: number) => { validatorIndex: number; validatorCount: number }) | undefined;
  store: Store;
  feeds: readonly FeedConfig[];
  postEveryHeaders: number;
  takeoverTimeoutMs: number;
  postingIntervalMs: number;
  feeBumpAfterMs: number;
  maxFeePerGasWei: bigint | undefined;
  /** Namespaces whose batches this node settles (l1.settlement); empty: none. */
  settlement?: readonly L1SettlementTarget[];
  /** Where this node posts equivocation evidence (l1.equivocationRegistryAddress); absent: nowhere. */
  evidence?: L1EvidenceTarget;
  metrics: L1Metrics;
  logger: Logger;
  /** Wall clock, unix ms (default Date.now). */
  nowMs?: () => number;
}

export interface NodeL1 extends NodeL1Backend {
  readonly submitter: L1Submitter;
  /** Checks the chain id (retrying while L1 is unreachable), then starts the submitter. */
  start(): void;
  /** The node finalized `height`. */
  onFinalized(height: number): void;
  /** The node recorded equivocation evidence. */
  onEvidence(evidence: Evidence): void;
  stop(): Promise<void>;
}

/** The address PriceFeeds calls are sent to when none is configured: never used (no feeds are pushed). */
const NO_PRICE_FEEDS: Address = '0x0000000000000000000000000000000000000000';

export function createNodeL1(init: NodeL1Options): NodeL1 {
  const { domain, logger } = init;
  const nowMs = init.nowMs ?? Date.now;
  const chain: Chain = defineChain({
    id: domain.chainId,
    name: `synod settlement chain ${domain.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [init.rpcUrl] } },
  });
  // Retries are the submitter's (with backoff and metrics); one attempt per call here.
  const transport = http(init.rpcUrl, { retryCount: 0, timeout: L1_RPC_TIMEOUT_MS });
  const publicClient = createPublicClient({ chain, transport }) as PublicClient;
  const account = privateKeyToAccount(init.ethereumPrivateKey);
  const walletClient = createWalletClient({ account, chain, transport });
  const submitter = createL1Submitter({
    publicClient,
    walletClient,
    addresses: { inbox: domain.inbox, priceFeeds: init.priceFeeds ?? NO_PRICE_FEEDS },
    validatorIndex: init.validatorIndex,
    committeeSize: init.committeeSize,
    committeeAt: init.committeeAt,
    store: init.store,
    // Without a PriceFeeds address the submitter posts headers only.
    feeds: init.priceFeeds === null ? [] : init.feeds,
    postEveryHeaders: init.postEveryHeaders,
    takeoverTimeoutMs: init.takeoverTimeoutMs,
    tickIntervalMs: init.postingIntervalMs,
    fees: {
      feeBumpAfterMs: init.feeBumpAfterMs,
      ...(init.maxFeePerGasWei === undefined ? {} : { maxFeePerGasWei: init.maxFeePerGasWei }),
    },
    ...(init.settlement === undefined || init.settlement.length === 0
      ? {}
      : { settlement: { targets: init.settlement, store: init.store } }),
    ...(init.evidence === undefined ? {} : { evidence: init.evidence }),
    metrics: init.metrics,
    logger,
    nowMs,
  });

  let chainChecked = false;
  let stopped = false;
  let checkError: { code: 'RPC_UNAVAILABLE' | 'RPC_ERROR'; message: string; atMs: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;

  async function checkChainThenStart(): Promise<void> {
    let delayMs = L1_CHAIN_CHECK_MIN_DELAY_MS;
    while (!stopped) {
      try {
        const chainId = await publicClient.getChainId();
        if (chainId !== domain.chainId) {
          checkError = {
            code: 'RPC_ERROR',
            message: `l1.rpcUrl serves chain id ${chainId}, the network's is ${domain.chainId}: not posting`,
            atMs: nowMs(),
          };
          logger.error({ chainId, expected: domain.chainId }, checkError.message);
          return;
        }
        chainChecked = true;
        checkError = undefined;
        await submitter.start();
        logger.info(
          { account: account.address, chainId, settledNamespaces: init.settlement?.length ?? 0 },
          'L1 submitter started',
        );
        return;
      } catch (error) {
        checkError = { code: 'RPC_UNAVAILABLE', message: (error as Error).message, atMs: nowMs() };
        logger.warn(
          { err: checkError.message, retryInMs: delayMs },
          'L1 unreachable; chain id not checked yet',
        );
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, delayMs);
      });
      delayMs = Math.min(delayMs * 2, L1_CHAIN_CHECK_MAX_DELAY_MS);
    }
  }
  let checking: Promise<void> | undefined;

  return {
    submitter,
    start() {
      checking ??= checkChainThenStart();
    },
    onEvidence(evidence) {
      submitter.onEvidence(evidence);
    },
    onFinalized(height) {
      submitter.onFinalized(height);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      wake?.();
      await checking;
      await submitter.stop();
    },
    status(): NodeL1Status {
      const status = submitter.status();
      return {
        ...status,
        lastError: status.lastError ?? checkError,
        account: account.address,
        inbox: domain.inbox,
        priceFeeds: init.priceFeeds,
        postEveryHeaders: init.postEveryHeaders,
        chainChecked,
      };
    },
    async getL1Proof(txId): Promise<L1ProofResult> {
      if (!chainChecked) {
        throw new RpcBackendError('UNAVAILABLE', 'L1 has not answered with the network chain id yet');
      }
      try {
        const proof = await proveOnL1({ publicClient, inbox: domain.inbox, store: init.store, txId });
        const { call } = proof;
        return {
          status: 'proven',
          txId: proof.txId,
          height: proof.height,
          anchorHeight: proof.anchorHeight,
          contract: call.address,
          function: call.functionName,
          args: call.args,
          data: encodeFunctionData({
            abi: call.abi,
            functionName: call.functionName,
            args: call.args,
          } as never),
        };
      } catch (error) {
        if (!(error instanceof L1ProofError)) {
          throw new RpcBackendError('UNAVAILABLE', `L1: ${(error as Error).message.split('\n')[0]}`);
        }
        if (error.code === 'UNKNOWN_TRANSACTION') return { status: 'unknown' };
        const location = await init.store.getTransactionLocation(txId);
        const height = location?.height ?? 0;
        if (error.code === 'NOT_YET_ON_L1') {
          return { status: 'not-yet-on-l1', height, l1LatestHeight: submitter.status().l1LatestHeight };
        }
        return { status: 'unprovable', height, reason: error.code, message: error.message };
      }
    },
  };
}
