/*
 * conv_rows.c - float multiply-add loops over rows of padded samples, the
 * arithmetic of the streaming engine (stream.c).
 *
 * They sum in float, in whatever order is fastest, fused or not: their
 * results are approximations whose error stream.c bounds and checks, so
 * that every pixel it writes is the reference's.  The output columns are
 * taken 32 at a time in four 8-float vectors that stay in registers over
 * every tap, so each tap costs one load and one multiply-add per vector.
 */
#include <stddef.h>
#include <string.h>

#include "engine/conv_rows.h"

#define VL 8			/* floats per vector */
#define BLOCK (4 * VL)		/* output columns per register block */

typedef float v8f __attribute__((vector_size(VL * sizeof(float))));
/* the same, at any address and aliasing float: unaligned loads, stores */
typedef float v8u __attribute__((vector_size(VL * sizeof(float)),
    aligned(sizeof(float)), may_alias));

#define ld(p) (*(const v8u *)(const void *)(p))
#define st(p, v) (*(v8u *)(void *)(p) = (v))

/*
 * The AVX-512 path (32 vector registers), for stride and dilation 1 and
 * kw <= KWMAX: kernel row by kernel row, the kw weights stay in registers
 * over the whole row, and the WB output vectors of a block share their
 * loads: the vector at offset VL * k + r is tap r of output vector k and
 * tap r + VL of vector k - 1, so a block of WB * VL columns costs about
 * VL * (WB + 1) loads for WB * kw multiply-adds, not one load each.  The
 * taps below VL and those from VL on go to two partial sums (2 * WB
 * independent chains), added at the end: still a sum of the row's kw
 * products from 0, then added to acc, as stream.c's bound assumes.
 * (WB 8 measured slower: it spills.)
 */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(CF_PORTABLE)
#define CF_V4 1
#ifdef __clang__
#define V4 __attribute__((target("avx2,fma,avx512f,avx512vl")))
#else
#define V4 __attribute__((target("avx2,fma,avx512f,avx512vl"), \
	optimize("O3", "fp-contract=fast")))
#endif
#define KWMAX 16
#define WB 4			/* output vectors per block */

static inline __attribute__((always_inline)) V4 void
rows_v4_kw(float *restrict acc, size_t nb, const float *const *rows,
    const float *restrict w, size_t kh, const size_t kw)
{
	v8f wv[KWMAX], p[WB], q[WB], x;
	const float *s;
	float *a;
	size_t m, b, r, k;

	for (m = 0; m < kh; m++) {
#pragma GCC unroll 16
		for (r = 0; r < kw; r++)
			wv[r] = w[m * kw + r] - (v8f){ 0 };
		s = rows[m];
		a = acc;
		for (b = 0; b < nb; b++, s += WB * VL, a += WB * VL) {
#pragma GCC unroll 16
			for (k = 0; k < WB; k++)
				p[k] = q[k] = (v8f){ 0 };
			/* round r: the vector at s + VL * k + r is tap r of
			 * output vector k (into p) and tap r + VL of output
			 * vector k - 1 (into q) */
#pragma GCC unroll 8
			for (r = 0; r < VL && r < kw; r++) {
#pragma GCC unroll 17
				for (k = 0; k <= WB; k++) {
					if (k == WB && r + VL >= kw)
						break;
					x = ld(s + VL * k + r);
					if (k < WB)
						p[k] += wv[r] * x;
					if (k > 0 && r + VL < kw)
						q[k - 1] += wv[r + VL] * x;
				}
			}
#pragma GCC unroll 16
			for (k = 0; k < WB; k++)
				st(a + k * VL, ld(a + k * VL) + (p[k] + q[k]));
		}
	}
}

#define KWCASE(K) case K: rows_v4_kw(acc, nb, rows, w, kh, K); break;

