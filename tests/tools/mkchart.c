/* mkchart.c - write the synthetic test chart samples/chart.png (RGBA 320x240).
 *
 * Build and run (from the top of the tree):
 *   gcc -std=c11 -Wall -Wextra -O2 tests/tools/mkchart.c \
 *       $(pkg-config --cflags --libs libpng) -lm -o /tmp/mkchart
 *   /tmp/mkchart samples/chart.png
 *
 * The output is fully deterministic (no time stamps, no randomness).
 * Layout, top to bottom:
 *   y   0- 19  gray ramp 0..255, left to right
 *   y  20- 39  hue rainbow (top half), blue->yellow ramp (bottom half)
 *   y  40-139  sharp black/white squares and circles | fan of 1-px lines |
 *              fan of 3-px lines (angles 0..90 degrees in 15 degree steps)
 *   y 140-179  text-like stroke glyphs "CONVFILTER": 1-px strokes at two
 *              sizes, 3-px strokes at a larger size
 *   y 180-239  8-px and 1-px checkerboards | alpha-0 region with an opaque
 *              disc | colour bar whose alpha ramps 255 -> 0, with a soft disc
 */
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { W = 320, H = 240 };
static unsigned char img[H][W][4];

static void put(int x, int y, int r, int g, int b, int a)
{
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    img[y][x][0] = (unsigned char)r; img[y][x][1] = (unsigned char)g;
    img[y][x][2] = (unsigned char)b; img[y][x][3] = (unsigned char)a;
}

static void rect(int x0, int y0, int x1, int y1, int v)   /* inclusive, gray */
{
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) put(x, y, v, v, v, 255);
}

static void disc(double cx, double cy, double r, int v)   /* hard edge */
{
    for (int y = (int)(cy - r) - 1; y <= (int)(cy + r) + 1; y++)
        for (int x = (int)(cx - r) - 1; x <= (int)(cx + r) + 1; x++)
            if (hypot(x - cx, y - cy) <= r) put(x, y, v, v, v, 255);
}

/* 1-px line (Bresenham) or, for w > 1, a hard-edged stroke of width w. */
static void line(int x0, int y0, int x1, int y1, int w)
{
    if (w <= 1) {
        int dx = abs(x1 - x0), dy = -abs(y1 - y0), e = dx + dy;
        int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
        for (;;) {
            put(x0, y0, 0, 0, 0, 255);
            if (x0 == x1 && y0 == y1) break;
            int e2 = 2 * e;
            if (e2 >= dy) { e += dy; x0 += sx; }
            if (e2 <= dx) { e += dx; y0 += sy; }
        }
        return;
    }
    double vx = x1 - x0, vy = y1 - y0, len2 = vx * vx + vy * vy, hw = w / 2.0;
    int xa = (x0 < x1 ? x0 : x1) - w, xb = (x0 > x1 ? x0 : x1) + w;
    int ya = (y0 < y1 ? y0 : y1) - w, yb = (y0 > y1 ? y0 : y1) + w;
    for (int y = ya; y <= yb; y++)
        for (int x = xa; x <= xb; x++) {
            double t = len2 > 0 ? ((x - x0) * vx + (y - y0) * vy) / len2 : 0;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            if (hypot(x - (x0 + t * vx), y - (y0 + t * vy)) <= hw)
                put(x, y, 0, 0, 0, 255);
        }
}

/* Stroke glyphs on a 4x6 grid: each group of 4 digits is one segment x0y0x1y1. */
static const char *const glyph[] = {   /* C O N V F I L T E R */
    "0040 0006 0646", "0040 4046 4606 0600", "0600 0046 4640", "0026 2640",
    "0040 0006 0333", "2026 0040 0646", "0006 0646", "0040 2026",
    "0040 0006 0646 0333", "0006 0040 4043 0343 2346",
};

