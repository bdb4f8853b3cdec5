#!/usr/bin/env bats
# stream.bats - one stage is streamed through a ring of rows (stream.c);
# its output must be the whole-image pipeline's (--no-stream) byte for
# byte, for every kind of stage, option and format.  (tests/rows.bats
# checks the codecs' row paths; tests/unit/test_stream.c the engine over
# a grid of shapes and parameters.)

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# same ARGS... : convfilter ARGS in.png s.EXT and with --no-stream
# w.EXT give the same status, stderr (but -v's line on how it ran) and
# bytes; EXT from $EXT (ppm).
same() {
	local e=${EXT:-ppm} rs rw
	rm -f "s.$e" "w.$e"
	"$CONVFILTER" -v "$@" "${IN:-$TOP/samples/photo.png}" "s.$e" \
	    2> s.err && rs=0 || rs=$?
	"$CONVFILTER" -v --no-stream "$@" "${IN:-$TOP/samples/photo.png}" \
	    "w.$e" 2> w.err && rw=0 || rw=$?
	# every job streams (but one that fails before it runs)
	[ "$rs" != 0 ] || grep -q ": streamed, " s.err ||
	    { echo "not streamed: $*"; cat s.err; false; }
	assert_eq "$rs $(sed "s/s\.$e/OUT/; /: streamed, /d" s.err)" \
	    "$rw $(sed "s/w\.$e/OUT/; /: whole images in memory/d" w.err)"
	[ "$rs" != 0 ] || cmp "s.$e" "w.$e"
}

@test "every preset streams to the whole-image result" {
	local k
	for k in identity box:5 gaussian:2 gaussian:sigma=0.7 sobel sobel:x \
	    prewitt scharr laplacian sharpen emboss unsharp binomial3 \
	    relief motion-blur 'gaussian:sigma=3,size=5'; do
		same -k "$k"
	done
}

@test "strides, paddings, dilations, pad modes and flip stream alike" {
	local m
	for m in zero constant=37.5 replicate reflect symmetric circular; do
		same -k sharpen --pad-mode "$m"
		same -k box:4 -s 2 -p 3 -d 2 --pad-mode "$m"
		same -k emboss -s 3x2 -p valid --flip --pad-mode "$m"
	done
}

@test "conversions, clipping counts and filter banks stream alike" {
	same -v -k sobel:x --abs --scale 0.37 --bias 3.1
	same -v -k laplacian --bias 128
	same -k rgb-to-gray
	same -k sepia
	same -k rgb-fringe -f pam
}

@test "alpha kept, separate or premultiplied streams alike" {
	local a k
	for k in sobel sharpen gaussian:2; do
		for a in keep separate premultiply; do
			IN=$TOP/samples/chart.png EXT=png same -k "$k" --alpha "$a"
			IN=$TOP/samples/chart.png EXT=pam same -k "$k" --alpha "$a"
		done
	done
	# JPEG drops alpha with the same warning
	IN=$TOP/samples/chart.png EXT=jpg same -k sobel
	grep -q "alpha dropped" s.err
}

@test "16-bit input and --depth stream alike" {
	perl -e 'print "P6\n70 45\n65535\n",
	    pack("n*", map { $_ * 37 % 65536 } 0 .. 70 * 45 * 3 - 1)' > in16.ppm
	IN=in16.ppm same -k gaussian:2
	IN=in16.ppm same -k sobel --scale 0.5
	IN=in16.ppm same --depth 8 -k sharpen
	same --depth 16 -k box:3
	# the 16-bit output holds more than 256 levels
	run -0 cf -k gaussian:2 in16.ppm out.ppm
	[ "$(head -c 20 out.ppm | sed -n 3p)" = 65535 ]
}

