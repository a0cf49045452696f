/*
 * fakeclock: LD_PRELOADed into the HOST qemu-aarch64 process (never into the guest: the runner
 * passes `-U LD_PRELOAD`) so that the clock the guest reads through qemu-user's clock_gettime,
 * gettimeofday and time syscalls is a counter: every call advances it by 1 us from a fixed epoch.
 *
 * Why: onnxruntime reads CLOCK_REALTIME a few times per Run() and branches on the values, which
 * made its instruction counts differ by ~0.05% from run to run. With a clock that depends only on
 * the number of calls, identical runs execute identical instructions. Wall time inside the guest
 * is meaningless anyway (and never reported). Build: gcc -shared -fPIC -O2 -o libfakeclock.so.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stddef.h>
#include <sys/time.h>
#include <time.h>

static uint64_t ticks;

static uint64_t next_ns(void)
{
    return 1700000000ULL * 1000000000ULL + __atomic_add_fetch(&ticks, 1, __ATOMIC_SEQ_CST) * 1000ULL;
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
    uint64_t ns = next_ns();
    (void)clk;
    ts->tv_sec = (time_t)(ns / 1000000000ULL);
    ts->tv_nsec = (long)(ns % 1000000000ULL);
    return 0;
}

int gettimeofday(struct timeval *tv, void *tz)
{
    uint64_t ns = next_ns();
    (void)tz;
    tv->tv_sec = (time_t)(ns / 1000000000ULL);
    tv->tv_usec = (suseconds_t)((ns % 1000000000ULL) / 1000ULL);
    return 0;
}

time_t time(time_t *out)
{
    time_t now = (time_t)(next_ns() / 1000000000ULL);
    if (out != NULL) {
        *out = now;
    }
    return now;
}
