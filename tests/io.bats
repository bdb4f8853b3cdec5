#!/usr/bin/env bats
# io.bats - loading and saving images: every PNG colour type and bit depth,
# JPEG, PNM/PAM, stdin/stdout, and every bad-input path of the I/O layer.
# Fixtures come from $MKFIXTURE (tests/tools/mkfixture.c), which also
# writes the exact samples convfilter must load, computed without libpng.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# dims PAM : "WIDTH HEIGHT DEPTH" of a PAM file.
dims() {
	awk '$1=="WIDTH"{w=$2} $1=="HEIGHT"{h=$2} $1=="DEPTH"{d=$2}
	     $1=="ENDHDR"{print w, h, d; exit}' "$1"
}

# same_image A.pam B.pam : same size, depth and samples.
same_image() {
	assert_eq "$(dims "$1")" "$(dims "$2")" &&
	    assert_eq "$(samples "$1")" "$(samples "$2")"
}

# maxdiff A B : the largest absolute sample difference of two PNM files.
maxdiff() {
	paste <(samples "$1" | tr ' ' '\n') <(samples "$2" | tr ' ' '\n') |
	    awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d }
		 END { print m + 0 }'
}

# png_exact TYPE DEPTH [OPTION...] : a 13x7 PNG loads with exactly the
# samples mkfixture computed (8-bit: 16-bit samples rounded, --depth 8).
png_exact() {
	local name
	name=$(echo "$*" | tr -d ' -')
	"$MKFIXTURE" png "$@" 13 7 "$name.png" "$name.want.pam"
	run -0 cf --depth 8 -k identity "$name.png" "$name.pam"
	same_image "$name.pam" "$name.want.pam"
}

@test "gray PNG of every bit depth loads with exact samples" {
	for d in 1 2 4 8 16; do png_exact gray $d; done
}

@test "gray+alpha, RGB and RGBA PNG at 8 and 16 bits load with exact samples" {
	for t in graya rgb rgba; do
		for d in 8 16; do png_exact $t $d; done
	done
	"$MKFIXTURE" png rgba 8 3 2 a.png
	run -0 cf -k identity a.png a.pam
	assert_eq "$(dims a.pam)" "3 2 4"
}

@test "palette PNG of every bit depth loads as RGB" {
	for d in 1 2 4 8; do png_exact palette $d; done
	assert_eq "$(dims palette8.pam)" "13 7 3"
}

@test "palette PNG with tRNS loads as RGBA, entries past the table opaque" {
	for d in 1 2 4 8; do png_exact palette $d --trns; done
	assert_eq "$(dims palette8trns.pam)" "13 7 4"
}

@test "tRNS on gray and RGB PNG adds an alpha channel" {
	for d in 1 2 4 8 16; do png_exact gray $d --trns; done
	png_exact rgb 8 --trns
	png_exact rgb 16 --trns
	assert_eq "$(dims gray4trns.pam)" "13 7 2"
	assert_eq "$(dims rgb16trns.pam)" "13 7 4"
}

@test "Adam7 interlaced PNG of every colour type loads with exact samples" {
	for d in 1 2 4 8 16; do png_exact gray $d --interlace; done
	for t in graya rgb rgba; do png_exact $t 16 --interlace; done
	png_exact palette 4 --interlace --trns
	png_exact rgb 8 --interlace --trns
}

@test "16-bit PNG samples are rounded to 8 bits, not truncated" {
	# 0 65535 128 129 385 386 32767 32768: (v * 255 + 32767) / 65535
	"$MKFIXTURE" png gray 16 8 1 g16.png
	run -0 cf --depth 8 -k identity g16.png g16.pam
	assert_eq "$(samples g16.pam)" "0 255 0 1 1 2 127 128"
}

