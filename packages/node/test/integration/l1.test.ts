import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnvilInstance,
  batchRecorderAbi,
  batchRecorderBytecode,
  deploySynod,
  type SynodDeployment,
  settlementInboxAbi,
} from '@synod/contracts';
import { type PriceSimulator, startPriceSimulator } from '@synod/oracle/simulator';
import {
  g1ToEip2537,
  type Hex,
  parseHex,
  type SignedTransaction,
  signTransaction,
  toLowerHex,
  transactionCodec,
} from '@synod/protocol';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  decodeFunctionResult,
  defineChain,
  http,
  keccak256,
  type PublicClient,
  parseEther,
  toBytes,
  toHex,
} from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CommitteeJson, parseCommittee } from '../../src/dkg/committee.ts';
import { dataDirLayout } from '../../src/keys/layout.ts';
import { inboxCallAbi } from '../../src/l1/abis.ts';
import {
  CHAIN_ID,
  finalizedHeight,
  initNetwork,
  killAll,
  NETWORK_ID,
  type NodePorts,
  type RpcJson,
  type RunningProcess,
  rpc,
  startNodesUntilHeight,
  subsystemLogs,
  waitFor,
} from './helpers.ts';
import { blockPrice, FEED_DECIMALS, FEED_ID, PAIR, patchConfig, simulatorSources } from './oracleHelpers.ts';

/**
 * Issue #7 §5 end to end: anvil with the deployed contracts (registry with the DKG's group key,
 * SettlementInbox, PriceFeeds, an AggregatorV3 adapter), four `synod start` processes posting
 * every k = 4 headers and the simulator's prices from their own funded accounts. All four post;
 * with the designated submitter SIGKILLed, the others post its heights within the takeover
 * timeout; finalized transactions are proven on L1 through synod_getL1Proof, from their own
 * header and from a header that was never posted (history); the adapter answers the finalized
 * prices. Two apps (BatchRecorder contracts on two namespaces) get their batches settled by the
 * nodes' relayers under load, each ending with exactly its namespace's transactions in the order
 * every node finalized. L1 down → bounded backlog → catch-up is covered against anvil by
 * test/l1/submitter.test.ts ("keeps a bounded backlog while L1 is unreachable, reports it, and
 * catches up").
 */

const N = 4;
const K = 4;
const TAKEOVER_MS = 3_000;
const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

let dir: string;
let dataDirs: string[];
let ports: NodePorts[];
let passwordPath: string;
let committee: CommitteeJson;
let anvil: AnvilInstance;
let simulator: PriceSimulator;
let publicClient: PublicClient;
let deployment: SynodDeployment;
let domain: { networkId: number; chainId: number; inbox: Hex };
const nodes: RunningProcess[] = [];

const sender = privateKeyToAccount(keccak256(toBytes('synod/integration/l1/sender')));
/** The two settlement apps: namespace → its BatchRecorder contract (deployed in beforeAll). */
const APP_NAMESPACES = [
  keccak256(toBytes('synod/integration/app-a')),
  keccak256(toBytes('synod/integration/app-b')),
];
const apps = new Map<Hex, Address>();
let nextNonce = 0n;

async function send(): Promise<Hex> {
  const tx: SignedTransaction = await signTransaction(
    sender,
    {
      networkId: NETWORK_ID,
      namespace: keccak256(toBytes('synod/integration/l1')),
      sender: sender.address,
      nonce: nextNonce++,
      payload: toHex(toBytes(`tx ${nextNonce}`)),
      validUntil: BigInt(Math.floor(Date.now() / 1000) + 600),
    },
    domain,
  );
  return await rpc(ports[0]!.rpc, 'synod_sendTransaction', [toLowerHex(transactionCodec.encode(tx))]);
}

async function l1Status(i: number): Promise<RpcJson> {
  return (await rpc(ports[i]!.rpc, 'synod_status')).l1;
}

