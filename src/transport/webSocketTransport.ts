import { WebSocketTransport, type TransportOptions } from "@colyseus/ws-transport";
import type { Logger } from "pino";
import { RateLimiterMemory } from "rate-limiter-flexible";
import type WebSocket from "ws";
import { disconnectionKind, type Metrics } from "../observability/metrics.js";

/** At most this many socket-error lines are logged per {@link SOCKET_ERROR_LOG_WINDOW_SECONDS}. */
export const SOCKET_ERROR_LOG_LINES = 10;
/** The window of {@link SOCKET_ERROR_LOG_LINES}, in seconds. */
export const SOCKET_ERROR_LOG_WINDOW_SECONDS = 60;

/**
 * The ws transport parley serves on, observed: every closed connection is counted in
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

  constructor(options: TransportOptions, observers: { logger: Logger; metrics: Pick<Metrics, "websocketDisconnections"> }) {
    super(options);
    const { logger, metrics } = observers;
    // Runs after the transport's own "connection" listener, which adds the stack-printing one.
    this.wss.on("connection", (socket: WebSocket) => {
      socket.removeAllListeners("error");
      socket.on("error", (err: Error & { code?: string }) => this.logSocketError(err, logger));
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
