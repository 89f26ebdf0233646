import type { Timers } from '@synod/protocol';

/** One peer's answer to a hedged request. */
export type HedgedOutcome<P, T> = { peer: P; ok: true; result: T } | { peer: P; ok: false; error: unknown };

/**
 * Hedged requests to peers in order of preference: the first peer is asked; every `hedgeMs`
 * without a useful answer the next one is asked too, and at once when an answer arrives that the
 * caller could not use (a failure, a partial or bad answer). Answers are yielded in arrival
 * order, one at a time; the caller stops (`break`, `return`) when it has what it needs, which
 * aborts the requests still open. A peer that never answers — its packets vanish, its process is
 * paused — costs `hedgeMs`, never a whole request timeout; a healthy first peer is the only one
 * asked, so nothing crosses the network twice when nothing is wrong.
 *
 * Missing body fetches (fetchBodies.ts) and catch-up's block range requests (sync/sync.ts) both
 * go through this, in the node and in the simulator. Before, each asked its peers strictly one
 * after the other: a peer cut off silently held a fetch for its whole deadline and a lagging
 * node's catch-up for 20 s, and with a second node down the committee lost its quorum for that
 * long (the partition-one stalls of the chaos campaign, docs/decisions.md "Hedged requests").
 *
 * Ends when every peer has answered, or `signal` aborts. `request` gets a signal that aborts when
 * the caller stops or `signal` aborts; a request's own timeout is the caller's to add.
 */
export async function* hedgedRequests<P, T>(options: {
  peers: readonly P[];
  request: (peer: P, signal: AbortSignal) => Promise<T>;
  hedgeMs: number;
  timers: Timers;
  signal: AbortSignal;
}): AsyncGenerator<HedgedOutcome<P, T>, void, void> {
  const { peers, request, hedgeMs, timers, signal } = options;
  if (peers.length === 0 || signal.aborted) return;
  const done = new AbortController();
  const requestSignal = AbortSignal.any([signal, done.signal]);
  const arrived: HedgedOutcome<P, T>[] = [];
  let wake: (() => void) | undefined;
  let next = 0;
  let open = 0;
  let hedge: unknown;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const launch = () => {
    if (hedge !== undefined) timers.clearTimeout(hedge);
    hedge = undefined;
    if (next >= peers.length || requestSignal.aborted) return;
    const peer = peers[next++]!;
    open++;
    if (next < peers.length) hedge = timers.setTimeout(launch, hedgeMs);
    request(peer, requestSignal)
      .then(
        (result) => arrived.push({ peer, ok: true, result }),
        (error: unknown) => arrived.push({ peer, ok: false, error }),
      )
      .finally(() => {
        open--;
        notify();
      });
  };
  signal.addEventListener('abort', notify);
  try {
    launch();
    for (;;) {
      if (signal.aborted) return;
      const outcome = arrived.shift();
      if (outcome === undefined) {
        if (open === 0 && next >= peers.length) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      yield outcome;
      // The caller is still here: that answer was not enough. Ask the next peer now.
      launch();
    }
  } finally {
    if (hedge !== undefined) timers.clearTimeout(hedge);
    signal.removeEventListener('abort', notify);
    done.abort();
  }
}
