import { describe, expectTypeOf, it } from 'vitest';
import type * as Node from '../../node/src/rpc/encoding.ts';
import type { RpcErrorName as NodeRpcErrorName } from '../../node/src/rpc/errors.ts';
import type { RpcMethodName } from '../../node/src/rpc/methods.ts';
import type { SubscriptionTopic as NodeTopic } from '../../node/src/rpc/subscriptions.ts';
import type * as Sdk from '../src/index.ts';

/**
 * The SDK keeps its own copy of the RPC's JSON types (it cannot import the node at runtime);
 * these compile-time checks fail `tsc` when the node's API changes without the SDK following.
 */
describe('the SDK’s RPC types match the node’s', () => {
  it('has one error class per node error code', () => {
    expectTypeOf<Sdk.RpcErrorName>().toEqualTypeOf<NodeRpcErrorName>();
  });
  it('covers every method and topic', () => {
    expectTypeOf<Sdk.SynodRpcMethod | 'rpc.discover'>().toEqualTypeOf<RpcMethodName>();
    expectTypeOf<Sdk.SubscriptionTopic>().toEqualTypeOf<NodeTopic>();
  });
  it('decodes the shapes the node encodes', () => {
    expectTypeOf<Sdk.RpcHeader>().toEqualTypeOf<Node.RpcHeader>();
    expectTypeOf<Sdk.RpcCertificate>().toEqualTypeOf<Node.RpcCertificate>();
    expectTypeOf<Sdk.RpcTransaction>().toEqualTypeOf<Node.RpcTransaction>();
    expectTypeOf<Sdk.RpcBlock>().toEqualTypeOf<Node.RpcBlock>();
    expectTypeOf<Sdk.RpcBlockSummary>().toEqualTypeOf<Node.RpcBlockSummary>();
    expectTypeOf<Sdk.RpcInclusion>().toEqualTypeOf<Node.RpcInclusion>();
    expectTypeOf<Sdk.RpcTransactionStatus>().toEqualTypeOf<Node.RpcTransactionStatus>();
    expectTypeOf<Sdk.RpcPrice>().toEqualTypeOf<Node.RpcPrice>();
    expectTypeOf<Sdk.RpcCommittee>().toEqualTypeOf<Node.RpcCommittee>();
    expectTypeOf<Sdk.RpcStatus>().toEqualTypeOf<Node.RpcStatus>();
  });
});