static void text(int x, int y, int s, int w)
{
    int n = (int)(sizeof glyph / sizeof glyph[0]);
    for (int g = 0; g < n; g++, x += 6 * s) {
        const char *p = glyph[g];
        while (*p) {
            if (*p == ' ') { p++; continue; }
            line(x + (p[0] - '0') * s, y + (p[1] - '0') * s,
                 x + (p[2] - '0') * s, y + (p[3] - '0') * s, w);
            p += 4;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: mkchart OUT.png\n"); return 2; }
    const double pi = 3.14159265358979323846;
    for (int x = 0; x < W; x++) {
        int v = x * 255 / (W - 1);
        double h = 6.0 * x / W, f = h - floor(h);   /* hue -> RGB */
        int q = (int)(255 * (1 - f)), t = (int)(255 * f), rgb[6][3] = {
            {255, t, 0}, {q, 255, 0}, {0, 255, t}, {0, q, 255}, {t, 0, 255}, {255, 0, q}};
        for (int y = 0; y < 20; y++) put(x, y, v, v, v, 255);
        for (int y = 20; y < 30; y++) put(x, y, rgb[(int)h][0], rgb[(int)h][1], rgb[(int)h][2], 255);
        for (int y = 30; y < 40; y++) put(x, y, v, v, 255 - v, 255);
    }
    /* Shapes: black on white, then white on black. */
    rect(0, 40, 99, 89, 255);   rect(0, 90, 99, 139, 0);
    rect(8, 48, 41, 81, 0);     disc(70.5, 64.5, 17, 0);
    rect(8, 98, 41, 131, 255);  disc(70.5, 114.5, 17, 255);
    rect(20, 60, 29, 69, 255);  rect(20, 110, 29, 119, 0);
    /* Fans of 1-px and 3-px lines on light gray. */
    rect(100, 40, 319, 139, 208);
    for (int a = 0; a <= 90; a += 15) {
        double c = cos(a * pi / 180), s = sin(a * pi / 180);
        line(104, 135, 104 + (int)lround(100 * c), 135 - (int)lround(92 * s), 1);
        line(214, 135, 214 + (int)lround(100 * c), 135 - (int)lround(92 * s), 3);
    }
    /* Text-like strokes on white. */
    rect(0, 140, 319, 179, 255);
    text(6, 146, 1, 1);
    text(6, 160, 2, 1);
    text(136, 151, 3, 3);
    /* Checkerboards: 8-px cells, then 1-px cells. */
    for (int y = 180; y < H; y++)
        for (int x = 0; x < 80; x++) {
            int on = x < 40 ? ((x / 8 + y / 8) & 1) : ((x + y) & 1);
            put(x, y, on ? 255 : 0, on ? 255 : 0, on ? 255 : 0, 255);
        }
    /* Fully transparent region (transparent black) with an opaque orange disc. */
    for (int y = 180; y < H; y++)
        for (int x = 80; x < 180; x++) {
            int in = hypot(x - 129.5, y - 209.5) <= 18;
            put(x, y, in ? 255 : 0, in ? 128 : 0, 0, in ? 255 : 0);
        }
    /* Alpha ramp 255 -> 0 over a green/magenta bar, plus a soft-edged white disc. */
    for (int y = 180; y < H; y++)
        for (int x = 180; x < W; x++) {
            int a = (W - 1 - x) * 255 / (W - 1 - 180);
            double d = hypot(x - 250.0, y - 209.5), k = (20 - d) / 10;
            k = k < 0 ? 0 : k > 1 ? 1 : k;
            int g = y < 210 ? 160 : 40, rb = y < 210 ? 40 : 200;
            put(x, y, (int)lround(rb + k * (255 - rb)), (int)lround(g + k * (255 - g)),
                (int)lround(rb + k * (255 - rb)), (int)lround(a + k * (255 - a)));
        }

    FILE *fp = fopen(argv[1], "wb");
    if (!fp) { perror(argv[1]); return 1; }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        fprintf(stderr, "mkchart: libpng error writing %s\n", argv[1]);
        fclose(fp);
        return 1;
    }
    png_init_io(png, fp);
    png_set_compression_level(png, 9);
    png_set_IHDR(png, info, W, H, 8, PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < H; y++) png_write_row(png, &img[y][0][0]);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(fp) != 0) { perror(argv[1]); return 1; }
    return 0;
}
