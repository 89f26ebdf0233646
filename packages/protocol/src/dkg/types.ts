import type { DkgError } from './errors.ts';

/**
 * Messages, configuration, inputs and outputs of the DKG state machine. Indices are 0-based
 * participant (validator) indices unless the name says Shamir: participant i holds the share at
 * Shamir index i+1.
 */

/** Phase 1: a dealer's Feldman commitments and one encrypted share per participant. */
export interface DkgDeal {
  sessionId: Uint8Array;
  dealerIndex: number;
  /** a_k·G for k = 0..t−1 (48-byte compressed G1 each); a_0·G is the dealer's contribution to the group key. */
  commitments: Uint8Array[];
  /** X25519 ephemeral public key shared by all of this deal's encryptions. */
  ephemeralPublicKey: Uint8Array;
  /** encryptedShares[i] is f(i+1) encrypted to participant i (ciphertext ‖ tag, 48 bytes). */
  encryptedShares: Uint8Array[];
  /** Ed25519 signature by the dealer over DKG_DEAL_TAG ‖ the fields above. */
  signature: Uint8Array;
}

/** Phase 2: the dealers a participant complains about (missing deal, or a share that fails its commitments). */
export interface DkgResponse {
  sessionId: Uint8Array;
  responderIndex: number;
  /** Dealer indices, strictly increasing. Empty means "every deal I hold is fine". */
  complaints: number[];
  signature: Uint8Array;
}

/** A share revealed in public to answer a complaint. */
export interface DkgRevealedShare {
  recipientIndex: number;
  /** f(recipientIndex + 1), 32-byte big-endian scalar below r. */
  secretShare: Uint8Array;
}

/** Phase 3: an accused dealer reveals the shares it was accused of withholding or corrupting. */
export interface DkgJustification {
  sessionId: Uint8Array;
  dealerIndex: number;
  /** Strictly increasing recipient indices. */
  revealedShares: DkgRevealedShare[];
  signature: Uint8Array;
}

export type DkgMessage =
  | { type: 'deal'; deal: DkgDeal }
  | { type: 'response'; response: DkgResponse }
  | { type: 'justification'; justification: DkgJustification };

/** A participant's long-term public keys, agreed before the session (genesis file, registry). */
export interface DkgParticipant {
  /** Ed25519: authenticates this participant's DKG messages. */
  signingPublicKey: Uint8Array;
  /** X25519: dealers encrypt this participant's shares to it. */
  encryptionPublicKey: Uint8Array;
}

/**
 * A reshare (docs/protocol.md "Resharing"): the previous committee (`dealers`) deals sub-shares of
 * its shares of the group secret to `participants`, the new committee; the group key stays.
 * Dealer i is previous validator i, holding Shamir index i+1 of the previous key.
 */
export interface DkgReshare {
  /** The previous committee's long-term keys (a validator in both committees has the same keys in both). */
  dealers: readonly DkgParticipant[];
  /**
   * The previous key's Feldman commitments (the previous DkgResult.commitments): as many as the
   * previous threshold; [0] is the group public key. A dealer's deal must commit to its public
   * share of it as constant term, and at least this many dealers must qualify.
   */
  previousCommitments: readonly Uint8Array[];
}

/**
 * Which of a committee's two threshold keys a session makes (docs/protocol.md "DKG"). 'signing':
 * the BLS key of certificates, threshold the quorum. 'encryption': the committee encryption key,
 * threshold f + 1 (`encryptionThreshold`), whose decryption shares are partial signatures too.
 */
export type DkgPurpose = 'signing' | 'encryption';

/** Public parameters of one session; every participant must hold exactly the same. */
export interface DkgConfig {
  networkId: number;
  epoch: number;
  /** 32 bytes chosen by whoever convenes the session; a new nonce is a new session. */
  nonce: Uint8Array;
  /** Shares needed to sign; Synod uses the quorum n − f for signing and f + 1 for encryption. */
  threshold: number;
  /** Participant i is validator i and holds Shamir index i+1. */
  participants: readonly DkgParticipant[];
  /** Set for a reshare: the dealers are the previous committee, not `participants`. */
  reshare?: DkgReshare;
  /**
   * Undefined or 'signing': the session id of before purposes existed. 'encryption' tags the
   * session id (DKG_ENCRYPTION_SESSION_TAG), so the two keys' sessions of one committee and nonce
   * are distinct sessions.
   */
  purpose?: DkgPurpose;
}

