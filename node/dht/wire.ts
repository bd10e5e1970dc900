/**
 * DHT queries on short-lived connections through the node's Transport (TCP, or the in-memory
 * network of tests and the simulator): dial, send one Bitcoin-framed request, read one framed
 * answer, close; BEP 5's one-datagram-each-way exchange on a stream. The answering side
 * admits RATE_MAX requests per RATE_WINDOW_MS from one address (py-libp2p's limit) and never
 * buffers more than the largest DHT payload; anything else is a fault with a code from
 * errors.ts, which the caller punishes through node/p2p/misbehaviour.ts.
 */
import type { Clock } from '../clock.js';
import { encodeFrame, FrameDecoder, HEADER_LEN } from '../p2p/framing.js';
import { canonicalIp } from '../p2p/netaddr.js';
import type { Listener, Stream, Transport } from '../p2p/transport/transport.js';
import { equal } from '../protocol/bytes.js';
import { DhtError } from './errors.js';
import type { DhtIdentity } from './identity.js';
import {
  ANSWER_OF,
  type Contact,
  DHT_PAYLOAD_LIMITS,
  type DhtBody,
  type DhtMessage,
  decodeMessage,
  encodeMessage,
  REQUESTS,
} from './messages.js';
import { QUERY_TIMEOUT_MS, RATE_MAX, RATE_WINDOW_MS } from './params.js';

const MAX_BUFFERED = HEADER_LEN + Math.max(...Object.values(DHT_PAYLOAD_LIMITS));

export interface WireOptions {
  identity: DhtIdentity;
  transport: Transport;
  magic: Uint8Array;
  clock: Clock;
  /** Where others reach our DHT (sent in every message; port 0: we only ask). */
  self: { host: string; port: number };
  timeoutMs?: number;
}

/** Why a query got no answer: no fault of the peer's (it may be down), or a fault. */
export class QueryFailed extends Error {
  readonly fault: DhtError | null;
  constructor(message: string, fault: DhtError | null = null) {
    super(message);
    this.name = 'QueryFailed';
    this.fault = fault;
  }
}

function checkFrameSize(decoder: FrameDecoder): void {
  if (decoder.pending > MAX_BUFFERED) throw new DhtError('MALFORMED', 'DHT message over its size limit');
}

export class DhtWire {
  private readonly o: WireOptions;
  private nonce = 0n;
  private listener: Listener | null = null;
  private readonly open = new Set<Stream>();
  private readonly rate = new Map<string, { start: number; n: number }>();

  constructor(o: WireOptions) {
    this.o = o;
  }

  /**
   * Sends `body` to `to` and resolves with its answer. `to.id` empty (bootstrap: we know only
   * the address) accepts any key; otherwise the answer must be signed by that id's key.
   */
  request(to: { host: string; port: number; id?: Uint8Array }, body: DhtBody): Promise<DhtMessage> {
    const { clock, magic, identity } = this.o;
    const nonce = ++this.nonce;
    const want = ANSWER_OF[body.command];
    return new Promise<DhtMessage>((resolve, reject) => {
      const decoder = new FrameDecoder(magic);
      const stream = this.o.transport.dial(to.host, to.port, {
        timeoutMs: this.o.timeoutMs ?? QUERY_TIMEOUT_MS,
      });
      this.open.add(stream);
      let done = false;
      const finish = (err: QueryFailed | null, msg?: DhtMessage) => {
        if (done) return;
        done = true;
        clock.clearTimeout(timer);
        this.open.delete(stream);
        stream.destroy();
        if (err) reject(err);
        else resolve(msg!);
      };
      const timer = clock.setTimeout(
        () => finish(new QueryFailed('timeout')),
        this.o.timeoutMs ?? QUERY_TIMEOUT_MS,
      );
      stream.on('connect', () => {
        stream.write(encodeFrame(magic, body.command, encodeMessage(identity, this.o.self, nonce, body)));
      });
      stream.on('data', (chunk) => {
        try {
          const frames = decoder.push(chunk);
          checkFrameSize(decoder);
          const f = frames[0];
          if (!f) return;
          if (f.command !== want)
            throw new DhtError('DHT_UNSOLICITED', `'${f.command}' in answer to '${body.command}'`);
          const msg = decodeMessage(f.command, f.payload);
          if (msg.nonce !== nonce) throw new DhtError('DHT_BAD_ANSWER', 'answer to another request');
          if (to.id && !equal(msg.sender.id, to.id))
            throw new DhtError('DHT_BAD_ANSWER', 'answer from another id');
          finish(null, msg);
        } catch (e) {
          const fault = e instanceof DhtError ? e : new DhtError('MALFORMED', (e as Error).message);
          finish(new QueryFailed(fault.message, fault));
        }
      });
      stream.on('error', (e) => finish(new QueryFailed(e.message)));
      stream.on('close', () => finish(new QueryFailed('closed')));
    });
  }

