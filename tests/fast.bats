#!/usr/bin/env bats
# The fast engine through the command line: threads (-j) never change the
# output.  (tests/unit/test_fast.c compares it with the reference engine.)

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "-j 1 and -j 2 give byte-identical output on the sample photo" {
	for k in sobel gaussian:2 box:5 sharpen; do
		run -0 cf -j 1 -k "$k" -f pnm "$TOP/samples/photo.png" one.ppm
		run -0 cf --jobs 2 -k "$k" -f pnm "$TOP/samples/photo.png" two.ppm
		run -0 cf -j 7 -k "$k" -f pnm "$TOP/samples/photo.png" seven.ppm
		cmp one.ppm two.ppm
		cmp one.ppm seven.ppm
	done
}

@test "a chain with stride and dilation is the same with any -j" {
	run -0 cf -j 1 -k box:3 -k sobel:x --abs -s 2 -d 2 -f pnm \
	    "$TOP/samples/photo.png" one.ppm
	run -0 cf -j 3 -k box:3 -k sobel:x --abs -s 2 -d 2 -f pnm \
	    "$TOP/samples/photo.png" three.ppm
	cmp one.ppm three.ppm
}

@test "rejects -j 0 and a non-number" {
	run -2 cf -j 0 -k box "$TOP/samples/photo.png" out.png
	[[ "$output" == "convfilter: --jobs: "* ]]
	run -2 cf --jobs x -k box "$TOP/samples/photo.png" out.png
	[[ "$output" == "convfilter: --jobs: "* ]]
	[ ! -e out.png ]
}
