import { createFeedConfig } from '@synod/oracle';
import {
  type CertifiedBlock,
  decryptionShare,
  ENCRYPTED_NAMESPACE,
  encryptTransaction,
  type Hex,
  headerHash,
  insecureTrustedDealer,
  type PriceObservation,
  parseHex,
  type SignedTransaction,
  type SignedVoteExtension,
  signTransaction,
  toLowerHex,
  transactionId,
  VoteExtensionCodec,
} from '@synod/protocol';
import { privateKeyToAccount } from 'viem/accounts';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readBlockOrdering } from '../../src/assembly/blockOrdering.ts';
import {
  applyBlock,
  type BlockContent,
  ChainState,
  type ContentContext,
  deriveBlockContent,
  envelopesDue,
} from '../../src/consensus/content.ts';
import { createEnvelopeOpener } from '../../src/consensus/reveals.ts';
import type { BlockOrdering } from '../../src/rpc/backend.ts';
import { BLOCK_ORDERING_MAX_UNORDERED } from '../../src/rpc/constants.ts';
import { encodeBlockOrdering, RESULT_SCHEMAS } from '../../src/rpc/encoding.ts';
import { RpcBackendError } from '../../src/rpc/errors.ts';
import type { JsonSchema } from '../../src/rpc/schema.ts';
import { openStore, type Store } from '../../src/storage/index.ts';
import { DOMAIN } from '../storage/fixtures/chain.ts';
import { useTempDirs } from '../storage/fixtures/tempDir.ts';

/**
 * synod_getBlockOrdering's read over a real store holding a chain whose blocks are the consensus
 * content function's output (deriveBlockContent) over extensions of four validators (f = 1):
 * validator 2 never saw one transaction, validator 3's clock and reports are skewed and its price
 * an outlier; an envelope of block 2 is revealed at the head of block 4.
 */

const tempPath = useTempDirs();
const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

const N = 4;
const T0 = 1_800_000_000_000;
const APP: Hex = `0x${'ab'.repeat(32)}`;
const FEED_A: Hex = `0x${'fa'.repeat(32)}`;
const FEED_B: Hex = `0x${'fb'.repeat(32)}`;
const feeds = [FEED_A, FEED_B].map((feedId) => createFeedConfig({ feedId, decimals: 8 }));
const dealing = insecureTrustedDealer(N, 2, new Uint8Array(32).fill(3));
const account = (byte: number) => privateKeyToAccount(`0x${byte.toString(16).padStart(2, '0').repeat(32)}`);
const [alice, bob, carol, dave, erin] = [account(1), account(2), account(3), account(4), account(5)];

const id = (tx: SignedTransaction): Hex => transactionId(tx, DOMAIN);
const sign = (
  account: typeof alice,
  nonce: bigint,
  fields: { namespace?: Hex; payload?: Hex } = {},
): Promise<SignedTransaction> =>
  signTransaction(
    account,
    {
      networkId: DOMAIN.networkId,
      namespace: fields.namespace ?? APP,
      sender: account.address,
      nonce,
      payload: fields.payload ?? `0x0${nonce}`,
      validUntil: 4_000_000_000n,
    },
    DOMAIN,
  );

/** The transactions of the chain, named. */
interface Txs {
  a0: SignedTransaction;
  a1: SignedTransaction;
  a2: SignedTransaction;
  b0: SignedTransaction;
  c0: SignedTransaction;
  /** dave's envelope (nonce 0) of `plain`, ordered in block 2 and revealed at the head of block 4. */
  envelope: SignedTransaction;
  plain: SignedTransaction;
  d1: SignedTransaction;
  /** erin's, reported by validator 3 alone: never a candidate. */
  e0: SignedTransaction;
}

interface Height {
  content: BlockContent;
  extensions: SignedVoteExtension[];
}

let txs: Txs;
/** Blocks 1 … 6 by height − 1: 6 is stored without its extensions (a bare catch-up). */
let heights: Height[];
/** Block 5's 300 made-up txIds reported by validator 3 alone. */
let noise: Hex[];

/** One validator's report: its clock and the ms (after T0) it first saw each transaction. */
interface Report {
  clockMs: number;
  seen: [SignedTransaction | Hex, number][];
  prices?: PriceObservation[];
}

