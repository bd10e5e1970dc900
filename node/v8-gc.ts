/**
 * V8's full collection, for the moments the node knows its heap is mostly garbage (heap-trim.ts;
 * the script workers after a burst of blocks). It comes from V8's `gc` extension, which is
 * installed in contexts created after `--expose-gc` is set; Jest takes it the same way for its
 * leak checks. Each thread (isolate) gets its own.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export type Collect = () => void;

let exposed: Collect | undefined;

/**
 * A synchronous full collection of this thread's heap that also compacts it. Without
 * compaction V8 frees only the pages left empty, and a heap the sync fragmented stays
 * committed: in a node after the bench sync, old space in use fell from 122 to 32 MiB while
 * 119 MiB stayed committed. The flag is V8's own, read at each full collection, and is set
 * back at once so V8's ordinary collections keep their heuristics.
 */
export function fullCollection(): Collect {
  if (!exposed) {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as Collect;
    exposed = () => {
      setFlagsFromString('--compact-on-every-full-gc');
      try {
        gc();
      } finally {
        setFlagsFromString('--no-compact-on-every-full-gc');
      }
    };
  }
  return exposed;
}
