const BYTE_UNITS = new Set(['bytes', 'byte', 'B']);
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `12,345`: digits grouped the same way whatever the locale. */
export function groupDigits(n: number): string {
  const [int = '0', frac] = String(Math.round(n * 100) / 100).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

function bytes(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1024 && i < BINARY.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${BINARY[i]}`;
}

/** How much of a task's work is done: `4.2 MiB/10.0 MiB`, `420/1,000 features`, `1,234 rows`. */
export function formatQuantity(done: number, total: number | undefined, unit: string | undefined): string {
  if (unit !== undefined && BYTE_UNITS.has(unit)) return total === undefined ? bytes(done) : `${bytes(done)}/${bytes(total)}`;
  const amount = total === undefined ? groupDigits(done) : `${groupDigits(done)}/${groupDigits(total)}`;
  return unit ? `${amount} ${unit}` : amount;
}

/** `1.2 KiB`, `512 B`: a byte count in binary units (kfm gc, kfm clean). */
export function formatBytes(n: number): string {
  return bytes(n);
}
