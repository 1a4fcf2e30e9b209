#!/usr/bin/env bash
# Reproduces docs/benchmarks.md on this machine.
#
# Builds Release, starts Sluice (durable default, fresh data directory), nginx
# (fixed 200 to any POST: the HTTP ceiling) and moto_server (a peer SQS
# implementation) on free loopback ports, runs the same sluice-bench scenarios
# against each, then fills a queue with 1,000,000 messages and measures
# Sluice's RSS and restart time. Then the Kinesis part: PutRecords and
# GetRecords against a fresh Sluice (durable default), kinesalite (a peer
# Kinesis implementation, in memory; installed from tools/kinesalite with
# npm ci) and nginx (fixed answers: the client's ceiling). Prints a Markdown
# report on stdout; progress goes to stderr. Every server it starts is
# stopped on exit.
#
# Environment:
#   BUILD_DIR    build directory (default: build-bench)
#   SLUICE       sluice executable to measure (default: BUILD_DIR/sluice, built)
#   DURATION     measured seconds per scenario (default: 10)
#   WARMUP       unmeasured seconds before each scenario (default: 2)
#   FILL         messages for the queued test (default: 1000000)
#   KINESIS_FILL_MB  MB of records written before the GetRecords scenario (default: 256)
#   PARTS        "sqs kinesis" (default), "sqs" or "kinesis": the parts to run and report
#   MOTO_SERVER  moto_server executable (default: from PATH, else pyenv shim)
#   KEEP=1       keep the work directory (JSON outputs, logs) for inspection
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
FILL=${FILL:-1000000}
KINESIS_FILL_MB=${KINESIS_FILL_MB:-256}
PARTS=${PARTS:-sqs kinesis}
MOTO_SERVER=${MOTO_SERVER:-$(command -v moto_server || echo /root/.pyenv/shims/moto_server)}
KINESALITE_DIR=$ROOT/tools/kinesalite
RUN_SQS=0
RUN_KINESIS=0
for part in $PARTS; do
  case $part in
    sqs) RUN_SQS=1 ;;
    kinesis) RUN_KINESIS=1 ;;
    *) printf 'bench: PARTS: unknown part %s (sqs, kinesis)\n' "$part" >&2; exit 2 ;;
  esac
done

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

