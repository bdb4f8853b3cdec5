/*
 * help.h - the usage synopsis and --help text (command-line side).
 */
#ifndef CF_HELP_H
#define CF_HELP_H

#include <stdio.h>

/* Print the usage synopsis to f. */
void usage(FILE *f);
/* Print the usage synopsis and every option's description to stdout. */
void help(void);

#endif
