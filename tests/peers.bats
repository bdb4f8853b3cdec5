#!/usr/bin/env bats
# peers.bats - kernels written for other tools: libvips matrix files and
# ImageMagick kernel strings, cross-checked against the real tools when
# they are installed.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	# a 5x5 image, one 100 in the middle: shows where each weight lands
	pgm 5 5 0 0 0 0 0  0 0 0 0 0  0 0 100 0 0  0 0 0 0 0  0 0 0 0 0 \
	    > dot.pgm
	# an asymmetric ramp for the cross-checks
	pgm 6 4 0 10 20 30 40 50  5 60 7 80 9 100  250 1 2 3 4 5 \
	    9 8 7 6 5 4 > ramp.pgm
}

@test "a libvips .mat file divides by its scale and adds its offset" {
	printf '3 3 2 10\n0 0 0\n0 0 1\n0 0 0\n' > k.mat
	run -0 cf -k k.mat dot.pgm out.pgm
	# correlation: the weight right of centre picks the pixel to the right
	assert_eq "$(samples out.pgm)" "$(echo 10 10 10 10 10 10 10 10 10 10 \
	    10 60 10 10 10 10 10 10 10 10 10 10 10 10 10)"
}

@test "a .mat file without scale and offset, commas and blank lines" {
	printf '3 1\n\n1, 2, 1\n\n' > k.mat
	printf '1 2 1\n' > k.kernel
	run -0 cf -k k.mat ramp.pgm a.pgm
	run -0 cf -k ./k.kernel ramp.pgm b.pgm
	assert_eq "$(samples a.pgm)" "$(samples b.pgm)"
}

@test "rejects malformed .mat files with the line and column" {
	printf '3 3 0 1\n0 0 0\n0 1 0\n0 0 0\n' > zero.mat
	run -1 cf -k zero.mat dot.pgm out.pgm
	assert_eq "$output" "convfilter: zero.mat:1:1: scale must not be 0"
	printf '3 3\n1 2 3\n1 2\n1 2 3\n' > short.mat
	run -1 cf -k short.mat dot.pgm out.pgm
	assert_eq "$output" "convfilter: short.mat:3:4: row has 2 numbers, expected 3"
	printf '2 2\n1 2\n' > rows.mat
	run -1 cf -k rows.mat dot.pgm out.pgm
	assert_eq "$output" "convfilter: rows.mat:3:1: expected 2 rows, got 1"
	printf '2 1\n1 2\n3 4\n' > more.mat
	run -1 cf -k more.mat dot.pgm out.pgm
	assert_eq "$output" "convfilter: more.mat:3:1: more than 1 rows"
	printf '2 1\n1 x\n' > nan.mat
	run -1 cf -k nan.mat dot.pgm out.pgm
	assert_eq "$output" "convfilter: nan.mat:2:3: expected a number, got 'x'"
	printf '0 1\n\n' > size.mat
	run -1 cf -k size.mat dot.pgm out.pgm
	[[ $output == *"size.mat:1:1: width and height must be whole numbers"* ]]
	: > empty.mat
	run -1 cf -k empty.mat dot.pgm out.pgm
	[[ $output == *"empty.mat:1:1: empty matrix file"* ]]
	run -1 cf -k missing.mat dot.pgm out.pgm
	assert_eq "$output" "convfilter: 'missing.mat': cannot read: No such file or directory"
}

@test "an ImageMagick kernel string equals the same kernel file" {
	printf 'scale 1/8\n1 2 1\n2 4 -2\n1 2 1\n' > k.kernel
	run -0 cf -k ./k.kernel ramp.pgm a.pgm
	run -0 cf -k '3x3: 1,2,1, 2,4,-2, 1,2,1' --scale 0.125 ramp.pgm b.pgm
	assert_eq "$(samples a.pgm)" "$(samples b.pgm)"
	run -0 cf -k '3: 1 2 1 2 4 -2 1 2 1' --scale 0.125 ramp.pgm c.pgm
	assert_eq "$(samples a.pgm)" "$(samples c.pgm)"
}

@test "an ImageMagick origin offset centres the kernel on the origin" {
	run -0 cf --print-kernel -k '2x2+0+1: 1 2 3 4'
	assert_eq "$(grep -v '^#' <<<"$output")" "$(printf '0 1 2\n0 3 4\n0 0 0')"
	# nan is not part of the kernel: it adds nothing
	run -0 cf --print-kernel -k '3x1: 1,nan,2'
	assert_eq "$(grep -v '^#' <<<"$output")" "1 0 2"
}

