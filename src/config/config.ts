import { createHmac } from "node:crypto";
import { z } from "zod";

/** Boolean env flag: `true/false/1/0/yes/no/on/off` (case-insensitive). */
const flag = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no", "on", "off", "TRUE", "FALSE"])
    .default(fallback ? "true" : "false")
    .transform((v) => ["true", "1", "yes", "on"].includes(v.toLowerCase()));

const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

/** Development-only default signing secret (refused when `NODE_ENV=production`, DESIGN §3). */
export const DEV_JWT_SECRET = "parley-development-secret-do-not-use-in-production";

/**
 * Every environment variable parley reads (DESIGN §9, seed 002 §11.1), with its default.
 * Durations keep the seed's units: `*_SECONDS` and `SESSION_MAX_DURATION_*`/`PROMPT_INTERVAL_*`
 * in seconds, `*_INTERVAL` (cleanup, heartbeat) in milliseconds.
 */
const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  SERVICE_NAME: z.string().min(1).default("conversation-service"),
  PORT: int(3003, 0, 65535),
  HOST: optionalString,
  PUBLIC_ADDRESS: optionalString,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATA_DIR: z.string().min(1).default("./data"),
  SERVE_DEMO_APP: optionalString,
  PARLEY_EMBEDDED: flag(false),
  METRICS_PORT: optionalString.pipe(z.coerce.number<string>().int().min(1).max(65535).optional()),
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  MONITOR_SESSION_SECRET: optionalString.pipe(z.string().min(32, "must be at least 32 characters").optional()),

  JWT_SECRET: optionalString,
  JWT_PUBLIC_KEY: optionalString,
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,

  REDIS_URL: optionalString,
  REDIS_HOST: optionalString,
  REDIS_PORT: int(6379, 1, 65535),
  REDIS_PASSWORD: optionalString,
  REDIS_DB: int(0, 0, 15),
  MONGODB_URI: optionalString,
  KAFKA_BROKERS: optionalString,
  KAFKA_CLIENT_ID: z.string().min(1).default("conversation-service"),
  KAFKA_GROUP_ID: z.string().min(1).default("conversation-service-group"),
  KAFKA_TOPIC_CONVERSATIONS: z.string().min(1).default("conversation.events"),
  KAFKA_TOPIC_USER: z.string().min(1).default("user.events"),
  KAFKA_TOPIC_LESSONS: z.string().min(1).default("lesson.events"),
  KAFKA_TOPIC_FEEDBACK: z.string().min(1).default("feedback.events"),
  S3_BUCKET: optionalString,
  S3_ENDPOINT: optionalString,
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: flag(false),
  S3_RECORDINGS_PREFIX: z.string().default("sessions/"),

  WS_MAX_PAYLOAD_BYTES: int(262_144, 16384, 16 * 1024 * 1024),
  WS_HEARTBEAT_INTERVAL: int(30000, 1000),
  WS_MAX_CONNECTIONS: int(10_000, 1),

  TURN_SERVER_URL: optionalString,
  TURN_SECRET: optionalString,
  TURN_USERNAME: optionalString,
  TURN_CREDENTIAL: optionalString,
  TURN_CREDENTIAL_TTL_SECONDS: int(86400, 60),
  STUN_SERVER_URL: optionalString,

  MATCH_TIMEOUT_SECONDS: int(120, 30, 600),
  MATCH_QUEUE_CLEANUP_INTERVAL: int(60000, 1000),
  MIN_COMPATIBILITY_SCORE: int(50, 0),
  MATCH_STAGE_STRICT_SECONDS: int(30, 0),
  MATCH_STAGE_LEVEL_SECONDS: int(60, 0),
  MATCH_STAGE_CATEGORY_SECONDS: int(120, 0),
  MATCH_TICK_MS: int(1000, 50),
  MATCH_MAX_LEVEL_GAP: int(2, 1, 5),

  SESSION_MAX_DURATION_FREE: int(900, 60),
  SESSION_MAX_DURATION_PREMIUM: int(3600, 60),
  SESSION_CLEANUP_INTERVAL: int(300000, 1000),
  SESSION_JOIN_TIMEOUT_SECONDS: int(60, 5),
  RECONNECT_GRACE_SECONDS: int(20, 0, 600),
  PROMPT_INTERVAL_MIN: int(180, 1),
  PROMPT_INTERVAL_MAX: int(300, 1),
  MAX_PROMPTS_PER_SESSION: int(5, 1, 50),

  FREE_TIER_WEEKLY_LIMIT: int(3, 0),
  RATE_LIMIT_MATCH_REQUESTS: int(10, 1),
  RATE_LIMIT_SESSION_JOINS: int(5, 1),
  RATE_LIMIT_SIGNALING_PER_MINUTE: int(100, 1),
  RATE_LIMIT_REST_PER_MINUTE: int(600, 1),
  RATE_LIMIT_ROOM_MESSAGES_PER_MINUTE: int(600, 1),

  ENABLE_RECORDING: flag(true),
  RECORDING_RETENTION_DAYS: int(30, 1),
  OUTBOX_RETENTION_HOURS: int(72, 1),
});

