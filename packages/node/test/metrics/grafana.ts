import { readFileSync } from 'node:fs';

/**
 * The Grafana dashboard (dashboards/grafana/synod-node.json) read for tests: its panels, the
 * metric names its PromQL queries, and how they resolve against a node's /metrics text. Used by
 * grafana.test.ts (the JSON's structure) and by the oracle integration test (every name exists on
 * a running node's /metrics; that test's nodes have a feed configured, so even the oracle gauges
 * are registered).
 */

export const DASHBOARD_URL = new URL('../../../../dashboards/grafana/synod-node.json', import.meta.url);

export interface GrafanaTarget {
  datasource?: { type?: string; uid?: string };
  expr?: string;
  refId?: string;
  legendFormat?: string;
}

export interface GrafanaPanel {
  id?: number;
  type?: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: GrafanaTarget[];
  /** Rows: their panels when collapsed. */
  panels?: GrafanaPanel[];
}

export interface GrafanaVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
  definition?: string;
  datasource?: { type?: string; uid?: string };
}

export interface GrafanaDashboard {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  panels: GrafanaPanel[];
  templating: { list: GrafanaVariable[] };
}

export function loadDashboard(): GrafanaDashboard {
  return JSON.parse(readFileSync(DASHBOARD_URL, 'utf8')) as GrafanaDashboard;
}

/** Every panel, rows included, with the panels of collapsed rows. */
export function allPanels(dashboard: GrafanaDashboard): GrafanaPanel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/** The prefixes of the node's metrics: its own, and prom-client's process metrics. */
export const METRIC_PREFIXES = ['synod_', 'process_', 'nodejs_'] as const;

/**
 * A metric name at a token start (not part of a longer identifier, a label matcher or a `$variable`),
 * with the selector that follows it, if any.
 */
const METRIC_REFERENCE = new RegExp(
  `(?<![\\w:$])((?:${METRIC_PREFIXES.join('|')})[a-zA-Z0-9_:]*)\\s*(\\{[^}]*\\})?`,
  'g',
);

/** PromQL with its string literals blanked (same length), so label values never read as names. */
function withoutStrings(expr: string): string {
  return expr.replace(
    /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g,
    (literal) => `${literal[0]}${' '.repeat(literal.length - 2)}${literal[0]}`,
  );
}

export interface MetricReference {
  name: string;
  /** The `{…}` selector right after the name, or undefined. */
  selector: string | undefined;
  /** The query text before the name (to see what wraps it). */
  before: string;
}

/** The metric references of one PromQL expression, in order. */
export function metricReferences(expr: string): MetricReference[] {
  // Match on the blanked text (same offsets), but return the selectors as written.
  const blanked = withoutStrings(expr);
  const references: MetricReference[] = [];
  for (const match of blanked.matchAll(METRIC_REFERENCE)) {
    const start = match.index;
    const selectorStart = start + match[0].length - (match[2]?.length ?? 0);
    const selector = match[2] === undefined ? undefined : expr.slice(selectorStart, start + match[0].length);
    references.push({ name: match[1]!, selector, before: blanked.slice(0, start) });
  }
  return references;
}

/** Every PromQL query of the dashboard: panel targets, then the variables' queries. */
export function dashboardQueries(dashboard: GrafanaDashboard): { where: string; expr: string }[] {
  const queries: { where: string; expr: string }[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      queries.push({ where: `panel ${panel.id} "${panel.title}" ${target.refId}`, expr: target.expr ?? '' });
    }
  }
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const expr = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
    queries.push({ where: `variable $${variable.name}`, expr });
  }
  return queries;
}

/** The distinct metric names the dashboard queries (series names as written: `x_bucket`, `y_total`…). */
export function dashboardMetricNames(dashboard: GrafanaDashboard): string[] {
  const names = new Set<string>();
  for (const { expr } of dashboardQueries(dashboard)) {
    for (const reference of metricReferences(expr)) names.add(reference.name);
  }
  return [...names].sort();
}

/** `# TYPE name type` lines of a Prometheus text exposition: family name → type. */
export function exposedFamilies(text: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (match !== null) families.set(match[1]!, match[2]!);
  }
  return families;
}

const HISTOGRAM_SERIES = /^(.*)_(bucket|sum|count)$/;

/**
 * The family a series name belongs to with its type, or undefined when /metrics has none: the name
 * itself when it is a family (`synod_l1_batch_applied_count` is a gauge, not a `_count`), else the
 * histogram or summary it is a `_bucket`/`_sum`/`_count` series of.
 */
export function resolveFamily(
  name: string,
  families: ReadonlyMap<string, string>,
): { family: string; type: string } | undefined {
  const type = families.get(name);
  if (type !== undefined) return { family: name, type };
  const match = HISTOGRAM_SERIES.exec(name);
  if (match === null) return undefined;
  const familyType = families.get(match[1]!);
  if (familyType === 'histogram' || (familyType === 'summary' && match[2] !== 'bucket')) {
    return { family: match[1]!, type: familyType };
  }
  return undefined;
}

/**
 * Families prom-client registers only on Linux (they read /proc): a node elsewhere does not export
 * them, so the check skips them there.
 */
export const LINUX_ONLY_FAMILIES: readonly string[] = ['process_open_fds', 'process_max_fds'];

/**
 * What is wrong with the dashboard's queries against a node's /metrics text: names with no family
 * there, histograms queried by their bare name (they have only `_bucket`/`_sum`/`_count` series),
 * and counters or histogram series not read through rate()/increase() (their raw value only grows).
 */
export function dashboardProblems(
  dashboard: GrafanaDashboard,
  metricsText: string,
  platform: string = process.platform,
): string[] {
  const families = exposedFamilies(metricsText);
  const problems: string[] = [];
  for (const { where, expr } of dashboardQueries(dashboard)) {
    const variable = where.startsWith('variable');
    for (const { name, before } of metricReferences(expr)) {
      const resolved = resolveFamily(name, families);
      if (resolved === undefined) {
        if (platform !== 'linux' && LINUX_ONLY_FAMILIES.includes(name)) continue;
        problems.push(`${where}: ${name} is not on /metrics (no # TYPE line for it or its family)`);
        continue;
      }
      if (resolved.type === 'histogram' && resolved.family === name) {
        problems.push(`${where}: ${name} is a histogram, query ${name}_bucket/_sum/_count`);
      }
      const cumulative = resolved.type === 'counter' || resolved.type === 'histogram';
      if (cumulative && !variable && !/\b(?:rate|irate|increase)\(\s*$/.test(before)) {
        problems.push(`${where}: ${name} (${resolved.type}) is not inside rate() or increase()`);
      }
    }
  }
  return problems;
}
