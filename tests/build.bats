#!/usr/bin/env bats
# The build: install layout, missing packages, the demo.

load test_helper

@test "make install honours DESTDIR and PREFIX, and the installed tree finds its kernels" {
	d=$BATS_TEST_TMPDIR/root
	# -o: install the binary under test as it is, never rebuild it here
	bin=${CONVFILTER#$TOP/}
	run -0 make -C "$TOP" -o "$bin" install DESTDIR="$d" PREFIX=/opt/cf BIN="$bin"
	[ -x "$d/opt/cf/bin/convfilter" ]
	[ -f "$d/opt/cf/share/man/man1/convfilter.1" ]
	[ -f "$d/opt/cf/share/man/man5/convfilter.5" ]
	[ -f "$d/opt/cf/share/convfilter/filters/binomial3.kernel" ]
	cd "$BATS_TEST_TMPDIR"
	run -0 "$d/opt/cf/bin/convfilter" --list-kernels
	[[ $output == *"binomial3 "*"$d/opt/cf/bin/../share/convfilter/filters/binomial3.kernel"* ]]
	run -0 make -C "$TOP" uninstall DESTDIR="$d" PREFIX=/opt/cf
	no_file "$d/opt/cf/bin/convfilter"
	no_file "$d/opt/cf/share/convfilter/filters"
}

@test "the build stops with one line naming the packages when pkg-config cannot find them" {
	run -2 make -C "$TOP" PKG_CONFIG=false B="$BATS_TEST_TMPDIR/b" BIN="$BATS_TEST_TMPDIR/cf"
	[[ $output == *"convfilter: missing build packages: pkg-config cannot find libpng libjpeg zlib (run 'make deps' or apt-get install pkg-config libpng-dev libjpeg-dev zlib1g-dev)"* ]]
	no_file "$BATS_TEST_TMPDIR/cf"
}

@test "the man pages pass mandoc -Tlint" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	run -0 mandoc -Tlint -W warning "$TOP/man/convfilter.1" "$TOP/man/convfilter.5"
	[ -z "$output" ]
}

@test "the repository has no file over 1 MiB" {
	cd "$TOP"
	git rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout"
	big=$(git ls-files -z | xargs -0 -r stat -c '%s %n' 2>/dev/null | awk '$1 > 1048576')
	[ -z "$big" ]
}
