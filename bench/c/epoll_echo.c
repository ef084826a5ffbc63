/*
 * A minimal single-threaded epoll echo server: the C baseline for the bench's
 * "server CPU per message" comparison. Same duty as the reactor: read up to 64 KiB per
 * ready event into one shared buffer, write it straight back, keep only what the socket
 * did not take (and stop reading that peer until it is sent).
 *
 *   cc -O2 -o epoll-echo bench/c/epoll_echo.c && ./epoll-echo 0
 *   -> prints "c-epoll listening on 127.0.0.1:PORT"
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_BYTES 65536
#define MAX_EVENTS 1024

struct conn {
    int fd;
    char *owed;
    size_t owed_len;
    size_t owed_off;
};

static int epfd;
static volatile sig_atomic_t stop;

static void on_signal(int sig) { (void) sig; stop = 1; }

static void drop(struct conn *c) {
    close(c->fd); /* also removes it from the epoll set */
    free(c->owed);
    free(c);
}

static void want(struct conn *c, unsigned events) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void on_writable(struct conn *c) {
    ssize_t n = write(c->fd, c->owed + c->owed_off, c->owed_len - c->owed_off);
    if (n < 0) {
        if (errno != EAGAIN) drop(c);
        return;
    }
    c->owed_off += (size_t) n;
    if (c->owed_off == c->owed_len) {
        free(c->owed);
        c->owed = NULL;
        want(c, EPOLLIN);
    }
}

static void on_readable(struct conn *c, char *buf) {
    ssize_t n = read(c->fd, buf, READ_BYTES);
    if (n <= 0) {
        if (n == 0 || errno != EAGAIN) drop(c);
        return;
    }
    ssize_t w = write(c->fd, buf, (size_t) n);
    if (w < 0) {
        if (errno != EAGAIN) { drop(c); return; }
        w = 0;
    }
    if (w < n) {
        c->owed_len = (size_t) (n - w);
        c->owed_off = 0;
        c->owed = malloc(c->owed_len);
        memcpy(c->owed, buf + w, c->owed_len);
        want(c, EPOLLOUT);
    }
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 9877;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    /* SIGTERM/SIGINT stay blocked except inside epoll_pwait: one arriving between the check
       of `stop` and the wait would otherwise be handled there and the wait would never end. */
    sigset_t stop_signals, while_waiting;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigprocmask(SIG_BLOCK, &stop_signals, &while_waiting);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen(lfd, 1024) < 0) {
        fprintf(stderr, "epoll-echo: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
        return 1;
    }
    socklen_t len = sizeof addr;
    getsockname(lfd, (struct sockaddr *) &addr, &len);
    printf("c-epoll listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
    fflush(stdout);

    epfd = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
    static char buf[READ_BYTES];
    struct epoll_event events[MAX_EVENTS];
    while (!stop) {
        int ready = epoll_pwait(epfd, events, MAX_EVENTS, -1, &while_waiting);
        if (ready < 0) {
            if (errno == EINTR) continue;
            perror("epoll_pwait");
            return 1;
        }
        for (int i = 0; i < ready; i++) {
            struct conn *c = events[i].data.ptr;
            if (c == NULL) {
                for (int k = 0; k < 16; k++) {
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
                    if (fd < 0) break;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event cev = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &cev);
                }
            } else if (c->owed != NULL) {
                on_writable(c);
            } else {
                on_readable(c, buf);
            }
        }
    }
    return 0;
}
