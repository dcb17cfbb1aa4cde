import { readFileSync } from 'node:fs';
import { distUrl } from './distUrl.js';

let version: string | undefined;

/** This kfm's version (package.json). */
export function kfmVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../package.json', distUrl('')), 'utf8')) as { version: string }).version;
  return version;
}
