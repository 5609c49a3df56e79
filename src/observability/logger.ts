import pino, { type Logger } from "pino";

/**
 * The JSON logger (seed 002 §10.2). Tokens, SDP and ICE candidates are never logged:
 * the redaction list is a second line of defence behind not passing them at all.
 */
export function createLogger(level: string, service: string): Logger {
  return pino({
    level,
    base: { service },
    redact: { paths: ["token", "*.token", "sdp", "*.sdp", "candidate", "*.candidate", "authorization", "*.authorization"], censor: "[redacted]" },
  });
}
