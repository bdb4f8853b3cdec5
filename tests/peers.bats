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

# py : the system Python that has the peers' modules (numpy, cv2, torch).
py() {
	/usr/bin/python3 "$@"
}

# has_py MODULE... : whether py imports them all.
has_py() {
	local m
	for m in "$@"; do
		py -c "import $m" 2>/dev/null || return 1
	done
}

# near A B : two 8-bit PNM files of one shape whose samples differ by at
# most one level, in at most 1 in 10^4 samples (the documented limits).
near() {
	py - "$1" "$2" <<'PY'
import sys
a, b = (open(f, "rb").read() for f in sys.argv[1:3])
# written by convfilter: the same header, then the samples
assert len(a) == len(b), (len(a), len(b))
d = [abs(x - y) for x, y in zip(a, b) if x != y]
assert max(d, default=0) <= 1 and len(d) <= 1e-4 * len(a), (max(d), len(d))
PY
}

@test "--like sets each tool's defaults; explicit options win; -v says them" {
	pgm 6 1 0 10 20 30 40 50 > e.pgm
	printf '1 0\n' > e.kernel
	# torch: padding 0 (valid), so a 2x1 kernel drops a column
	run -0 cf --like torch -k ./e.kernel e.pgm out.pgm
	assert_eq "$(samples out.pgm)" "0 10 20 30 40"
	# opencv and vips: an even kernel's centre at k/2 (out[i] = x[i-1]);
	# convfilter and ImageMagick at (k-1)/2 (out[i] = x[i])
	run -0 cf --like opencv -k ./e.kernel e.pgm out.pgm
	assert_eq "$(samples out.pgm)" "10 0 10 20 30 40"
	run -0 cf --like vips -k ./e.kernel e.pgm out.pgm
	assert_eq "$(samples out.pgm)" "0 0 10 20 30 40"
	run -0 cf --like imagemagick -f pnm -k ./e.kernel e.pgm out.pgm
	assert_eq "$(samples out.pgm)" "0 10 20 30 40 50"
	# rounding: 0.5 0.5 on 0 1 -> 0.5: away, even, truncated
	pgm 3 1 0 1 1 > h.pgm
	printf 'scale 1/2\n1 1\n' > h.kernel
	run -0 cf -k ./h.kernel -p valid h.pgm out.pgm
	assert_eq "$(samples out.pgm)" "1 1"
	for t in torch opencv vips; do
		run -0 cf --like "$t" -k ./h.kernel -p valid h.pgm out.pgm
		assert_eq "$(samples out.pgm)" "0 1"
	done
	# explicit options win over the profile
	run -0 cf --like opencv --round nearest -p valid --pad-mode zero \
	    -k ./h.kernel h.pgm out.pgm
	assert_eq "$(samples out.pgm)" "1 1"
	run -0 cf -v --like torch -p same --round floor -k ./h.kernel h.pgm \
	    out.pgm
	[[ $output == *"convfilter: --like torch: padding same (centre at (k-1)/2), pad mode zero, correlation, round floor, alpha separate, gaussian size 2*ceil(3*sigma)+1"* ]]
	run -0 cf -v --like vips -k gaussian:sigma=1 h.pgm out.pgm
	[[ $output == *"--like vips: padding same (centre at k/2), pad mode replicate, correlation, round truncate, alpha separate, gaussian size min_ampl 0.2"* ]]
	# the Gaussian's size by each tool's rule
	run -0 cf --info --like vips -k gaussian:sigma=2 h.pgm
	[[ $output == *"7x7"* ]]
	run -0 cf --info --like opencv -k gaussian:sigma=2 h.pgm
	[[ $output == *"13x13"* ]]
	run -0 cf --info --like imagemagick -k gaussian:sigma=2 h.pgm
	[[ $output == *"15x15"* ]]
	run -0 cf --info -k gaussian:sigma=2 h.pgm
	[[ $output == *"13x13"* ]]
	# ImageMagick divides a kernel string by its sum
	pgm 3 1 40 40 40 > f.pgm
	run -0 cf --like imagemagick -f pnm -k '3x1: 1,2,1' f.pgm out.pgm
	assert_eq "$(samples out.pgm)" "40 40 40"
	run -2 cf --like gimp -k box:3 f.pgm out.pgm
	assert_eq "$output" "convfilter: --like: 'gimp' is not torch, opencv, vips or imagemagick"
}