WORK=$(mktemp -d -t sluice-bench.XXXXXX)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ "${KEEP:-0}" == 1 ]]; then log "outputs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL SECONDS: until URL answers any HTTP status.
wait_http() {
  local url=$1 deadline=$((SECONDS + $2))
  until curl -s -o /dev/null -m 1 "$url"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

now_ns() { date +%s%N; }

# ------------------------------------------------------------------ build
log "building Release in $BUILD_DIR"
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF >"$WORK/cmake.log" 2>&1 ||
  { cat "$WORK/cmake.log" >&2; die "cmake configure failed"; }
if [[ -n "${SLUICE:-}" ]]; then
  BUILD_TARGETS=(sluice-bench)
else
  BUILD_TARGETS=(sluice sluice-bench)
  SLUICE=$BUILD_DIR/sluice
fi
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${BUILD_TARGETS[@]}" >>"$WORK/cmake.log" 2>&1 ||
  { tail -50 "$WORK/cmake.log" >&2; die "build failed"; }
[[ -x "$SLUICE" ]] || die "no sluice executable at $SLUICE"
BENCH=$BUILD_DIR/sluice-bench

if ! command -v nginx >/dev/null; then
  log "installing nginx"
  apt-get install -y nginx >"$WORK/apt.log" 2>&1 || die "apt-get install nginx failed (see $WORK/apt.log)"
fi
NGINX=$(command -v nginx)
if ((RUN_SQS)); then
  [[ -x "$MOTO_SERVER" ]] || die "moto_server not found; set MOTO_SERVER"
fi
if ((RUN_KINESIS)); then
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    log "installing nodejs and npm"
    apt-get install -y nodejs npm >"$WORK/apt-node.log" 2>&1 ||
      die "apt-get install nodejs npm failed (see $WORK/apt-node.log)"
  fi
  if [[ ! -f "$KINESALITE_DIR/node_modules/kinesalite/cli.js" ]]; then
    log "installing kinesalite (npm ci in $KINESALITE_DIR)"
    # leveldown, kinesalite's optional dependency, serves only its on-disk mode.
    (cd "$KINESALITE_DIR" && npm ci --omit=optional --no-audit --no-fund) >"$WORK/npm.log" 2>&1 ||
      die "npm ci in $KINESALITE_DIR failed: $(tail -5 "$WORK/npm.log")"
  fi
fi

# ---------------------------------------------------------------- servers
SLUICE_DATA=$WORK/sluice-data
SLUICE_PORT=$(free_port)
SLUICE_PID=
SLUICE_STARTS=0
SLUICE_EXTRA=()

# start_sluice: serves $SLUICE_DATA on $SLUICE_PORT; returns once the
# startup line is printed.
start_sluice() {
  SLUICE_STARTS=$((SLUICE_STARTS + 1))
  local out=$WORK/sluice.$SLUICE_STARTS.out err=$WORK/sluice.$SLUICE_STARTS.err
  "$SLUICE" serve --port "$SLUICE_PORT" --data-dir "$SLUICE_DATA" "${SLUICE_EXTRA[@]}" >"$out" 2>"$err" &
  SLUICE_PID=$!
  PIDS+=("$SLUICE_PID")
  local deadline=$((SECONDS + 120))
  until grep -q "listening on 127.0.0.1:$SLUICE_PORT" "$out" 2>/dev/null; do
    kill -0 "$SLUICE_PID" 2>/dev/null || die "sluice exited: $(tail -5 "$err")"
    ((SECONDS < deadline)) || die "sluice did not start"
    sleep 0.01
  done
}

start_nginx() {
  NGINX_PORT=$(free_port)
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
error_log $WORK/nginx/error.log warn;
pid $WORK/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  client_body_buffer_size 1m;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      default_type application/x-amz-json-1.0;
      return 200 '{}';
    }
  }
}
EOF
  "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' >"$WORK/nginx/stdout.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  wait_http "http://127.0.0.1:$NGINX_PORT/" 20 || die "nginx did not start: $(cat "$WORK/nginx/stdout.log")"
}

start_moto() {
  MOTO_PORT=$(free_port)
  "$MOTO_SERVER" -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
  MOTO_PID=$!
  PIDS+=("$MOTO_PID")
  wait_http "http://127.0.0.1:$MOTO_PORT/" 60 || die "moto_server did not start: $(tail -5 "$WORK/moto.log")"
}

stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# bench NAME TARGET PORT ARGS...: one sluice-bench run, JSON kept as NAME.TARGET.json
bench() {
  local name=$1 target=$2 port=$3
  shift 3
  log "$name against $target"
  local rc=0
  "$BENCH" --endpoint "http://127.0.0.1:$port" --json "$@" >"$WORK/$name.$target.json" 2>"$WORK/$name.$target.log" || rc=$?
  ((rc == 0)) || log "  sluice-bench exited with status $rc"
  grep -E '^(requests|messages|errors|sluice-bench:) ' "$WORK/$name.$target.log" | sed 's/^/  /' >&2 || true
}

# Scenario flags, shared by every target.
TIMED=(--duration "$DURATION" --warmup "$WARMUP")
S_BATCH=(sqs-send --queue bench-batch --batch 10 --body-size 100 --connections 32)
S_CYCLE=(sqs-cycle --queue bench-cycle --batch 10 --body-size 100 --producers 6 --consumers 12 --wait-seconds 1)
# The same cycle with a third more connections on each side (Sluice only):
# how the figure moves with the number of clients.
S_CYCLE_WIDE=(sqs-cycle --queue bench-cycle-wide --batch 10 --body-size 100 --producers 8 --consumers 16 --wait-seconds 1)
S_LATENCY=(sqs-send --queue bench-latency --batch 1 --body-size 100 --connections 32)
LATENCY_RATE=(--rate 2000)

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_BEFORE%% *}" -v n="$(nproc)" 'BEGIN {exit !(l > n / 4)}'; then
  log "warning: load average $LOAD_BEFORE before the run; other work on this machine will lower the figures"
fi