@test "low-depth gray PNG is scaled to 0..255" {
	"$MKFIXTURE" png gray 1 16 4 g1.png
	run -0 cf -k identity g1.png g1.pam
	assert_eq "$(samples g1.pam | tr ' ' '\n' | sort -nu | tr '\n' ' ')" \
	    "0 255 "
	"$MKFIXTURE" png gray 2 16 4 g2.png
	run -0 cf -k identity g2.png g2.pam
	assert_eq "$(samples g2.pam | tr ' ' '\n' | sort -nu | tr '\n' ' ')" \
	    "0 85 170 255 "
}

@test "PNG identity round trip is lossless for 1 to 4 channels" {
	for t in "gray 8" "graya 16" "rgb 16" "rgba 8" "palette 4 --trns"; do
		"$MKFIXTURE" png $t 11 5 in.png
		run -0 cf -k identity in.png direct.pam
		run -0 cf -k identity in.png again.png
		run -0 cf -k identity again.png trip.pam
		same_image trip.pam direct.pam
	done
}

@test "PNM and PAM identity round trips are lossless" {
	"$MKFIXTURE" png rgba 8 9 4 in.png
	run -0 cf -k identity in.png ref.pam
	run -0 cf -k identity ref.pam trip.pam
	same_image trip.pam ref.pam
	run -0 cf -k identity in.png rgba.pnm
	assert_eq "$(head -c 2 rgba.pnm)" P7
	run -0 cf -k identity rgba.pnm trip2.pam
	same_image trip2.pam ref.pam
	"$MKFIXTURE" png rgb 8 9 4 rgb.png
	run -0 cf -k identity rgb.png ref.pam
	run -0 cf -k identity rgb.png rgb.ppm
	assert_eq "$(head -c 2 rgb.ppm)" P6
	run -0 cf -k identity rgb.ppm trip.pam
	same_image trip.pam ref.pam
	"$MKFIXTURE" png gray 8 9 4 gray.png
	run -0 cf -k identity gray.png ref.pam
	run -0 cf -k identity gray.png gray.pgm
	assert_eq "$(head -c 2 gray.pgm)" P5
	run -0 cf -k identity gray.pgm trip.pam
	same_image trip.pam ref.pam
}

@test "PAM output names its tuple type for every channel count" {
	printf 'P5\n1 1\n255\n\1' > g.pgm
	run -0 cf -k identity g.pgm g.pam
	grep -qx 'TUPLTYPE GRAYSCALE' g.pam
	"$MKFIXTURE" png graya 8 2 2 ga.png
	run -0 cf -k identity ga.png ga.pnm
	grep -qx 'TUPLTYPE GRAYSCALE_ALPHA' ga.pnm
	"$MKFIXTURE" png rgb 8 2 2 rgb.png
	run -0 cf -k identity rgb.png rgb.pam
	grep -qx 'TUPLTYPE RGB' rgb.pam
	"$MKFIXTURE" png rgba 8 2 2 rgba.png
	run -0 cf -k identity rgba.png rgba.pam
	grep -qx 'TUPLTYPE RGB_ALPHA' rgba.pam
}

@test "gray JPEG loads as one channel close to the source" {
	"$MKFIXTURE" jpeg gray 32 24 g.jpg want.pam
	run -0 cf -k identity g.jpg got.pam
	assert_eq "$(dims got.pam)" "32 24 1"
	[ "$(maxdiff got.pam want.pam)" -le 4 ]
}

@test "baseline and progressive colour JPEG load as RGB close to the source" {
	for kind in rgb progressive; do
		"$MKFIXTURE" jpeg $kind 32 24 $kind.jpg want.pam
		run -0 cf -k identity $kind.jpg got.pam
		assert_eq "$(dims got.pam)" "32 24 3"
		# 4:2:0 chroma costs a few levels at the sharpest corner.
		[ "$(maxdiff got.pam want.pam)" -le 16 ]
	done
}

@test "CMYK and YCCK JPEG are converted to RGB" {
	for kind in cmyk ycck; do
		"$MKFIXTURE" jpeg $kind 32 24 $kind.jpg want.pam
		run -0 cf -k identity $kind.jpg got.pam
		assert_eq "$(dims got.pam)" "32 24 3"
		[ "$(maxdiff got.pam want.pam)" -le 16 ]
	done
}

