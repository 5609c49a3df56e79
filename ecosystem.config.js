// pm2: parley as N processes on one host, sharing Redis (presence + matchmaker driver), MongoDB
// and Kafka (DESIGN §1, §2).
//
//   npm run build && npx pm2 start ecosystem.config.js   # N = PARLEY_INSTANCES (default 2)
//   npx pm2 logs | npx pm2 status | npx pm2 reload ecosystem.config.js | npx pm2 delete ecosystem.config.js
//
// One pm2 app per process, not `exec_mode: "cluster"`: Colyseus needs every process on a port of
// its own, and a process's WebSocket must reach *that* process (its rooms live in its memory),
// so processes are not load-balanced behind one shared port. Process i listens on
// PARLEY_BASE_PORT + i and announces PUBLIC_ADDRESS = PARLEY_PUBLIC_HOST:<its port>: a seat
// reservation carries the public address of the process that holds the room, and the SDK dials
// it. Without a public address per process the SDK dials whichever process answered the
// matchmake request and fails with a misleading "seat reservation expired" (COLYSEUS-NOTES).
// Behind a reverse proxy, set PARLEY_PUBLIC_HOST to the host clients reach and route
// /<port>/… (or one host name per process) to each process.
//
// Shared by every process, from this file's environment: REDIS_URL (required with N > 1: the
// presence, the room listings, the seat reservations and the outbox leader lease live there),
// MONGODB_URI, KAFKA_BROKERS, S3_*, JWT_*, and every other variable of .env.example (pm2 passes
// its own environment on). Each process still runs its own outbox relay and cleanup job: only
// the process holding the Redis outbox lease publishes, and the cleanup's writes are
// conditional (see src/jobs/sessionCleanup.ts), so N processes publish each event once.
//
// Shutdown: pm2 sends SIGINT (then SIGKILL after kill_timeout). parley's graceful shutdown ends
// and persists the live sessions of that process, flushes the outbox and closes its backends,
// and gives up after 30 s (src/main.ts); kill_timeout leaves it 35 s.
//
// What runs: the production build, dist/src/main.js, with plain Node — no tsx in the serving
// processes. Build it first (`npm run build`; again after every change of the sources, then
// `npx pm2 reload ecosystem.config.js`); without it pm2 reports "Script not found". Node 22
// (every Colyseus 0.18 package requires it): the project's own binary from the pinned `node`
// devDependency (pm2 is a devDependency too, so both come with `npm ci`).

/* global module, __dirname -- a CommonJS file that pm2 loads */

const instances = Math.max(1, Number.parseInt(process.env.PARLEY_INSTANCES ?? "2", 10) || 2);
const basePort = Number.parseInt(process.env.PARLEY_BASE_PORT ?? "2601", 10);
const publicHost = process.env.PARLEY_PUBLIC_HOST ?? "127.0.0.1";

if (instances > 1 && !process.env.REDIS_URL && !process.env.REDIS_HOST) {
  // A warning, not an error: `pm2 delete|stop ecosystem.config.js` loads this file too.
  console.warn("ecosystem.config.js: PARLEY_INSTANCES > 1 needs REDIS_URL (or REDIS_HOST) in the environment: the processes share presence, room listings and the outbox lease through Redis");
}

module.exports = {
  apps: Array.from({ length: instances }, (_, i) => {
    const port = basePort + i;
    return {
      name: `parley-${port}`,
      cwd: __dirname,
      script: "dist/src/main.js",
      interpreter: `${__dirname}/node_modules/.bin/node`,
      exec_mode: "fork",
      instances: 1,
      autorestart: true,
      max_restarts: 10,
      restart_delay: 1000,
      kill_timeout: 35_000,
      time: true,
      env: {
        NODE_ENV: process.env.NODE_ENV ?? "production",
        PORT: String(port),
        PUBLIC_ADDRESS: `${publicHost}:${port}`,
      },
    };
  }),
};