# Sync-write latency of the file system holding the data directories: 500
# 4 KiB writes with O_DSYNC, as a durable acknowledgement needs at least one.
dd if=/dev/zero of="$WORK/dsync-probe" bs=4k count=500 oflag=dsync 2>"$WORK/dsync.log" || true
DSYNC_MS=$(awk '/copied/ {for (i = 1; i <= NF; i++) if ($i == "s,") print $(i - 1) * 1000 / 500}' "$WORK/dsync.log")
rm -f "$WORK/dsync-probe"

# The SQS part runs from here to its closing "fi".
if ((RUN_SQS)); then
# ----------------------------------------------------------------- sluice
log "starting sluice on 127.0.0.1:$SLUICE_PORT (data $SLUICE_DATA)"
start_sluice
bench batch sluice "$SLUICE_PORT" "${TIMED[@]}" "${S_BATCH[@]}"
bench cycle sluice "$SLUICE_PORT" "${TIMED[@]}" "${S_CYCLE[@]}"
bench cycle-wide sluice "$SLUICE_PORT" "${TIMED[@]}" "${S_CYCLE_WIDE[@]}"
bench latency sluice "$SLUICE_PORT" "${TIMED[@]}" "${LATENCY_RATE[@]}" "${S_LATENCY[@]}"

# 1,000,000 x 100 B queued: fill, RSS, restart.
FILL_REQUESTS=$(((FILL + 9) / 10))
bench fill sluice "$SLUICE_PORT" --requests "$FILL_REQUESTS" --duration 600 \
  sqs-send --queue bench-fill --batch 10 --body-size 100 --connections 32
sleep 1
RSS_FILLED_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$SLUICE_PID/status")
HWM_FILLED_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$SLUICE_PID/status")
DATA_BYTES=$(du -sb "$SLUICE_DATA" | cut -f1)

log "restarting sluice with the filled queue"
FILL_URL="http://127.0.0.1:$SLUICE_PORT/000000000000/bench-fill"
T_TERM=$(now_ns)
stop_pid "$SLUICE_PID"
T_EXITED=$(now_ns)
start_sluice
T_LISTENING=$(now_ns)
deadline=$((SECONDS + 120))
until curl -sf -m 5 -o /dev/null "http://127.0.0.1:$SLUICE_PORT/health"; do
  ((SECONDS < deadline)) || die "no /health answer after restart"
  sleep 0.01
done
T_HEALTH=$(now_ns)
until curl -sf -m 5 -X POST "http://127.0.0.1:$SLUICE_PORT/" \
  -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: AmazonSQS.ReceiveMessage' \
  --data "{\"QueueUrl\":\"$FILL_URL\",\"MaxNumberOfMessages\":1}" | grep -q '"ReceiptHandle"'; do
  ((SECONDS < deadline)) || die "ReceiveMessage did not succeed after restart"
  sleep 0.01
done
T_READY=$(now_ns)
sleep 1
RSS_RESTARTED_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$SLUICE_PID/status")
stop_pid "$SLUICE_PID"

cat >"$WORK/restart.json" <<EOF
{"rss_filled_kb": $RSS_FILLED_KB, "hwm_filled_kb": $HWM_FILLED_KB, "rss_restarted_kb": $RSS_RESTARTED_KB,
 "data_bytes": $DATA_BYTES,
 "shutdown_s": $(awk "BEGIN {print ($T_EXITED - $T_TERM) / 1e9}"),
 "start_to_listening_s": $(awk "BEGIN {print ($T_LISTENING - $T_EXITED) / 1e9}"),
 "start_to_health_s": $(awk "BEGIN {print ($T_HEALTH - $T_EXITED) / 1e9}"),
 "start_to_ready_s": $(awk "BEGIN {print ($T_READY - $T_EXITED) / 1e9}"),
 "restart_s": $(awk "BEGIN {print ($T_READY - $T_TERM) / 1e9}")}
EOF

