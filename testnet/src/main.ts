// `pnpm testnet` until issue #9 lands: say so plainly and fail, so nobody mistakes it for a running network.
process.stderr.write(
  'synod testnet: not built yet. The local multi-node network arrives with issue #9; today `pnpm test` exercises what exists.\n',
);
process.exit(1);
