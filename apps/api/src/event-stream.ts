import type { FastifyReply } from "fastify";

/** A Server-Sent Events stream on a hijacked reply: the one way both the status and the dashboard streams write. */
export interface EventStream {
  /** Aborted when the client goes away. */
  readonly closed: AbortSignal;
  send(event: string, data: unknown): void;
  /** A comment line: keeps proxies from closing an idle stream. */
  keepAlive(text: string): void;
  /** Asks the client's EventSource to reconnect after `ms` once the stream ends. */
  retryAfter(ms: number): void;
  end(): void;
}

export function openEventStream(reply: FastifyReply): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    // nginx buffers responses unless told not to, which would hold every event back.
    "x-accel-buffering": "no",
  });
  const closed = new AbortController();
  raw.on("close", () => closed.abort());
  const write = (text: string) => {
    if (!closed.signal.aborted && !raw.writableEnded) raw.write(text);
  };
  return {
    closed: closed.signal,
    send: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    keepAlive: (text) => write(`: ${text}\n\n`),
    retryAfter: (ms) => write(`retry: ${ms}\n\n`),
    end: () => {
      if (!raw.writableEnded) raw.end();
    },
  };
}
