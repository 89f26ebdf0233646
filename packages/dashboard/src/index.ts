// @synod/dashboard: a live web view of a Synod network, served by `pnpm testnet` and by
// `pnpm --filter @synod/dashboard start` for any network (README.md).
export type { DashboardConfig, DashboardL1, DashboardNode, DashboardSettlement } from '../app/types.ts';
export { type ConfigFromNodesOptions, configFromNodes, webSocketUrl } from './discover.ts';
export {
  APP_DIR,
  checkDashboardConfig,
  DashboardError,
  type RunningDashboard,
  type StartDashboardOptions,
  startDashboard,
} from './server.ts';
