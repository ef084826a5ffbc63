/*
 * A minimal single-threaded epoll ping-pong client: the cheapest load generator for the
 * "server CPU per round trip" measurement (bench/cpu-per-message.sh). Each of N connections
 * sends SIZE bytes, waits for all of them to come back (checking every byte), sends again.
 * After WARMUP seconds it reads the server's CPU time from /proc/PID/stat, runs MEASURE
 * seconds, reads it again and prints one line:
 *
 *   round_trips=... per_s=... user_us=... sys_us=... cpu_us=... errors=...
 *
 * with the server's user, system and total CPU microseconds per round trip.
 *
 *   cc -O2 -o pingpong-client bench/c/pingpong_client.c
 *   ./pingpong-client PORT CONNECTIONS SIZE WARMUP_S MEASURE_S SERVER_PID
 *
 * Exit codes: 0 clean, 1 a wrong byte, a reset or an early EOF, 2 bad usage, 3 cannot run.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE 65536

struct conn {
    int fd;
    unsigned seq;
    size_t got;
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* utime and stime of the whole process (all threads), in clock ticks. */
static int server_ticks(long pid, unsigned long long *user, unsigned long long *sys) {
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    char *p = strrchr(line, ')'); /* the command name may hold spaces */
    if (!p) return -1;
    /* after ")": state(3) ... utime is field 14, stime 15 */
    int field = 2;
    for (p++; *p && field < 14; p++) {
        if (*p == ' ') field++;
    }
    return sscanf(p, "%llu %llu", user, sys) == 2 ? 0 : -1;
}

static void fill(char *buf, size_t size, int id, unsigned seq) {
    for (size_t i = 0; i < size; i++) buf[i] = (char) (id * 31 + seq * 7 + i);
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: pingpong-client PORT CONNECTIONS SIZE WARMUP_S MEASURE_S SERVER_PID\n");
        return 2;
    }
    int port = atoi(argv[1]), n = atoi(argv[2]);
    size_t size = (size_t) atol(argv[3]);
    double warmup = atof(argv[4]), measure = atof(argv[5]);
    long pid = atol(argv[6]);
    if (port <= 0 || n <= 0 || size == 0 || size > MAX_SIZE || measure <= 0) {
        fprintf(stderr, "pingpong-client: bad arguments\n");
        return 2;
    }
    int ep = epoll_create1(0);
    struct conn *conns = calloc((size_t) n, sizeof *conns);
    static char out[MAX_SIZE], expect[MAX_SIZE], in[MAX_SIZE];
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short) port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        if (fd < 0 || connect(fd, (struct sockaddr *) &addr, sizeof addr) < 0) {
            fprintf(stderr, "pingpong-client: connect %d: %s\n", i, strerror(errno));
            return 3;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (unsigned) i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    for (int i = 0; i < n; i++) {
        fill(out, size, i, 0);
        if (write(conns[i].fd, out, size) != (ssize_t) size) {
            fprintf(stderr, "pingpong-client: first write: %s\n", strerror(errno));
            return 3;
        }
    }
    struct epoll_event events[1024];
    double start = now_s(), measure_start = 0, end = start + warmup + measure;
    unsigned long long trips = 0, trips_at_start = 0, u0 = 0, s0 = 0, u1, s1;
    int measuring = 0, errors = 0;
    for (double t = start; t < end && !errors; t = now_s()) {
        if (!measuring && t - start >= warmup) {
            if (server_ticks(pid, &u0, &s0) < 0) {
                fprintf(stderr, "pingpong-client: cannot read /proc/%ld/stat\n", pid);
                return 3;
            }
            measuring = 1;
            measure_start = t;
            trips_at_start = trips;
        }
        int ready = epoll_wait(ep, events, 1024, 100);
        for (int k = 0; k < ready; k++) {
            struct conn *c = &conns[events[k].data.u32];
            int id = (int) events[k].data.u32;
            ssize_t r = read(c->fd, in, size - c->got);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) continue;
                fprintf(stderr, "pingpong-client: connection %d: %s\n", id, r == 0 ? "EOF" : strerror(errno));
                errors++;
                break;
            }
            fill(expect, size, id, c->seq);
            if (memcmp(in, expect + c->got, (size_t) r) != 0) {
                fprintf(stderr, "pingpong-client: connection %d: wrong byte echoed\n", id);
                errors++;
                break;
            }
            c->got += (size_t) r;
            if (c->got == size) {
                c->got = 0;
                c->seq++;
                trips++;
                fill(out, size, id, c->seq);
                if (write(c->fd, out, size) != (ssize_t) size) {
                    fprintf(stderr, "pingpong-client: connection %d: short write\n", id);
                    errors++;
                    break;
                }
            }
        }
    }
    double elapsed = now_s() - measure_start;
    if (!measuring || server_ticks(pid, &u1, &s1) < 0) {
        fprintf(stderr, "pingpong-client: no measured window\n");
        return 3;
    }
    double tick_us = 1e6 / (double) sysconf(_SC_CLK_TCK);
    unsigned long long measured = trips - trips_at_start;
    double user = (double) (u1 - u0) * tick_us / (double) measured;
    double sys = (double) (s1 - s0) * tick_us / (double) measured;
    printf("round_trips=%llu per_s=%.0f user_us=%.3f sys_us=%.3f cpu_us=%.3f errors=%d\n",
           measured, (double) measured / elapsed, user, sys, user + sys, errors);
    for (int i = 0; i < n; i++) close(conns[i].fd);
    return errors ? 1 : 0;
}
