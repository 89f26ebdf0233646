import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { peerIdFromString } from '@libp2p/peer-id';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { echoProtocol, type Note } from './fixtures/notes.ts';
import { startTestNode, type TestNode, waitFor } from './helpers.ts';

const PEER_SCRIPT = fileURLToPath(new URL('./fixtures/peerProcess.ts', import.meta.url));

let parent: TestNode;
let child: ChildProcess | undefined;
let childInfo: { address: string; peerId: string };
let childStderr = '';

beforeAll(async () => {
  // pnpm puts Node 24 first on PATH; the child must run the same binary (type stripping, libp2p 3).
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  parent = await startTestNode();
  child = fork(PEER_SCRIPT, [], {
    execPath: process.execPath,
    env: { ...process.env, SYNOD_TEST_BOOTSTRAP: parent.address() },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    childStderr += chunk.toString();
  });
  const ready = once(child, 'message') as Promise<[{ type: string; address: string; peerId: string }]>;
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`peer process exited early (${code}): ${childStderr}`);
  });
  const [message] = await Promise.race([ready, exited]);
  childInfo = message;
}, 30_000);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const killer = setTimeout(() => child?.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  }
  await parent?.node.stop();
}, 15_000);

describe('a peer in another OS process', { timeout: 20_000 }, () => {
  test('dials us, exchanges gossip both ways and answers a request over TCP', async () => {
    const childPeer = peerIdFromString(childInfo.peerId);
    const echoes: Note[] = [];
    parent.node.subscribe('echoes', (note) => {
      echoes.push(note);
    });
    parent.node.subscribe('notes', () => {});
    await waitFor(
      () => parent.node.connectedPeers().some((p) => p.equals(childPeer)),
      'the child to dial us',
    );
    await waitFor(
      () => parent.node.topicPeers('notes').some((p) => p.equals(childPeer)),
      'the child to subscribe to notes',
    );
    // The child learns of our `echoes` subscription asynchronously: publish until an echo returns.
    let sent = 0;
    const deadline = Date.now() + 10_000;
    while (echoes.length === 0) {
      expect(Date.now()).toBeLessThan(deadline);
      await parent.node.publish('notes', { height: sent, text: `ping-${sent}` });
      sent += 1;
      await waitFor(() => echoes.length > 0, 'an echo', 500).catch(() => {});
    }
    expect(echoes[0]).toEqual({ height: 0, text: 'echo:ping-0' });

    const responses = await parent.node.reqResp.request(childPeer, echoProtocol, {
      height: 2,
      text: 'over tcp',
    });
    expect(responses).toEqual([
      { height: 0, text: 'OVER TCP' },
      { height: 1, text: 'OVER TCP' },
    ]);
    expect(parent.node.peerScore(childPeer)).toBeGreaterThanOrEqual(0);
  });
});
