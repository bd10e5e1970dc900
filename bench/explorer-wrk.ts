/**
 * Runs Debian's wrk (a separate process: it uses far less CPU than a Node load generator on a
 * 2-core machine) against a URL and reads its req/s and latency percentiles.
 */
import { spawn } from 'node:child_process';

export interface WrkResult {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  return unit === 'us' ? v / 1000 : unit === 's' ? v * 1000 : v;
}

export function parseWrk(out: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s)/m.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)/m.exec(out);
  const total = /(\d+) requests in/.exec(out);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (!rps || !p50 || !p99 || !total) throw new Error(`cannot parse wrk output:\n${out}`);
  return {
    reqPerSec: Math.round(Number(rps[1])),
    p50Ms: Math.round(toMs(p50[1]!, p50[2]!) * 100) / 100,
    p99Ms: Math.round(toMs(p99[1]!, p99[2]!) * 100) / 100,
    requests: Number(total[1]),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}

export function wrk(
  url: string,
  opts: { connections: number; seconds: number; threads?: number },
): Promise<WrkResult> {
  const args = [`-t${opts.threads ?? 1}`, `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', url];
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`wrk exited ${code}: ${out}`));
      else {
        try {
          resolve(parseWrk(out));
        } catch (e) {
          reject(e);
        }
      }
    });
  });
}
