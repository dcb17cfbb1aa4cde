/**
 * The lineage page in a real browser: Debian's chromium driven by playwright-core against
 * `kfm serve` on 127.0.0.1, over the Kansas pipeline built, promoted and projected. The
 * status page shows the three datasets healthy; the DAG picture (Graphviz in WASM) has one
 * node per task; the map (maplibre-gl over the PMTiles archive) draws features; every
 * citation resolves; a denied promotion shows as degraded with its reason. Screenshots go
 * to test/artifacts/ (gitignored).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileProjectLock } from '../../store/projectLock.js';
import { State } from '../../store/state.js';
import { KFM_BIN, REPO_ROOT } from '../support/cliRig.js';
import { buildKansasProject, KANSAS_SLUGS, type KansasProject } from '../support/kansasProject.js';
import { projectLiveVersions } from '../support/serveProjections.js';
import { denyPlacesPromotion, startServe, type RunningServe } from '../support/serveRig.js';

const ARTIFACTS = join(REPO_ROOT, 'test', 'artifacts');

/** Run in the page: the map canvas copied to a 2D canvas, its pixels counted as background (#f4f3ee) or not. */
const COUNT_PIXELS = `(() => {
  const source = document.querySelector('#map canvas');
  const copy = document.createElement('canvas');
  copy.width = source.width;
  copy.height = source.height;
  const ctx = copy.getContext('2d');
  ctx.drawImage(source, 0, 0);
  const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
  let background = 0;
  let feature = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - 0xf4) + Math.abs(data[i + 1] - 0xf3) + Math.abs(data[i + 2] - 0xee) <= 6) background++;
    else feature++;
  }
  return { background, feature, total: data.length / 4 };
})()`;

