// Generates the benchmark graph deterministically (seeded PRNG) and writes it as three
// equivalent builds sharing one source tree:
//   Makefile      `make -r -j2`   outputs in mk/
//   build.ninja   `ninja -j2`     outputs in nj/ (builddir nj/, so .ninja_log goes there too)
//   kfmfile.ts + concat.ts        `kfm build`, outputs in .kfm/ and data/
// Every target is `cat` of: its header (hdr/hNNN.txt) if any, its leaf source
// (src/sNNNNN.txt) if any, then its upstream targets in name order. That is "declared inputs
// sorted by path, then upstream outputs by dependency name" — the same in all three tools.
//
// Standalone: node bench/generate.mjs --n 1000 [--seed S] [--out DIR]
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_SEED = 0x6b666d; // "kfm"
export const LAYERS = 10;
export const HEADERS = 100;

/** mulberry32: small, fast, good enough for a benchmark graph. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz      ';
function text(rnd, min, max) {
  const len = min + Math.floor(rnd() * (max - min + 1));
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
  return s;
}

/**
 * The graph: `n` targets in `layers` layers (target i is in layer floor(i*layers/n)), plus
 * `headers` shared header files. Layer-0 targets have a leaf source. A later target is one of
 *   leaf (15%) | one upstream (25%) | leaf + one upstream (35%) | two upstreams (25%)
 * plus a header half of the time (always, for "one upstream" alone, so no target is a pure copy).
 * An upstream comes from the previous layer 60% of the time, else from any earlier layer.
 */
export function generateGraph({ n, seed = DEFAULT_SEED, layers = LAYERS, headers = HEADERS }) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`bad N: ${n}`);
  const rnd = mulberry32((seed ^ Math.imul(n, 0x9e3779b1)) >>> 0);
  const width = Math.max(5, String(n - 1).length);
  const tname = (i) => 't' + String(i).padStart(width, '0');
  const sname = (i) => 's' + String(i).padStart(width, '0');
  const hname = (h) => 'h' + String(h).padStart(3, '0');
  const layerStart = (l) => Math.floor((l * n) / layers);

  const headerText = [];
  for (let h = 0; h < headers; h++) headerText.push(`hdr ${hname(h)} ${text(rnd, 20, 80)}\n`);

  const targets = [];
  for (let l = 0; l < layers; l++) {
    const lo = layerStart(l);
    const hi = layerStart(l + 1);
    const prevLo = l > 0 ? layerStart(l - 1) : 0;
    for (let i = lo; i < hi; i++) {
      const pick = () =>
        rnd() < 0.6 && prevLo < lo ? prevLo + Math.floor(rnd() * (lo - prevLo)) : Math.floor(rnd() * lo);
      let src = true;
      const deps = [];
      if (lo > 0) {
        const r = rnd();
        if (r < 0.15) src = true;
        else if (r < 0.4) (src = false), deps.push(pick());
        else if (r < 0.75) deps.push(pick());
        else {
          src = false;
          deps.push(pick());
          if (lo > 1) {
            let d;
            do d = pick();
            while (d === deps[0]);
            deps.push(d);
          } else src = true;
        }
      }
      deps.sort((a, b) => a - b);
      let hdr = rnd() < 0.5 ? Math.floor(rnd() * headers) : -1;
      if (!src && deps.length === 1 && hdr < 0) hdr = Math.floor(rnd() * headers);
      targets.push({
        i,
        name: tname(i),
        layer: l,
        deps,
        hdr,
        src,
        srcText: src ? `src ${sname(i)} ${text(rnd, 24, 96)}\n` : null,
      });
    }
  }

  const dependents = targets.map(() => []);
  for (const t of targets) for (const d of t.deps) dependents[d].push(t.i);

  return {
    n,
    seed,
    layers,
    headers,
    width,
    targets,
    headerText,
    dependents,
    tname,
    srcPath: (i) => `src/${sname(i)}.txt`,
    hdrPath: (h) => `hdr/${hname(h)}.txt`,
  };
}

