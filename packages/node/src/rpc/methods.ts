import {
  DecodeError,
  type Hex,
  MAX_BLOCK_TXS,
  MAX_COMMITTEE_VALIDATORS,
  MAX_INCLUSION_LIST_ENTRIES,
  MAX_VOTE_EXTENSION_MESSAGE_BYTES,
  parseHex,
  transactionCodec,
} from '@synod/protocol';
import type { SynodRpcMethod, SynodRpcResult } from '@synod/protocol/pure';
import { BLOCK_ORDERING_MAX_UNORDERED, MAX_RAW_TRANSACTION_HEX_CHARS } from './constants.ts';
import { defineMethod, optionalParam, type RpcMethod, requiredParam } from './defineMethod.ts';
import {
  encodeBlock,
  encodeBlockOrdering,
  encodeCommittee,
  encodeEvidence,
  encodeHeaderProof,
  encodeInclusion,
  encodeL1Proof,
  encodeNamespaceBatch,
  encodePrice,
  encodeStatus,
  encodeTransactionStatus,
  RESULT_SCHEMAS,
  ref,
} from './encoding.ts';
import { type ApplicationErrorName, MEMPOOL_REJECTIONS, RpcError } from './errors.ts';
import { buildOpenRpcDocument, type OpenRpcDocument } from './openrpc.ts';
import { boolean, hexBytes, integer, type JsonSchema, oneOf, stringEnum } from './schema.ts';
import { SUBSCRIPTION_TOPICS } from './subscriptions.ts';

/**
 * The method list: the typed registry of RPC methods. Each entry (made with defineMethod.ts)
 * declares its params (parser + JSON Schema), its result schema, the application errors it may
 * return, and its handler; the dispatcher and the OpenRPC document are both derived from it.
 * `RPC_METHODS` is typed by `RpcMethodName`, so a method named in the API without an entry (or an
 * entry without a name) does not compile. Adding a method: docs/adding-an-rpc-method.md.
 */

// ---------------------------------------------------------------------------------------------
// Param types

const hash32 = (title: string, description: string) => hexBytes({ title, description, bytes: 32 });

const rawTransaction = hexBytes({
  title: 'RawTransaction',
  description:
    'A signed transaction in the @synod/protocol wire encoding (transactionCodec.encode), as 0x-hex.',
  maxChars: MAX_RAW_TRANSACTION_HEX_CHARS,
});

const includeTransactions = optionalParam(
  'includeTransactions',
  boolean({ title: 'IncludeTransactions', description: 'Also return full transactions (default false).' }),
);

const nullable = (schema: JsonSchema): JsonSchema => ({ oneOf: [schema, { type: 'null' }] });

const TRANSACTION_REJECTIONS = Object.keys(MEMPOOL_REJECTIONS) as ApplicationErrorName[];

