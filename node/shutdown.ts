/**
 * How the node process ends: the first SIGINT/SIGTERM (or RPC `stop`) stops the node in order —
 * peers and HTTP stop taking work, the block being connected finishes in its one batch, LevelDB
 * closes, the cookie goes — and the process exits 0. A second signal does not wait: it removes the
 * cookie and exits 130 at once, which is safe because every block is one atomic batch.
 *
 * Under `npm start`, one Ctrl-C can arrive twice: from the terminal, and forwarded by npm to its
 * script (when `sh -c` has exec'd node, as bash does). A signal within ECHO_MS of the first is
 * taken as that same Ctrl-C, not a second one.
 */
import { rmSync } from 'node:fs';
import type { Logger } from './log.js';

export interface Stoppable {
  stop(): Promise<void>;
  /** Called by RPC `stop` once its reply is sent. */
  onStopRequest: () => void;
}

const ECHO_MS = 500;
/** How long the exit waits for the STOPPING=1 notification to have been sent. */
const NOTIFY_WAIT_MS = 5_000;

/** `p`, or nothing after `ms`: whichever comes first. */
function settled(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    p.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface ShutdownDeps {
  exit: (code: number) => void;
  on: (signal: 'SIGINT' | 'SIGTERM', fn: () => void) => void;
  now: () => number;
}

const processDeps: ShutdownDeps = {
  exit: (code) => process.exit(code),
  on: (signal, fn) => process.on(signal, fn),
  now: () => Date.now(),
};

/**
 * Installs the handlers as soon as the node starts starting, so a Ctrl-C during start-up waits for
 * the start to finish and then stops (and a second one still forces). Returns the function the
 * handlers call (tests call it directly).
 */
export function handleShutdown(
  starting: Promise<Stoppable>,
  /** Undefined when the node writes no cookie (rpc-password set). */
  cookiePath: string | undefined,
  log: Logger,
  deps: ShutdownDeps = processDeps,
  /**
   * Called once when an ordered stop begins (systemd's STOPPING=1); the exit waits for what it
   * returns, at most NOTIFY_WAIT_MS.
   */
  onStopping: () => Promise<void> | void = () => undefined,
): (why: string) => void {
  let firstAt: number | null = null;
  const shutdown = (why: string) => {
    const now = deps.now();
    if (firstAt !== null) {
      if (why !== 'rpc stop' && now - firstAt < ECHO_MS) return;
      log.warn('second stop request: exiting now without waiting', { reason: why });
      if (cookiePath !== undefined) rmSync(cookiePath, { force: true });
      deps.exit(130);
      return;
    }
    firstAt = now;
    log.info('shutting down (press Ctrl-C again to force)', { reason: why });
    const notified = Promise.resolve(onStopping()).catch(() => undefined);
    starting
      .then((n) => n.stop())
      .then(() => settled(notified, NOTIFY_WAIT_MS))
      .then(
        () => {
          log.info('shutdown complete', { seconds: Number(((deps.now() - now) / 1000).toFixed(3)) });
          deps.exit(0);
        },
        (e: Error) => {
          log.error('shutdown failed', { error: e.message });
          deps.exit(1);
        },
      );
  };
  deps.on('SIGINT', () => shutdown('SIGINT'));
  deps.on('SIGTERM', () => shutdown('SIGTERM'));
  starting.then(
    (n) => {
      n.onStopRequest = () => shutdown('rpc stop');
    },
    () => undefined,
  );
  return shutdown;
}
