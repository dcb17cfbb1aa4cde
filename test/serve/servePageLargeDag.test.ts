/**
 * The DAG picture renders for a real graph of some size: a dataset fed by 120 upstream
 * datasets (241 nodes, 240 edges), built through the CLI, drawn by Graphviz (WASM) in
 * Debian's chromium: one node per task, one edge per dependency, every node coloured by
 * its last status.
 */
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cliRig.js';
import { buildFanInProject, type FanInProject } from '../support/fanInProject.js';
import { startServe, type RunningServe } from '../support/serveRig.js';

const UPSTREAMS = 120;

describe('kfm serve: a large DAG in chromium', () => {
  let project: FanInProject;
  let serve: RunningServe;
  let browser: Browser;

  beforeAll(async () => {
    project = buildFanInProject(UPSTREAMS);
    serve = await startServe(project.dir);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    if (serve?.cli.running) await serve.stop();
    project?.remove();
  });

  it(`draws all ${2 * UPSTREAMS + 1} nodes and ${2 * UPSTREAMS} edges of the sink's DAG`, async () => {
    expect(project.nodes).toHaveLength(2 * UPSTREAMS + 1);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${serve.url}/#/datasets/sink`);
    await page.waitForSelector('#dag[data-ready="true"]', { timeout: 60_000 });
    const drawn = await page.$$eval('#dag svg g.node title', (ts) => ts.map((t) => t.textContent));
    expect(drawn.sort()).toEqual([...project.nodes].sort());
    expect(await page.locator('#dag svg g.edge').count()).toBe(2 * UPSTREAMS);
    const fills = await page.$$eval('#dag svg g.node path, #dag svg g.node polygon', (ps) => [...new Set(ps.map((p) => p.getAttribute('fill')))]);
    expect(fills).toEqual(['#b7e1b0']);
    await page.screenshot({ path: join(REPO_ROOT, 'test', 'artifacts', 'serve-large-dag.png') });
    expect(errors).toEqual([]);
  });
});
