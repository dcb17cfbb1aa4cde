/**
 * The URL of a compiled kfm module in `dist/` (e.g. `engine/schedule/worker.js`), whether this code
 * runs from `dist/` or from TypeScript source under a test runner. Worker threads and
 * loader hooks need real JavaScript files.
 */
export function distUrl(relative: string): URL {
  const here = import.meta.url;
  const marker = '/dist/';
  const i = here.lastIndexOf(marker);
  const root = i >= 0 ? here.slice(0, i + 1) : new URL('../', here).href;
  return new URL(`dist/${relative}`, root);
}
