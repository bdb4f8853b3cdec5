#!/usr/bin/env bats
# alpha.bats - --alpha premultiply|separate|keep: no dark fringe around a
# transparent-edged logo, and the default per kind of kernel.

load test_helper

# logo FILE : a 16x16 RGBA PAM, an opaque 8x8 square of (200, 120, 40) on a
# fully transparent background whose colour is black (0, 0, 0, 0).
logo() {
	perl -e 'print "P7\nWIDTH 16\nHEIGHT 16\nDEPTH 4\nMAXVAL 255\n",
	    "TUPLTYPE RGB_ALPHA\nENDHDR\n";
	    for $y (0..15) { for $x (0..15) {
		$in = $x >= 4 && $x < 12 && $y >= 4 && $y < 12;
		print pack("C4", $in ? (200, 120, 40, 255) : (0, 0, 0, 0));
	    } }' > "$1"
}

# fringe FILE : "N D": N pixels of the RGBA PAM FILE have alpha > 0, and D
# of them have a channel darker than the logo colour (200, 120, 40).
fringe() {
	perl -e 'local $/; $_ = <STDIN>; s/^.*?ENDHDR\n//s;
	    @v = unpack("C*", $_); ($n, $d) = (0, 0);
	    for ($i = 0; $i < @v; $i += 4) {
		next unless $v[$i + 3] > 0;
		$n++;
		$d++ if $v[$i] < 200 || $v[$i + 1] < 120 || $v[$i + 2] < 40;
	    }
	    print "$n $d\n"' < "$1"
}

# alphas FILE : the alpha samples of an RGBA PAM FILE, one line.
alphas() {
	perl -e 'local $/; $_ = <STDIN>; s/^.*?ENDHDR\n//s;
	    @v = unpack("C*", $_);
	    print join(" ", @v[map { 4 * $_ + 3 } 0 .. @v / 4 - 1]), "\n"' \
	    < "$1"
}

@test "a blurred logo on a transparent background has no dark fringe" {
	logo "$BATS_TEST_TMPDIR/logo.pam"
	run -0 cf -k gaussian:2 "$BATS_TEST_TMPDIR/logo.pam" \
	    "$BATS_TEST_TMPDIR/out.pam"
	run -0 fringe "$BATS_TEST_TMPDIR/out.pam"
	read -r n d <<<"$output"
	# the blur spread alpha well past the square, with no dark pixel
	(( n > 64 ))
	assert_eq "$d" 0
	run -0 cf --alpha premultiply -k box:5 "$BATS_TEST_TMPDIR/logo.pam" \
	    "$BATS_TEST_TMPDIR/box.pam"
	run -0 fringe "$BATS_TEST_TMPDIR/box.pam"
	read -r n d <<<"$output"
	(( n > 64 ))
	assert_eq "$d" 0
}

@test "--alpha separate shows the fringe the default avoids" {
	logo "$BATS_TEST_TMPDIR/logo.pam"
	run -0 cf --alpha separate -k gaussian:2 "$BATS_TEST_TMPDIR/logo.pam" \
	    "$BATS_TEST_TMPDIR/out.pam"
	run -0 fringe "$BATS_TEST_TMPDIR/out.pam"
	read -r n d <<<"$output"
	(( n > 64 ))
	(( d > 0 ))
}

@test "--alpha keep copies alpha exactly" {
	logo "$BATS_TEST_TMPDIR/logo.pam"
	run -0 cf --alpha keep -k gaussian:2 "$BATS_TEST_TMPDIR/logo.pam" \
	    "$BATS_TEST_TMPDIR/out.pam"
	assert_eq "$(alphas "$BATS_TEST_TMPDIR/out.pam")" \
	    "$(alphas "$BATS_TEST_TMPDIR/logo.pam")"
}

@test "sobel on an RGBA image keeps alpha by default" {
	logo "$BATS_TEST_TMPDIR/logo.pam"
	run -0 cf -k sobel "$BATS_TEST_TMPDIR/logo.pam" \
	    "$BATS_TEST_TMPDIR/out.pam"
	assert_eq "$(alphas "$BATS_TEST_TMPDIR/out.pam")" \
	    "$(alphas "$BATS_TEST_TMPDIR/logo.pam")"
	# separate filters alpha too: the flat inside becomes transparent
	run -0 cf --alpha separate -k sobel "$BATS_TEST_TMPDIR/logo.pam" \
	    "$BATS_TEST_TMPDIR/sep.pam"
	[ "$(alphas "$BATS_TEST_TMPDIR/sep.pam")" != \
	    "$(alphas "$BATS_TEST_TMPDIR/logo.pam")" ]
}

@test "--alpha premultiply leaves an image without alpha unchanged" {
	ppm 2 1 10 20 30 40 50 60 > "$BATS_TEST_TMPDIR/in.ppm"
	run -0 cf -k box:2 "$BATS_TEST_TMPDIR/in.ppm" "$BATS_TEST_TMPDIR/a.ppm"
	run -0 cf --alpha premultiply -k box:2 "$BATS_TEST_TMPDIR/in.ppm" \
	    "$BATS_TEST_TMPDIR/b.ppm"
	cmp "$BATS_TEST_TMPDIR/a.ppm" "$BATS_TEST_TMPDIR/b.ppm"
}

@test "--alpha keep refuses a chain that changes the size" {
	logo "$BATS_TEST_TMPDIR/logo.pam"
	run -2 cf --alpha keep -s 2 -k box:3 "$BATS_TEST_TMPDIR/logo.pam" \
	    "$BATS_TEST_TMPDIR/out.pam"
	assert_eq "$output" "convfilter: --alpha keep: the chain changes the \
image size; keep needs stride 1 and same padding"
	no_file "$BATS_TEST_TMPDIR/out.pam"
}

@test "the default with a strided edge kernel filters alpha separately" {
	logo "$BATS_TEST_TMPDIR/logo.pam"
	run -0 cf -s 2 -k sobel "$BATS_TEST_TMPDIR/logo.pam" \
	    "$BATS_TEST_TMPDIR/a.pam"
	run -0 cf --alpha separate -s 2 -k sobel "$BATS_TEST_TMPDIR/logo.pam" \
	    "$BATS_TEST_TMPDIR/b.pam"
	cmp "$BATS_TEST_TMPDIR/a.pam" "$BATS_TEST_TMPDIR/b.pam"
}

@test "rejects an unknown --alpha mode" {
	run -2 cf --alpha over -k box:3 - -
	assert_eq "$output" "convfilter: --alpha: 'over' is not premultiply, \
separate or keep"
}
