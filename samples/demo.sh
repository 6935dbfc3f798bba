#!/usr/bin/env bash
# The demo: installs what is missing, builds the samples, runs them against real services
# (python3 http.server, redis-server, PostgreSQL, cpp-httplib services of their own) and prints,
# per service, what started, on which port, how long readiness took, and that everything —
# every process of its tree and its temporary directory — was cleaned up.
#
#   samples/demo.sh                  # as yourself: only the package installation escalates
#                                    # (install-deps.sh: apt-get as root, else through sudo)
#   MIRAKURU_DEMO_BUILD_DIR=build/x samples/demo.sh    # another build tree (default: the
#                                                      # release preset's, build/release)
#   MIRAKURU_DEMO_SKIP_DEPS=1 samples/demo.sh          # do not run install-deps.sh
#
# The run's timeline (every sample process's service starts, stops and tests) is written to
# $build_dir/demo-trace.json (or $MIRAKURU_DEMO_TRACE): open it in Perfetto or chrome://tracing.
#
# Exit status: 0 when every sample passed and nothing was left behind.
set -euo pipefail
cd "$(dirname "$0")/.."

bold=$'\e[1m' green=$'\e[32m' red=$'\e[31m' dim=$'\e[2m' reset=$'\e[0m'
if [ ! -t 1 ]; then bold="" green="" red="" dim="" reset=""; fi
step() { printf '%s==> %s%s\n' "$bold" "$*" "$reset"; }

if [ -z "${MIRAKURU_DEMO_SKIP_DEPS:-}" ]; then
  step "Checking packages (third_party/install-deps.sh)"
  third_party/install-deps.sh
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/mk-demo-XXXXXX")"
trap 'rm -rf "$work"' EXIT

build_dir="${MIRAKURU_DEMO_BUILD_DIR:-}"
step "Configuring and building the samples"
{
  if [ -z "$build_dir" ]; then
    build_dir=build/release
    cmake --preset release
  elif [ -f "$build_dir/CMakeCache.txt" ]; then
    cmake "$build_dir"  # an existing tree keeps its own settings
  else
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  fi
  cmake --build "$build_dir" --target mirakuru_samples -j "${MIRAKURU_DEMO_JOBS:-2}"
} >"$work/build.log" 2>&1 || {
  tail -n 60 "$work/build.log"
  printf '%sThe build failed%s (full log above, last 60 lines).\n' "$red" "$reset"
  exit 1
}
report="$work/report.tsv"  # the samples' "[demo] started|cleaned" lines (sample_report.hpp)
log="$work/ctest.log"      # everything the samples printed, library debug log included
: >"$report"

trace="${MIRAKURU_DEMO_TRACE:-$build_dir/demo-trace.json}"
rm -f "$trace"  # the processes of this run merge their events into it

step "Running the samples (ctest -L sample)"
status=0
MIRAKURU_DEMO_REPORT="$report" MIRAKURU_LOG=debug MIRAKURU_TRACE="$(realpath -m "$trace")" \
  ctest --test-dir "$build_dir" -L sample -V --timeout 300 >"$log" 2>&1 || status=$?
grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: ' "$log" | sed -E 's/^ *//; s/ +#[0-9]+//' || true
if [ ! -s "$report" ]; then
  printf '%sNo sample reported anything%s: were they built (MIRAKURU_BUILD_SAMPLES=ON)?\n' \
    "$red" "$reset"
  status=1
fi

