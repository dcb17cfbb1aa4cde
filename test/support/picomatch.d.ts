// picomatch ships no types and @types/picomatch is not installed: the little the memory
// file system uses of it.
declare module 'picomatch' {
  namespace picomatch {
    interface PicomatchOptions {
      dot?: boolean;
    }
  }
  function picomatch(glob: string | string[], options?: picomatch.PicomatchOptions): (test: string) => boolean;
  export = picomatch;
}
