#!/usr/bin/env bash
# Reproduces docs/benchmarks.md on this machine.
#
# Builds Release, starts Sluice (durable default, fresh data directory), nginx
# (fixed 200 to any POST: the HTTP ceiling) and moto_server (a peer SQS
# implementation) on free loopback ports, runs the same sluice-bench scenarios
# against each, then fills a queue with 1,000,000 messages and measures
# Sluice's RSS and restart time. Prints a Markdown report on stdout; progress
# goes to stderr. Every server it starts is stopped on exit.
#
# Environment:
#   BUILD_DIR    build directory (default: build-bench)
#   DURATION     measured seconds per scenario (default: 10)
#   WARMUP       unmeasured seconds before each scenario (default: 2)
#   FILL         messages for the queued test (default: 1000000)
#   MOTO_SERVER  moto_server executable (default: from PATH, else pyenv shim)
#   KEEP=1       keep the work directory (JSON outputs, logs) for inspection
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
FILL=${FILL:-1000000}
MOTO_SERVER=${MOTO_SERVER:-$(command -v moto_server || echo /root/.pyenv/shims/moto_server)}

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
cmake --build "$BUILD_DIR" -j"$(nproc)" --target sluice sluice-bench >>"$WORK/cmake.log" 2>&1 ||
  { tail -50 "$WORK/cmake.log" >&2; die "build failed"; }
SLUICE=$BUILD_DIR/sluice
BENCH=$BUILD_DIR/sluice-bench

if ! command -v nginx >/dev/null; then
  log "installing nginx"
  apt-get install -y nginx >"$WORK/apt.log" 2>&1 || die "apt-get install nginx failed (see $WORK/apt.log)"
fi
NGINX=$(command -v nginx)
[[ -x "$MOTO_SERVER" ]] || die "moto_server not found; set MOTO_SERVER"

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

# ----------------------------------------------------------------- sluice
log "starting sluice on 127.0.0.1:$SLUICE_PORT (data $SLUICE_DATA)"
start_sluice
bench batch sluice "$SLUICE_PORT" "${TIMED[@]}" "${S_BATCH[@]}"
bench cycle sluice "$SLUICE_PORT" "${TIMED[@]}" "${S_CYCLE[@]}"
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

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ----------------------------------------------------------------- report
export WORK DURATION WARMUP FILL LOAD_BEFORE LOAD_AFTER DSYNC_MS
export NPROC=$(nproc)
export CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
export KERNEL=$(uname -r)
export MEM_TOTAL=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
export DATA_FS=$(df -T "$WORK" | awk 'NR == 2 {print $2}')
export NGINX_VERSION=$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')
export MOTO_VERSION=$("$(dirname "$(readlink -f "$MOTO_SERVER")")/python" -c 'import moto; print(moto.__version__)' 2>/dev/null ||
  python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo unknown)
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
def verdict(ok):
    return "met" if ok else "not met"
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

print()
print(f"Machine: {os.environ['NPROC']} × {os.environ['CPU_MODEL']}, {os.environ['MEM_TOTAL']}, "
      f"Linux {os.environ['KERNEL']}, data directory on {os.environ['DATA_FS']} "
      f"({float(os.environ['DSYNC_MS'] or 'nan'):.2g} ms per 4 KiB O_DSYNC write). "
      f"{os.environ['SLUICE_VERSION']} (commit {os.environ['SOURCE_REV']}"
      + (f" with {os.environ['SOURCE_DIRTY']} modified files" if os.environ['SOURCE_DIRTY'] != "0" else "")
      + f"), nginx {os.environ['NGINX_VERSION']}, moto {os.environ['MOTO_VERSION']}. "
      f"Load average before / after: {os.environ['LOAD_BEFORE']} / {os.environ['LOAD_AFTER']}. "
      f"Each scenario: {os.environ['WARMUP']} s warm-up, {os.environ['DURATION']} s measured; "
      f"one sluice-bench client thread.")
EOF
