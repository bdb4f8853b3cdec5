#!/usr/bin/env bats
# meta.bats - metadata: EXIF orientation applied on load, ICC profiles
# carried from input to output, --strip, --no-auto-orient.  Fixtures are
# built here by inserting APP1/APP2 segments after a JPEG's SOI marker.

load test_helper

PROFILE='fakeprofile-CONVFILTER-ICC-TEST-0123456789'

setup() {
	cd "$BATS_TEST_TMPDIR"
	# 16x8: the left half white, the right half black
	{
		printf 'P5\n16 8\n255\n'
		for _ in 1 2 3 4 5 6 7 8; do
			printf '\377%.0s' 1 2 3 4 5 6 7 8
			printf '\0%.0s' 1 2 3 4 5 6 7 8
		done
	} > lr.pgm
	cf -k identity -q 100 lr.pgm lr.jpg
}

# byte N : the byte N (0..255) on stdout.
byte() {
	printf "\\$(printf '%03o' "$1")"
}

# exif_jpeg ORIENT BYTEORDER(MM|II) : lr.jpg with an APP1 Exif segment
# whose IFD0 holds one entry, the orientation tag 0x0112.
exif_jpeg() {
	printf '\377\330\377\341\000\042Exif\000\000'
	if [ "$2" = II ]; then
		printf 'II*\000\010\000\000\000\001\000\022\001\003\000'
		printf '\001\000\000\000'; byte "$1"
		printf '\000\000\000\000\000\000\000'
	else
		printf 'MM\000*\000\000\000\010\000\001\001\022\000\003'
		printf '\000\000\000\001\000'; byte "$1"
		printf '\000\000\000\000\000\000'
	fi
	tail -c +3 lr.jpg
}

