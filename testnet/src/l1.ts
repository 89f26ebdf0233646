import {
  anvilBinaryPath,
  committeeRegistryAbi,
  deploySynod,
  equivocationRegistryAbi,
  priceFeedsAbi,
  type SynodDeployment,
  settlementInboxAbi,
} from '@synod/contracts';
import { g1ToEip2537, parseHex } from '@synod/protocol';
import {
  type Address,
  type Chain,
  concatHex,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  parseEther,
  toHex,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { FEED_DECIMALS, feedIdOf, TESTNET_FEEDS } from './config.ts';
import type { ManagedProcess, ProcessSupervisor } from './processes.ts';
import { waitUntil } from './wait.ts';

/** anvil's default dev mnemonic: its accounts are public knowledge, fine for a local chain only. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
/** Dev account 0 deploys the contracts: their addresses then depend only on its nonce. */
export const DEPLOYER_ACCOUNT_INDEX = 0;
/** Dev account 1 funds the nodes, so funding never moves the deployer's nonce. */
export const FUNDER_ACCOUNT_INDEX = 1;
/** Each node's Ethereum account gets this much for its L1 submissions (headers cost ~100k gas). */
export const NODE_FUNDING_ETH = '100';
/** anvil prints "Listening" within a second; 20 s covers a cold disk. */
const ANVIL_READY_TIMEOUT_MS = 20_000;
/** anvil dumps its state this often too, so an L1 survives even a SIGKILLed runner. */
const ANVIL_STATE_INTERVAL_S = 10;

export function anvilChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: 'anvil (synod testnet)',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

export interface L1 {
  rpcUrl: string;
  chainId: number;
  process: ManagedProcess;
  publicClient: PublicClient;
}

/** Starts anvil on `port` with its state kept in `statePath` (loaded if present, dumped on exit). */
export async function startL1(
  supervisor: ProcessSupervisor,
  parameters: { port: number; statePath: string; logPath: string; signal?: AbortSignal },
): Promise<L1> {
  const rpcUrl = `http://127.0.0.1:${parameters.port}`;
  const anvil = supervisor.spawn(
    'anvil',
    anvilBinaryPath(),
    [
      '--host',
      '127.0.0.1',
      '--port',
      String(parameters.port),
      '--state',
      parameters.statePath,
      '--state-interval',
      String(ANVIL_STATE_INTERVAL_S),
    ],
    { logPath: parameters.logPath },
  );
  const publicClient = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
  let chainId = 0;
  await waitUntil(
    async () => {
      if (!anvil.isRunning()) throw new Error(`anvil exited; see ${parameters.logPath}`);
      try {
        chainId = await publicClient.getChainId();
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: ANVIL_READY_TIMEOUT_MS, what: `anvil on ${rpcUrl}`, signal: parameters.signal },
  );
  return { rpcUrl, chainId, process: anvil, publicClient };
}

/** A wallet of anvil dev account `accountIndex`. */
export function walletFor(l1: L1, accountIndex: number) {
  return createWalletClient({
    account: mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: accountIndex }),
    chain: anvilChain(l1.chainId, l1.rpcUrl),
    transport: http(l1.rpcUrl),
  });
}

/** Tops every address up to NODE_FUNDING_ETH with transfers from dev account 1. */
export async function fundAccounts(l1: L1, addresses: readonly Address[]): Promise<void> {
  const wallet = walletFor(l1, FUNDER_ACCOUNT_INDEX);
  const target = parseEther(NODE_FUNDING_ETH);
  for (const address of addresses) {
    const balance = await l1.publicClient.getBalance({ address });
    if (balance >= target) continue;
    const hash = await wallet.sendTransaction({ to: address, value: target - balance });
    const receipt = await l1.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`funding ${address} failed (${hash})`);
  }
}

/** The 128-byte EIP-2537 form of a committee.json group key or commitment (48-byte compressed G1 hex). */
export function groupKeyForContracts(groupPublicKey: Hex): Hex {
  const compressed = parseHex(groupPublicKey, 48);
  if (compressed === undefined) throw new Error(`group public key ${groupPublicKey} is not 48 bytes of hex`);
  return toHex(g1ToEip2537(compressed));
}

/** Deploys the Synod contracts for the DKG's committee, one price adapter per testnet feed. */
export async function deployContracts(
  l1: L1,
  parameters: {
    networkId: number;
    epoch: number;
    groupPublicKey: Hex;
    committeeSize: number;
    threshold: number;
    /** committee.json's commitments (48-byte compressed G1 hex each): for the EquivocationRegistry. */
    commitments: readonly Hex[];
  },
): Promise<SynodDeployment> {
  const wallet = walletFor(l1, DEPLOYER_ACCOUNT_INDEX);
  return await deploySynod(wallet, l1.publicClient, {
    networkId: BigInt(parameters.networkId),
    genesisEpoch: BigInt(parameters.epoch),
    groupPublicKey: groupKeyForContracts(parameters.groupPublicKey),
    committeeSize: parameters.committeeSize,
    threshold: parameters.threshold,
    commitments: concatHex(parameters.commitments.map(groupKeyForContracts)),
    feeds: TESTNET_FEEDS.map((feed) => ({
      feedId: feedIdOf(feed.pair),
      decimals: FEED_DECIMALS,
      description: feed.pair,
    })),
  });
}

/** True when every contract of a deployment still has code (anvil's state survived). */
export async function isDeployed(l1: L1, deployment: SynodDeployment): Promise<boolean> {
  const addresses = [
    deployment.registry,
    deployment.inbox,
    deployment.priceFeeds,
    ...Object.values(deployment.adapters),
    ...(deployment.equivocationRegistry === undefined ? [] : [deployment.equivocationRegistry]),
  ];
  for (const address of addresses) {
    const code = await l1.publicClient.getCode({ address });
    if (code === undefined || code === '0x') return false;
  }
  return true;
}

/** The 128-byte group key the CommitteeRegistry holds for `epoch`. */
export async function registryGroupKey(l1: L1, registry: Address, epoch: number): Promise<Hex> {
  const [groupPublicKey] = await l1.publicClient.readContract({
    address: registry,
    abi: committeeRegistryAbi,
    functionName: 'epochInfo',
    args: [BigInt(epoch)],
  });
  return groupPublicKey;
}

/**
 * Headers, prices and equivocations the nodes posted to L1 since `fromBlock` (HeaderSubmitted,
 * PricesUpdated and EquivocationRecorded events).
 */
export async function postedToL1(
  l1: L1,
  deployment: SynodDeployment,
  fromBlock: bigint,
): Promise<{ headers: number; prices: number; equivocations: number }> {
  const headerLogs = await l1.publicClient.getContractEvents({
    address: deployment.inbox,
    abi: settlementInboxAbi,
    eventName: 'HeaderSubmitted',
    fromBlock,
  });
  const priceLogs = await l1.publicClient.getContractEvents({
    address: deployment.priceFeeds,
    abi: priceFeedsAbi,
    eventName: 'PricesUpdated',
    fromBlock,
  });
  const prices = priceLogs.reduce((sum, log) => sum + Number(log.args.updatedCount ?? 0n), 0);
  const equivocationLogs =
    deployment.equivocationRegistry === undefined
      ? []
      : await l1.publicClient.getContractEvents({
          address: deployment.equivocationRegistry,
          abi: equivocationRegistryAbi,
          eventName: 'EquivocationRecorded',
          fromBlock,
        });
  return { headers: headerLogs.length, prices, equivocations: equivocationLogs.length };
}
