// BLS for the contract tests: @synod/protocol's implementation (blst + mcl), nothing local.
export {
  blsSign,
  g1ToEip2537,
  g2ToEip2537,
  insecureTrustedDealer,
  partialSign,
  recoverGroupSignature,
} from '@synod/protocol';