@test "JPEG output round trip stays close, gray and RGB" {
	"$MKFIXTURE" jpeg rgb 32 24 in.jpg
	run -0 cf -k identity in.jpg ref.pam
	run -0 cf -q 95 -k identity ref.pam out.jpg
	run -0 cf -k identity out.jpg got.pam
	[ "$(maxdiff got.pam ref.pam)" -le 16 ]
	"$MKFIXTURE" png gray 8 16 16 g.png
	run -0 cf -k identity g.png ref.pam
	run -0 cf -k identity -q 100 g.png g.jpg
	run -0 cf -k identity g.jpg got.pam
	assert_eq "$(dims got.pam)" "16 16 1"
}

@test "JPEG output of RGBA drops alpha" {
	"$MKFIXTURE" png rgba 8 8 8 in.png
	run -0 --separate-stderr cf -k identity in.png out.jpg
	[[ $stderr == *alpha* ]]
	run -0 cf -k identity out.jpg out.pam
	assert_eq "$(dims out.pam)" "8 8 3"
}

@test "stdin input and stdout output" {
	"$MKFIXTURE" png rgb 16 6 5 in.png want.pam
	run -0 bash -c '"$CONVFILTER" --depth 8 -k identity - got.pam < in.png'
	same_image got.pam want.pam
	bash -c '"$CONVFILTER" --depth 8 -k identity -f pam in.png - > out.pam'
	same_image out.pam want.pam
	# stdout defaults to PNG; a pipe in and out needs no seeking.
	cat in.png | "$CONVFILTER" -k identity - - | cat > out.png
	assert_eq "$(head -c 4 out.png | od -An -tx1 | tr -d ' ')" 89504e47
	cat out.png | "$CONVFILTER" --depth 8 -k identity - again.pam
	same_image again.pam want.pam
	"$MKFIXTURE" jpeg rgb 16 16 in.jpg
	cat in.jpg | "$CONVFILTER" -k identity - j.pam
	assert_eq "$(dims j.pam)" "16 16 3"
	printf 'P5\n2 1\n255\n\1\2' | "$CONVFILTER" -k identity - p.pam
	assert_eq "$(samples p.pam)" "1 2"
}

@test "PNM header comments are skipped" {
	printf 'P5\n# a comment\n3 # width\n# between\n1\n255\n\1\2\3' > c.pgm
	run -0 cf -k identity c.pgm c.pam
	assert_eq "$(dims c.pam)" "3 1 1"
	assert_eq "$(samples c.pam)" "1 2 3"
	printf 'P7\n# c\nWIDTH 2\nHEIGHT 1\n\nDEPTH 1\nMAXVAL 255\nENDHDR\n\7\10' > c.pam
	run -0 cf -k identity c.pam out.pam
	assert_eq "$(samples out.pam)" "7 8"
}

@test "PNM maxval 65535 is rounded to 8 bits" {
	# big-endian 0 128 129 32767 32768 65535
	printf 'P6\n2 1\n65535\n\0\0\0\200\0\201\177\377\200\0\377\377' > w.ppm
	run -0 cf --depth 8 -k identity w.ppm w.pam
	assert_eq "$(samples w.pam)" "0 0 1 127 128 255"
}

@test "PNM maxval 1 and 1000 are scaled to 0..255 by rounding" {
	printf 'P5\n2 1\n1\n\0\1' > b.pgm
	run -0 cf -k identity b.pgm b.pam
	assert_eq "$(samples b.pam)" "0 255"
	# (v * 255 + 500) / 1000 for 0 2 500 1000
	printf 'P5\n4 1\n1000\n\0\0\0\2\1\364\3\350' > k.pgm
	run -0 cf --depth 8 -k identity k.pgm k.pam
	assert_eq "$(samples k.pam)" "0 1 128 255"
}

