/*
 * mkphoto.c - a deterministic photo-like test image for the benchmark:
 * smooth colour gradients, soft blobs, hard edges and a little noise (so
 * that PNG and JPEG sizes are realistic), written as binary PPM (P6) or,
 * with -a, PAM RGB_ALPHA.
 *
 *   mkphoto [-a] [-s seed] WIDTH HEIGHT > out.ppm
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;

static uint32_t
next(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng >> 33);
}

int
main(int argc, char **argv)
{
	int alpha = 0, a = 1;
	long w, h, x, y, c, i, nb = 24;
	double bx[24], by[24], br[24], bc[24][3];
	unsigned char *row;

	rng = 42;
	while (a < argc && argv[a][0] == '-') {
		if (!strcmp(argv[a], "-a"))
			alpha = 1;
		else if (!strcmp(argv[a], "-s") && a + 1 < argc)
			rng = strtoull(argv[++a], NULL, 10);
		a++;
	}
	if (argc - a != 2) {
		fprintf(stderr, "usage: mkphoto [-a] [-s seed] W H\n");
		return 2;
	}
	w = atol(argv[a]);
	h = atol(argv[a + 1]);
	if (w < 1 || h < 1 || w > 100000 || h > 100000)
		return 2;
	for (i = 0; i < nb; i++) {
		bx[i] = (double)(next() % 10000) / 10000 * (double)w;
		by[i] = (double)(next() % 10000) / 10000 * (double)h;
		br[i] = (0.03 + (double)(next() % 1000) / 8000) *
		    (double)(w < h ? w : h);
		for (c = 0; c < 3; c++)
			bc[i][c] = (double)(next() % 256) - 128;
	}
	if (alpha)
		printf("P7\nWIDTH %ld\nHEIGHT %ld\nDEPTH 4\nMAXVAL 255\n"
		    "TUPLTYPE RGB_ALPHA\nENDHDR\n", w, h);
	else
		printf("P6\n%ld %ld\n255\n", w, h);
	if (!(row = malloc((size_t)w * 4)))
		return 1;
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			double fx = (double)x / (double)w;
			double fy = (double)y / (double)h, v[3];

			v[0] = 60 + 140 * fx + 30 * sin(fy * 9);
			v[1] = 90 + 100 * fy + 25 * cos(fx * 7);
			v[2] = 150 - 80 * fx * fy;
			/* a few blobs of colour: nearest only, cheap */
			for (i = 0; i < nb; i += 3) {
				double dx = (double)x - bx[i];
				double dy = (double)y - by[i], d2;

				d2 = (dx * dx + dy * dy) / (br[i] * br[i]);
				if (d2 < 1)
					for (c = 0; c < 3; c++)
						v[c] += bc[i][c] * (1 - d2);
			}
			/* hard-edged stripes, like window frames */
			if ((x / 397 + y / 211) % 5 == 0)
				for (c = 0; c < 3; c++)
					v[c] = v[c] * 0.5 + 20;
			for (c = 0; c < 3; c++) {
				double n = v[c] + (double)(next() % 13) - 6;

				row[x * (3 + alpha) + c] = (unsigned char)(n < 0 ?
				    0 : n > 255 ? 255 : n);
			}
			if (alpha)
				row[x * 4 + 3] = (unsigned char)(128 + 127 *
				    sin(fx * 5 + fy * 3));
		}
		fwrite(row, (size_t)(3 + alpha), (size_t)w, stdout);
	}
	free(row);
	return fflush(stdout) == 0 ? 0 : 1;
}
