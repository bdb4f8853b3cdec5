#!/bin/sh
# seeds.sh MKFIXTURE MKBAD DIR - write the fuzzers' seed corpora:
# DIR/img (small PNG, JPEG, PNM and PAM files, PngSuite, the bad corpus)
# and DIR/kernel (the kernel library and the bad kernel files).
# Everything is generated or copied from tests/ and filters/; run from
# the top of the source tree.
set -eu
mkfixture=$1 mkbad=$2 dir=$3
rm -rf "$dir/img" "$dir/kernel" "$dir/bad"
mkdir -p "$dir/img" "$dir/kernel" "$dir/bad"
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
	*) cp "$f" "$dir/img/" ;;
	esac
done
if [ -d tests/bad ]; then
	for f in tests/bad/*; do
		case $f in
		*/README) ;;
		*.kernel) cp "$f" "$dir/kernel/" ;;
		*) cp "$f" "$dir/img/" ;;
		esac
	done
fi