beforeAll(async () => {
  const plain = await sign(dave, 0n, { payload: '0xdecaf0' });
  const payload = encryptTransaction({
    publicKey: dealing.groupPublicKey,
    transaction: plain,
    seed: new Uint8Array(32).fill(7),
  });
  txs = {
    a0: await sign(alice, 0n),
    a1: await sign(alice, 1n),
    a2: await sign(alice, 2n),
    b0: await sign(bob, 0n),
    c0: await sign(carol, 0n),
    envelope: await sign(dave, 0n, { namespace: ENCRYPTED_NAMESPACE, payload }),
    plain,
    d1: await sign(dave, 1n),
    e0: await sign(erin, 0n),
  };
  noise = Array.from({ length: 300 }, (_, i) => `0x${(i + 1).toString(16).padStart(64, '0')}` as Hex);

  const chain = new ChainState();
  const bodies = new Map(Object.values(txs).map((tx) => [id(tx), tx]));
  const sharePool = new Map<number, readonly Uint8Array[]>();
  const opener = createEnvelopeOpener({
    threshold: 2,
    publicKey: dealing.groupPublicKey,
    sharePublicKeys: dealing.shares.map((share) => share.publicKey),
  });
  const context: ContentContext = {
    domain: DOMAIN,
    epoch: 0,
    validatorCount: N,
    signerCount: N,
    feeds,
    genesisTimestampMs: T0,
    chain,
    body: (txId) => bodies.get(txId),
    isAuthentic: () => true,
    verifyExtension: () => true,
    encryption: { open: (due) => opener.open(due, sharePool) },
  };
  heights = [];
  const next = (reports: Report[]) => {
    const extensions = reports.map(
      (report, validatorIndex): SignedVoteExtension => ({
        networkId: DOMAIN.networkId,
        height: chain.height,
        round: 0,
        blockId: chain.lastBlockId,
        validatorIndex,
        timestampMs: T0 + report.clockMs,
        inclusionList: report.seen
          .map(([tx, ms]) => ({ txId: typeof tx === 'string' ? tx : id(tx), firstSeenMs: T0 + ms }))
          .sort((a, b) => (a.txId < b.txId ? -1 : 1)),
        prices: report.prices ?? [],
        signature: new Uint8Array(96),
      }),
    );
    // The decryption shares of the envelopes due, as every validator sends them.
    sharePool.clear();
    for (const share of dealing.shares.slice(0, 2)) {
      sharePool.set(
        share.index - 1,
        envelopesDue(chain).map((entry) => decryptionShare(share.secretKey, entry.identity)),
      );
    }
    const derived = deriveBlockContent(context, extensions, chain.height % N);
    if (!derived.ok) throw new Error(`block ${chain.height + 1}: ${derived.reason}`);
    applyBlock(chain, derived.content);
    heights.push({ content: derived.content, extensions });
  };
  const { a0, a1, a2, b0, c0, envelope, d1, e0 } = txs;
  const price = (feedId: Hex, value: bigint): PriceObservation => ({ feedId, price: value });

  next([]); // block 1: no previous commit, empty
  // Block 2. Validator 2 never saw b0; validator 3 reports a0 late and a1, b0 early, and an outlier price.
  const seen2: Report['seen'][] = [
    [
      [a0, 100],
      [a1, 90],
      [b0, 200],
      [c0, 300],
      [envelope, 150],
    ],
    [
      [a0, 105],
      [a1, 95],
      [b0, 210],
      [c0, 310],
      [envelope, 155],
    ],
    [
      [a0, 102],
      [a1, 99],
      [envelope, 160],
    ],
    [
      [a0, 900],
      [a1, 5],
      [b0, 1],
      [envelope, 152],
      [e0, 50],
    ],
  ];
  next([
    { clockMs: 1000, seen: seen2[0]!, prices: [price(FEED_A, 2000n), price(FEED_B, 500n)] },
    { clockMs: 1001, seen: seen2[1]!, prices: [price(FEED_A, 2001n), price(FEED_B, 501n)] },
    { clockMs: 1001, seen: seen2[2]!, prices: [price(FEED_A, 2002n)] },
    { clockMs: 5000, seen: seen2[3]!, prices: [price(FEED_A, 9000n)] },
  ]);
  // Block 3: block 2's transactions are still listed (the extensions were signed before it was
  // final); d1 waits for its sender's reveal.
  const with3 = (i: number, more: Report['seen']) => [...seen2[i]!, ...more];
  next([
    {
      clockMs: 2000,
      seen: with3(0, [
        [a2, 1500],
        [d1, 1400],
      ]),
    },
    {
      clockMs: 2001,
      seen: with3(1, [
        [a2, 1510],
        [d1, 1405],
      ]),
    },
    {
      clockMs: 2002,
      seen: with3(2, [
        [a2, 1505],
        [d1, 1410],
      ]),
    },
    {
      clockMs: 2500,
      seen: with3(3, [
        [a2, 1600],
        [d1, 1300],
      ]),
    },
  ]);
  // Block 4: the envelope's plaintext leads; then d1.
  next([
    {
      clockMs: 3000,
      seen: [
        [a2, 1500],
        [d1, 1400],
      ],
    },
    {
      clockMs: 3001,
      seen: [
        [a2, 1510],
        [d1, 1405],
      ],
    },
    {
      clockMs: 3002,
      seen: [
        [a2, 1505],
        [d1, 1410],
      ],
    },
    {
      clockMs: 3003,
      seen: [
        [a2, 1600],
        [d1, 1300],
        [e0, 50],
      ],
    },
  ]);
  // Block 5: validator 3 reports 300 transactions nobody else saw.
  next([
    { clockMs: 4000, seen: [] },
    { clockMs: 4001, seen: [] },
    { clockMs: 4002, seen: [] },
    {
      clockMs: 4003,
      seen: [[e0, 50], ...noise.map((txId, i): [Hex, number] => [txId, 3900 - i])],
    },
  ]);
  next([
    { clockMs: 5000, seen: [] },
    { clockMs: 5001, seen: [] },
    { clockMs: 5002, seen: [] },
  ]);
});

