#!/usr/bin/env bats
# draw.bats - kernels as pictures: --print-kernel --as-image FILE and
# --kernel-image FILE, the colours of known weights at known positions.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# npy SHAPE VALUE... : a float32 .npy of SHAPE (a Python tuple) to stdout.
npy() {
	/usr/bin/python3 - "$@" <<'PY'
import struct, sys
shape, vals = sys.argv[1], [float(v) for v in sys.argv[2:]]
h = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape
h += " " * (63 - (10 + len(h)) % 64) + "\n"
sys.stdout.buffer.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) +
    h.encode() + struct.pack("<%df" % len(vals), *vals))
PY
}

# rgb FILE Y X : the colour at (Y, X) of a picture, as "R G B".
rgb() {
	cf -k identity -f pnm "$1" px.ppm
	local w
	w=$(sed -n 2p px.ppm | cut -d' ' -f1)
	tail -c "$(pnm_numel px.ppm)" px.ppm |
	    od -An -v -tu1 -j $(( ($2 * w + $3) * 3 )) -N 3 | tr -s ' ' |
	    sed 's/^ //; s/ $//'
}

# size FILE : "W H" of a picture.
size() {
	cf -k identity -f pnm "$1" px.ppm
	sed -n 2p px.ppm
}

@test "signed weights: blue for -m, white for 0, red for +m, each a square" {
	printf -- '-2 0 1\n' > d.kernel
	run -0 cf --print-kernel --as-image k.png --kernel-image-scale 4 \
	    -k ./d.kernel
	[ -z "$output" ]
	assert_eq "$(size k.png)" "12 4"
	# every pixel of a weight's 4x4 square, and no other
	assert_eq "$(rgb k.png 0 0)" "0 0 255"
	assert_eq "$(rgb k.png 3 3)" "0 0 255"
	assert_eq "$(rgb k.png 2 4)" "255 255 255"
	assert_eq "$(rgb k.png 3 7)" "255 255 255"
	# 1 = m / 2: halfway to red, 255 * 0.5 rounded
	assert_eq "$(rgb k.png 0 8)" "255 128 128"
	assert_eq "$(rgb k.png 3 11)" "255 128 128"
	# --kernel-image is the same picture
	run -0 cf --kernel-image k2.png --kernel-image-scale 4 -k ./d.kernel
	cmp k.png k2.png
}

@test "non-negative weights are gray, 255 w / max; the default scale is 16" {
	printf '0 1 2 4\n' > g.kernel
	run -0 cf --kernel-image k.png -k ./g.kernel
	assert_eq "$(size k.png)" "64 16"
	assert_eq "$(rgb k.png 5 5)" "0 0 0"
	assert_eq "$(rgb k.png 15 16)" "64 64 64"
	assert_eq "$(rgb k.png 0 47)" "128 128 128"
	assert_eq "$(rgb k.png 8 63)" "255 255 255"
}

@test "a bank: one tile per filter, ceil(sqrt(F)) a row, input channels side by side" {
	# [5, 2, 1, 2]: filter f, input c, tap x weighs f*10 + c*2 + x - 20
	local v=() f c x
	for f in 0 1 2 3 4; do for c in 0 1; do for x in 0 1; do
		v+=($((f * 10 + c * 2 + x - 20)))
	done; done; done
	npy '(5, 2, 1, 2)' "${v[@]}" > b.npy
	run -0 cf --kernel-image k.png --kernel-image-scale 3 -k b.npy
	# a tile: 2 inputs of 2x1 weights of 3 px, 1 px apart: 13 x 3;
	# 3 columns, 2 rows of tiles, 1 px apart: 41 x 7
	assert_eq "$(size k.png)" "41 7"
	# m = 23 (filter 4, input 1, x 1); filter 0 input 0 x 0 is -20:
	# 255 (1 - 20/23), rounded
	assert_eq "$(rgb k.png 0 0)" "33 33 255"
	# the gap between the inputs, and between the tiles
	assert_eq "$(rgb k.png 1 6)" "128 128 128"
	assert_eq "$(rgb k.png 1 13)" "128 128 128"
	assert_eq "$(rgb k.png 3 0)" "128 128 128"
	# filter 2 (column 2), input 1, x 1: 20 + 2 + 1 - 20 = 3
	assert_eq "$(rgb k.png 2 $((2 * 14 + 7 + 3)))" "255 222 222"
	# filter 4 (row 1, column 1), input 1, x 1: 23 = m, red
	assert_eq "$(rgb k.png 4 $((14 + 7 + 3)))" "255 0 0"
	# filter 2, input 0, x 0: 0, white
	assert_eq "$(rgb k.png 0 28)" "255 255 255"
	# the sixth tile place is empty: the gap's gray
	assert_eq "$(rgb k.png 5 30)" "128 128 128"
}

@test "C_in = 3: each filter one RGB tile, as first-layer pictures show" {
	# [2, 3, 1, 1]: filter 0 (r, g, b) = (1, -1, 0), filter 1 = (0.5, 0, -0.5)
	npy '(2, 3, 1, 1)' 1 -1 0 0.5 0 -0.5 > rgb.npy
	run -0 cf --kernel-image k.png --kernel-image-scale 2 -k rgb.npy
	assert_eq "$(size k.png)" "5 2"
	# signed: 127.5 + 127.5 w / m per channel
	assert_eq "$(rgb k.png 0 0)" "255 0 128"
	assert_eq "$(rgb k.png 1 4)" "191 128 64"
	assert_eq "$(rgb k.png 0 2)" "128 128 128"
	# non-negative: 255 w / m
	npy '(1, 3, 1, 1)' 4 2 0 > pos.npy
	run -0 cf --kernel-image p.png --kernel-image-scale 1 -k pos.npy
	assert_eq "$(rgb p.png 0 0)" "255 128 0"
}

@test "stages lie one under another; a magnitude preset shows both kernels" {
	run -0 cf --kernel-image k.png --kernel-image-scale 2 -k sobel \
	    -k maxpool:2 -k box:2
	# sobel: 2 tiles of 6 x 6 (13 x 6); box:2: 4 x 4; 1 px between
	assert_eq "$(size k.png)" "13 11"
	# sobel x: -1 at the top left (m = 2: light blue), +2 middle right
	assert_eq "$(rgb k.png 0 0)" "128 128 255"
	assert_eq "$(rgb k.png 2 4)" "255 0 0"
	# sobel y's tile: -1 at the top left too
	assert_eq "$(rgb k.png 0 7)" "128 128 255"
	# box:2, all 1/4 = m: white in gray
	assert_eq "$(rgb k.png 7 0)" "255 255 255"
	assert_eq "$(rgb k.png 7 4)" "128 128 128"
}

@test "kernel pictures refuse what they cannot draw" {
	run -2 cf --as-image k.png -k sobel
	assert_eq "$output" "convfilter: --as-image: only with --print-kernel"
	run -2 cf --kernel-image k.png -k maxpool:2
	assert_eq "$output" "convfilter: no kernel to draw (pooling has no weights)"
	run -2 cf --kernel-image k.png --kernel-image-scale 0 -k sobel
	[[ $output == "convfilter: --kernel-image-scale: "* ]]
	run -1 cf --kernel-image k.png --kernel-image-scale 1024 -k box:31
	assert_eq "$output" "convfilter: the picture would be larger than 16384x16384 (use a smaller --kernel-image-scale)"
	no_file k.png
	run -0 cf --help
	[[ $output == *"--kernel-image"* && $output == *"--as-image"* ]]
	grep -q 'Fl \\-kernel-image-scale' "$TOP/man/convfilter.1"
}
