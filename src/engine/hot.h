/*
 * hot.h - the attribute of the hot loops: O3 vectorisation and an
 * AVX2+FMA clone picked at run time (GCC on x86-64 Linux), with float
 * multiply-adds contracted, which every such loop's comment shows to be
 * harmless to its exactness.  CF_PORTABLE builds (the tests of the
 * portable loops) have no clones.
 */
#ifndef CF_HOT_H
#define CF_HOT_H

#if defined(CF_PORTABLE)
#define CF_HOT
#elif defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__linux__)
#define CF_HOT __attribute__((optimize("O3", "fp-contract=fast"), \
	target_clones("arch=x86-64-v3", "default")))
#elif defined(__GNUC__) && !defined(__clang__)
#define CF_HOT __attribute__((optimize("O3", "fp-contract=fast")))
#else
#define CF_HOT
#endif

#endif
