/**
 * The SDK's bridge to @synod/protocol: only its browser-safe entry (`@synod/protocol/pure`),
 * which has no native addons, WebAssembly or node:* imports. test/bundle.test.ts walks the
 * import graph to keep it that way.
 */
export {
  type Block,
  type BlockHeader,
  certificateMessage,
  type FeedPrice,
  HEADER_VERSION,
  headerHash,
  MAX_TX_PAYLOAD_BYTES,
  merkleRoot,
  type NetworkDomain,
  normalizeTransactionSignature,
  parseHex,
  parseTransaction,
  priceLeaf,
  type SignedTransaction,
  type Transaction,
  toLowerHex,
  transactionCodec,
  transactionId,
  transactionLeaf,
  transactionLeafData,
  transactionTypedData,
  verifyMerkleProof,
} from '@synod/protocol/pure';