@test "16-bit output from the exact last stage streams alike: every kind, any -j" {
	local j
	# random 16-bit RGB, and RGBA for the alpha modes
	perl -e 'srand(16); print "P6\n53 41\n65535\n",
	    pack("n*", map { int(rand(65536)) } 1 .. 53 * 41 * 3)' > in16.ppm
	"$MKFIXTURE" png rgba 16 37 29 rgba16.png
	printf 'shape 3 3 3 3\nbias 1.5 -2.25 7\n%s\n' "$(awk 'BEGIN {
	    srand(3); for (i = 0; i < 81; i++) printf "%.6f ", rand() - 0.4 }')" \
	    > bank.kernel
	for j in 1 2 5; do
		# the float last stage (its recomputed samples in double)
		IN=in16.ppm same -j "$j" -k gaussian:0.8
		IN=in16.ppm same -j "$j" -k sobel --abs --scale 0.7 --bias 3
		IN=in16.ppm same -j "$j" -k gaussian:0.7 -s 2 -d 2 -p 1
		# the exact pipeline's last node in double
		IN=in16.ppm same -j "$j" -k gaussian:3
		IN=in16.ppm same -j "$j" -k ./bank.kernel
		IN=in16.ppm same -j "$j" -k box:2 -k ./bank.kernel -k sobel
		IN=in16.ppm same -j "$j" -k gaussian:0.7 -k avgpool:3
		IN=in16.ppm same -j "$j" --transpose -s 2 -k gaussian:0.6
		IN=in16.ppm same -j "$j" --transpose -k sobel
		# not exact16: alpha kept or premultiplied, --normalize, --linear
		for a in keep separate premultiply; do
			IN=rgba16.png EXT=png same -j "$j" -k gaussian:0.8 \
			    --alpha "$a"
		done
		IN=in16.ppm same -j "$j" -k gaussian:0.8 --normalize
		IN=in16.ppm same -j "$j" -k gaussian:0.8 --linear
	done
}

@test "a tall image streams through many strips and batches, any -j" {
	# 1 x 3000 and 3000 x 7: strips, ring wrap and column blocks
	perl -e 'print "P5\n1 3000\n255\n", pack("C*", map { $_ * 7 % 256 }
	    0 .. 2999)' > tall.pgm
	perl -e 'print "P5\n3000 7\n255\n", pack("C*", map { $_ * 13 % 256 }
	    0 .. 20999)' > wide.pgm
	local f j
	for f in tall.pgm wide.pgm; do
		for j in 1 2 3 8; do
			IN=$f EXT=pgm same -j "$j" -k gaussian:3
			IN=$f EXT=pgm same -j "$j" -k sharpen -s 2 \
			    --pad-mode reflect
		done
	done
}

@test "to stdout: streamed output appears only when the input is whole" {
	cf -k sobel -f pnm "$TOP/samples/photo.png" - > s.ppm
	cf --no-stream -k sobel -f pnm "$TOP/samples/photo.png" - > w.ppm
	cmp s.ppm w.ppm
	# a PNG cut in its image data: no byte on stdout, one error line
	head -c 20000 "$TOP/samples/photo.png" > cut.png
	cf -k sobel -f pnm cut.png - > out.ppm 2> err || rc=$?
	[ "$rc" = 1 ]
	[ ! -s out.ppm ]
	[ "$(wc -l < err)" = 1 ]
	# and to a file: none made
	run -1 cf -k sobel cut.png out.png
	no_file out.png
}

@test "--no-stream is in the help and the man page" {
	run -0 cf --help
	[[ "$output" == *"--no-stream"* ]]
	grep -q 'no-stream' "$TOP/man/convfilter.1"
}

@test "--jpeg-optimize: smaller JPEG, the same pixels" {
	run -0 cf -k gaussian:2 "$TOP/samples/photo.png" std.jpg
	run -0 cf --jpeg-optimize -k gaussian:2 "$TOP/samples/photo.png" opt.jpg
	[ "$(wc -c < opt.jpg)" -lt "$(wc -c < std.jpg)" ]
	run -0 cf -k identity std.jpg std.ppm
	run -0 cf -k identity opt.jpg opt.ppm
	cmp std.ppm opt.ppm
	grep -q 'jpeg-optimize' "$TOP/man/convfilter.1"
}