/* Columns done: a multiple of WB * VL. */
static __attribute__((noinline)) V4 size_t
rows_v4(float *restrict acc, size_t n, const float *const *rows,
    const float *restrict w, size_t kh, size_t kw)
{
	size_t nb = n / (WB * VL);

	switch (kw) {
	KWCASE(2) KWCASE(3) KWCASE(4) KWCASE(5) KWCASE(6) KWCASE(7)
	KWCASE(8) KWCASE(9) KWCASE(10) KWCASE(11) KWCASE(12) KWCASE(13)
	KWCASE(14) KWCASE(15) KWCASE(16)
	default:
		return 0;
	}
	return nb * WB * VL;
}

/* A load and a test of what libgcc found at start-up: no state here,
 * so any thread may ask. */
static int
have_v4(void)
{
	return __builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("fma");
}
#endif

CF_HOT void
cf_rows_conv(float *restrict acc, size_t n, const float *const *rows,
    const float *restrict w, size_t kh, size_t kw, size_t sw, size_t dw)
{
	size_t j = 0, m, t;
	const float *s;
	v8f a0, a1, a2, a3, p0, p1, p2, p3, q0, q1, q2, q3, wv;
	float a, pa;

	/* Each kernel row is summed apart, then added: the error grows
	 * with kw + kh, not kw * kh (stream.c's bound). */
#ifdef CF_V4
	if (sw == 1 && dw == 1 && kw >= 2 && kw <= KWMAX &&
	    n >= WB * VL && have_v4())
		j = rows_v4(acc, n, rows, w, kh, kw);
#endif
	if (sw == 1) {
		for (; j + BLOCK <= n; j += BLOCK) {
			a0 = ld(acc + j);
			a1 = ld(acc + j + VL);
			a2 = ld(acc + j + 2 * VL);
			a3 = ld(acc + j + 3 * VL);
			for (m = 0; m < kh; m++) {
				s = rows[m] + j;
				p0 = p1 = p2 = p3 = (v8f){ 0 };
				q0 = q1 = q2 = q3 = (v8f){ 0 };
				/* even and odd taps apart: eight independent
				 * chains hide the multiply-add latency */
				for (t = 0; t + 1 < kw; t += 2, s += 2 * dw) {
					wv = w[m * kw + t] - (v8f){ 0 };
					p0 += wv * ld(s);
					p1 += wv * ld(s + VL);
					p2 += wv * ld(s + 2 * VL);
					p3 += wv * ld(s + 3 * VL);
					wv = w[m * kw + t + 1] - (v8f){ 0 };
					q0 += wv * ld(s + dw);
					q1 += wv * ld(s + dw + VL);
					q2 += wv * ld(s + dw + 2 * VL);
					q3 += wv * ld(s + dw + 3 * VL);
				}
				if (t < kw) {
					wv = w[m * kw + t] - (v8f){ 0 };
					p0 += wv * ld(s);
					p1 += wv * ld(s + VL);
					p2 += wv * ld(s + 2 * VL);
					p3 += wv * ld(s + 3 * VL);
				}
				a0 += p0 + q0;
				a1 += p1 + q1;
				a2 += p2 + q2;
				a3 += p3 + q3;
			}
			st(acc + j, a0);
			st(acc + j + VL, a1);
			st(acc + j + 2 * VL, a2);
			st(acc + j + 3 * VL, a3);
		}
		for (; j + VL <= n; j += VL) {
			a0 = ld(acc + j);
			for (m = 0; m < kh; m++) {
				p0 = (v8f){ 0 };
				for (s = rows[m] + j, t = 0; t < kw; t++,
				    s += dw)
					p0 += w[m * kw + t] * ld(s);
				a0 += p0;
			}
			st(acc + j, a0);
		}
	}
	for (; j < n; j++) {
		a = acc[j];
		for (m = 0; m < kh; m++) {
			pa = 0;
			for (s = rows[m] + j * sw, t = 0; t < kw; t++,
			    s += dw)
				pa += w[m * kw + t] * *s;
			a += pa;
		}
		acc[j] = a;
	}
}