# icc_jpeg : lr.jpg with an APP2 ICC_PROFILE segment holding $PROFILE.
icc_jpeg() {
	printf '\377\330\377\342\000'
	byte $(( ${#PROFILE} + 16 ))
	printf 'ICC_PROFILE\000\001\001%s' "$PROFILE"
	tail -c +3 lr.jpg
}

# pixel PGM X Y : one sample of an 8-bit PGM written by convfilter.
pixel() {
	local w
	w=$(sed -n 2p "$1" | cut -d' ' -f1)
	samples "$1" | tr ' ' '\n' | sed -n "$(( $3 * w + $2 + 1 ))p"
}

@test "an EXIF-rotated JPEG (orientation 6) comes out upright" {
	exif_jpeg 6 MM > r6.jpg
	run -0 cf -k identity r6.jpg out.pgm
	assert_eq "$(sed -n 2p out.pgm)" "8 16"
	# rotated 90 degrees clockwise: the stored left half is now on top
	(( $(pixel out.pgm 4 2) > 200 ))
	(( $(pixel out.pgm 4 13) < 50 ))
}

@test "EXIF orientation is read in both byte orders, 2..8" {
	exif_jpeg 8 II > r8.jpg
	run -0 cf -k identity r8.jpg out.pgm
	assert_eq "$(sed -n 2p out.pgm)" "8 16"
	# counter-clockwise: the stored left half is now at the bottom
	(( $(pixel out.pgm 4 2) < 50 ))
	(( $(pixel out.pgm 4 13) > 200 ))
	exif_jpeg 2 MM > r2.jpg
	run -0 cf -k identity r2.jpg out.pgm
	assert_eq "$(sed -n 2p out.pgm)" "16 8"
	(( $(pixel out.pgm 2 4) < 50 ))
	(( $(pixel out.pgm 13 4) > 200 ))
	for o in 3 4 5 7; do
		exif_jpeg $o II > r.jpg
		run -0 cf -k identity r.jpg out.pgm
	done
}

@test "--no-auto-orient keeps the stored orientation" {
	exif_jpeg 6 MM > r6.jpg
	run -0 cf --no-auto-orient -k identity r6.jpg out.pgm
	assert_eq "$(sed -n 2p out.pgm)" "16 8"
	(( $(pixel out.pgm 2 4) > 200 ))
}

@test "malformed EXIF data is ignored, never a crash" {
	# IFD0 offset far past the segment; then 65535 entries in a segment
	# that holds one (not the orientation)
	{ printf '\377\330\377\341\000\042Exif\000\000MM\000*\177\377\377\377'
	  printf '\000\001\001\022\000\003\000\000\000\001\000\006\000\000'
	  printf '\000\000\000\000'; tail -c +3 lr.jpg; } > bad1.jpg
	run -0 cf -k identity bad1.jpg out.pgm
	assert_eq "$(sed -n 2p out.pgm)" "16 8"
	{ printf '\377\330\377\341\000\042Exif\000\000II*\000\010\000\000\000'
	  printf '\377\377\000\001\003\000\001\000\000\000\006\000'
	  printf '\000\000\000\000\000\000'; tail -c +3 lr.jpg; } > bad2.jpg
	run -0 cf -k identity bad2.jpg out.pgm
	assert_eq "$(sed -n 2p out.pgm)" "16 8"
	# an orientation out of range
	exif_jpeg 9 MM > bad3.jpg
	run -0 cf -k identity bad3.jpg out.pgm
	assert_eq "$(sed -n 2p out.pgm)" "16 8"
}

@test "libvips' rotation-6.jpg loads with swapped dimensions" {
	f=$CORPUS/external/jpeg/libvips/rotation-6.jpg
	[ -f "$f" ] || skip "no $f"
	run -0 cf --no-auto-orient -k identity "$f" stored.pgm
	run -0 cf -k identity "$f" upright.pgm
	read -r w h < <(sed -n 2p stored.pgm)
	assert_eq "$(sed -n 2p upright.pgm)" "$h $w"
}

@test "an ICC profile goes JPEG -> JPEG and JPEG -> PNG -> PNG -> JPEG" {
	icc_jpeg > icc.jpg
	run -0 cf -k identity icc.jpg out.jpg
	assert_eq "$(grep -c "$PROFILE" out.jpg)" 1
	run -0 cf -k box:3 icc.jpg a.png
	run -0 cf -k identity a.png b.png
	run -0 cf -k identity b.png c.jpg
	assert_eq "$(grep -c "$PROFILE" c.jpg)" 1
	# PNM cannot hold one: nothing to carry, no error
	run -0 cf -k identity icc.jpg out.pgm
}

@test "--strip drops the ICC profile" {
	icc_jpeg > icc.jpg
	run -0 cf --strip -k identity icc.jpg out.jpg
	assert_eq "$(grep -c "$PROFILE" out.jpg)" 0
	run -0 cf -k identity icc.jpg a.png
	run -0 cf --strip -k identity a.png b.png
	run -0 cf -k identity b.png c.jpg
	assert_eq "$(grep -c "$PROFILE" c.jpg)" 0
	# without --strip a.png did carry it
	run -0 cf -k identity a.png d.jpg
	assert_eq "$(grep -c "$PROFILE" d.jpg)" 1
}

@test "a real ICC profile survives for ImageMagick to read" {
	icc=/usr/share/color/icc/ghostscript/srgb.icc
	[ -f "$icc" ] || skip "no $icc"
	[ -x /usr/bin/convert ] &&
	    /usr/bin/convert -version | grep -q ImageMagick ||
	    skip "ImageMagick is not installed"
	/usr/bin/convert lr.pgm -type TrueColor -profile "$icc" in.jpg
	run -0 cf -k identity in.jpg out.png
	run -0 cf -k identity out.png out.jpg
	for f in out.png out.jpg; do
		/usr/bin/convert "$f" icc:got.icc
		cmp got.icc "$icc"
	done
}

@test "--info reports the upright shape of an EXIF-rotated JPEG" {
	exif_jpeg 6 MM > r6.jpg
	run -0 cf --info -k identity r6.jpg
	[[ ${lines[0]} == "input: 1x16x8 (C x H x W)" ]]
	run -0 cf --info --no-auto-orient -k identity r6.jpg
	[[ ${lines[0]} == "input: 1x8x16 (C x H x W)" ]]
}

# app2 SEQ COUNT TEXT : one APP2 ICC_PROFILE segment.
app2() {
	printf '\377\342\000'
	byte $(( ${#3} + 16 ))
	printf 'ICC_PROFILE\000'
	byte "$1"
	byte "$2"
	printf '%s' "$3"
}

@test "an ICC profile in several APP2 segments is joined in order" {
	{ printf '\377\330'; app2 2 2 "${PROFILE:20}"; app2 1 2 "${PROFILE:0:20}"
	  tail -c +3 lr.jpg; } > parts.jpg
	run -0 cf -k identity parts.jpg out.jpg
	assert_eq "$(grep -c "$PROFILE" out.jpg)" 1
}

@test "a malformed ICC profile is dropped, the image still loads" {
	for seqs in '2 1' '0 1' '1 2'; do
		{ printf '\377\330'; app2 $seqs "$PROFILE"; tail -c +3 lr.jpg; } \
		    > bad.jpg
		run -0 cf -k identity bad.jpg out.jpg
		assert_eq "$(grep -c "$PROFILE" out.jpg)" 0
	done
}
