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
# npm ci) and nginx (fixed answers: the client's ceiling). Then the HTTP/2
# part: h2load (Debian nghttp2-client) sends SQS SendMessage and Kinesis
# PutRecord over h2c, h2 over TLS and HTTP/1.1 to a fresh Sluice, and the
# same SendMessage to nginx answering a fixed 200 over h2c and HTTP/1.1.
# Prints a Markdown report on stdout; progress goes to stderr. Every server
# it starts is stopped on exit.
#
# Environment:
#   BUILD_DIR    build directory (default: build-bench)
#   SLUICE       sluice executable to measure (default: BUILD_DIR/sluice, built)
#   DURATION     measured seconds per scenario (default: 10)
#   WARMUP       unmeasured seconds before each scenario (default: 2)
#   FILL         messages for the queued test (default: 1000000)
#   KINESIS_FILL_MB  MB of records written before the GetRecords scenario (default: 256)
#   PARTS        "sqs kinesis h2" (default), or any of "sqs", "kinesis" and "h2":
#                the parts to run and report
#   H2LOAD       h2load executable (default: from PATH, installed from Debian if missing)
#   H2_CONNS     h2load connections in the HTTP/2 part (default: 4)
#   H2_STREAMS   concurrent streams on each of them (default: 16)
#   MOTO_SERVER  moto_server executable (default: from PATH, else pyenv shim)
#   KEEP=1       keep the work directory (JSON outputs, logs) for inspection
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
FILL=${FILL:-1000000}
KINESIS_FILL_MB=${KINESIS_FILL_MB:-256}
PARTS=${PARTS:-sqs kinesis h2}
MOTO_SERVER=${MOTO_SERVER:-$(command -v moto_server || echo /root/.pyenv/shims/moto_server)}
KINESALITE_DIR=$ROOT/tools/kinesalite
RUN_SQS=0
RUN_KINESIS=0
RUN_H2=0
for part in $PARTS; do
  case $part in
    sqs) RUN_SQS=1 ;;
    kinesis) RUN_KINESIS=1 ;;
    h2) RUN_H2=1 ;;
    *) printf 'bench: PARTS: unknown part %s (sqs, kinesis, h2)\n' "$part" >&2; exit 2 ;;
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
BUILD_TARGETS=()
if [[ -z "${SLUICE:-}" ]]; then
  BUILD_TARGETS+=(sluice)
  SLUICE=$BUILD_DIR/sluice
