# test_helper.bash - loaded by every tests/*.bats file.
#
# $CONVFILTER  the binary under test (make check sets it; default ./convfilter)
# $MKFIXTURE   the fixture generator built from tests/tools/mkfixture.c
# Scratch files go in $BATS_TEST_TMPDIR (one per test, removed by bats).

bats_require_minimum_version 1.5.0

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
: "${CONVFILTER:=$TOP/convfilter}"
: "${MKFIXTURE:=$TOP/build/mkfixture}"
export CONVFILTER MKFIXTURE
# The corpora beside the repository (present in CI), if any.
CORPUS=${CF_CORPUS:-$TOP/../shared/corpus}
PNGSUITE=${CF_PNGSUITE:-$CORPUS/pngsuite}

cf() {
	"$CONVFILTER" "$@"
}

# pgm W H BYTE... : write an 8-bit binary PGM to stdout.
pgm() {
	local w=$1 h=$2 b
	shift 2
	printf 'P5\n%d %d\n255\n' "$w" "$h"
	for b in "$@"; do printf "\\$(printf '%03o' "$b")"; done
}

# ppm W H BYTE... : write an 8-bit binary PPM (RGB interleaved) to stdout.
ppm() {
	local w=$1 h=$2 b
	shift 2
	printf 'P6\n%d %d\n255\n' "$w" "$h"
	for b in "$@"; do printf "\\$(printf '%03o' "$b")"; done
}

# samples FILE : the sample bytes of a PNM/PAM FILE written by convfilter
# (8-bit, so the samples are the last W*H*C bytes), as decimal numbers on
# one line separated by single spaces.
samples() {
	local n
	n=$(pnm_numel "$1")
	tail -c "$n" "$1" | od -An -v -tu1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}

# pnm_numel FILE : W*H*C of a P5/P6/P7 file.
pnm_numel() {
	awk 'NR==1 { m=$1 }
	     m=="P7" && $1=="WIDTH" { w=$2 } m=="P7" && $1=="HEIGHT" { h=$2 }
	     m=="P7" && $1=="DEPTH" { c=$2 }
	     m=="P7" && $1=="ENDHDR" { print w*h*c; exit }
	     m!="P7" && NR==2 { print $1*$2*(m=="P6"?3:1); exit }' "$1"
}

# assert_eq GOT WANT : fail with both values shown.
assert_eq() {
	if [ "$1" != "$2" ]; then
		printf 'got:  %s\nwant: %s\n' "$1" "$2" >&2
		return 1
	fi
}

# no_file PATH : fail if PATH exists.
no_file() {
	if [ -e "$1" ]; then
		echo "unexpected file: $1" >&2
		return 1
	fi
}