@test "--like torch: nn.Conv2d, F.conv2d with groups and max_pool2d, float32 .npy" {
	has_py numpy torch || skip "python3-torch is not installed (make deps PEERS=all)"
	run -0 cf -k identity "$TOP/samples/photo.png" x.npy
	py - "$CONVFILTER" <<'PY'
import subprocess, sys
import numpy as np, torch
import torch.nn.functional as F
cf = sys.argv[1]
torch.manual_seed(14)
x = torch.from_numpy(np.load("x.npy"))[None]
def run(*args):
    subprocess.run([cf, "--like", "torch", *args, "x.npy", "y.npy"], check=True)
    return torch.from_numpy(np.load("y.npy"))[None]
def close(y, ref, w):
    # float32 sums against convfilter's double sum rounded once
    tol = 4 * 2 ** -24 * (w.abs().sum(dim=(1, 2, 3)).max() * 255 + 1)
    assert y.shape == ref.shape, (y.shape, ref.shape)
    err = (y - ref).abs().max().item()
    assert err <= tol, (err, tol)
    assert torch.allclose(y, ref, rtol=1e-5, atol=1e-3)
for k, s, p in ((3, 2, 1), (3, 1, 0), (5, 2, 2), (4, 1, 0)):
    conv = torch.nn.Conv2d(3, 8, k, stride=s, padding=p)
    np.save("w.npy", conv.weight.detach().numpy())
    np.save("b.npy", conv.bias.detach().numpy())
    extra = ["-p", str(p)] if p else []
    y = run("-k", "w.npy", "--bias-file", "b.npy", "-s", str(s), *extra)
    with torch.no_grad():
        close(y, conv(x), conv.weight)
# grouped and dilated, then max_pool2d
w = torch.randn(6, 1, 3, 3)
np.save("w.npy", w.numpy())
y = run("-k", "w.npy", "--groups", "3", "-d", "2", "-k", "maxpool:2")
ref = F.max_pool2d(F.conv2d(x, w.repeat(1, 1, 1, 1), groups=3, dilation=2), 2)
close(y, ref, w)
# without --like the border differs (replicate, same): the profile matters
subprocess.run([cf, "-k", "w.npy", "--groups", "3", "x.npy", "z.npy"], check=True)
assert np.load("z.npy").shape != tuple(F.conv2d(x, w, groups=3).shape[1:])
PY
}

@test "--like opencv: cv2.filter2D, GaussianBlur and Sobel, pixel for pixel" {
	has_py numpy cv2 || skip "python3-opencv is not installed (make deps PEERS=all)"
	py - "$CONVFILTER" "$TOP/samples/photo.png" <<'PY'
import subprocess, sys
import numpy as np, cv2
cf, photo = sys.argv[1:3]
img = cv2.imread(photo)
def run(*args, out="o.png"):
    subprocess.run([cf, "--like", "opencv", *args, photo, out], check=True)
    if out.endswith(".npy"):
        return np.load(out).transpose(1, 2, 0)[..., ::-1]
    return cv2.imread(out)
rs = np.random.RandomState(14)
# dyadic weights: both sums exact, so every tie is a tie (to even)
for shape in ((3, 3), (2, 2), (4, 5), (1, 2), (5, 5)):
    k = (rs.randint(-8, 9, size=shape) / 16).astype(np.float32)
    np.savetxt("k.kernel", k, fmt="%.9g")
    want = cv2.filter2D(img, -1, k)
    got = run("-k", "./k.kernel")
    assert (want != got).sum() == 0, (shape, (want != got).sum())
    base = subprocess.run([cf, "-k", "./k.kernel", photo, "d.png"], check=True)
    assert (cv2.imread("d.png") != want).sum() > 0, shape
# Sobel: 8-bit (saturated) and float
for dx, dy, name in ((1, 0, "sobel:x"), (0, 1, "sobel:y")):
    assert (cv2.Sobel(img, -1, dx, dy, ksize=3) != run("-k", name)).sum() == 0
    want = cv2.Sobel(img, cv2.CV_32F, dx, dy, ksize=3)
    assert np.abs(want - run("-k", name, out="s.npy")).max() == 0
# GaussianBlur by sigma: the size rule and the weights, in float
f = img.astype(np.float32)
for s in (0.8, 1, 2, 3.3):
    n = int(np.rint(s * 6 + 1)) | 1
    want = cv2.GaussianBlur(f, (n, n), s)
    got = run("-k", "gaussian:sigma=%g" % s, out="g.npy")
    assert np.abs(want - got).max() < 1e-4 * 255, s
    # 8-bit: OpenCV's fixed-point Gaussian is within one level
    d = np.abs(cv2.GaussianBlur(img, (0, 0), s).astype(int) - run("-k", "gaussian:sigma=%g" % s))
    assert d.max() <= 1, s
PY
}

