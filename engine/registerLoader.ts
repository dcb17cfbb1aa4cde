import { register } from 'node:module';
import { distUrl } from './distUrl.js';

let registered = false;

/** Registers kfm's TypeScript loader hooks in this thread (once). */
export function registerLoader(): void {
  if (registered) return;
  registered = true;
  process.setSourceMapsEnabled(true);
  register(distUrl('engine/loaderHook.js'), {
    data: { apiUrl: distUrl('api/index.js').href },
  });
}
