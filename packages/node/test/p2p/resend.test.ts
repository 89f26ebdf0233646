import { describe, expect, test } from 'vitest';
import { GOSSIP_RESEND_MAX_MESSAGES } from '../../src/p2p/constants.ts';
import { packResend } from '../../src/p2p/host.ts';
import { gossipResendCodec } from '../../src/p2p/resend.ts';
import { REJECT_PREFIX } from './fixtures/notes.ts';
import { gossipCount, linked, startNodesStoppedAfterEach, waitFor } from './helpers.ts';

const startNodes = startNodesStoppedAfterEach();

describe('direct re-send of gossip messages', { timeout: 20_000 }, () => {
  // The start-up stall of issue #12: a vote published before the peers were connected was lost,
  // and the consensus rebroadcast published the same bytes again, which gossipsub's seen cache
  // drops for two minutes. This is why retransmission cannot go through gossipsub.
  test('a message lost before the peer connected is not delivered by publishing it again, but is by resend', async () => {
    const [a, b] = await startNodes(2);
    a!.node.subscribe('notes', () => {});
    const atB: string[] = [];
    b!.node.subscribe('notes', (note) => {
      atB.push(note.text);
    });
    const note = { height: 1, text: 'prevote of round 0' };
    expect((await a!.node.publish('notes', note)).recipients).toBe(0); // nobody to send it to yet
    await linked(a!, b!);

    expect((await a!.node.publish('notes', note)).recipients).toBe(0); // a duplicate to gossipsub
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(atB).toEqual([]);
    expect(await gossipCount(a!.registry, { topic: 'notes', result: 'accept', code: 'NONE' })).toBe(0);

    expect(await a!.node.resend('notes', [note])).toEqual({ recipients: 1 });
    await waitFor(() => atB.length === 1, 'B to receive the re-sent note');
    expect(atB).toEqual(['prevote of round 0']);
    // It went through B's topic validation like gossip.
    expect(await gossipCount(b!.registry, { topic: 'notes', result: 'accept', code: 'NONE' })).toBe(1);
  });

  test('re-sent messages are validated: a rejected one is not delivered and the request fails', async () => {
    const [a, b] = await startNodes(2);
    a!.node.subscribe('notes', () => {});
    const atB: string[] = [];
    b!.node.subscribe('notes', (note) => {
      atB.push(note.text);
    });
    await linked(a!, b!);
    const result = await a!.node.resend('notes', [
      { height: 1, text: 'good' },
      { height: 1, text: `${REJECT_PREFIX}forged` },
    ]);
    expect(result.recipients).toBe(0); // B answered INVALID_REQUEST
    await waitFor(() => atB.length === 1, 'B to receive the good note');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(atB).toEqual(['good']);
    expect(await gossipCount(b!.registry, { topic: 'notes', result: 'reject', code: 'BAD_SIGNATURE' })).toBe(
      1,
    );
  });

  test('a resend to a topic the peer does not serve is refused, and nothing is delivered', async () => {
    const [a, b] = await startNodes(2);
    a!.node.subscribe('echoes', () => {});
    const atB: string[] = [];
    b!.node.subscribe('notes', (note) => {
      atB.push(note.text);
    });
    await a!.node.dial(b!.address());
    await waitFor(() => a!.node.connectedPeers().length === 1, 'A to connect');
    expect((await a!.node.resend('echoes', [{ height: 1, text: 'x' }])).recipients).toBe(0);
    expect(atB).toEqual([]);
  });

  test('with no peer connected a resend reaches nobody and does not throw', async () => {
    const [a] = await startNodes(1);
    expect(await a!.node.resend('notes', [{ height: 1, text: 'alone' }])).toEqual({ recipients: 0 });
  });

  test('packResend keeps order and splits at the message cap', () => {
    const messages = Array.from(
      { length: GOSSIP_RESEND_MAX_MESSAGES * 2 + 3 },
      (_, i) => new Uint8Array([i]),
    );
    const requests = packResend('notes', messages);
    expect(requests.map((r) => r.messages.length)).toEqual([
      GOSSIP_RESEND_MAX_MESSAGES,
      GOSSIP_RESEND_MAX_MESSAGES,
      3,
    ]);
    expect(requests.flatMap((r) => r.messages.map((m) => m[0]))).toEqual(messages.map((m) => m[0]));
    for (const request of requests)
      expect(gossipResendCodec.decode(gossipResendCodec.encode(request))).toEqual(request);
  });

  test('the codec refuses an empty resend and an unknown wire type', () => {
    const bytes = gossipResendCodec.encode({ topic: 'notes', messages: [new Uint8Array([1])] });
    const empty = Uint8Array.from([...bytes.subarray(0, bytes.length - 9), 0, 0, 0, 0]);
    expect(() => gossipResendCodec.decode(empty)).toThrow(/empty/);
    const wrongType = Uint8Array.from(bytes);
    wrongType[1] = 99;
    expect(() => gossipResendCodec.decode(wrongType)).toThrow();
  });
});
