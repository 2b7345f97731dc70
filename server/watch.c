/* watch.c - `sigil --watch`: libuv file-system events on the workspace's
 * directories trigger an incremental check (the same engine and on-disk
 * cache as --check) after a short debounce; the screen is redrawn with a
 * summary line and the diagnostics grouped by file. On a terminal, `q`
 * quits and `r` forces a full re-check (no cache); when stdout is not a
 * terminal each check prints plain lines after a `== check` header.
 * Everything runs on the loop thread: a check blocks input only for its
 * own (short) duration. */
#include "watch.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "dirwatch.h"
#include "report.h"

#define DEBOUNCE_MS 50

typedef struct Watch {
    uv_loop_t *loop;
    SgEngineOptions opt;
    bool tty, color, full_next;
    uv_timer_t debounce;
    uv_tty_t in_tty;
    uv_pipe_t in_pipe;
    uv_stream_t *in;
    uv_signal_t sigint;
    SgDirWatch dirs;
    char root_abs[PATH_MAX];
    int status;
} Watch;

static Watch *W;

static void run_check(void);

static void fire(uv_timer_t *t) {
    (void)t;
    run_check();
}

static void schedule(void) { uv_timer_start(&W->debounce, fire, DEBOUNCE_MS, 0); }

static void dir_changed(void *ctx) {
    (void)ctx;
    schedule();
}

static void run_check(void) {
    SgEngineOptions o = W->opt;
    if (W->full_next) o.cache_dir = NULL;   /* `r`: everything from scratch */
    W->full_next = false;
    SgEngineRun run;
    char *err = NULL;
    time_t now = time(NULL);
    char stamp[16];
    strftime(stamp, sizeof stamp, "%H:%M:%S", localtime(&now));
    if (W->tty) fputs("\x1b[2J\x1b[H", stdout);
    else printf("== check at %s\n", stamp);
    if (!sg_engine_run(&o, &run, &err)) {
        printf("sigil: %s\n", err ? err : "check failed");
        free(err);
        W->status = 2;
    } else {
        SgReportOptions ro = {.format = FMT_HUMAN, .color = W->color, .watch = true, .root_abs = W->root_abs};
        SgReportCounts c = sg_report(&run, &ro, stdout);
        W->status = c.errors ? 1 : 0;
    }
    sg_engine_free(&run);
    if (W->tty) printf("\n%s[%s] watching %s: q quits, r re-checks everything%s\n", W->color ? "\x1b[2m" : "", stamp,
                       W->opt.root, W->color ? "\x1b[0m" : "");
    fflush(stdout);
}

static void quit(void) {
    uv_stop(W->loop);
}

static void alloc_cb(uv_handle_t *h, size_t n, uv_buf_t *b) {
    (void)h;
    b->base = sg_xmalloc(n);
    b->len = n;
}

static void on_key(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
    (void)s;
    for (ssize_t i = 0; i < n; i++) {
        char ch = b->base[i];
        if (ch == 'q' || ch == 'Q' || ch == 3 /* ^C in raw mode */ || ch == 4 /* ^D */) quit();
        else if (ch == 'r' || ch == 'R') {
            W->full_next = true;
            run_check();
        }
    }
    free(b->base);
    if (n < 0 && W->tty) quit();    /* the terminal went away */
}

static void on_sigint(uv_signal_t *h, int sig) {
    (void)h;
    (void)sig;
    quit();
}

static void close_cb(uv_handle_t *h, void *arg) {
    (void)arg;
    if (!uv_is_closing(h)) uv_close(h, NULL);
}

int sg_watch_main(const SgEngineOptions *opt, bool color) {
    Watch w;
    memset(&w, 0, sizeof w);
    W = &w;
    w.opt = *opt;
    w.loop = uv_default_loop();
    w.tty = isatty(STDOUT_FILENO);
    w.color = color;
    if (!realpath(opt->root, w.root_abs)) snprintf(w.root_abs, sizeof w.root_abs, "%s", opt->root);
    uv_timer_init(w.loop, &w.debounce);
    uv_signal_init(w.loop, &w.sigint);
    uv_signal_start(&w.sigint, on_sigint, SIGINT);
    if (isatty(STDIN_FILENO)) {
        uv_tty_init(w.loop, &w.in_tty, STDIN_FILENO, 1);
        uv_tty_set_mode(&w.in_tty, UV_TTY_MODE_RAW);
        w.in = (uv_stream_t *)&w.in_tty;
    } else if (uv_guess_handle(STDIN_FILENO) == UV_NAMED_PIPE) {
        uv_pipe_init(w.loop, &w.in_pipe, 0);
        if (uv_pipe_open(&w.in_pipe, STDIN_FILENO) == 0) w.in = (uv_stream_t *)&w.in_pipe;
    }
    if (w.in) uv_read_start(w.in, alloc_cb, on_key);
    w.dirs = (SgDirWatch){.loop = w.loop, .changed = dir_changed};
    sg_dirwatch_tree(&w.dirs, w.root_abs);
    run_check();
    uv_run(w.loop, UV_RUN_DEFAULT);
    if (w.in == (uv_stream_t *)&w.in_tty) uv_tty_reset_mode();
    sg_dirwatch_close(&w.dirs);
    uv_walk(w.loop, close_cb, NULL);
    uv_run(w.loop, UV_RUN_DEFAULT);
    uv_loop_close(w.loop);
    if (w.tty) fputs("\n", stdout);
    return w.status;
}
