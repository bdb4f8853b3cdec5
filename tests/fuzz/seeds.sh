#!/bin/sh
# seeds.sh MKFIXTURE MKBAD DIR - write the fuzzers' seed corpora:
# DIR/img (small PNG, JPEG, PNM and PAM files, PngSuite, the bad corpus),
# DIR/kernel (the kernel library and the bad kernel files), DIR/tiff and
# DIR/webp (the bad corpus's, and small files from vips, tiffcp and cwebp
# where installed; they join DIR/img too).
# Everything is generated or copied from tests/ and filters/; run from
# the top of the source tree.
set -eu
mkfixture=$1 mkbad=$2 dir=$3
rm -rf "$dir/img" "$dir/kernel" "$dir/bad" "$dir/tiff" "$dir/webp"
mkdir -p "$dir/img" "$dir/kernel" "$dir/bad" "$dir/tiff" "$dir/webp"
cd "$dir/img"
for t in gray:1 gray:2 gray:4 gray:8 gray:16 graya:8 rgb:8 rgb:16 \
    rgba:8 palette:4 palette:8; do
	"$mkfixture" png "${t%:*}" "${t#*:}" 5 3 "png-${t%:*}${t#*:}.png"
done
"$mkfixture" png rgb 8 --interlace 9 9 png-interlace.png
"$mkfixture" png palette 8 --trns 4 4 png-trns.png
for k in gray rgb progressive cmyk ycck; do
	"$mkfixture" jpeg "$k" 16 16 "jpeg-$k.jpg"
done
printf 'P5\n3 2\n255\n\1\2\3\4\5\6' > pnm.pgm
printf 'P6\n# comment\n1 2\n65535\n\0\1\0\2\0\3\0\4\0\5\0\6' > pnm16.ppm
printf 'P7\nWIDTH 2\nHEIGHT 1\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n12345678' > pam.pam
# TIFF and WebP from the PNG seeds, by their own tools when installed
for f in png-gray1 png-gray8 png-gray16 png-graya8 png-rgb8 png-rgb16 \
    png-rgba8 png-palette4; do
	if command -v vips > /dev/null; then
		vips copy "$f.png" "$dir/tiff/$f.tif" 2>/dev/null || :
		vips copy "$f.png" "$dir/tiff/$f-tile.tif[tile,tile-width=16,tile-height=16,compression=lzw]" 2>/dev/null || :
	fi
	if command -v cwebp > /dev/null; then
		cwebp -quiet -q 50 "$f.png" -o "$dir/webp/$f.webp" 2>/dev/null || :
		cwebp -quiet -lossless "$f.png" -o "$dir/webp/$f-ll.webp" 2>/dev/null || :
	fi
done
if command -v vips > /dev/null; then
	vips cast png-rgb8.png "$dir/tiff/float.tif" float 2>/dev/null || :
	vips cast png-graya8.png "$dir/tiff/double.tif" double 2>/dev/null || :
fi
if command -v tiffcp > /dev/null && [ -f "$dir/tiff/png-rgb8.tif" ]; then
	for c in none packbits zip jpeg; do
		tiffcp -c $c -p separate "$dir/tiff/png-rgb8.tif" \
		    "$dir/tiff/rgb8-$c.tif" 2>/dev/null || :
	done
	tiffcp "$dir/tiff/png-rgb8.tif" "$dir/tiff/png-gray8.tif" \
	    "$dir/tiff/pages.tif" 2>/dev/null || :
fi
cd - > /dev/null
pngsuite=${CF_PNGSUITE:-../shared/corpus/pngsuite}
[ ! -d "$pngsuite" ] || cp "$pngsuite"/*.png "$dir/img/"
cp filters/*.kernel "$dir/kernel/"
printf 'shape 2 1 1 3\nbias 1 -1\n1/3 0 -1e2\n# c\n4,5,6\n' > "$dir/kernel/bank.kernel"
printf 'scale 1/16\n1 2 1\n2 4 2\n1 2 1\n' > "$dir/kernel/binomial.kernel"
printf 'normalize\ngroups 1\n1 1\n' > "$dir/kernel/normalize.kernel"
"$mkbad" "$dir/bad"
# the small bad files join the seeds (the bombs are too big to mutate)
for f in "$dir"/bad/*; do
	[ "$(wc -c < "$f")" -le 16384 ] || continue
	case $f in
	*.kernel) cp "$f" "$dir/kernel/" ;;
	*.tif) cp "$f" "$dir/tiff/" ;;
	*.webp) cp "$f" "$dir/webp/" ;;
	*) cp "$f" "$dir/img/" ;;
	esac
done
cp "$dir"/tiff/* "$dir"/webp/* "$dir/img/" 2>/dev/null || :
if [ -d tests/bad ]; then
	for f in tests/bad/*; do
		case $f in
		*/README) ;;
		*.kernel) cp "$f" "$dir/kernel/" ;;
		*) cp "$f" "$dir/img/" ;;
		esac
	done
fi
