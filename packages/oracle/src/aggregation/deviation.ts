import { BPS_PER_UNIT } from '../constants.ts';
import type { MoveDirection } from './types.ts';

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

/**
 * Whether `next` moved more than `boundBps` basis points away from `reference`, in exact
 * integer arithmetic: |next − reference| · 10⁴ > boundBps · |reference|. From a reference of 0
 * every non-zero move is beyond any bound (it is infinitely many basis points).
 */
export function isBeyondBound(reference: bigint, next: bigint, boundBps: number): boolean {
  return abs(next - reference) * BPS_PER_UNIT > BigInt(boundBps) * abs(reference);
}

/** Whether the move is at least `thresholdBps` (the L1 push rule's "≥", not the breaker's ">"). */
export function isAtLeastBps(reference: bigint, next: bigint, thresholdBps: number): boolean {
  if (next === reference) return false;
  return abs(next - reference) * BPS_PER_UNIT >= BigInt(thresholdBps) * abs(reference);
}

/** floor(|next − reference| · 10⁴ / |reference|), or undefined for a reference of 0. */
export function moveBps(reference: bigint, next: bigint): bigint | undefined {
  if (reference === 0n) return undefined;
  return (abs(next - reference) * BPS_PER_UNIT) / abs(reference);
}

export function directionOf(reference: bigint, next: bigint): MoveDirection {
  return next > reference ? 'up' : 'down';
}
