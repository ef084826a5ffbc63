#!/usr/bin/env bash
# Server CPU per round trip, side by side in one run: the reactor, the minimal C epoll
# server and Netty epoll (one loop), driven by the C ping-pong client (bench/c/pingpong_client.c),
# servers interleaved and rotated each round. Each run starts a fresh server.
#
#   bench/cpu-per-message.sh [-c CONNECTIONS] [-s SIZE] [-r ROUNDS] [-w WARMUP_S] [-m MEASURE_S]
#                            [-p] [-x NAME=COMMAND]...   (COMMAND gets the port as {port})
#
# -p pins every server to CPU 1 and the client to CPU 0 (taskset), so that the two never
# share a core or migrate; a pinned JVM sees one processor (its ergonomics pick Serial GC).
#
# Prints one line per run (server, connections, round trips, round trips/s, user/sys/total
# µs per round trip) and, per server, the median total and the pooled user/sys split.
# Needs cc, ss, java; run from the repository root after `mvn -B -DskipTests package`.
# Every server is stopped with SIGTERM, SIGKILL after 10 s.
set -euo pipefail

connections=1000 size=64 rounds=3 warmup=3 measure=5
extra=() server_pin="" client_pin=""
while getopts "c:s:r:w:m:x:p" opt; do
    case "$opt" in
        c) connections=$OPTARG ;; s) size=$OPTARG ;; r) rounds=$OPTARG ;;
        w) warmup=$OPTARG ;; m) measure=$OPTARG ;; x) extra+=("$OPTARG") ;;
        p) server_pin="taskset -c 1" client_pin="taskset -c 0" ;;
        *) echo "usage: $0 [-c N] [-s BYTES] [-r ROUNDS] [-w S] [-m S] [-p] [-x NAME=COMMAND]" >&2; exit 2 ;;
    esac
done

root=$(pwd)
server_jar=$root/server/target/echo-server.jar
bench_jar=$root/bench/target/benchmarks.jar
for f in "$server_jar" "$bench_jar" bench/c/epoll_echo.c bench/c/pingpong_client.c; do
    [[ -f $f ]] || { echo "cpu-per-message: $f not found (run from the repository root after mvn package)" >&2; exit 3; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/epoll-echo" bench/c/epoll_echo.c
cc -O2 -o "$work/pingpong-client" bench/c/pingpong_client.c

declare -A commands=(
    [reactor]="java -jar $server_jar --port {port}"
    [c-epoll]="$work/epoll-echo {port}"
    [netty-epoll]="java -cp $bench_jar org.nioecho.bench.NettyEchoServer --port {port} --transport epoll --event-loops 1"
)
names=(reactor c-epoll netty-epoll)
for spec in "${extra[@]}"; do
    commands[${spec%%=*}]=${spec#*=}
    names+=("${spec%%=*}")
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_one() { # name -> "name connections per_s user sys cpu"
    local name=$1 port command pid
    port=$(free_port)
    command=${commands[$name]//\{port\}/$port}
    # exec: the server is the shell's own process, so /proc/PID is the server's
    bash -c "exec $server_pin $command" >"$work/$name.log" 2>&1 &
    pid=$!
    for _ in $(seq 200); do
        ss -Hltn "sport = :$port" | grep -q . && break
        sleep 0.05
    done
    local out
    out=$($client_pin "$work/pingpong-client" "$port" "$connections" "$size" "$warmup" "$measure" "$pid") || echo "$name: client failed: $out" >&2
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "$name $connections $out" | sed -E 's/[a-z_]+=//g'
}

echo "# server connections round_trips per_s user_us sys_us cpu_us errors  ($(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)${server_pin:+, pinned: server CPU 1, client CPU 0})"
results=$work/results
for ((r = 0; r < rounds; r++)); do
    for ((i = 0; i < ${#names[@]}; i++)); do
        run_one "${names[(i + r) % ${#names[@]}]}" | tee -a "$results"
    done
done
echo "# over $rounds rounds (load now $(cut -d' ' -f1-3 /proc/loadavg)): server, median per_s, median cpu_us, min-max cpu_us,"
echo "# then user_us sys_us cpu_us pooled (all rounds' CPU ticks over all their round trips: user time is counted in 10 ms ticks)"
for name in "${names[@]}"; do
    awk -v n="$name" '$1 == n' "$results" | sort -k7 -g | awk '
        { rt += $3; u += $5 * $3; s += $6 * $3; cpu[NR] = $7; rate[NR] = $4 }
        END { m = int((NR + 1) / 2); printf "%s %.0f %.3f %.3f-%.3f  %.3f %.3f %.3f\n", $1, rate[m], cpu[m], cpu[1], cpu[NR], u / rt, s / rt, (u + s) / rt }'
done