/**
 * A store holding blocks 1 … 6 as the driver commits them (block 6 without its extensions, as
 * catch-up over the bare protocol stores it); `keep` filters the extensions stored per height.
 */
async function filled(
  keep: (height: number, extension: SignedVoteExtension) => boolean = () => true,
): Promise<Store> {
  const store = await openStore(await tempPath(), { domain: DOMAIN });
  open.push(store);
  for (const [i, { content, extensions }] of heights.entries()) {
    const height = i + 1;
    const certified: CertifiedBlock = {
      block: {
        header: content.header,
        transactions: content.transactions.map((entry) => entry.tx),
        prices: content.prices,
      },
      certificate: { round: 0, signature: new Uint8Array(96).fill(1) },
    };
    const stored = extensions
      .filter((extension) => keep(height, extension))
      .map((extension) => ({
        validatorIndex: extension.validatorIndex,
        bytes: VoteExtensionCodec.encode(extension),
      }));
    await store.commitBlock(certified, height === 6 ? {} : { contentExtensions: stored });
  }
  return store;
}

const read = (store: Store, height: number) => readBlockOrdering(store, DOMAIN, height, () => N);
const at = (ms: number) => T0 + ms;
const seenBy = (...reports: [number, number][]) =>
  reports.map(([validatorIndex, ms]) => ({ validatorIndex, firstSeenMs: at(ms) }));

async function unavailable(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(RpcBackendError);
  expect((error as RpcBackendError).code).toBe('UNAVAILABLE');
  return (error as Error).message;
}

/** Every transaction's position, fair and effective timestamp are those the content function used. */
function expectSameOrder(ordering: BlockOrdering, content: BlockContent): void {
  expect(
    ordering.transactions.map((tx) => [tx.index, tx.txId, tx.fairTimestampMs, tx.effectiveTimestampMs]),
  ).toEqual(
    content.transactions.map((entry, index) => [
      index,
      entry.txId,
      entry.fairTimestampMs,
      entry.effectiveTimestampMs,
    ]),
  );
}

