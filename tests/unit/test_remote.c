/* test_remote.c - the remote cache's URL parsing and entry frames
 * (cache/remote.c); the wire protocols are tested against real servers in
 * tests/remote/. */
#include "test.h"

#include <stdlib.h>

#include "../../cache/remote.h"

static void free_url(void *p) {
    sg_remote_url_free(p);
    free(p);
}

static SgRemoteUrl *parse(const char *s, const char **err) {
    SgRemoteUrl *u = sg_xcalloc(1, sizeof *u);
    *err = NULL;
    if (!sg_remote_url_parse(s, u, err)) {
        free(u);
        return NULL;
    }
    test_defer(free_url, u);
    return u;
}

TEST(remote_url_redis) {
    const char *err;
    SgRemoteUrl *u = parse("redis://cache.example:6380/2", &err);
    ASSERT_NOT_NULL(u);
    ASSERT_EQ_INT(u->scheme, SG_REMOTE_REDIS);
    ASSERT_STR_EQ(u->host, "cache.example");
    ASSERT_EQ_INT(u->port, 6380);
    ASSERT_EQ_INT(u->db, 2);
    ASSERT_NULL(u->password);
    ASSERT_STR_EQ(u->display, "redis://cache.example:6380/2");

    u = parse("REDIS://:p%40ss:word@[::1]", &err);
    ASSERT_NOT_NULL(u);
    ASSERT_STR_EQ(u->host, "::1");
    ASSERT_EQ_INT(u->port, 6379);
    ASSERT_EQ_INT(u->db, 0);
    ASSERT_NULL(u->user);
    ASSERT_STR_EQ(u->password, "p@ss:word");
    ASSERT_STR_EQ(u->display, "REDIS://:***@[::1]");

    u = parse("redis://ci:tok@h/", &err);
    ASSERT_NOT_NULL(u);
    ASSERT_STR_EQ(u->user, "ci");
    ASSERT_STR_EQ(u->password, "tok");
    ASSERT_STR_EQ(u->display, "redis://ci:***@h/");
}

TEST(remote_url_redis_unix) {
    const char *err;
    SgRemoteUrl *u = parse("redis+unix:///run/redis/redis.sock", &err);
    ASSERT_NOT_NULL(u);
    ASSERT_EQ_INT(u->scheme, SG_REMOTE_REDIS_UNIX);
    ASSERT_STR_EQ(u->socket_path, "/run/redis/redis.sock");
    ASSERT_EQ_INT(u->db, 0);
    u = parse("redis+unix://:pw@/tmp/r.sock?db=5", &err);
    ASSERT_NOT_NULL(u);
    ASSERT_STR_EQ(u->socket_path, "/tmp/r.sock");
    ASSERT_STR_EQ(u->password, "pw");
    ASSERT_EQ_INT(u->db, 5);
    ASSERT_STR_EQ(u->display, "redis+unix://:***@/tmp/r.sock?db=5");
}

TEST(remote_url_http) {
    const char *err;
    SgRemoteUrl *u = parse("http://127.0.0.1:8080/cache/sigil/", &err);
    ASSERT_NOT_NULL(u);
    ASSERT_EQ_INT(u->scheme, SG_REMOTE_HTTP);
    ASSERT_STR_EQ(u->base, "http://127.0.0.1:8080/cache/sigil");
    ASSERT_EQ_INT(u->port, 8080);
    u = parse("HTTPS://bot:se%2Fcret@cache.example", &err);
    ASSERT_NOT_NULL(u);
    ASSERT_STR_EQ(u->base, "https://cache.example");
    ASSERT_STR_EQ(u->user, "bot");
    ASSERT_STR_EQ(u->password, "se/cret");
    ASSERT_STR_EQ(u->display, "HTTPS://bot:***@cache.example");
}

TEST(remote_url_errors) {
    static const struct {
        const char *url, *why;
    } bad[] = {
        {"", "not a URL"},
        {"cache.example:6379", "not a URL"},
        {"memcached://h", "unknown remote cache scheme"},
        {"redis://", "no host"},
        {"redis://h:0", "port"},
        {"redis://h:65536", "port"},
        {"redis://h:12x", "port"},
        {"redis://h/db1", "database number"},
        {"redis://pw@h", "a password goes after ':'"},
        {"redis://:%zz@h", "percent-escape"},
        {"redis://:%00@h", "percent-escape"},
        {"redis://[::1", "unterminated"},
        {"redis://h /0", "not a URL"},
        {"redis+unix://host/sock", "has no host"},
        {"redis+unix://", "socket's path"},
        {"redis+unix:///s?database=1", "?db=N"},
        {"http://h/p?x=1", "no query"},
        {"http://h/p#f", "no query"},
        {"http://:8080/p", "no host"},
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(bad); i++) {
        const char *err;
        SgRemoteUrl *u = parse(bad[i].url, &err);
        if (u) FAIL("%s was accepted", bad[i].url);
        ASSERT_STR_CONTAINS(err, bad[i].why);
    }
}

