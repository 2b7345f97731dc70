/* test.h - the unit-test runner's tiny assertion API (in the style of
 * libuv's test runner).
 *
 *   TEST(name) { ... }      defines a test; register it in test-list.h
 *   ASSERT_TRUE(c)          ASSERT_FALSE(c)
 *   ASSERT_EQ_INT(a, b)     ASSERT_NE_INT(a, b)   (compared as long long)
 *   ASSERT_EQ_UINT(a, b)    (compared as unsigned long long)
 *   ASSERT_STR_EQ(a, b)     ASSERT_STR_CONTAINS(haystack, needle)
 *   ASSERT_MEM_EQ(a, b, n)  ASSERT_NOT_NULL(p)   ASSERT_NULL(p)
 *   FAIL(fmt, ...)          fails with a message
 *
 * A failing assertion records "file:line: reason" (the first failure of a
 * test only) and returns from the test function, so assertions may be used
 * only in the test function itself (or in a helper returning void that the
 * test follows with `if (test_failed()) return;`, see ASSERT_OK_HELPER).
 *
 * Resources a test acquires are registered with test_defer(); the runner
 * releases them after the test whether it passed or failed, so a failing
 * test does not leak (the suite also runs under LeakSanitizer). */
#ifndef SG_UNIT_TEST_H
#define SG_UNIT_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../checker/base.h"

#define TEST(name) void test_##name(void)

/* ---- runner services (runner.c) ---- */
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool test_failed(void);
/* Runs fn(arg) when the current test ends (last registered runs first). */
void test_defer(void (*fn)(void *), void *arg);
/* Scratch memory that lives until the end of the current test. */
SgArena *test_arena(void);
char *test_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A fresh temporary directory, removed recursively when the test ends.
 * Returns NULL (and fails the test) if it cannot be created. */
const char *test_tmpdir(void);
/* Writes `text` to dir/rel, creating parent directories. False on failure
 * (and the test is failed). */
bool test_write_file(const char *dir, const char *rel, const char *text);
bool test_write_bytes(const char *dir, const char *rel, const void *data, size_t n);
/* A readable rendering of a byte string for failure messages. */
const char *test_quote(const char *s, size_t n);

/* ---- assertions ---- */
#define FAIL(...)                                   \
    do {                                            \
        test_fail(__FILE__, __LINE__, __VA_ARGS__); \
        return;                                     \
    } while (0)

#define ASSERT_TRUE(c)                                        \
    do {                                                      \
        if (!(c)) FAIL("assertion failed: %s", #c);           \
    } while (0)

#define ASSERT_FALSE(c)                                       \
    do {                                                      \
        if ((c)) FAIL("assertion failed: !(%s)", #c);         \
    } while (0)

#define ASSERT_EQ_INT(a, b)                                                        \
    do {                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                        \
        if (a_ != b_) FAIL("%s == %s: got %lld, expected %lld", #a, #b, a_, b_);   \
    } while (0)

#define ASSERT_NE_INT(a, b)                                                        \
    do {                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                        \
        if (a_ == b_) FAIL("%s != %s: both are %lld", #a, #b, a_);                 \
    } while (0)

#define ASSERT_EQ_UINT(a, b)                                                       \
    do {                                                                           \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
        if (a_ != b_) FAIL("%s == %s: got %llu, expected %llu", #a, #b, a_, b_);   \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                        \
    do {                                                                           \
        const char *a_ = (a), *b_ = (b);                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                     \
            FAIL("%s == %s: got %s, expected %s", #a, #b,                         \
                 a_ ? test_quote(a_, strlen(a_)) : "NULL",                         \
                 b_ ? test_quote(b_, strlen(b_)) : "NULL");                        \
    } while (0)

#define ASSERT_STR_CONTAINS(h, n)                                                  \
    do {                                                                           \
        const char *h_ = (h), *n_ = (n);                                           \
        if (!h_ || !strstr(h_, n_))                                                \
            FAIL("%s does not contain %s: it is %s", #h, test_quote(n_, strlen(n_)), \
                 h_ ? test_quote(h_, strlen(h_)) : "NULL");                        \
    } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                                     \
    do {                                                                           \
        const void *a_ = (a), *b_ = (b);                                           \
        size_t n_ = (size_t)(n);                                                   \
        if (memcmp(a_, b_, n_) != 0)                                               \
            FAIL("%s == %s (%zu bytes): got %s, expected %s", #a, #b, n_,         \
                 test_quote(a_, n_), test_quote(b_, n_));                          \
    } while (0)

#define ASSERT_NOT_NULL(p)                                    \
    do {                                                      \
        if ((p) == NULL) FAIL("%s is NULL", #p);              \
    } while (0)

#define ASSERT_NULL(p)                                        \
    do {                                                      \
        if ((p) != NULL) FAIL("%s is not NULL", #p);          \
    } while (0)

/* After calling a helper that may have failed the test. */
#define ASSERT_OK_HELPER()                                    \
    do {                                                      \
        if (test_failed()) return;                            \
    } while (0)

/* Every test's prototype. */
#define TEST_ENTRY(name) TEST(name);
#include "test-list.h"
#undef TEST_ENTRY

#endif