describe('kfm serve: the lineage page in chromium', () => {
  let project: KansasProject;
  let serve: RunningServe;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  const open = async (hash: string) => {
    await page.goto(`${serve.url}/${hash}`);
    await page.waitForSelector('main[data-ready="true"]');
  };
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
  /** Every citation on the page resolves: its link answers 200 with the EvidenceRef it names. */
  const expectCitationsResolve = async () => {
    const links = await page.$$eval('a.citation', (as) => as.map((a) => ({ href: a.getAttribute('href')!, ref: a.getAttribute('title') })));
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      const res = await fetch(new URL(link.href, serve.url));
      expect([link.ref, res.status]).toEqual([link.ref, 200]);
      expect(((await res.json()) as { ref: string }).ref).toBe(link.ref);
    }
    return links.length;
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    project = buildKansasProject();
    expect(await projectLiveVersions(project.dir)).toEqual([...KANSAS_SLUGS]);
    serve = await startServe(project.dir);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    if (serve?.cli.running) await serve.stop();
    project?.remove();
  });

  it('the status page shows the three Kansas datasets healthy, each with its live version', async () => {
    await open('');
    for (const slug of KANSAS_SLUGS) {
      const row = page.locator(`tr[data-dataset="${slug}"]`);
      expect(await row.locator('.badge').getAttribute('data-badge')).toBe('healthy');
      expect(await row.locator('td.live').innerText()).toBe(project.dvids[slug]);
    }
    expect(await page.locator('tr[data-dataset]').count()).toBe(3);
    await shot('serve-status.png');
  });

  it('a running build shows as running on the status page, which redraws itself when the answer changes', async () => {
    await open('');
    const lock = new FileProjectLock(project.paths.kfmDir);
    const state = State.open(project.paths.statePath);
    await lock.acquire('kfm build ks_counties', () => undefined);
    try {
      state.beginRun({ runId: 'page-test-running', startedAt: new Date().toISOString(), targets: ['ks_counties'], jobs: 1 });
      await page.waitForSelector('tr[data-dataset="ks_counties"] .badge[data-badge="running"]', { timeout: 30_000 });
      expect(await page.locator('tr[data-dataset="ks_places"] .badge').getAttribute('data-badge')).toBe('healthy');
      await shot('serve-running.png');
      state.endRun('page-test-running', new Date().toISOString(), 'succeeded', []);
    } finally {
      await lock.close();
      state.db.close();
    }
    await page.waitForSelector('tr[data-dataset="ks_counties"] .badge[data-badge="healthy"]', { timeout: 30_000 });
  });

  it('the DAG picture has one node per task; the map draws features from the published tiles', async () => {
    await open('#/datasets/ks_places_per_county');
    await page.waitForSelector('#dag[data-ready="true"]', { timeout: 30_000 });
    const graph = spawnSync(process.execPath, [KFM_BIN, 'graph', '--json', 'ks_places_per_county'], { cwd: project.dir, encoding: 'utf8' });
    const tasks = (JSON.parse(graph.stdout) as { nodes: { id: string }[] }).nodes.map((n) => n.id);
    const drawn = await page.$$eval('#dag svg g.node title', (ts) => ts.map((t) => t.textContent));
    expect(drawn.sort()).toEqual([...tasks].sort());
    // Nodes are filled by their last status: every task here last executed.
    const fills = await page.$$eval('#dag svg g.node path, #dag svg g.node polygon', (ps) => [...new Set(ps.map((p) => p.getAttribute('fill')))]);
    expect(fills).toEqual(['#b7e1b0']);

    await page.waitForSelector('#map[data-ready="true"]', { timeout: 60_000 });
    expect(await page.getAttribute('#map', 'data-source')).toBe('pmtiles');
    expect(Number(await page.getAttribute('#map', 'data-features'))).toBeGreaterThan(0);
    const painted = (await page.evaluate(COUNT_PIXELS)) as { background: number; feature: number; total: number };
    expect(painted.feature).toBeGreaterThan(painted.total / 10);
    expect(painted.background).toBeGreaterThan(0);
    await shot('serve-dataset.png');
  });

  it("a version's page: gates table, QA report, receipts, rerun mode and reason; every citation resolves", async () => {
    await open(`#/datasets/ks_places/versions/${project.dvids.ks_places}`);
    const gates = await page.$$eval('table.gates tr[data-gate]', (rows) => rows.map((r) => `${r.getAttribute('data-gate')} ${r.querySelectorAll('td')[2]!.textContent}`));
    expect(gates).toEqual(['A PASS', 'B PASS', 'C PASS', 'D PASS', 'E PASS', 'F PASS', 'G PASS']);
    expect(await page.locator('table.qa tbody tr').count()).toBe(5);
    expect(await page.locator('table.receipts tbody tr').count()).toBe(5);
    expect(await page.locator('dd.mode').innerText()).toBe('new');
    expect(await page.locator('dd.mode-reason').innerText()).toBe('no version of ks_places@2017 yet');
    expect(await expectCitationsResolve()).toBeGreaterThanOrEqual(4 + 5 + 2);
    await shot('serve-version.png');
  });

  it("a receipt's page: decoded, its signature verified, its place in the chain; its subjects resolve", async () => {
    await open(`#/datasets/ks_places/versions/${project.dvids.ks_places}`);
    await page.locator('table.receipts a.receipt-link').last().click();
    await page.waitForSelector('dd.signature');
    await page.waitForSelector('main[data-ready="true"]');
    expect(await page.locator('h1').innerText()).toMatch(/^Receipt [0-9]+ \(run_receipt\)$/);
    expect(await page.locator('dd.signature').innerText()).toMatch(/^verified with pinned key sha256:[0-9a-f]{64}$/);
    expect(await page.locator('dd.chain').innerText()).toMatch(/^intact: entry sha256:/);
    // The promote receipt: the artifacts it publishes and the promotion manifest.
    expect(await page.locator('table.subjects tbody tr').count()).toBeGreaterThanOrEqual(2);
    await expectCitationsResolve();
    await shot('serve-receipt.png');
  });

  it('search hits link to EvidenceRefs that resolve', async () => {
    await page.fill('header input[name="q"]', 'Topeka');
    await page.press('header input[name="q"]', 'Enter');
    await page.waitForSelector('table.hits');
    await page.waitForSelector('main[data-ready="true"]');
    expect(await page.locator('table.hits tbody tr').count()).toBeGreaterThan(0);
    await expectCitationsResolve();
  });

  it('without published tiles the map draws the live version from its GeoJSON artifact', async () => {
    for (const ext of ['pmtiles', 'mbtiles']) rmSync(join(project.dir, 'projections', 'tiles', `ks_places.${ext}`));
    await open('#/datasets/ks_places');
    await page.waitForSelector('#map[data-ready="true"]', { timeout: 60_000 });
    expect(await page.getAttribute('#map', 'data-source')).toBe('geojson');
    expect(Number(await page.getAttribute('#map', 'data-features'))).toBeGreaterThan(0);
    const painted = (await page.evaluate(COUNT_PIXELS)) as { background: number; feature: number; total: number };
    expect(painted.feature).toBeGreaterThan(0);
    expect(painted.background).toBeGreaterThan(painted.total / 2);
  });

  it('a denied promotion shows as degraded, with its reason', async () => {
    const denied = denyPlacesPromotion(project);
    expect(denied.status).toBe('denied');
    await open('');
    const row = page.locator('tr[data-dataset="ks_places"]');
    expect(await row.locator('.badge').getAttribute('data-badge')).toBe('degraded');
    expect(await row.locator('.badge-reason').innerText()).toBe(`promotion of ${denied.dvid} denied (B DENY): latest_version_id stays ${project.dvids.ks_places}`);
    expect(await row.locator('td.live').innerText()).toBe(project.dvids.ks_places);
    expect(await page.locator('tr[data-dataset="ks_counties"] .badge').getAttribute('data-badge')).toBe('healthy');
    await shot('serve-denied.png');
    await open(`#/datasets/ks_places/versions/${denied.dvid}`);
    expect(await page.locator('table.gates tr[data-gate="B"] td.answer-DENY').innerText()).toBe('DENY');
    expect(await page.locator('li.promotion[data-decision="denied"]').count()).toBe(1);
    await expectCitationsResolve();
    await shot('serve-denied-version.png');
    expect(pageErrors).toEqual([]);
  });
});
