// `node --import ./test/ui/recordResolves.mjs ...`: appends the URL of every module the
// process (and its worker threads) resolves to the file named by KFM_TEST_RESOLVE_LOG,
// one per line. Used to check which packages a command loads.
import { register } from 'node:module';

const log = process.env['KFM_TEST_RESOLVE_LOG'];
if (log) register('./recordResolvesHook.mjs', { parentURL: import.meta.url, data: { log } });
