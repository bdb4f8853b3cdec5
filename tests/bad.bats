#!/usr/bin/env bats
# bad.bats - the bad-input corpus: corrupt and hostile images and kernel
# files must each fail cleanly: exit 1, exactly one "convfilter:" line on
# stderr, nothing on stdout, no output file (not even a temporary one), an
# existing output untouched, within seconds and in bounded memory.
#
# The corpus is generated at test time by $MKBAD (tests/tools/mkbad.c)
# into a scratch directory; tests/bad/ holds the few small hand-made files
# (fuzzer findings) that are committed.  Files named lenient-* hold corrupt
# but recoverable data that --lenient loads with one warning.

load test_helper

: "${MKBAD:=$TOP/build/mkbad}"

setup_file() {
	export BAD=$BATS_FILE_TMPDIR/bad
	mkdir -p "$BAD"
	"$MKBAD" "$BAD"
	# the committed hand-made files join the generated ones
	find "$TOP/tests/bad" -maxdepth 1 -type f ! -name README \
	    -exec cp {} "$BAD/" \;
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	pgm 4 4 0 16 32 48 64 80 96 112 128 144 160 176 192 208 224 240 \
	    > in.pgm
}

# limited CMD... : run CMD with a 10 s timeout and, except under the
# sanitizers (which reserve terabytes of address space), about 1 GB of
# address space.
limited() {
	(
		case $CONVFILTER in
		*-san) ;;
		*) ulimit -v 1048576 ;;
		esac
		exec timeout 10 "$@"
	)
}

# clean_fail NAME ARGS... : convfilter ARGS... must fail with exit 1,
# print one "convfilter: " line on stderr and nothing on stdout, create
# no file in a fresh output directory and leave an existing output
# byte-identical.  Prints what went wrong and returns 1 otherwise.
clean_fail() {
	local name=$1 rc lines
	shift
	rm -rf o && mkdir o
	rc=0
	limited "$CONVFILTER" "$@" o/out.png > stdout.txt 2> stderr.txt ||
	    rc=$?
	lines=$(wc -l < stderr.txt)
	if [ "$rc" != 1 ]; then
		echo "$name: exit $rc: $(head -c 300 stderr.txt)"
		return 1
	fi
	if [ "$lines" != 1 ] || [[ $(cat stderr.txt) != "convfilter: "* ]]
	then
		echo "$name: $lines lines on stderr: $(head -c 300 stderr.txt)"
		return 1
	fi
	if [ -s stdout.txt ]; then
		echo "$name: wrote to stdout"
		return 1
	fi
	if [ -n "$(ls -A o)" ]; then
		echo "$name: left files: $(ls -A o)"
		return 1
	fi
	# an existing output survives
	cp in.pgm o/out.png
	limited "$CONVFILTER" "$@" o/out.png > /dev/null 2>&1 && {
		echo "$name: second run succeeded"
		return 1
	}
	if ! cmp -s in.pgm o/out.png || [ "$(ls -A o)" != out.png ]; then
		echo "$name: existing output changed or temporary file left"
		return 1
	fi
}

@test "the bad corpus is there: PNG, JPEG, PNM, kernels and lenient files" {
	local n
	for n in png-cut-chunk png-ihdr- png-crc- png-bomb jpeg-sof- jpeg-prog \
	    jpeg-scans pnm-maxval kernel-nan lenient-jpeg lenient-png \
	    tiff-cut-strip tiff-tile- tiff-1x1-bytecount-4g paged-tiff-ifd-loop \
	    tiff-strip-offset webp-lying-size webp-animated; do
		compgen -G "$BAD/$n*" > /dev/null || {
			echo "no $n* file"; false; }
	done
	[ "$(ls "$BAD" | wc -l)" -ge 100 ]
}

@test "every bad image fails cleanly: exit 1, one line, no output" {
	local f bad=
	for f in "$BAD"/*; do
		case ${f##*/} in *.kernel) continue ;; paged-*) f="--page 1 $f" ;; esac
		clean_fail "${f##*/}" -k identity $f || bad=1
	done
	[ -z "$bad" ]
}

