/**
 * Whether a file name is one an editor writes beside the file it saves: never a change
 * watch mode reacts to. Emacs locks and autosaves (`.#x`, `#x#`), backups (`x~`), vim swap
 * files (`.x.swp`, `.x.swo`, …, `.x.swx`) and the files vim creates to test that a directory
 * is writable (`4913`, then `5036`, … in steps of 123), JetBrains safe-write files
 * (`x___jb_tmp___`, `x___jb_old___`).
 */
export function isEditorTempFile(name: string): boolean {
  if (name.startsWith('.#') || name.endsWith('~')) return true;
  if (name.length > 2 && name.startsWith('#') && name.endsWith('#')) return true;
  if (/^\..+\.sw[a-px]$/.test(name)) return true;
  if (name.endsWith('___jb_tmp___') || name.endsWith('___jb_old___')) return true;
  if (/^\d+$/.test(name)) {
    const n = Number(name);
    return n >= VIM_PROBE && (n - VIM_PROBE) % VIM_PROBE_STEP === 0;
  }
  return false;
}

/** vim's `bufwrite.c`: the first name it tries, and the step to the next when it exists. */
const VIM_PROBE = 4913;
const VIM_PROBE_STEP = 123;
