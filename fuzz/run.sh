#!/usr/bin/env bash
# Replays the regression inputs and fuzzes every target for a bounded time.
#
#   fuzz/run.sh [-s SECONDS] [-b BUILD_DIR] [-j JOBS] [TARGET...]
#
# SECONDS (default $FUZZ_SECONDS or 60) is the fuzzing time per target; 0
# only replays seeds and regressions. JOBS targets run at once (default: one
# per core). TARGETs default to every fuzz_* binary in BUILD_DIR (build-fuzz).
#
# For each target:
#  1. every file under fuzz/regressions/<target>/ is run once; a file listed
#     in fuzz/regressions/known-open.txt must still fail (the bug is open), any
#     other must pass;
#  2. libFuzzer runs from fuzz/corpus/<target>/ plus a working corpus kept in
#     BUILD_DIR/corpus/<target>/, with fuzz/dicts/<dict> when there is one.
# Crashes, sanitizer reports, timeouts (FUZZ_TIMEOUT, default 10 s per input;
# FUZZ_REGRESSION_TIMEOUT, default 3 s, for regression inputs) and
# out-of-memory inputs fail the run; the input is saved under
# BUILD_DIR/artifacts/<target>/ and the log under BUILD_DIR/logs/.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
seconds="${FUZZ_SECONDS:-60}"
build="$root/build-fuzz"
jobs="$(nproc)"
while getopts "s:b:j:" opt; do
  case "$opt" in
    s) seconds="$OPTARG" ;;
    b) build="$(cd "$OPTARG" && pwd)" ;;
    j) jobs="$OPTARG" ;;
    *) echo "usage: $0 [-s SECONDS] [-b BUILD_DIR] [-j JOBS] [TARGET...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for bin in "$build"/fuzz_*; do
    [ -x "$bin" ] && targets+=("$(basename "$bin" | sed 's/^fuzz_//')")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "no fuzz targets in $build; build them first (make fuzz-build)" >&2
  exit 2
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$here/ubsan.supp}"
timeout_per_input="${FUZZ_TIMEOUT:-10}"
# Regression inputs are small and must run fast; a slow one is a failure.
regression_timeout="${FUZZ_REGRESSION_TIMEOUT:-3}"
mkdir -p "$build/logs"

dict_for() {
  case "$1" in
    http_parse | dispatch) echo "$here/dicts/http.dict" ;;
    query_decode) echo "$here/dicts/query.dict" ;;
    json_decode) echo "$here/dicts/json.dict" ;;
    cbor) echo "$here/dicts/cbor.dict" ;;
    sigv4) echo "$here/dicts/sigv4.dict" ;;
  esac
}

max_len_for() {
  case "$1" in
    # Large enough to cross the server's 16 KiB header limit.
    http_parse | dispatch) echo 20000 ;;
    *) echo 8192 ;;
  esac
}

is_known_open() {
  local rel="$1"
  [ -f "$here/regressions/known-open.txt" ] &&
    grep -v '^\s*#' "$here/regressions/known-open.txt" | awk '{print $1}' | grep -qxF "$rel"
}

# Runs one target; prints one summary line; exit status 0 when clean.
run_target() {
  local t="$1"
  local bin="$build/fuzz_$t"
  local log="$build/logs/$t.log"
  : >"$log"
  if [ ! -x "$bin" ]; then
    echo "FAIL $t: $bin not built"
    return 1
  fi
  local failed=0
  local replayed=0
  local open_bugs=0
  if [ -d "$here/regressions/$t" ]; then
    for f in "$here/regressions/$t"/*; do
      [ -f "$f" ] || continue
      replayed=$((replayed + 1))
      local rel="$t/$(basename "$f")"
      if "$bin" -timeout="$regression_timeout" -rss_limit_mb=4096 "$f" >>"$log" 2>&1; then
        if is_known_open "$rel"; then
          echo "FAIL $t: regressions/$rel now passes; the bug is fixed, remove it from regressions/known-open.txt"
          failed=1
        fi
      else
        if is_known_open "$rel"; then
          open_bugs=$((open_bugs + 1))
          echo "     (regressions/$rel still fails: known open bug)" >>"$log"
        else
          echo "FAIL $t: regression input regressions/$rel fails again (log: $log)"
          failed=1
        fi
      fi
    done
  fi

  local work="$build/corpus/$t"
  local artifacts="$build/artifacts/$t/"
  mkdir -p "$work" "$artifacts"
  local args=(-timeout="$timeout_per_input" -rss_limit_mb=4096 -max_len="$(max_len_for "$t")"
              -artifact_prefix="$artifacts" -print_final_stats=1)
  local dict
  dict="$(dict_for "$t")"
  [ -n "$dict" ] && args+=(-dict="$dict")
  if [ "$seconds" -gt 0 ]; then
    args+=(-max_total_time="$seconds")
  else
    args+=(-runs=0)
  fi
  local start=$SECONDS
  if ! "$bin" "${args[@]}" "$work" "$here/corpus/$t" >>"$log" 2>&1; then
    local artifact
    artifact="$(grep -o "Test unit written to [^ ]*" "$log" | tail -1 | sed 's/Test unit written to //')"
    echo "FAIL $t: fuzzing found a failure${artifact:+, input saved as $artifact} (log: $log)"
    grep -m1 -E "ERROR: (AddressSanitizer|libFuzzer|UndefinedBehaviorSanitizer|LeakSanitizer)|runtime error:|deadly signal" "$log" | sed 's/^/     /'
    failed=1
  fi
  local execs
  execs="$(grep -o "stat::number_of_executed_units: *[0-9]*" "$log" | tail -1 | grep -o "[0-9]*$")"
  local cov
  cov="$(grep -oE "cov: [0-9]+" "$log" | tail -1)"
  if [ "$failed" -eq 0 ]; then
    echo "ok   $t: $replayed regression input(s) ($open_bugs known open), ${execs:-0} runs in $((SECONDS - start)) s, ${cov:-cov: ?}"
  fi
  return "$failed"
}

export -f run_target dict_for max_len_for is_known_open
export here build seconds timeout_per_input regression_timeout

status=0
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_target "$@"' _ {} || status=1
exit "$status"