# ------------------------------------------------- sluice, relaxed durability
# The same scenarios with --durability relaxed (acknowledged once written to
# the OS, not synced), to separate the disk's sync latency from the rest.
SLUICE_DATA=$WORK/sluice-relaxed-data
SLUICE_EXTRA=(--durability relaxed)
log "starting sluice --durability relaxed on 127.0.0.1:$SLUICE_PORT (data $SLUICE_DATA)"
start_sluice
bench batch sluice-relaxed "$SLUICE_PORT" "${TIMED[@]}" "${S_BATCH[@]}"
bench cycle sluice-relaxed "$SLUICE_PORT" "${TIMED[@]}" "${S_CYCLE[@]}"
bench cycle-wide sluice-relaxed "$SLUICE_PORT" "${TIMED[@]}" "${S_CYCLE_WIDE[@]}"
bench latency sluice-relaxed "$SLUICE_PORT" "${TIMED[@]}" "${LATENCY_RATE[@]}" "${S_LATENCY[@]}"
stop_pid "$SLUICE_PID"

# ------------------------------------------------------------------ nginx
start_nginx
log "nginx on 127.0.0.1:$NGINX_PORT"
NGINX_QUEUE=(--queue-url "http://127.0.0.1:$NGINX_PORT/000000000000/nginx")
bench batch nginx "$NGINX_PORT" "${TIMED[@]}" "${S_BATCH[@]}" "${NGINX_QUEUE[@]}"
bench latency nginx "$NGINX_PORT" "${TIMED[@]}" "${LATENCY_RATE[@]}" "${S_LATENCY[@]}" "${NGINX_QUEUE[@]}"
stop_pid "$NGINX_PID"

# ------------------------------------------------------------------- moto
start_moto
log "moto_server on 127.0.0.1:$MOTO_PORT"
bench batch moto "$MOTO_PORT" "${TIMED[@]}" "${S_BATCH[@]}"
bench cycle moto "$MOTO_PORT" "${TIMED[@]}" "${S_CYCLE[@]}"
bench latency moto "$MOTO_PORT" "${TIMED[@]}" "${LATENCY_RATE[@]}" "${S_LATENCY[@]}"
stop_pid "$MOTO_PID"
fi  # RUN_SQS

# ---------------------------------------------------------------- kinesis
# PutRecords 500 × 1 KiB into a 4-shard stream, and GetRecords (Limit 10,000)
# from TRIM_HORIZON by one reader per shard over KINESIS_FILL_MB of 1 KiB
# records, against a fresh Sluice, kinesalite and nginx.
K_PUT=(kinesis-put --stream bench-put --shards 4 --records 500 --record-size 1024 --connections 8)
K_GET=(kinesis-get --stream bench-get --shards 4 --records 500 --record-size 1024 --readers-per-shard 1
  --limit 10000 --fill-mb "$KINESIS_FILL_MB" --fill-connections 4)

# start_nginx_kinesis: 200 {} to PutRecords and, to anything else, one fixed
# GetRecords answer of 10,000 × 1 KiB records that also carries a
# ShardIterator, so readers loop on it: the client's own ceiling.
start_nginx_kinesis() {
  NGINX_K_PORT=$(free_port)
  local dir=$WORK/nginx-kinesis
  mkdir -p "$dir/www"
  python3 - "$dir/www/getrecords.json" <<'PY'
import base64, json, os, sys
records = [{"SequenceNumber": "4%055d" % i, "ApproximateArrivalTimestamp": 1795808389.258,
            "Data": base64.b64encode(os.urandom(1024)).decode(), "PartitionKey": "%016x" % i}
           for i in range(10000)]
answer = {"ShardIterator": "fixed", "Records": records, "NextShardIterator": "fixed", "MillisBehindLatest": 0}
with open(sys.argv[1], "w") as f:
    json.dump(answer, f, separators=(",", ":"))
PY
  # Workers run as this user (not nobody) to read the answer from the private work directory.
  cat >"$dir/nginx.conf" <<EOF
user $(id -un) $(id -gn);
worker_processes auto;
error_log $dir/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  client_max_body_size 8m;
  client_body_buffer_size 8m;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  server {
    listen 127.0.0.1:$NGINX_K_PORT;
    root $dir/www;
    default_type application/x-amz-json-1.1;
    location / {
      if (\$http_x_amz_target = "Kinesis_20131202.PutRecords") {
        return 200 '{}';
      }
      # A POST to a static file is refused with 405; this serves the file instead.
      error_page 405 =200 /getrecords.json;
      return 405;
    }
    location = /getrecords.json {
    }
  }
}
EOF
  "$NGINX" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/stdout.log" 2>&1 &
  NGINX_K_PID=$!
  PIDS+=("$NGINX_K_PID")
  wait_http "http://127.0.0.1:$NGINX_K_PORT/" 20 || die "nginx did not start: $(cat "$dir/stdout.log")"
}