@test "every bad image fails cleanly from stdin too" {
	local f bad= rc
	for f in "$BAD"/png-* "$BAD"/jpeg-* "$BAD"/pnm-* "$BAD"/tiff-* \
	    "$BAD"/webp-*; do
		rc=0
		limited "$CONVFILTER" -k identity - out.png < "$f" \
		    > stdout.txt 2> stderr.txt || rc=$?
		if [ "$rc" != 1 ] || [ "$(wc -l < stderr.txt)" != 1 ] ||
		    [ -s stdout.txt ] || [ -e out.png ]; then
			echo "${f##*/}: exit $rc: $(cat stderr.txt)"
			bad=1
		fi
	done
	[ -z "$bad" ]
}

@test "every bad kernel file fails cleanly: exit 1, one line, no output" {
	local f bad=
	for f in "$BAD"/*.kernel; do
		clean_fail "${f##*/}" -k "$f" in.pgm || bad=1
	done
	[ -z "$bad" ]
}

@test "bad images written to stdout leave stdout empty" {
	local f bad=
	for f in "$BAD"/png-cut-inside2.png "$BAD"/jpeg-scans-2112.jpg \
	    "$BAD"/lenient-jpeg-cut-data.jpg "$BAD"/pnm-above-maxval.pgm; do
		run -1 --separate-stderr limited "$CONVFILTER" -k identity \
		    "$f" -
		[ -z "$output" ] || { echo "${f##*/}: stdout"; bad=1; }
	done
	[ -z "$bad" ]
}

@test "a 100000x100000 PNG header on a tiny file is rejected at once" {
	local want="image is 100000x100000, over the 128000000-pixel limit (--max-pixels)"
	run -1 limited "$CONVFILTER" -k identity \
	    "$BAD/png-ihdr-100000x100000.png" out.png
	assert_eq "$output" "convfilter: '$BAD/png-ihdr-100000x100000.png': $want"
	# in 64 MB of address space, without the sanitizers
	case $CONVFILTER in *-san) return 0 ;; esac
	run -1 bash -c 'ulimit -v 65536; exec "$CONVFILTER" -k identity "$1" o.png' \
	    _ "$BAD/png-ihdr-100000x100000.png"
	assert_eq "$output" "convfilter: '$BAD/png-ihdr-100000x100000.png': $want"
}

@test "zlib bombs are stopped by the pixel limit or the exact size" {
	[ "$(wc -c < "$BAD/png-bomb-big.png")" -lt 200000 ]
	run -1 limited "$CONVFILTER" -k identity "$BAD/png-bomb-big.png" out.png
	assert_eq "$output" "convfilter: '$BAD/png-bomb-big.png': image is 20000x20000, over the 128000000-pixel limit (--max-pixels)"
	# 16x16 pixels followed by 64 MB of zeros: too much image data
	run -1 limited "$CONVFILTER" -k identity \
	    "$BAD/png-bomb-small.png" out.png
	assert_eq "$output" "convfilter: '$BAD/png-bomb-small.png': IDAT: Too much image data"
	no_file out.png
}

@test "a 1x1 PNG whose data inflates to 4 GiB fails at once, in 64 MB, --lenient or not" {
	local f=$BAD/png-bomb-4g.png
	[ "$(wc -c < "$f")" -lt 5000000 ]
	for opt in --quiet --lenient; do
		run -1 bash -c 'case $CONVFILTER in *-san) ;; *) ulimit -v 65536 ;; esac
		    exec timeout 5 "$CONVFILTER" -j 1 "$1" -k identity "$2" out.png' \
		    _ "$opt" "$f"
		assert_eq "$output" "convfilter: '$f': IDAT: Too much image data"
	done
	no_file out.png
	# a sound image that ends its zlib stream with its rows still loads
	"$MKFIXTURE" png rgb 8 3000 2 wide.png
	run -0 cf -k identity wide.png wide.pam
}