/** Raw parsed environment. */
type Env = z.infer<typeof envSchema>;

/** The one typed, frozen configuration built at boot (DESIGN §9). */
export interface Config {
  readonly env: Env["NODE_ENV"];
  readonly serviceName: string;
  readonly port: number;
  /** Interface to bind: `HOST`, else `0.0.0.0` in production and `127.0.0.1` elsewhere. */
  readonly host: string;
  /** `host:port` clients dial for this process (several processes: each its own). */
  readonly publicAddress?: string;
  readonly logLevel: Env["LOG_LEVEL"];
  readonly dataDir: string;
  readonly serveDemoApp: boolean;
  /** `PARLEY_EMBEDDED=1`: production on the embedded ports (memory store, local presence, file events) is intended. */
  readonly embedded: boolean;
  /**
   * Where `GET /metrics` is served (DESIGN §7, seed 002 §10.1):
   * - `port` (`METRICS_PORT`): on its own HTTP server on that port (same `host`), not on the main port;
   * - `token` (`METRICS_TOKEN`, ≥ 16 chars): `Authorization: Bearer <token>` required wherever served;
   * - `onMainPort`: served on the main port — when no `METRICS_PORT` is set, and, in production,
   *   only with a `METRICS_TOKEN` (production with neither serves no metrics; a warning at boot).
   */
  readonly metrics: { readonly port?: number; readonly token?: string; readonly onMainPort: boolean };
  /**
   * Key signing the Colyseus monitor's session cookie (`POST /api/admin/monitor-session`):
   * `MONITOR_SESSION_SECRET` (≥ 32 chars), else derived from `JWT_SECRET`; undefined with only
   * `JWT_PUBLIC_KEY` (then each process draws a random key: a cookie works on the process that
   * issued it only).
   */
  readonly monitorSessionSecret?: string;
  readonly jwt: {
    readonly secret?: string;
    readonly publicKey?: string;
    readonly issuer?: string;
    readonly audience?: string;
    /** True when the development default secret is in use (loud warning at boot). */
    readonly usingDevSecret: boolean;
  };
  readonly redisUrl?: string;
  readonly mongodbUri?: string;
  readonly kafka: {
    readonly brokers?: string[];
    readonly clientId: string;
    readonly groupId: string;
    readonly topics: { readonly conversations: string; readonly user: string; readonly lessons: string; readonly feedback: string };
  };
  readonly s3: {
    readonly bucket?: string;
    readonly endpoint?: string;
    readonly region: string;
    readonly accessKeyId?: string;
    readonly secretAccessKey?: string;
    readonly forcePathStyle: boolean;
    readonly recordingsPrefix: string;
  };
  readonly ws: {
    readonly maxPayloadBytes: number;
    readonly heartbeatIntervalMs: number;
    /** `WS_MAX_CONNECTIONS` (seed 002 §11.1, default 10,000): open sockets per process; one more is closed with `CLOSE_CODES.serverFull`. */
    readonly maxConnections: number;
  };
  readonly webrtc: {
    readonly turnServerUrl?: string;
    readonly turnSecret?: string;
    readonly turnUsername?: string;
    readonly turnCredential?: string;
    readonly turnCredentialTtlSeconds: number;
    readonly stunServerUrl?: string;
  };
  readonly matching: {
    readonly timeoutSeconds: number;
    readonly cleanupIntervalMs: number;
    readonly minCompatibilityScore: number;
    readonly stageBoundariesSeconds: { readonly strictSeconds: number; readonly levelSeconds: number; readonly categorySeconds: number };
    readonly tickMs: number;
    /** `MATCH_MAX_LEVEL_GAP`: no stage pairs CEFR levels further apart (DESIGN §10). */
    readonly maxLevelGap: number;
  };
  readonly session: {
    readonly maxDurationFreeSeconds: number;
    readonly maxDurationPremiumSeconds: number;
    readonly cleanupIntervalMs: number;
    readonly joinTimeoutSeconds: number;
    readonly reconnectGraceSeconds: number;
    readonly promptIntervalMinSeconds: number;
    readonly promptIntervalMaxSeconds: number;
    readonly maxPrompts: number;
  };
  readonly quotas: {
    readonly freeTierWeeklyLimit: number;
    readonly matchRequestsPerHour: number;
    readonly sessionJoinsPerMinute: number;
    /** Signaling messages per minute per pair of participants (DESIGN §5; the conversation core's budget). */
    readonly signalingPerMinute: number;
    readonly restPerMinute: number;
    /** Messages of any type one connection may send to a room per minute (issue 7 §3). */
    readonly roomMessagesPerMinute: number;
  };
  readonly recording: { readonly enabled: boolean; readonly retentionDays: number };
  /** `OUTBOX_RETENTION_HOURS`: how long published outbox rows and processed event ids are kept. */
  readonly outboxRetentionHours: number;
}

