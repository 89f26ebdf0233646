import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Metrics of the node assembly itself (the subsystems have their own, see metrics/node.ts):
 * how peers score at this node, and catch-up sync.
 */
export function createAssemblyMetrics(register: Registry) {
  return {
    /** gossipsub v1.1 score of each peer as this node sees it; negative = it sent invalid messages. */
    peerScore: new Gauge<'peer'>({
      name: 'synod_p2p_peer_score',
      help: 'Gossip score of a peer at this node',
      labelNames: ['peer'],
      registers: [register],
    }),
    syncedBlocksTotal: new Counter({
      name: 'synod_sync_blocks_total',
      help: 'Certified blocks fetched from peers and applied by catch-up sync',
      registers: [register],
    }),
    /** Pending transactions re-sent to peers because they stayed pending (PendingRegossip). */
    regossipedTransactionsTotal: new Counter({
      name: 'synod_mempool_regossiped_total',
      help: 'Pending transactions re-sent directly to peers because they stayed pending',
      registers: [register],
    }),
    syncing: new Gauge({
      name: 'synod_sync_active',
      help: '1 while catching up from peers',
      registers: [register],
    }),
  };
}

export type AssemblyMetrics = ReturnType<typeof createAssemblyMetrics>;
