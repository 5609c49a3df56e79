import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import WebSocket from "ws";
import { createMetrics } from "../../../src/observability/metrics.js";
import { ParleyWebSocketTransport, SOCKET_ERROR_LOG_LINES } from "../../../src/transport/webSocketTransport.js";

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

describe("transport: socket protocol errors are logged quietly", () => {
  it("closes an oversize frame with 1009 and logs one warn line per error, at most SOCKET_ERROR_LOG_LINES per window", async () => {
    const lines: Record<string, unknown>[] = [];
    const transport = new ParleyWebSocketTransport({ maxPayload: 1024, pingInterval: 0 }, { logger: capturingLogger(lines), metrics: createMetrics() });
    transport.listen(0, "127.0.0.1");
    const server = (transport as unknown as { server: import("node:http").Server }).server;
    await new Promise<void>((resolve) => (server.listening ? resolve() : server.once("listening", () => resolve())));
    const { port } = server.address() as AddressInfo;
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