function decodeTransaction(raw: Hex) {
  const bytes = parseHex(raw);
  // The param schema guarantees even-length hex; assert it so a schema change cannot slip by.
  if (bytes === undefined) throw new Error('assertion failed: rawTransaction passed the hex schema');
  try {
    return transactionCodec.decode(bytes);
  } catch (error) {
    if (error instanceof DecodeError) {
      throw new RpcError('MALFORMED', error.message, { decodeCode: error.code }, { cause: error });
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The registry

/** Every method: those of the shared SynodRpcSchema (@synod/protocol, what the SDK calls) and rpc.discover. */
export type RpcMethodName = SynodRpcMethod | 'rpc.discover';

/**
 * The registry, typed by the shared schema: a method of SynodRpcSchema without an entry, or a
 * handler whose result is not the schema's result, does not compile.
 */
export const RPC_METHODS: {
  readonly [Name in SynodRpcMethod]: RpcMethod<SynodRpcResult<Name>>;
} & { readonly 'rpc.discover': RpcMethod<OpenRpcDocument> } = {
  synod_sendTransaction: defineMethod({
    summary: 'Submits a signed transaction to the mempool.',
    description:
      'Decodes, verifies (network, expiry, signature) and admits the transaction; returns its txId (the EIP-712 digest). A rejection is an application error whose data.code says why.',
    params: [requiredParam('transaction', rawTransaction)],
    result: { name: 'txId', schema: ref('Hash') },
    errors: [...TRANSACTION_REJECTIONS, 'UNAVAILABLE'],
    async handler({ transaction }, { backend, signal }) {
      return backend.sendTransaction(decodeTransaction(transaction), { signal });
    },
  }),

  synod_getTransactionStatus: defineMethod({
    summary: "A transaction's status: unknown, pending, or finalized with its proof.",
    description:
      'Finalized transactions come with the block height, leaf index, header, certificate and the Merkle proof against header.txRoot: everything the SettlementInbox needs to verify inclusion.',
    params: [requiredParam('txId', hash32('TxId', 'The transaction id (EIP-712 digest).'))],
    result: { name: 'status', schema: ref('TransactionStatus') },
    errors: ['UNAVAILABLE'],
    async handler({ txId }, { backend, signal }) {
      return encodeTransactionStatus(await backend.getTransactionStatus(txId, { signal }));
    },
  }),

  synod_getNextNonce: defineMethod({
    summary: 'The next nonce this node would accept from a sender, counting its pending transactions.',
    description:
      "The sender's next nonce after its finalized transactions, then past every nonce it has pending in this node's mempool without a gap (like eth_getTransactionCount at 'pending'), as a decimal string. A nonce below it is NONCE_USED or DUPLICATE_NONCE; another node's mempool may hold other pending transactions of the sender.",
    params: [
      requiredParam('sender', hexBytes({ title: 'Sender', description: 'The sender address.', bytes: 20 })),
    ],
    result: { name: 'nonce', schema: ref('Nonce') },
    errors: ['UNAVAILABLE'],
    async handler({ sender }, { backend, signal }) {
      return (await backend.getNextNonce(sender, { signal })).toString(10);
    },
  }),

  synod_getBlock: defineMethod({
    summary: 'A finalized block by header hash, or null.',
    description:
      'Transactions are listed by txId; pass includeTransactions = true for the full transactions.',
    params: [
      requiredParam('blockHash', hash32('BlockHash', 'Header hash of the block.')),
      includeTransactions,
    ],
    result: { name: 'block', schema: nullable(ref('Block')) },
    errors: ['UNAVAILABLE'],
    async handler({ blockHash, includeTransactions }, { backend, signal }) {
      const block = await backend.getBlock(blockHash, { signal });
      return block === undefined ? null : encodeBlock(block, includeTransactions ?? false);
    },
  }),

  synod_getBlockByHeight: defineMethod({
    summary: 'A finalized block by height ("latest" = the highest finalized), or null.',
    description:
      'Transactions are listed by txId; pass includeTransactions = true for the full transactions.',
    params: [
      requiredParam(
        'height',
        oneOf(
          { title: 'BlockHeight', description: 'A height (≥ 1) or "latest".' },
          integer({ title: 'Height', description: 'Block height, 1 is the first block.', minimum: 1 }),
          stringEnum({ title: 'Latest', description: 'The highest finalized block.', values: ['latest'] }),
        ),
      ),
      includeTransactions,
    ],
    result: { name: 'block', schema: nullable(ref('Block')) },
    errors: ['UNAVAILABLE'],
    async handler({ height, includeTransactions }, { backend, signal }) {
      const block = await backend.getBlock(height, { signal });
      return block === undefined ? null : encodeBlock(block, includeTransactions ?? false);
    },
  }),

  synod_getCommittee: defineMethod({
    summary: 'The committee of an epoch (default: the current one), or null.',
    description:
      "Group public key, threshold and the share public keys that certificates verify against. Every epoch a finalized transition record installed is known (the group key stays the same across a reshare); peer ids and accounts only where this node holds the epoch's committee file.",
    params: [
      optionalParam('epoch', integer({ title: 'Epoch', description: 'Committee epoch.', minimum: 0 })),
    ],
    result: { name: 'committee', schema: nullable(ref('Committee')) },
    errors: ['UNAVAILABLE'],
    async handler({ epoch }, { backend, signal }) {
      const committee = await backend.getCommittee(epoch, { signal });
      return committee === undefined ? null : encodeCommittee(committee);
    },
  }),

  synod_getPrice: defineMethod({
    summary: 'The latest finalized price of a feed with its proof, or null.',
    description:
      "The answer is a decimal string scaled by the feed decimals, with the height that finalized it, that block's header and certificate, the price's leaf index and its Merkle proof against header.priceRoot (PriceFeeds.verifyPrice checks the same on L1). A feed stuck behind the circuit breaker or stale keeps answering its last finalized price: check its age (synod_status oracle[].stale).",
    params: [requiredParam('feedId', hash32('FeedId', 'bytes32 feed id, e.g. keccak256("ETH/USD").'))],
    result: { name: 'price', schema: nullable(ref('Price')) },
    errors: ['UNAVAILABLE'],
    async handler({ feedId }, { backend, signal }) {
      const price = await backend.getPrice(feedId, { signal });
      return price === undefined ? null : encodePrice(price);
    },
  }),

  synod_getL1Proof: defineMethod({
    summary: 'The L1 view call that proves a finalized transaction on the SettlementInbox.',
    description:
      'status "proven": contract, function (verifyTransaction, or verifyTransactionInHistory through the historyRoot of a later posted header when the transaction\'s own header was never posted), its ABI args and the calldata; eth_call / readContract of it returns true. "not-yet-on-l1": the inbox holds no header at or above the transaction\'s height yet (at most k heights later). "unknown": no such finalized transaction. UNAVAILABLE when the node has no L1 configured or L1 does not answer.',
    params: [requiredParam('txId', hash32('TxId', 'The transaction id (EIP-712 digest).'))],
    result: { name: 'proof', schema: ref('L1Proof') },
    errors: ['UNAVAILABLE'],
    async handler({ txId }, { backend, signal }) {
      if (backend.getL1Proof === undefined) {
        throw new RpcError('UNAVAILABLE', 'this node has no L1 configured (l1.rpcUrl)');
      }
      return encodeL1Proof(await backend.getL1Proof(txId, { signal }));
    },
  }),

  synod_getNamespaceBatch: defineMethod({
    summary: "A namespace's transactions of one finalized height, complete and in order, with their proof.",
    description:
      'status "batch": the namespace\'s transactions in block order with its leaf of header.namespaceRoot (sequenceStart, count, batchHash) and the proof, and the certified header: exactly what SynodBatchSettlement checks on L1. "empty": the namespace has no transaction at that height; the neighbouring leaves (left, right; null on a side without one) prove it. "not-final": the height is not finalized yet. UNAVAILABLE when the block\'s body is pruned (leaves and proofs are kept; the transactions are not).',
    params: [
      requiredParam('namespace', hash32('Namespace', 'The bytes32 namespace (application id).')),
      requiredParam('height', integer({ title: 'Height', description: 'A block height (≥ 1).', minimum: 1 })),
    ],
    result: { name: 'batch', schema: ref('NamespaceBatch') },
    errors: ['UNAVAILABLE'],
    async handler({ namespace, height }, { backend, signal }) {
      return encodeNamespaceBatch(await backend.getNamespaceBatch(namespace, height, { signal }));
    },
  }),

  synod_getNextNamespaceBatch: defineMethod({
    summary:
      "A namespace's first batch above a height: what a contract that settled that height settles next.",
    description:
      'The first finalized height above afterHeight where the namespace has transactions, as synod_getNamespaceBatch returns it (status "batch"), found with one index seek however many heights lie between; "not-final" when no finalized block above afterHeight has one yet. Pass the contract\'s lastSettledHeight (0 before its first batch).',
    params: [
      requiredParam('namespace', hash32('Namespace', 'The bytes32 namespace (application id).')),
      requiredParam(
        'afterHeight',
        integer({
          title: 'AfterHeight',
          description: 'Look above this height (0: from the first block).',
          minimum: 0,
        }),
      ),
    ],
    result: { name: 'batch', schema: ref('NamespaceBatch') },
    errors: ['UNAVAILABLE'],
    async handler({ namespace, afterHeight }, { backend, signal }) {
      return encodeNamespaceBatch(await backend.getNextNamespaceBatch(namespace, afterHeight, { signal }));
    },
  }),

  synod_getHeaderProof: defineMethod({
    summary: "A finalized header proven by a later header's historyRoot.",
    description:
      'The header at height, the header at anchorHeight (> height) and the proof that headerHash(header) is leaf height − 1 of anchorHeader.historyRoot: what SettlementInbox.verifyHeader and SynodBatchSettlement.settleBatchFromHistory check against a posted anchor, so a header that was never posted on L1 is still usable there. null when anchorHeight is not finalized. The node keeps the history it has read (header hashes and complete subtrees), so a proof costs O(log² n) hashes once the headers below the anchor were read once.',
    params: [
      requiredParam(
        'height',
        integer({ title: 'Height', description: 'The height to prove (≥ 1).', minimum: 1 }),
      ),
      requiredParam(
        'anchorHeight',
        integer({
          title: 'AnchorHeight',
          description: "A later height (e.g. the inbox's latestHeight).",
          minimum: 2,
        }),
      ),
    ],
    result: { name: 'proof', schema: nullable(ref('HeaderProof')) },
    errors: ['UNAVAILABLE'],
    async handler({ height, anchorHeight }, { backend, signal }) {
      if (anchorHeight <= height) {
        throw new RpcError('INVALID_PARAMS', `anchorHeight ${anchorHeight} must be above height ${height}`, {
          param: 'anchorHeight',
        });
      }
      const proof = await backend.getHeaderProof(height, anchorHeight, { signal });
      return proof === undefined ? null : encodeHeaderProof(proof);
    },
  }),

  synod_getEvidence: defineMethod({
    summary:
      'Equivocation evidence this node holds for a height: two signed votes of one validator for one step.',
    description:
      "Each entry is one offence: the validator's two votes of one (height, round, kind) for different blocks, with their share signatures over voteMessage and the Evidence message as raw hex. Verify both signatures with the validator's share key (synod_getCommittee). The node holds what its own consensus found and what the evidence gossip topic brought; [] when nothing is known for that height.",
    params: [
      requiredParam(
        'height',
        integer({ title: 'Height', description: 'Height of the votes (≥ 1).', minimum: 1 }),
      ),
    ],
    result: { name: 'evidence', schema: { type: 'array', items: ref('Evidence') } },
    errors: ['UNAVAILABLE'],
    async handler({ height }, { backend, signal }) {
      return (await backend.getEvidence(height, { signal })).map(encodeEvidence);
    },
  }),

  synod_getBlockOrdering: defineMethod({
    summary:
      "Why a finalized block's content is what it is: each transaction's first-seen times, fair timestamp and position, and each feed's observations.",
    description: `From the vote extensions the block's content derives from (the commit of height − 1, as its proposal carried them; docs/consensus.md "Fair block content"). validators: each extension's clock, inclusion-list size and the signed extension itself (extension: the VoteExtension message as stored, VoteExtensionCodec, with the validator's share signature over extensionMessage), from which everything else here derives, so a client can re-check the answer under the committee's share keys (synod_getCommittee of height − 1's epoch; @synod/sdk getBlockOrdering does). transactions, in block order: every extension's firstSeenMs, the fair timestamp (the (f+1)-th smallest report, computed by the consensus's own fairTimestamps), the effective timestamp (the later of its own and its sender's previous transaction's; with txId, the order key) and the source (revealed: the plaintext of an envelope of block height − 2, at the head of the block with the block time). unordered: reported transactions left out of the block, except candidates finalized earlier (counted in finalizedEarlier), earliest report first, at most ${BLOCK_ORDERING_MAX_UNORDERED} of unorderedTotal; fairTimestampMs is null with fewer than f+1 reports. prices: per feed the observations, their median, and low/high, the (f+1)-th smallest and largest observation: with at most f of them byzantine, min(honest) ≤ low ≤ median ≤ high ≤ max(honest) (docs/oracle.md "The price bound"). Size: at most MAX_BLOCK_TXS (${MAX_BLOCK_TXS}) transactions; all firstSeen lists together hold at most one entry per inclusion-list entry (${MAX_COMMITTEE_VALIDATORS} extensions × ${MAX_INCLUSION_LIST_ENTRIES} = ${MAX_COMMITTEE_VALIDATORS * MAX_INCLUSION_LIST_ENTRIES}); one observation per extension and feed; the raw extensions at most ${MAX_COMMITTEE_VALIDATORS} × MAX_VOTE_EXTENSION_MESSAGE_BYTES (${MAX_VOTE_EXTENSION_MESSAGE_BYTES}) bytes (${MAX_COMMITTEE_VALIDATORS * MAX_VOTE_EXTENSION_MESSAGE_BYTES}, twice that in hex). null when the height is not finalized. UNAVAILABLE when the block's body (and with it its extensions) is pruned, or that of height − 2 (which tells the revealed transactions); when the node stored fewer than 2f+1 of its extensions (a block fetched by catch-up from a peer that served none); or when the stored ones do not reproduce the block (a peer left some out).`,
    params: [
      requiredParam('height', integer({ title: 'Height', description: 'A block height (≥ 1).', minimum: 1 })),
    ],
    result: { name: 'ordering', schema: nullable(ref('BlockOrdering')) },
    errors: ['UNAVAILABLE'],
    async handler({ height }, { backend, signal }) {
      const ordering = await backend.getBlockOrdering(height, { signal });
      return ordering === undefined ? null : encodeBlockOrdering(ordering);
    },
  }),

  synod_status: defineMethod({
    summary: "The node's network, heights, peers, mempool, oracle feeds and L1 submitter.",
    description:
      "Cheap; suitable for health checks. oracle lists every configured feed: its last finalized price, age, stale flag and breaker, this validator's latest observation and each source's health. l1 is the submitter's backlog, last posted height, pending transaction and last error (null without l1.rpcUrl).",
    params: [],
    result: { name: 'status', schema: ref('Status') },
    errors: ['UNAVAILABLE'],
    async handler(_params, { backend, signal }) {
      return encodeStatus(await backend.status({ signal }));
    },
  }),

  synod_subscribe: defineMethod({
    summary:
      'Subscribes to newBlocks, transactionFinality (txId) or prices (feedId optional). WebSocket only.',
    description:
      'Returns a subscription id. Notifications arrive as {"jsonrpc":"2.0","method":"synod_subscription","params":{"subscription":id,"result":…}}, never before the subscribe response. Results: newBlocks → BlockSummary; transactionFinality → TransactionInclusion, once, after which the subscription ends (at once if already final); prices → Price.',
    params: [
      requiredParam(
        'topic',
        stringEnum({ title: 'Topic', description: 'What to subscribe to.', values: SUBSCRIPTION_TOPICS }),
      ),
      optionalParam(
        'filter',
        hash32('Filter', 'transactionFinality: the txId (required). prices: a feedId (absent = every feed).'),
      ),
    ],
    result: { name: 'subscriptionId', schema: { type: 'string', pattern: '^0x[0-9a-f]{32}$' } },
    errors: ['SUBSCRIPTIONS_UNSUPPORTED', 'TOO_MANY_SUBSCRIPTIONS'],
    async handler({ topic, filter }, { backend, signal, subscriptions, afterResponse }) {
      if (subscriptions === undefined) throw new RpcError('SUBSCRIPTIONS_UNSUPPORTED');
      if (topic === 'transactionFinality' && filter === undefined) {
        throw new RpcError(
          'INVALID_PARAMS',
          'missing required param filter (the txId) for transactionFinality',
          {
            param: 'filter',
          },
        );
      }
      if (topic === 'newBlocks' && filter !== undefined) {
        throw new RpcError('INVALID_PARAMS', 'newBlocks takes no filter', { param: 'filter' });
      }
      const subscription = subscriptions.subscribe(topic, filter);
      afterResponse(() => subscriptions.activate(subscription));
      if (topic === 'transactionFinality') {
        // It may have finalized before we subscribed: look once, after indexing, so no event is lost.
        try {
          const status = await backend.getTransactionStatus(filter!, { signal });
          if (status.status === 'finalized') subscriptions.deliver(subscription, encodeInclusion(status));
        } catch (error) {
          subscriptions.unsubscribe(subscription.id);
          throw error;
        }
      }
      return subscription.id;
    },
  }),

  synod_unsubscribe: defineMethod({
    summary: 'Ends a subscription of this WebSocket; true if it existed.',
    description: 'A one-shot transactionFinality subscription that already delivered is gone: false.',
    params: [
      requiredParam(
        'subscriptionId',
        hexBytes({ title: 'SubscriptionId', description: 'Id returned by synod_subscribe.', bytes: 16 }),
      ),
    ],
    result: { name: 'removed', schema: { type: 'boolean' } },
    errors: ['SUBSCRIPTIONS_UNSUPPORTED'],
    async handler({ subscriptionId }, { subscriptions }) {
      if (subscriptions === undefined) throw new RpcError('SUBSCRIPTIONS_UNSUPPORTED');
      return subscriptions.unsubscribe(subscriptionId);
    },
  }),

  'rpc.discover': defineMethod({
    summary: 'This API as an OpenRPC document.',
    description: 'The same document as docs/openrpc.json.',
    params: [],
    result: { name: 'openrpcDocument', schema: { $ref: 'https://meta.open-rpc.org/' } },
    errors: [],
    async handler(): Promise<OpenRpcDocument> {
      return openRpcDocument();
    },
  }),
};

export function isRpcMethodName(name: string): name is RpcMethodName {
  return Object.hasOwn(RPC_METHODS, name);
}

let cachedDocument: OpenRpcDocument | undefined;

/** The OpenRPC document of RPC_METHODS (built once). */
export function openRpcDocument(): OpenRpcDocument {
  cachedDocument ??= buildOpenRpcDocument(RPC_METHODS, RESULT_SCHEMAS);
  return cachedDocument;
}
