// Client → server messages of protocol v1: their schema, and the two steps that turn a WebSocket frame into one
// (JSON first, then the schema; ClientHub.onMessage runs them and dispatches the result).
import type { RawData } from 'ws';
import { z } from 'zod';
import type { ClientMessage } from './protocol.js';

/** Schema of every {@link ClientMessage} (src/server/protocol.ts), with the bounds the server accepts. */
const ClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ v: z.literal(1), type: z.literal('resume'), sinceSeq: z.number().int().min(0) }),
  z.object({ v: z.literal(1), type: z.literal('ack'), alertId: z.string().min(1).max(200), by: z.string().min(1).max(100).optional() }),
  z.object({ v: z.literal(1), type: z.literal('known'), alertId: z.string().min(1).max(200), by: z.string().min(1).max(100).optional(), label: z.string().trim().min(1).max(200).optional() }),
  z.object({ v: z.literal(1), type: z.literal('escalate'), alertId: z.string().min(1).max(200), by: z.string().min(1).max(100).optional() }),
]);

/** A client's WebSocket frame as JSON, or the error text the client is sent back (binary frames, text that is not JSON). */
export function readClientFrame(data: RawData, isBinary: boolean): { json: unknown } | { error: string } {
  if (isBinary) return { error: 'binary messages are not part of protocol v1' };
  try {
    return { json: JSON.parse(data.toString()) as unknown };
  } catch {
    return { error: 'message is not JSON' };
  }
}

/** A parsed frame as a protocol v1 client message, or the error text the client is sent back (naming the first wrong field). */
export function toClientMessage(json: unknown): { msg: ClientMessage } | { error: string } {
  const r = ClientMessageSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { error: `bad message: ${issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid'} (protocol v1 expects {v:1,type:'resume'|'ack'|'known'|'escalate',…})` };
  }
  return { msg: r.data };
}
