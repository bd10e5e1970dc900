/**
 * Telling systemd how the node is doing (sd_notify(3): READY=1, STATUS=..., STOPPING=1), for a
 * unit of Type=notify. The protocol is a datagram on the Unix socket named by $NOTIFY_SOCKET,
 * which Node cannot send (it has no Unix datagram sockets), so each message is sent by running
 * systemd-notify(1) as a child process, as shell-script services do. Its datagram then comes
 * from the child's pid, which systemd accepts only with NotifyAccess=all (contrib/gossip-node.service).
 * Without $NOTIFY_SOCKET (not under systemd, or Type=exec) nothing is run. A missing or failing
 * command is logged once and the node carries on: readiness reporting is a convenience.
 *
 * Core sends the same messages since v28 (READY=1 once initialised, STOPPING=1 on shutdown).
 */
import { execFile } from 'node:child_process';
import type { Logger } from './log.js';

export interface Notifier {
  /** READY=1 with a status line: the servers listen and the RPC answers. */
  ready(status: string): void;
  /** STOPPING=1: an ordered stop has begun. Resolves once it (and any message before it) went. */
  stopping(): Promise<void>;
}

type Run = (command: string, args: string[], done: (error: Error | null) => void) => void;

const runChild: Run = (command, args, done) => {
  execFile(command, args, { timeout: 10_000 }, (error) => done(error));
};

/** A notifier for this process; a no-op when `env.NOTIFY_SOCKET` is unset. */
export function systemdNotifier(
  command: string,
  env: NodeJS.ProcessEnv,
  log: Logger,
  run: Run = runChild,
): Notifier {
  if (!env.NOTIFY_SOCKET) return { ready: () => undefined, stopping: () => Promise.resolve() };
  let broken = false;
  // One child at a time, so systemd sees the messages in the order they were sent.
  let queue = Promise.resolve();
  const send = (args: string[]): Promise<void> => {
    queue = queue.then(
      () =>
        new Promise<void>((resolve) => {
          if (broken) return resolve();
          run(command, args, (error) => {
            if (error && !broken) {
              broken = true;
              log.warn('systemd-notify failed; not telling systemd about readiness', {
                command,
                error: error.message,
              });
            }
            resolve();
          });
        }),
    );
    return queue;
  };
  return {
    ready: (status) => {
      send(['--ready', `--status=${status}`]);
    },
    stopping: () => send(['--status=stopping', 'STOPPING=1']),
  };
}
