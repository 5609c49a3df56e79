import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import WebSocket from "ws";
import { createMetrics } from "../../../src/observability/metrics.js";
import { CLOSE_CODES } from "../../../src/protocol/closeCodes.js";
import { ParleyWebSocketTransport, SOCKET_ERROR_LOG_LINES, type ParleyTransportOptions } from "../../../src/transport/webSocketTransport.js";

/** A pino logger writing its JSON lines into `lines`. */
function capturingLogger(lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: "info" }, sink);
}

/** Opens a socket to `port` and sends one frame of `bytes` bytes; resolves with the close code. */
function sendOversize(port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    ws.on("open", () => ws.send(Buffer.alloc(bytes)));
    ws.on("close", (code) => resolve(code));
    ws.on("error", reject);
  });
}

/** Listens on a free loopback port; resolves with it. */
async function listening(transport: ParleyWebSocketTransport): Promise<number> {
  transport.listen(0, "127.0.0.1");
  const server = (transport as unknown as { server: import("node:http").Server }).server;
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once("listening", () => resolve())));
  return (server.address() as AddressInfo).port;
}

/**
 * The transport with Colyseus's room join replaced by a stand-in that greets each socket it is
 * handed ("joined") and keeps it open; `joined` holds the server side of each. (The transport
 * calls the handler unbound, as Colyseus registers it, so the stand-in keeps its list in a closure.)
 */
function greetingTransport(maxConnections: number, metrics: ReturnType<typeof createMetrics>) {
  const joined: WebSocket[] = [];
  class GreetingTransport extends ParleyWebSocketTransport {
    protected override async onConnection(socket: WebSocket): Promise<void> {
      joined.push(socket);
      socket.send("joined");
    }
  }
  const options: ParleyTransportOptions = { pingInterval: 0, maxConnections };
  return { transport: new GreetingTransport(options, { logger: pino({ level: "silent" }), metrics }), joined };
}

/** How a socket to `port` ended up: greeted by the room join, or closed first (code and reason). */
function connect(port: number): Promise<{ socket: WebSocket; outcome: "joined" | { code: number; reason: string } }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
    socket.once("message", () => resolve({ socket, outcome: "joined" }));
    socket.once("close", (code, reason) => resolve({ socket, outcome: { code, reason: reason.toString() } }));
    socket.once("error", reject);
  });
}

describe("transport: WS_MAX_CONNECTIONS", () => {
  it("closes a socket beyond the limit with 4503 'server full' before any room join, counts it, and accepts again once a socket closed", async () => {
    const metrics = createMetrics();
    const { transport, joined } = greetingTransport(2, metrics);
    const port = await listening(transport);
    const clients: WebSocket[] = [];
    try {
      const first = await connect(port);
      const second = await connect(port);
      clients.push(first.socket, second.socket);
      assert.equal(first.outcome, "joined");
      assert.equal(second.outcome, "joined");

      const third = await connect(port);
      assert.deepEqual(third.outcome, { code: CLOSE_CODES.serverFull.code, reason: "server full" });
      assert.equal(joined.length, 2, "the refused socket never reached the room join");
      assert.equal((await metrics.registry.getSingleMetric("websocket_connections_refused_total")?.get())?.values[0]?.value, 1);
      const disconnections = await metrics.registry.getSingleMetric("websocket_disconnections_total")?.get();
      assert.equal(disconnections?.values.reduce((n, v) => n + v.value, 0), 0, "a refusal is not a disconnection");

      // The two accepted sockets still work.
      const echoed = new Promise((resolve) => first.socket.once("ping", resolve));
      joined[0]?.ping();
      await echoed;

      // Once one of them is closed (on the server side too), a new socket is accepted.
      const serverSide = joined[1];
      const gone = new Promise((resolve) => serverSide?.once("close", resolve));
      second.socket.close(1000);
      await gone;
      const fourth = await connect(port);
      clients.push(fourth.socket);
      assert.equal(fourth.outcome, "joined");
      assert.equal(joined.length, 3);
    } finally {
      for (const socket of clients) socket.terminate();
      transport.shutdown();
    }
  });
});

describe("transport: socket protocol errors are logged quietly", () => {
  it("closes an oversize frame with 1009 and logs one warn line per error, at most SOCKET_ERROR_LOG_LINES per window", async () => {
    const lines: Record<string, unknown>[] = [];
    const transport = new ParleyWebSocketTransport({ maxPayload: 1024, pingInterval: 0, maxConnections: 10_000 }, { logger: capturingLogger(lines), metrics: createMetrics() });
    const port = await listening(transport);
    try {
      const attempts = SOCKET_ERROR_LOG_LINES + 5;
      for (let i = 0; i < attempts; i++) assert.equal(await sendOversize(port, 4096), 1009);
      // Each socket's error is emitted before its close reaches the client; the limiter answers in a microtask.
      await new Promise((resolve) => setImmediate(resolve));
      const warned = lines.filter((l) => l.msg === "WebSocket closed on a protocol error");
      assert.equal(warned.length, SOCKET_ERROR_LOG_LINES);
      assert.equal(warned[0]?.level, 40);
      assert.equal(warned[0]?.code, "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH");
      assert.ok(!lines.some((l) => typeof l.err === "object" || String(l.msg).includes("\n    at ")), "no stack traces");
    } finally {
      transport.shutdown();
    }
  });
});