@test "PAM of depth 1 to 4 loads with or without a tuple type" {
	printf 'P7\nWIDTH 1\nHEIGHT 1\nDEPTH 4\nMAXVAL 255\nENDHDR\n\1\2\3\4' > a.pam
	run -0 cf -k identity a.pam out.pam
	assert_eq "$(dims out.pam)" "1 1 4"
	assert_eq "$(samples out.pam)" "1 2 3 4"
	printf 'P7\nWIDTH 1\nHEIGHT 1\nDEPTH 2\nMAXVAL 1\nTUPLTYPE BLACKANDWHITE_ALPHA\nENDHDR\n\1\0' > b.pam
	run -0 cf -k identity b.pam out.pam
	assert_eq "$(samples out.pam)" "255 0"
}

@test "a PNM sample above maxval is rejected" {
	printf 'P5\n2 1\n1\n\0\3' > bad.pgm
	run -1 cf -k identity bad.pgm out.png
	assert_eq "$output" "convfilter: 'bad.pgm': PNM sample 3 is over maxval 1"
	no_file out.png
}

@test "bad PNM headers are rejected with a message" {
	printf 'P7\nWIDTH 1\nHEIGHT 1\nDEPTH 0\nMAXVAL 255\nENDHDR\n' > d0.pam
	run -1 cf -k identity d0.pam out.png
	assert_eq "$output" "convfilter: 'd0.pam': PAM depth 0: no channels"
	printf 'P7\nWIDTH 1\nHEIGHT 1\nMAXVAL 255\nENDHDR\n1' > nod.pam
	run -1 cf -k identity nod.pam out.png
	assert_eq "$output" "convfilter: 'nod.pam': PAM header has no DEPTH"
	printf 'P5\n1 1\n70000\n\0\0' > mv.pgm
	run -1 cf -k identity mv.pgm out.png
	assert_eq "$output" "convfilter: 'mv.pgm': PNM maxval 70000 is not in 1..65535"
	printf 'P5\n1 x\n255\n\0' > x.pgm
	run -1 cf -k identity x.pgm out.png
	assert_eq "$output" "convfilter: 'x.pgm': invalid PNM header"
	printf 'P5\n1 1' > h.pgm
	run -1 cf -k identity h.pgm out.png
	assert_eq "$output" "convfilter: 'h.pgm': truncated PNM header"
	printf 'P2\n1 1\n255\nx\n' > plain.pgm
	run -1 cf -k identity plain.pgm out.png
	assert_eq "$output" "convfilter: 'plain.pgm': invalid plain PNM sample"
	no_file out.png
}

@test "truncated PNG, JPEG and PNM are rejected, leaving no output" {
	"$MKFIXTURE" png rgb 8 64 64 full.png
	head -c $(( $(wc -c < full.png) / 2 )) full.png > cut.png
	run -1 cf -k identity cut.png out.png
	assert_eq "$output" "convfilter: 'cut.png': truncated PNG data"
	no_file out.png
	# Only IEND missing: still truncated.
	head -c $(( $(wc -c < full.png) - 12 )) full.png > noend.png
	run -1 cf -k identity noend.png out.png
	assert_eq "$output" "convfilter: 'noend.png': truncated PNG data"
	"$MKFIXTURE" jpeg rgb 64 64 full.jpg
	head -c $(( $(wc -c < full.jpg) / 2 )) full.jpg > cut.jpg
	run -1 cf -k identity cut.jpg out.png
	assert_eq "$output" "convfilter: 'cut.jpg': truncated JPEG data"
	no_file out.png
	"$MKFIXTURE" jpeg progressive 64 64 full.jpg
	head -c $(( $(wc -c < full.jpg) - 2 )) full.jpg > cut.jpg
	run -1 cf -k identity cut.jpg out.png
	assert_eq "$output" "convfilter: 'cut.jpg': truncated JPEG data"
	printf 'P6\n2 2\n255\n\1\2\3\4\5\6\7' > cut.ppm
	run -1 cf -k identity cut.ppm out.png
	assert_eq "$output" "convfilter: 'cut.ppm': truncated PNM data"
	no_file out.png
	# Cut from stdin, too.
	run -1 bash -c '"$CONVFILTER" -k identity - out.png < cut.png'
	assert_eq "$output" "convfilter: '-': truncated PNG data"
	no_file out.png
}