@test "--like vips: vips conv (float precision, cast to uchar) and gaussblur" {
	command -v vips >/dev/null || skip "libvips-tools is not installed (make deps)"
	local k p="$TOP/samples/photo.png"
	# scales that are powers of two: vips' float result is exact too
	for k in '3 3 16 0\n1 2 -1\n3 4 2\n1 -2 6' '4 2 8 3\n1 0 -2 3\n2 1 1 2' \
	    '1 5 4 0\n1\n-1\n2\n1\n1'; do
		printf "$k\n" > k.mat
		vips conv "$p" v.v k.mat
		vips cast v.v v.png uchar
		run -0 cf -k identity v.png want.ppm
		run -0 cf --like vips -k k.mat "$p" got.ppm
		cmp want.ppm got.ppm || { echo "mask $k"; false; }
		# convfilter's own rounding and centre differ
		run -0 cf -k k.mat "$p" own.ppm
		! cmp -s want.ppm own.ppm
	done
	# gaussblur in float: the size rule; two float passes against one
	# double sum differ by one level where vips lands just below an
	# integer (a few pixels in 10^5)
	for k in 0.7 1 2 3; do
		vips gaussblur "$p" g.v "$k" --precision float
		vips cast g.v g.png uchar
		run -0 cf -k identity g.png want.ppm
		run -0 cf --like vips -k "gaussian:sigma=$k" "$p" got.ppm
		near want.ppm got.ppm || { echo "sigma $k"; false; }
	done
}

@test "--like imagemagick: -convolve, -morphology Convolve and -gaussian-blur" {
	real_im || skip "ImageMagick is not installed (make deps)"
	local k p="$TOP/samples/photo.png"
	# any sum: PNG output is ImageMagick's Q16 value divided by 257 and
	# truncated
	for k in '3x3: 1,2,1, 2,4,2, 1,2,1' '3x3: -1,3,0, 5,7,2, 0,8,4' \
	    '4x3: 1,2,3,4, 0,1,0,1, 2,2,2,-1' '5x1: 1,4,6,2,1'; do
		/usr/bin/convert "$p" -convolve "$k" im.png
		run -0 cf -k identity im.png want.ppm
		run -0 cf --like imagemagick -k "$k" "$p" got.png
		run -0 cf -k identity got.png got.ppm
		cmp want.ppm got.ppm || { echo "kernel $k"; false; }
	done
	# PNM output rounds to nearest: exact for sums that are powers of two
	for k in '3x3: 1,2,1, 2,4,2, 1,2,1' '4x2: 1,2,3,-1, 0,1,5,5'; do
		/usr/bin/convert "$p" -convolve "$k" want.ppm
		run -0 cf --like imagemagick -k "$k" "$p" got.ppm
		cmp want.ppm got.ppm || { echo "kernel $k"; false; }
	done
	# -morphology Convolve: true convolution, not normalised (sum 0)
	/usr/bin/convert "$p" -morphology Convolve '3x3: 1,0,-1, 3,0,-2, 1,0,-2' \
	    im.png
	run -0 cf -k identity im.png want.ppm
	run -0 cf --like imagemagick --flip -k '3x3: 1,0,-1, 3,0,-2, 1,0,-2' \
	    "$p" got.png
	run -0 cf -k identity got.png got.ppm
	cmp want.ppm got.ppm
	# -gaussian-blur 0xS: ImageMagick's size; its double weights against
	# convfilter's float ones move a few pixels in 10^5 by one level
	for k in 0.7 1 2; do
		/usr/bin/convert "$p" -gaussian-blur "0x$k" im.png
		run -0 cf -k identity im.png want.ppm
		run -0 cf --like imagemagick -k "gaussian:sigma=$k" "$p" got.png
		run -0 cf -k identity got.png got.ppm
		near want.ppm got.ppm || { echo "sigma $k"; false; }
	done
}