void
cf_rows_h(float *restrict out, size_t n, const float *restrict src,
    const float *restrict taps, size_t k, size_t sw, size_t dw)
{
	const float *row;
	size_t t, c;

	memset(out, 0, n * sizeof(*out));
	/*
	 * Long rows in chunks of 16 taps (the vector path's widest), each
	 * summed from 0 and added to out: a term still goes through at most
	 * k + 2 additions, within stream.c's bound for a row.
	 */
	for (t = 0; t < k; t += c) {
		c = k - t > 16 && k - t < 20 ? (k - t + 1) / 2 :
		    k - t > 16 ? 16 : k - t;
		row = src + t * dw;
		cf_rows_conv(out, n, &row, taps + t, 1, c, sw, dw);
	}
}

CF_HOT void
cf_rows_v(float *restrict acc, size_t n, const float *const *rows,
    const float *restrict taps, size_t k, float bias)
{
	size_t j = 0, m;
	v8f a0, a1, a2, a3, wv;
	const float *s;
	float a;

	for (; j + BLOCK <= n; j += BLOCK) {
		a0 = a1 = a2 = a3 = bias - (v8f){ 0 };
		for (m = 0; m < k; m++) {
			s = rows[m] + j;
			wv = taps[m] - (v8f){ 0 };
			a0 += wv * ld(s);
			a1 += wv * ld(s + VL);
			a2 += wv * ld(s + 2 * VL);
			a3 += wv * ld(s + 3 * VL);
		}
		st(acc + j, a0);
		st(acc + j + VL, a1);
		st(acc + j + 2 * VL, a2);
		st(acc + j + 3 * VL, a3);
	}
	for (; j < n; j++) {
		a = bias;
		for (m = 0; m < k; m++)
			a += taps[m] * rows[m][j];
		acc[j] = a;
	}
}

/*
 * Two consecutive output rows of the vertical pass (stride 1): input row
 * r (rows[0..k]) feeds acc0 with taps[r] and acc1 with taps[r - 1], so
 * each loaded vector serves two multiply-adds.  Each output is still its
 * own sum from bias over its k taps in order.
 */
CF_HOT void
cf_rows_v2(float *restrict acc0, float *restrict acc1, size_t n,
    const float *const *rows, const float *restrict taps, size_t k,
    float bias)
{
	size_t j = 0, m;
	v8f a0, a1, a2, a3, b0, b1, b2, b3, x0, x1, x2, x3, w0, w1;
	const float *s;
	float a, b;

	for (; j + BLOCK <= n; j += BLOCK) {
		a0 = a1 = a2 = a3 = bias - (v8f){ 0 };
		b0 = b1 = b2 = b3 = a0;
		for (m = 0; m <= k; m++) {
			s = rows[m] + j;
			x0 = ld(s);
			x1 = ld(s + VL);
			x2 = ld(s + 2 * VL);
			x3 = ld(s + 3 * VL);
			if (m < k) {
				w0 = taps[m] - (v8f){ 0 };
				a0 += w0 * x0;
				a1 += w0 * x1;
				a2 += w0 * x2;
				a3 += w0 * x3;
			}
			if (m > 0) {
				w1 = taps[m - 1] - (v8f){ 0 };
				b0 += w1 * x0;
				b1 += w1 * x1;
				b2 += w1 * x2;
				b3 += w1 * x3;
			}
		}
		st(acc0 + j, a0);
		st(acc0 + j + VL, a1);
		st(acc0 + j + 2 * VL, a2);
		st(acc0 + j + 3 * VL, a3);
		st(acc1 + j, b0);
		st(acc1 + j + VL, b1);
		st(acc1 + j + 2 * VL, b2);
		st(acc1 + j + 3 * VL, b3);
	}
	for (; j < n; j++) {
		a = b = bias;
		for (m = 0; m < k; m++) {
			a += taps[m] * rows[m][j];
			b += taps[m] * rows[m + 1][j];
		}
		acc0[j] = a;
		acc1[j] = b;
	}
}