async function inboxHeight(): Promise<number> {
  return Number(
    await publicClient.readContract({
      address: deployment.inbox,
      abi: settlementInboxAbi,
      functionName: 'latestHeight',
    }),
  );
}

/** Height → the account that landed its header. */
async function headerSenders(): Promise<Map<number, Address>> {
  const logs = await publicClient.getContractEvents({
    address: deployment.inbox,
    abi: settlementInboxAbi,
    eventName: 'HeaderSubmitted',
    fromBlock: 0n,
  });
  const senders = new Map<number, Address>();
  for (const log of logs) {
    const tx = await publicClient.getTransaction({ hash: log.transactionHash });
    senders.set(Number(log.args.height), tx.from.toLowerCase() as Address);
  }
  return senders;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synod-l1-'));
  const { startAnvil } = await import('@synod/contracts');
  anvil = await startAnvil();
  const chain = defineChain({
    id: CHAIN_ID,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  });
  publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl) }) as PublicClient;
  simulator = await startPriceSimulator({ seed: 11, pairs: [{ pair: PAIR, initialPrice: '3000.00' }] });

  ({ dataDirs, ports, passwordPath } = await initNetwork(dir, N));
  committee = parseCommittee(await readFile(dataDirLayout(dataDirs[0]!).committee, 'utf8'));
  const deployer = createWalletClient({
    account: mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 }),
    chain,
    transport: http(anvil.rpcUrl),
  });
  deployment = await deploySynod(deployer, publicClient, {
    networkId: BigInt(NETWORK_ID),
    genesisEpoch: 0n,
    groupPublicKey: toHex(g1ToEip2537(parseHex(committee.groupPublicKey, 48)!)),
    committeeSize: N,
    threshold: committee.threshold,
    feeds: [{ feedId: FEED_ID, decimals: FEED_DECIMALS, description: PAIR }],
  });
  domain = { networkId: NETWORK_ID, chainId: CHAIN_ID, inbox: deployment.inbox.toLowerCase() as Hex };
  for (const namespace of APP_NAMESPACES) {
    const hash = await deployer.deployContract({
      abi: batchRecorderAbi,
      bytecode: batchRecorderBytecode,
      args: [deployment.inbox, namespace],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    apps.set(namespace, receipt.contractAddress!.toLowerCase() as Address);
  }
  const funder = createWalletClient({
    account: mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 1 }),
    chain,
    transport: http(anvil.rpcUrl),
  });
  for (const member of committee.members) {
    const hash = await funder.sendTransaction({
      to: member.ethereumAddress as Address,
      value: parseEther('10'),
    });
    await publicClient.waitForTransactionReceipt({ hash });
  }
  for (const dataDir of dataDirs) {
    await patchConfig(dataDir, {
      network: { inboxAddress: deployment.inbox, chainId: CHAIN_ID },
      // Heights back to back, never held idle: the L1 proof test needs its transactions' heights
      // spread over the posting cycle of K, which a transaction woken from idle (listed, then
      // included, then idle again) does not give.
      consensus: { idleIntervalMs: 0 },
      oracle: {
        feeds: [
          { feedId: FEED_ID, decimals: FEED_DECIMALS, pair: PAIR, sources: simulatorSources(simulator) },
        ],
        pollIntervalMs: 250,
      },
      l1: {
        rpcUrl: anvil.rpcUrl,
        priceFeedsAddress: deployment.priceFeeds,
        postEveryHeaders: K,
        postingIntervalMs: 500,
        takeoverTimeoutMs: TAKEOVER_MS,
        settlement: [...apps].map(([namespace, contract]) => ({ namespace, contract })),
      },
    });
  }
  await startNodesUntilHeight({ dataDirs, passwordPath, ports }, nodes, 2);
}, 120_000);

