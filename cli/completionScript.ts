/** An option as completion sees it: its long name, short letter and whether a value follows. */
type OptionSpec = Readonly<Record<string, { type: 'string' | 'boolean'; short?: string }>>;

/**
 * `kfm completion bash|zsh`: a completion script for the commands and options given (kfm's
 * own lists, so it never falls behind them). Commands complete in the first position,
 * options anywhere, dataset targets from the `registry/*.json` files of the current
 * directory, and `--format`/`--reporter` values from their fixed lists.
 */
export function completionScript(shell: 'bash' | 'zsh', commands: readonly string[], options: OptionSpec): string {
  const flags = Object.entries(options)
    .flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])])
    .sort();
  const words = [...commands, 'help', 'completion'].join(' ');
  const bash = `# kfm completion for bash: source <(kfm completion bash)
_kfm() {
  local cur prev
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    --format) COMPREPLY=($(compgen -W "dot mermaid json svg" -- "$cur")); return ;;
    --reporter) COMPREPLY=($(compgen -W "ink plain json" -- "$cur")); return ;;
    --expect) COMPREPLY=($(compgen -W "new retry reprocess backfill" -- "$cur")); return ;;
    -C|--directory) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    -f|--file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "${flags.join(' ')}" -- "$cur"))
  elif [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${words}" -- "$cur"))
  else
    local slugs=""
    for f in registry/*.json; do [[ -e "$f" ]] && slugs="$slugs $(basename "$f" .json)"; done
    COMPREPLY=($(compgen -W "$slugs" -- "$cur"))
  fi
}
complete -F _kfm kfm
`;
  const zsh = `#compdef kfm
# kfm completion for zsh: kfm completion zsh > "\${fpath[1]}/_kfm"
_kfm() {
  local -a commands flags slugs
  commands=(${words})
  flags=(${flags.join(' ')})
  slugs=(\${(f)"$(for f in registry/*.json(N); do print -- \${f:t:r}; done)"})
  case "\${words[CURRENT-1]}" in
    --format) compadd dot mermaid json svg; return ;;
    --reporter) compadd ink plain json; return ;;
    --expect) compadd new retry reprocess backfill; return ;;
    -C|--directory) _files -/; return ;;
    -f|--file) _files; return ;;
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then
    compadd -- $flags
  elif (( CURRENT == 2 )); then
    compadd -- $commands
  else
    compadd -- $slugs
  fi
}
# Autoloaded from fpath, this file is _kfm's body: run it. Sourced, register it.
if [[ "\${funcstack[1]}" == "_kfm" ]]; then _kfm "$@"; else compdef _kfm kfm; fi
`;
  return shell === 'bash' ? bash : zsh;
}
