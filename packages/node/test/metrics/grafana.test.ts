import { describe, expect, test } from 'vitest';
import {
  allPanels,
  dashboardMetricNames,
  dashboardProblems,
  dashboardQueries,
  loadDashboard,
  metricReferences,
  resolveFamily,
} from './grafana.ts';

/**
 * The Grafana dashboard dashboards/grafana/synod-node.json (docs/monitoring.md): its structure,
 * and the checker that reads metric names out of its queries. That every name it queries exists
 * on a running node's /metrics is checked by the oracle integration test
 * (test/integration/oracle.test.ts), whose nodes register every family, the oracle's included.
 */

const dashboard = loadDashboard();
const panels = allPanels(dashboard);
const rows = panels.filter((panel) => panel.type === 'row');
const graphs = panels.filter((panel) => panel.type !== 'row');
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template.
const DATASOURCE = '${datasource}';

describe('Grafana dashboard JSON', () => {
  test('is a Grafana 10/11 dashboard with a Prometheus datasource variable and job/node variables', () => {
    expect(dashboard.uid).toBe('synod-node');
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(41);
    const variables = new Map(dashboard.templating.list.map((variable) => [variable.name, variable]));
    expect(variables.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const name of ['job', 'node']) {
      expect(variables.get(name), `variable $${name}`).toMatchObject({
        type: 'query',
        datasource: { type: 'prometheus', uid: DATASOURCE },
      });
    }
  });

  test('has a row per area', () => {
    const titles = rows.map((row) => row.title ?? '');
    for (const area of [
      /consensus/i,
      /p2p/i,
      /mempool/i,
      /storage/i,
      /rpc/i,
      /l1/i,
      /oracle/i,
      /encrypted/i,
      /node\.js/i,
    ]) {
      expect(
        titles.some((title) => area.test(title)),
        `a row matching ${area} in ${titles.join(', ')}`,
      ).toBe(true);
    }
  });

  test('every panel has a unique id, the $datasource variable as datasource, a description and non-empty queries', () => {
    const ids = panels.map((panel) => panel.id);
    expect(ids.every((id) => Number.isInteger(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(graphs.length).toBeGreaterThanOrEqual(40);
    for (const panel of graphs) {
      const name = `panel ${panel.id} "${panel.title}"`;
      expect(panel.title, name).toBeTruthy();
      expect(panel.datasource, name).toEqual({ type: 'prometheus', uid: DATASOURCE });
      expect(panel.description?.length ?? 0, `${name} description`).toBeGreaterThanOrEqual(60);
      expect(panel.targets?.length ?? 0, `${name} targets`).toBeGreaterThan(0);
      const refIds = panel.targets!.map((target) => target.refId);
      expect(new Set(refIds).size, `${name} refIds`).toBe(refIds.length);
      for (const target of panel.targets!) {
        expect(target.expr?.trim(), `${name} ${target.refId} expr`).toBeTruthy();
        expect(target.datasource?.uid ?? DATASOURCE, `${name} ${target.refId} datasource`).toBe(DATASOURCE);
      }
    }
  });

  test('every query names a metric and selects it by $job and $node', () => {
    for (const { where, expr } of dashboardQueries(dashboard)) {
      const references = metricReferences(expr);
      expect(references.length, `${where}: ${expr}`).toBeGreaterThan(0);
      if (where.startsWith('variable')) continue;
      for (const { name, selector } of references) {
        expect(selector ?? '', `${where}: ${name}`).toContain('job=~"$job"');
        expect(selector ?? '', `${where}: ${name}`).toContain('node=~"$node"');
      }
    }
  });

  test('panels lie in the 24-column grid without overlapping', () => {
    const boxes = panels.map((panel) => ({ id: panel.id, ...panel.gridPos! }));
    for (const box of boxes) {
      expect(box.x + box.w, `panel ${box.id}`).toBeLessThanOrEqual(24);
      expect(box.h, `panel ${box.id}`).toBeGreaterThan(0);
    }
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `panels ${a.id} and ${b.id} overlap`).toBe(false);
      }
    }
  });

  test('the extraction finds the metric names of every area (so the /metrics check cannot pass vacuously)', () => {
    const names = dashboardMetricNames(dashboard);
    expect(names.length).toBeGreaterThanOrEqual(60);
    for (const name of [
      'synod_storage_latest_height',
      'synod_consensus_commit_latency_seconds_bucket',
      'synod_p2p_peer_score',
      'synod_gossip_messages_total',
      'synod_mempool_admissions_total',
      'synod_storage_commit_seconds_bucket',
      'synod_rpc_request_duration_seconds_count',
      'synod_l1_backlog',
      'synod_l1_batch_applied_count',
      'synod_oracle_feed_stale',
      'synod_encrypted_reveals_total',
      'synod_invalid_decryption_shares_total',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(names, name).toContain(name);
    }
  });
});

describe('dashboard metric checker', () => {
  test('reads names, not label values, variables or label names', () => {
    const references = metricReferences(
      'histogram_quantile(0.99, sum by (le, node) (rate(synod_a_seconds_bucket{job=~"$job", node=~"$node", code="synod_not_a_name"}[$__rate_interval]))) / synod_b',
    );
    expect(references.map((reference) => reference.name)).toEqual(['synod_a_seconds_bucket', 'synod_b']);
    expect(references[0]!.selector).toBe('{job=~"$job", node=~"$node", code="synod_not_a_name"}');
    expect(references[1]!.selector).toBeUndefined();
  });

  test('resolves histogram series to their family, but a gauge named *_count is its own family', () => {
    const families = new Map([
      ['synod_h_seconds', 'histogram'],
      ['synod_applied_count', 'gauge'],
    ]);
    expect(resolveFamily('synod_h_seconds_bucket', families)).toEqual({
      family: 'synod_h_seconds',
      type: 'histogram',
    });
    expect(resolveFamily('synod_h_seconds_count', families)?.family).toBe('synod_h_seconds');
    expect(resolveFamily('synod_applied_count', families)).toEqual({
      family: 'synod_applied_count',
      type: 'gauge',
    });
    expect(resolveFamily('synod_applied', families)).toBeUndefined();
    expect(resolveFamily('synod_renamed_bucket', families)).toBeUndefined();
  });

  test('reports missing names, bare histograms and counters read without rate()', () => {
    const text = [
      '# HELP synod_c_total c',
      '# TYPE synod_c_total counter',
      '# HELP synod_h_seconds h',
      '# TYPE synod_h_seconds histogram',
    ].join('\n');
    const target = (expr: string) => ({ datasource: { uid: DATASOURCE }, expr, refId: 'A' });
    const problems = dashboardProblems(
      {
        panels: [
          { id: 1, title: 'ok', targets: [target('rate(synod_c_total{}[1m])')] },
          { id: 2, title: 'raw counter', targets: [target('synod_c_total{}')] },
          { id: 3, title: 'bare histogram', targets: [target('rate(synod_h_seconds{}[1m])')] },
          { id: 4, title: 'missing', targets: [target('synod_gone{}')] },
        ],
        templating: { list: [] },
      },
      text,
      'linux',
    );
    expect(problems).toEqual([
      'panel 2 "raw counter" A: synod_c_total (counter) is not inside rate() or increase()',
      'panel 3 "bare histogram" A: synod_h_seconds is a histogram, query synod_h_seconds_bucket/_sum/_count',
      'panel 4 "missing" A: synod_gone is not on /metrics (no # TYPE line for it or its family)',
    ]);
  });
});
