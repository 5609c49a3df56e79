#!/usr/bin/env bash
# Local backing services for parley, without Docker (see docker-compose.yml for the Docker way).
#
#   scripts/services.sh up [SERVICE...]     install what is missing, start, wait until each answers
#   scripts/services.sh down [SERVICE...]   stop what this script started (by its pidfiles only)
#   scripts/services.sh status [SERVICE...] print each service up/down (exit 0 only if all up)
#   scripts/services.sh env                 print `export` lines pointing parley at them:
#                                           eval "$(scripts/services.sh env)"
#   scripts/services.sh clean               down, then delete the services' data (keeps the builds)
#
# SERVICE is one of: redis, mongo (FerretDB), kafka, s3 (s3rver). Default: all four.
#
#   redis  127.0.0.1:6380   Debian's redis-server, no persistence
#   mongo  127.0.0.1:27018  FerretDB v1.24.2 (MongoDB wire protocol) on SQLite; debug HTTP 127.0.0.1:8089
#   kafka  127.0.0.1:9093   Apache Kafka 4.4.0, KRaft, one combined broker+controller (controller 127.0.0.1:9094)
#   s3     127.0.0.1:4569   s3rver (S3 API), bucket parley-recordings, key/secret S3RVER/S3RVER
#
# Ports are one above each product's default so that a system-wide Redis/MongoDB/Kafka/s3rver
# (e.g. the one Debian's redis-server package starts on 6379 where systemd runs) doesn't clash.
# Everything listens on 127.0.0.1 only.
#
# Everything lives under $PARLEY_SERVICES_DIR (default /tmp/parley-services):
#   tools/  the FerretDB binary, Kafka's jars, s3rver's node_modules (kept by down and clean,
#           so a second `up` is fast)
#   run/    pidfiles;  log/  one log per service;  data/  each service's data
# Timeouts: PARLEY_SERVICES_TIMEOUT seconds per service to answer (default 90).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${PARLEY_SERVICES_DIR:-/tmp/parley-services}
TIMEOUT=${PARLEY_SERVICES_TIMEOUT:-90}
TOOLS=$DIR/tools
RUN=$DIR/run
LOGS=$DIR/log
DATA=$DIR/data

HOST=127.0.0.1
REDIS_PORT=6380
MONGO_PORT=27018
FERRETDB_DEBUG_PORT=8089 # FerretDB's own HTTP (metrics, /debug/readyz); its default 8088 is a common port
KAFKA_PORT=9093
KAFKA_CONTROLLER_PORT=9094
S3_PORT=4569
S3_BUCKET=parley-recordings

FERRETDB_VERSION=v1.24.2
KAFKA_POM=$ROOT/scripts/kafka/pom.xml
S3RVER_VERSION=3.7.1

ALL_SERVICES=(redis mongo kafka s3)