@test "--max-scans stops a JPEG with thousands of scans and names the option" {
	local f=$BAD/jpeg-scans-2112.jpg
	run -1 limited "$CONVFILTER" -k identity "$f" out.png
	assert_eq "$output" "convfilter: '$f': progressive JPEG has more than 100 scans (--max-scans)"
	run -1 limited "$CONVFILTER" --max-scans 10 -k identity "$f" out.png
	assert_eq "$output" "convfilter: '$f': progressive JPEG has more than 10 scans (--max-scans)"
	no_file out.png
	# 5000 scans (the last one repeated): stopped at once
	f=$BAD/jpeg-scans-5000.jpg
	run -1 timeout 2 "$CONVFILTER" --lenient -k identity "$f" out.png
	assert_eq "$output" "convfilter: '$f': progressive JPEG has more than 100 scans (--max-scans)"
	f=$BAD/jpeg-scans-2112.jpg
	# raised, the file is valid and loads
	run -0 limited "$CONVFILTER" --max-scans 5000 -k identity "$f" out.pgm
	[ -s out.pgm ]
	# an ordinary progressive JPEG (10 scans) is well under the default
	"$MKFIXTURE" jpeg progressive 32 32 p.jpg
	run -0 cf -k identity p.jpg p.png
	run -1 cf --max-scans 5 -k identity p.jpg p2.png
	[[ $output == *"(--max-scans)" ]]
}

@test "a 121 MP JPEG of thousands of scans is refused by its scan count, in 64 MB" {
	local f=$BAD/jpeg-scans-121mp.jpg
	want="progressive JPEG has more than 100 scans (--max-scans)"
	for src in file pipe; do
		run -1 bash -c 'case $CONVFILTER in *-san) ;; *) ulimit -v 65536 ;; esac
		    if [ "$1" = file ]; then exec timeout 5 "$CONVFILTER" -j 1 -k identity "$2" out.png
		    else exec timeout 5 "$CONVFILTER" -j 1 -k identity - out.png < "$2"; fi' \
		    _ "$src" "$f"
		[ "$src" = file ] || f=-
		assert_eq "$output" "convfilter: '$f': $want"
		f=$BAD/jpeg-scans-121mp.jpg
	done
	no_file out.png
	# counted ahead from a pipe, the scans still decode as from a file
	"$MKFIXTURE" jpeg progressive 40 30 p.jpg
	cf -k identity p.jpg from-file.pam
	cf -k identity - from-pipe.pam < <(cat p.jpg)
	cmp from-file.pam from-pipe.pam
	run -0 bash -c '"$CONVFILTER" --max-scans 5000 -k identity - out.pam < "$1"' _ "$BAD/jpeg-scans-2112.jpg"
	[ -s out.pam ]
}

@test "--max-scans takes a positive integer" {
	run -2 cf --max-scans 0 -k identity in.pgm out.png
	assert_eq "$output" "convfilter: --max-scans: '0' is not an integer from 1 to 4294967295"
	run -2 cf --max-scans x -k identity in.pgm out.png
	no_file out.png
}

@test "--lenient loads a truncated JPEG with one warning" {
	"$MKFIXTURE" jpeg rgb 64 64 full.jpg
	head -c $(( $(wc -c < full.jpg) * 2 / 3 )) full.jpg > cut.jpg
	run -1 cf -k identity cut.jpg out.png
	assert_eq "$output" "convfilter: 'cut.jpg': truncated JPEG data"
	no_file out.png
	run -0 --separate-stderr cf --lenient -k identity cut.jpg out.ppm
	assert_eq "$stderr" "convfilter: warning: 'cut.jpg': premature end of JPEG file (--lenient)"
	[ -z "$output" ]
	assert_eq "$(head -2 out.ppm | tr '\n' ' ')" "P6 64 64 "
	# a sound file gives no warning under --lenient
	run -0 --separate-stderr cf --lenient -k identity full.jpg full.ppm
	assert_eq "$stderr" ""
}

@test "--lenient loads every lenient-* file with exactly one warning" {
	local f bad= rc
	for f in "$BAD"/lenient-*; do
		rc=0
		limited "$CONVFILTER" --lenient -k identity "$f" out.pam \
		    > stdout.txt 2> stderr.txt || rc=$?
		if [ "$rc" != 0 ] || [ "$(wc -l < stderr.txt)" != 1 ] ||
		    [[ $(cat stderr.txt) != "convfilter: warning: "*"(--lenient)" ]] ||
		    [ ! -s out.pam ] || [ -s stdout.txt ]; then
			echo "${f##*/}: exit $rc: $(cat stderr.txt)"
			bad=1
		fi
		rm -f out.pam
	done
	[ -z "$bad" ]
}