@test "rejects malformed ImageMagick kernel strings with exit 2" {
	run -2 cf -k '3x3: 1,2' dot.pgm out.pgm
	assert_eq "$output" "convfilter: '3x3: 1,2': ImageMagick kernel: 2 values, expected 9 (3x3)"
	run -2 cf -k '3x3+5+0: 1,1,1,1,1,1,1,1,1' dot.pgm out.pgm
	assert_eq "$output" "convfilter: '3x3+5+0: 1,1,1,1,1,1,1,1,1': ImageMagick kernel: origin +5+0 is outside the 3x3 kernel"
	run -2 cf -k '2: 1,2,y,4' dot.pgm out.pgm
	assert_eq "$output" "convfilter: '2: 1,2,y,4': ImageMagick kernel: expected a number, got 'y'"
	run -2 cf -k '1: 1; 1: 2' dot.pgm out.pgm
	[[ $output == *"lists of kernels (';') are not supported"* ]]
	run -2 cf -k '0x3: ' dot.pgm out.pgm
	[[ $output == *"width and height must be in 1..1024"* ]]
	run -2 cf -k '2: 1,2,3,4,5' dot.pgm out.pgm
	[[ $output == *"more than 4 values"* ]]
}

# real_im : whether /usr/bin/convert is ImageMagick (not a stand-in).
real_im() {
	[ -x /usr/bin/convert ] &&
	    /usr/bin/convert -version 2>/dev/null | grep -q ImageMagick
}

@test "matches ImageMagick -morphology Convolve with --flip, pixel for pixel" {
	real_im || skip "ImageMagick is not installed"
	for k in '3x3: 0,0,0, 0,0,1, 0,0,0' '3x3: 1,2,1, 0,0,0, -1,-2,-1' \
	    '3x2+0+0: 0,1,1, 0,0,0' '2: 1,2,3,nan' '1x3: 1,1,1'; do
		/usr/bin/convert ramp.pgm -morphology Convolve "$k" im.pgm
		run -0 cf --flip -k "$k" ramp.pgm cf.pgm
		assert_eq "$(samples cf.pgm)" "$(samples im.pgm)" ||
		    { echo "kernel $k"; false; }
	done
}

@test "matches ImageMagick -convolve (correlation, normalised) with --scale" {
	real_im || skip "ImageMagick is not installed"
	/usr/bin/convert ramp.pgm -convolve '3x3: 0,0,0, 0,1,3, 0,0,0' im.pgm
	run -0 cf -k '3x3: 0,0,0, 0,1,3, 0,0,0' --scale 0.25 ramp.pgm cf.pgm
	assert_eq "$(samples cf.pgm)" "$(samples im.pgm)"
}

@test "matches vips conv with a .mat file, pixel for pixel" {
	command -v vips >/dev/null || skip "libvips is not installed"
	printf '3 3 4 3\n1 0 0\n0 2 1\n0 -1 1\n' > k.mat
	vips conv ramp.pgm vips.v k.mat --precision integer
	vips copy vips.v vips.pgm
	# vips writes a comment in the header: re-save it plainly
	run -0 cf -k identity vips.pgm want.pgm
	run -0 cf -k k.mat ramp.pgm cf.pgm
	assert_eq "$(samples cf.pgm)" "$(samples want.pgm)"
}

