/**
 * Errors of the DHT with stable codes. What a peer's fault costs it is not decided here but in
 * node/p2p/misbehaviour.ts, the one consequence map, under the same codes.
 */
import type { OffenceCode } from '../p2p/offence-codes.js';

export type DhtFaultCode = Extract<
  OffenceCode,
  'MALFORMED' | 'DHT_BAD_SIGNATURE' | 'DHT_FLOOD' | 'DHT_BAD_ANSWER' | 'DHT_UNSOLICITED'
>;

export class DhtError extends Error {
  readonly code: DhtFaultCode;
  constructor(code: DhtFaultCode, message: string) {
    super(message);
    this.name = 'DhtError';
    this.code = code;
  }
}
