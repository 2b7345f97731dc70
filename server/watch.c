/* watch.c - `sigil --watch`: libuv file-system events on the workspace's
 * directories trigger an incremental check (the same engine and on-disk
 * cache as --check) after a short debounce.
 *
 * On a terminal the screen is redrawn: the diagnostics grouped by file, as
 * many as fit, then (as tsc --watch does) the summary line at the bottom,
 * with how many diagnostics did not fit. `q` quits and `r` forces a full
 * re-check (no cache). When stdout is not a terminal each check prints
 * plain lines after a `== check` header; with --format json, one JSON
 * report per line.
 *
 * The root may vanish (a branch switch, `rm -rf` and a fresh copy): while
 * it is missing, it is looked for every POLL_MS; when it is back, or is
 * another directory than the one watched, the watchers are set up anew.
 * Everything runs on the loop thread: a check blocks input only for its
 * own (short) duration. */
#include "watch.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "../cache/lease.h"
#include "dirwatch.h"

#define DEBOUNCE_MS 50
#define POLL_MS 500

typedef struct Watch {
    uv_loop_t *loop;
    SgEngineOptions opt;
    SgReportOptions ro;
    bool tty, full_next;
    uv_timer_t debounce, poll;
    uv_tty_t in_tty;
    uv_pipe_t in_pipe;
    uv_stream_t *in;
    uv_signal_t sigint, sigwinch;
    SgDirWatch dirs;
    dev_t dev;              /* the directory the watchers were set up on */
    ino_t ino;
    bool watching;
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

/* (Re)creates the watchers when the root is not the directory they watch. */
static void watch_root(bool force) {
    struct stat st;
    bool there = stat(W->opt.root, &st) == 0 && S_ISDIR(st.st_mode);
    if (there && W->watching && !force && st.st_dev == W->dev && st.st_ino == W->ino) return;
    sg_dirwatch_close(&W->dirs);
    W->dirs = (SgDirWatch){.loop = W->loop, .changed = dir_changed};
    W->watching = there;
    if (!there) return;
    W->dev = st.st_dev;
    W->ino = st.st_ino;
    sg_dirwatch_tree(&W->dirs, W->opt.root);
}

static void poll_root(uv_timer_t *t) {
    (void)t;
    if (access(W->opt.root, F_OK) == 0) run_check();
}

static uint32_t terminal_rows(void) {
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) return ws.ws_row;
    return 24;
}

static void run_check(void) {
    watch_root(W->full_next);
    uv_timer_stop(&W->poll);
    SgEngineOptions o = W->opt;
    if (W->full_next) o.cache_dir = NULL;   /* `r`: everything from scratch */
    W->full_next = false;
    SgReportOptions ro = W->ro;
    bool screen = W->tty && ro.format == FMT_HUMAN;
    /* what the screen keeps below the diagnostics: a blank line, the
     * "not shown" line, the summary, the status line and the cursor's */
    if (screen) ro.max_lines = terminal_rows() > 8 ? terminal_rows() - 5 : 3;
    SgEngineRun run = {0};    /* freed whether or not the run got far */
    char *err = NULL;
    time_t now = time(NULL);
    char stamp[16];
    strftime(stamp, sizeof stamp, "%H:%M:%S", localtime(&now));
    if (screen) fputs("\x1b[2J\x1b[H", stdout);
    else if (ro.format == FMT_HUMAN) printf("== check at %s\n", stamp);
    bool c = ro.color;
    SgSeverityConfig levels;    /* read at every check: sigil.json may have changed */
    ro.levels = &levels;
    bool ok = sg_severity_load(o.root, &levels, &err) && sg_lease_engine_run(&o, &run, &err);
    W->opt.remote = NULL;   /* the remote cache warms the first run only; then the local cache is current */
    if (!ok) {
        if (ro.format == FMT_JSON) fprintf(stderr, "sigil: %s\n", err ? err : "check failed");
        else printf("sigil: %s\n", err ? err : "check failed");
        free(err);
        W->status = 2;
        if (!W->watching) uv_timer_start(&W->poll, poll_root, POLL_MS, POLL_MS);
    } else {
        SgReportCounts n = sg_report(&run, &ro, stdout);
        W->status = n.errors || (ro.werror && n.warnings) ? 1 : 0;
        if (ro.format == FMT_HUMAN) {
            fputc('\n', stdout);
            if (n.hidden)
                printf("%s… and %u more diagnostic%s below the screen (a taller terminal, or sigil --check, shows "
                       "them)%s\n", c ? "\x1b[1;33m" : "", n.hidden, n.hidden == 1 ? "" : "s", c ? "\x1b[0m" : "");
            fputs(c ? "\x1b[1m" : "", stdout);
            sg_report_summary(&run, &ro, n, stdout);
            fputs(c ? "\x1b[0m\n" : "\n", stdout);
        }
    }
    sg_engine_free(&run);
    if (screen)
        printf("%s[%s] watching %s: q quits, r re-checks everything%s", c ? "\x1b[2m" : "", stamp, W->opt.root,
               c ? "\x1b[0m" : "");
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
            W->full_next = true;    /* also sets the watchers up anew */
            run_check();
        }
    }
    free(b->base);
    if (n < 0 && W->tty) quit();    /* the terminal went away */
}

static void on_signal(uv_signal_t *h, int sig) {
    (void)h;
    if (sig == SIGINT) quit();
    else schedule();    /* SIGWINCH: redraw for the new size */
}

static void close_cb(uv_handle_t *h, void *arg) {
    (void)arg;
    if (!uv_is_closing(h)) uv_close(h, NULL);
}

int sg_watch_main(const SgEngineOptions *opt, const SgReportOptions *ro) {
    Watch w;
    memset(&w, 0, sizeof w);
    W = &w;
    w.opt = *opt;
    w.ro = *ro;
    w.ro.watch = ro->format == FMT_HUMAN;
    w.loop = uv_default_loop();
    w.tty = isatty(STDOUT_FILENO);
    uv_timer_init(w.loop, &w.debounce);
    uv_timer_init(w.loop, &w.poll);
    uv_signal_init(w.loop, &w.sigint);
    uv_signal_start(&w.sigint, on_signal, SIGINT);
    uv_signal_init(w.loop, &w.sigwinch);
    if (w.tty) uv_signal_start(&w.sigwinch, on_signal, SIGWINCH);
    if (isatty(STDIN_FILENO)) {
        uv_tty_init(w.loop, &w.in_tty, STDIN_FILENO, 1);
        uv_tty_set_mode(&w.in_tty, UV_TTY_MODE_RAW);
        w.in = (uv_stream_t *)&w.in_tty;
    } else if (uv_guess_handle(STDIN_FILENO) == UV_NAMED_PIPE) {
        uv_pipe_init(w.loop, &w.in_pipe, 0);
        if (uv_pipe_open(&w.in_pipe, STDIN_FILENO) == 0) w.in = (uv_stream_t *)&w.in_pipe;
    }
    if (w.in) uv_read_start(w.in, alloc_cb, on_key);
    run_check();
    uv_run(w.loop, UV_RUN_DEFAULT);
    if (w.in == (uv_stream_t *)&w.in_tty) uv_tty_reset_mode();
    sg_dirwatch_close(&w.dirs);
    uv_walk(w.loop, close_cb, NULL);
    uv_run(w.loop, UV_RUN_DEFAULT);
    uv_loop_close(w.loop);
    if (w.tty && w.ro.format == FMT_HUMAN) fputs("\n", stdout);
    return w.status;
}
