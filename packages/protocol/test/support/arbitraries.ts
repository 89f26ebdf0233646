import fc from 'fast-check';
import type { Hex } from 'viem';
import { toLowerHex } from '../../src/codec/hex.ts';
import { HEADER_VERSION } from '../../src/constants.ts';
import type {
  Block,
  BlockHeader,
  Certificate,
  CertifiedBlock,
  FeedPrice,
  NetworkDomain,
  SignedTransaction,
  Transaction,
} from '../../src/types.ts';

/**
 * fast-check arbitraries of canonical protocol values (lowercase hex, in-range integers), shared
 * by the codec, hashing and Merkle tests. Sizes are kept small so properties run fast; cap tests
 * build their oversize inputs by hand.
 */

/** Lowercase hex of exactly `length` bytes. */
export function hexOfLength(length: number): fc.Arbitrary<Hex> {
  return fc.uint8Array({ minLength: length, maxLength: length }).map(toLowerHex);
}

export const hash32Arbitrary: fc.Arbitrary<Hex> = hexOfLength(32);
export const addressArbitrary: fc.Arbitrary<Hex> = hexOfLength(20);

const uint64Arbitrary = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u53Arbitrary = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const u32Arbitrary = fc.nat({ max: 0xffff_ffff });

/** Unsigned transactions with payloads up to `maxPayloadBytes`. */
export function transactionArbitrary(options: { maxPayloadBytes?: number; networkId?: number } = {}) {
  const { maxPayloadBytes = 64, networkId } = options;
  return fc.record<Transaction>({
    networkId: networkId === undefined ? u53Arbitrary : fc.constant(networkId),
    namespace: hash32Arbitrary,
    sender: addressArbitrary,
    nonce: uint64Arbitrary,
    payload: fc.uint8Array({ maxLength: maxPayloadBytes }).map(toLowerHex),
    validUntil: uint64Arbitrary,
  });
}

/** Signed transactions with a random (not necessarily valid) 65-byte signature: codec tests only. */
export function signedTransactionArbitrary(options: { maxPayloadBytes?: number } = {}) {
  return fc
    .tuple(transactionArbitrary(options), hexOfLength(65))
    .map(([tx, signature]): SignedTransaction => ({ ...tx, signature }));
}

export const blockHeaderArbitrary: fc.Arbitrary<BlockHeader> = fc.record({
  version: fc.constant(HEADER_VERSION),
  networkId: u53Arbitrary,
  epoch: u53Arbitrary,
  height: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  parentHash: hash32Arbitrary,
  timestampMs: u53Arbitrary,
  txRoot: hash32Arbitrary,
  txCount: u32Arbitrary,
  namespaceRoot: hash32Arbitrary,
  namespaceCount: u32Arbitrary,
  priceRoot: hash32Arbitrary,
  priceCount: u32Arbitrary,
  historyRoot: hash32Arbitrary,
  proposerIndex: u32Arbitrary,
});

export const certificateArbitrary: fc.Arbitrary<Certificate> = fc.record({
  round: u32Arbitrary,
  signature: fc.uint8Array({ minLength: 96, maxLength: 96 }),
});

export const feedPriceArbitrary: fc.Arbitrary<FeedPrice> = fc.record({
  feedId: hash32Arbitrary,
  answer: fc.bigInt({ min: -(1n << 255n), max: (1n << 255n) - 1n }),
});

/** Blocks whose header counts match their lists. */
export function blockArbitrary(options: { maxTransactions?: number; maxPrices?: number } = {}) {
  const { maxTransactions = 3, maxPrices = 3 } = options;
  return fc
    .tuple(
      blockHeaderArbitrary,
      fc.array(signedTransactionArbitrary({ maxPayloadBytes: 16 }), { maxLength: maxTransactions }),
      fc.array(feedPriceArbitrary, { maxLength: maxPrices }),
    )
    .map(
      ([header, transactions, prices]): Block => ({
        header: { ...header, txCount: transactions.length, priceCount: prices.length },
        transactions,
        prices,
      }),
    );
}

export const certifiedBlockArbitrary: fc.Arbitrary<CertifiedBlock> = fc.record({
  block: blockArbitrary(),
  certificate: certificateArbitrary,
});

export const networkDomainArbitrary: fc.Arbitrary<NetworkDomain> = fc.record({
  networkId: u53Arbitrary,
  chainId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  inbox: addressArbitrary,
});
