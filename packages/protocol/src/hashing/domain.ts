import { parseHex } from '../codec/hex.ts';
import { assert } from '../errors.ts';
import type { NetworkDomain } from '../types.ts';

/**
 * A NetworkDomain comes from the node's own configuration, never from a peer, so an invalid one
 * is a bug or a misconfiguration that config loading should have caught: it fails an assertion
 * (loudly) rather than throwing an operating error that gossip validation would blame on a peer.
 */
export interface ParsedNetworkDomain {
  networkId: number;
  chainId: number;
  /** The inbox address as 20 bytes. */
  inbox: Uint8Array;
}

/** Validates `domain` (asserting) and returns the inbox address as bytes. */
export function parseNetworkDomain(domain: NetworkDomain): ParsedNetworkDomain {
  assert(
    Number.isSafeInteger(domain.networkId) && domain.networkId >= 0,
    `network id must be a safe non-negative integer, got ${domain.networkId}`,
  );
  assert(
    Number.isSafeInteger(domain.chainId) && domain.chainId > 0,
    `chain id must be a safe positive integer, got ${domain.chainId}`,
  );
  const inbox = parseHex(domain.inbox, 20);
  assert(inbox !== undefined, `inbox must be a 20-byte hex address, got ${String(domain.inbox)}`);
  return { networkId: domain.networkId, chainId: domain.chainId, inbox };
}
