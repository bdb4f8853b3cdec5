#!/usr/bin/env bats
# Writing the output safely: temporary files and signals, outputs that are
# not regular files, what a replaced file keeps, batch collisions.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	pgm 4 3 0 10 20 30 40 50 60 70 80 90 100 110 > one.pgm
	cf -k box one.pgm want.pgm
}

# wait_for GLOB : poll up to 10 s until a file matching GLOB exists.
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		compgen -G "$1" >/dev/null && return 0
		sleep 0.1
	done
	echo "no $1 appeared" >&2
	return 1
}

# killed SIG OUTDIR INPUT... : run a batch (or one file with OUTDIR '-')
# whose inputs are FIFOs fed half an image, so each worker holds its
# temporary file; send SIG once every temporary file exists; print the
# exit status.  Job control (set -m) gives the job default SIGINT and
# SIGQUIT, which a background job of a script would otherwise ignore.
killed() {
	local sig=$1 dir=$2 f pid st n=0
	shift 2
	for f in "$@"; do mkfifo "$f"; done
	set -m
	if [ "$dir" = - ]; then
		"$CONVFILTER" -k box "$1" out.pgm 2>err &
	else
		"$CONVFILTER" -k box -j "$#" -o "$dir" "$@" 2>err &
	fi
	pid=$!
	set +m
	for f in "$@"; do
		n=$((n + 1))
		eval "exec $((n + 2))>\"\$f\""
		printf 'P5\n100 100\n255\n' >&$((n + 2))
		head -c 5000 /dev/zero >&$((n + 2))
	done
	local tdir=.
	[ "$dir" = - ] || tdir=$dir
	for ((i = 0; i < 100; i++)); do
		[ "$(compgen -G "$tdir/.convfilter-*" | wc -l)" -ge "$#" ] && break
		sleep 0.1
	done
	[ "$(compgen -G "$tdir/.convfilter-*" | wc -l)" -eq "$#" ] ||
	    { echo "temporary files missing" >&2; kill -KILL $pid; return 1; }
	kill -"$sig" $pid
	st=0
	wait $pid || st=$?
	for ((i = 3; i < n + 3; i++)); do eval "exec $i>&-"; done
	echo "$st"
}

@test "SIGINT, SIGTERM, SIGHUP and SIGQUIT remove the temporary file and keep the old output" {
	for sig in INT TERM HUP QUIT; do
		rm -f in.pgm
		echo old > out.pgm
		st=$(killed $sig - in.pgm)
		assert_eq "$st" $((128 + $(kill -l $sig)))
		assert_eq "$(cat out.pgm)" old
		assert_eq "$(compgen -G '.convfilter-*')" ""
		assert_eq "$(cat err)" ""
	done
}

@test "a signal removes every batch worker's temporary file" {
	mkdir out
	st=$(killed TERM out a.pgm b.pgm c.pgm)
	assert_eq "$st" 143
	assert_eq "$(ls -A out)" ""
}

@test "a closed pipe on stdout ends convfilter silently, as it does cat" {
	{ printf 'P5\n1000 1000\n255\n'; head -c 1000000 /dev/zero | tr '\0' '\7'; } > big.pgm
	run --separate-stderr bash -c '"$CONVFILTER" -k box -f pnm big.pgm - |
	    head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_eq "$output" $((128 + $(kill -l PIPE)))
	assert_eq "$stderr" ""
}

@test "a symlink to /proc/self/fd/1 is written through, never renamed over" {
	mkdir d
	ln -s /proc/self/fd/1 d/stdout
	run -0 bash -c '"$CONVFILTER" -k box -f pnm one.pgm d/stdout > out.pgm'
	[ -L d/stdout ]
	assert_eq "$(readlink d/stdout)" /proc/self/fd/1
	cmp want.pgm out.pgm
	# /dev/stdout and /proc/self/fd/1 themselves, into a pipe and a file
	run -0 bash -c '"$CONVFILTER" -k box -f pnm one.pgm /dev/stdout | cat > p.pgm'
	cmp want.pgm p.pgm
	run -0 bash -c '"$CONVFILTER" -k box -f pnm one.pgm /proc/self/fd/1 > f.pgm'
	cmp want.pgm f.pgm
	assert_eq "$(compgen -G 'd/.convfilter-*')" ""
}

