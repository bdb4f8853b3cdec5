/*
 * tap.h - a tiny TAP harness for the C unit tests.
 *
 *   ok(cond, "name %d", i);      one test point
 *   is_float(got, want, tol, "name")
 *   return done_testing();       prints the plan, exit status 0 iff all pass
 */
#ifndef CF_TAP_H
#define CF_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int tap_run, tap_failed;

static int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return cond;
}

static int
is_float(double got, double want, double tol, const char *name)
{
	int pass = fabs(got - want) <= tol;

	if (!ok(pass, "%s", name))
		printf("#   got %.9g, want %.9g (tolerance %g)\n", got, want,
		    tol);
	return pass;
}

static void
diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int
done_testing(void)
{
	printf("1..%d\n", tap_run);
	if (tap_failed)
		printf("# failed %d of %d\n", tap_failed, tap_run);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