@test "weights too large for float sums: the last stage sums in double" {
	printf '1e35 0 -1e35\n' > huge.kernel
	same -k huge.kernel
	grep -q ': streamed, 1 stage, peak ring [0-9]* rows$' s.err
	printf '3e-39 1e-45\n' > tiny.kernel
	same -k tiny.kernel
}

@test "every job streams: chains, pooling, transposed, alpha, --linear, --normalize" {
	local a
	same -k box:5 -k sobel:x --abs
	same -k gaussian:1 -k maxpool:2 -k sobel
	same -k avgpool:3,stride=1,pad=1 -k sharpen -k maxpool:2
	same -k gaussian:2 --linear
	same -k box:3 -k unsharp --linear --scale 0.9 --bias 4
	same -k gaussian:2 --normalize
	same -k sobel:x --normalize --abs
	same -k maxpool:3,stride=2,pad=1
	same --transpose -k box:2 -s 2 -p valid --scale 4
	same --transpose -k sharpen -k maxpool:2
	same --transpose -k sobel -s 2 -p 1 --output-padding 1
	same -k box:3 --transpose -k scharr:x -k scharr
	same
	for a in premultiply separate keep; do
		IN=$TOP/samples/chart.png EXT=png same -k gaussian:2 --alpha "$a"
		IN=$TOP/samples/chart.png EXT=png same -k box:3 -k gaussian:1 \
		    --alpha "$a" --linear
	done
	IN=$TOP/samples/chart.png EXT=jpg same -k gaussian:2
	IN=$TOP/samples/chart.png EXT=png same --normalize -k emboss
}

@test "every --round mode streams alike: plain, scaled, --linear, --normalize, alpha, 16-bit, any -j" {
	local m j
	perl -e 'print "P6\n71 45\n65535\n",
	    pack("n*", map { $_ * 37 % 65536 } 0 .. 71 * 45 * 3 - 1)' > in16.ppm
	printf 'scale 1/2\n1 1\n' > half.kernel
	for m in nearest even floor truncate; do
		same -v --round "$m" -k ./half.kernel
		same -v --round "$m" -k binomial3
		same -v --round "$m" -k sobel:x --bias -0.5
		same -v --round "$m" -k sobel:x --abs --scale 0.37 --bias 3.1
		same -v --round "$m" -k gaussian:2 --linear
		same -v --round "$m" -k ./half.kernel -k sobel:y --normalize
		IN=$TOP/samples/chart.png EXT=png same --round "$m" \
		    -k gaussian:1 --alpha premultiply
		IN=$TOP/samples/chart.png EXT=png same --round "$m" \
		    -k sobel --alpha keep
		for j in 1 3; do
			IN=in16.ppm same -j "$j" --round "$m" -k ./half.kernel
			IN=in16.ppm same -j "$j" --round "$m" -k box:3 --linear
			same -j "$j" --round "$m" --depth 16 -k gaussian:1
		done
	done
	# the modes do differ on these ties
	cf --round even -k ./half.kernel "$TOP/samples/photo.png" e.ppm
	cf --round floor -k ./half.kernel "$TOP/samples/photo.png" f.ppm
	cf -k ./half.kernel "$TOP/samples/photo.png" n.ppm
	! cmp -s e.ppm n.ppm
	! cmp -s f.ppm n.ppm
}

@test "16-bit data, .npy tensors in and out, and any -j stream alike" {
	local j
	perl -e 'print "P6\n71 45\n65535\n",
	    pack("n*", map { $_ * 37 % 65536 } 0 .. 71 * 45 * 3 - 1)' > in16.ppm
	for j in 1 2 5; do
		IN=in16.ppm same -j "$j" -k gaussian:2 -k sharpen
		IN=in16.ppm same -j "$j" -k box:3 --linear
		IN=in16.ppm same -j "$j" -k maxpool:2 --normalize
		EXT=npy same -j "$j" -k gaussian:1 -k sobel:y
	done
	run -0 cf -k identity "$TOP/samples/photo.png" x.npy
	IN=x.npy same -k box:3
	IN=x.npy EXT=npy same -k gaussian:2 -k maxpool:2
}