log() { printf '[services] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# ---------------------------------------------------------------- helpers

APT_UPDATED=0
apt_install() {
  # Debian's lists may be stale or absent on a fresh machine: update once per run, and only
  # when something actually has to be installed.
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# True when something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp, no nc needed).
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# The node that runs s3rver and the probes: the project's pinned Node 22 when installed
# (node_modules/.bin/node comes from the `node` devDependency), else the system one.
node_bin() {
  if [ -x "$ROOT/node_modules/.bin/node" ]; then
    echo "$ROOT/node_modules/.bin/node"
  elif command -v node >/dev/null; then
    command -v node
  else
    apt_install nodejs npm
    command -v node
  fi
}

# pid in $RUN/$1.pid if that process is alive and still the one we started (its command line
# contains $2) - guards against a recycled pid after a reboot or a crash.
our_pid() {
  local pidfile=$RUN/$1.pid pid
  [ -s "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$2"* ]] || return 1
  echo "$pid"
}

# Starts "$@" detached (own session, so it outlives this script and a Ctrl-C in its terminal),
# logging to $LOGS/$name.log, and records its pid in $RUN/$name.pid.
spawn() {
  local name=$1
  shift
  : >"$LOGS/$name.log"
  rm -f "$RUN/$name.pid"
  # The inner shell writes its own pid and then execs the command, so the pidfile holds the
  # service's real pid (not a wrapper's).
  # shellcheck disable=SC2016 # $$, $0 and $@ are the inner shell's
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$RUN/$name.pid" "$@" \
    </dev/null >>"$LOGS/$name.log" 2>&1 &
  # Wait for the pidfile so that a following our_pid/down sees it.
  local _
  for _ in $(seq 1 50); do
    [ -s "$RUN/$name.pid" ] && return 0
    sleep 0.1
  done
  die "$name: could not start (no pidfile)"
}

# Refuses to start $1 when one of its ports is already taken by a process we did not start:
# we never stop or reuse someone else's server.
ensure_ports_free() {
  local name=$1 port
  shift
  for port in "$@"; do
    if port_open "$port"; then
      die "$name: $HOST:$port is already in use by a process this script did not start; stop it or free the port"
    fi
  done
}

# wait_ready NAME PROBE_FUNCTION PIDFILE_MATCH: polls the probe until it succeeds, the process
# dies, or TIMEOUT passes; on failure prints the tail of the service's log.
wait_ready() {
  local name=$1 probe=$2 match=$3 deadline=$((SECONDS + TIMEOUT))
  while :; do
    if "$probe" >/dev/null 2>&1; then
      log "$name ready"
      return 0
    fi
    if ! our_pid "$name" "$match" >/dev/null; then
      log "$name exited before answering; last lines of $LOGS/$name.log:"
      tail -n 30 "$LOGS/$name.log" >&2 || true
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$name did not answer within ${TIMEOUT}s (left running for inspection; \`$0 down $name\` stops it); last lines of $LOGS/$name.log:"
      tail -n 30 "$LOGS/$name.log" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
}

stop_service() {
  local name=$1 match=$2 pid _
  if ! pid=$(our_pid "$name" "$match"); then
    rm -f "$RUN/$name.pid"
    log "$name: not running (nothing of ours to stop)"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  # Kafka needs a few seconds for a controlled shutdown; give everything up to 30s.
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) ignored SIGTERM for 30s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
  log "$name stopped (pid $pid)"
}

# ---------------------------------------------------------------- redis

REDIS_MATCH="redis-server $HOST:$REDIS_PORT"

redis_install() {
  # redis-server pulls in redis-tools (redis-cli). On machines with systemd the package also
  # starts a default instance on 6379; ours is separate, on 6380.
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    apt_install redis-server
  fi
}

redis_probe() { [ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

redis_start() {
  redis_install
  if our_pid redis "$REDIS_MATCH" >/dev/null; then return 0; fi
  ensure_ports_free redis "$REDIS_PORT"
  mkdir -p "$DATA/redis"
  : >"$LOGS/redis.log"
  rm -f "$RUN/redis.pid"
  # Redis daemonizes itself and writes its own pidfile. No persistence: --save "" (no RDB
  # snapshots) and no AOF - parley keeps only ephemeral state there.
  redis-server --bind "$HOST" --port "$REDIS_PORT" --protected-mode yes \
    --save "" --appendonly no --dir "$DATA/redis" \
    --daemonize yes --pidfile "$RUN/redis.pid" --logfile "$LOGS/redis.log"
  local _
  for _ in $(seq 1 50); do
    [ -s "$RUN/redis.pid" ] && return 0
    sleep 0.1
  done
  log "redis did not write its pidfile; last lines of $LOGS/redis.log:"
  tail -n 30 "$LOGS/redis.log" >&2 || true
  exit 1
}

redis_wait() { wait_ready redis redis_probe "$REDIS_MATCH"; }
redis_stop() { stop_service redis "$REDIS_MATCH"; }

# ---------------------------------------------------------------- mongo (FerretDB)

FERRETDB=$TOOLS/bin/ferretdb
MONGO_MATCH="--listen-addr=$HOST:$MONGO_PORT"

# Output captured first: `cmd | grep -q` under pipefail fails when grep quits early and cmd
# gets SIGPIPE writing the rest.
ferretdb_is_wanted_version() {
  local out
  [ -x "$FERRETDB" ] && out=$("$FERRETDB" --version 2>/dev/null) &&
    [[ $'\n'$out$'\n' == *$'\n'"version: $FERRETDB_VERSION"$'\n'* ]]
}

mongo_install() {
  if ferretdb_is_wanted_version; then return 0; fi
  command -v go >/dev/null || die "mongo: Go is needed to build FerretDB (Debian's golang-go is too old: FerretDB $FERRETDB_VERSION needs Go >= 1.21 to fetch its 1.24 toolchain)"
  log "building FerretDB $FERRETDB_VERSION (Go modules from the Go proxy; cached in $(go env GOMODCACHE))"
  # Why not plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@$FERRETDB_VERSION`:
  # the binary it makes panics at start ("Invalid build/version/version.txt file content"),
  # because FerretDB embeds build/version/version.txt, a file its release build generates and
  # the module zip lacks. So: the same module, at the same version, from the same proxy, copied
  # out of the module cache, with that one file written as `bin/task gen-version` would, then
  # built with `go build` from FerretDB's own main module.
  local moddir src
  mkdir -p "$TOOLS/src" "$TOOLS/bin"
  # Run from $TOOLS so that no surrounding go.mod (or go.work) has a say.
  local build_log=$LOGS/ferretdb-build.log
  moddir=$(cd "$TOOLS" && GOFLAGS='' GOWORK=off go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" 2>"$build_log" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p') || true
  if [ -z "$moddir" ] || [ ! -f "$moddir/go.mod" ]; then
    tail -n 20 "$build_log" >&2
    die "mongo: the Go proxy did not serve github.com/FerretDB/FerretDB@$FERRETDB_VERSION (not substituting another version)"
  fi
  src=$TOOLS/src/ferretdb-$FERRETDB_VERSION
  rm -rf "$src"
  cp -r "$moddir" "$src"
  chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  # -buildvcs=false: $src is not a git checkout. GOFLAGS cleared so a user's -mod=vendor etc.
  # cannot interfere.
  (cd "$src" && GOFLAGS='' GOWORK=off go build -buildvcs=false -o "$FERRETDB.tmp" ./cmd/ferretdb) >>"$build_log" 2>&1 ||
    { tail -n 30 "$build_log" >&2; die "mongo: building FerretDB failed (log: $build_log)"; }
  mv "$FERRETDB.tmp" "$FERRETDB"
  rm -rf "$src"
  ferretdb_is_wanted_version || die "mongo: built FerretDB does not report $FERRETDB_VERSION"
}

# A real MongoDB wire round trip: OP_MSG {ping: 1, $db: "admin"}, expecting ok: 1 back.
# (No mongosh or MongoDB driver here; FerretDB's /debug/readyz only checks the wire when
# --setup-database is given, which would need auth.)
# shellcheck disable=SC2016 # JavaScript, not shell
MONGO_PING_JS='
const net = require("net");
const cstr = (s) => Buffer.concat([Buffer.from(s), Buffer.from([0])]);
const i32 = (n) => { const b = Buffer.alloc(4); b.writeInt32LE(n); return b; };
const els = Buffer.concat([Buffer.from([0x10]), cstr("ping"), i32(1),
  Buffer.from([0x02]), cstr("$db"), i32(6), cstr("admin")]);
const doc = Buffer.concat([i32(els.length + 5), els, Buffer.from([0])]);
const body = Buffer.concat([i32(0), Buffer.from([0]), doc]); // flagBits, section kind 0, body
const msg = Buffer.concat([i32(16 + body.length), i32(1), i32(0), i32(2013), body]); // OP_MSG
const fail = (why) => { console.error(why); process.exit(1); };
const sock = net.connect({ host: process.argv[1], port: Number(process.argv[2]) }, () => sock.write(msg));
sock.setTimeout(3000, () => fail("timeout"));
sock.on("error", (e) => fail(e.message));
let buf = Buffer.alloc(0);
sock.on("data", (d) => {
  buf = Buffer.concat([buf, d]);
  if (buf.length < 4 || buf.length < buf.readInt32LE(0)) return;
  const at = buf.indexOf(Buffer.concat([Buffer.from([0x01]), cstr("ok")]), 21); // double "ok"
  sock.destroy();
  at >= 0 && buf.readDoubleLE(at + 4) === 1 ? process.exit(0) : fail("no ok: 1 in reply");
});'

mongo_probe() { "$NODE" -e "$MONGO_PING_JS" "$HOST" "$MONGO_PORT"; }

mongo_start() {
  mongo_install
  if our_pid mongo "$MONGO_MATCH" >/dev/null; then return 0; fi
  ensure_ports_free mongo "$MONGO_PORT" "$FERRETDB_DEBUG_PORT"
  mkdir -p "$DATA/ferretdb/sqlite" "$DATA/ferretdb/state"
  # A dropped database can leave its -wal/-shm files behind (the process stopped before SQLite
  # removed them); FerretDB would open them at start as an empty database and refuse to boot.
  # Likewise a database file created but never given FerretDB's metadata table (its process
  # was killed in between) makes it refuse to boot: such a file holds no data, so it goes.
  local journal
  for journal in "$DATA"/ferretdb/sqlite/*.sqlite-wal "$DATA"/ferretdb/sqlite/*.sqlite-shm; do
    if [[ -e $journal && ! -e ${journal%-*} ]]; then rm -f "$journal"; fi
  done
  python3 - "$DATA/ferretdb/sqlite" <<'PY'
import glob, os, sqlite3, sys
for path in glob.glob(os.path.join(sys.argv[1], "*.sqlite")):
    db = sqlite3.connect(path)
    try:
        empty = db.execute("select 1 from sqlite_master where name = '_ferretdb_collections'").fetchone() is None
    finally:
        db.close()
    if empty:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        print(f"[services] mongo: removed {os.path.basename(path)} (no FerretDB metadata)", file=sys.stderr)
PY
  # SQLite handler: one file per database under data/ferretdb/sqlite (the URL must end in /).
  # No auth (FerretDB v1 has none unless --setup-* / new auth is asked for). Telemetry off:
  # no network beyond the registries here, and none wanted. --state-dir: FerretDB writes a
  # state.json (telemetry decision, uuid) and would otherwise drop it in the current directory.
  spawn mongo "$FERRETDB" \
    --handler=sqlite --sqlite-url="file:$DATA/ferretdb/sqlite/" \
    --listen-addr="$HOST:$MONGO_PORT" --debug-addr="$HOST:$FERRETDB_DEBUG_PORT" \
    --state-dir="$DATA/ferretdb/state" --telemetry=disable --log-level=INFO
}

mongo_wait() { wait_ready mongo mongo_probe "$MONGO_MATCH"; }
mongo_stop() { stop_service mongo "$MONGO_MATCH"; }

# ---------------------------------------------------------------- kafka

KAFKA_LIBS=$TOOLS/kafka-libs
KAFKA_DIR=$DATA/kafka
KAFKA_MATCH="kafka.Kafka $KAFKA_DIR/server.properties"

kafka_java() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  local major
  major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [ "${major%%.*}" -ge 17 ] 2>/dev/null || die "kafka: Kafka 4 needs Java 17+, found java.specification.version=$major"
}

kafka_install() {
  kafka_java
  # The jars are fetched again only when scripts/kafka/pom.xml changes (stamp = its checksum).
  local sum
  sum=$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)
  if [ -f "$KAFKA_LIBS/.pom.sha256" ] && [ "$(cat "$KAFKA_LIBS/.pom.sha256")" = "$sum" ]; then
    return 0
  fi
  command -v mvn >/dev/null || apt_install maven
  log "fetching Kafka jars from Maven Central (mvn, cached in ~/.m2)"
  rm -rf "$KAFKA_LIBS"
  mkdir -p "$KAFKA_LIBS"
  mvn -q -B -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
    -DoutputDirectory="$KAFKA_LIBS" >"$LOGS/kafka-fetch.log" 2>&1 ||
    { tail -n 30 "$LOGS/kafka-fetch.log" >&2; die "kafka: fetching the jars with Maven failed (log: $LOGS/kafka-fetch.log)"; }
  echo "$sum" >"$KAFKA_LIBS/.pom.sha256"
}

kafka_config() {
  mkdir -p "$KAFKA_DIR/logs"
  # One KRaft node that is both broker and controller; the controller quorum is itself
  # (dynamic quorum, bootstrapped by `format --standalone`).
  cat >"$KAFKA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DIR/logs
auto.create.topics.enable=true
num.partitions=1
default.replication.factor=1
# A single broker: every internal topic gets one replica, or it is never created.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Local dev/tests: no 3 s wait before the first consumer group rebalance.
group.initial.rebalance.delay.ms=0
EOF
  # Kafka logs through slf4j -> log4j2; without a config log4j2 prints only errors.
  cat >"$KAFKA_DIR/log4j2.properties" <<'EOF'
rootLogger.level=INFO
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.state.name=state.change.logger
logger.state.level=WARN
EOF
  # The command-line tools (format, probe) only need to say what went wrong.
  sed 's/^rootLogger.level=.*/rootLogger.level=WARN/; s/^logger.kafka.level=.*/logger.kafka.level=WARN/' \
    "$KAFKA_DIR/log4j2.properties" >"$KAFKA_DIR/log4j2-tools.properties"
}

# A Kafka command-line tool (main class + args) on the broker's classpath, quiet logging.
kafka_tool() {
  java -Xmx256m -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2-tools.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

# An ApiVersions round trip through the broker listener: answers only once the broker has
# registered with the controller and is serving requests.
kafka_probe() {
  local out
  port_open "$KAFKA_PORT" &&
    out=$(kafka_tool org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$HOST:$KAFKA_PORT" 2>&1) &&
    [[ $out == *"$HOST:$KAFKA_PORT (id: 1"* ]]
}

kafka_start() {
  kafka_install
  if our_pid kafka "$KAFKA_MATCH" >/dev/null; then return 0; fi
  ensure_ports_free kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  kafka_config
  # KRaft storage must be formatted once with a cluster id; kept across down/up.
  if [ ! -f "$KAFKA_DIR/logs/meta.properties" ]; then
    local cluster_id
    cluster_id=$(kafka_tool kafka.tools.StorageTool random-uuid)
    log "formatting Kafka storage (cluster id $cluster_id)"
    kafka_tool kafka.tools.StorageTool format --standalone -t "$cluster_id" \
      -c "$KAFKA_DIR/server.properties" >>"$LOGS/kafka-format.log" 2>&1 ||
      { tail -n 30 "$LOGS/kafka-format.log" >&2; die "kafka: storage format failed"; }
  fi
  spawn kafka java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties"
}

kafka_wait() { wait_ready kafka kafka_probe "$KAFKA_MATCH"; }
kafka_stop() { stop_service kafka "$KAFKA_MATCH"; }

# ---------------------------------------------------------------- s3 (s3rver)

S3RVER_PREFIX=$TOOLS/s3rver
S3RVER_JS=$S3RVER_PREFIX/node_modules/s3rver/bin/s3rver.js
S3_MATCH="s3rver.js -d $DATA/s3rver"

s3_install() {
  if [ -f "$S3RVER_JS" ] && grep -q "\"version\": \"$S3RVER_VERSION\"" "$S3RVER_PREFIX/node_modules/s3rver/package.json"; then
    return 0
  fi
  command -v npm >/dev/null || apt_install npm
  log "installing s3rver@$S3RVER_VERSION from npm"
  mkdir -p "$S3RVER_PREFIX"
  npm install --prefix "$S3RVER_PREFIX" --no-audit --no-fund --loglevel=error "s3rver@$S3RVER_VERSION" \
    >"$LOGS/s3rver-install.log" 2>&1 ||
    { tail -n 30 "$LOGS/s3rver-install.log" >&2; die "s3: npm install s3rver@$S3RVER_VERSION failed"; }
}

s3_probe() {
  # The service root lists buckets; wait until ours is there (s3rver creates it at start).
  "$NODE" -e 'fetch(process.argv[1]).then(async (r) => process.exit(r.ok && (await r.text()).includes("<Name>" + process.argv[2] + "</Name>") ? 0 : 1), () => process.exit(1))' \
    "http://$HOST:$S3_PORT/" "$S3_BUCKET"
}

s3_start() {
  s3_install
  if our_pid s3 "$S3_MATCH" >/dev/null; then return 0; fi
  ensure_ports_free s3 "$S3_PORT"
  mkdir -p "$DATA/s3rver"
  # s3rver knows one account, access key id S3RVER (secret S3RVER). It rejects other key ids
  # but does not verify SigV4 signatures (so a wrong secret goes unnoticed), and it also
  # serves unsigned requests. --configure-bucket creates the bucket at start if missing.
  spawn s3 "$NODE" "$S3RVER_JS" -d "$DATA/s3rver" -a "$HOST" -p "$S3_PORT" \
    --configure-bucket "$S3_BUCKET"
}

s3_wait() { wait_ready s3 s3_probe "$S3_MATCH"; }
s3_stop() { stop_service s3 "$S3_MATCH"; }

# ---------------------------------------------------------------- commands

# contains WORD LIST...: is WORD one of LIST (no pipes: grep -q + pipefail can misfire on SIGPIPE)
contains() {
  local w=$1 x
  shift
  for x in "$@"; do [ "$x" = "$w" ] && return 0; done
  return 1
}

# Sets SERVICES from the arguments (accepting a few aliases); none means all. Not run in a
# subshell, so that an unknown name stops the script.
parse_services() {
  SERVICES=()
  if [ "$#" -eq 0 ]; then
    SERVICES=("${ALL_SERVICES[@]}")
    return
  fi
  local s
  for s in "$@"; do
    case $s in
    redis) SERVICES+=(redis) ;;
    mongo | mongodb | ferretdb) SERVICES+=(mongo) ;;
    kafka) SERVICES+=(kafka) ;;
    s3 | s3rver) SERVICES+=(s3) ;;
    *) die "unknown service '$s' (expected: ${ALL_SERVICES[*]})" ;;
    esac
  done
}

