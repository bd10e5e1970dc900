/**
 * The clients of the push-stream bench (bench/push.ts), in their own process so the node's CPU
 * is measured alone: `node push-clients.js <url> <count>` opens `count` streams of
 * GET /api/v1/events, each its own socket, and tells its parent over IPC when every stream
 * had its `hello` (`{ready}`) and, for each `block` message, the height and, per stream, the
 * wall-clock time it arrived (ms since the epoch, sub-millisecond: performance.timeOrigin +
 * performance.now(), which both processes share).
 */
import { request } from 'node:http';

const [url, countText] = process.argv.slice(2);
const count = Number(countText);
if (!url || !Number.isSafeInteger(count) || !process.send) {
  process.stderr.write('usage: (forked) push-clients.js <events url> <count>\n');
  process.exit(2);
}

const now = () => performance.timeOrigin + performance.now();
const BATCH = 100;
let hellos = 0;
let opened = 0;
/** height -> arrival time per stream (index = stream). */
const arrivals = new Map<number, number[]>();

function onMessage(stream: number, event: string, data: string): void {
  if (event === 'hello') {
    hellos++;
    if (hellos === count) process.send!({ ready: count });
    else if (hellos === opened) openBatch();
    return;
  }
  if (event !== 'block') return;
  const at = now();
  const height = (JSON.parse(data) as { height: number }).height;
  let times = arrivals.get(height);
  if (!times) {
    times = new Array<number>(count).fill(0);
    arrivals.set(height, times);
  }
  times[stream] = at;
  if (times.every((t) => t > 0)) {
    arrivals.delete(height);
    process.send!({ height, times });
  }
}

function open(stream: number): void {
  const req = request(
    `${url}/api/v1/events`,
    { agent: false, headers: { accept: 'text/event-stream' } },
    (res) => {
      if (res.statusCode !== 200) {
        process.stderr.write(`push-clients: stream ${stream} answered ${res.statusCode}\n`);
        process.exit(1);
      }
      res.setEncoding('utf8');
      let buffered = '';
      res.on('data', (chunk: string) => {
        buffered += chunk;
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          const message = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          let event = 'message';
          let data = '';
          for (const line of message.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) onMessage(stream, event, data);
        }
      });
    },
  );
  req.on('error', (e) => {
    process.stderr.write(`push-clients: stream ${stream}: ${e.message}\n`);
    process.exit(1);
  });
  req.end();
}

/** The next 100 streams, once the last batch is open: the node's accept backlog never overflows. */
function openBatch(): void {
  const end = Math.min(count, opened + BATCH);
  while (opened < end) open(opened++);
}

openBatch();
process.on('disconnect', () => process.exit(0));