TEST(remote_frame_roundtrip_and_rejections) {
    SgHash k = sg_hash("key", 3), other = sg_hash("other", 5);
    size_t n;
    uint8_t *f = sg_remote_frame(&k, SG_REMOTE_FORMAT, "value", 5, &n);
    test_defer(free, f);
    ASSERT_EQ_UINT(n, 5 + 40);
    const uint8_t *v;
    size_t vlen;
    ASSERT_TRUE(sg_remote_unframe(&k, f, n, &v, &vlen));
    ASSERT_EQ_UINT(vlen, 5);
    ASSERT_MEM_EQ(v, "value", 5);
    /* another key's entry, a truncated one, one with a byte too many */
    ASSERT_FALSE(sg_remote_unframe(&other, f, n, &v, &vlen));
    ASSERT_FALSE(sg_remote_unframe(&k, f, n - 1, &v, &vlen));
    ASSERT_FALSE(sg_remote_unframe(&k, f, 39, &v, &vlen));
    uint8_t *longer = sg_xmalloc(n + 1);
    test_defer(free, longer);
    memcpy(longer, f, n);
    longer[n] = 0;
    ASSERT_FALSE(sg_remote_unframe(&k, longer, n + 1, &v, &vlen));
    /* every single flipped bit */
    for (size_t i = 0; i < n * 8; i++) {
        f[i / 8] ^= (uint8_t)(1u << (i % 8));
        bool ok = sg_remote_unframe(&k, f, n, &v, &vlen);
        f[i / 8] ^= (uint8_t)(1u << (i % 8));
        if (ok) FAIL("bit %zu flipped was accepted", i);
    }
    /* a well-formed frame of another format version */
    size_t n2;
    uint8_t *f2 = sg_remote_frame(&k, SG_REMOTE_FORMAT + 1, "value", 5, &n2);
    test_defer(free, f2);
    ASSERT_FALSE(sg_remote_unframe(&k, f2, n2, &v, &vlen));
    /* an empty value is a value */
    uint8_t *f3 = sg_remote_frame(&k, SG_REMOTE_FORMAT, NULL, 0, &n2);
    test_defer(free, f3);
    ASSERT_TRUE(sg_remote_unframe(&k, f3, n2, &v, &vlen));
    ASSERT_EQ_UINT(vlen, 0);
}

/* A pack payload (cache/remote.h): "SGPK", count, (key, u32 length) each,
 * then the entries' bytes. */
static void pack_put_u32(SgBuf *b, uint32_t v) {
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    sg_buf_put(b, x, 4);
}

/* an SgBuf the test's end frees (the struct in the test's arena) */
static SgBuf *pack_buf(void) {
    SgBuf *b = SG_NEW(test_arena(), SgBuf);
    test_defer((void (*)(void *))sg_buf_free, b);
    return b;
}

TEST(remote_pack_rejections) {
    uint8_t k1[16] = {1}, k2[16] = {2};
    SgBuf *ok = pack_buf();
    sg_buf_put(ok, "SGPK", 4);
    pack_put_u32(ok, 2);
    sg_buf_put(ok, k1, 16);
    pack_put_u32(ok, 3);
    sg_buf_put(ok, k2, 16);
    pack_put_u32(ok, 2);
    sg_buf_put(ok, "abcde", 5);
    uint32_t n = 0;
    ASSERT_TRUE(sg_remote_pack_valid((const uint8_t *)ok->data, ok->len, &n));
    ASSERT_EQ_UINT(n, 2);
    /* a byte short, a byte too many, another magic */
    ASSERT_FALSE(sg_remote_pack_valid((const uint8_t *)ok->data, ok->len - 1, &n));
    SgBuf *more = pack_buf();
    sg_buf_put(more, ok->data, ok->len);
    sg_buf_putc(more, 'x');
    ASSERT_FALSE(sg_remote_pack_valid((const uint8_t *)more->data, more->len, &n));
    more->data[3] = 'Q';
    ASSERT_FALSE(sg_remote_pack_valid((const uint8_t *)more->data, more->len - 1, &n));
    /* keys out of order, or twice: a pack is searched by halving */
    SgBuf *swapped = pack_buf();
    sg_buf_put(swapped, ok->data, ok->len);
    memcpy(swapped->data + 8, k2, 16);
    ASSERT_FALSE(sg_remote_pack_valid((const uint8_t *)swapped->data, swapped->len, &n));
    memcpy(swapped->data + 8, k1, 16);
    memcpy(swapped->data + 28, k1, 16);
    ASSERT_FALSE(sg_remote_pack_valid((const uint8_t *)swapped->data, swapped->len, &n));
    /* a count that the bytes cannot hold */
    SgBuf *big = pack_buf();
    sg_buf_put(big, "SGPK", 4);
    pack_put_u32(big, 0xFFFFFFFFu);
    ASSERT_FALSE(sg_remote_pack_valid((const uint8_t *)big->data, big->len, &n));
    /* the empty pack is well formed */
    big->len = 4;
    pack_put_u32(big, 0);
    ASSERT_TRUE(sg_remote_pack_valid((const uint8_t *)big->data, big->len, &n));
    ASSERT_EQ_UINT(n, 0);
}

TEST(remote_open_is_offline) {
    /* opening parses only: nothing listens on port 1, and nothing is tried */
    SgRemoteOptions o = {.url = "redis://127.0.0.1:1", .quiet = true};
    const char *err;
    SgRemote *r = sg_remote_open(&o, &err);
    ASSERT_NOT_NULL(r);
    test_defer((void (*)(void *))sg_remote_close, r);
    ASSERT_EQ_UINT(sg_remote_stats(r)->errors, 0);
    ASSERT_FALSE(sg_remote_writable(r));
    SgRemoteItem it = {.key = sg_hash("k", 1), .value = (uint8_t *)"v", .len = 1};
    sg_remote_put(r, &it, 1);   /* read-only: not even a connection */
    ASSERT_EQ_UINT(sg_remote_stats(r)->errors, 0);
    sg_remote_get(r, &it, 1);
    ASSERT_FALSE(it.found);
    ASSERT_EQ_UINT(sg_remote_stats(r)->errors, 1);
    ASSERT_TRUE(sg_remote_stats(r)->disabled);
    o.url = "ftp://h";
    ASSERT_NULL(sg_remote_open(&o, &err));
    ASSERT_STR_CONTAINS(err, "unknown remote cache scheme");
}
