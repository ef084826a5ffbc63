#!/usr/bin/env bash
# Measures the server's RSS and throughput under each JVM option set, side by side:
# for every workload, each option set runs in turn (then again, ROUNDS times, in reverse
# order every other round), so the sets share the machine's conditions. One server
# process per run, on loopback. Churn leaves the client's closed connections in
# TIME_WAIT for 60 s, and thousands of them slow the next run's connects: each run first
# waits (at most 70 s) until fewer than 1000 remain.
#
#   deploy/measure-jvm-options.sh [OUT.tsv]
#
# Environment: SERVER_JAR, CLIENT_JAR (default: the build's jars), DURATION (60s),
# WARMUP (5s), ROUNDS (2), WORKLOADS ("pp1000 churn mixed"), PORT (19877).
# Columns: round, workload, option set, the load's msg/s and connects/s (ping-pong client;
# churn client for "mixed"), messages echoed in the whole run (all clients), the server's
# CPU seconds during the load (user + system, GC included), its RSS before the load, after
# it and at its peak (VmRSS, VmHWM), the clients' exit codes.
# msg/s depends on what else runs on the machine; CPU per message less so.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
SERVER_JAR=${SERVER_JAR:-$here/server/target/echo-server.jar}
CLIENT_JAR=${CLIENT_JAR:-$here/client/target/echo-client.jar}
DURATION=${DURATION:-60s}
WARMUP=${WARMUP:-5s}
ROUNDS=${ROUNDS:-2}
WORKLOADS=${WORKLOADS:-pp1000 churn mixed}
PORT=${PORT:-19877}
out=${1:-jvm-options.tsv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

declare -A JVM=(
  [defaults]=""
  [g1-64m]="-Xms16m -Xmx64m"
  [serial-64m]="-Xms16m -Xmx64m -XX:+UseSerialGC -XX:MaxDirectMemorySize=64m"
  [serial-64m-fixed]="-Xms64m -Xmx64m -XX:+UseSerialGC -XX:MaxDirectMemorySize=64m"
)
declare -A ARGS=(
  [defaults]=""
  [g1-64m]=""
  [serial-64m]="--max-output-memory 32MiB"
  [serial-64m-fixed]="--max-output-memory 32MiB"
)
SETS=${SETS:-defaults g1-64m serial-64m serial-64m-fixed}

kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$2/status"; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime, in clock ticks

total() { # JSON file, message size -> messages echoed in the whole run
  echo $(( $(grep -o '"totalBytesReceived":[0-9]*' "$1" | cut -d: -f2) / $2 ))
}

load() { # workload -> runs the client(s), prints "msg/s connects/s messages exit"
  local common=(--port "$PORT" --warmup "$WARMUP" --duration "$DURATION" --quiet)
  case $1 in
    pp1000) java -jar "$CLIENT_JAR" load "${common[@]}" --connections 1000 --size 64 --json "$work/a.json" >/dev/null || true ;;
    churn)  java -jar "$CLIENT_JAR" load "${common[@]}" --mode churn --connections 50 --size 64 --json "$work/a.json" >/dev/null || true ;;
    mixed)  # 500 ping-pong connections of 1 KiB while another client churns
      java -jar "$CLIENT_JAR" load "${common[@]}" --mode churn --connections 20 --size 64 --json "$work/b.json" >/dev/null &
      local churner=$!
      java -jar "$CLIENT_JAR" load "${common[@]}" --connections 500 --size 1KiB --json "$work/a.json" >/dev/null || true
      wait "$churner" || true ;;
  esac
  local msgs connects code all
  msgs=$(grep -o '"messagesPerSecond":[0-9.]*' "$work/a.json" | cut -d: -f2)
  if [ "$1" = mixed ]; then all=$(( $(total "$work/a.json" 1024) + $(total "$work/b.json" 64) )); else all=$(total "$work/a.json" 64); fi
  connects=$(grep -o '"connectsPerSecond":[0-9.]*' "$work/a.json" | cut -d: -f2)
  code=$(grep -o '"exitCode":[0-9]*' "$work/a.json" | cut -d: -f2)
  if [ "$1" = mixed ]; then
    connects=$(grep -o '"connectsPerSecond":[0-9.]*' "$work/b.json" | cut -d: -f2)
    code="$code/$(grep -o '"exitCode":[0-9]*' "$work/b.json" | cut -d: -f2)"
  fi
  echo "$msgs $connects $all $code"
}

time_wait() { ss -tan state time-wait "( dport = :$PORT or sport = :$PORT )" | tail -n +2 | wc -l; }

printf 'round\tworkload\toptions\tmsg_per_s\tconnects_per_s\tmessages\tserver_cpu_s\trss_idle_kB\trss_end_kB\thwm_kB\texit\n' > "$out"
hz=$(getconf CLK_TCK)
for round in $(seq 1 "$ROUNDS"); do
  for workload in $WORKLOADS; do
    sets=$SETS
    if [ $((round % 2)) -eq 0 ]; then sets=$(echo "$SETS" | tr ' ' '\n' | tac | tr '\n' ' '); fi
    for set in $sets; do
      for _ in $(seq 1 70); do [ "$(time_wait)" -lt 1000 ] && break; sleep 1; done
      : > "$work/server.out" # emptied first: the last run's start line must not count
      # shellcheck disable=SC2086 # the option sets are word lists
      java ${JVM[$set]} -jar "$SERVER_JAR" --port "$PORT" ${ARGS[$set]} > "$work/server.out" 2>&1 &
      server=$!
      for _ in $(seq 1 100); do grep -q 'listening on' "$work/server.out" && break; sleep 0.1; done
      grep -q 'listening on' "$work/server.out" || { echo "server did not start: $(cat "$work/server.out")" >&2; exit 1; }
      idle=$(kb VmRSS "$server"); before=$(ticks "$server")
      read -r msgs connects all code < <(load "$workload")
      rss=$(kb VmRSS "$server"); hwm=$(kb VmHWM "$server")
      cpu=$(awk -v t=$(( $(ticks "$server") - before )) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')
      kill -TERM "$server"; wait "$server" || true
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$workload" "$set" "$msgs" "$connects" "$all" "$cpu" \
        "$idle" "$rss" "$hwm" "$code" | tee -a "$out"
    done
  done
done