afterAll(async () => {
  killAll();
  await Promise.all(nodes.map((node) => node.exited));
  await simulator?.stop();
  await anvil?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('L1 settlement against anvil, 4 nodes', () => {
  test('every validator posts headers and prices from its own account; status and metrics say so', async () => {
    const statuses = await waitFor(
      async () => {
        const all = await Promise.all(ports.map((_, i) => l1Status(i)));
        return all.every((status) => status.headersPosted > 0) ? all : undefined;
      },
      'every node to land a header',
      60_000,
      250,
    );
    const accounts = committee.members.map((member) => member.ethereumAddress.toLowerCase());
    for (const [i, status] of statuses.entries()) {
      expect(status).toMatchObject({
        account: expect.stringMatching(/^0x/),
        chainChecked: true,
        running: true,
        reachable: true,
        priceFeeds: deployment.priceFeeds.toLowerCase(),
        postEveryHeaders: K,
      });
      expect(status.account.toLowerCase()).toBe(accounts[i]);
    }
    const senders = new Set((await headerSenders()).values());
    for (const account of accounts) expect(senders.has(account as Address), account).toBe(true);
    expect(statuses.reduce((sum, status) => sum + status.pricesPosted, 0)).toBeGreaterThan(0);
  }, 90_000);

  test('the AggregatorV3 adapter returns the finalized price of the height its round names', async () => {
    const adapter = deployment.adapters[FEED_ID]!;
    const aggregatorAbi = [
      {
        type: 'function',
        name: 'latestRoundData',
        stateMutability: 'view',
        inputs: [],
        outputs: [
          { name: 'roundId', type: 'uint80' },
          { name: 'answer', type: 'int256' },
          { name: 'startedAt', type: 'uint256' },
          { name: 'updatedAt', type: 'uint256' },
          { name: 'answeredInRound', type: 'uint80' },
        ],
      },
      {
        type: 'function',
        name: 'heightOf',
        stateMutability: 'view',
        inputs: [{ name: 'roundId', type: 'uint256' }],
        outputs: [{ name: 'height', type: 'uint64' }],
      },
    ] as const;
    const [roundId, answer, , updatedAt] = await publicClient.readContract({
      address: adapter,
      abi: aggregatorAbi,
      functionName: 'latestRoundData',
    });
    expect(roundId).toBeGreaterThan(0n);
    const height = Number(
      await publicClient.readContract({
        address: adapter,
        abi: aggregatorAbi,
        functionName: 'heightOf',
        args: [roundId],
      }),
    );
    expect(height).toBeGreaterThan(0);
    expect(answer).toBe(await blockPrice(ports[0]!.rpc, height));
    const block = await rpc(ports[0]!.rpc, 'synod_getBlockByHeight', [height]);
    expect(updatedAt).toBe(BigInt(Math.floor(block.header.timestampMs / 1000)));
  }, 90_000);

  test('finalized transactions are proven on L1 via synod_getL1Proof, from their header or through history', async () => {
    // Transactions sent back to back land in consecutive heights, whatever the posting cycle, so
    // some land at a height whose header is posted (every K-th) and some at one that is not. (One
    // at a time, each after the previous proof, the cycle of send → finalize → next post could lock
    // every transaction to heights of one residue mod K and never see the first case.)
    const txIds: Hex[] = [];
    for (let i = 0; i < 6 * K; i++) {
      txIds.push(await send());
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    const seen = new Set<string>();
    for (const txId of txIds) {
      const finalized = await waitFor(
        async () => {
          const status = await rpc(ports[0]!.rpc, 'synod_getTransactionStatus', [txId]);
          return status.status === 'finalized' ? status : undefined;
        },
        `transaction ${txId} to finalize`,
        30_000,
      );
      const proof = await waitFor(
        async () => {
          const answer = await rpc(ports[0]!.rpc, 'synod_getL1Proof', [txId]);
          if (answer.status === 'not-yet-on-l1') {
            expect(answer.height).toBe(finalized.height);
            return undefined;
          }
          return answer;
        },
        `an L1 proof of ${txId}`,
        30_000,
        250,
      );
      expect(proof).toMatchObject({ status: 'proven', txId, height: finalized.height });
      expect(proof.contract.toLowerCase()).toBe(deployment.inbox.toLowerCase());
      const posted = BigInt(
        await publicClient.readContract({
          address: deployment.inbox,
          abi: settlementInboxAbi,
          functionName: 'headerHashes',
          args: [BigInt(finalized.height)],
        }),
      );
      // Its own header on L1 → verifyTransaction; a header never posted → through a later one's history.
      expect(proof.function).toBe(posted === 0n ? 'verifyTransactionInHistory' : 'verifyTransaction');
      expect(proof.anchorHeight === finalized.height).toBe(posted !== 0n);
      const { data } = await publicClient.call({ to: proof.contract, data: proof.data });
      const verified = decodeFunctionResult({ abi: inboxCallAbi, functionName: proof.function, data: data! });
      expect(verified).toBe(true);
      seen.add(proof.function);
    }
    expect([...seen].sort()).toEqual(['verifyTransaction', 'verifyTransactionInHistory']);
    expect((await rpc(ports[0]!.rpc, 'synod_getL1Proof', [`0x${'00'.repeat(32)}`])).status).toBe('unknown');
  }, 90_000);

  test('two apps under load: each contract ends with exactly its transactions, in the order every node finalized', async () => {
    const traders = [0, 1, 2, 3].map((i) =>
      privateKeyToAccount(keccak256(toBytes(`synod/integration/trader/${i}`))),
    );
    const PER_TRADER = 10;
    // Each trader alternates between the two apps, its transactions spread over the four nodes.
    const sent = await Promise.all(
      traders.map(async (trader, t) => {
        const txIds: { txId: Hex; namespace: Hex }[] = [];
        for (let nonce = 0; nonce < PER_TRADER; nonce++) {
          const namespace = APP_NAMESPACES[(t + nonce) % 2]!;
          const tx = await signTransaction(
            trader,
            {
              networkId: NETWORK_ID,
              namespace,
              sender: trader.address,
              nonce: BigInt(nonce),
              payload: toHex(toBytes(`order ${t}/${nonce}`)),
              validUntil: BigInt(Math.floor(Date.now() / 1000) + 600),
            },
            domain,
          );
          const port = ports[(t + nonce) % N]!;
          txIds.push({
            txId: await rpc(port.rpc, 'synod_sendTransaction', [toLowerHex(transactionCodec.encode(tx))]),
            namespace,
          });
        }
        return txIds;
      }),
    );
    const all = sent.flat();
    // Where every node finalized each transaction: (height, index) gives the network's order.
    const orders = await Promise.all(
      ports.map(async (port) => {
        const located = await Promise.all(
          all.map(({ txId, namespace }) =>
            waitFor(
              async () => {
                const status = await rpc(port.rpc, 'synod_getTransactionStatus', [txId]);
                return status.status === 'finalized'
                  ? { txId, namespace, height: status.height as number, index: status.index as number }
                  : undefined;
              },
              `${txId} to finalize`,
              60_000,
              200,
            ),
          ),
        );
        located.sort((a, b) => a.height - b.height || a.index - b.index);
        return located;
      }),
    );
    for (const order of orders.slice(1)) expect(order).toEqual(orders[0]);
    for (const namespace of APP_NAMESPACES) {
      const contract = apps.get(namespace)!;
      const expected = orders[0]!.filter((entry) => entry.namespace === namespace).map((entry) => entry.txId);
      expect(expected).toHaveLength((traders.length * PER_TRADER) / 2);
      const applied = await waitFor(
        async () => {
          const records = await publicClient.readContract({
            address: contract,
            abi: batchRecorderAbi,
            functionName: 'allApplied',
          });
          return records.length >= expected.length ? records : undefined;
        },
        `app ${namespace} to settle ${expected.length} transactions`,
        60_000,
        250,
      );
      expect(applied.map((record) => record.txId)).toEqual(expected);
      expect(applied.map((record) => Number(record.sequence))).toEqual(expected.map((_, i) => i));
      expect(
        await publicClient.readContract({
          address: contract,
          abi: batchRecorderAbi,
          functionName: 'appliedCount',
        }),
      ).toBe(BigInt(expected.length));
    }
    // Every node reports the namespaces it settles; together they settled every batch, each
    // once. A node counts its landing when it next checks its pending transaction, which can be
    // after the contract already shows it: wait for the counts, then require exactly the total.
    const settled = (statuses: RpcJson[]) =>
      statuses.reduce(
        (sum, status) =>
          sum +
          status.batches.reduce((inner: number, batch: RpcJson) => inner + batch.transactionsSettled, 0),
        0,
      );
    const statuses = await waitFor(
      async () => {
        const all = await Promise.all(ports.map((_, i) => l1Status(i)));
        return settled(all) >= sent.flat().length ? all : undefined;
      },
      'the nodes to count every settled transaction',
      15_000,
      200,
    ).catch(async (error: unknown) => {
      // Say which node lost count of what, and what its account was doing.
      const all = await Promise.all(ports.map((_, i) => l1Status(i)));
      const detail = all.map((status, i) => ({
        node: i,
        pending: status.pendingTransaction,
        lastError: status.lastError,
        batches: status.batches.map((batch: RpcJson) => ({
          appliedCount: batch.appliedCount,
          backlog: batch.backlogHeights,
          settled: [batch.batchesSettled, batch.transactionsSettled],
          duplicates: batch.duplicates,
          overtaken: batch.overtaken,
          pending: batch.pending,
          lastError: batch.lastError,
        })),
      }));
      throw new Error(
        `${(error as Error).message}: ${JSON.stringify(detail)}\n${subsystemLogs(nodes, 'l1')}`,
      );
    });
    for (const status of statuses) {
      expect(status.batches.map((batch: RpcJson) => batch.namespace)).toEqual(APP_NAMESPACES);
    }
    expect(settled(statuses)).toBe(all.length);
  }, 120_000);

  test('with the designated submitter killed, the next one posts its heights within the takeover timeout', async () => {
    const current = await finalizedHeight(ports[0]!.rpc);
    // The next interval height far enough ahead that the victim is still its designated submitter.
    const target = Math.ceil((current + 3) / K) * K;
    const victim = Math.floor(target / K) % N;
    const victimAccount = committee.members[victim]!.ethereumAddress.toLowerCase();
    nodes[victim]!.child.kill('SIGKILL');
    await nodes[victim]!.exited;
    const alive = ports.filter((_, i) => i !== victim);
    // Its next window too: heights target … target + K·N all reach L1 from other accounts.
    const until = target + K * N;
    const finalizedAt = new Map<number, number>();
    await waitFor(
      async () => {
        const height = await finalizedHeight(alive[0]!.rpc);
        for (const h of [target, until])
          if (height >= h && !finalizedAt.has(h)) finalizedAt.set(h, Date.now());
        return (await inboxHeight()) >= until;
      },
      `the inbox to reach ${until} without validator ${victim}`,
      90_000,
      200,
    );
    const landed = await headerSenders();
    for (const [height, account] of landed) {
      if (height >= target) expect(account, `height ${height}`).not.toBe(victimAccount);
    }
    expect([...landed.keys()].some((height) => height >= target && height <= target + K)).toBe(true);
    // Bounded: at most one takeover timeout (distance 1) plus posting slack after finalization.
    expect(Date.now() - finalizedAt.get(until)!).toBeLessThan(TAKEOVER_MS + 5_000);
    const takeovers = await Promise.all(alive.map((port) => rpc(port.rpc, 'synod_status')));
    expect(takeovers.some((status) => status.l1.headersPosted > 0)).toBe(true);
  }, 90_000);
});