# start_kinesalite: in memory (no --path), streams ACTIVE at once.
start_kinesalite() {
  KINESALITE_PORT=$(free_port)
  node "$KINESALITE_DIR/node_modules/kinesalite/cli.js" --port "$KINESALITE_PORT" \
    --createStreamMs 0 --deleteStreamMs 0 --updateStreamMs 0 >"$WORK/kinesalite.log" 2>&1 &
  KINESALITE_PID=$!
  PIDS+=("$KINESALITE_PID")
  wait_http "http://127.0.0.1:$KINESALITE_PORT/" 60 ||
    die "kinesalite did not start: $(tail -5 "$WORK/kinesalite.log")"
}

if ((RUN_KINESIS)); then
  SLUICE_DATA=$WORK/sluice-kinesis-data
  SLUICE_EXTRA=()
  log "starting sluice for kinesis on 127.0.0.1:$SLUICE_PORT (data $SLUICE_DATA)"
  start_sluice
  bench kget sluice "$SLUICE_PORT" "${TIMED[@]}" "${K_GET[@]}"
  bench kput sluice "$SLUICE_PORT" "${TIMED[@]}" "${K_PUT[@]}"
  K_SLUICE_HWM_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$SLUICE_PID/status")
  stop_pid "$SLUICE_PID"

  start_kinesalite
  log "kinesalite on 127.0.0.1:$KINESALITE_PORT"
  bench kget kinesalite "$KINESALITE_PORT" "${TIMED[@]}" "${K_GET[@]}"
  bench kput kinesalite "$KINESALITE_PORT" "${TIMED[@]}" "${K_PUT[@]}"
  K_KINESALITE_HWM_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$KINESALITE_PID/status")
  stop_pid "$KINESALITE_PID"

  start_nginx_kinesis
  log "nginx (fixed Kinesis answers) on 127.0.0.1:$NGINX_K_PORT"
  bench kget nginx "$NGINX_K_PORT" "${TIMED[@]}" "${K_GET[@]}" --no-setup
  bench kput nginx "$NGINX_K_PORT" "${TIMED[@]}" "${K_PUT[@]}" --no-setup
  stop_pid "$NGINX_K_PID"
  cat >"$WORK/kinesis-hwm.json" <<EOF
{"sluice": ${K_SLUICE_HWM_KB:-0}, "kinesalite": ${K_KINESALITE_HWM_KB:-0}}
EOF
fi

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ----------------------------------------------------------------- report
export WORK DURATION WARMUP FILL LOAD_BEFORE LOAD_AFTER DSYNC_MS RUN_SQS RUN_KINESIS KINESIS_FILL_MB
export NPROC=$(nproc)
export CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
export KERNEL=$(uname -r)
export MEM_TOTAL=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
export DATA_FS=$(df -T "$WORK" | awk 'NR == 2 {print $2}')
export NGINX_VERSION=$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')
export MOTO_VERSION=$("$(dirname "$(readlink -f "$MOTO_SERVER")")/python" -c 'import moto; print(moto.__version__)' 2>/dev/null ||
  python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo unknown)
export KINESALITE_VERSION=$(node -p 'require(process.argv[1]).version' "$KINESALITE_DIR/node_modules/kinesalite/package.json" 2>/dev/null || echo unknown)
export NODE_VERSION=$(node --version 2>/dev/null || echo unknown)
export SLUICE_VERSION=$("$SLUICE" --version 2>/dev/null | head -1)
export SOURCE_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
export SOURCE_DIRTY=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | wc -l)
python3 - <<'EOF'
import json, os

work = os.environ["WORK"]

