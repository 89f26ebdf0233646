import { mkdir } from 'node:fs/promises';
import { renderInitialConfig } from '../../config/file.ts';
import { fileExists, SECRET_DIR_MODE, writeFileAtomic } from '../../keys/files.ts';
import { dataDirLayout } from '../../keys/layout.ts';
import { generateNodeKeys, publicKeysOf, writeNodeKeys } from '../../keys/nodeKeys.ts';
import { KEYSTORE_PASSWORD_ENV, readKeystorePassword } from '../../keys/password.ts';
import { DATA_DIR_FLAG, JSON_FLAG, PASSWORD_FILE_FLAG, resolveConfig } from '../common.ts';
import { type Command, ExitCode } from '../types.ts';
import { formatPublicKeys, participantEntry } from './describe.ts';

export const initCommand: Command = {
  name: 'init',
  summary: 'Create a data dir: libp2p identity, Ethereum account, DKG keys and a config file.',
  description: [
    'Creates the data directory (0700) and generates, each in its own 0600 file under keys/: the libp2p Ed25519 identity (p2p.key), the Ethereum account that pays for L1 submissions (ethereum.key) and the seed of the DKG long-term keys (dkg.seed). Writes config.json (unless one exists) with any --<section>.<key> given here.',
    'Prints the peer id, the p2p address to hand out, the Ethereum address and the DKG public keys, and the JSON entry to send to whoever assembles the genesis file.',
    'Refuses to touch a data dir that already has keys, unless --force. Never replace the keys of a validator that is already in a committee: its peers know it by them.',
    `The BLS share keystore is written later, by \`synod dkg\`. If --password-file or ${KEYSTORE_PASSWORD_ENV} is given here, it is checked now so a bad password source fails early.`,
  ].join('\n\n'),
  flags: [
    DATA_DIR_FLAG,
    { name: 'force', type: 'boolean', description: 'Replace existing keys and config.json (new identity!).' },
    PASSWORD_FILE_FLAG,
    JSON_FLAG,
  ],
  readsConfig: true,
  examples: [
    'synod init --data-dir /var/lib/synod',
    'synod init --data-dir ./v1 --p2p.listenAddresses /ip4/0.0.0.0/tcp/9001 --rpc.port 8646',
  ],
  async run({ flags, configArgv, io }) {
    const force = flags.force === true;
    // Validates every override (and the env) before anything is written.
    const resolved = await resolveConfig({ flags: { 'data-dir': flags['data-dir'] }, configArgv, io });
    const { config, dataDir } = resolved;
    const layout = dataDirLayout(dataDir);

    let passwordChecked = false;
    if (typeof flags['password-file'] === 'string' || io.env[KEYSTORE_PASSWORD_ENV] !== undefined) {
      await readKeystorePassword({ passwordFile: flags['password-file'] as string | undefined, env: io.env });
      passwordChecked = true;
    }

    await mkdir(dataDir, { recursive: true, mode: SECRET_DIR_MODE });
    const keys = await generateNodeKeys();
    await writeNodeKeys(layout, keys, { overwrite: force });

    const overrides: Record<string, unknown> = {};
    for (const [key, source] of Object.entries(resolved.sources)) {
      if (source !== 'flag' || key === 'node.dataDir') continue;
      const [section, name] = key.split('.') as [keyof typeof config, string];
      overrides[key] = (config[section] as Record<string, unknown>)[name];
    }
    const configExisted = await fileExists(layout.config);
    const writeConfig = !configExisted || force;
    if (writeConfig)
      await writeFileAtomic(layout.config, renderInitialConfig(overrides), { mode: 0o644, overwrite: true });

    const publicKeys = publicKeysOf(keys);
    const entry = participantEntry(publicKeys, config);
    if (flags.json === true) {
      io.stdout(`${JSON.stringify({ dataDir, ...publicKeys, genesisParticipant: entry }, null, 2)}\n`);
      return ExitCode.ok;
    }
    io.stdout(
      [
        `Initialised ${dataDir}`,
        formatPublicKeys(publicKeys, config),
        '',
        writeConfig
          ? `Wrote ${layout.config}.`
          : `Kept the existing ${layout.config}${Object.keys(overrides).length > 0 ? ' (the overrides given were not written into it)' : ''}.`,
        passwordChecked
          ? 'Keystore password: readable and long enough.'
          : `Keystore password: none checked; \`synod dkg\` will need --password-file or ${KEYSTORE_PASSWORD_ENV}.`,
        '',
        'Genesis participant entry (send it to whoever assembles genesis.json; replace any <public-ip>):',
        JSON.stringify(entry, null, 2),
        '',
        `Next: put the genesis file at ${config.network.genesisFile} (network.genesisFile), then run \`synod dkg --data-dir ${dataDir}\`.`,
        '',
      ].join('\n'),
    );
    return ExitCode.ok;
  },
};
