/**
 * Ctrl-C and friends. The first SIGINT, SIGTERM or SIGHUP aborts the run's signal: a step in
 * progress ends, or a running devnet begins its clean stop. A second signal forces: `onForce`
 * SIGKILLs the children and devnet exits 130. Under `npm run`, one Ctrl-C arrives twice (the
 * terminal sends it to the whole foreground group, and npm forwards its own copy to the
 * script), so a repeat within ECHO_MS counts as the same Ctrl-C. The handlers stay until the
 * process exits: a late echo must not meet Node's default action (death by SIGINT, exit 130).
 */
import { DevnetError } from './errors.js';

const ECHO_MS = 500;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function handleSignals(
  abort: AbortController,
  hooks: { onFirst(signal: string): void; onForce(signal: string): void },
): void {
  let first = 0;
  const handler = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (first === 0) {
      first = now;
      hooks.onFirst(signal);
      if (!abort.signal.aborted) abort.abort(new DevnetError('INTERRUPTED', `interrupted by ${signal}`));
      return;
    }
    if (now - first >= ECHO_MS) hooks.onForce(signal);
  };
  for (const s of SIGNALS) process.on(s, handler);
}
