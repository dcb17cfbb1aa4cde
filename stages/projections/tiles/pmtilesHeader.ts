import { KfmError } from '../../../core/error.js';
import type { Bbox } from '../projectedVersion.js';

export const HEADER_LENGTH = 127;
/** PMTiles compression codes. kfm writes gzip (2) for directories, metadata and tiles. */
export const GZIP = 2;
/** PMTiles tile type: Mapbox Vector Tiles. */
export const MVT = 1;

/** The fields of a PMTiles v3 header (spec v3, "3.1 Header"). */
export interface PmtilesHeader {
  rootOffset: number;
  rootLength: number;
  metadataOffset: number;
  metadataLength: number;
  leafOffset: number;
  leafLength: number;
  tileDataOffset: number;
  tileDataLength: number;
  addressedTiles: number;
  tileEntries: number;
  tileContents: number;
  clustered: boolean;
  internalCompression: number;
  tileCompression: number;
  tileType: number;
  minZoom: number;
  maxZoom: number;
  bounds: Bbox;
  centerZoom: number;
  center: [number, number];
}

const U64 = ['rootOffset', 'rootLength', 'metadataOffset', 'metadataLength', 'leafOffset', 'leafLength', 'tileDataOffset', 'tileDataLength', 'addressedTiles', 'tileEntries', 'tileContents'] as const;
const e7 = (v: number) => Math.round(v * 1e7);

/** The 127 header bytes: magic `PMTiles`, version 3, little-endian integers, coordinates in 1e-7 degrees. */
export function encodeHeader(h: PmtilesHeader): Buffer {
  const b = Buffer.alloc(HEADER_LENGTH);
  b.write('PMTiles', 0, 'latin1');
  b.writeUInt8(3, 7);
  U64.forEach((k, i) => b.writeBigUInt64LE(BigInt(h[k]), 8 + 8 * i));
  b.writeUInt8(h.clustered ? 1 : 0, 96);
  b.writeUInt8(h.internalCompression, 97);
  b.writeUInt8(h.tileCompression, 98);
  b.writeUInt8(h.tileType, 99);
  b.writeUInt8(h.minZoom, 100);
  b.writeUInt8(h.maxZoom, 101);
  h.bounds.forEach((v, i) => b.writeInt32LE(e7(v), 102 + 4 * i));
  b.writeUInt8(h.centerZoom, 118);
  b.writeInt32LE(e7(h.center[0]), 119);
  b.writeInt32LE(e7(h.center[1]), 123);
  return b;
}

/** Reads a header back; not a PMTiles v3 archive: a KfmError `store` naming `what`. */
export function decodeHeader(b: Buffer, what: string): PmtilesHeader {
  if (b.length < HEADER_LENGTH || b.toString('latin1', 0, 7) !== 'PMTiles' || b.readUInt8(7) !== 3) {
    throw new KfmError('store', `${what} is not a PMTiles v3 archive`);
  }
  const n = (i: number) => Number(b.readBigUInt64LE(8 + 8 * i));
  const h = Object.fromEntries(U64.map((k, i) => [k, n(i)])) as Pick<PmtilesHeader, (typeof U64)[number]>;
  const d7 = (o: number) => b.readInt32LE(o) / 1e7;
  return {
    ...h,
    clustered: b.readUInt8(96) === 1,
    internalCompression: b.readUInt8(97),
    tileCompression: b.readUInt8(98),
    tileType: b.readUInt8(99),
    minZoom: b.readUInt8(100),
    maxZoom: b.readUInt8(101),
    bounds: [d7(102), d7(106), d7(110), d7(114)],
    centerZoom: b.readUInt8(118),
    center: [d7(119), d7(123)],
  };
}