@test "a FIFO output is written directly" {
	mkfifo fifo.pgm
	cat fifo.pgm > got.pgm &
	run -0 cf -k box one.pgm fifo.pgm
	wait
	[ -p fifo.pgm ]
	cmp want.pgm got.pgm
}

@test "replacing a file keeps its mode" {
	echo old > out.pgm
	chmod 600 out.pgm
	run -0 cf -k box one.pgm out.pgm
	cmp want.pgm out.pgm
	assert_eq "$(stat -c %a out.pgm)" 600
	chmod 640 out.pgm
	run -0 cf -k box one.pgm out.pgm
	assert_eq "$(stat -c %a out.pgm)" 640
	# a new file gets what a plain open would (0666 less the umask)
	(umask 027 && cf -k box one.pgm new.pgm)
	assert_eq "$(stat -c %a new.pgm)" 640
}

@test "replacing a file keeps its owner where allowed" {
	[ "$(id -u)" = 0 ] || skip "needs root to own a file as someone else"
	echo old > out.pgm
	chown 12345:23456 out.pgm
	run -0 cf -k box one.pgm out.pgm
	assert_eq "$(stat -c %u:%g out.pgm)" 12345:23456
	cmp want.pgm out.pgm
}

@test "an output that is a symlink is written through to its target" {
	mkdir t
	echo old > t/real.pgm
	chmod 604 t/real.pgm
	ln -s t/real.pgm link.pgm
	ln -s link.pgm link2.pgm
	run -0 cf -k box one.pgm link2.pgm
	[ -L link.pgm ] && [ -L link2.pgm ]
	cmp want.pgm t/real.pgm
	assert_eq "$(stat -c %a t/real.pgm)" 604
	# a dangling link creates its target
	ln -s t/new.pgm dangling.pgm
	run -0 cf -k box one.pgm dangling.pgm
	[ -L dangling.pgm ]
	cmp want.pgm t/new.pgm
	assert_eq "$(ls -A t | tr '\n' ' ')" "new.pgm real.pgm "
}

@test "a hard-linked output is split, as with sed -i" {
	echo old > out.pgm
	ln out.pgm other.pgm
	run -0 cf -k box one.pgm out.pgm
	cmp want.pgm out.pgm
	assert_eq "$(cat other.pgm)" old
}

@test "a failed run leaves the old output and no temporary file" {
	echo old > out.pgm
	printf 'P5\n4 3\n255\n\1\2' > short.pgm
	run -1 cf -k box short.pgm out.pgm
	assert_eq "$(cat out.pgm)" old
	assert_eq "$(compgen -G '.convfilter-*')" ""
}

@test "batch outputs that are one file by another name are exit 2" {
	cp one.pgm a.pgm
	cp one.pgm a.ppm
	run -2 cf -k box --suffix _s -f png ./a.pgm a.ppm
	assert_eq "$output" "convfilter: './a.pgm' and 'a.ppm': both would be written to 'a_s.png'"
	no_file a_s.png
	mkdir -p x/y
	cp one.pgm x/y/b.pgm
	cp one.pgm x/b.pgm
	run -2 cf -k box --suffix _s x/y/../b.pgm x//b.pgm
	assert_eq "$output" "convfilter: 'x/y/../b.pgm' and 'x//b.pgm': both would be written to 'x//b_s.pgm'"
	no_file x/b_s.pgm
}

@test "a replaced file is synced before the rename; a new one is not" {
	command -v strace >/dev/null || skip "strace is not installed"
	# LeakSanitizer cannot run under ptrace
	case $CONVFILTER in *-san) skip "strace and the sanitizers do not mix" ;; esac
	strace -f -qq -e trace=fsync,fdatasync -o new.trace \
	    "$CONVFILTER" -k box one.pgm out.pgm
	cmp out.pgm want.pgm
	! grep -q 'sync(' new.trace
	strace -f -qq -e trace=fsync,fdatasync -o old.trace \
	    "$CONVFILTER" -k box one.pgm out.pgm
	cmp out.pgm want.pgm
	grep -q '^[0-9]* *fsync(' old.trace
}
