#!/usr/bin/env bats
# grid.bats - --grid and --split: every output channel as a grayscale
# picture, stretched on its own (or on one shared range), side by side or
# one file each.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	# a 6x4 ramp of distinct values, 5..235
	pgm 6 4 5 10 20 30 40 50  60 70 80 90 100 110  120 130 140 150 160 170 \
	    180 190 200 210 220 235 > ramp.pgm
	# a [64, 1, 1, 1] bank: map k is (k + 1) x, but map 5 is constant
	# (weight 0) and map 37 is -x (inverted)
	bank 64 > bank.npy
}

# bank N [SHAPE] : a float32 .npy [N, 1, 1, 1] (or SHAPE, N weights per
# map) of k + 1 for map k, with 0 at 5 and -1 at 37.
bank() {
	/usr/bin/python3 - "$1" "${2:-(%d, 1, 1, 1)}" <<'PY'
import struct, sys
n = int(sys.argv[1])
shape = sys.argv[2].replace("%d", str(n))
per = eval(shape)
per = per[2] * per[3] if per[0] == 1 else 1
w = [0.0 if k == 5 else -1.0 if k == 37 else k + 1.0 for k in range(n)
     for _ in range(per)]
h = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape
h += " " * (63 - (10 + len(h)) % 64) + "\n"
sys.stdout.buffer.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) +
    h.encode() + struct.pack("<%df" % len(w), *w))
PY
}

# tiles FILE H W COLS : one line per tile of a grid PGM, in channel order:
# its min, its max and its samples; then "sep" and whether every
# separator pixel is 255.
tiles() {
	/usr/bin/python3 - "$@" <<'PY'
import sys
f, h, w, cols = sys.argv[1], *map(int, sys.argv[2:5])
d = open(f, "rb").read()
parts = d.split(b"\n", 3)
gw, gh = map(int, parts[1].split())
px = parts[3]
assert len(px) == gw * gh
rows = (gh + 1) // (h + 1)
sep = all(px[y * gw + x] == 255 for y in range(gh) for x in range(gw)
          if y % (h + 1) == h or x % (w + 1) == w)
for t in range(rows * cols):
    y0, x0 = t // cols * (h + 1), t % cols * (w + 1)
    v = [px[(y0 + y) * gw + x0 + x] for y in range(h) for x in range(w)]
    print(min(v), max(v), *v)
print("sep", sep, gh, gw)
PY
}

@test "--grid lays 64 maps of a .npy bank out 8 by 8, each stretched on its own" {
	run -0 cf -k bank.npy --grid -f pnm ramp.pgm g.pgm
	run -0 tiles g.pgm 4 6 8
	# 8 x 8 tiles of 4 x 6 with 1-pixel separators: 39 x 55
	assert_eq "${lines[64]}" "sep True 39 55"
	[ "${#lines[@]}" = 65 ]
	# map 0 is the ramp stretched: (x - 5) * 255 / 230, rounded
	local want
	want=$(awk 'BEGIN { split("5 10 20 30 40 50 60 70 80 90 100 110 120 130 140 150 160 170 180 190 200 210 220 235", x, " ")
	    s = "0 255"; for (i = 1; i <= 24; i++) s = s " " int((x[i] - 5) * 255 / 230 + 0.5); print s }')
	assert_eq "${lines[0]}" "$want"
	# every map of a positive weight is the same picture
	assert_eq "${lines[1]}" "$want"
	assert_eq "${lines[63]}" "$want"
	# map 5, constant, is 0; map 37 (row 4, column 5) is -x stretched
	assert_eq "${lines[5]}" "0 0$(printf ' 0%.0s' {1..24})"
	want=$(awk 'BEGIN { split("5 10 20 30 40 50 60 70 80 90 100 110 120 130 140 150 160 170 180 190 200 210 220 235", x, " ")
	    s = "0 255"; for (i = 1; i <= 24; i++) s = s " " int((235 - x[i]) * 255 / 230 + 0.5); print s }')
	assert_eq "${lines[37]}" "$want"
}

@test "--grid-scale shared stretches every map on one range; --grid=COLS" {
	run -0 cf -k bank.npy --grid=10 --grid-scale shared -f pnm ramp.pgm g.pgm
	run -0 tiles g.pgm 4 6 10
	# 10 columns, 7 rows (the last 6 tiles empty, 0): 34 x 69
	assert_eq "${lines[70]}" "sep True 34 69"
	# one range: -235 (map 37) to 64 * 235 (map 63)
	local k v
	for k in 0 9 37 63; do
		v=$(awk -v k=$k 'BEGIN { w = k == 37 ? -1 : k + 1
		    lo = -235; hi = 64 * 235
		    a = int((w * 5 - lo) * 255 / (hi - lo) + 0.5)
		    b = int((w * 235 - lo) * 255 / (hi - lo) + 0.5)
		    print (a < b ? a " " b : b " " a) }')
		set -- ${lines[$k]}
		assert_eq "$1 $2" "$v"
	done
	for k in 64 65 69; do
		set -- ${lines[$k]}
		assert_eq "$1 $2" "0 0"
	done
}

