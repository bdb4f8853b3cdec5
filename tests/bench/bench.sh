#!/bin/sh
# bench.sh - convfilter side by side with libvips, ImageMagick and OpenCV.
#
#   tests/bench/bench.sh [CONVFILTER]      (make bench runs it)
#
# Generates its inputs deterministically into bench-data/ (ignored by git),
# times every case with hyperfine (medians), measures peak RSS with
# /usr/bin/time -v, and prints a table with the ratio convfilter / best
# peer.  Peers are used when installed and skipped otherwise; nothing is
# installed here.  Timing is never asserted.
#
# Environment: BENCH_RUNS (default 3; big cases use fewer), BENCH_CASES
# (default: every case, "F F100 W1 ... W15 T1 T2 A"), BENCH_DATA (bench-data),
# BENCH_SHARP=0 to leave sharp out.
#
# Peer commands and the work they do (so the comparison is fair):
#   vips   `vips sobel` (its own 8-bit approximation of the magnitude);
#          `vips gaussblur IN OUT S` (default: integer precision, kernel
#          cut at min-ampl 0.2, so fewer taps than ours) and with
#          `--precision float --min-ampl 0.011` (3 sigma, like ours);
#          `vips conv IN OUT MATRIX --precision integer` for box and 7x7.
#   IM     /usr/bin/convert (ImageMagick 6; /usr/local/bin/convert may be a
#          stand-in and is never used): -blur 0xS (its separable Gaussian;
#          -gaussian-blur, the 2-D one, took 48 s on W2), -morphology
#          Convolve with -define convolve:scale; for sobel the x and y
#          derivatives are computed but combined with plus, not sqrt
#          (IM Q16 without HDRI clamps negatives).
#   cv2    /usr/bin/python3 with cv2, one process per case including
#          python start-up: GaussianBlur (ksize 2*ceil(3s)+1),
#          Sobel in CV_32F + magnitude, blur, filter2D.
#   sharp  the npm package (it bundles the newest libvips, with Highway
#          SIMD, zlib-ng and mozjpeg), installed into bench-data/sharp
#          when npm is there; one node process per case (start-up
#          included): blur(sigma) (its default: integer precision) and
#          a plain copy, on the PNG and JPEG inputs (sharp reads no PPM).
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
CF=${1:-$TOP/convfilter}
case $CF in /*) ;; *) CF=$(pwd)/$CF ;; esac
DATA=${BENCH_DATA:-$TOP/bench-data}
RUNS=${BENCH_RUNS:-3}
CASES=${BENCH_CASES:-F F100 W1 W2 W3 W4 W5 W6 W6a W7 W8 W9 W10 W11 W12 W13 W14 W15 T1 T2 A}
OUT=$DATA/out
RES=$DATA/results.tsv

have() { command -v "$1" >/dev/null 2>&1; }
[ -x "$CF" ] || { echo "bench: '$CF': not built (run make)" >&2; exit 1; }
have hyperfine || { echo "bench: hyperfine is not installed" >&2; exit 1; }
TIMEV=
[ -x /usr/bin/time ] && TIMEV=/usr/bin/time
VIPS=; have vips && VIPS=vips
IM=; [ -x /usr/bin/convert ] && IM=/usr/bin/convert
CV=; /usr/bin/python3 -c 'import cv2' 2>/dev/null && CV=/usr/bin/python3

mkdir -p "$DATA" "$OUT"
# sharp, when npm can fetch it (a scratch folder; never a dependency)
SHARP=
if [ "${BENCH_SHARP:-1}" != 0 ] && have node && have npm; then
	if [ ! -d "$DATA/sharp/node_modules/sharp" ]; then
		mkdir -p "$DATA/sharp"
		(cd "$DATA/sharp" && npm install --silent --no-audit --no-fund \
		    sharp >/dev/null 2>&1) ||
		    echo "bench: npm install sharp failed; sharp left out" >&2
	fi
	cat > "$DATA/sharp/run.js" <<'JS'
// node run.js OP IN OUT [SIGMA]: one sharp operation, as a CLI would run it
const sharp = require('sharp');
const [op, inp, out, sigma] = process.argv.slice(2);
let p = sharp(inp, { limitInputPixels: false });
if (op === 'blur') p = p.blur(Number(sigma));
if (out.endsWith('.jpg')) p = p.jpeg({ quality: 90 });
if (out.endsWith('.png')) p = p.png({ compressionLevel: 6 });
p.toFile(out).catch((e) => { console.error(e.message); process.exit(1); });
JS
	[ -d "$DATA/sharp/node_modules/sharp" ] &&
	    SHARP="node $DATA/sharp/run.js"
fi
: > "$RES"
: > "$RES.a"

# --- inputs (deterministic; regenerated only when missing) ---
cc -O2 -o "$DATA/mkphoto" "$TOP/tests/bench/mkphoto.c" -lm
gen() {	# file command...
	f=$1
	shift
	[ -s "$f" ] || { echo "bench: generating $(basename "$f")" >&2;
	    "$@"; }
}
gen "$DATA/photo.ppm" sh -c "'$DATA/mkphoto' 6000 4000 > '$DATA/photo.ppm'"
gen "$DATA/photo.png" "$CF" -k identity "$DATA/photo.ppm" "$DATA/photo.png"
gen "$DATA/photo.jpg" "$CF" -k identity -q 90 "$DATA/photo.ppm" \
    "$DATA/photo.jpg"
gen "$DATA/rgba.pam" sh -c "'$DATA/mkphoto' -a 6000 4000 > '$DATA/rgba.pam'"
gen "$DATA/rgba.png" "$CF" -k identity "$DATA/rgba.pam" "$DATA/rgba.png"
case " $CASES " in *" W7 "*|*" F100 "*)
	gen "$DATA/big.ppm" sh -c \
	    "'$DATA/mkphoto' -s 7 10000 10000 > '$DATA/big.ppm'" ;;
esac
case " $CASES " in *" T1 "*)
	gen "$DATA/photo16.tif" "$CF" --depth 16 -k identity \
	    "$DATA/photo.ppm" "$DATA/photo16.tif" ;;
esac
case " $CASES " in *" T2 "*)
	[ -s "$DATA/big.ppm" ] || "$DATA/mkphoto" -s 7 10000 10000 > \
	    "$DATA/big.ppm"
	gen "$DATA/big.tif" "$CF" -k identity "$DATA/big.ppm" \
	    "$DATA/big.tif" ;;
esac
case " $CASES " in *" W8 "*)
	if [ ! -s "$DATA/jpgs/199.jpg" ]; then
		mkdir -p "$DATA/jpgs"
		i=0
		while [ $i -lt 200 ]; do
			"$DATA/mkphoto" -s $((i + 100)) 640 480 |
			    "$CF" -k identity -f jpeg - "$DATA/jpgs/$i.jpg"
			i=$((i + 1))
		done
	fi ;;
esac
case " $CASES " in *" W13 "*)
	gen "$DATA/photo16.png" "$CF" --depth 16 -k identity \
	    "$DATA/photo.ppm" "$DATA/photo16.png" ;;
esac
case " $CASES " in *" W15 "*)
	gen "$DATA/photo.npy" "$CF" -k identity "$DATA/photo.ppm" \
	    "$DATA/photo.npy" ;;
esac
# kernels for the peers: box 5x5 and an arbitrary non-separable 7x7
printf '5 5 25 0\n' > "$DATA/box5.mat"
for r in 1 2 3 4 5; do echo "1 1 1 1 1" >> "$DATA/box5.mat"; done
K7="3 -1 4 1 -5 9 2
6 5 -3 5 8 -9 7
9 3 2 -3 8 4 6
-2 6 4 3 3 8 3
2 7 9 5 -2 8 8
4 1 9 7 -1 6 9
3 9 -3 7 5 1 0"
{ echo "scale 1/200"; echo "$K7"; } > "$DATA/k7.kernel"
{ echo "7 7 200 0"; echo "$K7"; } > "$DATA/k7.mat"
K7IM=$(echo "$K7" | tr '\n' ' ' | sed 's/ *$//; s/ /,/g')

# --- running ---
# run CASE TOOL RUNS COMMAND: time it and record median and peak RSS
run() {
	c=$1 t=$2 n=$3
	shift 3
	echo "bench: $c $t: $*" >&2
	if ! hyperfine -N --style none --runs "$n" \
	    --export-csv "$DATA/h.csv" "$*" >/dev/null 2>"$DATA/h.err"; then
		hyperfine --style none --runs "$n" --export-csv "$DATA/h.csv" \
		    "$*" >/dev/null 2>"$DATA/h.err" || {
			echo "bench: $c $t failed: $(tail -1 "$DATA/h.err")" >&2
			return 0
		}
	fi
	# the numbers end the last line (a command may span lines)
	med=$(tail -n 1 "$DATA/h.csv" | awk -F, '{ printf "%.3f", $(NF - 4) }')
	rss=-
	if [ -n "$TIMEV" ]; then
		sh -c "$TIMEV -v $* >/dev/null 2>$DATA/t.err" || true
		rss=$(awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' \
		    "$DATA/t.err")
	fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$c" "$t" "$med" "${rss:--}" "$*" >> "$RES"
}

cvpy() {	# a one-process OpenCV script
	echo "$CV -c \"import cv2, numpy as np; $1\""
}

I=$DATA/photo.ppm
for c in $CASES; do
	case $c in
	F)
		run F cp "$RUNS" cp "$I" "$OUT/cp.ppm"
		run F convfilter-identity "$RUNS" "$CF" -k identity "$I" \
		    "$OUT/id.ppm"
		# no kernel: a format conversion
		run F convfilter "$RUNS" "$CF" "$I" "$OUT/f.ppm"
		[ -z "$VIPS" ] || run F vips-copy "$RUNS" vips copy "$I" \
		    "$OUT/fv.ppm"
		run F convfilter-png "$RUNS" "$CF" "$DATA/photo.png" \
		    "$OUT/f.jpg"
		[ -z "$VIPS" ] || run F vips-png "$RUNS" vips copy \
		    "$DATA/photo.png" "$OUT/fv.jpg[Q=90]"
		[ -z "$SHARP" ] || run F sharp-png "$RUNS" $SHARP copy \
		    "$DATA/photo.png" "$OUT/fs.jpg"
		;;
	F100)
		B=$DATA/big.ppm
		run F100 convfilter-identity 1 "$CF" -k identity "$B" \
		    "$OUT/f100i.ppm"
		run F100 convfilter 1 "$CF" "$B" "$OUT/f100.ppm"
		[ -z "$VIPS" ] || run F100 vips-copy 1 vips copy "$B" \
		    "$OUT/f100v.ppm"
		rm -f "$OUT/f100i.ppm" "$OUT/f100.ppm" "$OUT/f100v.ppm"
		;;
	W9)
		run W9 convfilter "$RUNS" "$CF" -k box:5 -k sobel:x --abs "$I" \
		    "$OUT/w9.ppm"
		run W9 convfilter-box5 "$RUNS" "$CF" -k box:5 "$I" \
		    "$OUT/w9a.ppm"
		run W9 convfilter-sobelx "$RUNS" "$CF" -k sobel:x --abs "$I" \
		    "$OUT/w9b.ppm"
		;;
	W10)
		P=$DATA/rgba.png
		run W10 convfilter 1 "$CF" -k gaussian:2 "$P" "$OUT/w10.png"
		run W10 convfilter-separate 1 "$CF" -k gaussian:2 \
		    --alpha separate "$P" "$OUT/w10s.png"
		[ -z "$VIPS" ] || run W10 vips 1 vips gaussblur "$P" \
		    "$OUT/w10v.png" 2
		[ -z "$SHARP" ] || run W10 sharp 1 $SHARP blur "$P" \
		    "$OUT/w10h.png" 2
		[ -z "$CV" ] || run W10 opencv 1 "$(cvpy "cv2.imwrite('$OUT/w10c.png', cv2.GaussianBlur(cv2.imread('$P', cv2.IMREAD_UNCHANGED), (13,13), 2))")"
		;;
	W11)
		run W11 convfilter "$RUNS" "$CF" --linear -k gaussian:2 "$I" \
		    "$OUT/w11.ppm"
		run W11 convfilter-plain "$RUNS" "$CF" -k gaussian:2 "$I" \
		    "$OUT/w11p.ppm"
		;;
	W12)
		run W12 convfilter "$RUNS" "$CF" -k maxpool:2 "$I" \
		    "$OUT/w12.ppm"
		run W12 convfilter-identity "$RUNS" "$CF" -k identity "$I" \
		    "$OUT/w12i.ppm"
		[ -z "$VIPS" ] || run W12 vips "$RUNS" vips shrink "$I" \
		    "$OUT/w12v.ppm" 2 2
		;;
	W13)
		P=$DATA/photo16.png
		run W13 convfilter 1 "$CF" -k gaussian:2 "$P" "$OUT/w13.png"
		[ -z "$VIPS" ] || run W13 vips 1 vips gaussblur "$P" \
		    "$OUT/w13v.png" 2
		[ -z "$SHARP" ] || run W13 sharp 1 $SHARP blur "$P" \
		    "$OUT/w13h.png" 2
		;;
	W14)
		run W14 convfilter "$RUNS" "$CF" --normalize -k gaussian:2 \
		    "$I" "$OUT/w14.ppm"
		run W14 convfilter-plain "$RUNS" "$CF" -k gaussian:2 "$I" \
		    "$OUT/w14p.ppm"
		;;
	W15)
		run W15 convfilter "$RUNS" "$CF" -k gaussian:2 \
		    "$DATA/photo.npy" "$OUT/w15.npy"
		run W15 convfilter-ppm "$RUNS" "$CF" -k gaussian:2 "$I" \
		    "$OUT/w15.ppm"
		[ -z "$CV" ] || run W15 numpy-opencv "$RUNS" "$(cvpy "a=np.load('$DATA/photo.npy'); np.save('$OUT/w15c.npy', np.stack([cv2.GaussianBlur(c, (13,13), 2) for c in a]))")"
		rm -f "$OUT/w15.npy" "$OUT/w15c.npy"
		;;
	W1)
		run W1 convfilter "$RUNS" "$CF" -k sobel "$I" "$OUT/w1.ppm"
		[ -z "$VIPS" ] || run W1 vips "$RUNS" vips sobel "$I" \
		    "$OUT/w1v.ppm"
		[ -z "$IM" ] || run W1 imagemagick "$RUNS" "$IM" "$I" \
		    -define convolve:scale=1 -morphology Convolve Sobel:0 \
		    "$OUT/w1i.ppm"
		[ -z "$CV" ] || run W1 opencv "$RUNS" "$(cvpy "i=cv2.imread('$I').astype(np.float32); x=cv2.Sobel(i,cv2.CV_32F,1,0); y=cv2.Sobel(i,cv2.CV_32F,0,1); cv2.imwrite('$OUT/w1c.ppm', cv2.convertScaleAbs(cv2.magnitude(x,y)))")"
		;;
	W2)
		run W2 convfilter "$RUNS" "$CF" -k gaussian:3 "$I" "$OUT/w2.ppm"
		[ -z "$VIPS" ] || run W2 vips-int "$RUNS" vips gaussblur "$I" \
		    "$OUT/w2v.ppm" 3
		[ -z "$VIPS" ] || run W2 vips-float "$RUNS" vips gaussblur \
		    "$I" "$OUT/w2vf.ppm" 3 --precision float --min-ampl 0.011
		[ -z "$IM" ] || run W2 imagemagick "$RUNS" "$IM" "$I" \
		    -blur 0x3 "$OUT/w2i.ppm"
		[ -z "$CV" ] || run W2 opencv "$RUNS" "$(cvpy "cv2.imwrite('$OUT/w2c.ppm', cv2.GaussianBlur(cv2.imread('$I'), (19,19), 3))")"
		;;
	W3)
		run W3 convfilter "$RUNS" "$CF" -k box:5 "$I" "$OUT/w3.ppm"
		[ -z "$VIPS" ] || run W3 vips "$RUNS" vips conv "$I" \
		    "$OUT/w3v.ppm" "$DATA/box5.mat" --precision integer
		[ -z "$IM" ] || run W3 imagemagick "$RUNS" "$IM" "$I" \
		    -define convolve:scale=! -morphology Convolve Square:2 \
		    "$OUT/w3i.ppm"
		[ -z "$CV" ] || run W3 opencv "$RUNS" "$(cvpy "cv2.imwrite('$OUT/w3c.ppm', cv2.blur(cv2.imread('$I'), (5,5)))")"
		;;
	W4)
		run W4 convfilter "$RUNS" "$CF" -k "$DATA/k7.kernel" "$I" \
		    "$OUT/w4.ppm"
		[ -z "$VIPS" ] || run W4 vips "$RUNS" vips conv "$I" \
		    "$OUT/w4v.ppm" "$DATA/k7.mat" --precision integer
		[ -z "$IM" ] || run W4 imagemagick "$RUNS" "$IM" "$I" \
		    -define convolve:scale=1/200 -morphology Convolve \
		    "'7x7: $K7IM'" "$OUT/w4i.ppm"
		[ -z "$CV" ] || run W4 opencv "$RUNS" "$(cvpy "k=np.array([[float(v) for v in r.split()] for r in open('$DATA/k7.mat').read().splitlines()[1:]],np.float32)/200; cv2.imwrite('$OUT/w4c.ppm', cv2.filter2D(cv2.imread('$I'), -1, k))")"
		;;
	W5)
		J=$DATA/photo.jpg
		run W5 convfilter "$RUNS" "$CF" -k gaussian:2 "$J" "$OUT/w5.jpg"
		[ -z "$VIPS" ] || run W5 vips "$RUNS" vips gaussblur "$J" \
		    "$OUT/w5v.jpg[Q=90]" 2
		[ -z "$IM" ] || run W5 imagemagick "$RUNS" "$IM" "$J" \
		    -blur 0x2 -quality 90 "$OUT/w5i.jpg"
		[ -z "$CV" ] || run W5 opencv "$RUNS" "$(cvpy "cv2.imwrite('$OUT/w5c.jpg', cv2.GaussianBlur(cv2.imread('$J'), (13,13), 2), [cv2.IMWRITE_JPEG_QUALITY, 90])")"
		;;
	W6|W6a)
		P=$DATA/photo.png
		[ "$c" = W6a ] && P=$DATA/rgba.png
		run "$c" convfilter 1 "$CF" -k sobel "$P" "$OUT/$c.png"
		[ -z "$VIPS" ] || run "$c" vips 1 vips sobel "$P" \
		    "$OUT/${c}v.png"
		[ -z "$IM" ] || run "$c" imagemagick 1 "$IM" "$P" \
		    -define convolve:scale=1 -morphology Convolve Sobel:0 \
		    "$OUT/${c}i.png"
		[ -z "$CV" ] || run "$c" opencv 1 "$(cvpy "i=cv2.imread('$P', cv2.IMREAD_UNCHANGED).astype(np.float32); x=cv2.Sobel(i,cv2.CV_32F,1,0); y=cv2.Sobel(i,cv2.CV_32F,0,1); cv2.imwrite('$OUT/${c}c.png', cv2.convertScaleAbs(cv2.magnitude(x,y)))")"
		for f in "$OUT/$c.png" "$OUT/${c}v.png" "$OUT/${c}i.png" \
		    "$OUT/${c}c.png"; do
			[ -s "$f" ] && printf '%s\tsize\t%s\t-\t%s bytes\n' \
			    "$c" "$(basename "$f")" "$(wc -c < "$f")" >> "$RES"
		done
		;;
	W7)
		B=$DATA/big.ppm
		run W7 convfilter 1 "$CF" -k gaussian:2 "$B" "$OUT/w7.ppm"
		[ -z "$VIPS" ] || run W7 vips 1 vips gaussblur "$B" \
		    "$OUT/w7v.ppm" 2
		rm -f "$OUT/w7.ppm" "$OUT/w7v.ppm"
		;;
	T1)
		# 24 MP 16-bit RGB TIFF (Deflate, predictor), read and written
		T=$DATA/photo16.tif
		run T1 convfilter "$RUNS" "$CF" -k gaussian:2 "$T" \
		    "$OUT/t1.tif"
		[ -z "$VIPS" ] || run T1 vips "$RUNS" vips gaussblur "$T" \
		    "$OUT/t1v.tif[compression=deflate,predictor=horizontal]" 2
		;;
	T2)
		# 100 MP striped TIFF: the peak RSS is the point (streamed)
		T=$DATA/big.tif
		run T2 convfilter 1 "$CF" -k gaussian:2 "$T" "$OUT/t2.tif"
		[ -z "$VIPS" ] || run T2 vips 1 vips gaussblur "$T" \
		    "$OUT/t2v.tif[compression=deflate,predictor=horizontal]" 2
		rm -f "$OUT/t2.tif" "$OUT/t2v.tif"
		;;
	A)
		# a 15x15 arbitrary kernel; engine time ~ its median minus the
		# identity floor (medians of BENCH_RUNS each)
		awk 'BEGIN { s = 11; print "scale 1/1000"
		    for (i = 0; i < 15; i++) { l = ""
		      for (j = 0; j < 15; j++) { s = (s * 1103515245 + 12345) % 2147483648
		        l = l " " (s % 21 - 6) }
		      print l } }' > "$DATA/k15.kernel"
		run A convfilter-15x15 "$RUNS" "$CF" -k "$DATA/k15.kernel" "$I" \
		    "$OUT/a15.ppm"
		run A convfilter-identity "$RUNS" "$CF" -k identity "$I" "$OUT/id.ppm"
		cc -O2 -pthread -o "$DATA/peak" "$TOP/tests/bench/peak.c" -lm
		peak=$("$DATA/peak" "$(nproc)")
		awk -F'\t' -v peak="$peak" '
		    $1 == "A" && $2 == "convfilter-15x15" { t15 = $3 }
		    $1 == "A" && $2 == "convfilter-identity" { t0 = $3 }
		    END { fl = 6000 * 4000 * 3 * 225 * 2 / 1e9
		      printf "A\tarithmetic\t-\t-\t15x15: %.1f GFLOP in %.2f s " \
		        "engine = %.1f GFLOP/s = %.0f%% of the fp32 FMA peak " \
		        "%.1f GFLOP/s\n", fl, t15 - t0, fl / (t15 - t0),
		        100 * fl / (t15 - t0) / peak, peak }' "$RES" >> "$RES.a"
		;;
	W8)
		mkdir -p "$OUT/w8" "$OUT/w8c"
		# batch mode: the files in parallel in one process
		run W8 convfilter 1 "$CF" -k gaussian:2 -o "$OUT/w8" \
		    "$DATA"/jpgs/*.jpg
		[ -z "$CV" ] || run W8 opencv 1 "$(cvpy "import glob, os; [cv2.imwrite('$OUT/w8c/'+os.path.basename(f), cv2.GaussianBlur(cv2.imread(f), (13,13), 2), [cv2.IMWRITE_JPEG_QUALITY, 90]) for f in sorted(glob.glob('$DATA/jpgs/*.jpg'))]")"
		;;
	esac
done

# --- the table ---
{
	echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(date -u +%Y-%m-%d)"
	echo
	printf '| case | tool | median s | peak RSS MB | cf / best peer |\n'
	printf '|------|------|---------:|------------:|---------------:|\n'
	awk -F'\t' '
	$2 == "size" || $2 == "arithmetic" { next }
	{ n++; key[n] = $1; tool[n] = $2; med[n] = $3; rss[n] = $4
	  if ($2 != "cp" && $2 !~ /^convfilter/ && $3 > 0 &&
	      (!($1 in best) || $3 < best[$1])) best[$1] = $3 }
	END {
	  for (i = 1; i <= n; i++) {
	    r = ""
	    if (tool[i] == "convfilter" && (key[i] in best) && best[key[i]] > 0)
	      r = sprintf("%.2f", med[i] / best[key[i]])
	    printf "| %s | %s | %s | %s | %s |\n", key[i], tool[i], med[i],
	        rss[i], r
	  }
	}' "$RES"
	if [ -s "$RES.a" ]; then
		echo
		cut -f5 "$RES.a"
	fi
	echo
	echo "Targets (issue 11; medians of this run):"
	awk -F'\t' '
	$2 != "size" && $2 != "arithmetic" { t[$1 "/" $2] = $3; r[$1 "/" $2] = $4 }
	function tgt(name, a, b, lim,   v) {
	  if (!(a in t) || !(b in t) || t[b] <= 0) return
	  v = t[a] / t[b]
	  printf "  %-44s %5.2f  (target <= %.2f) %s\n", name, v, lim,
	      v <= lim ? "met" : "MISSED"
	}
	function tgt2(name, a, b, c, lim,   v) {
	  if (!(a in t) || !(b in t) || !(c in t)) return
	  v = t[a] / (t[b] + t[c])
	  printf "  %-44s %5.2f  (target <= %.2f) %s\n", name, v, lim,
	      v <= lim ? "met" : "MISSED"
	}
	END {
	  tgt("F no kernel / -k identity", "F/convfilter", "F/convfilter-identity", 1.3)
	  tgt("F no kernel / vips copy", "F/convfilter", "F/vips-copy", 0.5)
	  tgt("F100 no kernel / -k identity", "F100/convfilter", "F100/convfilter-identity", 1.3)
	  tgt("F100 no kernel / vips copy", "F100/convfilter", "F100/vips-copy", 0.5)
	  tgt2("W9 chain / (box:5 + sobel:x --abs)", "W9/convfilter", "W9/convfilter-box5", "W9/convfilter-sobelx", 1.0)
	  tgt("W10 RGBA premultiplied / vips", "W10/convfilter", "W10/vips", 0.5)
	  tgt("W10 premultiplied / --alpha separate", "W10/convfilter", "W10/convfilter-separate", 1.3)
	  tgt("W11 --linear / plain", "W11/convfilter", "W11/convfilter-plain", 1.5)
	  tgt("W12 maxpool:2 / -k identity", "W12/convfilter", "W12/convfilter-identity", 1.3)
	  tgt("W13 16-bit / vips", "W13/convfilter", "W13/vips", 0.5)
	  tgt("W14 --normalize / plain", "W14/convfilter", "W14/convfilter-plain", 2.0)
	  tgt("W15 .npy / the PPM job", "W15/convfilter", "W15/convfilter-ppm", 1.5)
	  for (k in r) if (k ~ /convfilter/ && r[k] != "-" && r[k] + 0 > 64)
	    printf "  peak RSS over 64 MB: %s %s MB\n", k, r[k]
	}' "$RES"
	if grep -q '	size	' "$RES"; then
		echo
		echo "PNG output sizes (W6, W6a):"
		awk -F'\t' '$2 == "size" { printf "  %s %s: %s\n", $1, $3, $5 }' \
		    "$RES"
	fi
} | tee "$DATA/table.md"
