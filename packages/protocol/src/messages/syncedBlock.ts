import { defineCodec, MessageType } from '../codec/envelope.ts';
import type { Reader, Writer } from '../codec/primitives.ts';
import { VoteExtensionCodec } from '../consensus/codecs.ts';
import { MAX_COMMITTEE_VALIDATORS, MAX_VOTE_EXTENSION_MESSAGE_BYTES } from '../consensus/constants.ts';
import type { SignedVoteExtension } from '../consensus/types.ts';
import { MAX_CERTIFIED_BLOCK_BYTES } from '../constants.ts';
import { DecodeError } from '../errors.ts';
import type { CertifiedBlock } from '../types.ts';
import { readBlock, writeBlock } from './block.ts';
import { readCertificate, writeCertificate } from './certificate.ts';

/**
 * A certified block as catch-up serves it with the consensus data a syncing node needs to carry
 * on from it (`/synod/1/req/blocks-with-extensions`; the older `/synod/1/req/blocks` serves bare
 * CertifiedBlocks and stays for peers that do not know this one):
 *
 * - `contentExtensions`: the signed vote extensions the block's content derives from (its
 *   proposal's, precommit extensions of the commit of height − 1): with them the receiver
 *   recomputes the block's content state (the oracle circuit breaker);
 * - `commitExtensions`: the signed extensions of the block's own commit (precommits for it):
 *   the content input of the next height, which a proposer of that height needs.
 *
 * Wire: block ‖ certificate ‖ contentExtensions ‖ commitExtensions, each list a u32 count
 * (≤ MAX_COMMITTEE_VALIDATORS) of u32-length-prefixed VoteExtension messages, strictly
 * increasing by validator index. Either list may be empty (a block stored before extensions
 * were kept with it). Signatures and binding are checked by the receiver, not by decoding.
 */
export interface SyncedBlock {
  certified: CertifiedBlock;
  contentExtensions: SignedVoteExtension[];
  commitExtensions: SignedVoteExtension[];
}

/** One list of extensions at its caps: count, then per extension a length prefix and the message. */
const MAX_EXTENSION_LIST_BYTES = 4 + MAX_COMMITTEE_VALIDATORS * (4 + MAX_VOTE_EXTENSION_MESSAGE_BYTES);

/** Cap on a whole SyncedBlock message (a certified block at its caps plus two full lists). */
export const MAX_SYNCED_BLOCK_BYTES = MAX_CERTIFIED_BLOCK_BYTES + 2 * MAX_EXTENSION_LIST_BYTES;

function writeExtensions(writer: Writer, extensions: readonly SignedVoteExtension[]): void {
  writer.list(extensions, MAX_COMMITTEE_VALIDATORS, (w, extension) =>
    w.bytes(VoteExtensionCodec.encode(extension), MAX_VOTE_EXTENSION_MESSAGE_BYTES),
  );
}

function readExtensions(reader: Reader, field: string): SignedVoteExtension[] {
  const extensions = reader.list(MAX_COMMITTEE_VALIDATORS, field, (r) =>
    VoteExtensionCodec.decode(r.bytesField(MAX_VOTE_EXTENSION_MESSAGE_BYTES, field)),
  );
  for (let i = 1; i < extensions.length; i++) {
    if (extensions[i - 1]!.validatorIndex >= extensions[i]!.validatorIndex) {
      throw new DecodeError('INVALID_VALUE', `${field}: not strictly sorted by validator at ${i}`);
    }
  }
  return extensions;
}

export const syncedBlockCodec = defineCodec<SyncedBlock>({
  name: 'SyncedBlock',
  type: MessageType.SyncedBlock,
  maxBytes: MAX_SYNCED_BLOCK_BYTES,
  write(writer, synced) {
    writeBlock(writer, synced.certified.block);
    writeCertificate(writer, synced.certified.certificate);
    writeExtensions(writer, synced.contentExtensions);
    writeExtensions(writer, synced.commitExtensions);
  },
  read(reader) {
    const block = readBlock(reader);
    const certificate = readCertificate(reader);
    return {
      certified: { block, certificate },
      contentExtensions: readExtensions(reader, 'syncedBlock.contentExtensions'),
      commitExtensions: readExtensions(reader, 'syncedBlock.commitExtensions'),
    };
  },
});