def load(name, target):
    path = f"{work}/{name}.{target}.json"
    try:
        with open(path) as f:
            text = f.read().strip()
        return json.loads(text) if text else None
    except (OSError, ValueError):
        return None

def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return f"{v:,}" + unit
    if v >= 1000:
        s = f"{v:,.0f}"
    elif v >= 100:
        s = f"{v:.0f}"
    elif v >= 10:
        s = f"{v:.1f}"
    else:
        s = f"{v:.2f}"
    return s + unit

def ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    r = a / b
    if r < 0.01:
        return f"1/{1 / r:,.0f}"
    if r < 0.1:
        return f"{r:.3f}×"
    return f"{r:.2f}×" if r < 10 else f"{r:,.0f}×"

def get(d, *path):
    for p in path:
        if d is None:
            return None
        d = d.get(p) if isinstance(d, dict) else None
    return d

def errors(d):
    if d is None:
        return None
    return d["errors"]["requests"] + d["errors"]["entries"]

def verdict(ok):
    return "met" if ok else "not met"

def sqs_report():
    rows = []
    TARGETS = ("sluice", "sluice-relaxed", "nginx", "moto")
    def row(scenario, metric, key_fn, targets=TARGETS, name=None, ratios=True):
        vals = {t: (key_fn(load(name, t)) if t in targets else None) for t in TARGETS}
        rows.append((scenario, metric, vals, ratios))

    row("SendMessageBatch 10 × 100 B, 32 conns", "messages/s", lambda d: get(d, "messages_per_s"), name="batch")
    row("", "requests/s", lambda d: get(d, "requests_per_s"), name="batch")
    row("", "p99 latency, ms", lambda d: get(d, "latency_ms", "all", "p99"), name="batch")
    row("", "errors", errors, name="batch", ratios=False)
    row("", "client CPU, % of one core", lambda d: get(d, "client_cpu_percent"), name="batch", ratios=False)
    row("Cycle: send 10, receive 10 (wait 1 s), delete 10; 6 + 12 conns", "messages deleted/s",
        lambda d: get(d, "messages_per_s"), targets=("sluice", "sluice-relaxed", "moto"), name="cycle")
    row("", "requests/s", lambda d: get(d, "requests_per_s"), targets=("sluice", "sluice-relaxed", "moto"), name="cycle")
    row("", "errors", errors, targets=("sluice", "sluice-relaxed", "moto"), name="cycle", ratios=False)
    row("The same cycle, 8 + 16 conns", "messages deleted/s",
        lambda d: get(d, "messages_per_s"), targets=("sluice", "sluice-relaxed"), name="cycle-wide", ratios=False)
    row("", "errors", errors, targets=("sluice", "sluice-relaxed"), name="cycle-wide", ratios=False)
    row("SendMessage at 2,000 requests/s, 32 conns", "achieved requests/s",
        lambda d: get(d, "requests_per_s"), name="latency")
    row("", "p50 latency, ms", lambda d: get(d, "latency_ms", "all", "p50"), name="latency")
    row("", "p99 latency, ms", lambda d: get(d, "latency_ms", "all", "p99"), name="latency")
    row("", "p99.9 latency, ms", lambda d: get(d, "latency_ms", "all", "p999"), name="latency")
    row("", "errors", errors, name="latency", ratios=False)

    print("| scenario | figure | sluice | sluice, relaxed | nginx | moto | sluice/nginx | sluice/moto |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for scenario, metric, v, with_ratios in rows:
        rn = ratio(v['sluice'], v['nginx']) if with_ratios else ""
        rm = ratio(v['sluice'], v['moto']) if with_ratios else ""
        print(f"| {scenario} | {metric} | {fmt(v['sluice'])} | {fmt(v['sluice-relaxed'])} | {fmt(v['nginx'])} | "
              f"{fmt(v['moto'])} | {rn} | {rm} |")

    with open(f"{work}/restart.json") as f:
        r = json.load(f)
    fill = load("fill", "sluice")
    print()
    print(f"Queued test ({int(os.environ['FILL']):,} × 100 B, Sluice only; moto keeps no data across a restart):")
    print()
    print("| figure | value |")
    print("|---|---:|")
    if fill:
        print(f"| messages sent | {fill['messages_sent']:,} in {fill['elapsed_s']:.1f} s ({fmt(fill['messages_per_s'])}/s), "
              f"{errors(fill)} errors |")
    print(f"| RSS after the fill (VmRSS) | {r['rss_filled_kb'] / 1024:.0f} MiB (peak VmHWM {r['hwm_filled_kb'] / 1024:.0f} MiB) |")
    print(f"| data directory after the fill | {r['data_bytes'] / 2**20:.0f} MiB |")
    print(f"| SIGTERM to exit | {r['shutdown_s']:.2f} s |")
    print(f"| start to listening line | {r['start_to_listening_s']:.2f} s |")
    print(f"| start to GET /health | {r['start_to_health_s']:.2f} s |")
    print(f"| start to a successful ReceiveMessage | {r['start_to_ready_s']:.2f} s |")
    print(f"| restart: SIGTERM to a successful ReceiveMessage | {r['restart_s']:.2f} s |")
    print(f"| RSS after the restart | {r['rss_restarted_kb'] / 1024:.0f} MiB |")

    batch = load("batch", "sluice")
    cycle = load("cycle", "sluice")
    lat = load("latency", "sluice")
    print()
    print("| target | measured | verdict |")
    print("|---|---:|---|")
    if batch:
        v = batch["messages_per_s"]
        print(f"| SendMessageBatch 10 × 100 B ≥ 150,000 messages/s | {fmt(v)} | {verdict(v >= 150000)} |")
    if cycle:
        v = cycle["messages_per_s"]
        print(f"| full cycle ≥ 50,000 messages/s delivered and deleted | {fmt(v)} | {verdict(v >= 50000)} |")
    if lat:
        v = lat["latency_ms"]["all"]["p99"]
        ok = v <= 2.0 and lat["requests_per_s"] >= 1980 and errors(lat) == 0
        print(f"| SendMessage at 2,000/s: p99 ≤ 2 ms | {v:.2f} ms at {lat['requests_per_s']:,.0f}/s | {verdict(ok)} |")
    v = r["rss_filled_kb"] / 1024
    print(f"| 1,000,000 × 100 B queued: RSS ≤ 256 MiB | {v:.0f} MiB | {verdict(v <= 256)} |")
    v = r["restart_s"]
    print(f"| 1,000,000 × 100 B queued: restart ≤ 3 s | {v:.2f} s | {verdict(v <= 3)} |")


def kinesis_report():
    rows = []
    targets = ("sluice", "kinesalite", "nginx")

    def row(scenario, metric, key_fn, name, ratios=True, only=targets):
        vals = {t: (key_fn(load(name, t)) if t in only else None) for t in targets}
        rows.append((scenario, metric, vals, ratios))

    def get_calls_per_s(d):
        count = get(d, "latency_ms", "GetRecords", "count")
        return count / d["elapsed_s"] if count is not None and d["elapsed_s"] else None

    put = "PutRecords 500 × 1 KiB, 4 shards, 8 conns"
    row(put, "records/s", lambda d: get(d, "messages_per_s"), "kput")
    row("", "MB/s of record data", lambda d: get(d, "payload_mb_per_s"), "kput")
    row("", "requests/s", lambda d: get(d, "requests_per_s"), "kput")
    row("", "p50 latency, ms", lambda d: get(d, "latency_ms", "all", "p50"), "kput")
    row("", "p99 latency, ms", lambda d: get(d, "latency_ms", "all", "p99"), "kput")
    row("", "errors (requests + failed records)", errors, "kput", ratios=False)
    row("", "client CPU, % of one core", lambda d: get(d, "client_cpu_percent"), "kput", ratios=False)
    fill_mb = float(os.environ["KINESIS_FILL_MB"])
    getr = f"GetRecords (Limit 10,000) from TRIM_HORIZON, 4 shards × 1 reader, {fill_mb:g} MB of 1 KiB records"
    row(getr, "records/s", lambda d: get(d, "messages_per_s"), "kget")
    row("", "MB/s of record data", lambda d: get(d, "payload_mb_per_s"), "kget")
    row("", "GetRecords calls/s", get_calls_per_s, "kget")
    row("", "p50 GetRecords latency, ms", lambda d: get(d, "latency_ms", "GetRecords", "p50"), "kget")
    row("", "p99 GetRecords latency, ms", lambda d: get(d, "latency_ms", "GetRecords", "p99"), "kget")
    row("", "errors", errors, "kget", ratios=False)
    row("", "client CPU, % of one core", lambda d: get(d, "client_cpu_percent"), "kget", ratios=False)
    row("", "the fill before it: PutRecords MB/s, 4 conns", lambda d: get(d, "parameters", "fill_mb_per_s"),
        "kget", only=("sluice", "kinesalite"))

    print("| scenario | figure | sluice | kinesalite | nginx | sluice/kinesalite | sluice/nginx |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for scenario, metric, v, with_ratios in rows:
        rk = ratio(v["sluice"], v["kinesalite"]) if with_ratios else ""
        rn = ratio(v["sluice"], v["nginx"]) if with_ratios else ""
        print(f"| {scenario} | {metric} | {fmt(v['sluice'])} | {fmt(v['kinesalite'])} | {fmt(v['nginx'])} | "
              f"{rk} | {rn} |")

    try:
        with open(f"{work}/kinesis-hwm.json") as f:
            hwm = json.load(f)
        print()
        print(f"Peak RSS (VmHWM) over both scenarios: sluice {hwm['sluice'] / 1024:.0f} MiB, "
              f"kinesalite {hwm['kinesalite'] / 1024:.0f} MiB.")
    except (OSError, ValueError):
        pass

    kput = load("kput", "sluice")
    kget = load("kget", "sluice")
    kput_peer = load("kput", "kinesalite")
    kget_peer = load("kget", "kinesalite")
    print()
    print("| target | measured | kinesalite, same run | sluice/kinesalite | verdict |")
    print("|---|---:|---:|---:|---|")
    if kput:
        v = kput["payload_mb_per_s"]
        p = get(kput_peer, "payload_mb_per_s")
        ok = v >= 100 and errors(kput) == 0
        print(f"| PutRecords 500 × 1 KiB into 4 shards ≥ 100 MB/s | {fmt(v)} MB/s | {fmt(p, ' MB/s')} | "
              f"{ratio(v, p)} | {verdict(ok)} |")
    if kget:
        v = kget["payload_mb_per_s"]
        p = get(kget_peer, "payload_mb_per_s")
        ok = v >= 200 and errors(kget) == 0
        print(f"| GetRecords ≥ 200 MB/s | {fmt(v)} MB/s | {fmt(p, ' MB/s')} | {ratio(v, p)} | {verdict(ok)} |")

if os.environ["RUN_SQS"] == "1":
    sqs_report()
if os.environ["RUN_KINESIS"] == "1":
    if os.environ["RUN_SQS"] == "1":
        print()
        print("Kinesis:")
        print()
    kinesis_report()

print()
print(f"Machine: {os.environ['NPROC']} × {os.environ['CPU_MODEL']}, {os.environ['MEM_TOTAL']}, "
      f"Linux {os.environ['KERNEL']}, data directory on {os.environ['DATA_FS']} "
      f"({float(os.environ['DSYNC_MS'] or 'nan'):.2g} ms per 4 KiB O_DSYNC write). "
      f"{os.environ['SLUICE_VERSION']} (commit {os.environ['SOURCE_REV']}"
      + (f" with {os.environ['SOURCE_DIRTY']} modified files" if os.environ['SOURCE_DIRTY'] != "0" else "")
      + f"), nginx {os.environ['NGINX_VERSION']}"
      + (f", moto {os.environ['MOTO_VERSION']}" if os.environ["RUN_SQS"] == "1" else "")
      + (f", kinesalite {os.environ['KINESALITE_VERSION']} in memory (Node {os.environ['NODE_VERSION']})"
         if os.environ["RUN_KINESIS"] == "1" else "")
      + ". "
      f"Load average before / after: {os.environ['LOAD_BEFORE']} / {os.environ['LOAD_AFTER']}. "
      f"Each scenario: {os.environ['WARMUP']} s warm-up, {os.environ['DURATION']} s measured; "
      f"one sluice-bench client thread.")
EOF
