/**
 * What the runner uses of the node package in-process: genesis assembly, committee.json parsing
 * and config validation. Imported by path because @synod/node has no package index yet (its
 * runtime is being assembled, like packages/sdk/test/helpers/node.ts notes); when it has one,
 * this file becomes re-exports `from '@synod/node'`. Everything else goes through the `synod` CLI,
 * as an operator would.
 */
export {
  createGenesisJson,
  type GenesisJson,
  type GenesisParticipantJson,
  parseGenesis,
  quorumThreshold,
} from '../../packages/node/src/config/genesis.ts';
export { ConfigError, loadConfig, type SynodConfig } from '../../packages/node/src/config/index.ts';
export { proposerIndex } from '../../packages/node/src/consensus/core.ts';
export { type CommitteeJson, parseCommittee } from '../../packages/node/src/dkg/committee.ts';
