#!/usr/bin/env bats
# determinism.bats - the same input gives byte-identical output across
# runs and, once the engine takes --jobs, across thread counts.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# jobs_supported : whether this convfilter has --jobs.
jobs_supported() {
	"$CONVFILTER" --help | grep -q -- '--jobs'
}

# same_bytes ARGS... : three runs of convfilter ARGS... OUT give the same
# bytes (ARGS ends with the input; the output name's extension is .EXT).
same_bytes() {
	local ext=$1 i
	shift
	for i in 1 2 3; do
		cf "$@" "run$i.$ext" || return 1
	done
	cmp run1.$ext run2.$ext && cmp run1.$ext run3.$ext
}

@test "the same input gives byte-identical output across runs" {
	local k
	for k in identity box:5 gaussian:2 sobel sharpen emboss \
	    "unsharp:sigma=1,amount=0.5"; do
		same_bytes png -k "$k" "$TOP/samples/chart.png"
		same_bytes pam -k "$k" --pad-mode reflect "$TOP/samples/photo.png"
		same_bytes jpg -k "$k" -q 85 "$TOP/samples/photo.jpg"
	done
	same_bytes ppm -k box:3 -k sobel:x --abs --normalize -s 2 \
	    "$TOP/samples/photo.jpg"
}

@test "the output does not depend on the thread count (--jobs)" {
	jobs_supported || skip "this convfilter has no --jobs"
	local k j
	for k in box:7 gaussian:2 sobel "$TOP/filters/sepia.kernel"; do
		cf --jobs 1 -k "$k" "$TOP/samples/photo.png" want.pam
		for j in 2 3 4 8; do
			cf --jobs "$j" -k "$k" "$TOP/samples/photo.png" got.pam
			cmp want.pam got.pam
		done
	done
}
