import type { Hex, SignedTransaction, Timers } from '@synod/protocol';
import { describe, expect, test } from 'vitest';
import { fetchBodiesFromPeers } from '../../src/driver/fetchBodies.ts';

/** Timers on a virtual clock the test advances. */
function virtualTimers() {
  let now = 0;
  let nextId = 0;
  const due = new Map<number, { at: number; run: () => void }>();
  const timers: Timers = {
    setTimeout(callback, delayMs) {
      const id = nextId++;
      due.set(id, { at: now + delayMs, run: callback });
      return id;
    },
    clearTimeout(handle) {
      due.delete(handle as number);
    },
  };
  const advance = async (ms: number) => {
    const until = now + ms;
    for (;;) {
      const [id, next] = [...due].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
      if (next === undefined || next.at > until) break;
      due.delete(id!);
      now = next.at;
      next.run();
      await flush();
    }
    now = until;
    await flush();
  };
  return { timers, advance, now: () => now };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A stand-in body: only its id matters to the fetch. */
const body = (id: Hex) => ({ id }) as unknown as SignedTransaction;
const idOf = (tx: SignedTransaction) => (tx as unknown as { id: Hex }).id;
const ids = (txs: readonly SignedTransaction[]) => txs.map(idOf).sort();

type Peer = {
  name: string;
  /** What it holds; undefined: it never answers (a blackholed link). */
  holds?: Hex[];
  fails?: boolean;
};

function network() {
  const asked: { peer: string; txIds: Hex[]; signal: AbortSignal }[] = [];
  const request = (peer: Peer, txIds: readonly Hex[], signal: AbortSignal) => {
    asked.push({ peer: peer.name, txIds: [...txIds], signal });
    if (peer.fails === true) return Promise.reject(new Error('stream reset'));
    if (peer.holds === undefined)
      return new Promise<SignedTransaction[]>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      );
    return Promise.resolve(peer.holds.filter((id) => txIds.includes(id)).map(body));
  };
  return { asked, request };
}

const HEDGE = 200;

/** Starts a fetch without awaiting it: `result` is set once it resolves (the clock is the test's). */
function startFetch(
  peers: Peer[],
  txIds: Hex[],
  net: ReturnType<typeof network>,
  signal: AbortSignal,
  timers: Timers,
): { result: SignedTransaction[] | undefined } {
  const state: { result: SignedTransaction[] | undefined } = { result: undefined };
  void fetchBodiesFromPeers({
    peers,
    txIds,
    request: net.request,
    idOf,
    signal,
    hedgeMs: HEDGE,
    timers,
  }).then((found) => {
    state.result = found;
  });
  return state;
}

