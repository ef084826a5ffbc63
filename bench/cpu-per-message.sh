#!/usr/bin/env bash
# Server CPU per round trip, side by side in one run: the reactor, the minimal C epoll
# server and Netty epoll (one loop), driven by the C ping-pong client (bench/c/pingpong_client.c),
# servers interleaved and rotated each round. Each run starts a fresh server.
#
#   bench/cpu-per-message.sh [-c CONNECTIONS] [-s SIZE] [-r ROUNDS] [-w WARMUP_S] [-m MEASURE_S]
#                            [-k BLOCKS] [-p] [-n NAME,NAME...] [-x NAME=COMMAND]...
#
# -n picks which of the built-in servers run (default reactor,c-epoll,netty-epoll); each -x
# adds one (its COMMAND gets the port as {port}). The first server is the one the ratios are of.
#
# -k BLOCKS keeps each server warm: every round starts all servers afresh, warms each once
# (WARMUP_S), then runs BLOCKS blocks, each one measurement of every server back to back
# (1 s of fresh connections, then MEASURE_S), the order rotated per block. Servers measured
# seconds apart share the machine's state, so the summary also gives each server's ratio to
# the first one block by block: their geometric mean with a 95 % interval. Without -k every
# measurement is a fresh server (its own warm-up), which includes each JIT outcome.
#
# -p pins every server to CPU 1 and the client to CPU 0 (taskset), so that the two never
# share a core or migrate; a pinned JVM sees one processor (its ergonomics pick Serial GC).
#
# Prints one line per run (server, connections, round trips, round trips/s, user/sys/total
# µs per round trip) and, per server, the median total and the pooled user/sys split.
# Needs cc, ss (iproute2), java; run from the repository root after `mvn -B -DskipTests package`.
# Every server is stopped with SIGTERM, SIGKILL after 10 s.
set -euo pipefail

connections=1000 size=64 rounds=3 warmup=3 measure=5
blocks=0 extra=() server_pin="" client_pin="" builtin=reactor,c-epoll,netty-epoll
while getopts "c:s:r:w:m:k:n:x:p" opt; do
    case "$opt" in
        c) connections=$OPTARG ;; s) size=$OPTARG ;; r) rounds=$OPTARG ;;
        w) warmup=$OPTARG ;; m) measure=$OPTARG ;; k) blocks=$OPTARG ;; n) builtin=$OPTARG ;; x) extra+=("$OPTARG") ;;
        p) server_pin="taskset -c 1" client_pin="taskset -c 0" ;;
        *) echo "usage: $0 [-c N] [-s BYTES] [-r ROUNDS] [-w S] [-m S] [-k BLOCKS] [-p] [-n NAMES] [-x NAME=COMMAND]" >&2; exit 2 ;;
    esac
done

root=$(pwd)
server_jar=$root/server/target/echo-server.jar
bench_jar=$root/bench/target/benchmarks.jar
for f in "$server_jar" "$bench_jar" bench/c/epoll_echo.c bench/c/pingpong_client.c; do
    [[ -f $f ]] || { echo "cpu-per-message: $f not found (run from the repository root after mvn package)" >&2; exit 3; }
done
work=$(mktemp -d)
declare -A server_pid server_port
trap 'for p in "${server_pid[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
cc -O2 -o "$work/epoll-echo" bench/c/epoll_echo.c
cc -O2 -o "$work/pingpong-client" bench/c/pingpong_client.c

declare -A commands=(
    [reactor]="java -jar $server_jar --port {port}"
    [c-epoll]="$work/epoll-echo {port}"
    [netty-epoll]="java -cp $bench_jar org.nioecho.bench.NettyEchoServer --port {port} --transport epoll --event-loops 1"
)
IFS=, read -ra names <<<"$builtin"
for name in "${names[@]}"; do
    [[ -n ${commands[$name]:-} ]] || { echo "cpu-per-message: no built-in server $name (reactor, c-epoll, netty-epoll)" >&2; exit 2; }
