/* driver.c - drives the remote cache layer (cache/remote.h) for the tests
 * in test_remote.py, one command per line on stdin, one JSON line per
 * command on stdout:
 *
 *   remote-driver URL [--write] [--timeout MS] [--quiet]
 *
 *   put NAME VALUE        store VALUE (text, "@N": N pattern bytes, "x:HEX": bytes) under key H(NAME)
 *                         (NAME "#" + 32 hex digits: that key itself)
 *   get NAME...           {"found":[...],"values":[...]}  (a value: its text, or "@N" if it is the pattern)
 *   has NAME...           {"found":[...]}
 *   putn PREFIX N SIZE    store N pattern values of SIZE bytes, keys H(PREFIX i), one batch
 *   getn PREFIX N SIZE    {"hits":H,"good":G}: how many were found, and found equal to what putn stored
 *   key NAME              {"hex":...}: the key, as the servers name the entry
 *   frame NAME FORMAT VALUE   {"hex":...}: the frame of VALUE for H(NAME) in format FORMAT
 *                         (a number, or "current")
 *   stats                 the statistics
 *
 * A key is sg_hash of NAME, so the tests use readable names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cache/remote.h"
#include "../../checker/base.h"

/* A key: H(NAME), or the key itself given as "#" and 32 hex digits. */
static SgHash key_of(const char *name) {
    SgHash k;
    if (name[0] == '#' && strlen(name) == 33) {
        for (int i = 0; i < 16; i++) {
            unsigned v;
            if (sscanf(name + 1 + 2 * i, "%2x", &v) != 1) break;
            k.b[i] = (uint8_t)v;
        }
        return k;
    }
    return sg_hash(name, strlen(name));
}

/* The pattern value of a key: bytes derived from the key, so a swapped or
 * wrong value never matches. */
static uint8_t *pattern(const SgHash *k, size_t n) {
    uint8_t *v = sg_xmalloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) v[i] = (uint8_t)(k->b[i % 16] + i / 16);
    return v;
}

static void value_of(const SgHash *k, const char *spec, uint8_t **v, size_t *n) {
    if (spec[0] == 'x' && spec[1] == ':') {     /* bytes in hex */
        size_t len = strlen(spec + 2) / 2;
        *v = sg_xmalloc(len + 1);
        for (size_t i = 0; i < len; i++) {
            unsigned b = 0;
            sscanf(spec + 2 + 2 * i, "%2x", &b);
            (*v)[i] = (uint8_t)b;
        }
        *n = len;
    } else if (spec[0] == '@') {
        *n = (size_t)strtoull(spec + 1, NULL, 10);
        *v = pattern(k, *n);
    } else {
        *n = strlen(spec);
        *v = (uint8_t *)sg_xstrdup(spec);
    }
}

static void print_value(const SgHash *k, const uint8_t *v, size_t n) {
    uint8_t *p = pattern(k, n);
    bool is_pattern = n > 0 && memcmp(p, v, n) == 0;
    free(p);
    if (is_pattern) {
        printf("\"@%zu\"", n);
        return;
    }
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '"' || v[i] == '\\')
            printf("\\%c", v[i]);
        else if (v[i] < 0x20 || v[i] >= 0x7f)
            printf("\\u%04x", v[i]);
        else
            putchar(v[i]);
    }
    putchar('"');
}

static void print_stats(const SgRemote *r) {
    const SgRemoteStats *s = sg_remote_stats(r);
    printf("{\"hits\":%llu,\"misses\":%llu,\"rejected\":%llu,\"errors\":%llu,\"puts\":%llu,"
           "\"bytes_read\":%llu,\"bytes_written\":%llu,\"disabled\":%s,\"writes_disabled\":%s}\n",
           (unsigned long long)s->hits, (unsigned long long)s->misses, (unsigned long long)s->rejected,
           (unsigned long long)s->errors, (unsigned long long)s->puts, (unsigned long long)s->bytes_read,
           (unsigned long long)s->bytes_written, s->disabled ? "true" : "false",
           s->writes_disabled ? "true" : "false");
}

static SgRemoteItem *numbered(const char *prefix, size_t n) {
    SgRemoteItem *items = sg_xcalloc(n ? n : 1, sizeof *items);
    for (size_t i = 0; i < n; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s %zu", prefix, i);
        items[i].key = key_of(name);
    }
    return items;
}

static void free_items(SgRemoteItem *items, size_t n) {
    for (size_t i = 0; i < n; i++) free(items[i].value);
    free(items);
}

