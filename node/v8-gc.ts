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

/** A synchronous full collection of this thread's heap. */
export function fullCollection(): Collect {
  if (!exposed) {
    setFlagsFromString('--expose-gc');
    exposed = runInNewContext('gc') as Collect;
  }
  return exposed;
}