/** Thrown when the environment is invalid; `variable` names the culprit. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable}: ${detail}`);
    this.name = "ConfigError";
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function redisUrlFrom(env: Env): string | undefined {
  if (env.REDIS_URL) return env.REDIS_URL;
  if (!env.REDIS_HOST) return undefined;
  const auth = env.REDIS_PASSWORD ? `:${encodeURIComponent(env.REDIS_PASSWORD)}@` : "";
  return `redis://${auth}${env.REDIS_HOST}:${env.REDIS_PORT}/${env.REDIS_DB}`;
}

/** A key for the monitor cookie derived from the JWT secret (never the JWT secret itself). */
function monitorKeyFrom(jwtSecret: string | undefined): string | undefined {
  return jwtSecret === undefined ? undefined : createHmac("sha256", jwtSecret).update("parley monitor session").digest("base64url");
}

/**
 * Parses and validates the environment into a frozen {@link Config}.
 * @param source the variables (default `process.env`)
 * @throws ConfigError naming the first invalid variable, e.g. `PORT: expected number`, or a
 *   rule across variables (`JWT_SECRET` missing in production, `MONGODB_URI`/`REDIS_URL`/
 *   `KAFKA_BROKERS` missing in production without `PARLEY_EMBEDDED=1`, `METRICS_PORT` = `PORT`,
 *   `PROMPT_INTERVAL_MIN` > `_MAX`).
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue?.path[0] ?? "environment"), issue?.message ?? "invalid");
  }
  const env = parsed.data;
  const production = env.NODE_ENV === "production";
  if (production && !env.JWT_SECRET && !env.JWT_PUBLIC_KEY) {
    throw new ConfigError("JWT_SECRET", "JWT_SECRET or JWT_PUBLIC_KEY is required when NODE_ENV=production");
  }
  if (env.JWT_SECRET === DEV_JWT_SECRET && production) {
    throw new ConfigError("JWT_SECRET", "the development secret is refused when NODE_ENV=production");
  }
  if (production && !env.PARLEY_EMBEDDED) {
    const missing = [
      ["MONGODB_URI", env.MONGODB_URI],
      ["REDIS_URL", redisUrlFrom(env)],
      ["KAFKA_BROKERS", env.KAFKA_BROKERS],
    ].filter(([, value]) => !value).map(([name]) => name as string);
    if (missing.length > 0) {
      throw new ConfigError(
        missing[0] as string,
        `${missing.join(", ")} required when NODE_ENV=production (the embedded in-memory store, single-process presence and file events lose data on restart); set PARLEY_EMBEDDED=1 if the embedded ports are intended`,
      );
    }
  }
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT === env.PORT) {
    throw new ConfigError("METRICS_PORT", "must differ from PORT");
  }
  if (env.PROMPT_INTERVAL_MIN > env.PROMPT_INTERVAL_MAX) {
    throw new ConfigError("PROMPT_INTERVAL_MIN", "must not exceed PROMPT_INTERVAL_MAX");
  }
  if (!(env.MATCH_STAGE_STRICT_SECONDS <= env.MATCH_STAGE_LEVEL_SECONDS && env.MATCH_STAGE_LEVEL_SECONDS <= env.MATCH_STAGE_CATEGORY_SECONDS)) {
    throw new ConfigError("MATCH_STAGE_LEVEL_SECONDS", "stage boundaries must be ascending (STRICT ≤ LEVEL ≤ CATEGORY)");
  }
  if (env.TURN_SERVER_URL && !env.TURN_SECRET && !(env.TURN_USERNAME && env.TURN_CREDENTIAL)) {
    throw new ConfigError("TURN_SECRET", "TURN_SERVER_URL needs TURN_SECRET (or TURN_USERNAME and TURN_CREDENTIAL)");
  }
  const usingDevSecret = !env.JWT_SECRET && !env.JWT_PUBLIC_KEY;
  const config: Config = {
    env: env.NODE_ENV,
    serviceName: env.SERVICE_NAME,
    port: env.PORT,
    host: env.HOST ?? (production ? "0.0.0.0" : "127.0.0.1"),
    publicAddress: env.PUBLIC_ADDRESS,
    logLevel: env.LOG_LEVEL,
    dataDir: env.DATA_DIR,
    serveDemoApp: env.SERVE_DEMO_APP === undefined ? !production : ["true", "1", "yes", "on"].includes(env.SERVE_DEMO_APP.toLowerCase()),
    embedded: env.PARLEY_EMBEDDED,
    metrics: {
      port: env.METRICS_PORT,
      token: env.METRICS_TOKEN,
      onMainPort: env.METRICS_PORT === undefined && (!production || env.METRICS_TOKEN !== undefined),
    },
    monitorSessionSecret: env.MONITOR_SESSION_SECRET ?? monitorKeyFrom(env.JWT_SECRET ?? (usingDevSecret ? DEV_JWT_SECRET : undefined)),
    jwt: {
      secret: env.JWT_SECRET ?? (usingDevSecret ? DEV_JWT_SECRET : undefined),
      publicKey: env.JWT_PUBLIC_KEY?.replace(/\\n/g, "\n"),
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      usingDevSecret,
    },
    redisUrl: redisUrlFrom(env),
    mongodbUri: env.MONGODB_URI,
    kafka: {
      brokers: env.KAFKA_BROKERS?.split(",").map((b) => b.trim()).filter(Boolean),
      clientId: env.KAFKA_CLIENT_ID,
      groupId: env.KAFKA_GROUP_ID,
      topics: {
        conversations: env.KAFKA_TOPIC_CONVERSATIONS,
        user: env.KAFKA_TOPIC_USER,
        lessons: env.KAFKA_TOPIC_LESSONS,
        feedback: env.KAFKA_TOPIC_FEEDBACK,
      },
    },
    s3: {
      bucket: env.S3_BUCKET,
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
      recordingsPrefix: env.S3_RECORDINGS_PREFIX,
    },
    ws: { maxPayloadBytes: env.WS_MAX_PAYLOAD_BYTES, heartbeatIntervalMs: env.WS_HEARTBEAT_INTERVAL, maxConnections: env.WS_MAX_CONNECTIONS },
    webrtc: {
      turnServerUrl: env.TURN_SERVER_URL,
      turnSecret: env.TURN_SECRET,
      turnUsername: env.TURN_USERNAME,
      turnCredential: env.TURN_CREDENTIAL,
      turnCredentialTtlSeconds: env.TURN_CREDENTIAL_TTL_SECONDS,
      stunServerUrl: env.STUN_SERVER_URL,
    },
    matching: {
      timeoutSeconds: env.MATCH_TIMEOUT_SECONDS,
      cleanupIntervalMs: env.MATCH_QUEUE_CLEANUP_INTERVAL,
      minCompatibilityScore: env.MIN_COMPATIBILITY_SCORE,
      stageBoundariesSeconds: {
        strictSeconds: env.MATCH_STAGE_STRICT_SECONDS,
        levelSeconds: env.MATCH_STAGE_LEVEL_SECONDS,
        categorySeconds: env.MATCH_STAGE_CATEGORY_SECONDS,
      },
      tickMs: env.MATCH_TICK_MS,
      maxLevelGap: env.MATCH_MAX_LEVEL_GAP,
    },
    session: {
      maxDurationFreeSeconds: env.SESSION_MAX_DURATION_FREE,
      maxDurationPremiumSeconds: env.SESSION_MAX_DURATION_PREMIUM,
      cleanupIntervalMs: env.SESSION_CLEANUP_INTERVAL,
      joinTimeoutSeconds: env.SESSION_JOIN_TIMEOUT_SECONDS,
      reconnectGraceSeconds: env.RECONNECT_GRACE_SECONDS,
      promptIntervalMinSeconds: env.PROMPT_INTERVAL_MIN,
      promptIntervalMaxSeconds: env.PROMPT_INTERVAL_MAX,
      maxPrompts: env.MAX_PROMPTS_PER_SESSION,
    },
    quotas: {
      freeTierWeeklyLimit: env.FREE_TIER_WEEKLY_LIMIT,
      matchRequestsPerHour: env.RATE_LIMIT_MATCH_REQUESTS,
      sessionJoinsPerMinute: env.RATE_LIMIT_SESSION_JOINS,
      signalingPerMinute: env.RATE_LIMIT_SIGNALING_PER_MINUTE,
      restPerMinute: env.RATE_LIMIT_REST_PER_MINUTE,
      roomMessagesPerMinute: env.RATE_LIMIT_ROOM_MESSAGES_PER_MINUTE,
    },
    recording: { enabled: env.ENABLE_RECORDING, retentionDays: env.RECORDING_RETENTION_DAYS },
    outboxRetentionHours: env.OUTBOX_RETENTION_HOURS,
  };
  return deepFreeze(config);
}
