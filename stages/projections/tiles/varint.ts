/**
 * Unsigned LEB128 varints (protobuf's), exact up to 2^53: PMTiles directories' integers.
 * Arithmetic, not bit operations, so offsets past 4 GiB stay exact.
 */
export function pushVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint ${value} is not a non-negative safe integer`);
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) + 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}
