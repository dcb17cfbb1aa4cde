// The kfm lineage page: plain ES modules over the read-only API (no bundler, no CDN).
// Routes (hash): #/ datasets and badges; #/datasets/<slug> versions, DAG and map;
// #/datasets/<slug>/versions/<dvid> gates, QA report, receipts, rerun mode and reason;
// #/receipts/<seq> one receipt decoded and verified; #/search?q=… search hits. Every
// citation links to /api/v1/evidence?ref=<EvidenceRef>.

const app = document.getElementById('app');

const DAG_COLOURS = {
  executed: '#b7e1b0',
  cached: '#d9efd4',
  failed: '#f4a6a6',
  skipped: '#f6d49a',
  running: '#a9c8f0',
  'never-run': '#ffffff',
};

const esc = (v) =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const dash = (v) => (v === null || v === undefined || v === '' ? '–' : esc(v));

async function api(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${body.error_code}: ${body.message} (${body.audit_ref})`);
  return body;
}

/** A citation: a link that resolves the EvidenceRef through the API. */
export function cite(ref, label) {
  return `<a class="citation" href="/api/v1/evidence?ref=${encodeURIComponent(ref)}" title="${esc(ref)}">${esc(label ?? ref)}</a>`;
}

const badge = (b, reason) => `<span class="badge badge-${esc(b)}" data-badge="${esc(b)}" title="${esc(reason)}">${esc(b)}</span>`;
const versionLink = (slug, dvid) => (dvid ? `<a href="#/datasets/${esc(slug)}/versions/${esc(dvid)}">${esc(dvid)}</a>` : '–');
const runCell = (r) => (r ? `<span class="mono">${esc(r.run_id)}</span> ${esc(r.status)}<br><span class="reason">${esc(r.ended_at ?? r.started_at)}</span>` : '–');

/** The status page polls while it is shown, and redraws only when the answer changed (a build starts or ends, a promotion). */
let refresh;
const REFRESH_MS = 5000;

async function statusPage() {
  const first = await api('/api/v1/lineage/status');
  document.title = 'kfm lineage: datasets';
  renderStatus(first.datasets);
  let last = JSON.stringify(first);
  refresh = setInterval(async () => {
    try {
      const next = await api('/api/v1/lineage/status');
      const text = JSON.stringify(next);
      if (text !== last && (location.hash.replace(/^#/, '') || '/') === '/') {
        last = text;
        renderStatus(next.datasets);
      }
    } catch {
      // The next poll tries again; the page keeps what it shows.
    }
  }, REFRESH_MS);
}

function renderStatus(datasets) {
  const rows = datasets
    .map(
      (d) => `<tr data-dataset="${esc(d.dataset_slug)}">
        <td><a href="#/datasets/${esc(d.dataset_slug)}">${esc(d.dataset_slug)}</a><br><span class="reason">${esc(d.title)}</span></td>
        <td>${badge(d.badge, d.badge_reason)}<br><span class="reason badge-reason">${esc(d.badge_reason)}</span></td>
        <td class="live">${versionLink(d.dataset_slug, d.current_dataset_version_id)}</td>
        <td>${versionLink(d.dataset_slug, d.newest_dataset_version_id)} ${dash(d.newest_status)}</td>
        <td class="status-${esc(d.validation_status)}">${esc(d.validation_status)}</td>
        <td>${runCell(d.last_attempted_run)}</td>
        <td>${runCell(d.last_successful_run)}</td>
        <td>validated ${dash(d.freshness.last_validated_at)}<br>promoted ${dash(d.freshness.last_promoted_at)}</td>
        <td>${esc(d.policy_label)}</td>
      </tr>`,
    )
    .join('');
  app.innerHTML = `<h1>Datasets</h1><p class="reason">refreshed every ${REFRESH_MS / 1000} s while shown</p>
    <table class="datasets"><thead><tr><th>dataset</th><th>badge</th><th>live version</th><th>newest</th><th>QA</th><th>last attempted run</th><th>last successful run</th><th>freshness</th><th>policy</th></tr></thead>
    <tbody>${rows || '<tr><td colspan="9">no registered datasets</td></tr>'}</tbody></table>`;
}

async function datasetPage(slug) {
  const [{ dataset, lineage }, { versions }] = await Promise.all([api(`/api/v1/datasets/${slug}`), api(`/api/v1/datasets/${slug}/versions`)]);
  document.title = `kfm lineage: ${slug}`;
  const rows = versions
    .slice()
    .reverse()
    .map(
      (v) => `<tr data-version="${esc(v.dataset_version_id)}"><td>${v.latest ? '★ ' : ''}${versionLink(slug, v.dataset_version_id)}</td><td>${esc(v.mode)}</td><td>${esc(v.status)}</td>
        <td>${v.qa ? `<span class="status-${esc(v.qa.status)}">${esc(v.qa.status)}</span>` : '–'}</td><td>${v.receipts.length}</td><td>${esc(v.created_at)}</td></tr>`,
    )
    .join('');
  app.innerHTML = `<h1>${esc(slug)} ${lineage ? badge(lineage.badge, lineage.badge_reason) : ''}</h1>
    <p>${esc(dataset.title)} · ${esc(dataset.policy_label)} · live ${versionLink(slug, dataset.latest_version_id)}${lineage ? ` · <span class="reason">${esc(lineage.badge_reason)}</span>` : ''}</p>
    <h2>Versions</h2>
    <table class="versions"><thead><tr><th>version</th><th>mode</th><th>status</th><th>QA</th><th>receipts</th><th>created</th></tr></thead><tbody>${rows}</tbody></table>
    <div class="grid">
      <section><h2>DAG</h2><div class="legend">${Object.entries(DAG_COLOURS)
        .map(([s, c]) => `<span><i style="background:${c}"></i>${s}</span>`)
        .join('')}</div><div id="dag">drawing…</div></section>
      <section><h2>Map</h2><div id="map"></div><p id="map-note" class="reason"></p></section>
    </div>`;
  await Promise.all([drawDag(slug), drawMap(slug, dataset.latest_version_id)]);
}

async function drawDag(slug) {
  const el = document.getElementById('dag');
  try {
    const dag = await api(`/api/v1/datasets/${slug}/dag`);
    const viz = await Viz.instance();
    const svg = viz.renderSVGElement(dag.dot);
    el.replaceChildren(svg);
    el.dataset.nodes = String(dag.nodes.length);
    el.dataset.ready = 'true';
  } catch (e) {
    el.innerHTML = `<p class="error">${esc(e.message)}</p>`;
    el.dataset.ready = 'error';
  }
}

let protocolAdded = false;

async function drawMap(slug, live) {
  const el = document.getElementById('map');
  const note = document.getElementById('map-note');
  if (!live) {
    note.textContent = 'nothing promoted yet: no published tiles';
    el.dataset.ready = 'none';
    return;
  }
  const url = `${location.origin}/tiles/${slug}.pmtiles`;
  const head = await fetch(url, { method: 'HEAD' });
  if (!head.ok) return drawGeojson(el, note, slug, live);
  if (!protocolAdded) {
    maplibregl.addProtocol('pmtiles', new pmtiles.Protocol().tile);
    protocolAdded = true;
  }
  const archive = new pmtiles.PMTiles(url);
  const [header, metadata] = await Promise.all([archive.getHeader(), archive.getMetadata()]);
  const layers = (metadata.vector_layers ?? []).flatMap((l, i) => geometryLayers(l.id, 'kfm', l.id, COLOURS[i % COLOURS.length]));
  const map = new maplibregl.Map({
    container: el,
    style: { version: 8, sources: { kfm: { type: 'vector', url: `pmtiles://${url}` } }, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f4f3ee' } }, ...layers] },
    bounds: [
      [header.minLon, header.minLat],
      [header.maxLon, header.maxLat],
    ],
    fitBoundsOptions: { padding: 12 },
    attributionControl: false,
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  window.kfmMap = map;
  map.on('click', (e) => {
    const f = map.queryRenderedFeatures(e.point)[0];
    if (!f) return;
    const ref = f.properties?.evidence_ref;
    new maplibregl.Popup().setLngLat(e.lngLat).setHTML(`<strong>${esc(f.properties?.name ?? f.sourceLayer)}</strong>${ref ? `<br>${cite(ref, 'evidence')}` : ''}`).addTo(map);
  });
  await new Promise((resolve) => map.once('idle', resolve));
  el.dataset.features = String(map.queryRenderedFeatures().length);
  el.dataset.source = 'pmtiles';
  el.dataset.ready = 'true';
  note.textContent = `${slug}@${live}: ${el.dataset.features} features drawn from /tiles/${slug}.pmtiles`;
}

