#!/usr/bin/env bats
# rows.bats - JPEG and PNM/PAM read and written a few rows at a time: the
# streamed run (one stage) gives the bytes and the errors of the
# whole-image one (--no-stream).

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# same IN OUT ARGS... : convfilter ARGS IN OUT streamed and with
# --no-stream give the same exit status, messages and output bytes.
same() {
	local in=$1 out=$2 ext=${2##*.} rs rw
	shift 2
	rm -f "s.$ext" "w.$ext"
	"$CONVFILTER" "$@" "$in" "s.$ext" 2> s.err && rs=0 || rs=$?
	"$CONVFILTER" --no-stream "$@" "$in" "w.$ext" 2> w.err && rw=0 ||
	    rw=$?
	assert_eq "$rs $(sed "s/s\.$ext/OUT/" s.err)" \
	    "$rw $(sed "s/w\.$ext/OUT/" w.err)"
	if [ "$rs" = 0 ]; then
		cmp "s.$ext" "w.$ext"
	else
		no_file "s.$ext"
	fi
}

@test "every JPEG kind streams to JPEG, PPM and PAM as a whole image does" {
	local kind k e
	for kind in gray rgb progressive cmyk ycck; do
		# taller than the 16 rows read per libjpeg call, odd sizes
		"$MKFIXTURE" jpeg "$kind" 37 53 "$kind.jpg"
		for k in identity gaussian:2; do
			for e in jpg ppm pam; do
				same "$kind.jpg" "out.$e" -k "$k"
			done
		done
	done
}

@test "PNM of every depth and maxval streams as a whole image does" {
	perl -e 'print "P5\n61 47\n65535\n",
	    pack("n*", map { $_ * 22 % 65536 } 0 .. 61 * 47 - 1)' > g16.pgm
	perl -e 'print "P6\n33 29\n1000\n",
	    pack("n*", map { $_ * 7 % 1001 } 0 .. 33 * 29 * 3 - 1)' > c1000.ppm
	perl -e 'print "P7\nWIDTH 19\nHEIGHT 23\nDEPTH 4\nMAXVAL 100\n",
	    "TUPLTYPE RGB_ALPHA\nENDHDR\n",
	    pack("C*", map { $_ % 101 } 0 .. 19 * 23 * 4 - 1)' > a100.pam
	local f k e d
	for f in g16.pgm c1000.ppm a100.pam; do
		for k in identity gaussian:2; do
			for e in pgm pam png jpg; do
				for d in 8 16; do
					[ "$e$d" = jpg16 ] && continue
					same "$f" "out.$e" --depth "$d" -k "$k"
				done
			done
		done
	done
}

@test "corrupt data found mid-stream is one error line and no output" {
	"$MKFIXTURE" jpeg rgb 64 64 full.jpg
	head -c $(( $(wc -c < full.jpg) * 2 / 3 )) full.jpg > cut.jpg
	same cut.jpg out.ppm -k identity
	same cut.jpg out.jpg -k gaussian:2
	run -1 cf -k identity cut.jpg out.ppm
	assert_eq "$output" "convfilter: 'cut.jpg': truncated JPEG data"
	# --lenient: the same single warning either way
	same cut.jpg out.ppm --lenient -k identity
	assert_eq "$(cat s.err)" "convfilter: warning: 'cut.jpg': premature end of JPEG file (--lenient)"
	# PNM: a sample over maxval is found before the cut after it
	{ printf 'P5\n4 40\n100\n'; head -c 80 /dev/zero; printf '\145';
	    head -c 20 /dev/zero; } > bad.pgm
	same bad.pgm out.pgm -k identity
	assert_eq "$(cat s.err)" "convfilter: 'bad.pgm': PNM sample 101 is over maxval 100"
	{ printf 'P5\n4 40\n100\n'; head -c 100 /dev/zero; } > cut.pgm
	same cut.pgm out.pgm -k identity
	assert_eq "$(cat s.err)" "convfilter: 'cut.pgm': truncated PNM data"
}
