import { WebSocketTransport, type TransportOptions } from "@colyseus/ws-transport";
import type { WebSocket } from "ws";
import { disconnectionKind, type Metrics } from "./metrics.js";

/**
 * The ws transport, counting every closed connection in `websocket_disconnections_total{kind}`
 * by its close code (`clean` or `abnormal`, see {@link disconnectionKind}): the input of the
 * "WebSocket disconnections > 10%" alert (seed 002 §10.3). Behaves as `WebSocketTransport`
 * otherwise.
 */
export class MeteredWebSocketTransport extends WebSocketTransport {
  constructor(options: TransportOptions, metrics: Pick<Metrics, "websocketDisconnections">) {
    super(options);
    this.wss.on("connection", (socket: WebSocket) => {
      socket.once("close", (code: number) => metrics.websocketDisconnections.inc({ kind: disconnectionKind(code) }));
    });
  }
}
