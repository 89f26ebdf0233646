/**
 * Node configuration: one JSON file, overridable by `SYNOD_*` environment variables and
 * `--<section>.<key>` flags (flags > env > file > defaults), checked against one schema.
 * Reference: docs/operations.md "Configuration".
 */
export { splitConfigFlags } from './argv.ts';
export {
  ConfigError,
  type ConfigErrorCode,
  type ConfigIssue,
  type ConfigSource,
  formatConfigIssue,
  GenesisError,
  type GenesisErrorCode,
} from './errors.ts';
export { checkFeeds, toFeedConfig, toFeedSourceConfig } from './feeds.ts';
export { type ConfigField, describeValue } from './fields.ts';
export { CONFIG_FILE_NAME, defaultConfigPath, readConfigFile, renderInitialConfig } from './file.ts';
export {
  createGenesisJson,
  type Genesis,
  type GenesisJson,
  type GenesisParticipant,
  type GenesisParticipantJson,
  genesisHash,
  genesisToDkgConfig,
  genesisToJson,
  parseGenesis,
  quorumThreshold,
} from './genesis.ts';
export {
  type LoadConfigParameters,
  type LoadedConfig,
  loadConfig,
  MAX_CONFIG_FILE_BYTES,
  RESERVED_ENV_NAMES,
} from './load.ts';
export { renderConfigReference } from './reference.ts';
export {
  CONFIG_KEYS,
  CONFIG_SCHEMA,
  CONFIG_SECTIONS,
  type ConfigKey,
  type ConfigSchema,
  envNameOf,
  type FeedEntry,
  type FeedSourceEntry,
  type SettlementEntry,
  type SynodConfig,
} from './schema.ts';
export { checkSettlement } from './settlement.ts';
