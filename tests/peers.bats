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