@test "a PNG with a bad CRC is rejected" {
	"$MKFIXTURE" png gray 8 8 8 in.png
	# signature 8 + IHDR 25, then IDAT: length, type, data, CRC.
	assert_eq "$(dd if=in.png bs=1 skip=37 count=4 2>/dev/null)" IDAT
	len=$(od -An -tu1 -j33 -N4 in.png |
	    awk '{ print ((($1 * 256 + $2) * 256 + $3) * 256 + $4) }')
	cp in.png bad.png
	printf '\0\0\0\0' |
	    dd of=bad.png bs=1 seek=$(( 41 + len )) conv=notrunc 2>/dev/null
	run -1 cf -k identity bad.png out.png
	assert_eq "$output" "convfilter: 'bad.png': IDAT: CRC error"
	no_file out.png
}

@test "corrupt JPEG data is an error, not grey filler" {
	"$MKFIXTURE" jpeg rgb 32 32 in.jpg
	# Garbage after the JFIF APP0 segment: libjpeg only warns.
	{ head -c 20 in.jpg; printf 'xyz'; tail -c +21 in.jpg; } > bad.jpg
	run -1 cf -k identity bad.jpg out.png
	[[ $output == "convfilter: 'bad.jpg': corrupt JPEG data: "* ]]
	no_file out.png
}

@test "wrong magic and empty input are rejected with exact messages" {
	echo 'hello world' > text.png
	run -1 cf -k identity text.png out.png
	assert_eq "$output" "convfilter: 'text.png': not a PNG, JPEG, PNM, NPY, TIFF or WebP file"
	: > empty.png
	run -1 cf -k identity empty.png out.png
	assert_eq "$output" "convfilter: 'empty.png': empty input"
	printf '\211PN' > short.png
	run -1 cf -k identity short.png out.png
	assert_eq "$output" "convfilter: 'short.png': not a PNG, JPEG, PNM, NPY, TIFF or WebP file"
	run -1 bash -c '"$CONVFILTER" -k identity - out.png < /dev/null'
	assert_eq "$output" "convfilter: '-': empty input"
	no_file out.png
}

@test "zero width or height is rejected" {
	"$MKFIXTURE" png-header 0 5 z.png
	run -1 cf -k identity z.png out.png
	assert_eq "$output" "convfilter: 'z.png': image has zero width or height"
	printf 'P5\n0 5\n255\n' > z.pgm
	run -1 cf -k identity z.pgm out.png
	assert_eq "$output" "convfilter: 'z.pgm': image has zero width or height"
	printf 'P7\nWIDTH 3\nHEIGHT 0\nDEPTH 1\nMAXVAL 255\nENDHDR\n' > z.pam
	run -1 cf -k identity z.pam out.png
	assert_eq "$output" "convfilter: 'z.pam': image has zero width or height"
	"$MKFIXTURE" jpeg-size 0 16 z.jpg
	run -1 cf -k identity z.jpg out.png
	[[ $output == "convfilter: 'z.jpg': "* ]]
	no_file out.png
}

@test "absurd dimensions are rejected fast, before allocating" {
	big="image is 100000x100000, over the 128000000-pixel limit (--max-pixels)"
	"$MKFIXTURE" png-header 100000 100000 big.png
	run -1 timeout 10 "$CONVFILTER" -k identity big.png out.png
	assert_eq "$output" "convfilter: 'big.png': $big"
	printf 'P6\n100000 100000\n255\n\0\0\0' > big.ppm
	run -1 timeout 10 "$CONVFILTER" -k identity big.ppm out.png
	assert_eq "$output" "convfilter: 'big.ppm': $big"
	"$MKFIXTURE" jpeg-size 60000 60000 big.jpg
	run -1 timeout 10 "$CONVFILTER" -k identity big.jpg out.png
	assert_eq "$output" "convfilter: 'big.jpg': image is 60000x60000, over the 128000000-pixel limit (--max-pixels)"
	"$MKFIXTURE" png-header 70000 1 wide.png
	run -1 timeout 10 "$CONVFILTER" -k identity wide.png out.png
	assert_eq "$output" "convfilter: 'wide.png': image side 70000 is over the 65535 limit (--max-side)"
	printf 'P7\nWIDTH 4000000000\nHEIGHT 4000000000\nDEPTH 4\nMAXVAL 65535\nENDHDR\n' > huge.pam
	run -1 timeout 10 "$CONVFILTER" -k identity huge.pam out.png
	assert_eq "$output" "convfilter: 'huge.pam': image is 4000000000x4000000000, over the 128000000-pixel limit (--max-pixels)"
	no_file out.png
}

