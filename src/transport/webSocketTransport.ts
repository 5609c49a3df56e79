import { WebSocketTransport, type TransportOptions } from "@colyseus/ws-transport";
import type { Logger } from "pino";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { disconnectionKind, type Metrics } from "../observability/metrics.js";
import { CLOSE_CODES } from "../protocol/closeCodes.js";

/** At most this many socket-error lines are logged per {@link SOCKET_ERROR_LOG_WINDOW_SECONDS}. */
export const SOCKET_ERROR_LOG_LINES = 10;
/** The window of {@link SOCKET_ERROR_LOG_LINES}, in seconds. */
export const SOCKET_ERROR_LOG_WINDOW_SECONDS = 60;

/** The options of {@link ParleyWebSocketTransport}: the ws transport's, plus the connection limit. */
export interface ParleyTransportOptions extends TransportOptions {
  /** `WS_MAX_CONNECTIONS` (seed 002 §11.1): open sockets this process holds at most; ≥ 1. */
  maxConnections: number;
}

/**
 * The ws transport parley serves on, limited and observed.
 *
 * Limit (seed 002 §11.1): once this process holds `maxConnections` open sockets (ws's own
 * `clients` set, which counts every socket from its handshake until its close, whatever it
 * joined), a new one is closed as soon as it opens with `CLOSE_CODES.serverFull` (4503
 * "server full", src/protocol/closeCodes.ts) before Colyseus sees it: it joins nothing, and a seat reservation it carried is
 * left to expire. It is counted in `websocket_connections_refused_total`, not as a disconnection.
 * It is refused after the handshake rather than with an HTTP status (ws's `verifyClient`) because a
 * browser never sees the status of a refused upgrade, only a 1006 close; a close code reaches
 * every client. Refused sockets stay in the count until their close handshake ends.
 *
 * Observed: every closed connection is counted in
 * `websocket_disconnections_total{kind}` by its close code (`clean` or `abnormal`, see
 * {@link disconnectionKind}; the input of the "WebSocket disconnections > 10%" alert, seed 002
 * §10.3), and socket errors are logged quietly. `ws` closes a socket whose frame breaks the rules
 * (over `maxPayload`: close 1009; invalid UTF-8, bad opcode…: 1002/1007) and then emits `error`;
 * Colyseus logs each one with its whole stack, so any client could flood the logs. Here each
 * such error is one `warn` line `{ code, message }`, at most {@link SOCKET_ERROR_LOG_LINES} per
 * {@link SOCKET_ERROR_LOG_WINDOW_SECONDS} per process; the next logged line counts the
 * suppressed ones. The socket handling itself is unchanged.
 */
export class ParleyWebSocketTransport extends WebSocketTransport {
  private readonly logLines = new RateLimiterMemory({ points: SOCKET_ERROR_LOG_LINES, duration: SOCKET_ERROR_LOG_WINDOW_SECONDS });
  private suppressed = 0;

  constructor(options: ParleyTransportOptions, observers: { logger: Logger; metrics: Pick<Metrics, "websocketDisconnections" | "websocketConnectionsRefused"> }) {
    const { maxConnections, ...transportOptions } = options;
    super({ ...transportOptions, clientTracking: true });
    const { logger, metrics } = observers;
    // The transport registered its own (unbound) handler, which joins the socket's room; it now
    // runs only for sockets under the limit, with the same `this` and arguments as before.
    const joinRoom = this.onConnection;
    this.wss.removeListener("connection", joinRoom);
    this.wss.on("connection", (...args: Parameters<typeof joinRoom>) => {
      const [socket] = args;
      const refused = this.wss.clients.size > maxConnections;
      if (!refused) void joinRoom.apply(this.wss, args);
      // After the transport's handler, which adds the stack-printing error listener (a refused
      // socket needs one too: an `error` without a listener would throw).
      socket.removeAllListeners("error");
      socket.on("error", (err: Error & { code?: string }) => this.logSocketError(err, logger));
      if (refused) {
        metrics.websocketConnectionsRefused.inc();
        socket.close(CLOSE_CODES.serverFull.code, CLOSE_CODES.serverFull.reason);
        return;
      }
      socket.once("close", (code: number) => metrics.websocketDisconnections.inc({ kind: disconnectionKind(code) }));
    });
  }

  private logSocketError(err: Error & { code?: string }, logger: Logger): void {
    this.logLines.consume("socket-error").then(
      () => {
        const suppressed = this.suppressed;
        this.suppressed = 0;
        logger.warn({ code: err.code, reason: err.message, ...(suppressed > 0 ? { suppressed } : {}) }, "WebSocket closed on a protocol error");
      },
      () => {
        this.suppressed++;
      },
    );
  }
}
