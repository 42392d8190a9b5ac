/* tests/check.h: a tiny test harness (in the spirit of genann's minctest).
 * Each TEST is a function; RUN_TESTS prints "PASS name", "FAIL name" or "SKIP name: reason" per
 * test and exits non-zero if any failed. A test whose prerequisite is missing calls
 * CHECK_SKIP("reason", ...) (printf-style) and returns: it is reported as skipped, never as passed
 * (a CHECK that failed before still makes it FAIL). tests/run.sh counts the lines and prints
 * "N passed, N failed, N skipped"; under CI=true a skip counts as a failure. */
#ifndef SPECL_CHECK_H
#define SPECL_CHECK_H
#include <math.h>
#include <stdio.h>

static int check_fail_;
static char check_skip_[512];
#define CHECK_SKIP(...) do { snprintf(check_skip_, sizeof check_skip_, __VA_ARGS__); return; } while (0)
#define CHECK(c) do { if (!(c)) { check_fail_++; \
    fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); } } while (0)
#define CHECK_NEAR(a, b, tol) do { double a_ = (a), b_ = (b); \
    if (!(fabs(a_ - b_) <= (tol)) || a_ != a_ || b_ != b_) { check_fail_++; \
    fprintf(stderr, "  %s:%d: %s = %.10g, %s = %.10g, |diff| %.3g > %.3g\n", __FILE__, __LINE__, \
            #a, a_, #b, b_, fabs(a_ - b_), (double)(tol)); } } while (0)
#define CHECK_OK(e) do { int st_ = (e); if (st_ != 0) { check_fail_++; \
    fprintf(stderr, "  %s:%d: %s returned %d (%s)\n", __FILE__, __LINE__, #e, st_, \
            specl_error_detail()); } } while (0)
#define TEST(name) static void name(void)
#define RUN(name) do { int before_ = check_fail_; check_skip_[0] = 0; name(); \
    if (check_fail_ != before_) { printf("FAIL %s\n", #name); failed_tests_++; } \
    else if (check_skip_[0]) printf("SKIP %s: %s\n", #name, check_skip_); \
    else printf("PASS %s\n", #name); \
    fflush(stdout); } while (0)
#define RUN_TESTS(...) int main(void) { int failed_tests_ = 0; __VA_ARGS__; return failed_tests_ ? 1 : 0; }
#endif
