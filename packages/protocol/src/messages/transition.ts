import { encodeAbiParameters, type Hex, keccak256, toBytes } from 'viem';
import { defineCodec, MessageType } from '../codec/envelope.ts';
import type { Reader, Writer } from '../codec/primitives.ts';
import { MAX_TX_PAYLOAD_BYTES, TRANSITION_TAG } from '../constants.ts';
import { DecodeError } from '../errors.ts';

/**
 * A committee transition record (docs/protocol.md "Committee transitions"): the committee of
 * epoch e hands the chain to the membership of epoch e + 1, which holds fresh shares of the SAME
 * group key (a reshare). It travels as the payload of an ordinary transaction in
 * COMMITTEE_NAMESPACE, so it is ordered and certified like any other; the first valid record for
 * epoch e + 1 finalized at height h makes that epoch decide heights ≥ h + TRANSITION_ACTIVATION_DELAY.
 *
 * Wire: envelope ‖ epoch u64 ‖ validatorCount u32 ‖ count u16 ‖ commitments 48·count ‖ signature 96.
 * Valid (dkg/transition.ts checkTransitionRecord) when: epoch = current + 1; count = the quorum of validatorCount (the key's threshold);
 * every commitment a valid G1 point; commitment 0 = the group public key (the reshare kept the
 * key); the signature a group signature under that key over transitionMessage (the old committee
 * agreed to this outcome: a quorum of it holds shares).
 */
export interface TransitionRecord {
  epoch: number;
  validatorCount: number;
  /** Feldman commitments of the resharing polynomial (48-byte compressed G1), t of them. */
  commitments: Uint8Array[];
  /** Group signature (96-byte G2) over transitionMessage(networkId, record). */
  signature: Uint8Array;
}

/** The namespace whose transactions carry transition records: keccak256("synod/committee"). */
export const COMMITTEE_NAMESPACE: Hex = keccak256(toBytes('synod/committee'));

/** The namespace whose transactions carry equivocation proofs (EquivocationProofCodec): keccak256("synod/evidence"). */
export const EVIDENCE_NAMESPACE: Hex = keccak256(toBytes('synod/evidence'));

/**
 * Heights between the block that finalizes a record and the first height the new epoch decides.
 * Above the consensus future-height window (8 heights a node keeps messages for), so that every
 * message a node keeps is judged by a committee that can no longer change; and at least 2, since
 * a driver applies block h's record before its core enters h + 2. At 300 ms heights it is 3 s.
 */
export const TRANSITION_ACTIVATION_DELAY = 10;

const COMMITMENT_BYTES = 48;
const SIGNATURE_BYTES = 96;
const FIXED_BYTES = 2 + 8 + 4 + 2 + SIGNATURE_BYTES;
/** The largest threshold whose record fits in one transaction payload. */
export const MAX_TRANSITION_THRESHOLD = Math.floor((MAX_TX_PAYLOAD_BYTES - FIXED_BYTES) / COMMITMENT_BYTES);

export const transitionRecordCodec = defineCodec<TransitionRecord>({
  name: 'TransitionRecord',
  type: MessageType.TransitionRecord,
  maxBytes: MAX_TX_PAYLOAD_BYTES,
  write(writer: Writer, record: TransitionRecord) {
    writer.u53(record.epoch).u32(record.validatorCount).u16(record.commitments.length);
    for (const commitment of record.commitments) writer.fixed(commitment, COMMITMENT_BYTES);
    writer.fixed(record.signature, SIGNATURE_BYTES);
  },
  read(reader: Reader): TransitionRecord {
    const epoch = reader.u53('transition.epoch');
    const validatorCount = reader.u32('transition.validatorCount');
    const count = reader.u16('transition.commitments.length');
    if (count === 0 || count > MAX_TRANSITION_THRESHOLD) {
      throw new DecodeError(
        'INVALID_VALUE',
        `transition.commitments.length ${count} out of [1, ${MAX_TRANSITION_THRESHOLD}]`,
      );
    }
    const commitments: Uint8Array[] = [];
    for (let k = 0; k < count; k++) commitments.push(reader.fixed(COMMITMENT_BYTES, 'transition.commitment'));
    return {
      epoch,
      validatorCount,
      commitments,
      signature: reader.fixed(SIGNATURE_BYTES, 'transition.signature'),
    };
  },
});

/**
 * What the old committee signs with its group key to approve a transition:
 * keccak256(abi.encode(TRANSITION_TAG, uint64 networkId, uint64 epoch, uint32 validatorCount,
 * bytes32 keccak256(commitments concatenated))).
 */
export function transitionMessage(
  networkId: number,
  record: Pick<TransitionRecord, 'epoch' | 'validatorCount' | 'commitments'>,
): Uint8Array {
  const concatenated = new Uint8Array(record.commitments.length * COMMITMENT_BYTES);
  for (const [k, commitment] of record.commitments.entries())
    concatenated.set(commitment, k * COMMITMENT_BYTES);
  return toBytes(
    keccak256(
      encodeAbiParameters(
        [
          { type: 'bytes32' },
          { type: 'uint64' },
          { type: 'uint64' },
          { type: 'uint32' },
          { type: 'bytes32' },
        ],
        [
          TRANSITION_TAG,
          BigInt(networkId),
          BigInt(record.epoch),
          record.validatorCount,
          keccak256(concatenated),
        ],
      ),
    ),
  );
}

/**
 * One member's approval of a reshare's outcome (docs/protocol.md "Committee transitions"): its
 * partial signature over transitionMessage with its NEW share (Shamir index `shareIndex`); t' of
 * them combine into the record's group signature (the key is the same, so the new shares sign
 * for it only because a quorum of the old ones dealt them). Wire: epoch u64 ‖ shareIndex u32 ‖
 * signature 96.
 */
export interface TransitionApproval {
  epoch: number;
  shareIndex: number;
  signature: Uint8Array;
}

export const transitionApprovalCodec = defineCodec<TransitionApproval>({
  name: 'TransitionApproval',
  type: MessageType.TransitionApproval,
  maxBytes: 2 + 8 + 4 + SIGNATURE_BYTES,
  write(writer: Writer, approval: TransitionApproval) {
    writer.u53(approval.epoch).u32(approval.shareIndex).fixed(approval.signature, SIGNATURE_BYTES);
  },
  read(reader: Reader): TransitionApproval {
    return {
      epoch: reader.u53('approval.epoch'),
      shareIndex: reader.u32('approval.shareIndex'),
      signature: reader.fixed(SIGNATURE_BYTES, 'approval.signature'),
    };
  },
});