describe('fetchBodiesFromPeers', () => {
  test('a healthy first peer is the only one asked', async () => {
    const clock = virtualTimers();
    const peers: Peer[] = [
      { name: 'a', holds: ['0x01', '0x02'] },
      { name: 'b', holds: ['0x01', '0x02'] },
    ];
    const net = network();
    const found = await fetchBodiesFromPeers({
      peers,
      txIds: ['0x01', '0x02'],
      request: net.request,
      idOf,
      signal: new AbortController().signal,
      hedgeMs: HEDGE,
      timers: clock.timers,
    });
    expect(ids(found)).toEqual(['0x01', '0x02']);
    expect(net.asked.map((entry) => entry.peer)).toEqual(['a']);
  });

  test('a peer that never answers costs the hedge, not the deadline: the next one is asked and its bodies returned', async () => {
    const clock = virtualTimers();
    const peers: Peer[] = [{ name: 'silent' }, { name: 'b', holds: ['0x01', '0x02'] }];
    const net = network();
    const deadline = new AbortController();
    const fetch = startFetch(peers, ['0x01', '0x02'], net, deadline.signal, clock.timers);
    await clock.advance(HEDGE - 1);
    expect(fetch.result).toBeUndefined();
    expect(net.asked.map((entry) => entry.peer)).toEqual(['silent']);
    await clock.advance(1);
    expect(net.asked.map((entry) => entry.peer)).toEqual(['silent', 'b']);
    expect(ids(fetch.result!)).toEqual(['0x01', '0x02']);
    // Done: the request still open at the silent peer is abandoned; the caller's deadline is not touched.
    expect(net.asked[0]!.signal.aborted).toBe(true);
    expect(deadline.signal.aborted).toBe(false);
  });

  test('a peer that answers without everything: the next is asked at once, for what is still missing', async () => {
    const clock = virtualTimers();
    const peers: Peer[] = [
      { name: 'a', holds: ['0x01'] },
      { name: 'b', fails: true },
      { name: 'c', holds: ['0x01', '0x02', '0x03'] },
    ];
    const net = network();
    const found = await fetchBodiesFromPeers({
      peers,
      txIds: ['0x01', '0x02', '0x03'],
      request: net.request,
      idOf,
      signal: new AbortController().signal,
      hedgeMs: HEDGE,
      timers: clock.timers,
    });
    expect(clock.now()).toBe(0); // no hedge waited for
    expect(net.asked.map((entry) => [entry.peer, entry.txIds])).toEqual([
      ['a', ['0x01', '0x02', '0x03']],
      ['b', ['0x02', '0x03']],
      ['c', ['0x02', '0x03']],
    ]);
    expect(ids(found)).toEqual(['0x01', '0x02', '0x03']);
  });

  test('bodies not asked for and second copies are dropped', async () => {
    const clock = virtualTimers();
    const liar = { name: 'liar' };
    const found = await fetchBodiesFromPeers({
      peers: [liar],
      txIds: ['0x01'],
      request: async () => [body('0x01'), body('0x01'), body('0x09')],
      idOf,
      signal: new AbortController().signal,
      hedgeMs: HEDGE,
      timers: clock.timers,
    });
    expect(ids(found)).toEqual(['0x01']);
  });

  test('every peer answered (or failed) without the bodies: resolves with what it has, before the deadline', async () => {
    const clock = virtualTimers();
    const peers: Peer[] = [
      { name: 'a', fails: true },
      { name: 'b', holds: [] },
    ];
    const net = network();
    const found = await fetchBodiesFromPeers({
      peers,
      txIds: ['0x01'],
      request: net.request,
      idOf,
      signal: new AbortController().signal,
      hedgeMs: HEDGE,
      timers: clock.timers,
    });
    expect(found).toEqual([]);
    expect(net.asked).toHaveLength(2);
  });

  test('the deadline ends it with the bodies found so far; no peer is asked after it', async () => {
    const clock = virtualTimers();
    const peers: Peer[] = [
      { name: 'a', holds: ['0x01'] },
      { name: 'silent' },
      { name: 'silent too' },
      { name: 'late' },
    ];
    const net = network();
    const deadline = new AbortController();
    const fetch = startFetch(peers, ['0x01', '0x02'], net, deadline.signal, clock.timers);
    await clock.advance(HEDGE / 2);
    // a answered at once with 0x01; silent was asked right after; the hedge to the next is running.
    expect(net.asked.map((entry) => entry.peer)).toEqual(['a', 'silent']);
    deadline.abort(new Error('deadline'));
    await flush();
    expect(ids(fetch.result!)).toEqual(['0x01']);
    await clock.advance(10 * HEDGE);
    expect(net.asked.map((entry) => entry.peer)).toEqual(['a', 'silent']);
  });

  test('nothing to fetch, or nobody to ask: resolves at once without a request', async () => {
    const clock = virtualTimers();
    const net = network();
    const base = {
      request: net.request,
      idOf,
      signal: new AbortController().signal,
      hedgeMs: HEDGE,
      timers: clock.timers,
    };
    expect(
      await fetchBodiesFromPeers({ ...base, peers: [{ name: 'a', holds: ['0x01'] }], txIds: [] }),
    ).toEqual([]);
    expect(await fetchBodiesFromPeers({ ...base, peers: [], txIds: ['0x01'] })).toEqual([]);
    expect(net.asked).toEqual([]);
  });
});
