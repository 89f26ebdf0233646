/**
 * Who posts which header (docs/operations.md "L1 settlement", "Rotation").
 *
 * The designated submitter of height h is validator `floor(h / k) mod n`, with k the posting
 * interval (postEveryHeaders) and n the committee size: each validator owns one window of k
 * consecutive heights in turn, so the k-th headers rotate through the whole committee. The
 * plain `h mod n` would not rotate when k and n share a factor (k = 16, n = 4 puts every
 * interval header on validator 0, a single point of failure); with k = 1 both rules agree.
 *
 * Validator i is `distance(i, h) = (i − designated(h)) mod n` steps behind the designated one
 * and posts h itself once it has waited `distance × takeoverTimeoutMs` without seeing h (or a
 * higher height) in the inbox. Pure.
 */

function assertCommittee(validatorIndex: number, committeeSize: number): void {
  if (!Number.isSafeInteger(committeeSize) || committeeSize < 1) {
    throw new RangeError(`committeeSize must be a positive integer, got ${committeeSize}`);
  }
  if (!Number.isSafeInteger(validatorIndex) || validatorIndex < 0 || validatorIndex >= committeeSize) {
    throw new RangeError(`validatorIndex must be in [0, ${committeeSize}), got ${validatorIndex}`);
  }
}

/** Index of the validator that posts height `height` first. */
export function designatedSubmitter(height: number, committeeSize: number, postEveryHeaders: number): number {
  assertCommittee(0, committeeSize);
  if (!Number.isSafeInteger(postEveryHeaders) || postEveryHeaders < 1) {
    throw new RangeError(`postEveryHeaders must be a positive integer, got ${postEveryHeaders}`);
  }
  return Math.floor(height / postEveryHeaders) % committeeSize;
}

/** Steps of `validatorIndex` behind the designated submitter of `height` (0 = designated). */
export function rotationDistance(
  validatorIndex: number,
  height: number,
  committeeSize: number,
  postEveryHeaders: number,
): number {
  assertCommittee(validatorIndex, committeeSize);
  const designated = designatedSubmitter(height, committeeSize, postEveryHeaders);
  return (validatorIndex - designated + committeeSize) % committeeSize;
}