const COLOURS = ['#2f6f8f', '#b0522f', '#5b8a2f', '#7a4b9a'];

function geometryLayers(id, source, sourceLayer, colour) {
  const on = sourceLayer ? { source, 'source-layer': sourceLayer } : { source };
  return [
    { id: `${id}-fill`, type: 'fill', ...on, filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': colour, 'fill-opacity': 0.35 } },
    { id: `${id}-line`, type: 'line', ...on, filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': colour, 'line-width': 1 } },
    { id: `${id}-point`, type: 'circle', ...on, filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': colour, 'circle-radius': 3 } },
  ];
}

/** No published tiles yet: the live version's GeoJSON artifact, drawn as it is. */
async function drawGeojson(el, note, slug, live) {
  const res = await fetch(`/api/v1/datasets/${slug}/geojson`);
  if (!res.ok) {
    note.textContent = `no published tiles and no GeoJSON for ${slug}`;
    el.dataset.ready = 'none';
    return;
  }
  const data = await res.json();
  const box = [180, 90, -180, -90];
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      box[0] = Math.min(box[0], c[0]);
      box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]);
      box[3] = Math.max(box[3], c[1]);
    } else c.forEach(visit);
  };
  for (const f of data.features) if (f.geometry) visit(f.geometry.coordinates);
  const map = new maplibregl.Map({
    container: el,
    style: { version: 8, sources: { kfm: { type: 'geojson', data } }, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f4f3ee' } }, ...geometryLayers('geojson', 'kfm', null, COLOURS[0])] },
    bounds: [box.slice(0, 2), box.slice(2)],
    fitBoundsOptions: { padding: 12 },
    attributionControl: false,
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  window.kfmMap = map;
  await new Promise((resolve) => map.once('idle', resolve));
  el.dataset.features = String(map.queryRenderedFeatures().length);
  el.dataset.source = 'geojson';
  el.dataset.ready = 'true';
  note.textContent = `${slug}@${live}: no published tiles yet; ${data.features.length} features drawn from its GeoJSON artifact (${res.headers.get('x-kfm-artifact')})`;
}

async function versionPage(slug, dvid) {
  const { version: v } = await api(`/api/v1/datasets/${slug}/versions/${dvid}`);
  document.title = `kfm lineage: ${slug}@${dvid}`;
  const gates = v.gates.length
    ? `<table class="gates"><thead><tr><th>gate</th><th>name</th><th>answer</th><th>reasons</th></tr></thead><tbody>${v.gates
        .map((g) => `<tr data-gate="${esc(g.gate)}"><td>${esc(g.gate)}</td><td>${esc(g.name)}</td><td class="answer-${esc(g.answer)}">${esc(g.answer)}</td><td>${g.reasons.map(esc).join('<br>')}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p>never put to promotion (kfm promote runs the gates)</p>';
  const promotions = v.promotions
    .map((p) => `<li class="promotion" data-decision="${esc(p.decision)}">${esc(p.created_at)} <strong>${esc(p.decision)}</strong>: <span class="reason">${esc(p.reason)}</span> ${p.run_id ? cite(p.run_id, 'receipt') : ''}</li>`)
    .join('');
  const qaRows = (v.qa?.report?.reports ?? [])
    .map((r) => `<tr><td>${esc(r.name)}</td><td class="status-${esc(r.status)}">${esc(r.status)}</td><td>${dash(r.value)}</td><td>${dash(r.threshold)}</td></tr>`)
    .join('');
  const qa = v.qa
    ? `<p>status <span class="status-${esc(v.qa.status)}">${esc(v.qa.status)}</span> · ${cite(`doc://${v.qa.path.replace(/^data\//, '')}`, v.qa.path)}</p>
       <table class="qa"><thead><tr><th>check</th><th>status</th><th>value</th><th>threshold</th></tr></thead><tbody>${qaRows}</tbody></table>`
    : '<p>no QA report</p>';
  const receipts = v.receipts
    .map(
      (r) => `<tr><td><a class="receipt-link" href="#/receipts/${r.seq}">${r.seq}</a></td><td>${dash(r.operation)}</td><td>${dash(r.node)}</td><td>${dash(r.validation_status)}</td>
        <td>${r.run_id ? cite(r.run_id) : '–'}</td><td>${esc(r.created_at)}</td></tr>`,
    )
    .join('');
  app.innerHTML = `<h1><a href="#/datasets/${esc(slug)}">${esc(slug)}</a>@${esc(dvid)}</h1>
    <dl class="facts">
      <dt>status</dt><dd class="version-status">${esc(v.status)}${v.latest ? ' (live)' : ''}</dd>
      <dt>rerun mode</dt><dd class="mode">${esc(v.mode)}</dd>
      <dt>mode reason</dt><dd class="mode-reason">${dash(v.mode_reason)}</dd>
      <dt>spec_hash</dt><dd class="mono">${esc(v.spec_hash)}</dd>
      <dt>created</dt><dd>${esc(v.created_at)}</dd>
      <dt>citations</dt><dd class="citations">${v.citations.map((c) => cite(c.ref, c.label)).join(' · ')}</dd>
    </dl>
    <h2>Gates (last promotion attempt)</h2>${gates}
    ${promotions ? `<h2>Promotions</h2><ul>${promotions}</ul>` : ''}
    <h2>QA report</h2>${qa}
    <h2>Receipts</h2>
    <table class="receipts"><thead><tr><th>seq</th><th>operation</th><th>node</th><th>validation</th><th>run</th><th>created</th></tr></thead><tbody>${receipts}</tbody></table>`;
}

async function receiptPage(which) {
  const r = await api(`/api/v1/receipts/${encodeURIComponent(which)}`);
  document.title = `kfm lineage: receipt ${r.seq}`;
  const version = r.dataset_slug ? `<a href="#/datasets/${esc(r.dataset_slug)}">${esc(r.dataset_slug)}</a>@${versionLink(r.dataset_slug, r.dataset_version_id)}` : '–';
  const subjects = r.statement.subjects
    .map((s) => `<tr><td>${esc(s.name)}</td><td>${s.digest ? cite(`kfm://artifact/${s.digest}`, s.digest) : '–'}</td></tr>`)
    .join('');
  app.innerHTML = `<h1>Receipt ${esc(r.seq)} <span class="reason">(${esc(r.kind)})</span></h1>
    <dl class="facts">
      <dt>run</dt><dd>${r.run_id ? cite(r.run_id) : '–'}</dd>
      <dt>version</dt><dd>${version}</dd>
      <dt>created</dt><dd>${esc(r.created_at)}</dd>
      <dt>signature</dt><dd class="signature status-${r.signature.status === 'verified' ? 'pass' : 'fail'}">${esc(r.signature.status)}${r.signature.keyid ? ` with pinned key <span class="mono">${esc(r.signature.keyid)}</span>` : ''}${r.signature.problems.map((p) => `<br>${esc(p)}`).join('')}</dd>
      <dt>chain</dt><dd class="chain">${r.chain.intact ? 'intact' : 'BROKEN at or before this entry'}: entry <span class="mono">${esc(r.chain.entry_hash)}</span> after <span class="mono">${esc(r.chain.prev_hash)}</span></dd>
      <dt>envelope</dt><dd>${dash(r.envelope.payload_type)}, signed by ${r.envelope.signatures.map((x) => `<span class="mono">${dash(x.keyid)}</span>`).join(', ') || 'nobody'}</dd>
      <dt>statement</dt><dd>${dash(r.statement.type)}, predicate ${dash(r.statement.predicate_type)}</dd>
    </dl>
    <h2>Subjects</h2>
    <table class="subjects"><thead><tr><th>name</th><th>digest</th></tr></thead><tbody>${subjects || '<tr><td colspan="2">none</td></tr>'}</tbody></table>
    <h2>Predicate</h2><pre>${esc(JSON.stringify(r.statement.predicate, null, 2))}</pre>`;
}

async function searchPage(q) {
  const { hits } = await api(`/api/v1/search?q=${encodeURIComponent(q)}`);
  app.innerHTML = `<h1>Search: ${esc(q)}</h1>
    <table class="hits"><thead><tr><th>dataset</th><th>text</th><th>evidence</th></tr></thead><tbody>${
      hits.map((h) => `<tr><td>${versionLink(h.dataset_slug, h.dataset_version_id)} ${esc(h.dataset_slug)}</td><td>${esc(h.text)}</td><td>${cite(h.evidence_ref)}</td></tr>`).join('') ||
      '<tr><td colspan="3">no hits</td></tr>'
    }</tbody></table>`;
}

async function route() {
  clearInterval(refresh);
  const hash = location.hash.replace(/^#/, '') || '/';
  app.dataset.ready = 'false';
  try {
    let m;
    if ((m = /^\/datasets\/([a-z0-9_]+)\/versions\/([^/]+)$/.exec(hash))) await versionPage(m[1], decodeURIComponent(m[2]));
    else if ((m = /^\/datasets\/([a-z0-9_]+)$/.exec(hash))) await datasetPage(m[1]);
    else if ((m = /^\/search\?q=(.*)$/.exec(hash))) await searchPage(decodeURIComponent(m[1]));
    else if ((m = /^\/receipts\/(.+)$/.exec(hash))) await receiptPage(decodeURIComponent(m[1]));
    else await statusPage();
  } catch (e) {
    app.innerHTML = `<p class="error">${esc(e.message)}</p>`;
  }
  app.dataset.ready = 'true';
}

document.getElementById('search').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = new FormData(e.target).get('q');
  if (q) location.hash = `#/search?q=${encodeURIComponent(q)}`;
});
window.addEventListener('hashchange', route);
route();
