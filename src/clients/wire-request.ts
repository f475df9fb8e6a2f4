import type { StreamRequest } from '../target/target.ts';

/**
 * A stream's request as plain data, the same for every client kind and able to cross to the
 * client thread: method, headers (an `accept` added when the target gave none) and body bytes.
 */
export interface WireRequest {
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array<ArrayBuffer>;
}

export const GET_REQUEST: WireRequest = Object.freeze({ method: 'GET', headers: Object.freeze({ accept: 'text/event-stream' }) });

/**
 * Checks and normalises what a target gave; the error says which field is wrong and how.
 * `where` names it: "'request'", or "the request function's result for connection 3".
 */
export function toWireRequest(given: StreamRequest | undefined, where: string): WireRequest {
  if (given === undefined) return GET_REQUEST;
  if (!given || typeof given !== 'object' || Array.isArray(given)) {
    throw new TypeError(`${where} must be an object { method, headers, body }, got ${describe(given)}`);
  }
  const method = given.method ?? 'GET';
  if (typeof method !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(method)) {
    throw new TypeError(`${where}: 'method' must be an HTTP method such as 'POST', got ${JSON.stringify(method)}`);
  }
  const headers: Record<string, string> = {};
  if (given.headers !== undefined) {
    if (!given.headers || typeof given.headers !== 'object' || Array.isArray(given.headers)) {
      throw new TypeError(`${where}: 'headers' must be an object of header names to strings`);
    }
    for (const [name, value] of Object.entries(given.headers)) {
      if (typeof value !== 'string') throw new TypeError(`${where}: header '${name}' must be a string, got ${describe(value)}`);
      if (/[\r\n]/.test(value) || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
        throw new TypeError(`${where}: header '${name}' is not a valid HTTP header`);
      }
      const lower = name.toLowerCase();
      if (lower === 'content-length' || lower === 'host' || lower === 'transfer-encoding' || lower === 'connection') continue;
      headers[lower] = value;
    }
  }
  headers.accept ??= 'text/event-stream';
  const upper = method.toUpperCase();
  let body: Uint8Array<ArrayBuffer> | undefined;
  if (given.body !== undefined) {
    if (typeof given.body === 'string') body = new TextEncoder().encode(given.body);
    else if (given.body instanceof Uint8Array) body = new Uint8Array(given.body);
    else throw new TypeError(`${where}: 'body' must be a string or a Uint8Array, got ${describe(given.body)}`);
    if (upper === 'GET' || upper === 'HEAD')
      throw new TypeError(`${where}: a ${upper} request cannot have a body; set 'method' (for example 'POST')`);
  }
  return { method: upper, headers, ...(body ? { body } : {}) };
}

/** The request's head over a bare socket: request line, headers, `content-length` when there is a body. */
export function requestHead(request: WireRequest, host: string, port: number, path: string): string {
  const lines = [`${request.method} ${path} HTTP/1.1`, `host: ${host}:${port}`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  if (request.body) lines.push(`content-length: ${request.body.byteLength}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The same request as a fetch `RequestInit` (undici, EventSource's fetch, an in-process `Request`). */
export function fetchInit(request: WireRequest): { method: string; headers: Record<string, string>; body?: Uint8Array<ArrayBuffer> } {
  return { method: request.method, headers: { ...request.headers }, ...(request.body ? { body: request.body } : {}) };
}

/** What a report may say of a request: its method, its header names (never their values), its body size. */
export function describeRequestShape(request: WireRequest): { method: string; headers: string[]; bodyBytes: number } {
  return { method: request.method, headers: Object.keys(request.headers).sort(), bodyBytes: request.body?.byteLength ?? 0 };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

/**
 * When a client counts its stream as established (CONTRACTS.md): at an event (`firstEvent`,
 * or any event when it is absent), or, for a stream that sends nothing at connect, once its
 * response has started (`atResponse`).
 */
export interface Establish {
  firstEvent?: string;
  atResponse?: boolean;
}

/** What every stream client takes: how to open the stream, when it is established, and its deadline. */
export interface StreamClientOptions extends Establish {
  request?: WireRequest;
  timeoutMs?: number;
}

/** `'connected' event`, `first event` or `response`: what a client waited for, for its messages. */
export function establishedAt(e: Establish): string {
  return e.atResponse ? 'response' : e.firstEvent ? `'${e.firstEvent}' event` : 'first event';
}