/** Number of targets rebuilt when target i's inputs change: i and its transitive dependents. */
export function affectedCount(graph, i, cap = Infinity) {
  const seen = new Set([i]);
  const stack = [i];
  while (stack.length) {
    for (const d of graph.dependents[stack.pop()]) {
      if (!seen.has(d)) {
        seen.add(d);
        if (seen.size > cap) return seen.size;
        stack.push(d);
      }
    }
  }
  return seen.size;
}

/**
 * The leaf source the "one-leaf change" phase edits: the first target in the upper half of the
 * layers that has a leaf source and 2..4 affected targets (falling back to the fewest).
 */
export function pickLeafChange(graph) {
  const half = Math.floor(graph.layers / 2);
  let best = null;
  for (const t of graph.targets) {
    if (!t.src || t.layer < half) continue;
    const a = affectedCount(graph, t.i, 64);
    if (a >= 2 && a <= 4) return { target: t.i, path: graph.srcPath(t.i), affected: a };
    if (!best || a < best.affected) best = { target: t.i, path: graph.srcPath(t.i), affected: a };
  }
  if (!best) {
    const t = graph.targets.find((x) => x.src);
    best = { target: t.i, path: graph.srcPath(t.i), affected: affectedCount(graph, t.i) };
  }
  return best;
}

/** The ordered input paths of target t (relative to the project dir), as cat sees them. */
function catInputs(graph, t, outDir) {
  const parts = [];
  if (t.hdr >= 0) parts.push(graph.hdrPath(t.hdr));
  if (t.src) parts.push(graph.srcPath(t.i));
  for (const d of t.deps) parts.push(`${outDir}/${graph.tname(d)}.txt`);
  return parts;
}

/**
 * The expected bytes' SHA-256 (hex) of every target, given the leaf sources' contents
 * (`srcOverride` maps a target index to replacement source text).
 */
export function expectedDigests(graph, srcOverride = new Map()) {
  const content = new Array(graph.n);
  const digests = new Array(graph.n);
  let total = 0;
  for (const t of graph.targets) {
    const parts = [];
    if (t.hdr >= 0) parts.push(Buffer.from(graph.headerText[t.hdr]));
    if (t.src) parts.push(Buffer.from(srcOverride.get(t.i) ?? t.srcText));
    for (const d of t.deps) parts.push(content[d]);
    content[t.i] = Buffer.concat(parts);
    total += content[t.i].length;
    digests[t.i] = createHash('sha256').update(content[t.i]).digest('hex');
  }
  return { digests, totalBytes: total };
}

const SPEC = {
  kfm_spec_version: 'v1',
  dataset_slug: 'bench',
  title: 'bench',
  upstream: {
    authority: 'bench',
    access_method: 'file',
    endpoints: [],
    cadence: 'none',
    terms_snapshot: { license: 'CC0-1.0' },
  },
  sensitivity: {
    policy_label_intent: 'public',
    pii_risk: 'none',
    sensitive_location_risk: 'none',
    obligations: [],
  },
  normalization: { canonical_fields: [], crs: 'none' },
  validation: { checks: [] },
  outputs: [],
};

const CONCAT_TS = `// Generated by bench/generate.mjs. The kfm side of the benchmark: concatenate the declared
// inputs (sorted by path: hdr/ before src/), then every upstream output by dependency name —
// the same order as \`cat\` in the Makefile and build.ninja.
import type { TaskContext } from 'kfm';

export default async function concat(ctx: TaskContext): Promise<void> {
  const parts: Buffer[] = [];
  const inputs = [...ctx.inputs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const input of inputs) parts.push(await input.read());
  for (const id of Object.keys(ctx.upstream).sort()) {
    for (const out of Object.values(ctx.upstream[id]!)) parts.push(await out.read());
  }
  await ctx.output('out.txt', Buffer.concat(parts), 'text/plain');
}
`;