int main(int argc, char **argv) {
    SgRemoteOptions opt = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--write") == 0)
            opt.write = true;
        else if (strcmp(argv[i], "--quiet") == 0)
            opt.quiet = true;
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            opt.timeout_ms = atoi(argv[++i]);
        else
            opt.url = argv[i];
    }
    if (!opt.url) {
        fprintf(stderr, "usage: remote-driver URL [--write] [--timeout MS] [--quiet]\n");
        return 2;
    }
    const char *err;
    SgRemote *r = sg_remote_open(&opt, &err);
    if (!r) {
        printf("{\"error\":\"%s\"}\n", err);
        return 2;
    }
    char line[1 << 16];
    while (fgets(line, sizeof line, stdin)) {
        char *words[256];
        int nw = 0;
        for (char *t = strtok(line, " \t\r\n"); t && nw < 256; t = strtok(NULL, " \t\r\n")) words[nw++] = t;
        if (nw == 0) continue;
        const char *cmd = words[0];
        if (strcmp(cmd, "put") == 0 && nw == 3) {
            SgRemoteItem it = {.key = key_of(words[1])};
            value_of(&it.key, words[2], &it.value, &it.len);
            sg_remote_put(r, &it, 1);
            free(it.value);
            printf("{}\n");
        } else if ((strcmp(cmd, "get") == 0 || strcmp(cmd, "has") == 0) && nw >= 2) {
            size_t n = (size_t)nw - 1;
            SgRemoteItem *items = sg_xcalloc(n, sizeof *items);
            for (size_t i = 0; i < n; i++) items[i].key = key_of(words[i + 1]);
            bool get = cmd[0] == 'g';
            if (get)
                sg_remote_get(r, items, n);
            else
                sg_remote_has(r, items, n);
            printf("{\"found\":[");
            for (size_t i = 0; i < n; i++) printf("%s%s", i ? "," : "", items[i].found ? "true" : "false");
            printf("]");
            if (get) {
                printf(",\"values\":[");
                for (size_t i = 0; i < n; i++) {
                    if (i) putchar(',');
                    if (items[i].found)
                        print_value(&items[i].key, items[i].value, items[i].len);
                    else
                        printf("null");
                }
                printf("]");
            }
            printf("}\n");
            free_items(items, n);
        } else if ((strcmp(cmd, "putn") == 0 || strcmp(cmd, "getn") == 0) && nw == 4) {
            size_t n = (size_t)strtoull(words[2], NULL, 10), size = (size_t)strtoull(words[3], NULL, 10);
            SgRemoteItem *items = numbered(words[1], n);
            if (cmd[0] == 'p') {
                for (size_t i = 0; i < n; i++) {
                    items[i].value = pattern(&items[i].key, size);
                    items[i].len = size;
                }
                sg_remote_put(r, items, n);
                printf("{}\n");
            } else {
                sg_remote_get(r, items, n);
                size_t hits = 0, good = 0;
                for (size_t i = 0; i < n; i++) {
                    if (!items[i].found) continue;
                    hits++;
                    uint8_t *p = pattern(&items[i].key, size);
                    good += items[i].len == size && memcmp(p, items[i].value, size) == 0;
                    free(p);
                }
                printf("{\"hits\":%zu,\"good\":%zu}\n", hits, good);
            }
            free_items(items, n);
        } else if (strcmp(cmd, "key") == 0 && nw == 2) {
            SgHash k = key_of(words[1]);
            char hex[33];
            sg_hash_hex(&k, hex);
            printf("{\"hex\":\"%s\"}\n", hex);
        } else if (strcmp(cmd, "frame") == 0 && nw == 4) {
            SgHash k = key_of(words[1]);
            uint8_t *v;
            size_t vlen, flen;
            value_of(&k, words[3], &v, &vlen);
            uint32_t format = strcmp(words[2], "current") == 0 ? SG_REMOTE_FORMAT : (uint32_t)strtoul(words[2], NULL, 10);
            uint8_t *f = sg_remote_frame(&k, format, v, vlen, &flen);
            printf("{\"hex\":\"");
            for (size_t i = 0; i < flen; i++) printf("%02x", f[i]);
            printf("\"}\n");
            free(f);
            free(v);
        } else if (strcmp(cmd, "stats") == 0) {
            print_stats(r);
        } else {
            printf("{\"error\":\"bad command\"}\n");
        }
        fflush(stdout);
    }
    sg_remote_close(r);
    return 0;
}
