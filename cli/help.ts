export const HELP = `kfm: a build engine for governed geospatial data pipelines

Usage: kfm <command> [options] [targets]

Commands:
  build [target...]          build datasets (all when no target is named)
  plan [target...]           show what a build would run and why; runs nothing
  explain <target> [task]    why each node is dirty: the input, parameter, code or
                             upstream that changed, with old and new digests
  help                       this text

Targets: <dataset_slug>[@<slice>], e.g. ks_counties@2017. The slice (YYYY, YYYY-MM or
YYYY-MM-DD) names the dataset version; without one, the dataset's default slice is used.

Options:
  -C, --directory <dir>      run as if started in <dir>
  -f, --file <path>          use this kfmfile instead of searching upwards for kfmfile.ts
  -j, --jobs <n>             tasks to run at once (default: the number of cores)
  -k, --keep-going           after a failure, let independent branches finish
      --json                 print one JSON document (same as --reporter json)
      --reporter <name>      ink: a live tree of datasets and tasks with progress bars
                             (default on a terminal, unless CI, NO_COLOR or TERM=dumb
                             is set); plain: one line per event (default otherwise);
                             json: one JSON document at the end
  -v, --verbose              also list cached nodes
  -h, --help                 show help
      --version              print kfm's version

Exit codes: 0 success; 1 a task or check failed; 2 usage or kfmfile error; 130 interrupted.
`;
