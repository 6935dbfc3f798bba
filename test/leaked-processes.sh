#!/usr/bin/env bash
# leaked-processes.sh BEFORE MARKER SELF — prints the processes a test run left behind, one
# `ps -eo pid,ppid,stat,args` line each (nothing when there are none).
#   BEFORE  a file with the pids that ran before the suite started (`ps -eo pid=`)
#   MARKER  the value of MK_SUITE_RUN the suite ran with (exported to every test)
#   SELF    the pid whose descendants are not counted (the caller and its own pipelines)
#
# A process started since is the suite's when
#   - its environment carries MK_SUITE_RUN=MARKER (every service inherits it, daemons
#     included, unless a test cleared its environment), or
#   - it has no such marker, but it and its new ancestors hang from init (orphans: what a leaked
#     daemon becomes) and its command looks like ours (a fixture, a sample, a service the
#     suite runs).
# Anything else that started meanwhile — a developer's `sleep` in another terminal, an editor's
# helper — descends from a process that ran before and is not the suite's: it is not listed.
set -euo pipefail
before=$1
marker=$2
self=$3

snapshot=$(mktemp)
marked=$(mktemp)
trap 'rm -f "$snapshot" "$marked"' EXIT
ps -eo pid=,ppid=,stat=,args= >"$snapshot"  # to a file: no pipeline process of ours is listed
# The environments of the processes started since (NUL-separated; unreadable for one that is
# gone, or not ours).
awk 'NR == FNR { old[$1] = 1; next } !($1 in old) { print $1 }' "$before" "$snapshot" |
  while read -r pid; do
    if tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" |
      grep -qxF "MK_SUITE_RUN=$marker"; then
      echo "$pid" >>"$marked"
    fi
  done

awk -v self="$self" -v before="$before" -v marked="$marked" '
  FILENAME == before { old[$1] = 1; next }
  FILENAME == marked { mark[$1] = 1; next }
  { parent[$1] = $2; line[$1] = $0; order[++n] = $1 }
  END {
    for (i = 1; i <= n; ++i) {
      pid = order[i]
      if (pid in old) continue
      # Up through the processes started since, to the first that ran before (or init).
      up = pid
      for (steps = 0; up in parent && !(up in old) && up != self && steps < 4096; ++steps) {
        up = parent[up]
      }
      if (up == self) continue  # the caller'"'"'s own
      if (pid in mark) { print line[pid]; continue }
      if ((up == 1 || up == 0) &&
          line[pid] ~ /mk_|redis|postgres|http\.server|sleep|consumer_test|mirakuru|gt_|sample/) {
        print line[pid]
      }
    }
  }' "$before" "$marked" "$snapshot"