fi
# The HTTP/2 part drives the server with h2load, not sluice-bench.
if ((RUN_SQS || RUN_KINESIS)); then BUILD_TARGETS+=(sluice-bench); fi
if ((${#BUILD_TARGETS[@]})); then
  log "building Release in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF >"$WORK/cmake.log" 2>&1 ||
    { cat "$WORK/cmake.log" >&2; die "cmake configure failed"; }
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${BUILD_TARGETS[@]}" >>"$WORK/cmake.log" 2>&1 ||
    { tail -50 "$WORK/cmake.log" >&2; die "build failed"; }
fi
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
if ((RUN_H2)); then
  H2LOAD=${H2LOAD:-$(command -v h2load || true)}
  if [[ -z "$H2LOAD" ]]; then
    log "installing nghttp2-client (h2load)"
    apt-get install -y nghttp2-client >"$WORK/apt-h2load.log" 2>&1 ||
      die "apt-get install nghttp2-client failed (see $WORK/apt-h2load.log)"
    H2LOAD=$(command -v h2load)
  fi
  [[ -x "$H2LOAD" ]] || die "no h2load executable at $H2LOAD"
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

# --------------------------------------------------------------------- h2
# HTTP/2 with h2load, one client thread (-t 1) like sluice-bench: SQS
# SendMessage (100 B) and Kinesis PutRecord (1 KiB) against one fresh Sluice
# (durable default; --tls-self-signed, so h2c, h2 over TLS and HTTP/1.1 share
# its port), then the same SendMessage to nginx answering a fixed 200 over h2c
# and HTTP/1.1: the ceiling of this client on this machine.
#
# H2_CONNS connections (4: with one h2load thread on one of the 2 cores, two
# for each of Sluice's I/O threads on the other) × H2_STREAMS streams (16: 64
# requests in flight, enough for a durable group commit to share each sync
# among many, without queueing dominating latency). HTTP/1.1 runs over the same
# H2_CONNS connections: when it posts a body, h2load sends one request at a
# time on an HTTP/1.1 connection whatever -m says, so this baseline has
# H2_CONNS requests in flight. It runs again with H2_CONNS × H2_STREAMS
# connections: the same requests in flight as HTTP/2.
H2_CONNS=${H2_CONNS:-4}
H2_STREAMS=${H2_STREAMS:-16}
H2_WIDE=$((H2_CONNS * H2_STREAMS))
SQS_JSON=application/x-amz-json-1.0
KINESIS_JSON=application/x-amz-json-1.1

# cpu_ticks PID: "PID=TICKS" (user + system clock ticks) for PID and each of
# its children (nginx's workers); a process's threads are in its own figure.
cpu_ticks() {
  local pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    printf '%s=%s ' "$pid" "$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)"
  done
}

# h2run NAME PROTOCOL SERVER_PID URL BODY TARGET CONTENT_TYPE H2LOAD_ARGS...:
# one h2load run, WARMUP s then DURATION s measured, posting BODY with the
# given x-amz-target and content-type. Its output and summary (NAME.h2.json)
# stay in WORK, its per-request log too with KEEP=1. h2load must report
# PROTOCOL as the application protocol (h2c, h2 or http/1.1); a failed,
# errored or timed-out request or an answer other than 2xx ends the script.
h2run() {
  local name=$1 proto=$2 pid=$3 url=$4 body=$5 target=$6 ctype=$7
  shift 7
  log "h2load $name ($*)"
  local rc=0 ticks0 ticks1 TIMEFORMAT='%U %S %R'
  ticks0=$(cpu_ticks "$pid")
  { time "$H2LOAD" -t 1 -D "$DURATION" --warm-up-time "$WARMUP" "$@" -d "$body" \
      -H "content-type: $ctype" -H "x-amz-target: $target" --log-file "$WORK/$name.h2.tsv" "$url" \
      >"$WORK/$name.h2.out" 2>"$WORK/$name.h2.err" || rc=$?; } 2>"$WORK/$name.h2.time"
  ticks1=$(cpu_ticks "$pid")
  ((rc == 0)) || die "h2load $name exited with status $rc: $(tail -5 "$WORK/$name.h2.err")"
  python3 "$WORK/h2summary.py" "$WORK" "$name" "$proto" "$ticks0" "$ticks1" "$(getconf CLK_TCK)" "$*" >&2 ||
    die "HTTP/2 part failed at $name"
  [[ "${KEEP:-0}" == 1 ]] || rm -f "$WORK/$name.h2.tsv"
}

# h2summary.py WORK NAME PROTOCOL TICKS_BEFORE TICKS_AFTER CLK_TCK ARGS:
# checks one h2load run (see h2run) and writes its summary, with percentiles
# from its per-request log, to NAME.h2.json.
write_h2summary() {
  cat >"$WORK/h2summary.py" <<'PY'
import json, re, sys

work, name, proto, ticks0, ticks1, clk, args = sys.argv[1:]
# Server CPU seconds by process (the server, or nginx's master and workers).
before = dict(t.split("=") for t in ticks0.split())
cpu_s = {p: (int(t) - int(before.get(p, 0))) / int(clk) for p, t in (t.split("=") for t in ticks1.split())}
out = open(f"{work}/{name}.h2.out").read()
user, system, real = map(float, open(f"{work}/{name}.h2.time").read().split())

def field(pattern, text=out):
    m = re.search(pattern, text, re.M)
    if not m:
        sys.exit(f"bench: h2load {name}: no match for {pattern!r} in its output:\n{out}")
    return m.groups()

def ms(v):
    n, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 1e-3, "ms": 1, "s": 1e3}[unit]

got_proto, = field(r"^Application protocol: (\S+)")
req_s, = field(r"^finished in \S+, ([\d.]+) req/s")
total, started, done, ok, failed, errored, timeout = map(int, field(
    r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout"))
s2, s3, s4, s5 = map(int, field(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx"))
tmin, tmax, tmean = field(r"^time for request:\s+(\S+)\s+(\S+)\s+(\S+)")
tls = re.search(r"^TLS Protocol: (\S+)\s*\nCipher: (\S+)", out, re.M)

# h2load's counts disagree slightly for requests in flight when the warm-up
# ends: such a request may be counted as succeeded but in no status class,
# in a status class but not as succeeded, or logged with status 0. At most
# one per stream in flight is allowed; any status but 2xx fails.
opts = args.split()
in_flight = int(opts[opts.index("-c") + 1]) * (1 if "--h1" in opts else int(opts[opts.index("-m") + 1]))
lat = []
bad_log = 0
boundary = 0
with open(f"{work}/{name}.h2.tsv") as f:
    for line in f:
        cols = line.split("\t")
        if cols[1] == "0":
            boundary += 1
        elif not cols[1].startswith("2"):
            bad_log += 1
        lat.append(int(cols[2]))
lat.sort()
def pct(p):
    return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] / 1000 if lat else None

problems = []
if got_proto != proto:
    problems.append(f"application protocol {got_proto}, expected {proto}")
if failed or errored or timeout:
    problems.append(f"{failed} failed, {errored} errored, {timeout} timeout")
if s3 or s4 or s5 or bad_log:
    problems.append(f"status codes: {s2} 2xx, {s3} 3xx, {s4} 4xx, {s5} 5xx ({bad_log} not 2xx in the log)")
if ok == 0 or abs(ok - s2) > in_flight or boundary > in_flight or len(lat) != ok:
    problems.append(f"{ok} succeeded, {s2} 2xx, {boundary} without a status "
                    f"(at most {in_flight} allowed), {len(lat)} logged")
if problems:
    sys.exit(f"bench: h2load {name} FAILED: " + "; ".join(problems) + "\n" + out)

summary = {
    "name": name, "h2load_args": args, "protocol": got_proto,
    "tls": f"{tls.group(1)} {tls.group(2)}" if tls else None,
    "requests_per_s": float(req_s), "requests_done": done, "requests_succeeded": ok,
    "failed": failed, "errored": errored, "timeout": timeout,
    "status": {"2xx": s2, "3xx": s3, "4xx": s4, "5xx": s5}, "status_at_warm_up_end": boundary,
    "latency_ms": {"min": ms(tmin), "mean": ms(tmean), "max": ms(tmax),
                   "p50": pct(50), "p99": pct(99), "p999": pct(99.9)},
    "client_cpu_percent": (user + system) / real * 100,
    "server_cpu_percent": sum(cpu_s.values()) / real * 100,
    # Processes that used at least a tenth of the busiest one's CPU: for
    # nginx, the workers its connections landed on.
    "server_busy_processes": sum(1 for v in cpu_s.values() if v >= 0.1 * max(cpu_s.values())),
    "server_processes": len(cpu_s),
}
json.dump(summary, open(f"{work}/{name}.h2.json", "w"))
l = summary["latency_ms"]
print(f"  {got_proto}: {float(req_s):,.0f} requests/s, {ok:,} succeeded, 0 failed; mean {l['mean']:.2f} ms, "
      f"p99 {l['p99']:.2f} ms; client CPU {summary['client_cpu_percent']:.0f} %, "
      f"server CPU {summary['server_cpu_percent']:.0f} % of a core"
      + (f" in {summary['server_busy_processes']} busy processes" if len(cpu_s) > 1 else ""))
PY
}

# start_nginx_h2: a fixed 200 {} on three ports: HTTP/1.1, h2c (nginx's
# "listen ... http2" without ssl takes HTTP/2 with prior knowledge only) and
# h2 over TLS with Sluice's self-signed certificate from $SLUICE_DATA/tls.
start_nginx_h2() {
  NGINX_H1_PORT=$(free_port)
  NGINX_H2_PORT=$(free_port)
  NGINX_H2_TLS_PORT=$(free_port)
  local dir=$WORK/nginx-h2
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<EOF2
worker_processes auto;
error_log $dir/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  client_body_buffer_size 1m;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  server {
    listen 127.0.0.1:$NGINX_H1_PORT;
    listen 127.0.0.1:$NGINX_H2_PORT http2;
    listen 127.0.0.1:$NGINX_H2_TLS_PORT ssl http2;
    ssl_certificate $SLUICE_DATA/tls/cert.pem;
    ssl_certificate_key $SLUICE_DATA/tls/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;  # nginx 1.22 leaves TLS 1.3 out by default
    location / {
      default_type application/x-amz-json-1.0;
      return 200 '{}';
    }
  }
}
EOF2
  "$NGINX" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/stdout.log" 2>&1 &
  NGINX_H2_PID=$!
  PIDS+=("$NGINX_H2_PID")
  wait_http "http://127.0.0.1:$NGINX_H1_PORT/" 20 || die "nginx did not start: $(cat "$dir/stdout.log")"
}

# sluice_call TARGET CONTENT_TYPE BODY: one HTTP/1.1 call to the running Sluice; prints the answer.
sluice_call() {
  curl -sS -m 30 -X POST "http://127.0.0.1:$SLUICE_PORT/" -H "Content-Type: $2" -H "X-Amz-Target: $1" --data "$3"
}

if ((RUN_H2)); then
  write_h2summary
  SLUICE_DATA=$WORK/sluice-h2-data
  SLUICE_EXTRA=(--tls-self-signed)
  log "starting sluice --tls-self-signed for HTTP/2 on 127.0.0.1:$SLUICE_PORT (data $SLUICE_DATA)"
  start_sluice
  grep -h 'TLS certificate' "$WORK/sluice.$SLUICE_STARTS.out" "$WORK/sluice.$SLUICE_STARTS.err" | sed 's/^/  /' >&2 || true
  H2C_URL=http://127.0.0.1:$SLUICE_PORT/
  H2_TLS_URL=https://127.0.0.1:$SLUICE_PORT/
  H2_STREAMING=(-c "$H2_CONNS" -m "$H2_STREAMS")
  H1_SAME_CONNS=(--h1 -c "$H2_CONNS" -m "$H2_STREAMS")
  H1_SAME_INFLIGHT=(--h1 -c "$H2_WIDE" -m 1)

  # SendMessage, 100 B: one queue per run, so each starts on an empty queue.
  # sqs_body NAME: creates queue bench-h2-NAME and writes NAME.body.json.
  sqs_body() {
    local queue=bench-h2-$1
    sluice_call AmazonSQS.CreateQueue "$SQS_JSON" "{\"QueueName\":\"$queue\"}" | grep -q '"QueueUrl"' ||
      die "CreateQueue $queue failed"
    python3 -c 'import json, sys; print(json.dumps({"QueueUrl": sys.argv[1], "MessageBody": "m" * 100}))' \
      "http://127.0.0.1:$SLUICE_PORT/000000000000/$queue" >"$WORK/$1.body.json"
  }
  for name in sqs-h1 sqs-h2c sqs-h2tls sqs-h1-wide; do sqs_body "$name"; done
  h2run sqs-h1 http/1.1 "$SLUICE_PID" "$H2C_URL" "$WORK/sqs-h1.body.json" AmazonSQS.SendMessage "$SQS_JSON" \
    "${H1_SAME_CONNS[@]}"
  h2run sqs-h2c h2c "$SLUICE_PID" "$H2C_URL" "$WORK/sqs-h2c.body.json" AmazonSQS.SendMessage "$SQS_JSON" \
    "${H2_STREAMING[@]}"
  h2run sqs-h2tls h2 "$SLUICE_PID" "$H2_TLS_URL" "$WORK/sqs-h2tls.body.json" AmazonSQS.SendMessage "$SQS_JSON" \
    "${H2_STREAMING[@]}"
  h2run sqs-h1-wide http/1.1 "$SLUICE_PID" "$H2C_URL" "$WORK/sqs-h1-wide.body.json" AmazonSQS.SendMessage \
    "$SQS_JSON" "${H1_SAME_INFLIGHT[@]}"

  # PutRecord, 1 KiB, into a 4-shard stream. h2load posts the same body every
  # time, so every record has the same partition key and lands on one shard.
  K_STREAM=bench-h2-put
  sluice_call Kinesis_20131202.CreateStream "$KINESIS_JSON" "{\"StreamName\":\"$K_STREAM\",\"ShardCount\":4}" >/dev/null
  deadline=$((SECONDS + 60))
  until sluice_call Kinesis_20131202.DescribeStreamSummary "$KINESIS_JSON" "{\"StreamName\":\"$K_STREAM\"}" |
    grep -q '"StreamStatus":"ACTIVE"'; do
    ((SECONDS < deadline)) || die "stream $K_STREAM not ACTIVE after 60 s"
    sleep 0.1
  done
  python3 -c 'import base64, json, os, sys
print(json.dumps({"StreamName": sys.argv[1], "PartitionKey": "h2load",
                  "Data": base64.b64encode(os.urandom(1024)).decode()}))' "$K_STREAM" >"$WORK/kinesis.body.json"
  K_PUT_RECORD=("$SLUICE_PID" "$H2C_URL" "$WORK/kinesis.body.json" Kinesis_20131202.PutRecord "$KINESIS_JSON")
  h2run kinesis-h1 http/1.1 "${K_PUT_RECORD[@]}" "${H1_SAME_CONNS[@]}"
  h2run kinesis-h2c h2c "${K_PUT_RECORD[@]}" "${H2_STREAMING[@]}"
  h2run kinesis-h1-wide http/1.1 "${K_PUT_RECORD[@]}" "${H1_SAME_INFLIGHT[@]}"
  H2_SLUICE_HWM_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$SLUICE_PID/status")
  stop_pid "$SLUICE_PID"

  start_nginx_h2
  log "nginx (fixed 200) on 127.0.0.1:$NGINX_H1_PORT (HTTP/1.1), 127.0.0.1:$NGINX_H2_PORT (h2c)" \
    "and 127.0.0.1:$NGINX_H2_TLS_PORT (h2 over TLS)"
  # The SendMessage body and headers of the Sluice runs; nginx ignores them.
  N_SEND=("$WORK/sqs-h1.body.json" AmazonSQS.SendMessage "$SQS_JSON")
  h2run nginx-h1 http/1.1 "$NGINX_H2_PID" "http://127.0.0.1:$NGINX_H1_PORT/" "${N_SEND[@]}" "${H1_SAME_CONNS[@]}"
  h2run nginx-h2c h2c "$NGINX_H2_PID" "http://127.0.0.1:$NGINX_H2_PORT/" "${N_SEND[@]}" "${H2_STREAMING[@]}"
  h2run nginx-h2tls h2 "$NGINX_H2_PID" "https://127.0.0.1:$NGINX_H2_TLS_PORT/" "${N_SEND[@]}" "${H2_STREAMING[@]}"
  h2run nginx-h1-wide http/1.1 "$NGINX_H2_PID" "http://127.0.0.1:$NGINX_H1_PORT/" "${N_SEND[@]}" \
    "${H1_SAME_INFLIGHT[@]}"
  stop_pid "$NGINX_H2_PID"
  cat >"$WORK/h2-extra.json" <<EOF2
{"sluice_hwm_kb": ${H2_SLUICE_HWM_KB:-0}, "conns": $H2_CONNS, "streams": $H2_STREAMS,
 "h2load_version": "$("$H2LOAD" --version | head -1)"}
EOF2
fi

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ----------------------------------------------------------------- report
export WORK DURATION WARMUP FILL LOAD_BEFORE LOAD_AFTER DSYNC_MS RUN_SQS RUN_KINESIS RUN_H2 KINESIS_FILL_MB
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


def h2_report():
    try:
        with open(f"{work}/h2-extra.json") as f:
            extra = json.load(f)
    except (OSError, ValueError):
        extra = {}
    conns, streams = extra.get("conns", 4), extra.get("streams", 16)
    wide = conns * streams

    def h2(name):
        try:
            with open(f"{work}/{name}.h2.json") as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def proto(d):
        if d is None:
            return "n/a"
        if d["protocol"] == "h2" and d["tls"]:
            return f"h2 over {d['tls'].split()[0].replace('TLSv', 'TLS ')}"
        return {"http/1.1": "HTTP/1.1"}.get(d["protocol"], d["protocol"])

    def workers(d):
        # nginx: how many of its workers (its processes but the master) did the work.
        if d is None or d.get("server_processes", 1) < 2:
            return ""
        return f" ({d['server_busy_processes']} of {d['server_processes'] - 1} workers)"

    shapes = {"h1": f"{conns} × 1", "h2c": f"{conns} × {streams}", "h2tls": f"{conns} × {streams}",
              "h1-wide": f"{wide} × 1"}
    groups = [("SQS SendMessage, 100 B body (JSON 1.0)", "sqs", ("h1", "h2c", "h2tls", "h1-wide")),
              ("Kinesis PutRecord, 1 KiB of data (JSON 1.1), 4-shard stream", "kinesis", ("h1", "h2c", "h1-wide")),
              ("nginx, fixed 200 {} to the SendMessage requests", "nginx", ("h1", "h2c", "h2tls", "h1-wide"))]
    base = h2("sqs-h1")

    print(f"| scenario | protocol | connections × streams | requests/s | mean latency, ms | p50, ms | p99, ms | "
          f"p99.9, ms | requests, all 2xx | client CPU, % of one core | server CPU, % of one core |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for title, prefix, kinds in groups:
        for i, kind in enumerate(kinds):
            name = f"{prefix}-{kind}"
            d = h2(name)
            label = title if i == 0 else ""
            p = proto(d) + (" (baseline)" if name == "sqs-h1" else "")
            lat = (d or {}).get("latency_ms", {})
            print(f"| {label} | {p} | {shapes[kind]} | {fmt(get(d, 'requests_per_s'))} | {fmt(lat.get('mean'))} | "
                  f"{fmt(lat.get('p50'))} | {fmt(lat.get('p99'))} | {fmt(lat.get('p999'))} | "
                  f"{fmt(get(d, 'requests_succeeded'))} | {fmt(get(d, 'client_cpu_percent'))} | "
                  f"{fmt(get(d, 'server_cpu_percent'))}{workers(d)} |")

    print()
    print(f"Ratios. The baseline is SQS SendMessage over HTTP/1.1 on {conns} connections, measured in the same "
          f"run against the same server; \"same call, HTTP/1.1 × {wide}\" compares with the same call over "
          f"HTTP/1.1 with as many requests in flight ({wide} connections); \"nginx\" with nginx over the same "
          f"protocol and connections × streams.")
    print()
    print(f"| scenario | protocol | connections × streams | requests/s ÷ baseline | mean latency ÷ baseline | "
          f"p99 ÷ baseline | requests/s ÷ same call, HTTP/1.1 × {wide} | requests/s ÷ nginx |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for title, prefix, kinds in groups:
        wide_d = h2(f"{prefix}-h1-wide")
        for i, kind in enumerate(kinds):
            name = f"{prefix}-{kind}"
            d = h2(name)
            label = title if i == 0 else ""
            ng = h2(f"nginx-{kind}") if prefix == "sqs" else None
            print(f"| {label} | {proto(d)} | {shapes[kind]} | "
                  f"{ratio(get(d, 'requests_per_s'), get(base, 'requests_per_s'))} | "
                  f"{ratio(get(d, 'latency_ms', 'mean'), get(base, 'latency_ms', 'mean'))} | "
                  f"{ratio(get(d, 'latency_ms', 'p99'), get(base, 'latency_ms', 'p99'))} | "
                  f"{ratio(get(d, 'requests_per_s'), get(wide_d, 'requests_per_s')) if prefix != 'nginx' else ''} | "
                  f"{ratio(get(d, 'requests_per_s'), get(ng, 'requests_per_s')) if prefix == 'sqs' else ''} |")
    if extra.get("sluice_hwm_kb"):
        print()
        print(f"Peak RSS (VmHWM) of that Sluice over its runs: {extra['sluice_hwm_kb'] / 1024:.0f} MiB. "
              f"{extra.get('h2load_version', 'h2load')}, one thread (-t 1).")

if os.environ["RUN_SQS"] == "1":
    sqs_report()
if os.environ["RUN_KINESIS"] == "1":
    if os.environ["RUN_SQS"] == "1":
        print()
        print("Kinesis:")
        print()
    kinesis_report()
if os.environ["RUN_H2"] == "1":
    if os.environ["RUN_SQS"] == "1" or os.environ["RUN_KINESIS"] == "1":
        print()
        print("HTTP/2:")
        print()
    h2_report()

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
      + ("one sluice-bench client thread" if os.environ["RUN_SQS"] == "1" or os.environ["RUN_KINESIS"] == "1" else "")
      + (" and " if os.environ["RUN_H2"] == "1" and (os.environ["RUN_SQS"] == "1" or os.environ["RUN_KINESIS"] == "1") else "")
      + ("one h2load thread in the HTTP/2 part" if os.environ["RUN_H2"] == "1" else "")
      + ".")
EOF