  /**
   * Answers requests: `answer` gets each well-formed, signed request with the address it came
   * from; `fault` gets each offence with that address (the connection is then closed).
   */
  async listen(
    host: string,
    port: number,
    answer: (msg: DhtMessage, from: string) => Promise<DhtBody | null>,
    fault: (from: string, err: DhtError) => void,
  ): Promise<number> {
    const { clock, magic, identity } = this.o;
    this.listener = await this.o.transport.listen(host, port, {
      connection: (stream) => {
        const from = canonicalIp(stream.remoteAddress ?? '');
        const decoder = new FrameDecoder(magic);
        this.open.add(stream);
        let answered = false;
        const idle = clock.setTimeout(() => stream.destroy(), 2 * (this.o.timeoutMs ?? QUERY_TIMEOUT_MS));
        const close = () => {
          clock.clearTimeout(idle);
          this.open.delete(stream);
          stream.destroy();
        };
        stream.on('close', close);
        stream.on('error', () => {});
        stream.on('data', (chunk) => {
          if (answered) return;
          let msg: DhtMessage;
          let command: string;
          try {
            const frames = decoder.push(chunk);
            checkFrameSize(decoder);
            const f = frames[0];
            if (!f) return;
            answered = true;
            command = f.command;
            if (!REQUESTS.has(command))
              throw new DhtError('DHT_UNSOLICITED', `'${command}' is not a request`);
            if (!this.admit(from))
              throw new DhtError('DHT_FLOOD', `over ${RATE_MAX} requests in ${RATE_WINDOW_MS} ms`);
            msg = decodeMessage(command, f.payload);
          } catch (e) {
            answered = true;
            fault(from, e instanceof DhtError ? e : new DhtError('MALFORMED', (e as Error).message));
            close();
            return;
          }
          answer(msg, from).then(
            (body) => {
              if (!body) return close();
              // An answer our own code cannot encode is our bug, not the asker's: it costs this
              // one query (the asker times out), never the process.
              let bytes: Uint8Array;
              try {
                bytes = encodeFrame(
                  magic,
                  body.command,
                  encodeMessage(identity, this.o.self, msg.nonce, body),
                );
              } catch {
                return close();
              }
              stream.write(bytes);
            },
            (e) => {
              if (e instanceof DhtError) fault(from, e);
              close();
            },
          );
        });
      },
    });
    return this.listener.port;
  }

  /** The port our messages name, once the listener has one. */
  setSelfPort(port: number): void {
    this.o.self = { host: this.o.self.host, port };
  }

  private admit(from: string): boolean {
    const now = this.o.clock.now();
    const r = this.rate.get(from);
    if (!r || now - r.start >= RATE_WINDOW_MS) {
      if (this.rate.size > 10_000) this.rate.clear();
      this.rate.set(from, { start: now, n: 1 });
      return true;
    }
    r.n++;
    return r.n <= RATE_MAX;
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.listener = null;
    for (const s of this.open) s.destroy();
    this.open.clear();
  }
}

export type { Contact };