@test "--lenient still rejects what cannot be recovered" {
	local f bad=
	for f in png-crc-idat.png png-crc-ihdr.png png-bad-zlib.png \
	    png-ihdr-depth3-type0.png jpeg-sof3-lossless.jpg \
	    jpeg-scans-2112.jpg pnm-above-maxval.pgm png-bomb-big.png; do
		clean_fail "$f" --lenient -k identity "$BAD/$f" || bad=1
	done
	[ -z "$bad" ]
}

@test "unused PNG metadata is skipped, but its CRC still checked" {
	# the tEXt chunk of the sound twin of lenient-png-crc-text.png
	run -1 cf -k identity "$BAD/lenient-png-crc-text.png" out.png
	assert_eq "$output" "convfilter: '$BAD/lenient-png-crc-text.png': tEXt: CRC error"
	no_file out.png
}

@test "hostile TIFF: the messages say what is wrong" {
	local f want
	while IFS='|' read -r f want; do
		run -1 limited "$CONVFILTER" -k identity "$BAD/$f" out.png
		assert_eq "$output" "convfilter: '$BAD/$f': $want"
	done <<-'EOF'
	tiff-cut-strip.tif|truncated TIFF strip
	tiff-strip-offset-past-end.tif|truncated TIFF strip
	tiff-tile-cut.tif|truncated TIFF tile
	tiff-tile-65536x65536.tif|TIFF tile 65536x65536 is too large
	tiff-huge-100000x100000.tif|image is 100000x100000, over the 128000000-pixel limit (--max-pixels)
	tiff-bps3.tif|unsupported TIFF samples of 3 bits (1, 2, 4, 8, 16 and float load)
	tiff-unknown-compression.tif|TIFF compression 4242 is not supported
	EOF
	no_file out.png
}

@test "a 1x1 TIFF claiming a 4 GB strip fails in 64 MB of address space" {
	local f
	for f in tiff-1x1-bytecount-4g.tif tiff-1x1-bytecount-4g-lzw.tif \
	    tiff-tile-65536x65536.tif; do
		clean_fail "$f" -k identity "$BAD/$f"
		case $CONVFILTER in *-san) continue ;; esac
		run -1 bash -c 'ulimit -v 65536; exec "$CONVFILTER" -k identity "$1" o.png' \
		    _ "$BAD/$f"
		[[ $output == "convfilter: '$BAD/$f': "* ]]
		[ "${#lines[@]}" = 1 ]
	done
}

@test "an IFD loop: page 0 loads, --page 1 and on fail cleanly" {
	local f=$BAD/paged-tiff-ifd-loop.tif
	run -0 cf -k identity "$f" p0.pgm
	run -1 limited "$CONVFILTER" --page 1 -k identity "$f" p1.pgm
	assert_eq "$output" "convfilter: '$f': --page 1: the TIFF has 1 page (the first is 0)"
	run -1 limited "$CONVFILTER" --page 9999 -k identity - p1.pgm < "$f"
	[[ $output == "convfilter: '-': --page 9999: "* ]]
	no_file p1.pgm
}

@test "a WebP whose RIFF size lies costs only the bytes there are" {
	local f=$BAD/webp-lying-size.webp
	run -1 limited "$CONVFILTER" -k identity "$f" out.png
	assert_eq "$output" "convfilter: '$f': truncated WebP data (84 of 2147483640 bytes)"
	f=$BAD/webp-16384x16384.webp
	run -1 limited "$CONVFILTER" -k identity "$f" out.png
	assert_eq "$output" "convfilter: '$f': image is 16384x16384, over the 128000000-pixel limit (--max-pixels)"
	run -1 limited "$CONVFILTER" -k identity "$BAD/riff-wave.webp" out.png
	assert_eq "$output" "convfilter: '$BAD/riff-wave.webp': not a WebP file (a RIFF file of another kind)"
	no_file out.png
}
