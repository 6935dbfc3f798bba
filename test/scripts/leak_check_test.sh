#!/usr/bin/env bash
# The suite's leak check (test/leaked-processes.sh) lists what the suite left behind, and only
# that: a marked process, an orphan that looks like ours — not a developer's `sleep` that
# started meanwhile in another terminal.
# shellcheck disable=SC2016  # the single-quoted $1 and $2 are the inner shells' arguments
set -euo pipefail
check=$(dirname "$0")/../leaked-processes.sh
token="mk_leakcheck_$$_$RANDOM"
marker="leak-check-$$-$RANDOM"
work=$(mktemp -d)
cleanup() {
  pkill -KILL -f "$token" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
unset MK_SUITE_RUN

# Parked before the snapshot, so they count as processes that ran before the suite: a
# developer's shell (unmarked) and a runner that is still alive (marked). Each starts its
# `sleep` once told to.
mkfifo "$work/dev" "$work/runner"
# (The subshell forks: the sleep is a new process, the shell an old one.)
parked='read -r _ <"$1"; (exec -a "$2" sleep 300) & wait 2>/dev/null'
bash -c "$parked" _ "$work/dev" "${token}_developer" &
MK_SUITE_RUN=$marker bash -c "$parked" _ "$work/runner" "${token}_runner_child" &
disown -a  # killed at the end: no job-control report

ps -eo pid= | sort -n >"$work/before"

# The suite's run: a daemon with the marker, one that cleared its environment, both orphans.
MK_SUITE_RUN=$marker setsid -f bash -c 'exec -a "$1" sleep 300' _ "${token}_marked_daemon"
setsid -f bash -c 'exec -a "$1" sleep 300' _ "${token}_unmarked_daemon"
echo go >"$work/dev"
echo go >"$work/runner"

# Wait (bounded) until all four run under their names: anchored, since the parked shells and
# the daemons before their exec carry the token in their arguments too.
for _ in $(seq 100); do
  [ "$(pgrep -fc "^${token}_" || true)" -ge 4 ] && break
  sleep 0.05
done
[ "$(pgrep -fc "^${token}_" || true)" -ge 4 ] || {
  echo "the four processes did not start" >&2
  exit 1
}

# Orphans go to init, or to a subreaper (systemd --user) where there is one: there an unmarked
# leak is not told from a developer's process, and only the marked ones are expected.
adopter=$(ps -o ppid= -p "$(pgrep -f "${token}_unmarked_daemon")" | tr -d ' ')
found=$( (exec "$check" "$work/before" "$marker" "$BASHPID") | grep -o "${token}_[a-z_]*" | sort)
expected=$(printf '%s\n' "${token}_marked_daemon" "${token}_runner_child" | sort)
if [ "$adopter" = 1 ]; then
  expected=$(printf '%s\n' "$expected" "${token}_unmarked_daemon" | sort)
else
  echo "note: orphans go to pid $adopter here (a subreaper), not init" >&2
fi
if [ "$found" != "$expected" ]; then
  echo "leaked-processes.sh listed:" >&2
  echo "${found:-(nothing)}" >&2
  echo "expected:" >&2
  echo "$expected" >&2
  exit 1
fi

# And nothing once they are gone. The parked sleeps first (their shells reap them); the daemons
# are init's to reap: wait (bounded) until even their zombies are gone, or the suite's own leak
# check would find them.
mapfile -t daemons < <(pgrep -f "^${token}_[a-z]*_daemon")
daemon_list=$(IFS=,; echo "${daemons[*]}")
pkill -KILL -f "^${token}_(developer|runner_child)"
kill -KILL "${daemons[@]}"
for _ in $(seq 200); do
  ps -p "$daemon_list" >/dev/null || break
  sleep 0.05
done
if ps -p "$daemon_list" >/dev/null; then
  echo "init did not reap the killed daemons within 10 s:" >&2
  ps -o pid,ppid,stat,args -p "$daemon_list" >&2
  exit 1
fi
left=$( (exec "$check" "$work/before" "$marker" "$BASHPID") | grep -c "$token" || true)
if [ "$left" != 0 ]; then
  echo "leaked-processes.sh still lists $left process(es) after they were killed" >&2
  exit 1
fi
echo "leak check: lists the marked and the orphaned, not a developer's sleep"