function kfmfileSource(graph) {
  // Rows: [deps (target indices), has leaf source (0/1), header index (-1: none)]; the target
  // index is the row index. One JSON string literal keeps this fast to parse and to type-check.
  const rows = graph.targets.map((t) => [t.deps, t.src ? 1 : 0, t.hdr]);
  const json = JSON.stringify(rows);
  return `// Generated by bench/generate.mjs (N=${graph.n}, seed=${graph.seed}). Do not edit.
import { defineKfm, dataset, task } from 'kfm';

const spec = ${JSON.stringify(SPEC)};

const pad = (i: number, w: number): string => String(i).padStart(w, '0');
const W = ${graph.width};
// [deps, leaf source?, header (-1: none)] per target; the row index is the target index.
const G: [number[], number, number][] = JSON.parse('${json}');

const tasks = [];
for (let i = 0; i < G.length; i++) {
  const [deps, src, hdr] = G[i]!;
  const inputs: string[] = [];
  if (hdr >= 0) inputs.push(\`hdr/h\${pad(hdr, 3)}.txt\`);
  if (src) inputs.push(\`src/s\${pad(i, W)}.txt\`);
  tasks.push(task(\`t\${pad(i, W)}\`, { run: './concat.ts', deps: deps.map((d) => \`t\${pad(d, W)}\`), inputs }));
}

export default defineKfm({ datasets: [dataset(spec, tasks)] });
`;
}

function wrapList(prefix, items, perLine = 64) {
  const lines = [];
  for (let k = 0; k < items.length; k += perLine) lines.push(prefix + items.slice(k, k + perLine).join(' '));
  return lines.join('\n');
}

/** Writes the sources and the three build descriptions into dir (which is emptied first). */
export function writeProject(graph, dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'hdr'), { recursive: true });
  for (let h = 0; h < graph.headers; h++) writeFileSync(join(dir, graph.hdrPath(h)), graph.headerText[h]);
  for (const t of graph.targets) if (t.src) writeFileSync(join(dir, graph.srcPath(t.i)), t.srcText);

  const head = `# Generated by bench/generate.mjs (N=${graph.n}, seed=${graph.seed}). Do not edit.\n`;

  const mk = [
    head + '# Run: make -r -j2   (outputs in mk/, which must exist)',
    '.SUFFIXES:',
    '.DEFAULT_GOAL := all',
    '.PHONY: all',
    wrapList('all: ', graph.targets.map((t) => `mk/${t.name}.txt`)),
  ];
  for (const t of graph.targets) mk.push(`mk/${t.name}.txt: ${catInputs(graph, t, 'mk').join(' ')}\n\tcat $^ > $@`);
  writeFileSync(join(dir, 'Makefile'), mk.join('\n') + '\n');

  const nj = [
    head + '# Run: ninja -j2   (outputs in nj/)',
    'ninja_required_version = 1.5',
    'builddir = nj',
    'rule cat',
    '  command = cat $in > $out',
  ];
  for (const t of graph.targets) nj.push(`build nj/${t.name}.txt: cat ${catInputs(graph, t, 'nj').join(' ')}`);
  writeFileSync(join(dir, 'build.ninja'), nj.join('\n') + '\n');

  writeFileSync(join(dir, 'kfmfile.ts'), kfmfileSource(graph));
  writeFileSync(join(dir, 'concat.ts'), CONCAT_TS);
}

/** Summary figures of a graph (for the report). */
export function graphStats(graph) {
  let sources = 0;
  let edges = 0;
  let withHeader = 0;
  for (const t of graph.targets) {
    if (t.src) sources++;
    if (t.hdr >= 0) withHeader++;
    edges += t.deps.length;
  }
  return { n: graph.n, layers: graph.layers, headers: graph.headers, sources, dep_edges: edges, with_header: withHeader };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, dflt) => {
    const k = process.argv.indexOf(name);
    return k >= 0 ? process.argv[k + 1] : dflt;
  };
  const n = Number(arg('--n', '1000'));
  const seed = Number(arg('--seed', String(DEFAULT_SEED)));
  const out = resolve(arg('--out', join(fileURLToPath(new URL('.', import.meta.url)), 'out', 'graphs', `n${n}`)));
  const graph = generateGraph({ n, seed });
  writeProject(graph, out);
  const { totalBytes } = expectedDigests(graph);
  console.log(JSON.stringify({ dir: out, ...graphStats(graph), output_bytes: totalBytes, leaf_change: pickLeafChange(graph) }));
}