done
for spec in "${extra[@]}"; do
    commands[${spec%%=*}]=${spec#*=}
    names+=("${spec%%=*}")
done

free_port() { # a port nothing listens on, from the range Linux does not hand out as ephemeral
    local port
    for _ in $(seq 100); do
        port=$((20000 + RANDOM % 12000))
        ss -Hltn "sport = :$port" | grep -q . || { echo "$port"; return; }
    done
    echo "cpu-per-message: no free port found" >&2; exit 3
}

start_server() { # name: starts it, waits for its listener
    local name=$1 port command
    port=$(free_port)
    command=${commands[$name]//\{port\}/$port}
    # exec: the server is the shell's own process, so /proc/PID is the server's
    bash -c "exec $server_pin $command" >"$work/$name.log" 2>&1 &
    server_pid[$name]=$!
    server_port[$name]=$port
    for _ in $(seq 200); do
        ss -Hltn "sport = :$port" | grep -q . && break
        sleep 0.05
    done
}

stop_server() { # name: SIGTERM, SIGKILL after 10 s
    local pid=${server_pid[$1]}
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

measure_one() { # name warmup_s [block] -> "name connections round_trips per_s user sys cpu errors [block]"
    local name=$1 out
    out=$($client_pin "$work/pingpong-client" "${server_port[$name]}" "$connections" "$size" "$2" "$measure" "${server_pid[$name]}") \
        || echo "$name: client failed: $out" >&2
    echo "$name $connections $out ${3:-}" | sed -E 's/[a-z_]+=//g'
}

echo "# server connections round_trips per_s user_us sys_us cpu_us errors  ($(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)${server_pin:+, pinned: server CPU 1, client CPU 0})"
results=$work/results
for ((r = 0; r < rounds; r++)); do
    if ((blocks == 0)); then
        for ((i = 0; i < ${#names[@]}; i++)); do
            name=${names[(i + r) % ${#names[@]}]}
            start_server "$name"
            measure_one "$name" "$warmup" | tee -a "$results"
            stop_server "$name"
        done
        continue
    fi
    for name in "${names[@]}"; do
        start_server "$name"
        "$work/pingpong-client" "${server_port[$name]}" "$connections" "$size" "$warmup" 1 "${server_pid[$name]}" >/dev/null \
            || echo "$name: warm-up failed" >&2
    done
    for ((b = 0; b < blocks; b++)); do
        for ((i = 0; i < ${#names[@]}; i++)); do
            measure_one "${names[(i + r + b) % ${#names[@]}]}" 1 "$((r * blocks + b))" | tee -a "$results"
        done
    done
    for name in "${names[@]}"; do stop_server "$name"; done
done
echo "# over $rounds rounds (load now $(cut -d' ' -f1-3 /proc/loadavg)): server, median per_s, median cpu_us, min-max cpu_us,"
echo "# then user_us sys_us cpu_us pooled (all rounds' CPU ticks over all their round trips: user time is counted in 10 ms ticks)"
for name in "${names[@]}"; do
    awk -v n="$name" '$1 == n' "$results" | sort -k7 -g | awk '
        { rt += $3; u += $5 * $3; s += $6 * $3; cpu[NR] = $7; rate[NR] = $4 }
        END { m = int((NR + 1) / 2); printf "%s %.0f %.3f %.3f-%.3f  %.3f %.3f %.3f\n", $1, rate[m], cpu[m], cpu[1], cpu[NR], u / rt, s / rt, (u + s) / rt }'
done
if ((blocks > 0)); then
    echo "# block by block ($((rounds * blocks)) blocks): ${names[0]} ÷ each other server, geometric mean (95 % interval), median, min-max"
    for other in "${names[@]:1}"; do
        awk -v first="${names[0]}" -v other="$other" '
            NF > 8 && $1 == first { a[$9] = $7 }
            NF > 8 && $1 == other { b[$9] = $7 }
            END {
                n = split("1 12.71 2 4.30 3 3.18 4 2.78 5 2.57 6 2.45 7 2.36 8 2.31 9 2.26 10 2.23 12 2.18 15 2.13 20 2.09 25 2.06 30 2.04 40 2.02 60 2.00", t, " ")
                k = 0
                for (blk in a) if ((blk in b) && a[blk] > 0 && b[blk] > 0) { k++; r[k] = a[blk] / b[blk]; sum += log(r[k]) }
                if (k < 2) { printf "%s ÷ %s: fewer than 2 blocks with CPU ticks on both\n", first, other; exit }
                mean = sum / k
                for (i = 1; i <= k; i++) { ss += (log(r[i]) - mean) ^ 2 }
                sd = sqrt(ss / (k - 1))
                for (i = 1; i < n; i += 2) if (t[i] + 0 <= k - 1) q = t[i + 1]   # t(0.975, df), rounded down to the table
                half = q * sd / sqrt(k)
                for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (r[j] < r[i]) { x = r[i]; r[i] = r[j]; r[j] = x }
                median = k % 2 ? r[(k + 1) / 2] : (r[k / 2] + r[k / 2 + 1]) / 2
                printf "%s ÷ %s: %.3f (%.3f-%.3f), median %.3f, %.3f-%.3f, %d blocks\n", first, other,
                    exp(mean), exp(mean - half), exp(mean + half), median, r[1], r[k], k
            }' "$results"
    done
fi
