/*
 * A minimal C epoll ping-pong echo client: the baseline `echo-client load --mode pingpong`
 * must reach. One thread, non-blocking sockets, level-triggered epoll. Each connection sends
 * a SIZE-byte message, waits for its whole echo, sends the next. Counts messages for SECONDS
 * and prints messages/s. No verification, no latency: as little work as possible per message.
 *
 *   gcc -O2 -o /tmp/epoll_pingpong client/tools/epoll_pingpong.c
 *   /tmp/epoll_pingpong 127.0.0.1 9877 CONNECTIONS SIZE SECONDS
 *
 * Not built or run by Maven; see the README section on the client for the comparison.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
    int fd;
    int received; /* bytes of its echo read */
};

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fcntl_nonblock(int fd) {
    int flags = fcntl(fd, F_GETFL, 0);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s HOST PORT CONNECTIONS SIZE SECONDS\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[3]), size = atoi(argv[4]);
    double seconds = atof(argv[5]);
    struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1 || n < 1 || size < 1 || seconds <= 0) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    char *out = calloc(size, 1), in[65536];
    struct conn *conns = calloc(n, sizeof *conns);
    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    for (int i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        if (fd < 0) die("socket");
        if (connect(fd, (struct sockaddr *) &server, sizeof server) < 0) die("connect");
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int wrote = write(fd, out, size); /* blocking connect and first write, then non-blocking */
        if (wrote != size) die("first write");
        if (fcntl_nonblock(fd) < 0) die("fcntl");
        conns[i] = (struct conn){.fd = fd, .received = 0};
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
    }
    long messages = 0;
    double start = now_seconds(), end = start + seconds;
    struct epoll_event events[256];
    while (now_seconds() < end) {
        int ready = epoll_wait(ep, events, 256, 100);
        if (ready < 0 && errno != EINTR) die("epoll_wait");
        for (int e = 0; e < ready; e++) {
            struct conn *c = events[e].data.ptr;
            ssize_t got = read(c->fd, in, sizeof in);
            if (got == 0) { fprintf(stderr, "EOF from server\n"); return 1; }
            if (got < 0) { if (errno == EAGAIN) continue; die("read"); }
            c->received += got;
            if (c->received >= size) {
                messages++;
                c->received -= size;
                if (write(c->fd, out, size) != size) die("write"); /* small: fits the socket buffer */
            }
        }
    }
    double elapsed = now_seconds() - start;
    printf("epoll_pingpong: %d connections, %d-byte messages, %.1f s: %ld messages, %.0f msg/s\n",
           n, size, elapsed, messages, messages / elapsed);
    return 0;
}
