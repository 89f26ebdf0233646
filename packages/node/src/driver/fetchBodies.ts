import type { Hex, SignedTransaction, Timers } from '@synod/protocol';
import { hedgedRequests } from './hedged.ts';

/**
 * Asks peers for transaction bodies, hedged (hedged.ts): each peer asked for what is still
 * missing when it is asked. Both the node (assembly/startNode.ts, over libp2p request/response)
 * and the simulator (sim/validator.ts, over its network model) fetch through this, so the
 * simulator's results hold for the product's fetch.
 *
 * Resolves with the bodies found (any subset, each once, only those asked for) when all are
 * found, every peer has answered, or `signal` (the fetch's deadline) aborts. Never rejects.
 */
export async function fetchBodiesFromPeers<P>(parameters: {
  peers: readonly P[];
  txIds: readonly Hex[];
  /** One request; rejects or resolves with whatever the peer holds (the caller drops the rest). */
  request: (peer: P, txIds: readonly Hex[], signal: AbortSignal) => Promise<readonly SignedTransaction[]>;
  /** The id a body has in this network (transactionId under the domain). */
  idOf: (tx: SignedTransaction) => Hex;
  signal: AbortSignal;
  hedgeMs: number;
  timers: Timers;
}): Promise<SignedTransaction[]> {
  const { request, idOf } = parameters;
  const wanted = new Set(parameters.txIds);
  const found: SignedTransaction[] = [];
  if (wanted.size === 0) return found;
  const answers = hedgedRequests({
    peers: parameters.peers,
    request: (peer, signal) => request(peer, [...wanted], signal),
    hedgeMs: parameters.hedgeMs,
    timers: parameters.timers,
    signal: parameters.signal,
  });
  for await (const answer of answers) {
    if (answer.ok)
      for (const tx of answer.result) {
        const txId = idOf(tx);
        if (wanted.delete(txId)) found.push(tx);
      }
    if (wanted.size === 0) break;
  }
  return found;
}
