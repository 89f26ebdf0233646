import {
  type BlockHeader,
  certificateMessage,
  HEADER_VERSION,
  headerHash,
  type NamespaceEntry,
  type NetworkDomain,
  namespaceEntries,
  namespaceEntriesFromLeaves,
  namespaceRoot,
  type Transaction,
} from '@synod/protocol';
import { type Address, bytesToHex, type Hex, hexToBytes, keccak256, toHex } from 'viem';
import { deploySynod, type FeedAdapterParameters, type SynodDeployment } from '../../src/deploy.ts';
import {
  blsSign,
  g1ToEip2537,
  g2ToEip2537,
  insecureTrustedDealer,
  partialSign,
  recoverGroupSignature,
} from './bls.ts';
import type { TestChain } from './chain.ts';
import {
  historyLeafHash,
  historyProof,
  merkleRoot,
  priceLeafHash,
  type TransactionLeafData,
  transactionLeafHash,
} from './merkle.ts';

export const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`;

export interface Committee {
  n: number;
  t: number;
  shares: { index: number; secretKey: Uint8Array; publicKey: Uint8Array }[];
  /** 48-byte compressed group key. */
  groupPublicKey: Uint8Array;
  /** 128-byte EIP-2537 group key. */
  groupPublicKeyEip: Hex;
  /** Feldman commitments C_0 … C_{t−1} (C_0 is the group key), 48-byte compressed. */
  commitments: Uint8Array[];
}

/** A committee of n with t = 2f+1 from the trusted dealer (test key material). */
export function makeCommittee(n: number, seed: number): Committee {
  const f = Math.floor((n - 1) / 3);
  const t = 2 * f + 1;
  const dealt = insecureTrustedDealer(n, t, toBytes32(seed));
  return {
    n,
    t,
    shares: dealt.shares,
    groupPublicKey: dealt.groupPublicKey,
    groupPublicKeyEip: bytesToHex(g1ToEip2537(dealt.groupPublicKey)),
    commitments: dealt.commitments,
  };
}

function toBytes32(seed: number): Uint8Array {
  return hexToBytes(toHex(BigInt(seed) + 1n, { size: 32 }));
}

/** Threshold signature of `committee` over `message`: t partials (from `offset`), recovered. */
export function thresholdSign(committee: Committee, message: Hex, offset = 0): Hex {
  const partials = Array.from({ length: committee.t }, (_, k) => {
    const share = committee.shares[(offset + k) % committee.n]!;
    return { index: share.index, signature: partialSign(share.secretKey, hexToBytes(message)) };
  });
  return bytesToHex(g2ToEip2537(recoverGroupSignature(partials, committee.t)));
}

/** The certificate signature for `header` in `round` (EIP-2537 G2). */
export function certify(committee: Committee, header: BlockHeader, domain: NetworkDomain, round = 0): Hex {
  return thresholdSign(committee, certificateMessage(header, domain, round));
}

/** A plain (non-threshold) signature with one secret key, EIP-2537 encoded. */
export function signWith(secretKey: Uint8Array, message: Hex): Hex {
  return bytesToHex(g2ToEip2537(blsSign(secretKey, hexToBytes(message))));
}

export { headerArgs } from '../../src/calls.ts';

/** A transaction of a block with its txId (a SignedTransaction when a contract must settle it). */
export interface BlockTransaction<T extends Transaction = Transaction> {
  tx: T;
  txId: Hex;
}

export interface BuiltBlock {
  header: BlockHeader;
  hash: Hex;
  /** The on-chain TransactionLeaf data of each transaction, in block order (txRoot's leaves). */
  transactions: TransactionLeafData[];
  /** The full transactions, when the block was built from them (`signed`). */
  signed: BlockTransaction[];
  /** The namespace tree's leaves (sorted), as @synod/protocol computes them. */
  namespaces: NamespaceEntry[];
  prices: { feedId: Hex; answer: bigint }[];
}

const isBlockTransaction = (item: TransactionLeafData | BlockTransaction): item is BlockTransaction =>
  'tx' in item;

/** The on-chain TransactionLeaf struct of a full transaction. */
export function leafDataOf({ tx, txId }: BlockTransaction): TransactionLeafData {
  return {
    txId,
    sender: tx.sender,
    namespace: tx.namespace,
    nonce: tx.nonce,
    payloadHash: keccak256(tx.payload),
  };
}

/**
 * Builds a valid chain of headers (version 2) for one deployment: every height exists (so
 * historyRoot is right) whether or not a test submits it, and the chain keeps each namespace's
 * sequence (transactions in earlier blocks) for the namespace tree, as the node's ChainState does.
 */
export class HeaderChain {
  readonly blocks: BuiltBlock[] = [];
  readonly domain: NetworkDomain;
  /** Transactions of each namespace in all blocks so far. */
  readonly sequences = new Map<Hex, number>();
  constructor(domain: NetworkDomain) {
    this.domain = domain;
  }

  /**
   * The next block. `transactions` are either full transactions with their txIds (namespace
   * leaves by namespaceEntries) or bare leaf data (by namespaceEntriesFromLeaves); by default two
   * sample leaves of namespace keccak256("app").
   */
  next(
    options: {
      epoch?: number;
      timestampMs?: number;
      transactions?: readonly (TransactionLeafData | BlockTransaction)[];
      prices?: { feedId: Hex; answer: bigint }[];
    } = {},
  ): BuiltBlock {
    const height = this.blocks.length + 1;
    const items = options.transactions ?? [sampleTransaction(height, 0), sampleTransaction(height, 1)];
    const signed = items.filter(isBlockTransaction);
    const transactions = items.map((item) => (isBlockTransaction(item) ? leafDataOf(item) : item));
    const sequenceStart = (namespace: Hex) => this.sequences.get(namespace) ?? 0;
    const namespaces =
      signed.length === items.length
        ? namespaceEntries(signed, sequenceStart)
        : namespaceEntriesFromLeaves(
            transactions.map((leaf) => ({ namespace: leaf.namespace, leaf: transactionLeafHash(leaf) })),
            sequenceStart,
          );
    const prices = [...(options.prices ?? [])].sort((a, b) => (BigInt(a.feedId) < BigInt(b.feedId) ? -1 : 1));
    const header: BlockHeader = {
      version: HEADER_VERSION,
      networkId: this.domain.networkId,
      epoch: options.epoch ?? 0,
      height,
      parentHash: this.blocks.at(-1)?.hash ?? ZERO_HASH,
      timestampMs: options.timestampMs ?? 1_700_000_000_000 + height * 1000,
      txRoot: merkleRoot(transactions.map(transactionLeafHash)),
      txCount: transactions.length,
      namespaceRoot: namespaceRoot(namespaces),
      namespaceCount: namespaces.length,
      priceRoot: merkleRoot(prices.map((price) => priceLeafHash(price.feedId, price.answer))),
      priceCount: prices.length,
      historyRoot: merkleRoot(this.blocks.map((block) => historyLeafHash(block.hash))),
      proposerIndex: height % 4,
    };
    for (const entry of namespaces) this.sequences.set(entry.namespace, entry.sequenceStart + entry.count);
    const block = { header, hash: headerHash(header, this.domain), transactions, signed, namespaces, prices };
    this.blocks.push(block);
    return block;
  }

  /** Proof of height `olderHeight` in the historyRoot of height `anchorHeight`. */
  historyProof(olderHeight: number, anchorHeight: number): Hex[] {
    return historyProof(
      this.blocks.slice(0, anchorHeight - 1).map((block) => block.hash),
      olderHeight - 1,
    );
  }
}

export function sampleTransaction(height: number, position: number): TransactionLeafData {
  return {
    txId: keccak256(toHex(`tx ${height}/${position}`)),
    sender: `0x${(height * 1000 + position + 1).toString(16).padStart(40, '0')}`,
    namespace: keccak256(toHex('app')),
    nonce: BigInt(position),
    payloadHash: keccak256(toHex(`payload ${height}/${position}`)),
  };
}

export const feedId = (name: string): Hex => keccak256(toHex(name));

export interface Fixture {
  deployment: SynodDeployment;
  domain: NetworkDomain;
  committee: Committee;
}

/** Deploys the contracts for a fresh committee of n. */
export async function deployFixture(
  chain: TestChain,
  options: { n?: number; seed?: number; networkId?: number; feeds?: FeedAdapterParameters[] } = {},
): Promise<Fixture> {
  const committee = makeCommittee(options.n ?? 4, options.seed ?? 1);
  const networkId = options.networkId ?? 7;
  const deployment = await deploySynod(chain.walletClient, chain.publicClient, {
    networkId: BigInt(networkId),
    genesisEpoch: 0n,
    groupPublicKey: committee.groupPublicKeyEip,
    committeeSize: committee.n,
    threshold: committee.t,
    feeds: options.feeds ?? [],
  });
  const domain: NetworkDomain = {
    networkId,
    chainId: chain.chain.id,
    inbox: deployment.inbox.toLowerCase() as Address,
  };
  return { deployment, domain, committee };
}
