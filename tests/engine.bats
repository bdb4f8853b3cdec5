#!/usr/bin/env bats
# The engine through the command line: values, shapes, pad modes, stages.
# (tests/unit/test_conv.c checks the float results before rounding.)

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	pgm 3 3 0 1 2 3 4 5 6 7 8 > n9.pgm
}

@test "course notes: 3x3 input 0..8 with [[0,1],[2,3]] valid gives 19 25 37 43" {
	printf '0 1\n2 3\n' > k.kernel
	run -0 cf -k ./k.kernel -p valid -f pnm n9.pgm out.pgm
	assert_eq "$(samples out.pgm)" "19 25 37 43"
	assert_eq "$(sed -n 2p out.pgm)" "2 2"
}

@test "the 1/16 binomial kernel rounds 68.75 to 69" {
	pgm 3 3 100 100 100 100 100 0 100 0 0 > a.pgm
	printf 'scale 1/16\n1 2 1\n2 4 2\n1 2 1\n' > b.kernel
	run -0 cf -k ./b.kernel -p valid -f pnm a.pgm out.pgm
	# (100*(1+2+1+2+4+1) + 0*(2+1+2)) / 16 = 68.75 -> 69
	assert_eq "$(samples out.pgm)" "69"
}

@test "rounding is half away from zero, not truncation" {
	# [1 1]/2 on 0 1 gives 0.5 -> 1; on 2 3 gives 2.5 -> 3
	printf 'scale 1/2\n1 1\n' > h.kernel
	pgm 4 1 0 1 2 3 > r.pgm
	run -0 cf -k ./h.kernel -p valid -f pnm r.pgm out.pgm
	assert_eq "$(samples out.pgm)" "1 2 3"
}

