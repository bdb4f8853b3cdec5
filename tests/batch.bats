#!/usr/bin/env bats
# Batch mode: -o DIR, --suffix, --from-list, parallel files, the summary.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	pgm 4 3 0 10 20 30 40 50 60 70 80 90 100 110 > one.pgm
}

# imgs DIR N : N copies of one.pgm named DIR/img-1.pgm ... DIR/img-N.pgm
imgs() {
	local i
	mkdir -p "$1"
	for ((i = 1; i <= $2; i++)); do cp one.pgm "$1/img-$i.pgm"; done
}

@test "50 files with one corrupt: 49 outputs, one error line, the summary, exit 1" {
	imgs in 50
	echo 'not an image' > in/img-17.pgm
	run -1 --separate-stderr cf -k box:3 -j 4 -o out in/*.pgm
	assert_eq "$output" ""
	assert_eq "${#stderr_lines[@]}" 2
	assert_eq "${stderr_lines[0]}" "convfilter: 'in/img-17.pgm': not a PNG, JPEG, PNM, NPY, TIFF or WebP file"
	assert_eq "${stderr_lines[1]}" "convfilter: 49 done, 1 failed"
	assert_eq "$(ls out | wc -l)" 49
	no_file out/img-17.pgm
}

@test "a batch that succeeds is silent; -v adds the summary" {
	imgs in 3
	run -0 --separate-stderr cf -k box -o out in/*.pgm
	assert_eq "$stderr" ""
	assert_eq "$(ls out | wc -l)" 3
	run -0 --separate-stderr cf -o out2 -v in/img-1.pgm in/img-2.pgm
	assert_eq "${stderr_lines[-1]}" "convfilter: 2 done, 0 failed"
}

@test "batch output is byte for byte the single-file output, for any -j" {
	imgs in 5
	cf -k gaussian:1 -k sobel in/img-3.pgm single.pgm
	cf -k gaussian:1 -k sobel -j 3 -o out in/*.pgm
	cf -k gaussian:1 -k sobel -j 1 -o out1 in/*.pgm
	cmp single.pgm out/img-3.pgm
	cmp single.pgm out1/img-3.pgm
}

@test "-o creates the directory with its parents" {
	run -0 cf -k box -o a/b/c one.pgm
	[ -f a/b/c/one.pgm ]
}

@test "-o on a file that is not a directory is exit 3" {
	touch notdir
	run -3 cf -k box -o notdir/x one.pgm
	assert_eq "$output" "convfilter: 'notdir': Not a directory"
}

@test "-f changes every output's extension" {
	imgs in 2
	run -0 cf -k box -f png -o out in/*.pgm
	assert_eq "$(ls out | tr '\n' ' ')" "img-1.png img-2.png "
	assert_eq "$(head -c 4 out/img-1.png | tail -c 3)" "PNG"
}

@test "--suffix writes beside each input" {
	imgs in 2
	cp one.pgm top.pgm
	run -0 cf -k box --suffix _blur in/img-1.pgm in/img-2.pgm top.pgm
	[ -f in/img-1_blur.pgm ] && [ -f in/img-2_blur.pgm ] && [ -f top_blur.pgm ]
	run -0 cf -k box --suffix _b -f png top.pgm
	[ -f top_b.png ]
}

@test "two inputs with one output name are exit 2 before anything is written" {
	imgs a 2
	imgs b 1
	run -2 cf -k box -o out a/img-1.pgm a/img-2.pgm b/img-1.pgm
	assert_eq "$output" "convfilter: 'a/img-1.pgm' and 'b/img-1.pgm': both would be written to 'out/img-1.pgm'"
	no_file out
	# -f png: one.pgm becomes one.png, like the existing one.png
	cp one.pgm one.png
	run -2 cf -f png -o out one.pgm one.png
	assert_eq "$output" "convfilter: 'one.pgm' and 'one.png': both would be written to 'out/one.png'"
	no_file out
}

@test "--from-list0 reads names with spaces and newlines from stdin" {
	mkdir 'my dir'
	cp one.pgm 'my dir/a b.pgm'
	cp one.pgm $'my dir/c\nd.pgm'
	run -0 bash -c "find 'my dir' -name '*.pgm' -print0 |
	    \"\$CONVFILTER\" --from-list0 - -o out -k sobel"
	[ -f 'out/a b.pgm' ] && [ -f $'out/c\nd.pgm' ]
}

@test "--from-list reads one name a line, with positional inputs too" {
	imgs in 3
	printf 'in/img-1.pgm\n\nin/img-2.pgm\n' > list
	run -0 cf -k box --from-list list -o out in/img-3.pgm
	assert_eq "$(ls out | wc -l)" 3
}

@test "an empty list is nothing to do" {
	run -0 cf -k box --from-list /dev/null -o out
	no_file out/one.pgm
}

@test "batch usage errors: stdin, a list without -o, no input" {
	run -2 cf -k box -o out -
	assert_eq "$output" "convfilter: '-': standard input cannot be a batch input (--from-list - reads names from it)"
	run -2 cf -k box --from-list /dev/null
	assert_eq "$output" "convfilter: --from-list: needs -o DIR or --suffix SUFFIX to name the outputs"
	run -2 cf -k box -o out
	assert_eq "$output" "convfilter: missing input (see convfilter --help)"
	run -1 cf -k box --from-list nolist -o out
	assert_eq "$output" "convfilter: 'nolist': No such file or directory"
	no_file out
}

@test "an unwritable output in a batch is exit 3 and the others complete" {
	imgs in 3
	mkdir out
	mkdir out/img-2.pgm
	run -3 cf -k box -o out in/*.pgm
	assert_eq "${lines[0]}" "convfilter: 'out/img-2.pgm': is a directory"
	assert_eq "${lines[1]}" "convfilter: 2 done, 1 failed"
	[ -f out/img-1.pgm ] && [ -f out/img-3.pgm ]
}

@test "--progress draws a bar and the summary; --quiet drops warnings" {
	imgs in 3
	run -0 --separate-stderr cf -k box --progress -o out in/*.pgm
	[[ $stderr == *"3/3 files"* ]]
	[[ $stderr == *"convfilter: 3 done, 0 failed" ]]
	# without a terminal there is no bar
	run -0 --separate-stderr cf -k box -o out2 in/*.pgm
	assert_eq "$stderr" ""
	printf 'P7\nWIDTH 1\nHEIGHT 1\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n\1\2\3\4' > rgba.pam
	run -0 --separate-stderr cf rgba.pam w.jpg
	assert_eq "$stderr" "convfilter: warning: 'w.jpg': this format cannot store alpha; alpha dropped"
	run -0 --separate-stderr cf --quiet rgba.pam q.jpg
	assert_eq "$stderr" ""
}

@test "GNU parallel drives convfilter over files (README, Scaling out)" {
	command -v parallel >/dev/null ||
	    skip "GNU parallel is not installed (make deps installs it)"
	imgs in 6
	# the README's form, with the local machine (:) as the only host
	run -0 --separate-stderr bash -c "ls in/*.pgm |
	    parallel --will-cite --sshlogin 3/: \
	    \"\$CONVFILTER\" -j 1 -k box {} {.}_blur.pgm"
	assert_eq "$stderr" ""
	assert_eq "$(ls in/*_blur.pgm | wc -l)" 6
	cf -k box in/img-4.pgm single.pgm
	cmp single.pgm in/img-4_blur.pgm
}

@test "xargs -P drives convfilter in batches" {
	imgs in 6
	run -0 bash -c "find in -name '*.pgm' -print0 |
	    xargs -0 -n 2 -P 3 \"\$CONVFILTER\" -j 1 -k box -o out"
	assert_eq "$(ls out | wc -l)" 6
}

@test "a file the chain cannot take is named in its one line and skipped" {
	imgs in 2
	pgm 1 1 5 > in/tiny.pgm
	run -1 --separate-stderr cf -k box:3 -p valid -o out in/img-1.pgm in/tiny.pgm in/img-2.pgm
	assert_eq "${stderr_lines[0]}" "convfilter: 'in/tiny.pgm': 'box:3': kernel 3x3 (dilation 1x1) does not fit the padded input 1x1"
	assert_eq "${stderr_lines[1]}" "convfilter: 2 done, 1 failed"
	[ -f out/img-1.pgm ] && [ -f out/img-2.pgm ]
	no_file out/tiny.pgm
	# alone, the message is the single-file one
	run -1 cf -k box:3 -p valid in/tiny.pgm tiny-out.pgm
	assert_eq "$output" "convfilter: 'box:3': kernel 3x3 (dilation 1x1) does not fit the padded input 1x1"
}

@test "a list's names are at most 4096 bytes and the list 256 MiB: /dev/zero is refused" {
	run -1 bash -c 'case $CONVFILTER in *-san) ;; *) ulimit -v 1048576 ;; esac
	    exec timeout 10 "$CONVFILTER" --from-list /dev/zero -o out'
	assert_eq "$output" "convfilter: '/dev/zero': line 1 is longer than 4096 bytes"
	run -1 bash -c 'case $CONVFILTER in *-san) ;; *) ulimit -v 1048576 ;; esac
	    exec timeout 60 "$CONVFILTER" --from-list0 /dev/zero -o out'
	assert_eq "$output" "convfilter: '/dev/zero': larger than 268435456 bytes, the most a list may hold"
	{ echo one.pgm; printf '%05000d\n' 0; } > long.list
	run -1 cf --from-list long.list -o out
	assert_eq "$output" "convfilter: 'long.list': line 2 is longer than 4096 bytes"
	no_file out
	# empty names are skipped, 4096 bytes is still a name
	printf '\0\0one.pgm\0\0' > ok.list0
	run -0 cf -k box --from-list0 ok.list0 -o out
	[ -f out/one.pgm ]
}

@test "--keep-paths mirrors the inputs' folders under -o DIR (the README's find example)" {
	mkdir -p photos/2024 photos/2025/x
	pgm 2 1 10 20 > photos/2024/a.pgm
	pgm 2 1 30 40 > photos/2025/x/a.pgm
	# without it, two folders with one file name collide
	run -2 bash -c "find photos -name '*.pgm' -print0 | sort -z |
	    \"\$CONVFILTER\" --from-list0 - -o out -k identity"
	assert_eq "$output" "convfilter: 'photos/2024/a.pgm' and 'photos/2025/x/a.pgm': both would be written to 'out/a.pgm'"
	run -0 bash -c "find photos -name '*.pgm' -print0 |
	    \"\$CONVFILTER\" --from-list0 - -o out --keep-paths -k identity"
	assert_eq "$(samples out/photos/2024/a.pgm)" "10 20"
	assert_eq "$(samples out/photos/2025/x/a.pgm)" "30 40"
	# "." and empty components vanish; -f and --suffix-free names as usual
	run -0 cf --keep-paths -f png -o out2 ./photos//2024/./a.pgm
	[ -f out2/photos/2024/a.png ]
	assert_eq "$(find out2 | sort | tr '\n' ' ')" "out2 out2/photos out2/photos/2024 out2/photos/2024/a.png "
}

@test "--keep-paths refuses absolute paths and '..', and needs -o" {
	mkdir d
	pgm 1 1 5 > d/a.pgm
	run -2 cf --keep-paths -o out "$PWD/d/a.pgm"
	assert_eq "$output" "convfilter: '$PWD/d/a.pgm': --keep-paths takes relative paths, not absolute ones"
	run -2 cf --keep-paths -o out d/../d/a.pgm
	assert_eq "$output" "convfilter: 'd/../d/a.pgm': --keep-paths refuses '..', which would write outside the output directory"
	no_file out
	run -2 cf --keep-paths --suffix _x d/a.pgm
	assert_eq "$output" "convfilter: --keep-paths: needs -o DIR to mirror the inputs' folders under"
	run -2 cf --keep-paths d/a.pgm b.pgm
	assert_eq "$output" "convfilter: --keep-paths: needs -o DIR to mirror the inputs' folders under"
	# a name with '..' inside a component is an ordinary name
	mkdir 'x..y'
	pgm 1 1 6 > 'x..y/a..b.pgm'
	run -0 cf --keep-paths -o out 'x..y/a..b.pgm'
	[ -f 'out/x..y/a..b.pgm' ]
}
