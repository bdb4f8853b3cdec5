#!/usr/bin/env bats
# Caps on memory and size: --max-memory, samples against --max-pixels,
# the engine's limits named by the option that raises them.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	{ printf 'P5\n1000 1000\n255\n'; head -c 1000000 /dev/zero | tr '\0' '\7'; } > big.pgm
}

# u8bank N : an .npy [N, 1, 1, 1] uint8 bank of ones on stdout
u8bank() {
	local hdr="{'descr': '|u1', 'fortran_order': False, 'shape': ($1, 1, 1, 1), }"
	local len=$(( ${#hdr} + 1 ))
	printf '\223NUMPY\001\000'
	printf "\\$(printf %03o $((len & 255)))\\$(printf %03o $((len >> 8)))"
	printf '%s\n' "$hdr"
	head -c "$1" /dev/zero | tr '\0' '\1'
}

@test "output samples, channels included, count against --max-pixels' budget" {
	u8bank 2000 > bank.npy
	[ "$(wc -c < bank.npy)" -lt 10000 ]
	run -1 bash -c 'case $CONVFILTER in *-san) ;; *) ulimit -v 262144 ;; esac
	    exec timeout 10 "$CONVFILTER" -k bank.npy big.pgm out.npy'
	assert_eq "$output" "convfilter: 'bank.npy': output would be 1000x1000 with 2000 channels, over the 512000000-sample limit (4 x --max-pixels)"
	no_file out.npy
	# raised, the budget moves with it (the engine's own limit is 2^31)
	run -1 cf --max-pixels 1000000 -k bank.npy big.pgm out.npy
	assert_eq "$output" "convfilter: 'bank.npy': output would be 1000x1000 with 2000 channels, over the 4000000-sample limit (4 x --max-pixels)"
	# four channels per pixel fit, as for any RGBA image
	u8bank 4 > four.npy
	run -0 cf --max-pixels 1000000 -k four.npy big.pgm four.npy
}

@test "an output too large for the engine names --max-pixels" {
	run -1 cf -p 100000 -k box big.pgm out.pgm
	assert_eq "$output" "convfilter: 'box': output would be 200998x200998, over the 128000000-pixel limit (--max-pixels)"
	no_file out.pgm
}

@test "--max-memory bounds whole images, streamed rows and the JPEG decoder" {
	run -1 cf --max-memory 3M --no-stream -k box big.pgm out.pgm
	assert_eq "$output" "convfilter: over the memory limit (--max-memory)"
	run -0 cf --max-memory 64M --no-stream -k box big.pgm out.pgm
	run -1 cf --max-memory 1M -k gaussian:40 big.pgm out2.pgm
	assert_eq "$output" "convfilter: 'big.pgm': streaming needs 2 MiB of rows, over the memory limit (--max-memory)"
	no_file out2.pgm
	"$MKFIXTURE" jpeg progressive 1024 1024 p.jpg
	run -1 cf --max-memory 2M -k identity p.jpg p.pgm
	[[ $output == "convfilter: 'p.jpg': JPEG decoder needs more than 2097152 bytes of memory (--max-memory)" ]]
	run -0 cf -k identity p.jpg p.pgm
}

@test "--max-memory takes a size of at least 1M" {
	run -2 cf --max-memory 5 -k box big.pgm out.pgm
	assert_eq "$output" "convfilter: --max-memory: '5' is less than 1M"
	run -2 cf --max-memory 1X -k box big.pgm out.pgm
	assert_eq "$output" "convfilter: --max-memory: '1X' is not an integer from 1 to 9223372036854775807"
	run -2 cf --max-memory 1MB -k box big.pgm out.pgm
	assert_eq "$output" "convfilter: --max-memory: '1MB' is not a size (N, Nk, NM or NG)"
	run -0 cf --max-memory 2G -k box big.pgm out.pgm
	run -0 cf --max-memory 1048576 -k box big.pgm out.pgm
}