# PngSuite (c) Willem van Schaik, from the shared corpus beside the
# repository (CI has it).  It is not copied into the repository: the files
# came from a GitHub repository, and the workplace keeps such data out of
# project repositories.
@test "PngSuite: every valid file loads, every x* file is rejected" {
	local f bad=
	[ -d "$PNGSUITE" ] || skip "no PngSuite at $PNGSUITE"
	[ "$(ls "$PNGSUITE"/*.png | wc -l)" -ge 170 ]
	for f in "$PNGSUITE"/*.png; do
		case ${f##*/} in
		x*)	cf -k identity "$f" out.pam 2>/dev/null &&
			    bad="$bad accepted:${f##*/}" ;;
		*)	cf -k identity "$f" out.pam 2>/dev/null ||
			    bad="$bad rejected:${f##*/}" ;;
		esac
		rm -f out.pam
	done
	assert_eq "$bad" ""
}

@test "PngSuite: a PNG to PNG identity run reproduces the loaded pixels exactly" {
	local f bad=
	[ -d "$PNGSUITE" ] || skip "no PngSuite at $PNGSUITE"
	for f in "$PNGSUITE"/[!x]*.png; do
		cf -k identity "$f" want.pam &&
		    cf -k identity "$f" out.png &&
		    cf -k identity out.png got.pam &&
		    [ "$(dims got.pam)" = "$(dims want.pam)" ] &&
		    cmp -s got.pam want.pam || bad="$bad ${f##*/}"
		rm -f want.pam out.png got.pam
	done
	assert_eq "$bad" ""
}

@test "PngSuite: interlaced files load like their progressive twins" {
	local d=$PNGSUITE
	[ -d "$d" ] || skip "no PngSuite at $d"
	run -0 cf -k identity "$d/basn0g16.png" g16.pam
	assert_eq "$(dims g16.pam)" "32 32 1"
	run -0 cf -k identity "$d/basi0g16.png" i16.pam
	same_image i16.pam g16.pam
	run -0 cf -k identity "$d/basn3p08.png" p8.pam
	run -0 cf -k identity "$d/basi3p08.png" pi8.pam
	same_image pi8.pam p8.pam
	run -0 cf -k identity "$d/tbbn3p08.png" t.pam
	assert_eq "$(dims t.pam)" "32 32 4"
}

@test "external corpus: every file gets its expected verdict, never a crash" {
	local list=$CORPUS/external/EXTERNAL.tsv p want rest rc bad=
	[ -f "$list" ] || skip "no external corpus at $CORPUS/external"
	while IFS=$'\t' read -r p want rest; do
		case $p in '#'*|'') continue ;; esac
		[ -f "$CORPUS/external/$p" ] || continue
		rc=0
		timeout 20 "$CONVFILTER" -k identity "$CORPUS/external/$p" \
		    out.pam 2>/dev/null || rc=$?
		case $want:$rc in
		load:0|reject:1|reject-limit:1|strict:1|either:[01]) ;;
		*) bad="$bad $p($want,exit $rc)" ;;
		esac
		rm -f out.pam
	done < "$list"
	assert_eq "$bad" ""
}