describe('readBlockOrdering', () => {
  it('shows each report, the fair and effective timestamps the consensus used, and the price range', async () => {
    const store = await filled();
    const ordering = (await read(store, 2))!;
    const { content } = heights[1]!;
    expectSameOrder(ordering, content);
    const { a0, a1, b0, c0, envelope, e0 } = txs;
    const fair = (tx: SignedTransaction, nonce: bigint) => ({
      txId: id(tx),
      sender: tx.sender.toLowerCase(),
      nonce,
      namespace: tx.namespace.toLowerCase(),
      source: 'fair',
      envelopeTxId: null,
    });
    expect(ordering).toEqual({
      height: 2,
      blockHash: headerHash(content.header, DOMAIN),
      epoch: 0,
      // The lower median of the four clocks.
      timestampMs: at(1001),
      proposerIndex: 1,
      signerCount: 4,
      faultTolerance: 1,
      validators: [
        { validatorIndex: 0, timestampMs: at(1000), reported: 5, extension: expect.any(String) },
        { validatorIndex: 1, timestampMs: at(1001), reported: 5, extension: expect.any(String) },
        { validatorIndex: 2, timestampMs: at(1001), reported: 3, extension: expect.any(String) },
        { validatorIndex: 3, timestampMs: at(5000), reported: 5, extension: expect.any(String) },
      ],
      transactions: [
        // The second smallest report: validator 3's late 900 does not delay a0.
        {
          index: 0,
          ...fair(a0, 0n),
          fairTimestampMs: at(102),
          effectiveTimestampMs: at(102),
          firstSeen: seenBy([0, 100], [1, 105], [2, 102], [3, 900]),
        },
        // Validator 3's early 5 does not bring a1 forward, and a1 waits for a0 anyway.
        {
          index: 1,
          ...fair(a1, 1n),
          fairTimestampMs: at(90),
          effectiveTimestampMs: at(102),
          firstSeen: seenBy([0, 90], [1, 95], [2, 99], [3, 5]),
        },
        {
          index: 2,
          ...fair(envelope, 0n),
          fairTimestampMs: at(152),
          effectiveTimestampMs: at(152),
          firstSeen: seenBy([0, 150], [1, 155], [2, 160], [3, 152]),
        },
        // Validator 2 never saw b0: three reports, and validator 3's early 1 is the smallest.
        {
          index: 3,
          ...fair(b0, 0n),
          fairTimestampMs: at(200),
          effectiveTimestampMs: at(200),
          firstSeen: seenBy([0, 200], [1, 210], [3, 1]),
        },
        // Exactly f+1 reports: the later one is its fair timestamp.
        {
          index: 4,
          ...fair(c0, 0n),
          fairTimestampMs: at(310),
          effectiveTimestampMs: at(310),
          firstSeen: seenBy([0, 300], [1, 310]),
        },
      ],
      // Validator 3 alone reported e0: no fair timestamp, not a candidate.
      unordered: [{ txId: id(e0), fairTimestampMs: null, firstSeen: seenBy([3, 50]) }],
      unorderedTotal: 1,
      finalizedEarlier: 0,
      prices: [
        // The outlier 9000 and the honest 2000 lie outside [low, high]; the finalized median within.
        {
          feedId: FEED_A,
          answer: 2001n,
          median: 2001n,
          low: 2001n,
          high: 2002n,
          observations: [
            { validatorIndex: 0, price: 2000n },
            { validatorIndex: 1, price: 2001n },
            { validatorIndex: 2, price: 2002n },
            { validatorIndex: 3, price: 9000n },
          ],
        },
        // Two observations, below 2f+1: no price, no range.
        {
          feedId: FEED_B,
          answer: null,
          median: null,
          low: null,
          high: null,
          observations: [
            { validatorIndex: 0, price: 500n },
            { validatorIndex: 1, price: 501n },
          ],
        },
      ],
    });
    expect(content.prices).toEqual([{ feedId: FEED_A, answer: 2001n }]);
    // Each validator's raw extension is the signed one the block derives from, byte for byte.
    const signed = heights[1]!.extensions;
    expect(ordering.validators).toHaveLength(signed.length);
    for (const validator of ordering.validators) {
      const original = signed.find((extension) => extension.validatorIndex === validator.validatorIndex)!;
      expect(validator.extension).toMatch(/^0x([0-9a-f]{2})+$/);
      expect(validator.extension).toBe(toLowerHex(VoteExtensionCodec.encode(original)));
      expect(VoteExtensionCodec.decode(parseHex(validator.extension)!)).toEqual(original);
    }
  });

  it('leaves transactions finalized earlier out of unordered, and keeps candidates left out with their fair timestamp', async () => {
    const store = await filled();
    const ordering = (await read(store, 3))!;
    expectSameOrder(ordering, heights[2]!.content);
    expect(ordering.transactions.map((tx) => tx.txId)).toEqual([id(txs.a2)]);
    expect(ordering.transactions[0]!.fairTimestampMs).toBe(at(1505));
    // a0, a1, b0, c0 and the envelope were finalized at 2; d1 (fair 1400) waited for dave's reveal.
    expect(ordering.finalizedEarlier).toBe(5);
    expect(ordering.unordered).toEqual([
      { txId: id(txs.e0), fairTimestampMs: null, firstSeen: seenBy([3, 50]) },
      {
        txId: id(txs.d1),
        fairTimestampMs: at(1400),
        firstSeen: seenBy([0, 1400], [1, 1405], [2, 1410], [3, 1300]),
      },
    ]);
    expect(ordering.unorderedTotal).toBe(2);
    expect(ordering.prices).toEqual([]);
  });

  it('marks the revealed plaintext of block 2’s envelope at the head of block 4, at the block time', async () => {
    const store = await filled();
    const ordering = (await read(store, 4))!;
    expectSameOrder(ordering, heights[3]!.content);
    expect(ordering.transactions).toEqual([
      {
        index: 0,
        txId: id(txs.plain),
        sender: dave.address.toLowerCase(),
        nonce: 0n,
        namespace: APP,
        source: 'revealed',
        envelopeTxId: id(txs.envelope),
        fairTimestampMs: at(3001),
        effectiveTimestampMs: at(3001),
        firstSeen: [],
      },
      // dave's next transaction does not wait for the revealed one's time.
      {
        index: 1,
        txId: id(txs.d1),
        sender: dave.address.toLowerCase(),
        nonce: 1n,
        namespace: APP,
        source: 'fair',
        envelopeTxId: null,
        fairTimestampMs: at(1400),
        effectiveTimestampMs: at(1400),
        firstSeen: seenBy([0, 1400], [1, 1405], [2, 1410], [3, 1300]),
      },
    ]);
    expect(ordering.finalizedEarlier).toBe(1); // a2
  });

  it('answers block 1 empty, caps unordered earliest first, and null above the finalized height', async () => {
    const store = await filled();
    expect(await read(store, 1)).toMatchObject({
      height: 1,
      faultTolerance: 1,
      validators: [],
      transactions: [],
      unordered: [],
      unorderedTotal: 0,
      prices: [],
    });
    const ordering = (await read(store, 5))!;
    expect(ordering.transactions).toEqual([]);
    expect(ordering.unorderedTotal).toBe(301);
    expect(ordering.unordered).toHaveLength(BLOCK_ORDERING_MAX_UNORDERED);
    // e0 (50) first, then the made-up ones from the latest-numbered (seen earliest) down.
    expect(ordering.unordered.map((tx) => tx.txId)).toEqual([
      id(txs.e0),
      ...noise.toReversed().slice(0, BLOCK_ORDERING_MAX_UNORDERED - 1),
    ]);
    expect(await read(store, 7)).toBeUndefined();
    await expect(read(store, 0)).rejects.toThrow(RangeError);
  });

  it('is UNAVAILABLE for a block stored without its extensions, a pruned one, or one whose reveals cannot be told', async () => {
    const store = await filled();
    expect(await unavailable(read(store, 6))).toMatch(/stored with 0 of the ≥ 2f\+1 = 3 extensions/);
    await store.pruneBelow(2);
    expect(await unavailable(read(store, 1))).toMatch(/body of block 1 is pruned/);
    expect((await read(store, 2))?.transactions).toHaveLength(5);
    // Block 3 may begin with plaintexts of block 1's envelopes: with block 1 gone, nobody can tell.
    expect(await unavailable(read(store, 3))).toMatch(
      /body of block 1 is pruned: which transactions block 3 reveals/,
    );
    expect((await read(store, 4))?.transactions[0]?.source).toBe('revealed');
  });

  it('is UNAVAILABLE when the stored extensions do not reproduce the block (a catch-up peer left one out)', async () => {
    // Without validator 1's, 2f+1 remain and give the same block time, but c0 has one report.
    const store = await filled((height, extension) => height !== 2 || extension.validatorIndex !== 1);
    expect(await unavailable(read(store, 2))).toMatch(
      /do not reproduce it \(transaction 4 .* fewer than f\+1\)/,
    );
    // Without validator 0's the clocks' median moves.
    const other = await filled((height, extension) => height !== 3 || extension.validatorIndex !== 0);
    expect(await unavailable(read(other, 3))).toMatch(/their clocks give block time/);
    expect((await read(other, 2))?.height).toBe(2);
  });

  it('encodes to the result schema: decimal strings, lowercase hex, numbers', async () => {
    const store = await filled();
    for (const height of [1, 2, 3, 4, 5]) {
      const encoded = encodeBlockOrdering((await read(store, height))!);
      expect(conforms(RESULT_SCHEMAS.BlockOrdering, JSON.parse(JSON.stringify(encoded)))).toEqual([]);
    }
    const encoded = encodeBlockOrdering((await read(store, 2))!);
    expect(encoded.transactions[1]).toMatchObject({ nonce: '1', fairTimestampMs: at(90) });
    expect(encoded.prices[0]).toMatchObject({ answer: '2001', low: '2001', high: '2002', median: '2001' });
    expect(encoded.prices[1]).toMatchObject({ answer: null, low: null });
    // A negative observation (int256) is a valid signed decimal.
    const negative = {
      ...(await read(store, 2))!,
      prices: [{ ...(await read(store, 2))!.prices[0]!, low: -5n }],
    };
    expect(conforms(RESULT_SCHEMAS.BlockOrdering, encodeBlockOrdering(negative))).toEqual([]);
  });
});