/** This participant's secrets. They stay in the state; persist it as you would a key. */
export interface DkgSecrets {
  /**
   * Our index in `participants`. In a reshare, undefined for a validator that only deals (it
   * leaves the committee); in a DKG every participant deals and receives.
   */
  index: number | undefined;
  /**
   * Reshare only, for a member of the previous committee: its index in `reshare.dealers` and its
   * share secret key of the previous key (what it redeals). Undefined for a joining validator.
   */
  previousShare?: { index: number; secretKey: Uint8Array };
  /** Ed25519 secret key (32-byte seed) matching participants[index].signingPublicKey. */
  signingSecretKey: Uint8Array;
  /** X25519 secret key matching participants[index].encryptionPublicKey. */
  encryptionSecretKey: Uint8Array;
  /** ≥ 32 fresh random bytes for this session: the only source of the polynomial's secrecy. */
  randomness: Uint8Array;
}

export type DkgPhase = 'deal' | 'response' | 'justification' | 'finished' | 'failed';

export type DkgInput =
  | DkgMessage
  /** The driver's timer for a phase ran out. With `phase`, a timeout for a phase already over is ignored. */
  | { type: 'phaseTimeout'; phase?: DkgPhase };

/**
 * Why an input message was dropped. `DUPLICATE` and `LATE` are harmless (gossip: IGNORE); the
 * others mean the sender or a relay misbehaves (gossip: REJECT).
 */
export type DkgRejectCode =
  /** Another session's message: replayed or misrouted. */
  | 'WRONG_SESSION'
  /** Sender index outside the committee. */
  | 'UNKNOWN_SENDER'
  /** Field sizes, list order or indices that no honest participant produces. */
  | 'MALFORMED'
  /** Not signed by the participant it names. */
  | 'BAD_SIGNATURE'
  /** Already processed (same signed content). */
  | 'DUPLICATE'
  /** Arrived after the phase it belongs to. */
  | 'LATE';

/** Why a dealer is not in QUAL. */
export type DkgExclusionReason =
  /** No deal arrived during the deal phase. */
  | 'MISSING_DEAL'
  /** Signed deal with the wrong number of commitments or shares, or a commitment that is not a valid G1 point. */
  | 'INVALID_DEAL'
  /** Two different signed deals. */
  | 'EQUIVOCATION'
  /** A complaint against it got no valid revealed share. */
  | 'UNANSWERED_COMPLAINT'
  /** It revealed a share that does not match its commitments. */
  | 'INVALID_JUSTIFICATION'
  /** Reshare: its polynomial's constant term is not its share of the previous key (commitment 0 ≠ its public share). */
  | 'WRONG_PREVIOUS_SHARE';

/** What every participant of a session learns: the new key's public part and who qualified. */
export interface DkgPublicOutcome {
  /**
   * Σ C_{j,0} over QUAL: the group public key (48-byte compressed G1). In a reshare
   * Σ λ_j C_{j,0}, which equals the previous group key.
   */
  groupPublicKey: Uint8Array;
  /**
   * Σ C_{j,k} over QUAL for k = 0..t−1 (in a reshare Σ λ_j C_{j,k}, λ the Lagrange weights at 0
   * over QUAL's previous Shamir indices): any share public key follows (sharePublicKeyFromCommitments).
   */
  commitments: Uint8Array[];
  /** Qualified dealers (0-based dealer indices), increasing. */
  qualified: number[];
  excluded: { dealerIndex: number; reason: DkgExclusionReason }[];
}

export interface DkgResult extends DkgPublicOutcome {
  /** This participant's Shamir index (index + 1). */
  shareIndex: number;
  /** Σ f_j(shareIndex) over QUAL (in a reshare Σ λ_j f_j(shareIndex)), 32-byte big-endian. */
  shareSecretKey: Uint8Array;
  sharePublicKey: Uint8Array;
}

export type DkgOutput =
  /** Send to every participant (gossip). `bytes` is the wire encoding of `message`. */
  | { type: 'broadcast'; message: DkgMessage; bytes: Uint8Array }
  /** A phase began: the driver starts its timer and feeds `phaseTimeout` when it expires. */
  | { type: 'phaseStarted'; phase: 'deal' | 'response' | 'justification' }
  /** The input message was dropped. `senderIndex` is the index the message claims, when it has one. */
  | { type: 'rejected'; code: DkgRejectCode; senderIndex?: number }
  /** A dealer signed two different deals; it is excluded (the evidence is both signed deals). */
  | { type: 'equivocation'; dealerIndex: number; first: DkgDeal; second: DkgDeal }
  | { type: 'finished'; result: DkgResult }
  /** Reshare, for a dealer that is not in the new committee: its part is done, it holds no new share. */
  | { type: 'handedOver'; outcome: DkgPublicOutcome }
  | { type: 'failed'; error: DkgError; excluded: DkgResult['excluded'] };
