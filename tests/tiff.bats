#!/usr/bin/env bats
# tiff.bats - TIFF read and written (src/io/tiff.c).  Pixels are compared
# as PAM files written by convfilter from a mkfixture PNG (decoded by
# libpng); TIFF files are made by convfilter itself and by independent
# writers (tiffcp, vips, Pillow), each test skipped with a reason when its
# peer is absent (make deps installs tiffcp and vips).

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

need() {
	command -v "$1" >/dev/null || skip "$1 is not installed (make deps)"
}

need_pil() {
	/usr/bin/python3 -c 'import numpy, PIL' 2>/dev/null ||
	    skip "Python with numpy and Pillow is not installed"
}

# ref TYPE DEPTH W H : in.png from mkfixture and ref.pam, its samples.
ref() {
	"$MKFIXTURE" png "$1" "$2" "$3" "$4" in.png
	cf --depth "$2" -k identity in.png ref.pam
}

# same FILE.tif DEPTH [OPTION...] : FILE.tif reads to ref.pam's samples.
same() {
	local f=$1 d=$2
	shift 2
	run -0 cf --depth "$d" "$@" -k identity "$f" got.pam
	cmp ref.pam got.pam || { echo "$f differs from the reference"; false; }
}

# tag FILE NAME : a tiffinfo field's value.
tag() {
	tiffinfo "$1" 2>/dev/null | sed -n "s|^ *$2: *||p" | head -1
}

@test "TIFF -> TIFF is exact: gray, gray+alpha, RGB, RGBA, 8 and 16 bits, every compression" {
	local t d c
	for t in gray graya rgb rgba; do
		for d in 8 16; do
			ref $t $d 37 23
			for c in deflate lzw none; do
				run -0 cf --depth $d --tiff-compression $c \
				    -k identity in.png out.tif
				same out.tif $d
				# and TIFF -> TIFF again
				run -0 cf -k identity out.tif again.tif
				same again.tif $d
			done
		done
	done
}

@test "a written TIFF is striped Deflate with the horizontal predictor, as the input's depth" {
	need tiffinfo
	ref rgba 16 300 200
	run -0 cf -k identity in.png out.tif
	assert_eq "$(tag out.tif 'Compression Scheme')" AdobeDeflate
	assert_eq "$(tag out.tif Predictor)" "horizontal differencing 2 (0x2)"
	assert_eq "$(tag out.tif Bits/Sample)" 16
	assert_eq "$(tag out.tif 'Extra Samples')" "1<unassoc-alpha>"
	# strips of about 256 KiB: 109 rows of 2400 bytes
	assert_eq "$(tag out.tif Rows/Strip)" 109
	same out.tif 16
	# 16 bits read as 8 round as for PNG: v8 = (v16 * 255 + 32767) / 65535
	cf --depth 8 -k identity in.png ref.pam
	same out.tif 8
	same out.tif 8 --tiff-compression none
	run -0 cf --tiff-compression lzw --depth 8 -k identity in.png l.tif
	assert_eq "$(tag l.tif 'Compression Scheme')" LZW
	assert_eq "$(tag l.tif Bits/Sample)" 8
	run -0 cf --tiff-compression none -k identity in.png n.tif
	assert_eq "$(tag n.tif 'Compression Scheme')" None
	# -f tiff and the .tiff extension
	run -0 cf -f tiff -k identity in.png -
	[[ $output == II* || $output == MM* ]]
	run -0 cf -k identity in.png out.TIFF
	cmp out.tif out.TIFF
}

@test "--tiff-compression takes none, lzw or deflate" {
	ref gray 8 4 4
	run -2 cf --tiff-compression zstd -k identity in.png out.tif
	assert_eq "$output" "convfilter: --tiff-compression: 'zstd' is not none, lzw or deflate"
	no_file out.tif
}

