/*
 * peak.c - the machine's fp32 FMA peak, for the benchmark's "arithmetic"
 * line: every thread runs independent 8-wide fused multiply-adds (AVX2)
 * on registers only.  Prints GFLOP/s (an FMA counts 2).
 *
 *   cc -O2 -pthread -o peak peak.c && ./peak [threads]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef float v8 __attribute__((vector_size(32)));

#define ITERS 4000000000L
#define ACCS 10			/* enough to hide the FMA latency */

static float sink;

__attribute__((target("avx2,fma"), optimize("O3", "fp-contract=fast")))
static void *
run(void *arg)
{
	v8 a[ACCS], b = { 1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f,
		1.0000001f, 1.0000001f, 1.0000001f, 1.0000001f };
	v8 c = { 1e-9f, 1e-9f, 1e-9f, 1e-9f, 1e-9f, 1e-9f, 1e-9f, 1e-9f };
	long i;
	int k;

	(void)arg;
	for (k = 0; k < ACCS; k++)
		a[k] = c * (float)k;
	for (i = 0; i < ITERS / 8 / ACCS; i++) {
		/* unrolled so that the accumulators stay in registers */
#pragma GCC unroll 16
		for (k = 0; k < ACCS; k++)
			a[k] = a[k] * b + c;
	}
	for (k = 1; k < ACCS; k++)
		a[0] += a[k];
	sink += a[0][0];
	return NULL;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1, t;
	pthread_t tid[256];
	struct timespec t0, t1;
	double s;

	if (n < 1 || n > 256)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (t = 0; t < n; t++)
		pthread_create(&tid[t], NULL, run, NULL);
	for (t = 0; t < n; t++)
		pthread_join(tid[t], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* ITERS / 8 / ACCS loop trips x ACCS vectors x 8 lanes x 2 flops */
	printf("%.1f\n", (double)(ITERS / 8 / ACCS) * ACCS * 8 * 2 * n / s /
	    1e9);
	return 0;
}
