import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnvilInstance,
  deploySynod,
  type SynodDeployment,
  settlementInboxAbi,
  startAnvil,
} from '@synod/contracts';
import {
  blsPublicKey,
  decryptShareKeystore,
  encryptionThreshold,
  g1ToEip2537,
  type Hex,
  parseHex,
  partialSign,
  recoverGroupSignature,
  signTransaction,
  TRANSITION_ACTIVATION_DELAY,
  toLowerHex,
  transactionCodec,
  VoteKind,
  verifyGroupSignature,
  voteMessageBytes,
} from '@synod/protocol';
import {
  type Address,
  createPublicClient,
  createWalletClient,
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
import { createGenesisJson, type GenesisJson } from '../../src/config/index.ts';
import { parseCommittee } from '../../src/dkg/index.ts';
import { RESHARE_PLAN_VERSION, type ResharePlanJson } from '../../src/epochs/reshare.ts';
import { dataDirLayout } from '../../src/keys/index.ts';
import {
  CHAIN_ID,
  freePorts,
  INBOX,
  initNetwork,
  killAll,
  NETWORK_ID,
  type NodePorts,
  PASSWORD,
  type RunningProcess,
  rpc,
  runSynod,
  scrapeMetric,
  startSynod,
  tailLogs,
  waitFor,
} from '../integration/helpers.ts';
import { patchConfig } from '../integration/oracleHelpers.ts';

/**
 * Issue #18 end to end: four validators from `synod dkg`, a fifth that follows the chain, then
 * `synod reshare` 4 → 5 and 5 → 4 while every node keeps running and a client keeps sending
 * transactions, and one validator is killed and restarted around the first switch. Real OS processes, libp2p over TCP, LevelDB. Every transaction finalizes exactly
 * once, every certificate verifies under the one group key, the joiner proposes in epoch 1, and
 * the leaver signs nothing in epoch 2.
 */

let domain: { networkId: number; chainId: number; inbox: Hex };
const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
let anvil: AnvilInstance;
let publicClient: PublicClient;
let deployment: SynodDeployment;
/** Short idle heights; an RPC limit the test's block-by-block checks stay under. */
const NODE_FLAGS = [
  '--consensus.idleIntervalMs',
  '200',
  '--rpc.rateLimitPerSecond',
  '10000',
  '--rpc.rateLimitBurst',
  '10000',
];

let dir: string;
let network: Awaited<ReturnType<typeof initNetwork>>;
const dataDirs: string[] = [];
const ports: NodePorts[] = [];
const nodes: RunningProcess[] = [];
let genesis: GenesisJson;
let joinerParticipant: GenesisJson['participants'][number];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synod-reshare-'));
  network = await initNetwork(dir, 4, NODE_FLAGS);
  dataDirs.push(...network.dataDirs);
  ports.push(...network.ports);
  genesis = JSON.parse(await readFile(join(dir, 'genesis.json'), 'utf8')) as GenesisJson;
  // L1: anvil with the contracts, keyed by the DKG's group key; the genesis members post headers.
  anvil = await startAnvil();
  const chain = defineChain({
    id: CHAIN_ID,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  });
  publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl) }) as PublicClient;
  const genesisCommittee = parseCommittee(await readFile(join(dataDirs[0]!, 'committee.json'), 'utf8'));
  const deployer = createWalletClient({
    account: mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 }),
    chain,
    transport: http(anvil.rpcUrl),
  });
  deployment = await deploySynod(deployer, publicClient, {
    networkId: BigInt(NETWORK_ID),
    genesisEpoch: 0n,
    groupPublicKey: toHex(g1ToEip2537(parseHex(genesisCommittee.groupPublicKey, 48)!)),
    committeeSize: 4,
    threshold: genesisCommittee.threshold,
  });
  domain = { networkId: NETWORK_ID, chainId: CHAIN_ID, inbox: deployment.inbox.toLowerCase() as Hex };
  for (const member of genesisCommittee.members) {
    const hash = await deployer.sendTransaction({
      to: member.ethereumAddress as Address,
      value: parseEther('10'),
    });
    await publicClient.waitForTransactionReceipt({ hash });
  }
  // The joiner: keys from `synod init`, the public committee.json of the network, no share.
  const [p2p, rpcPort, metrics] = await freePorts(3);
  const joinerDir = join(dir, 'v4');
  const init = await runSynod([
    'init',
    '--data-dir',
    joinerDir,
    '--json',
    '--node.name',
    'v4',
    '--p2p.listenAddresses',
    `/ip4/127.0.0.1/tcp/${p2p}`,
    '--rpc.port',
    String(rpcPort),
    '--metrics.port',
    String(metrics),
    '--network.inboxAddress',
    INBOX,
    ...NODE_FLAGS,
  ]).exited;
  expect(init.code, init.stderr).toBe(0);
  joinerParticipant = { index: 4, ...JSON.parse(init.stdout).genesisParticipant };
  const funding = await deployer.sendTransaction({
    to: joinerParticipant.ethereumAddress as Address,
    value: parseEther('10'),
  });
  await publicClient.waitForTransactionReceipt({ hash: funding });
  await copyFile(join(dataDirs[0]!, 'committee.json'), join(joinerDir, 'committee.json'));
  dataDirs.push(joinerDir);
  ports.push({ p2p: p2p!, rpc: rpcPort!, metrics: metrics! });
  for (const dataDir of dataDirs) {
    await patchConfig(dataDir, {
      network: { inboxAddress: deployment.inbox, chainId: CHAIN_ID },
      l1: { rpcUrl: anvil.rpcUrl, postEveryHeaders: 4, postingIntervalMs: 500 },
    });
  }
  for (const dataDir of dataDirs) nodes.push(startSynod(dataDir, network.passwordPath));
  await waitFor(
    async () => {
      for (const port of ports) if ((await rpc(port.rpc, 'synod_status')).finalizedHeight < 5) return false;
      return true;
    },
    'every node (the follower too) at height 5',
    60_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${tailLogs(nodes)}`);
  });
}, 120_000);

afterAll(async () => {
  killAll();
  await Promise.all(nodes.map((node) => node.exited));
  await anvil?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A plan from `previous` to the members `next` (genesis participant entries), with fresh session ports. */
async function planFile(
  name: string,
  previous: GenesisJson,
  next: GenesisJson['participants'],
  epoch: number,
): Promise<{ path: string; next: GenesisJson }> {
  const nextGenesis = {
    ...createGenesisJson({
      networkId: NETWORK_ID,
      chainId: CHAIN_ID,
      epoch,
      dkgNonce: toBytes(keccak256(toBytes(`reshare ${name}`))),
      participants: next.map(({ index: _index, ...participant }) => participant),
    }),
  };
  const peers = [...new Set([...previous.participants, ...next].map((participant) => participant.peerId))];
  const sessionPorts = await freePorts(peers.length);
  const plan: ResharePlanJson = {
    version: RESHARE_PLAN_VERSION,
    previous,
    next: nextGenesis,
    sessionAddresses: Object.fromEntries(
      peers.map((peer, i) => [peer, [`/ip4/127.0.0.1/tcp/${sessionPorts[i]}`]]),
    ),
  };
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify(plan, null, 2));
  return { path, next: nextGenesis };
}

/** `synod reshare` at every given validator; resolves when all exited 0. */
async function reshare(path: string, at: readonly number[]): Promise<void> {
  const runs = at.map((i) =>
    runSynod([
      'reshare',
      '--data-dir',
      dataDirs[i]!,
      '--plan',
      path,
      '--password-file',
      network.passwordPath,
      '--scrypt-n',
      '16384',
      '--dkg.peerWaitTimeoutMs',
      '30000',
      '--dkg.lingerMs',
      '1000',
    ]),
  );
  const exits = await Promise.all(runs.map((run) => run.exited));
  for (const [k, exit] of exits.entries())
    expect(
      exit.code,
      `reshare at v${at[k]}:\n${exit.stdout}\n${exit.stderr.slice(-4000)}\nits node:\n${tailLogs([nodes[at[k]!]!])}`,
    ).toBe(0);
}

/**
 * The encryption key after a reshare to `epoch`: committees/<epoch>.json, identical at every
 * validator of `everyone`, keeps the genesis encryption key with threshold f + 1 of `members`, and
 * f + 1 of the members' new encryption-key shares (keys/encryption-share-<epoch>) combine under it;
 * a validator outside `members` holds none.
 */
async function expectEncryptionKeyReshared(
  epoch: number,
  members: readonly number[],
  everyone: readonly number[],
): Promise<void> {
  const texts = await Promise.all(
    everyone.map((i) => readFile(dataDirLayout(dataDirs[i]!).committeeOf(epoch), 'utf8')),
  );
  expect(new Set(texts).size, `committees/${epoch}.json identical everywhere`).toBe(1);
  const committee = parseCommittee(texts[0]!);
  const genesisCommittee = parseCommittee(await readFile(join(dataDirs[0]!, 'committee.json'), 'utf8'));
  expect(committee.encryption!.publicKey).toBe(genesisCommittee.encryption!.publicKey);
  const threshold = encryptionThreshold(members.length);
  expect(committee.encryption!.threshold).toBe(threshold);
  const message = new TextEncoder().encode(`synod/test/reshare-decryption/${epoch}`);
  const partials = [];
  // members[k] is validator k of the epoch; the last f + 1 of them (the joiner too, when it joined).
  for (let validatorIndex = members.length - threshold; validatorIndex < members.length; validatorIndex++) {
    const layout = dataDirLayout(dataDirs[members[validatorIndex]!]!);
    const keystore = await readFile(layout.encryptionShareKeystoreOf(epoch), 'utf8');
    const share = await decryptShareKeystore(keystore, PASSWORD);
    expect(toLowerHex(blsPublicKey(share))).toBe(committee.members[validatorIndex]!.encryptionSharePublicKey);
    partials.push({ index: validatorIndex + 1, signature: partialSign(share, message) });
  }
  const signature = recoverGroupSignature(partials, threshold);
  expect(verifyGroupSignature(parseHex(committee.encryption!.publicKey, 48)!, message, signature)).toBe(true);
  for (const i of everyone.filter((i) => !members.includes(i)))
    await expect(
      readFile(dataDirLayout(dataDirs[i]!).encryptionShareKeystoreOf(epoch)),
    ).rejects.toMatchObject({
      code: 'ENOENT',
    });
}

/** The first height whose header carries `epoch`, as node `i` has it (undefined: not yet). */
async function firstHeightOfEpoch(i: number, epoch: number): Promise<number | undefined> {
  const top = (await rpc(ports[i]!.rpc, 'synod_status')).finalizedHeight as number;
  const head = await rpc(ports[i]!.rpc, 'synod_getBlockByHeight', [top]);
  if (head.header.epoch < epoch) return undefined;
  let low = 1;
  let high = top;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    const block = await rpc(ports[i]!.rpc, 'synod_getBlockByHeight', [mid]);
    if (block.header.epoch >= epoch) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** A client sending transactions to node 0 for as long as `running` says, one every 50 ms. */
function load(running: () => boolean): Promise<Hex[]> {
  const account = privateKeyToAccount(keccak256(toBytes('reshare e2e client')));
  return (async () => {
    const sent: Hex[] = [];
    for (let nonce = 0n; running(); nonce++) {
      const tx = await signTransaction(
        account,
        {
          networkId: NETWORK_ID,
          namespace: keccak256(toBytes('reshare e2e')),
          sender: account.address,
          nonce,
          payload: '0x01',
          validUntil: BigInt(Math.floor(Date.now() / 1000) + 600),
        },
        domain,
      );
      sent.push(
        await rpc(ports[nonce % 2n === 0n ? 0 : 2]!.rpc, 'synod_sendTransaction', [
          toLowerHex(transactionCodec.encode(tx)),
        ]),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return sent;
  })();
}

describe('committee lifecycle across real processes', () => {
  test('4 → 5 → 4 under load: no transaction lost or duplicated, every certificate under the one key, no stall', {
    timeout: 300_000,
  }, async () => {
    let loading = true;
    const sending = load(() => loading);
    const members = genesis.participants;

    // 4 → 5: the follower joins.
    const startedMs = Date.now();
    const startHeight = (await rpc(ports[0]!.rpc, 'synod_status')).finalizedHeight as number;
    const grow = await planFile('grow', genesis, [...members, joinerParticipant], 1);
    await reshare(grow.path, [0, 1, 2, 3, 4]);
    const sessionMs = Date.now() - startedMs;
    // A validator killed and restarted around the switch resumes in the right epoch.
    nodes[1]!.child.kill('SIGKILL');
    await nodes[1]!.exited;
    nodes[1] = startSynod(dataDirs[1]!, network.passwordPath);
    const activation1 = await waitFor(() => firstHeightOfEpoch(0, 1), 'epoch 1 active at node 0', 60_000);
    const switchedMs = Date.now() - startedMs;
    // The joiner signs in epoch 1: a block it proposed (a round-robin turn over 5) gets finalized.
    await waitFor(
      async () => {
        const top = (await rpc(ports[0]!.rpc, 'synod_status')).finalizedHeight as number;
        for (let height = activation1; height <= top; height++) {
          const block = await rpc(ports[0]!.rpc, 'synod_getBlockByHeight', [height]);
          if (block.header.proposerIndex === 4) return true;
        }
        return false;
      },
      'a block proposed by the joiner',
      30_000,
    );
    console.log(
      `4 → 5: reshare started at height ${startHeight}; session ${(sessionMs / 1000).toFixed(1)} s; record final at ${activation1 - TRANSITION_ACTIVATION_DELAY}; epoch 1 from height ${activation1} (${activation1 - startHeight} heights, ${(switchedMs / 1000).toFixed(1)} s after the command)`,
    );

    // The encryption key was reshared too: the same key, threshold f + 1 = 2 of five.
    await expectEncryptionKeyReshared(1, [0, 1, 2, 3, 4], [0, 1, 2, 3, 4]);

    // The restarted node is back at the tip before the next reshare (its reshare submits to it).
    await waitFor(
      async () => (await rpc(ports[1]!.rpc, 'synod_status')).finalizedHeight >= activation1,
      'the restarted node past the switch',
      30_000,
    );
    expect((await rpc(ports[0]!.rpc, 'synod_getCommittee', [1])).members).toHaveLength(5);

    // 5 → 4: the joiner leaves again (it deals, it does not receive).
    const shrinkStartedMs = Date.now();
    const shrinkStart = (await rpc(ports[0]!.rpc, 'synod_status')).finalizedHeight as number;
    const shrink = await planFile('shrink', grow.next, members, 2);
    await reshare(shrink.path, [0, 1, 2, 3, 4]);
    const shrinkSessionMs = Date.now() - shrinkStartedMs;
    const activation2 = await waitFor(() => firstHeightOfEpoch(0, 2), 'epoch 2 active at node 0', 60_000);
    console.log(
      `5 → 4: reshare started at height ${shrinkStart}; session ${(shrinkSessionMs / 1000).toFixed(1)} s; record final at ${activation2 - TRANSITION_ACTIVATION_DELAY}; epoch 2 from height ${activation2} (${activation2 - shrinkStart} heights, ${((Date.now() - shrinkStartedMs) / 1000).toFixed(1)} s after the command)`,
    );
    // 5 → 4: the same encryption key again, threshold 2 of four; the leaver holds no share of it.
    await expectEncryptionKeyReshared(2, [0, 1, 2, 3], [0, 1, 2, 3, 4]);
    const afterSwitch = activation2 + 5;
    await waitFor(
      async () => (await rpc(ports[3]!.rpc, 'synod_status')).finalizedHeight >= afterSwitch,
      `height ${afterSwitch}`,
      30_000,
    );
    loading = false;
    const sent = await sending;

    // Every transaction final exactly once (one sender: the last final means all are, checked below).
    await waitFor(
      async () =>
        (await rpc(ports[2]!.rpc, 'synod_getTransactionStatus', [sent.at(-1)])).status === 'finalized',
      'the last sent transaction finalized',
      30_000,
      250,
    );
    const top = (await rpc(ports[2]!.rpc, 'synod_status')).finalizedHeight as number;
    const committee = parseCommittee(await readFile(join(dataDirs[0]!, 'committee.json'), 'utf8'));
    const groupKey = parseHex(committee.groupPublicKey, 48)!;
    const included = new Map<Hex, number>();
    const epoch2Proposers = new Set<number>();
    let previousTimestampMs: number | undefined;
    let maxGapMs = 0;
    for (let height = 1; height <= top; height++) {
      const block = await rpc(ports[2]!.rpc, 'synod_getBlockByHeight', [height]);
      const expectedEpoch = height >= activation2 ? 2 : height >= activation1 ? 1 : 0;
      expect(block.header.epoch, `epoch of ${height}`).toBe(expectedEpoch);
      const body = {
        kind: VoteKind.Precommit,
        networkId: NETWORK_ID,
        height,
        round: block.certificate.round,
        blockId: block.hash,
      };
      expect(
        verifyGroupSignature(groupKey, voteMessageBytes(body), parseHex(block.certificate.signature, 96)!),
        `certificate of ${height}`,
      ).toBe(true);
      for (const txId of block.transactionIds as Hex[]) included.set(txId, (included.get(txId) ?? 0) + 1);
      if (height >= activation2) epoch2Proposers.add(block.header.proposerIndex);
      if (previousTimestampMs !== undefined)
        maxGapMs = Math.max(maxGapMs, block.header.timestampMs - previousTimestampMs);
      // Height 1 carries the genesis time, not a clock's: gaps count from height 2.
      if (height >= 2) previousTimestampMs = block.header.timestampMs;
    }
    for (const txId of sent) expect(included.get(txId), txId).toBe(1);
    // No stall: through both switches and the restart, no two consecutive blocks more than 5 s apart
    // (a failed round under a killed proposer costs ~2 s).
    expect(maxGapMs).toBeLessThan(5_000);
    // Epoch 2 rotates over its 4 members (v4, gone, is never a proposer).
    expect([...epoch2Proposers].sort()).toEqual([0, 1, 2, 3]);
    // The node that left still follows the chain; the one restarted around the first switch is
    // at the tip too (on another epoch it could not have followed).
    for (const [i, what] of [
      [4, 'the leaver following'],
      [1, 'the node restarted at the switch at the tip'],
    ] as const) {
      await waitFor(
        async () => (await rpc(ports[i]!.rpc, 'synod_status')).finalizedHeight >= afterSwitch,
        what,
        30_000,
      );
    }
    // The leaver reports the current committee: epoch 2, four members.
    const current = await rpc(ports[4]!.rpc, 'synod_getCommittee');
    expect([current.epoch, current.members.length]).toEqual([2, 4]);
    // Operators see it in the metrics: the epoch, and whether the node signs in it.
    expect(await scrapeMetric(ports[4]!.metrics, 'synod_consensus_member')).toBe(0);
    expect(await scrapeMetric(ports[0]!.metrics, 'synod_consensus_member')).toBe(1);
    expect(await scrapeMetric(ports[4]!.metrics, 'synod_consensus_epoch')).toBe(2);
    const restartedView = await rpc(ports[1]!.rpc, 'synod_getBlockByHeight', [activation2]);
    expect(restartedView.hash).toBe((await rpc(ports[2]!.rpc, 'synod_getBlockByHeight', [activation2])).hash);
    // L1 took headers of every epoch under the one registered key (no rotation was posted).
    const logs = await waitFor(
      async () => {
        const found = await publicClient.getContractEvents({
          address: deployment.inbox,
          abi: settlementInboxAbi,
          eventName: 'HeaderSubmitted',
          fromBlock: 0n,
        });
        const epochs = new Set(found.map((log) => Number(log.args.epoch)));
        return epochs.has(0) && epochs.has(1) && epochs.has(2) ? found : undefined;
      },
      'headers of epochs 0, 1 and 2 on L1',
      30_000,
      500,
    );
    const posted = logs.length;
    // The submitter rotates over each height's committee: the joiner posted in its epoch, and
    // nobody posted for it outside (it is never designated for epoch 0 or 2 heights).
    const joiner = joinerParticipant.ethereumAddress.toLowerCase();
    const joinerHeights: number[] = [];
    for (const log of logs) {
      const tx = await publicClient.getTransaction({ hash: log.transactionHash });
      if (tx.from.toLowerCase() === joiner) joinerHeights.push(Number(log.args.height));
    }
    expect(joinerHeights.length, 'headers the joiner posted').toBeGreaterThan(0);
    for (const height of joinerHeights) {
      expect(height).toBeGreaterThanOrEqual(activation1);
      expect(height).toBeLessThan(activation2);
    }
    console.log(
      `${posted} headers on L1; ${sent.length} transactions, ${top} heights, all certificates verified; longest gap between blocks ${maxGapMs} ms`,
    );
  });
});
