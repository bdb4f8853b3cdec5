#!/usr/bin/env bats
# webp.bats - WebP read and written (src/io/webp.c): lossless exact,
# lossy within a PSNR, cross-checked with cwebp and dwebp (skipped with a
# reason when absent; make deps installs them).

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

need() {
	command -v "$1" >/dev/null || skip "$1 is not installed (make deps)"
}

# ref TYPE W H : in.png (8-bit) from mkfixture and ref.pam, its samples.
ref() {
	"$MKFIXTURE" png "$1" 8 "$2" "$3" in.png
	cf -k identity in.png ref.pam
}

# psnr A.pam B.pam : the PSNR in dB of two 8-bit PAM/PNM files of the
# same shape and header length, on stdout.
psnr() {
	local n
	n=$(pnm_numel "$1")
	paste <(tail -c "$n" "$1" | od -An -v -tu1 | tr -s ' ' '\n' | sed '/^$/d') \
	    <(tail -c "$n" "$2" | od -An -v -tu1 | tr -s ' ' '\n' | sed '/^$/d') |
	    awk '{ d = $1 - $2; s += d * d; n++ }
		END { if (s == 0) print 99; else printf "%.1f\n", 10 * log(255 * 255 * n / s) / log(10) }'
}

@test "lossless WebP is exact: RGB and RGBA, --lossless and -q 100" {
	local t
	for t in rgb rgba; do
		ref $t 37 23
		run -0 cf --lossless -k identity in.png l.webp
		run -0 cf -k identity l.webp got.pam
		cmp ref.pam got.pam
		run -0 cf -q 100 -k identity in.png q.webp
		run -0 cf -k identity q.webp got.pam
		cmp ref.pam got.pam
	done
	# a VP8L bitstream: "VP8L" at byte 12
	assert_eq "$(dd if=l.webp bs=1 skip=12 count=4 2>/dev/null)" VP8L
}

@test "gray is written as RGB with the same value in each channel" {
	pgm 4 1 0 100 200 255 > in.pgm
	run -0 cf --lossless -k identity in.pgm g.webp
	run -0 cf -k identity g.webp g.ppm
	assert_eq "$(samples g.ppm)" "0 0 0 100 100 100 200 200 200 255 255 255"
}

@test "lossy WebP is within a PSNR of its source; -q changes the size" {
	run -0 cf -k identity "$TOP/samples/photo.png" ref.ppm
	run -0 cf -k identity "$TOP/samples/photo.png" d.webp
	run -0 cf -k identity d.webp d.ppm
	run -0 psnr ref.ppm d.ppm
	awk -v p="$output" 'BEGIN { exit !(p > 30 && p < 99) }' ||
	    { echo "PSNR $output dB"; false; }
	run -0 cf -q 20 -k identity "$TOP/samples/photo.png" q20.webp
	[ "$(wc -c < q20.webp)" -lt "$(wc -c < d.webp)" ]
	# "VP8 " at byte 12: lossy
	assert_eq "$(dd if=d.webp bs=1 skip=12 count=4 2>/dev/null)" "VP8 "
}

@test "WebP from cwebp reads to the pixels dwebp decodes" {
	need cwebp
	need dwebp
	ref rgb 64 48
	cwebp -quiet -lossless in.png -o l.webp
	run -0 cf -k identity l.webp got.pam
	cmp ref.pam got.pam
	cwebp -quiet -q 80 in.png -o q.webp
	dwebp -quiet q.webp -ppm -o dw.ppm
	run -0 cf -k identity q.webp got.ppm
	cmp dw.ppm got.ppm
	# with alpha
	ref rgba 64 48
	cwebp -quiet -q 80 -alpha_q 100 in.png -o a.webp
	dwebp -quiet a.webp -pam -o dw.pam
	run -0 cf -f pam -k identity a.webp got.pam
	cmp <(tail -c 12288 dw.pam) <(tail -c 12288 got.pam)
}

@test "convfilter's WebP decodes in dwebp to the same pixels" {
	need dwebp
	ref rgba 37 23
	run -0 cf -k identity in.png o.webp
	dwebp -quiet o.webp -pam -o dw.pam
	run -0 cf -k identity o.webp got.pam
	cmp <(tail -c $((37 * 23 * 4)) dw.pam) <(tail -c $((37 * 23 * 4)) got.pam)
	run -0 cf --lossless -k identity in.png l.webp
	dwebp -quiet l.webp -pam -o dl.pam
	cmp <(tail -c $((37 * 23 * 4)) dl.pam) <(tail -c $((37 * 23 * 4)) ref.pam)
}

@test "WebP holds at most 16383 pixels a side: the error says so" {
	{ printf 'P5\n16384 1\n255\n'; head -c 16384 /dev/zero; } > wide.pgm
	run -3 cf -k identity wide.pgm wide.webp
	assert_eq "$output" "convfilter: 'wide.webp': WebP holds at most 16383 pixels a side (the image is 16384x1)"
	no_file wide.webp
}

@test "animated WebP is refused with a clear message" {
	need img2webp
	ref rgb 16 16
	cf -k identity in.png a.png
	cf -k box:3 in.png b.png
	img2webp -loop 0 a.png b.png -o anim.webp 2>/dev/null
	run -1 cf -k identity anim.webp out.png
	assert_eq "$output" "convfilter: 'anim.webp': animated WebP is not supported"
	no_file out.png
}

@test "--depth 16 is refused for WebP; 16-bit input is written as 8 bits" {
	ref rgb 8 8
	run -2 cf --depth 16 -k identity in.png out.webp
	assert_eq "$output" "convfilter: --depth 16: WebP holds 8-bit samples"
	"$MKFIXTURE" png rgb 16 8 8 in16.png
	run -0 cf --lossless -k identity in16.png o.webp
	run -0 cf --depth 8 -k identity in16.png want.pam
	run -0 cf -k identity o.webp got.pam
	cmp want.pam got.pam
}

@test "WebP reads from a pipe and writes to one; -f webp and batch" {
	ref rgba 9 7
	cf --lossless -f webp -k identity - - < in.png | cf -k identity - got.pam
	cmp ref.pam got.pam
	cp in.png one.png
	run -0 cf --lossless -k identity -f webp -o out one.png
	run -0 cf -k identity out/one.webp got.pam
	cmp ref.pam got.pam
	run -0 cf -k identity in.png x.WEBP
	[ "$(head -c 4 x.WEBP)" = RIFF ]
}

@test "an ICC profile goes JPEG -> WebP -> PNG, and --strip drops it" {
	local p='fakeprofile-CONVFILTER-ICC-WEBP-0123456789'
	ref rgb 16 8
	{
		printf '\377\330\377\342\000'
		printf "\\$(printf '%03o' $(( ${#p} + 16 )))"
		printf 'ICC_PROFILE\000\001\001%s' "$p"
		cf -k identity -f jpeg in.png - | tail -c +3
	} > icc.jpg
	run -0 cf -k identity icc.jpg a.webp
	assert_eq "$(grep -c "$p" a.webp)" 1
	run -0 cf -k identity a.webp b.png
	assert_eq "$(grep -c "$p" b.png)" 0	# compressed in iCCP
	run -0 cf -k identity b.png c.jpg
	assert_eq "$(grep -c "$p" c.jpg)" 1
	run -0 cf --strip -k identity icc.jpg s.webp
	assert_eq "$(grep -c "$p" s.webp)" 0
}
