#!/bin/sh
# memcheck.sh CONVFILTER MKFIXTURE MKBAD - run a representative subset of
# convfilter under valgrind memcheck: identity, box and sobel on PNG,
# JPEG, PNM, TIFF and WebP, a chain, stdout output, and a few error paths (corrupt
# input, a hostile header, a bad kernel file, a full disk).  Every run
# must give its expected exit status and valgrind must report no error
# and no definite, indirect or possible leak (memory still reachable at
# exit, which die() leaves, is not a leak).  Used by `make memcheck`.
set -u
cf=$1 mkfixture=$2 mkbad=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$mkfixture" png rgba 8 24 16 "$tmp/in.png"
"$mkfixture" png gray 16 --interlace 9 7 "$tmp/in16.png"
"$mkfixture" jpeg rgb 24 16 "$tmp/in.jpg"
"$mkfixture" jpeg progressive 24 16 "$tmp/prog.jpg"
printf 'P6\n3 2\n255\n0123456789abcdefgh' > "$tmp/in.ppm"
"$cf" -k identity "$tmp/in.png" "$tmp/in.tif"
"$cf" -k identity "$tmp/in16.png" "$tmp/in16.tif"
"$cf" -k identity "$tmp/in.png" "$tmp/in.webp"
mkdir "$tmp/bad"
"$mkbad" "$tmp/bad"

vg() {
	valgrind -q --error-exitcode=99 --leak-check=full \
	    --show-leak-kinds=definite,indirect,possible \
	    --errors-for-leak-kinds=definite,indirect,possible "$@"
}

runs=0 failed=0
# check WANT ARGS... : convfilter ARGS... exits WANT with no valgrind error
check() {
	want=$1
	shift
	runs=$((runs + 1))
	vg "$cf" "$@" > "$tmp/stdout" 2> "$tmp/log"
	rc=$?
	if [ "$rc" != "$want" ]; then
		failed=$((failed + 1))
		echo "memcheck: FAILED (exit $rc, want $want): convfilter $*"
		cat "$tmp/log"
	fi
}

for img in in.png in16.png in.jpg prog.jpg in.ppm in.tif in16.tif \
    in.webp; do
	for k in identity box sobel; do
		check 0 -k "$k" "$tmp/$img" "$tmp/out.png"
	done
done
check 0 -k box:5 -k sobel:x --abs "$tmp/in.png" "$tmp/out.jpg"
check 0 -k gaussian:2 --normalize "$tmp/in.jpg" "$tmp/out.pam"
check 0 -k sharpen -f pnm "$tmp/in.ppm" -
check 0 --lenient -k identity "$tmp/bad/lenient-jpeg-cut-data.jpg" \
    "$tmp/out.png"
check 0 --print-kernel -k sobel
check 0 --kernel-image "$tmp/k.png" -k sobel -k box:2
check 0 --grid -k sobel -k maxpool:2 "$tmp/in.png" "$tmp/out.png"
check 0 --split --round even -k box "$tmp/in.jpg" "$tmp/out.pgm"
check 0 --like imagemagick -k '3x3: 1,2,1, 2,4,2, 1,2,1' "$tmp/in.png" \
    "$tmp/out.png"
check 3 --grid -k sobel "$tmp/in.png" "$tmp/nodir/out.png"
check 0 -k box "$tmp/in16.tif" "$tmp/out.tif"
check 0 -k box --lossless "$tmp/in.tif" "$tmp/out.webp"
check 0 -k identity -f tiff "$tmp/in.webp" -
for f in png-cut-inside2.png png-crc-idat.png png-ihdr-100000x100000.png \
    png-bomb-big.png jpeg-sof-ncomp0.jpg lenient-jpeg-prog-cut-mid.jpg \
    jpeg-scans-2112.jpg pnm-above-maxval.pgm pnm-p7-huge.pam \
    tiff-cut-strip.tif tiff-lzw-garbage.tif tiff-tile-65536x65536.tif \
    tiff-no-strip-offsets.tif webp-garbage.webp webp-lying-size.webp; do
	check 1 -k identity "$tmp/bad/$f" "$tmp/out.png"
done
check 1 -k "$tmp/bad/kernel-nan.kernel" "$tmp/in.png" "$tmp/out.png"
check 1 -k "$tmp/bad/kernel-ragged.kernel" "$tmp/in.png" "$tmp/out.png"
check 1 -k identity "$tmp/missing.png" "$tmp/out.png"
check 2 -k nosuchkernel "$tmp/in.png" "$tmp/out.png"
check 3 -k identity "$tmp/in.png" "$tmp/nodir/out.png"
[ -w /dev/full ] && check 3 -k box "$tmp/in.png" -f png /dev/full
echo "memcheck: $runs runs, $failed failed"
[ "$failed" = 0 ]