@test "TIFF written by tiffcp reads to the same pixels: compressions, tiles, strips, planes" {
	need tiffcp
	local t c l p
	for t in gray graya rgb rgba; do
		ref $t 8 37 23
		cf --tiff-compression none -k identity in.png base.tif
		for c in none lzw zip packbits; do
			for l in "-r 1" "-r 5" "-t -w 16 -l 16" "-t -w 32 -l 48"; do
				for p in contig separate; do
					tiffcp -c $c $l -p $p base.tif x.tif
					same x.tif 8
				done
			done
		done
	done
	# 16 bits (tiffcp keeps separate planes for 8 bits only)
	ref rgba 16 37 23
	cf --tiff-compression none -k identity in.png base.tif
	for c in none lzw zip packbits; do
		tiffcp -c $c -t -w 16 -l 16 base.tif x.tif
		same x.tif 16
	done
}

@test "JPEG-compressed TIFF (YCbCr) reads close to its source" {
	need tiffcp
	ref rgb 8 64 48
	run -0 cf -k gaussian:3 in.png smooth.ppm
	run -0 cf -k identity smooth.ppm base.tif
	tiffcp -c jpeg:95 -r 16 base.tif j.tif
	run -0 cf -k identity j.tif j.ppm
	# within a few levels of the smooth source on average
	run -0 /usr/bin/env LC_ALL=C awk -v a=smooth.ppm -v b=j.ppm 'BEGIN {
	    cmd = "tail -c 9216 " a " | od -An -v -tu1"; while ((cmd | getline l) > 0) { n = split(l, x); for (i = 1; i <= n; i++) A[++na] = x[i] }
	    cmd = "tail -c 9216 " b " | od -An -v -tu1"; while ((cmd | getline l) > 0) { n = split(l, x); for (i = 1; i <= n; i++) { d = x[i] - A[++nb]; s += d < 0 ? -d : d } }
	    printf "%d %.2f\n", nb, s / nb }'
	[[ $output == "9216 "* ]]
	awk -v m="${output#* }" 'BEGIN { exit !(m < 3) }'
}

@test "TIFF written by vips reads to the same pixels, and convfilter's TIFF in vips" {
	need vips
	local t d
	for t in gray rgb rgba; do
		for d in 8 16; do
			ref $t $d 37 23
			vips copy in.png v.tif
			same v.tif $d
			vips copy in.png "vt.tif[tile,tile-width=16,tile-height=16,compression=lzw]"
			same vt.tif $d
			# convfilter's file, read by vips, written as PNG
			run -0 cf -k identity in.png c.tif
			vips copy c.tif c.png
			run -0 cf --depth $d -k identity c.png got.pam
			cmp ref.pam got.pam
		done
	done
}

@test "1-bit and palette TIFF from Pillow load as their pixels" {
	need_pil
	run -0 /usr/bin/python3 - "$CONVFILTER" <<'EOF'
import subprocess, sys
import numpy as np
from PIL import Image
cf = sys.argv[1]
def pam(path):
    d = open(path, 'rb').read()
    i = d.index(b'ENDHDR\n') + 7
    h = d[:i].split()
    v = lambda k: int(h[h.index(k) + 1])
    return np.frombuffer(d[i:], np.uint8).reshape(v(b'HEIGHT'), v(b'WIDTH'), v(b'DEPTH'))
def check(img, want, what, **kw):
    img.save('p.tif', **kw)
    subprocess.run([cf, '-f', 'pam', '-k', 'identity', 'p.tif', 'p.pam'], check=True)
    got = pam('p.pam')
    assert np.array_equal(got, want), (what, got.shape, want.shape)
rng = np.random.default_rng(7)
g = rng.integers(0, 256, (23, 37), dtype=np.uint8)
b = g > 127
for comp in (None, 'packbits', 'tiff_lzw', 'group4'):
    check(Image.fromarray(b), np.where(b, 255, 0).astype(np.uint8)[..., None], '1-bit', compression=comp)
pal = rng.integers(0, 256, 768).astype(np.uint8)
p = Image.fromarray(g % 16, 'L').convert('P')
p.putpalette(pal.tolist())
check(p, pal.reshape(256, 3)[np.array(p)], 'palette', compression='tiff_adobe_deflate')
EOF
}

@test "a min-is-white TIFF loads inverted" {
	need tiffset
	pgm 4 1 0 1 128 255 > in.pgm
	run -0 cf --tiff-compression none -k identity in.pgm w.tif
	tiffset -s 262 0 w.tif
	run -0 cf -k identity w.tif w.pgm
	assert_eq "$(samples w.pgm)" "255 254 127 0"
}