# The table: one row per (sample, service). The library's own debug log gives, per process,
# the time from spawn to ready ("ready after N us"); `start` is what the sample measured around
# the start of its executor or set (for sets: dependencies and setup commands included).
step "Services"
awk -F'\t' -v logfile="$log" -v green="$green" -v red="$red" -v dim="$dim" -v reset="$reset" '
  BEGIN {
    # started '\''CMD'\'' as pid N (guardian G) in X ms  /  "CMD" ready after N us (WHAT)
    while ((getline line < logfile) > 0) {
      if (match(line, /\[debug\] started '\''.*'\'' as pid [0-9]+/)) {
        s = substr(line, RSTART + 17, RLENGTH - 17)
        p = s; sub(/.* as pid /, "", p)
        c = s; sub(/'\'' as pid [0-9]+$/, "", c)
        pid_of[c] = p
      } else if (match(line, /\[debug\] ".*" ready after [0-9]+ us/)) {
        s = substr(line, RSTART + 9, RLENGTH - 9)
        us = s; sub(/.* ready after /, "", us); sub(/ us$/, "", us)
        c = s; sub(/" ready after [0-9]+ us$/, "", c)
        if (c in pid_of) ready_us[pid_of[c]] = us
      }
    }
    printf "%-12s %-12s %6s %7s %-7s %10s %10s %-9s %s\n", "sample", "service", "starts", "pid",
           "port", "ready", "start", "cleanup", "command"
  }
  $1 == "[demo] started" {
    key = $2 SUBSEP $3
    if (!(key in starts)) order[++n] = key
    starts[key]++; pid[key] = $4; port[key] = $5; procs[key] += $7; cmd[key] = $8
    start_ms[key] = $6
    ready[key] = ($4 in ready_us) ? sprintf("%.1f ms", ready_us[$4] / 1000) : "-"
  }
  $1 == "[demo] cleaned" {
    key = $2 SUBSEP $3
    split($4, g, "/"); gone[key] += g[1]; total[key] += g[2]
    if ($5 == "kept") kept[key]++
    if ($5 == "removed") removed[key]++
  }
  END {
    for (i = 1; i <= n; i++) {
      key = order[i]; split(key, k, SUBSEP)
      ok = (key in total) && gone[key] == total[key] && !(key in kept)
      clean = (key in total) ? sprintf("%d/%d gone", gone[key], total[key]) : "not stopped"
      if (!ok) bad++
      shown = cmd[key]; sub(/^[^ ]*\//, "", shown)  # the program without its directory
      if (length(shown) > 70) shown = substr(shown, 1, 67) "..."
      printf "%-12s %-12s %6d %7s %-7s %10s %10s %s%-9s%s %s%s%s\n", k[1], k[2], starts[key],
             pid[key], port[key], ready[key], sprintf("%.1f ms", start_ms[key]),
             ok ? green : red, clean, reset, dim, shown, reset
      all_starts += starts[key]; all_procs += total[key]; all_gone += gone[key]
      all_tmp += removed[key] + kept[key]; all_removed += removed[key]
    }
    printf "\n%s%d services, %d starts: %d/%d processes gone, %d/%d tmpdirs removed after stop%s\n",
           bad ? red : green, n, all_starts, all_gone, all_procs, all_removed, all_tmp, reset
    print dim "ready: spawn to ready, measured by the library (MIRAKURU_LOG=debug); start: the" reset
    print dim "sample'\''s start() of the executor or set (dependencies and setup included); pid," reset
    print dim "port: the last start; cleanup: processes of the service'\''s tree gone after stop." reset
    exit bad ? 1 : 0
  }
' "$report" || status=1

# Services shared through a keeper (samples/shared_postgres): how many test processes used one start.
grep -F "[demo] shared" "$report" | cut -f2- | tr '\t' ' ' | sed 's/^/shared: /' || true

if [ "$status" -ne 0 ]; then
  step "${red}Something failed${reset} — the samples' output:"
  grep -vE '\[mirakuru\] \[debug\]' "$log" | tail -n 80
  exit "$status"
fi
if [ -s "$trace" ]; then
  printf '%sTimeline of this run: %s (open it in ui.perfetto.dev or chrome://tracing)%s\n' \
    "$dim" "$trace" "$reset"
fi
step "${green}All samples passed; nothing was left running.${reset}"
