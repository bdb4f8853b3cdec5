#!/usr/bin/env bats
# png.bats - the PNG writer: its own chunks, filters and block-parallel
# deflate.  Each image written is decoded again by convfilter (libpng) and
# compared sample for sample; fixtures are made in $BATS_TEST_TMPDIR.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# trip TYPE DEPTH W H : a mkfixture PNG through PNG -> PNG must decode to
# exactly what the input decodes to, at the input's depth.
trip() {
	"$MKFIXTURE" png "$1" "$2" "$3" "$4" in.png
	run -0 cf --depth "$2" -k identity in.png direct.pam
	run -0 cf --depth "$2" -k identity in.png out.png
	run -0 cf --depth "$2" -k identity out.png trip.pam
	cmp direct.pam trip.pam
	# IHDR bit depth (byte 24) as asked
	assert_eq "$(od -An -tu1 -j24 -N1 out.png | tr -d ' ')" "$2"
}

@test "PNG -> PNG decodes to the same samples: gray, gray+alpha, RGB, RGBA" {
	for t in gray graya rgb rgba; do
		trip $t 8 37 23
		trip $t 16 37 23
	done
}

@test "PNG -> PNG is exact across several compression blocks" {
	# 1500x1000 noise: 4.5 MB of filtered RGB, 9 MB at 16 bits
	trip rgb 8 1500 1000
	trip rgba 16 1000 700
}

@test "-j 1, -j 2 and -j 5 write byte-identical PNG" {
	"$MKFIXTURE" png rgb 8 1500 1000 in.png
	run -0 cf -j 1 -k identity in.png j1.png
	run -0 cf -j 2 -k identity in.png j2.png
	run -0 cf -j 5 -k identity in.png j5.png
	cmp j1.png j2.png
	cmp j1.png j5.png
	run -0 cf -j 5 -k identity j5.png j5.ppm
	run -0 cf -k identity in.png ref.ppm
	cmp j5.ppm ref.ppm
	# level 9 also tries Z_FILTERED per block and keeps the smaller
	run -0 cf -j 1 --png-level 9 -k identity in.png l1.png
	run -0 cf -j 5 --png-level 9 -k identity in.png l5.png
	cmp l1.png l5.png
	run -0 cf -j 5 -k identity l5.png l5.ppm
	cmp l5.ppm ref.ppm
}

@test "a written PNG is signature, IHDR, IDAT..., IEND with valid CRCs" {
	"$MKFIXTURE" png rgb 8 700 700 in.png
	run -0 cf -k identity in.png out.png
	assert_eq "$(head -c 8 out.png | od -An -tx1 | tr -d ' ')" \
	    89504e470d0a1a0a
	# a CRC error in any chunk fails the load (tests/bad.bats)
	assert_eq "$(tail -c 12 out.png | od -An -tx1 | tr -d ' \n')" \
	    0000000049454e44ae426082
	run -0 cf -k identity out.png out.ppm
}

@test "the PNG level changes the size but not the pixels" {
	"$MKFIXTURE" png gray 8 300 200 in.png
	run -0 cf -k box:3 --png-level 0 in.png l0.png
	run -0 cf -k box:3 --png-level 9 in.png l9.png
	[ "$(wc -c < l0.png)" -gt "$(wc -c < l9.png)" ]
	run -0 cf -k identity l0.png l0.pgm
	run -0 cf -k identity l9.png l9.pgm
	cmp l0.pgm l9.pgm
}

@test "a PNG written to stdout decodes" {
	"$MKFIXTURE" png graya 16 50 40 in.png
	cf --depth 16 -k identity in.png - -f png > out.png
	run -0 cf --depth 16 -k identity out.png trip.pam
	run -0 cf --depth 16 -k identity in.png ref.pam
	cmp trip.pam ref.pam
}

@test "an empty iCCP chunk is ignored, also under the sanitizers" {
	"$MKFIXTURE" png-empty-iccp e.png
	run -0 --separate-stderr cf -k identity e.png e.pgm
	assert_eq "$stderr" ""
	assert_eq "$(samples e.pgm)" 77
	run -0 cf -k identity e.png e2.png
	run -0 cf -k identity e2.png e2.pgm
	assert_eq "$(samples e2.pgm)" 77
}