@test "associated alpha is divided out; unassociated alpha is kept" {
	need tiffset
	# RGBA pixels (64 32 0 128) (10 20 30 0) (200 100 50 255) (1 2 3 4)
	printf 'P7\nWIDTH 4\nHEIGHT 1\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n@ \000\200\n\024\036\000\310d2\377\001\002\003\004' > in.pam
	run -0 cf --tiff-compression none -k identity in.pam a.tif
	run -0 cf -k identity a.tif kept.pam
	assert_eq "$(samples kept.pam)" "$(samples in.pam)"
	tiffset -s 338 1 1 a.tif
	run -0 cf -k identity a.tif un.pam
	# v * 255 / a rounded; alpha 0 gives 0
	assert_eq "$(samples un.pam)" "128 64 0 128 0 0 0 0 200 100 50 255 64 128 191 4"
}

@test "the orientation tag turns the image upright, unless --no-auto-orient" {
	need tiffset
	# 3x2: 1 2 3 / 4 5 6
	pgm 3 2 1 2 3 4 5 6 > in.pgm
	run -0 cf -k identity in.pgm o.tif
	local o want
	for o in 1:"1 2 3 4 5 6" 2:"3 2 1 6 5 4" 3:"6 5 4 3 2 1" \
	    4:"4 5 6 1 2 3" 5:"1 4 2 5 3 6" 6:"4 1 5 2 6 3" \
	    7:"6 3 5 2 4 1" 8:"3 6 2 5 1 4"; do
		want=${o#*:}
		tiffset -s 274 "${o%%:*}" o.tif
		run -0 cf -k identity o.tif up.pgm
		assert_eq "$(samples up.pgm)" "$want"
		run -0 cf --no-auto-orient -k identity o.tif st.pgm
		assert_eq "$(samples st.pgm)" "1 2 3 4 5 6"
	done
	tiffset -s 274 6 o.tif
	run -0 cf --info o.tif
	assert_eq "${lines[0]}" "input: 1x3x2 (C x H x W)"
}

@test "--page picks a page of a multi-page TIFF; a missing page is an error" {
	need tiffcp
	pgm 2 1 10 20 > a.pgm
	pgm 1 2 30 40 > b.pgm
	cf -k identity a.pgm a.tif
	cf -k identity b.pgm b.tif
	tiffcp a.tif b.tif ab.tif
	run -0 cf -k identity ab.tif p0.pgm
	assert_eq "$(samples p0.pgm)" "10 20"
	run -0 cf --page 1 -k identity ab.tif p1.pgm
	assert_eq "$(samples p1.pgm)" "30 40"
	assert_eq "$(sed -n 2p p1.pgm)" "1 2"
	run -0 cf --page 1 --info ab.tif
	assert_eq "${lines[0]}" "input: 1x2x1 (C x H x W)"
	run -1 cf --page 2 -k identity ab.tif p2.pgm
	assert_eq "$output" "convfilter: 'ab.tif': --page 2: the TIFF has 2 pages (the first is 0)"
	no_file p2.pgm
	run -1 cf --page 1 -k identity a.pgm x.pgm
	assert_eq "$output" "convfilter: 'a.pgm': --page 1: PNM files have one page (0)"
	run -2 cf --page -1 -k identity a.pgm x.pgm
}

@test "float TIFF loads as a float tensor and is written as float, exactly" {
	need_pil
	run -0 /usr/bin/python3 - "$CONVFILTER" <<'EOF'
import subprocess, sys
import numpy as np
from PIL import Image
cf = sys.argv[1]
rng = np.random.default_rng(3)
f = (rng.standard_normal((23, 37)) * 1e4).astype(np.float32)
f[0, :3] = [np.float32(1e-30), -0.0, 3.4e38]
Image.fromarray(f, 'F').save('f.tif')
run = lambda *a: subprocess.run([cf, '-k', 'identity', *a], check=True)
run('f.tif', 'f.npy')
assert np.array_equal(np.load('f.npy')[0], f)
# float in, TIFF out: float32 with the values before rounding
run('f.tif', 'g.tif')
g = np.array(Image.open('g.tif'))
assert g.dtype == np.float32 and np.array_equal(g, f)
# any number of channels from .npy, through TIFF and back
x = rng.standard_normal((5, 6, 7)).astype(np.float32)
np.save('x.npy', x)
run('x.npy', 'x.tif')
run('x.tif', 'y.npy')
assert np.array_equal(np.load('y.npy'), x)
# a filter on float TIFF keeps floats: box:3 of a constant is itself
np.save('c.npy', np.full((1, 8, 8), 0.3, np.float32))
subprocess.run([cf, '-k', 'box:3', '-p', 'same', '--pad-mode', 'replicate', 'c.npy', 'c.tif'], check=True)
c = np.array(Image.open('c.tif'))
assert c.dtype == np.float32 and np.allclose(c, 0.3, atol=1e-6)
EOF
}

@test "TIFF reads from a pipe and writes to a pipe" {
	ref rgba 16 37 23
	run -0 cf -k identity in.png file.tif
	# stdout a pipe: the file is made in memory
	cf -k identity - - -f tiff < file.tif | cat > piped.tif
	cmp file.tif piped.tif
	# stdin a pipe: read into memory first
	cat file.tif | cf --depth 16 -k identity - got.pam
	cmp ref.pam got.pam
	cf --depth 16 -k identity - got.pam < piped.tif
	cmp ref.pam got.pam
}

@test "BigTIFF is written past 4 GB and read back (forced small here)" {
	ref rgb 16 37 23
	CONVFILTER_TEST_BIGTIFF=1 cf -k identity in.png big.tif
	# "II" 43: BigTIFF
	assert_eq "$(od -An -tu1 -j2 -N1 big.tif | tr -d ' ')" 43
	same big.tif 16
}

@test "an ICC profile goes PNG -> TIFF -> TIFF -> PNG, and --strip drops it" {
	local p='fakeprofile-CONVFILTER-ICC-TIFF-0123456789'
	ref rgb 8 16 8
	# a PNG with the profile: JPEG APP2 carried to PNG (meta.bats)
	{
		printf '\377\330\377\342\000'
		printf "\\$(printf '%03o' $(( ${#p} + 16 )))"
		printf 'ICC_PROFILE\000\001\001%s' "$p"
		cf -k identity -f jpeg in.png - | tail -c +3
	} > icc.jpg
	run -0 cf -k identity icc.jpg a.tif
	assert_eq "$(grep -c "$p" a.tif)" 1
	run -0 cf -k identity a.tif b.tif
	run -0 cf -k identity b.tif c.png
	run -0 cf -k identity c.png d.jpg
	assert_eq "$(grep -c "$p" d.jpg)" 1
	run -0 cf --strip -k identity icc.jpg s.tif
	assert_eq "$(grep -c "$p" s.tif)" 0
}

@test "a batch writes TIFF with -f tiff, and reads .tif inputs" {
	ref rgb 8 9 7
	cp in.png one.png
	cp in.png two.png
	run -0 cf -k identity -f tiff -o out one.png two.png
	[ -f out/one.tif ] && [ -f out/two.tif ]
	run -0 cf -k identity -f pam -o back out/one.tif out/two.tif
	cmp back/one.pam ref.pam
	cmp back/two.pam ref.pam
}

@test "32 and 64-bit float TIFF from vips load as the same float tensor" {
	need vips
	vips cast "$TOP/samples/chart.png" f.tif float
	vips cast "$TOP/samples/chart.png" d.tif double
	run -0 cf -k identity f.tif f.npy
	run -0 cf -k identity d.tif d.npy
	cmp f.npy d.npy
	# the values are the chart's 8-bit samples, as floats
	run -0 cf -k identity "$TOP/samples/chart.png" c.npy
	cmp f.npy c.npy
}

@test "more channels than colour and alpha (a 6-output bank) survive TIFF exactly" {
	printf 'shape 6 3 1 1\n1 0 0\n0 1 0\n0 0 1\n0.5 0.5 0\n0 0.5 0.5\n0.25 0.25 0.5\n' > b6.kernel
	run -0 cf -k ./b6.kernel "$TOP/samples/photo.png" six.pam
	run -0 cf -k ./b6.kernel "$TOP/samples/photo.png" six.tif
	run -0 cf -k identity six.tif back.pam
	assert_eq "$(sed -n 4p back.pam)" "DEPTH 6"
	cmp six.pam back.pam
}