@test "planar .npy streams by planes from files and pipes, in and out" {
	# over 16 MiB of floats, so read and written by planes (a smaller
	# array is held whole: one read, one write)
	perl -e 'print "P6\n1500 1000\n255\n"; print pack("C*", map { ($_ * 7 + ($_ >> 11)) % 256 } 0 .. 1500 * 1000 * 3 - 1)' > big.ppm
	run -0 cf -k identity big.ppm big.npy
	[ "$(wc -c < big.npy)" -gt $((16 << 20)) ]
	cf -k sobel:x big.npy bf.npy
	cf --no-stream -k sobel:x big.npy bw.npy
	cmp bf.npy bw.npy
	cat big.npy | cf -k sobel:x - bp.npy
	cmp bf.npy bp.npy
	cf -k sobel:x -f npy big.npy - | cat > bq.npy
	cmp bf.npy bq.npy
	head -c 17000000 big.npy > bt.npy
	run -1 cf -k box bt.npy o.ppm
	[[ $output == *": npy: truncated data (16999872 of 18000000 bytes)" ]]
	run -1 cf -k box - o.ppm < <(cat bt.npy)
	[[ $output == *": npy: truncated data (16999872 of 18000000 bytes)" ]]
	run -0 cf -k identity "$TOP/samples/photo.png" x.npy
	cf -k gaussian:2 -k sobel:y x.npy f.npy
	cf --no-stream -k gaussian:2 -k sobel:y x.npy w.npy
	cmp f.npy w.npy
	# from a pipe (the planes are copied aside) and to a pipe (spooled)
	cat x.npy | cf -k gaussian:2 -k sobel:y - p.npy
	cmp f.npy p.npy
	cf -k gaussian:2 -k sobel:y -f npy x.npy - | cat > q.npy
	cmp f.npy q.npy
	# -f npy onto a file that is appended to cannot seek: spooled too
	printf 'x' > a.npy
	cf -k gaussian:2 -k sobel:y -f npy x.npy - >> a.npy
	cmp <(tail -c +2 a.npy) f.npy
	# truncated or padded data fails before anything is written
	local n=$(( $(wc -c < x.npy) - 1 ))
	head -c "$n" x.npy > t.npy
	run -1 cf -k box t.npy o.ppm
	[[ $output == *": npy: truncated data ($(( n - 128 )) of $(( n + 1 - 128 )) bytes)" ]]
	run -1 cf -k box - o.ppm < <(cat t.npy)
	[[ $output == *": npy: truncated data ($(( n - 128 )) of $(( n + 1 - 128 )) bytes)" ]]
	{ cat x.npy; printf 'ab'; } > j.npy
	run -1 cf -k box j.npy o.ppm
	[[ $output == *": npy: 2 bytes of data after the array" ]]
	run -1 cf -k box - o.ppm < <(cat j.npy)
	[[ $output == *": npy: 2 bytes of data after the array" ]]
	no_file o.ppm
}

@test "-v says how a job runs; --normalize reads a pipe twice from a copy" {
	run -0 cf -v -k box:5 -k sobel:x --abs "$TOP/samples/photo.png" o.png
	[[ $output == *"streamed, 2 stages, peak ring "*" rows (last stage in float)"* ]]
	run -0 cf -v --no-stream -k box:5 "$TOP/samples/photo.png" o.png
	[[ $output == *"whole images in memory"* ]]
	cat "$TOP/samples/photo.png" |
	    cf -k gaussian:2 --normalize -f pnm - - > p.ppm
	cf --no-stream -k gaussian:2 --normalize "$TOP/samples/photo.png" w.ppm
	cmp p.ppm w.ppm
}