@test "PBM P4 (pngtopnm's 1-bit output) and plain P1 load as gray, 1 bits black" {
	# 10x2: rows 1010010110 and 0000111111, each padded to whole bytes
	printf 'P4\n10 2\n\245\200\017\300' > b.pbm
	run -0 cf -k identity b.pbm b.pgm
	assert_eq "$(samples b.pgm)" "0 255 0 255 255 0 255 0 0 255 255 255 255 255 0 0 0 0 0 0"
	# plain: whitespace between bits is optional, comments in the header
	printf 'P1\n# a comment\n10 2\n1 0 1 0 0 1 0 1 1 0\n0000111111' > p.pbm
	run -0 cf -k identity p.pbm p.pgm
	cmp b.pgm p.pgm
}

@test "plain P2 and P3 load exactly as their binary twins, 8 and 16 bits" {
	printf 'P2\n3 1\n15\n0 7\n 15\n' > a.pgm
	run -0 cf -k identity a.pgm a8.pgm
	assert_eq "$(samples a8.pgm)" "0 119 255"
	printf 'P3\n2 1\n65535\n0 65535 32768\n1 2 3' > c.ppm
	run -0 cf -k identity c.ppm c16.pam
	assert_eq "$(tail -c 12 c16.pam | od -An -tu2 --endian=big | tr -s ' ' | sed 's/^ //')" "0 65535 32768 1 2 3"
	"$MKFIXTURE" png rgb 8 7 5 rgb.png
	cf -k identity rgb.png rgb.ppm
	# the plain form of a binary PPM, written here
	{ printf 'P3\n7 5\n255\n'; tail -c 105 rgb.ppm | od -An -v -tu1; } > plain.ppm
	run -0 cf -k identity plain.ppm back.ppm
	cmp rgb.ppm back.ppm
}

@test "netpbm's own P4 and plain files load as the PNG they came from" {
	command -v pngtopnm >/dev/null && command -v pnmtoplainpnm >/dev/null ||
	    skip "netpbm (pngtopnm, pnmtoplainpnm) is not installed"
	"$MKFIXTURE" png gray 1 13 3 g1.png
	"$MKFIXTURE" png rgb 16 9 4 c16.png
	pngtopnm g1.png > g1.pbm
	assert_eq "$(head -c 2 g1.pbm)" P4
	pnmtoplainpnm g1.pbm > g1p.pbm
	pngtopnm c16.png > c16.ppm
	pnmtoplainpnm c16.ppm > c16p.ppm
	cf -k identity g1.png want.pgm
	for f in g1.pbm g1p.pbm; do
		run -0 cf -k identity $f got.pgm
		cmp want.pgm got.pgm
	done
	cf -k identity c16.png want.pam
	run -0 cf -k identity c16p.ppm got.pam
	cmp want.pam got.pam
}

@test "a PAM of more than 4 channels is a tensor, as a .npy" {
	printf 'P7\nWIDTH 2\nHEIGHT 1\nDEPTH 5\nMAXVAL 255\nTUPLTYPE FEATURES\nENDHDR\n\1\2\3\4\5\6\7\10\11\12' > t.pam
	run -0 cf --info t.pam
	assert_eq "${lines[0]}" "input: 5x1x2 (C x H x W)"
	# to PAM: the same samples back; to .npy: [5, 1, 2] floats
	run -0 cf -k identity t.pam back.pam
	assert_eq "$(tail -c 10 back.pam | od -An -tu1 | tr -s ' ' | sed 's/^ //;s/ $//')" "1 2 3 4 5 6 7 8 9 10"
	run -0 cf -k identity t.pam t.npy
	[[ $(head -c 80 t.npy) == *"'shape': (5, 1, 2)"* ]]
	assert_eq "$(tail -c 40 t.npy | od -An -v -tf4 | tr -s ' \n' ' ' | sed 's/^ //;s/ $//')" "1 6 2 7 3 8 4 9 5 10"
	# an image format holds at most 4
	run -1 cf -k identity t.pam t.png
	assert_eq "$output" "convfilter: 't.png': the result has 5 channels; an image holds 1 to 4 (write .npy or .pam)"
}