@test "--split writes one picture per map: out-00.pgm .. out-63.pgm" {
	run -0 cf -k bank.npy --split ramp.pgm out.pgm
	[ "$(ls out-*.pgm | wc -l)" = 64 ]
	no_file out.pgm
	[ -e out-00.pgm ] && [ -e out-63.pgm ]
	run -0 cf -k bank.npy --grid -f pnm ramp.pgm g.pgm
	run -0 tiles g.pgm 4 6 8
	local k
	for k in 0 5 37 63; do
		set -- ${lines[$k]}
		shift 2
		assert_eq "$(samples "out-$(printf %02d $k).pgm")" "$*"
		assert_eq "$(head -2 "out-$(printf %02d $k).pgm" | tail -1)" "6 4"
	done
	# three maps, no extension, 16-bit input: names and 8-bit pictures
	run -0 cf -k identity --split -f png "$TOP/samples/photo.png" rgb
	[ -e rgb-00 ] && [ -e rgb-01 ] && [ -e rgb-02 ] && [ ! -e rgb-03 ]
}

@test "--grid with chains, pooling, transposed stages and batch mode" {
	# bank then 2x2 max pooling: 64 maps of 2 x 3
	run -0 cf -k bank.npy -k maxpool:2 --grid -f pnm ramp.pgm g.pgm
	run -0 tiles g.pgm 2 3 8
	assert_eq "${lines[64]}" "sep True 23 31"
	set -- ${lines[0]}
	assert_eq "$1 $2" "0 255"
	# transposed: [C_in = 1, C_out = 64, 2, 2], stride 2: 64 maps of 8 x 12
	bank 64 "(1, %d, 2, 2)" > t.npy
	run -0 cf --transpose -k t.npy -s 2 -p valid --grid -f pnm ramp.pgm t.pgm
	run -0 tiles t.pgm 8 12 8
	assert_eq "${lines[64]}" "sep True 71 103"
	set -- ${lines[37]}
	assert_eq "$1 $2" "0 255"
	# a chain on RGB: 3 maps in 2 columns
	run -0 cf -k gaussian:1 -k sobel:x --grid "$TOP/samples/photo.png" c.png
	run -0 cf --info --grid -k gaussian:1 -k sobel:x "$TOP/samples/photo.png"
	[[ $output == *"grid: 3 maps of 384x512 in 2 columns and 2 rows: 769x1025 (H x W)"* ]]
	run -0 cf -k identity c.png c.pgm
	assert_eq "$(head -2 c.pgm | tail -1)" "1025 769"
	# batch: each input its own grid
	cp ramp.pgm a.pgm
	cp ramp.pgm b.pgm
	run -0 cf -k bank.npy --grid -o out a.pgm b.pgm
	cmp out/a.pgm out/b.pgm
	run -0 cf -k bank.npy --grid -f pnm ramp.pgm g.pgm
	cmp out/a.pgm g.pgm
	run -0 cf --info --json --split -k bank.npy ramp.pgm
	[[ $output == *'"split": {"files": 64, "size": [4, 6]}'* ]]
}

@test "--grid and --split refuse what they cannot do" {
	run -2 cf -k bank.npy --grid --split ramp.pgm g.pgm
	assert_eq "$output" "convfilter: --grid and --split: choose one"
	run -2 cf -k bank.npy --split ramp.pgm -
	assert_eq "$output" "convfilter: --split: writes files named from the output, not '-'"
	run -2 cf -k bank.npy --grid-scale both --grid ramp.pgm g.pgm
	assert_eq "$output" "convfilter: --grid-scale: 'both' is not each or shared"
	run -2 cf -k bank.npy --grid=0 ramp.pgm g.pgm
	[[ $output == "convfilter: --grid: "* ]]
	no_file g.pgm
}

@test "--grid, --grid-scale and --split are in the help and the man page" {
	run -0 cf --help
	[[ $output == *"--grid"* && $output == *"--grid-scale"* && $output == *"--split"* ]]
	grep -q 'Fl \\-grid-scale' "$TOP/man/convfilter.1"
	grep -q 'Fl \\-split' "$TOP/man/convfilter.1"
}
