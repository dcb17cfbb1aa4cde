/**
 * The PMTiles v3 tile id of z/x/y: the tiles of all lower zooms counted first
 * ((4^z − 1) / 3), then the position of x, y along zoom z's Hilbert curve. Ordering tiles
 * by it clusters neighbours, which is the order PMTiles archives store them in.
 */
export function zxyToTileId(z: number, x: number, y: number): number {
  if (z > 26) throw new RangeError(`tile zoom ${z} exceeds 26`);
  const n = 2 ** z;
  if (x < 0 || y < 0 || x >= n || y >= n) throw new RangeError(`tile ${z}/${x}/${y} is outside zoom ${z}`);
  const base = (4 ** z - 1) / 3;
  let d = 0;
  let tx = x;
  let ty = y;
  for (let s = n / 2; s >= 1; s /= 2) {
    const rx = (tx & s) > 0 ? 1 : 0;
    const ry = (ty & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    // Rotate the quadrant (the Hilbert curve's step), within the full size n.
    if (ry === 0) {
      if (rx === 1) {
        tx = n - 1 - tx;
        ty = n - 1 - ty;
      }
      [tx, ty] = [ty, tx];
    }
  }
  return base + d;
}
