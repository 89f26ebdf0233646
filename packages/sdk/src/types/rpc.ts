/**
 * The JSON shapes of the Synod JSON-RPC (docs/openrpc.json). Defined once, in
 * @synod/protocol/pure (src/rpc/), for the node that encodes them and the SDK that reads them:
 * bytes are lowercase 0x-hex; heights, rounds, indices and ms timestamps are numbers; nonces,
 * validUntil and price answers are decimal strings.
 */
export type {
  RpcBlock,
  RpcBlockOrdering,
  RpcBlockPrice,
  RpcBlockSummary,
  RpcCertificate,
  RpcCommittee,
  RpcEquivocatingVote,
  RpcEvidence,
  RpcFirstSeen,
  RpcHeader,
  RpcHeaderProof,
  RpcInclusion,
  RpcL1Proof,
  RpcL1Status,
  RpcNamespaceBatch,
  RpcNamespaceLeafProof,
  RpcOracleFeedStatus,
  RpcPrice,
  RpcStatus,
  RpcSubscriptionNotification,
  RpcTransaction,
  RpcTransactionStatus,
  SubscriptionResults,
  SubscriptionTopic,
  SynodRpcMethod,
  SynodRpcParams,
  SynodRpcResult,
  SynodRpcSchema,
} from '../internal/protocol.ts';
