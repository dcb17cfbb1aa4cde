#!/usr/bin/env node
// `kfm --version` / `kfm -V` alone: answered before the CLI's modules load (start-up is most of its cost).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { kfmVersion } = await import('../dist/core/kfmVersion.js');
  process.stdout.write(`kfm ${kfmVersion()}\n`);
} else {
  const { main } = await import('../dist/cli/kfm.js');
  process.exitCode = await main(args);
}
