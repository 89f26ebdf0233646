import { Counter, type Registry } from 'prom-client';
import type { BehaviourActionListener, ByzantineStrategy } from './strategies.ts';

/**
 * `synod_byzantine_actions_total{strategy,action}`: how often a byzantine node's strategy acted
 * (votes doubled, victims left out, prices inflated…), on the node's own /metrics. Lets an
 * end-to-end test tell an attack that happened from one that never fired.
 */
export function createByzantineActionCounter(
  register: Registry,
  strategy: ByzantineStrategy,
): BehaviourActionListener {
  const counter = new Counter<'strategy' | 'action'>({
    name: 'synod_byzantine_actions_total',
    help: 'Byzantine acts of this test-only node, by strategy and kind of act',
    labelNames: ['strategy', 'action'],
    registers: [register],
  });
  return (action) => counter.inc({ strategy, action });
}