@test "--round: nearest, even, floor and truncate at ties, with their clipping" {
	# [1 1]/2 - 1 on 0..6 gives -0.5 0.5 1.5 2.5 3.5 4.5
	printf 'scale 1/2\n1 1\n' > h.kernel
	pgm 7 1 0 1 2 3 4 5 6 > r.pgm
	local m want ns
	for m in nearest:"0 1 2 3 4 5":1 even:"0 0 2 2 4 4":0 \
	    floor:"0 0 1 2 3 4":1 truncate:"0 0 1 2 3 4":0; do
		for ns in --no-stream -j1; do
			run -0 cf "$ns" -v --round "${m%%:*}" --bias -1 \
			    -k ./h.kernel -p valid -f pnm r.pgm out.pgm
			want=${m#*:}
			assert_eq "$(samples out.pgm)" "${want%:*}"
			# -0.5 is clipped low only where it rounds below 0
			[[ $output == *"per channel: 0:${m##*:}/0"* ]]
		done
	done
	# at the top: 255.5 is 256 (clipped) to nearest and even, 255 down
	pgm 2 1 255 255 > w.pgm
	for m in nearest:1 even:1 floor:0 truncate:0; do
		run -0 cf -v --round "${m%%:*}" --bias 0.5 -k ./h.kernel \
		    -p valid -f pnm w.pgm out.pgm
		assert_eq "$(samples out.pgm)" 255
		[[ $output == *"per channel: 0:0/${m#*:}"* ]]
	done
	# 16-bit output: (k + 0.5) * 257 = 257 k + 128.5, to even or down
	for m in "even:128 386 642 900 1156 1414" \
	    "floor:128 385 642 899 1156 1413"; do
		for ns in --no-stream -j1; do
			run -0 cf "$ns" --round "${m%%:*}" --depth 16 \
			    -k ./h.kernel -p valid -f pnm r.pgm o16.pgm
			assert_eq "$(tail -c 12 o16.pgm | od -An -v --endian=big \
			    -tu2 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')" \
			    "${m#*:}"
		done
	done
	run -2 cf --round up -k box:3 r.pgm out.pgm
	assert_eq "$output" "convfilter: --round: 'up' is not nearest, even, floor or truncate"
}

@test "stride and padding give the formula's output shape" {
	pgm 7 5 $(seq 0 34) > s.pgm
	printf '1 1 1\n1 1 1\n1 1 1\n' > k3.kernel
	# same: ceil(n/s)
	run -0 cf -k ./k3.kernel -s 2 -f pnm s.pgm out.pgm
	assert_eq "$(sed -n 2p out.pgm)" "4 3"
	# explicit: floor((n + 2p - d(k-1) - 1)/s) + 1
	run -0 cf -k ./k3.kernel -s 3x2 -p 1 -f pnm s.pgm out.pgm
	assert_eq "$(sed -n 2p out.pgm)" "4 2"
	run -0 cf -k ./k3.kernel -d 2 -p valid -f pnm s.pgm out.pgm
	assert_eq "$(sed -n 2p out.pgm)" "3 1"
	run -0 cf -k ./k3.kernel -d 2x1 -p 0x2 -s 1x2 -f pnm s.pgm out.pgm
	assert_eq "$(sed -n 2p out.pgm)" "5 1"
}

@test "course notes: stride (3,2) with zero padding 1 gives 0 8 6 8" {
	printf '0 1\n2 3\n' > k.kernel
	run -0 cf -k ./k.kernel -s 3x2 -p 1 --pad-mode zero -f pnm n9.pgm out.pgm
	assert_eq "$(samples out.pgm)" "0 8 6 8"
}

@test "a kernel larger than the padded input is exit 1" {
	printf '1 1 1 1\n1 1 1 1\n1 1 1 1\n1 1 1 1\n' > k4.kernel
	run -1 cf -k ./k4.kernel -p valid n9.pgm out.pgm
	[[ $output == "convfilter: './k4.kernel': "* ]]
	no_file out.pgm
}

@test "every pad mode reads the right samples at the corner" {
	# a 3x3 kernel picking the top-left tap, padding 1: output (0,0)
	# reads the sample at (-1,-1)
	printf '1 0 0\n0 0 0\n0 0 0\n' > tl.kernel
	for m in zero constant=9 replicate reflect symmetric circular; do
		cf -k ./tl.kernel -p 1 --pad-mode $m -f pnm n9.pgm out-$m.pgm
	done
	assert_eq "$(samples out-zero.pgm)"       "0 0 0 0 0 1 0 3 4"
	assert_eq "$(samples out-constant=9.pgm)" "9 9 9 9 0 1 9 3 4"
	assert_eq "$(samples out-replicate.pgm)"  "0 0 1 0 0 1 3 3 4"
	assert_eq "$(samples out-reflect.pgm)"    "4 3 4 1 0 1 4 3 4"
	assert_eq "$(samples out-symmetric.pgm)"  "0 0 1 0 0 1 3 3 4"
	assert_eq "$(samples out-circular.pgm)"   "8 6 7 2 0 1 5 3 4"
}

@test "pad modes work with padding larger than the image (numpy.pad rules)" {
	pgm 3 1 10 20 30 > row.pgm
	printf '1\n' > one.kernel
	for m in reflect symmetric circular replicate; do
		cf -k ./one.kernel -p 0x5 --pad-mode $m -f pnm row.pgm out-$m.pgm
	done
	# numpy.pad([10,20,30], 5, mode)
	assert_eq "$(samples out-reflect.pgm)"   "20 10 20 30 20 10 20 30 20 10 20 30 20"
	assert_eq "$(samples out-symmetric.pgm)" "20 30 30 20 10 10 20 30 30 20 10 10 20"
	assert_eq "$(samples out-circular.pgm)"  "20 30 10 20 30 10 20 30 10 20 30 10 20"
	assert_eq "$(samples out-replicate.pgm)" "10 10 10 10 10 10 20 30 30 30 30 30 30"
}

@test "--flip turns correlation into convolution" {
	printf '0 1\n2 3\n' > k.kernel
	run -0 cf -k ./k.kernel --flip -p valid -f pnm n9.pgm out.pgm
	# rotated kernel [[3,2],[1,0]]: 0*3+1*2+3*1+4*0 = 5, ...
	assert_eq "$(samples out.pgm)" "5 11 23 29"
}

@test "a chain runs stages in order in float" {
	# [1 1]/2 then [1 1]/2 valid on 0 1 0 1: 0.5 0.5 0.5 -> 0.5 0.5 -> 1 1
	# (rounding between stages would give 1 1 1 -> 1 1 too, so check
	# scale: 0.5*3 = 1.5 -> 2 only if the intermediate stayed 0.5)
	printf 'scale 1/2\n1 1\n' > h.kernel
	pgm 4 1 0 1 0 1 > r.pgm
	run -0 cf -k ./h.kernel -k ./h.kernel -p valid --scale 3 -f pnm r.pgm out.pgm
	assert_eq "$(samples out.pgm)" "2 2"
}

@test "a plain kernel filters each channel independently" {
	ppm 2 1 10 20 30 40 50 60 > c.ppm
	printf '1 1\n' > s.kernel
	run -0 cf -k ./s.kernel -p valid -f pnm c.ppm out.ppm
	assert_eq "$(samples out.ppm)" "50 70 90"
}

@test "a filter bank maps RGB to gray" {
	ppm 2 1 100 50 10 0 255 0 > c.ppm
	printf 'shape 1 3 1 1\n0.299 0.587 0.114\n' > gray.kernel
	run -0 cf -k ./gray.kernel -f pnm c.ppm out.pgm
	# 29.9 + 29.35 + 1.14 = 60.39 -> 60; 149.685 -> 150
	assert_eq "$(head -c 2 out.pgm)" "P5"
	assert_eq "$(samples out.pgm)" "60 150"
}

@test "a filter bank with groups and bias" {
	ppm 1 1 10 20 30 > c.ppm
	# two groups would need channels divisible by 2: 3 is not
	printf 'shape 3 1 1 1\ngroups 3\nbias 1 2 3\n1 2 3\n' > g.kernel
	run -0 cf -k ./g.kernel -f pnm c.ppm out.ppm
	assert_eq "$(samples out.ppm)" "11 42 93"
}

@test "channel counts that do not match a filter bank are exit 1" {
	printf 'shape 1 3 1 1\n1 1 1\n' > rgb.kernel
	run -1 cf -k ./rgb.kernel n9.pgm out.pgm
	[[ $output == "convfilter: './rgb.kernel': "* ]]
	no_file out.pgm
}

@test "--abs --scale --bias apply in that order" {
	printf -- '-1 1\n' > d.kernel
	pgm 3 1 50 10 30 > r.pgm
	# differences -40, 20 -> abs 40 20 -> *2 80 40 -> +5 85 45
	run -0 cf -k ./d.kernel -p valid --abs --scale 2 --bias 5 -f pnm r.pgm out.pgm
	assert_eq "$(samples out.pgm)" "85 45"
	# without abs the negative clamps to 0
	run -0 cf -k ./d.kernel -p valid --scale 2 --bias 5 -f pnm r.pgm out.pgm
	assert_eq "$(samples out.pgm)" "0 45"
}

@test "--normalize stretches each channel, a constant channel becomes 0" {
	pgm 3 1 10 20 30 > r.pgm
	run -0 cf --normalize -f pnm r.pgm out.pgm
	assert_eq "$(samples out.pgm)" "0 128 255"
	pgm 2 1 7 7 > c.pgm
	run -0 cf --normalize -f pnm c.pgm out.pgm
	assert_eq "$(samples out.pgm)" "0 0"
}

@test "sobel:x is positive where intensity increases to the right" {
	pgm 3 3 0 0 100 0 0 100 0 0 100 > e.pgm
	run -0 cf -k sobel:x -f pnm e.pgm out.pgm
	# centre: 1*100 + 2*100 + 1*100 = 400 -> 255; left column 0; the
	# right column sees the replicated edge: 100 - 0 -> 255 too
	assert_eq "$(samples out.pgm)" "0 255 255 0 255 255 0 255 255"
	run -0 cf -k sobel:y -f pnm e.pgm out.pgm
	assert_eq "$(samples out.pgm)" "0 0 0 0 0 0 0 0 0"
}

@test "sobel:y is positive where intensity increases downwards" {
	pgm 3 3 0 0 0 0 0 0 10 10 10 > e.pgm
	run -0 cf -k sobel:y -f pnm e.pgm out.pgm
	# bottom row: replicated 10 below, 0 above -> 40
	assert_eq "$(samples out.pgm)" "0 0 0 40 40 40 40 40 40"
	run -0 cf -k sobel:y --pad-mode zero -f pnm e.pgm out.pgm
	# zero padding: the bottom row sees 0 below and 0 above, and the
	# middle row loses its taps outside the image at the sides
	assert_eq "$(samples out.pgm)" "0 0 0 30 40 30 0 0 0"
}

@test "sobel is the gradient magnitude" {
	# a diagonal ramp: gx = gy = 8 everywhere inside -> sqrt(128) = 11.31
	pgm 3 3 0 1 2 1 2 3 2 3 4 > d.pgm
	run -0 cf -k sobel -p valid -f pnm d.pgm out.pgm
	assert_eq "$(samples out.pgm)" "11"
}

@test "gaussian keeps a flat image flat, box:5 too" {
	pgm 4 4 $(for i in $(seq 16); do echo 77; done) > f.pgm
	run -0 cf -k gaussian:2 -f pnm f.pgm out.pgm
	assert_eq "$(samples out.pgm)" "$(echo $(for i in $(seq 16); do echo 77; done))"
	run -0 cf -k box:5 -f pnm f.pgm out.pgm
	assert_eq "$(samples out.pgm)" "$(echo $(for i in $(seq 16); do echo 77; done))"
}

@test "the canonical calls of the README work" {
	cf --kernel sobel "$TOP/samples/chart.png" out.png
	cf -k gaussian:2 "$TOP/samples/photo.jpg" blurred.jpg
	cf -k box:5 -k sobel:x "$TOP/samples/chart.png" - > edges.png
	cat "$TOP/samples/photo.jpg" | cf -k sharpen - sharp.png
	cf -k gaussian:sigma=1.5,size=7 "$TOP/samples/photo.png" g.png
	for f in out.png blurred.jpg edges.png sharp.png g.png; do
		cf "$f" "$f.pam"
		[ "$(pnm_numel "$f.pam")" -gt 1000 ]
	done
}
