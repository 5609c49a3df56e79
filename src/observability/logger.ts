import pino, { type DestinationStream, type Logger } from "pino";

/**
 * The JSON logger (seed 002 §10.2): one object per line with an ISO 8601 `timestamp`, the level
 * by name in capitals (`"level":"INFO"`, `"WARN"`, `"ERROR"`), `service`, then the line's own
 * fields (`event`, `sessionId`, `participants`, `waitTimeSeconds`, …) and `msg`.
 * Tokens, SDP and ICE candidates are never logged: the redaction list is a second line of
 * defence behind not passing them at all.
 * @param level the lowest level written (`LOG_LEVEL`)
 * @param destination where lines go. @default stdout
 */
export function createLogger(level: string, service: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    redact: { paths: ["token", "*.token", "sdp", "*.sdp", "candidate", "*.candidate", "authorization", "*.authorization"], censor: "[redacted]" },
  };
  return destination ? pino(options, destination) : pino(options);
}
