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

@test "make install honours lower-case prefix, INSTALL_PROGRAM and INSTALL_DATA, and compiles in the kernel directory" {
	t=$BATS_TEST_TMPDIR
	# a build of its own (unoptimised: quick) so the compiled-in
	# directory is the one under test
	run -0 make -C "$TOP" -j2 B="$t/b" BIN="$t/b/convfilter" CFLAGS=-O0 \
	    install prefix="$t/usr" INSTALL_PROGRAM="install -m 700" \
	    INSTALL_DATA="install -m 600"
	assert_eq "$(stat -c %a "$t/usr/bin/convfilter")" 700
	assert_eq "$(stat -c %a "$t/usr/share/man/man1/convfilter.1")" 600
	assert_eq "$(stat -c %a "$t/usr/share/convfilter/filters/binomial3.kernel")" 600
	# moved away from its tree, it finds the kernels where prefix put them
	mkdir "$t/elsewhere"
	cp "$t/usr/bin/convfilter" "$t/elsewhere/"
	cd "$t"
	run -0 "$t/elsewhere/convfilter" --list-kernels
	[[ $output == *"binomial3 "*"($t/usr/share/convfilter/filters/binomial3.kernel)"* ]]
	# another prefix rebuilds what it compiled in; PREFIX is an alias
	run -0 make -C "$TOP" B="$t/b" BIN="$t/b/convfilter" CFLAGS=-O0 \
	    install PREFIX="$t/opt"
	cp "$t/opt/bin/convfilter" "$t/elsewhere/"
	run -0 "$t/elsewhere/convfilter" --list-kernels
	[[ $output == *"binomial3 "*"($t/opt/share/convfilter/filters/binomial3.kernel)"* ]]
}

@test "LICENSE is MIT and --version says so" {
	run -0 head -1 "$TOP/LICENSE"
	assert_eq "$output" "MIT License"
	grep -qx "Copyright (c) 2026 the convfilter authors" "$TOP/LICENSE"
	run -0 cf --version
	assert_eq "${lines[1]}" "Copyright (c) the convfilter authors; MIT License (see LICENSE)"
}

@test "the build stops with one line naming the packages when pkg-config cannot find them" {
	run -2 make -C "$TOP" PKG_CONFIG=false B="$BATS_TEST_TMPDIR/b" BIN="$BATS_TEST_TMPDIR/cf"
	[[ $output == *"convfilter: missing build packages: pkg-config cannot find libpng libjpeg zlib libtiff-4 libwebp libwebpmux libwebpdemux (run 'make deps' or apt-get install pkg-config libpng-dev libjpeg-dev zlib1g-dev libtiff-dev libwebp-dev)"* ]]
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

@test "check-layers passes on the tree and fails on an include up a layer, into io from the engine, or a cycle" {
	run -0 "$TOP/tests/tools/check-layers.sh" "$TOP/src"
	cp -r "$TOP/src" "$BATS_TEST_TMPDIR/src"
	s=$BATS_TEST_TMPDIR/src
	printf '#include "cli/util.h"\n' >> "$s/engine/conv.c"
	run -1 "$TOP/tests/tools/check-layers.sh" "$s"
	[[ $output == *'engine/conv.c: includes "cli/util.h", a layer above engine'* ]]
	cp "$TOP/src/engine/conv.c" "$s/engine/conv.c"
	printf '#include "io/img.h"\n' >> "$s/engine/pool.c"
	run -1 "$TOP/tests/tools/check-layers.sh" "$s"
	[[ $output == *'engine/pool.c: includes "io/img.h"; the engine never uses io'* ]]
	cp "$TOP/src/engine/pool.c" "$s/engine/pool.c"
	printf '#include "engine/filter.h"\n' >> "$s/engine/conv_geom.h"
	run -1 "$TOP/tests/tools/check-layers.sh" "$s"
	[[ $output == *"include cycle: "*"engine/conv_geom.h"* ]]
	cp "$TOP/src/engine/conv_geom.h" "$s/engine/conv_geom.h"
	printf '#include "tensor.h"\n' >> "$s/base/err.c"
	run -1 "$TOP/tests/tools/check-layers.sh" "$s"
	[[ $output == *'base/err.c: "tensor.h" is not path-qualified'* ]]
}
