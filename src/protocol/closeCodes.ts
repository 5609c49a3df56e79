/**
 * WebSocket close codes parley sends itself, in the application range 4000–4999 (RFC 6455
 * §7.4.2), beside the ones Colyseus 0.18 sends (`CloseCode` of `@colyseus/core`: 4000 consented
 * leave, 4001 server shutdown, 4002 closed with an error, 4003 failed to reconnect, 4010 may try
 * to reconnect). Each comes with the reason string sent beside it (at most 123 bytes, `ws`'s limit).
 */
export const CLOSE_CODES = {
  /**
   * The socket was refused as soon as it opened: this process already holds
   * `WS_MAX_CONNECTIONS` sockets (seed 002 §11.1). Nothing was joined; a seat reservation it
   * carried is left to expire. Try again later (with backoff), or through another process.
   */
  serverFull: { code: 4503, reason: "server full" },
} as const;
