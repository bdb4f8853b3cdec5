#!/usr/bin/env bats
# The progress bar, under a pseudo-terminal (script(1) from util-linux):
# one line redrawn in place, fitted to the terminal's width and following
# it, moving with the rows of a file, erased at the end.

load test_helper

setup() {
	command -v script >/dev/null || skip "script (util-linux) is not installed"
	cd "$BATS_TEST_TMPDIR"
	pgm 4 3 0 10 20 30 40 50 60 70 80 90 100 110 > one.pgm
}

# segments FILE : what a terminal shows line by line: split at CR and LF,
# the erase-to-end-of-line sequence dropped
segments() {
	tr '\r' '\n' < "$1" | sed 's/\x1b\[K//g' | grep -v '^$'
}

# widest FILE : the longest segment but the batch summary
widest() {
	segments "$1" | grep -v ' done, .* failed$' |
	    awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }'
}

@test "the bar fits the terminal's width, on one line, and is erased at the end" {
	local i
	for ((i = 1; i <= 80; i++)); do cp one.pgm "f$i.pgm"; done
	for cols in 40 80 20; do
		script -qec "stty cols $cols; \"\$CONVFILTER\" -k box -j 2 -o out$cols f*.pgm" \
		    /dev/null > tty.log
		[ "$(widest tty.log)" -lt "$cols" ]
		[ "$(widest tty.log)" -gt $((cols / 2)) ]
		# redrawn in place: no newline before the summary
		assert_eq "$(tr -cd '\n' < tty.log | wc -c)" 1
		# erased, then the summary
		[[ $(cat tty.log) == *$'\r\e[Kconvfilter: 80 done, 0 failed\r' ]]
	done
	# wide enough, the words: files, rate, time left
	grep -q '80/80 files, [0-9.]*/s, ETA [0-9]:[0-9][0-9]:[0-9][0-9]' tty.log ||
	    segments tty.log | grep -q ' 80/80$'
	script -qec "stty cols 80; \"\$CONVFILTER\" -k box -o o2 f1.pgm f2.pgm" /dev/null > tty.log
	segments tty.log | grep -Eq '^convfilter: \[#+\] 2/2 files, [0-9.]+/s, ETA 0:00:00$'
}

@test "one big image moves the bar by rows, and a resize (SIGWINCH) refits it" {
	mkfifo in.pgm
	# the rows come in three parts: 50%, 10% and the rest, the terminal
	# narrowed before the last
	cat > run.sh <<'EOS'
stty cols 60
"$CONVFILTER" -j 1 -k box --progress in.pgm out.pgm &
pid=$!
exec 3> in.pgm
printf 'P5\n500 400\n255\n' >&3
head -c 100000 /dev/zero >&3
sleep 0.5
head -c 20000 /dev/zero >&3
sleep 0.5
stty cols 30
kill -WINCH $pid
sleep 0.3
head -c 80000 /dev/zero >&3
exec 3>&-
wait $pid
EOS
	script -qec 'bash run.sh' /dev/null > tty.log
	[ -s out.pgm ]
	# part of the rows read: a part-full bar for a file not done yet
	segments tty.log | grep -Eq '^convfilter: \[#{3,}\.{3,}\] 0/1 files, '
	# 59 columns at most, then, resized, 29
	segments tty.log | sed -n '1,/ 0\/1 files, .* ETA 0/p' |
	    awk '{ if (length($0) > 59) exit 1 }'
	last=$(segments tty.log | grep '\]' | tail -1)
	[ "${#last}" -le 29 ]
	[ "${#last}" -ge 20 ]
	# erased at the end
	[[ $(cat tty.log) == *$'\r\e[K' ]]
}

@test "without a terminal the bar comes only with --progress, and ends its line" {
	run -0 --separate-stderr cf -k box -o out one.pgm
	assert_eq "$stderr" ""
	run -0 --separate-stderr cf -k box --progress one.pgm o.pgm
	[[ $stderr == *"1/1 files"* ]]
	[[ $stderr != *$'\e'* ]]
}