@test "gaussian:size=N is OpenCV's getGaussianKernel(N, 0): its fixed tables" {
	# cv2.getGaussianKernel(N, 0) for N = 3, 5, 7, 9 (tables, not the
	# formula): [1 2 1]/4, [1 4 6 4 1]/16, [1 3.5 7 9 7 3.5 1]/32,
	# [4 13 30 51 60 51 30 13 4]/256; the kernel is their outer product
	run -0 cf --print-kernel -k gaussian:size=3
	assert_eq "$(sed 1d <<< "$output" | tr -s ' \n' ' ')" \
	    "0.0625 0.125 0.0625 0.125 0.25 0.125 0.0625 0.125 0.0625 "
	for t in "5 1 4 6 4 1 16" "7 1 3.5 7 9 7 3.5 1 32" \
	    "9 4 13 30 51 60 51 30 13 4 256"; do
		set -- $t
		n=$1
		run -0 cf --print-kernel -k gaussian:size=$n
		# the middle row is g[centre] * g: the table times its centre,
		# each the nearest float (printed with the fewest digits)
		row=$(sed -n "$(( n / 2 + 2 ))p" <<< "$output")
		shift
		run -0 awk -v n=$n -v t="$*" '{ split(t, v, " ")
		    d = v[n + 1]; c = v[(n + 1) / 2]; bad = NF != n
		    for (i = 1; i <= n; i++) { w = c / d * v[i] / d
		        bad += ($i - w) ^ 2 > (6e-8 * w) ^ 2 }
		    print bad }' <<< "$row"
		assert_eq "$output" 0
	done
	# OpenCV's own test: 3x3 and 5x5 blurs of this image (reflect_101)
	printf 'P5\n3 3\n255\n\x2a\x2a\x2a\x2a\x03\x03\x2a\x03\x03' > g.pgm
	run -0 cf -k gaussian:size=3 -p valid g.pgm o.pgm
	assert_eq "$(samples o.pgm)" "20"
	run -0 cf -k gaussian:size=3 --pad-mode reflect g.pgm o.pgm
	assert_eq "$(samples o.pgm)" "32 27 23 27 20 13 23 13 3"
	run -0 cf -k gaussian:size=5 --pad-mode reflect g.pgm o.pgm
	assert_eq "$(samples o.pgm)" "27 24 21 24 20 16 21 16 12"
}

@test "gaussian:size=N equals cv2.getGaussianKernel(N, 0) for every odd N" {
	py=/usr/bin/python3
	$py -c 'import cv2, numpy' 2>/dev/null ||
	    skip "OpenCV (cv2) is not importable by $py"
	# the float weights are the double outer product rounded once
	$py - "$CONVFILTER" <<'PY'
import subprocess, sys, cv2, numpy as np
bad = []
for n in list(range(1, 64, 2)) + [99, 255]:
    out = subprocess.run([sys.argv[1], '--print-kernel', '-k',
        'gaussian:size=%d' % n], capture_output=True, text=True,
        check=True).stdout
    w = np.array([float(v) for l in out.splitlines() if l[0] != '#'
        for v in l.split()], dtype=np.float32).reshape(n, n)
    k = cv2.getGaussianKernel(n, 0, ktype=cv2.CV_64F).ravel()
    if not np.array_equal(w, np.outer(k, k).astype(np.float32)):
        bad.append(n)
    # and the 8-bit blur itself, for the tables: OpenCV's 8-bit path is
    # fixed-point, exact for weights in 1/256ths, one level off on some
    # pixels for the formula's weights
    if n <= 9:
        rng = np.random.default_rng(n)
        a = rng.integers(0, 256, (24, 20), dtype=np.uint8)
        open('r.pgm', 'wb').write(b'P5\n20 24\n255\n' + a.tobytes())
        subprocess.run([sys.argv[1], '-k', 'gaussian:size=%d' % n,
            '--pad-mode', 'reflect', 'r.pgm', 'o.pgm'], check=True)
        got = np.frombuffer(open('o.pgm', 'rb').read()[-480:], np.uint8)
        want = cv2.GaussianBlur(a, (n, n), 0).ravel()
        if not np.array_equal(got, want):
            bad.append(('blur', n))
assert not bad, bad
PY
}

@test "a default vips conv (float, truncated to 8 bits) is --bias -0.5" {
	command -v vips >/dev/null || skip "libvips is not installed"
	# a 3x3 mean: most sums are not integers, so truncation shows
	printf '3 3 9\n1 1 1\n1 1 1\n1 1 1\n' > k.mat
	vips conv ramp.pgm f.v k.mat
	vips cast f.v u.v uchar
	vips copy u.v vips.pgm
	run -0 cf -k identity vips.pgm want.pgm
	run -0 cf -k k.mat --bias -0.5 ramp.pgm cf.pgm
	assert_eq "$(samples cf.pgm)" "$(samples want.pgm)"
	# without the bias, rounding is one level above on some pixels
	run -0 cf -k k.mat ramp.pgm round.pgm
	[ "$(samples round.pgm)" != "$(samples want.pgm)" ]
}