/** The subset of JSON Schema RESULT_SCHEMAS uses: the paths where `value` does not conform. */
function conforms(schema: JsonSchema, value: unknown, path = '$'): string[] {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop() as keyof typeof RESULT_SCHEMAS;
    return conforms(RESULT_SCHEMAS[name], value, path);
  }
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as JsonSchema[]).filter(
      (option) => conforms(option, value, path).length === 0,
    );
    return matching.length === 1 ? [] : [`${path}: matches ${matching.length} of oneOf`];
  }
  if (schema.const !== undefined && value !== schema.const) return [`${path}: not ${String(schema.const)}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return [`${path}: not in enum`];
  const actual =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'array'
        : Number.isInteger(value)
          ? 'integer'
          : typeof value;
  if (schema.type !== undefined && ![schema.type].flat().includes(actual)) {
    return [`${path}: ${actual}, not ${String(schema.type)}`];
  }
  if (
    typeof value === 'string' &&
    typeof schema.pattern === 'string' &&
    !new RegExp(schema.pattern).test(value)
  ) {
    return [`${path}: ${value} does not match ${schema.pattern}`];
  }
  if (typeof value === 'number' && typeof schema.minimum === 'number' && value < schema.minimum) {
    return [`${path}: below ${schema.minimum}`];
  }
  const errors: string[] = [];
  if (Array.isArray(value) && schema.items !== undefined) {
    for (const [i, item] of value.entries()) {
      errors.push(...conforms(schema.items as JsonSchema, item, `${path}[${i}]`));
    }
  }
  if (actual === 'object' && schema.properties !== undefined) {
    const properties = schema.properties as Record<string, JsonSchema>;
    const object = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!(key in object)) errors.push(`${path}.${key}: missing`);
    }
    for (const [key, inner] of Object.entries(object)) {
      if (properties[key] === undefined) {
        if (schema.additionalProperties === false) errors.push(`${path}.${key}: not in the schema`);
      } else errors.push(...conforms(properties[key], inner, `${path}.${key}`));
    }
  }
  return errors;
}