cmd_up() {
  local s start=$SECONDS
  parse_services "$@"
  mkdir -p "$TOOLS" "$RUN" "$LOGS" "$DATA"
  NODE=$(node_bin)
  # Start each right after installing it, wait for all at the end: Kafka's JVM boots while
  # FerretDB builds on a cold machine. FerretDB comes last because its first build is slowest.
  for s in redis s3 kafka mongo; do
    if contains "$s" "${SERVICES[@]}"; then "${s}_start"; fi
  done
  for s in "${SERVICES[@]}"; do "${s}_wait"; done
  log "up in $((SECONDS - start))s: ${SERVICES[*]}  (data and logs in $DIR)"
}

cmd_down() {
  local s
  parse_services "$@"
  for s in "${SERVICES[@]}"; do "${s}_stop"; done
}

cmd_status() {
  local s match pid state rc=0
  parse_services "$@"
  # No installing from `status`: the project's node, else whatever node is on PATH.
  if [ -x "$ROOT/node_modules/.bin/node" ]; then NODE=$ROOT/node_modules/.bin/node; else NODE=node; fi
  for s in "${SERVICES[@]}"; do
    case $s in
    redis) match=$REDIS_MATCH ;;
    mongo) match=$MONGO_MATCH ;;
    kafka) match=$KAFKA_MATCH ;;
    s3) match=$S3_MATCH ;;
    esac
    if pid=$(our_pid "$s" "$match"); then
      if "${s}_probe" >/dev/null 2>&1; then state="up (pid $pid)"; else state="starting or unhealthy (pid $pid, not answering)"; rc=1; fi
    else
      state=down
      rc=1
    fi
    printf '%-6s %s\n' "$s" "$state"
  done
  return $rc
}

cmd_env() {
  cat <<EOF
export REDIS_URL=redis://$HOST:$REDIS_PORT
export MONGODB_URI=mongodb://$HOST:$MONGO_PORT/parley
export KAFKA_BROKERS=$HOST:$KAFKA_PORT
export S3_ENDPOINT=http://$HOST:$S3_PORT
export S3_BUCKET=$S3_BUCKET
export S3_REGION=us-east-1
export S3_ACCESS_KEY_ID=S3RVER
export S3_SECRET_ACCESS_KEY=S3RVER
export S3_FORCE_PATH_STYLE=true
EOF
}

cmd_clean() {
  cmd_down
  rm -rf "$DATA" "$LOGS" "$RUN"
  log "removed data, logs and pidfiles under $DIR (tools kept in $TOOLS)"
}

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

main() {
  local cmd=${1:-}
  if [ "$#" -gt 0 ]; then shift; fi
  case $cmd in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status "$@" ;;
  env) cmd_env ;;
  clean) cmd_clean ;;
  -h | --help | help) usage 0 ;;
  *) usage 2 >&2 ;;
  esac
}

main "$@"
