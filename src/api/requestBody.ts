import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { invalidRequest, payloadTooLarge } from '../core/errors.js';

/** The request body, read once, for whoever needs it (the idempotency fingerprint, the route). */
export type BodyVariables = { body: string };

const WITHOUT_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Reads every request body once, up to `maxBytes` (413 beyond, before reading when the
 * `content-length` says so). On Node it reads the socket's stream directly: building a web
 * `Request` and its stream just to read a few hundred bytes of JSON costs more than the
 * rest of an event send.
 */
export function readRequestBody(maxBytes: number): MiddlewareHandler<{ Variables: BodyVariables }> {
  return async (c, next) => {
    if (WITHOUT_BODY.has(c.req.method)) {
      c.set('body', '');
      return next();
    }
    const declared = Number(c.req.header('content-length') ?? Number.NaN);
    if (declared > maxBytes) throw payloadTooLarge(maxBytes);
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const text = incoming ? await readIncoming(incoming, maxBytes) : await c.req.raw.text();
    if (Buffer.byteLength(text) > maxBytes) throw payloadTooLarge(maxBytes);
    c.set('body', text);
    return next();
  };
}

function readIncoming(incoming: IncomingMessage, maxBytes: number): Promise<string> {
  if (incoming.readableEnded) return Promise.resolve('');
  if (incoming.destroyed) return Promise.reject(cutOff());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else {
        // Answer now; the rest is drained, not kept.
        cleanup();
        incoming.resume();
        reject(payloadTooLarge(maxBytes));
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    // A client that goes away mid-upload: nobody reads the answer, but the handler must not hang.
    const onCutOff = () => {
      cleanup();
      reject(cutOff());
    };
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onCutOff);
      incoming.off('close', onCutOff);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onCutOff);
    incoming.on('close', onCutOff);
  });
}

const cutOff = () => invalidRequest('The request body was cut off before its end.');
