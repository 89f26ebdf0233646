import { createDecipheriv, hkdfSync } from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import {
  type BlockHeader,
  blsPublicKey,
  blsSign,
  COMMITTEE_TAG,
  DKG_DEAL_TAG,
  DKG_JUSTIFICATION_TAG,
  DKG_RESPONSE_TAG,
  DKG_SESSION_TAG,
  type DkgConfig,
  type DkgDeal,
  type DkgJustification,
  type DkgResponse,
  dealSigningPayload,
  dkgDealCodec,
  dkgInit,
  dkgJustificationCodec,
  dkgKeysFromSeed,
  dkgResponseCodec,
  dkgSessionId,
  EXTENSION_TAG,
  extensionMessage,
  HEADER_TAG,
  HEADER_VERSION,
  headerHash,
  justificationSigningPayload,
  keccak256Bytes,
  type NetworkDomain,
  PROPOSAL_TAG,
  type Proposal,
  ProposalCodec,
  proposalMessage,
  responseSigningPayload,
  rotationMessage,
  type SignedVoteExtension,
  signTransaction,
  TRANSACTION_TYPEHASH,
  toLowerHex,
  transactionBatchCodec,
  transactionDomainSeparator,
  transactionId,
  VOTE_TAG,
  VoteCodec,
  type VoteExtension,
  VoteKind,
  voteMessage,
} from '@synod/protocol';
import { encodeAbiParameters, type Hex, hexToBytes, keccak256, toBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

/**
 * The worked examples of docs/protocol.md ("Worked examples"), computed with the real encoders,
 * hashes and signers. Each renders to the exact text of its code block in the doc; the docs test
 * compares them, so a change of any encoding, tag or signer shows up as a stale doc.
 *
 * Regenerate the blocks after an intended change: `node packages/node/test/docs/printExamples.ts`.
 */

/** One row of a byte layout: a label and its bytes. */
type Row = readonly [label: string, bytes: Uint8Array | Hex];

const bytesOf = (value: Uint8Array | Hex): Uint8Array =>
  typeof value === 'string' ? hexToBytes(value) : value;
const hex = (value: Uint8Array | Hex): string => toLowerHex(bytesOf(value)).slice(2);
const u = (value: number | bigint, width: number): Uint8Array => {
  const out = new Uint8Array(width);
  let v = BigInt(value);
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};
const concat = (parts: readonly (Uint8Array | Hex)[]): Uint8Array => {
  const arrays = parts.map(bytesOf);
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
};
const equal = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

const LABEL_WIDTH = 24;

/** Rows as `label  hex`, 32 bytes a line; an empty field shows as `(empty)`. */
function layout(rows: readonly Row[]): string[] {
  const lines: string[] = [];
  for (const [label, value] of rows) {
    const h = hex(value);
    if (h.length === 0) {
      lines.push(`  ${label.padEnd(LABEL_WIDTH)}(empty)`);
      continue;
    }
    for (let i = 0; i < h.length; i += 64) {
      lines.push(`  ${(i === 0 ? label : '').padEnd(LABEL_WIDTH)}${h.slice(i, i + 64)}`);
    }
  }
  return lines;
}

/**
 * Checks that `rows` concatenate to exactly `expected` (the bytes the code produced) and renders
 * them: a wrong or missing field in a layout is a failure here, not a silently wrong doc.
 */
function checkedLayout(what: string, rows: readonly Row[], expected: Uint8Array): string[] {
  const joined = concat(rows.map(([, bytes]) => bytes));
  if (!equal(joined, expected)) {
    throw new Error(`${what}: the documented layout does not reproduce the code's bytes`);
  }
  return layout(rows);
}

function value(label: string, bytes: Uint8Array | Hex): string[] {
  return [`${label}:`, ...layout([['', bytes]]).map((line) => `  ${line.trim()}`)];
}

// ---------------------------------------------------------------------------------------------
// Inputs, shared by the examples (and quoted in the doc).

export const DOMAIN: NetworkDomain = {
  networkId: 7,
  chainId: 31337,
  inbox: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
};
/** The example validator's BLS share secret key (any scalar in [1, r) works the same way). */
export const BLS_SECRET_KEY = hexToBytes(`0x${'00'.repeat(31)}2a`);
/** The example user's secp256k1 key. */
export const USER_PRIVATE_KEY: Hex = `0x${'01'.repeat(32)}`;
/** DKG key seeds of the example session's four participants. */
const DKG_SEEDS = [1, 2, 3, 4].map((i) => new Uint8Array(32).fill(i));
const ZERO32: Hex = `0x${'00'.repeat(32)}`;
const FEED_ID: Hex = keccak256(toBytes('ETH/USD'));
const NAMESPACE: Hex = keccak256(toBytes('example-app'));

function header1(): BlockHeader {
  return {
    version: HEADER_VERSION,
    networkId: DOMAIN.networkId,
    epoch: 0,
    height: 1,
    parentHash: ZERO32,
    timestampMs: 1_700_000_000_000,
    txRoot: ZERO32,
    txCount: 0,
    namespaceRoot: ZERO32,
    namespaceCount: 0,
    priceRoot: ZERO32,
    priceCount: 0,
    historyRoot: ZERO32,
    proposerIndex: 0,
  };
}

function headerRows(header: BlockHeader): Row[] {
  return [
    ['header.version', u(header.version, 2)],
    ['header.networkId', u(header.networkId, 8)],
    ['header.epoch', u(header.epoch, 8)],
    ['header.height', u(header.height, 8)],
    ['header.parentHash', header.parentHash],
    ['header.timestampMs', u(header.timestampMs, 8)],
    ['header.txRoot', header.txRoot],
    ['header.txCount', u(header.txCount, 4)],
    ['header.namespaceRoot', header.namespaceRoot],
    ['header.namespaceCount', u(header.namespaceCount, 4)],
    ['header.priceRoot', header.priceRoot],
    ['header.priceCount', u(header.priceCount, 4)],
    ['header.historyRoot', header.historyRoot],
    ['header.proposerIndex', u(header.proposerIndex, 4)],
  ];
}

const word = (n: number | bigint): Uint8Array => u(n, 32);

// ---------------------------------------------------------------------------------------------
// The examples.

export interface WorkedExamples {
  /** Example name → the exact lines of its code block in docs/protocol.md. */
  readonly blocks: ReadonlyMap<string, string>;
  /** Encoded gossip messages and their topic names, for the message-id check. */
  readonly gossip: readonly { name: string; topicName: string; data: Uint8Array }[];
  /** The msgIds the doc states, by example name (checked against the node's msgIdFn). */
  readonly messageIds: ReadonlyMap<string, Uint8Array>;
  /** The DKG example's config and session id (for the node's DKG gossip validator). */
  readonly dkg: {
    readonly config: DkgConfig;
    readonly sessionId: Uint8Array;
    readonly messages: readonly Uint8Array[];
  };
}

export async function workedExamples(
  messageId: (topic: string, data: Uint8Array) => Uint8Array,
): Promise<WorkedExamples> {
  const blocks = new Map<string, string>();
  const gossip: { name: string; topicName: string; data: Uint8Array }[] = [];
  const messageIds = new Map<string, Uint8Array>();
  const sharePublicKey = blsPublicKey(BLS_SECRET_KEY);

  // --- keys
  blocks.set(
    'keys',
    [
      ...value('BLS share secret key (32-byte big-endian scalar)', BLS_SECRET_KEY),
      ...value('its public key (compressed G1)', sharePublicKey),
      ...value('user secp256k1 private key', USER_PRIVATE_KEY),
      ...value('its address (sender)', privateKeyToAccount(USER_PRIVATE_KEY).address.toLowerCase() as Hex),
    ].join('\n'),
  );

  // --- header hash (the blockId of the votes below)
  const h1 = header1();
  const h1Hash = headerHash(h1, DOMAIN);
  const headerPreimage = concat([
    HEADER_TAG,
    word(DOMAIN.chainId),
    concat([new Uint8Array(12), hexToBytes(DOMAIN.inbox)]),
    ...headerRows(h1).map(([, b]) => concat([new Uint8Array(32 - bytesOf(b).length), bytesOf(b)])),
  ]);
  if (toLowerHex(keccak256Bytes(headerPreimage)) !== h1Hash) throw new Error('header preimage');
  blocks.set(
    'header',
    [
      'preimage = abi.encode(HEADER_TAG, uint256 chainId, address inbox, Header), 17 words:',
      ...layout([
        ['HEADER_TAG', HEADER_TAG],
        ['chainId', word(DOMAIN.chainId)],
        ['inbox', concat([new Uint8Array(12), hexToBytes(DOMAIN.inbox)])],
        ...headerRows(h1).map(
          ([l, b]): Row => [l, concat([new Uint8Array(32 - bytesOf(b).length), bytesOf(b)])],
        ),
      ]),
      ...value('headerHash = keccak256(preimage)', h1Hash),
    ].join('\n'),
  );

  // --- votes
  const prevoteMessage = voteMessage({
    kind: VoteKind.Prevote,
    networkId: DOMAIN.networkId,
    height: 1,
    round: 0,
    blockId: h1Hash,
  });
  const votePreimage = concat([VOTE_TAG, word(1), word(DOMAIN.networkId), word(1), word(0), h1Hash]);
  if (toLowerHex(keccak256Bytes(votePreimage)) !== prevoteMessage) throw new Error('vote preimage');
  const prevoteSignature = blsSign(BLS_SECRET_KEY, hexToBytes(prevoteMessage));
  const prevote = {
    kind: VoteKind.Prevote,
    networkId: DOMAIN.networkId,
    height: 1,
    round: 0,
    blockId: h1Hash,
    validatorIndex: 0,
    signature: prevoteSignature,
    extension: null,
  } as const;
  const prevoteWire = VoteCodec.encode(prevote);
  gossip.push({ name: 'vote', topicName: 'votes', data: prevoteWire });
  const prevoteId = messageId('/synod/1/votes/bin', prevoteWire);
  messageIds.set('vote', prevoteId);
  blocks.set(
    'vote',
    [
      'signed bytes = abi.encode(VOTE_TAG, uint8 kind, uint64 networkId, uint64 height, uint32 round, bytes32 blockId):',
      ...layout([
        ['VOTE_TAG', VOTE_TAG],
        ['kind (1 = prevote)', word(1)],
        ['networkId', word(DOMAIN.networkId)],
        ['height', word(1)],
        ['round', word(0)],
        ['blockId', h1Hash],
      ]),
      ...value('voteMessage = keccak256(signed bytes)', prevoteMessage),
      ...value('signature = BLS sign(share key, voteMessage)', prevoteSignature),
      'Vote on the wire (topic votes; the signature is not over these bytes):',
      ...checkedLayout(
        'vote wire',
        [
          ['version, type (6)', '0x0106'],
          ['kind', u(1, 1)],
          ['networkId', u(7, 8)],
          ['height', u(1, 8)],
          ['round', u(0, 4)],
          ['blockId', h1Hash],
          ['validatorIndex', u(0, 4)],
          ['signature', prevoteSignature],
          ['hasExtension', u(0, 1)],
        ],
        prevoteWire,
      ),
      ...value('gossip msgId = sha256("/synod/1/votes/bin" ‖ 0x00 ‖ wire)[0..20]', prevoteId),
    ].join('\n'),
  );

  // --- transaction (EIP-712), then the batch that carries it
  const account = privateKeyToAccount(USER_PRIVATE_KEY);
  const tx = await signTransaction(
    account,
    {
      networkId: DOMAIN.networkId,
      namespace: NAMESPACE,
      sender: account.address,
      nonce: 0n,
      payload: '0xc0ffee',
      validUntil: 1_700_000_600n,
    },
    DOMAIN,
  );
  const txId = transactionId(tx, DOMAIN);
  const domainSeparator = transactionDomainSeparator(DOMAIN);
  const structHashPreimage = concat([
    TRANSACTION_TYPEHASH,
    word(DOMAIN.networkId),
    tx.namespace,
    concat([new Uint8Array(12), hexToBytes(tx.sender)]),
    word(tx.nonce),
    keccak256(tx.payload),
    word(tx.validUntil),
  ]);
  const structHash = keccak256Bytes(structHashPreimage);
  const domainPreimage = concat([
    keccak256(toBytes('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)')),
    keccak256(toBytes('Synod')),
    keccak256(toBytes('1')),
    word(DOMAIN.chainId),
    concat([new Uint8Array(12), hexToBytes(DOMAIN.inbox)]),
  ]);
  if (toLowerHex(keccak256Bytes(domainPreimage)) !== domainSeparator) throw new Error('domain separator');
  const digestPreimage = concat(['0x1901', domainSeparator, structHash]);
  if (toLowerHex(keccak256Bytes(digestPreimage)) !== txId) throw new Error('txId');
  const batch = transactionBatchCodec.encode({ transactions: [tx] });
  gossip.push({ name: 'transaction', topicName: 'transactions', data: batch });
  const batchId = messageId('/synod/1/transactions/bin', batch);
  messageIds.set('transaction', batchId);
  blocks.set(
    'transaction',
    [
      'transaction: networkId 7, namespace keccak256("example-app"), sender = the user address above,',
      '             nonce 0, payload 0xc0ffee, validUntil 1700000600',
      'domainSeparator = keccak256 of:',
      ...layout([
        ['EIP712Domain typehash', bytesOf(domainPreimage.slice(0, 32))],
        ['keccak256("Synod")', bytesOf(domainPreimage.slice(32, 64))],
        ['keccak256("1")', bytesOf(domainPreimage.slice(64, 96))],
        ['chainId', word(DOMAIN.chainId)],
        ['verifyingContract', bytesOf(domainPreimage.slice(128, 160))],
      ]),
      ...value('domainSeparator', domainSeparator),
      'structHash = keccak256 of:',
      ...layout([
        ['TRANSACTION_TYPEHASH', TRANSACTION_TYPEHASH],
        ['networkId', word(DOMAIN.networkId)],
        ['namespace', tx.namespace],
        ['sender', concat([new Uint8Array(12), hexToBytes(tx.sender)])],
        ['nonce', word(tx.nonce)],
        ['keccak256(payload)', keccak256(tx.payload)],
        ['validUntil', word(tx.validUntil)],
      ]),
      ...value('structHash', structHash),
      ...value('txId = keccak256(0x1901 ‖ domainSeparator ‖ structHash)', txId),
      ...value('signature r ‖ s ‖ v (secp256k1 over txId, low s, v = 27/28)', tx.signature),
      'TransactionBatch on the wire (topic transactions; a bare Transaction, type 1, is rejected):',
      ...checkedLayout(
        'transaction batch wire',
        [
          ['version, type (2)', '0x0102'],
          ['count', u(1, 4)],
          ['networkId', u(7, 8)],
          ['namespace', tx.namespace],
          ['sender', tx.sender],
          ['nonce', u(tx.nonce, 8)],
          ['payload length', u(3, 4)],
          ['payload', tx.payload],
          ['validUntil', u(tx.validUntil, 8)],
          ['signature', tx.signature],
        ],
        batch,
      ),
      ...value('gossip msgId = sha256("/synod/1/transactions/bin" ‖ 0x00 ‖ wire)[0..20]', batchId),
    ].join('\n'),
  );

  // --- vote extension
  const extension: VoteExtension = {
    networkId: DOMAIN.networkId,
    height: 1,
    round: 0,
    blockId: h1Hash,
    validatorIndex: 0,
    timestampMs: 1_700_000_000_250,
    inclusionList: [{ txId, firstSeenMs: 1_700_000_000_100 }],
    prices: [{ feedId: FEED_ID, price: 3_000n * 10n ** 8n }],
  };
  const extensionDigest = extensionMessage(extension);
  const extensionSignature = blsSign(BLS_SECRET_KEY, extensionDigest);
  const extensionRows: Row[] = [
    ['networkId', u(7, 8)],
    ['height', u(1, 8)],
    ['round', u(0, 4)],
    ['blockId', h1Hash],
    ['validatorIndex', u(0, 4)],
    ['timestampMs', u(extension.timestampMs, 8)],
    ['inclusionList count', u(1, 4)],
    ['[0].txId', txId],
    ['[0].firstSeenMs', u(1_700_000_000_100, 8)],
    ['prices count', u(1, 4)],
    ['[0].feedId', FEED_ID],
    ['[0].price (int256)', word(3_000n * 10n ** 8n)],
  ];
  const extensionPreimage = concat([EXTENSION_TAG, ...extensionRows.map(([, b]) => b)]);
  if (!equal(keccak256Bytes(extensionPreimage), extensionDigest)) throw new Error('extension preimage');
  const signedExtension: SignedVoteExtension = { ...extension, signature: extensionSignature };
  blocks.set(
    'extension',
    [
      'extension: the precommit of the header above (height 1, round 0), validator 0, one inclusion',
      'entry (the transaction above), one price (feedId keccak256("ETH/USD"), 3000e8)',
      'signed bytes = EXTENSION_TAG ‖ fields (no envelope, no signature):',
      ...layout([['EXTENSION_TAG', EXTENSION_TAG], ...extensionRows]),
      ...value('extensionMessage = keccak256(signed bytes)', extensionDigest),
      ...value('signature = BLS sign(share key, extensionMessage)', extensionSignature),
    ].join('\n'),
  );

  // --- proposal (height 2, carrying the signed extension above)
  const h2: BlockHeader = {
    ...h1,
    height: 2,
    parentHash: h1Hash,
    timestampMs: 1_700_000_000_250,
    historyRoot: toLowerHex(keccak256Bytes(concat(['0x00', h1Hash]))),
    proposerIndex: 1,
  };
  const unsignedProposal = {
    networkId: DOMAIN.networkId,
    height: 2,
    round: 0,
    validRound: -1,
    proposerIndex: 1,
    header: h2,
    transactionIds: [],
    prices: [],
    validRoundCertificate: null,
    extensions: [signedExtension],
  };
  const proposalDigest = proposalMessage(unsignedProposal);
  const proposalSignature = blsSign(BLS_SECRET_KEY, proposalDigest);
  const proposal: Proposal = { ...unsignedProposal, signature: proposalSignature };
  const proposalWire = ProposalCodec.encode(proposal);
  const proposalRows: Row[] = [
    ['networkId', u(7, 8)],
    ['height', u(2, 8)],
    ['round', u(0, 4)],
    ['validRound + 1', u(0, 4)],
    ['proposerIndex', u(1, 4)],
    ...headerRows(h2),
    ['transactionIds count', u(0, 4)],
    ['prices count', u(0, 4)],
    ['hasValidRoundCert', u(0, 1)],
    ['extensions count', u(1, 4)],
    ...extensionRows.map(([l, b]): Row => [`ext.${l}`, b]),
    ['ext.signature', extensionSignature],
  ];
  const proposalPreimage = concat([PROPOSAL_TAG, ...proposalRows.map(([, b]) => b)]);
  if (!equal(keccak256Bytes(proposalPreimage), proposalDigest)) throw new Error('proposal preimage');
  if (!equal(concat(['0x0105', proposalPreimage.slice(32), proposalSignature]), proposalWire)) {
    throw new Error('proposal wire');
  }
  gossip.push({ name: 'proposal', topicName: 'proposals', data: proposalWire });
  const proposalId = messageId('/synod/1/proposals/bin', proposalWire);
  messageIds.set('proposal', proposalId);
  blocks.set(
    'proposal',
    [
      'proposal: height 2, round 0, validRound −1, proposer 1, header 2 (parent = the header above,',
      'historyRoot = leafHash(headerHash 1)), no transactions, no prices, one signed extension (above)',
      'signed bytes = PROPOSAL_TAG ‖ fields without the proposal signature (no envelope;',
      'the extensions are included with their own signatures):',
      ...layout([['PROPOSAL_TAG', PROPOSAL_TAG], ...proposalRows]),
      ...value('proposalMessage = keccak256(signed bytes)', proposalDigest),
      ...value('signature = BLS sign(share key, proposalMessage)', proposalSignature),
      'Proposal on the wire = 0x0105 ‖ (signed bytes without the tag) ‖ signature;',
      `${proposalWire.length} bytes`,
      ...value('gossip msgId = sha256("/synod/1/proposals/bin" ‖ 0x00 ‖ wire)[0..20]', proposalId),
    ].join('\n'),
  );

  // --- DKG: session id, a response and a justification
  const keys = DKG_SEEDS.map((seed) => dkgKeysFromSeed(seed));
  const config: DkgConfig = {
    networkId: DOMAIN.networkId,
    epoch: 0,
    nonce: new Uint8Array(32).fill(0xaa),
    threshold: 3,
    participants: keys.map((k) => ({
      signingPublicKey: k.signingPublicKey,
      encryptionPublicKey: k.encryptionPublicKey,
    })),
  };
  const sessionId = dkgSessionId(config);
  const sessionRows: Row[] = [
    ['DKG_SESSION_TAG', DKG_SESSION_TAG],
    ['networkId', u(7, 8)],
    ['epoch', u(0, 8)],
    ['t', u(3, 2)],
    ['n', u(4, 2)],
    ...keys.flatMap((k, i): Row[] => [
      [`[${i}].signingPublicKey`, k.signingPublicKey],
      [`[${i}].encryptionPubKey`, k.encryptionPublicKey],
    ]),
    ['nonce', config.nonce],
  ];
  if (!equal(keccak256Bytes(concat(sessionRows.map(([, b]) => b))), sessionId)) throw new Error('session id');
  const randomness = new Uint8Array(32).fill(0x55);
  const init = dkgInit(config, {
    index: 0,
    signingSecretKey: keys[0]!.signingSecretKey,
    encryptionSecretKey: keys[0]!.encryptionSecretKey,
    randomness,
  });
  const dealOutput = init.outputs.find((o) => o.type === 'broadcast' && o.message.type === 'deal');
  if (dealOutput?.type !== 'broadcast' || dealOutput.message.type !== 'deal') throw new Error('no deal');
  const deal: DkgDeal = dealOutput.message.deal;
  const { signature: dealSignature, ...unsignedDeal } = deal;
  const dealPayload = dealSigningPayload(unsignedDeal);
  const dealWire = dkgDealCodec.encode(deal);
  if (!equal(dealWire, dealOutput.bytes)) throw new Error('dkg deal bytes');
  // Participant 1 decrypts its share of this deal with the formula of docs/protocol.md "DKG"
  // (independently of the protocol package: node:crypto's HKDF and ChaCha20-Poly1305) and checks it
  // against the commitments (Feldman).
  const recipient = 1;
  const recipientKey = config.participants[recipient]!.encryptionPublicKey;
  const sharedSecret = x25519.getSharedSecret(keys[recipient]!.encryptionSecretKey, deal.ephemeralPublicKey);
  const shareInfo = concat([
    toBytes('synod/dkg/share-encryption/v1'),
    u(0, 2),
    u(recipient, 2),
    deal.ephemeralPublicKey,
    recipientKey,
  ]);
  const keyAndNonce = new Uint8Array(hkdfSync('sha256', sharedSecret, sessionId, shareInfo, 44));
  const encrypted = deal.encryptedShares[recipient]!;
  const decipher = createDecipheriv(
    'chacha20-poly1305',
    keyAndNonce.subarray(0, 32),
    keyAndNonce.subarray(32),
    {
      authTagLength: 16,
    },
  );
  decipher.setAAD(concat([sessionId, u(0, 2), u(recipient, 2)]), { plaintextLength: 32 });
  decipher.setAuthTag(encrypted.subarray(32));
  const share = new Uint8Array(Buffer.concat([decipher.update(encrypted.subarray(0, 32)), decipher.final()]));
  const G1 = bls12_381.G1.Point;
  const x = BigInt(recipient + 1);
  const expected = deal.commitments.reduce(
    (sum, c, k) => sum.add(G1.fromHex(hex(c)).multiply(x ** BigInt(k))),
    G1.ZERO,
  );
  if (!G1.BASE.multiply(BigInt(toLowerHex(share))).equals(expected)) throw new Error('Feldman check');
  const unsignedResponse = { sessionId, responderIndex: 2, complaints: [1] };
  const responsePayload = responseSigningPayload(unsignedResponse);
  const responseSignature = ed25519.sign(responsePayload, keys[2]!.signingSecretKey);
  const response: DkgResponse = { ...unsignedResponse, signature: responseSignature };
  const responseWire = dkgResponseCodec.encode(response);
  const revealed = u(123_456_789n, 32);
  const unsignedJustification = {
    sessionId,
    dealerIndex: 1,
    revealedShares: [{ recipientIndex: 2, secretShare: revealed }],
  };
  const justificationPayload = justificationSigningPayload(unsignedJustification);
  const justificationSignature = ed25519.sign(justificationPayload, keys[1]!.signingSecretKey);
  const justification: DkgJustification = { ...unsignedJustification, signature: justificationSignature };
  const justificationWire = dkgJustificationCodec.encode(justification);
  const topicName = `dkg-${toLowerHex(sessionId).slice(2, 18)}`;
  blocks.set(
    'dkg',
    [
      'participants i = 0..3 with keys dkgKeysFromSeed(32 bytes of i+1); networkId 7, epoch 0,',
      't = 3, nonce = 32 bytes of 0xaa',
      ...value('participant 0 Ed25519 secret key (seed)', keys[0]!.signingSecretKey),
      ...value('participant 1 Ed25519 secret key (seed)', keys[1]!.signingSecretKey),
      ...value('participant 2 Ed25519 secret key (seed)', keys[2]!.signingSecretKey),
      ...value('participant 1 X25519 secret key', keys[1]!.encryptionSecretKey),
      'sessionId = keccak256 of:',
      ...layout(sessionRows),
      ...value('sessionId', sessionId),
      `gossip topic: /synod/1/${topicName}/bin`,
      'DkgDeal of participant 0 (dkgInit with randomness = 32 bytes of 0x55; commitments a_k·G1,',
      'then f(i+1) encrypted to each participant i, ciphertext ‖ Poly1305 tag);',
      'signed bytes = DKG_DEAL_TAG ‖ body:',
      ...checkedLayout(
        'dkg deal payload',
        [
          ['DKG_DEAL_TAG', DKG_DEAL_TAG],
          ['sessionId', sessionId],
          ['dealer', u(0, 2)],
          ['commitments count', u(deal.commitments.length, 4)],
          ...deal.commitments.map((c, k): Row => [`C[${k}]`, c]),
          ['ephemeralPublicKey', deal.ephemeralPublicKey],
          ['shares count', u(deal.encryptedShares.length, 4)],
          ...deal.encryptedShares.map((e, i): Row => [`share to ${i}`, e]),
        ],
        dealPayload,
      ),
      ...value('signature (Ed25519, participant 0)', dealSignature),
      'on the wire = 0x0108 ‖ body ‖ signature',
      `participant 1 decrypts "share to 1": X25519(its secret key, ephemeralPublicKey) =`,
      `  ${hex(sharedSecret)}`,
      'key ‖ nonce = HKDF-SHA256(that, salt = sessionId, info = "synod/dkg/share-encryption/v1" ‖',
      '  u16 dealer ‖ u16 recipient ‖ ephemeralPublicKey ‖ recipient encryption key, 44 bytes):',
      ...layout([
        ['key', keyAndNonce.subarray(0, 32)],
        ['nonce', keyAndNonce.subarray(32)],
      ]),
      'ChaCha20-Poly1305, associated data sessionId ‖ u16 dealer ‖ u16 recipient, gives',
      `f(2) = ${hex(share)}`,
      'and f(2)·G1 = C[0] + 2·C[1] + 4·C[2] (Feldman check).',
      'DkgResponse of participant 2 complaining about dealer 1;',
      'signed bytes = DKG_RESPONSE_TAG ‖ body (Ed25519 over these bytes, not over a hash):',
      ...checkedLayout(
        'dkg response payload',
        [
          ['DKG_RESPONSE_TAG', DKG_RESPONSE_TAG],
          ['sessionId', sessionId],
          ['responder', u(2, 2)],
          ['complaints count', u(1, 4)],
          ['[0] dealer', u(1, 2)],
        ],
        responsePayload,
      ),
      ...value('signature (Ed25519, participant 2)', responseSignature),
      'on the wire = 0x0109 ‖ body ‖ signature',
      'DkgJustification of dealer 1 revealing participant 2’s share (scalar 123456789):',
      ...checkedLayout(
        'dkg justification payload',
        [
          ['DKG_JUSTIFICATION_TAG', DKG_JUSTIFICATION_TAG],
          ['sessionId', sessionId],
          ['dealer', u(1, 2)],
          ['shares count', u(1, 4)],
          ['[0].recipient', u(2, 2)],
          ['[0].share', revealed],
        ],
        justificationPayload,
      ),
      ...value('signature (Ed25519, participant 1)', justificationSignature),
      'on the wire = 0x010a ‖ body ‖ signature',
    ].join('\n'),
  );
  if (!equal(concat(['0x0108', dealPayload.slice(32), dealSignature]), dealWire))
    throw new Error('dkg deal wire');
  if (!equal(concat(['0x0109', responsePayload.slice(32), responseSignature]), responseWire)) {
    throw new Error('dkg response wire');
  }
  if (!equal(concat(['0x010a', justificationPayload.slice(32), justificationSignature]), justificationWire)) {
    throw new Error('dkg justification wire');
  }

  // --- committee rotation (L1 only)
  const rotation = {
    chainId: DOMAIN.chainId,
    registry: '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512' as const,
    epoch: 1,
    activationHeight: 1000,
    committeeSize: 4,
    threshold: 3,
    groupPublicKey: sharePublicKey,
  };
  const rotationDigest = rotationMessage(rotation);
  const rotationPreimage = encodeAbiParameters(
    [
      { type: 'bytes32' },
      { type: 'uint256' },
      { type: 'address' },
      { type: 'uint64' },
      { type: 'uint64' },
      { type: 'uint32' },
      { type: 'uint32' },
      { type: 'bytes' },
    ],
    [COMMITTEE_TAG, 31337n, rotation.registry, 1n, 1000n, 4, 3, toLowerHex(sharePublicKey)],
  );
  const rotationRows: Row[] = [
    ['COMMITTEE_TAG', COMMITTEE_TAG],
    ['chainId', word(31337)],
    ['registry', concat([new Uint8Array(12), hexToBytes(rotation.registry)])],
    ['epoch', word(1)],
    ['activationHeight', word(1000)],
    ['n', word(4)],
    ['t', word(3)],
    ['offset of key (0x100)', word(0x100)],
    ['key length (48)', word(48)],
    ['groupPublicKey, padded', concat([sharePublicKey, new Uint8Array(16)])],
  ];
  if (keccak256(concat(rotationRows.map(([, b]) => b))) !== rotationDigest) throw new Error('rotation');
  blocks.set(
    'rotation',
    [
      'rotation to epoch 1 at height 1000, n 4, t 3, new group key = the public key above,',
      'registry 0xe7f1725e7734ce288f8367e1bb143e90bb3f0512, chainId 31337',
      'signed bytes = abi.encode(COMMITTEE_TAG, uint256 chainId, address registry, uint64 epoch,',
      '  uint64 activationHeight, uint32 n, uint32 t, bytes groupPublicKey):',
      ...checkedLayout('rotation', rotationRows, hexToBytes(rotationPreimage)),
      ...value('rotationMessage = keccak256(signed bytes)', rotationDigest),
    ].join('\n'),
  );

  return {
    blocks,
    gossip,
    messageIds,
    dkg: { config, sessionId, messages: [dealWire, responseWire, justificationWire] },
  };
}
