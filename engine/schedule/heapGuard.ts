import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Keeps the main thread's heap near its live size on very large builds. V8 sizes the old
 * generation from the machine's memory, so a build allocating short-lived objects for tens of
 * thousands of nodes lets garbage pile up to gigabytes before collecting it. Past
 * `thresholdBytes` of used heap, this asks for a full collection (at most every `everyMs`).
 */
export function heapGuard(thresholdBytes = 192 * 1024 * 1024, everyMs = 500): () => void {
  let gc: (() => void) | undefined;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  } catch {
    return () => {};
  }
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    if (process.memoryUsage().heapUsed > thresholdBytes) gc!();
  };
}
