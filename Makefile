# convfilter - a plain Makefile: explicit object lists, no recursion.
#
#   make            build ./convfilter
#   make check      build and run the whole test suite
#   make check-layers  the include rule of src/README
#   make demo       filter samples/ into demo/ (ignored by git)
#   make deps       install the Debian build and test packages if missing
#   make sanitize   make check under ASan + UBSan + LSan (clang)
#   make fuzz       build the libFuzzer targets and seeds in build-fuzz/
#   make fuzz-smoke run each fuzzer FUZZ_TIME (15) seconds; fail on a crash
#   make memcheck   a representative subset under valgrind, zero errors
#   make install    honours prefix (or PREFIX), DESTDIR, INSTALL_PROGRAM
#                   and INSTALL_DATA; the kernel directory compiled in
#                   follows prefix (and filtersdir)

# GNU directory variables; PREFIX is an alias of prefix.
PREFIX ?= /usr/local
prefix ?= $(PREFIX)
exec_prefix ?= $(prefix)
bindir ?= $(exec_prefix)/bin
datadir ?= $(prefix)/share
mandir ?= $(datadir)/man
filtersdir ?= $(datadir)/convfilter/filters
INSTALL ?= install
INSTALL_PROGRAM ?= $(INSTALL)
INSTALL_DATA ?= $(INSTALL) -m 644

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
BATS ?= bats
PKGS = libpng libjpeg zlib libtiff-4 libwebp libwebpmux libwebpdemux

# Build directory and binary; `make sanitize` uses its own.
B ?= build
BIN ?= convfilter

# Required flags come before the user's CFLAGS so the user can override.
CF_CPPFLAGS = -Isrc
CF_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -pthread \
	-DCF_FILTERSDIR='"$(filtersdir)"' -DCF_VERSION='"$(VERSION)"'
VERSION = 1.0
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
LIBS = $(PKG_LIBS) -lm -pthread

# The layers (src/README): base <- io <- kernels <- engine <- cli.  The
# first four make the internal library; the command line links it.
BASE = base/err base/parallel base/tensor
IO = io/img io/img_util io/png io/jpeg io/pnm io/npy io/tiff io/webp
KERNELS = kernels/kernel kernels/stage kernels/peers kernels/presets \
	kernels/load kernels/draw
ENGINE = engine/conv engine/conv_geom engine/conv_ref engine/conv_band engine/conv_fast engine/conv_transpose \
	engine/conv_rows engine/pool engine/convert engine/alpha engine/info \
	engine/stream engine/stream_plan engine/stream_strip engine/filter \
	engine/pipe engine/pipe_node engine/levels engine/grid
CLI = cli/main cli/options cli/help cli/pipeline cli/output cli/print \
	cli/util cli/kernel_path cli/batch cli/like

LIB_OBJS = $(BASE:%=$(B)/%.o) $(IO:%=$(B)/%.o) $(KERNELS:%=$(B)/%.o) \
	$(ENGINE:%=$(B)/%.o)
CLI_OBJS = $(CLI:%=$(B)/%.o)
LIB = $(B)/libconvfilter.a
UNIT_TESTS = $(B)/test_conv $(B)/test_kernel $(B)/test_fast $(B)/test_tensor $(B)/test_alpha $(B)/test_stream $(B)/test_stream_portable $(B)/test_pipe
TOOLS = $(B)/mkfixture $(B)/mkbad

all: $(BIN)

$(BIN): $(CLI_OBJS) $(LIB)
	$(CC) $(CF_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LIBS)

$(LIB): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJS)

$(B)/%.o: src/%.c | pkgcheck
	@mkdir -p $(@D)
	$(CC) $(CF_CPPFLAGS) $(CF_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# sqrt may vectorise in the fast engine (its arguments are never negative).
$(B)/engine/conv_fast.o $(B)/engine/conv_band.o: CF_CFLAGS += -fno-math-errno
# and the streaming checks (no FP exceptions are ever looked at).
$(B)/engine/stream_strip.o $(B)/engine/stream_plan.o: CF_CFLAGS += -fno-math-errno -fno-trapping-math

$(B)/test_%: tests/unit/test_%.c $(LIB) tests/unit/tap.h
	$(CC) $(CF_CPPFLAGS) $(CF_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# test_stream again on the portable loops (no AVX clones, no AVX-512),
# which this machine would otherwise never run.
PORTABLE = engine/stream engine/stream_plan engine/stream_strip \
	engine/filter engine/conv_rows
PORTABLE_OBJS = $(PORTABLE:%=$(B)/portable/%.o)
$(B)/portable/%.o: src/%.c | pkgcheck
	@mkdir -p $(@D)
	$(CC) $(CF_CPPFLAGS) $(CF_CFLAGS) -DCF_PORTABLE -fno-math-errno -fno-trapping-math \
	  $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<
$(B)/test_stream_portable: tests/unit/test_stream.c $(LIB) $(PORTABLE_OBJS) tests/unit/tap.h
	$(CC) $(CF_CPPFLAGS) $(CF_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
	  $(PORTABLE_OBJS) $(LIB) $(LIBS)

$(B)/mkfixture: tests/tools/mkfixture.c | pkgcheck $(B)
	$(CC) $(CF_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS)

# The generated bad-input corpus (tests/bad.bats); zlib comes with libpng.
$(B)/mkbad: tests/tools/mkbad.c | pkgcheck $(B)
	$(CC) $(CF_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS) -lz

$(B):
	mkdir -p $@

# The kernel directory compiled into kernel_path.o: rebuilt when prefix or
# filtersdir changes, so \`make install prefix=/usr\` finds its kernels.
$(B)/filtersdir: FORCE
	@mkdir -p $(@D)
	@echo '$(filtersdir)' | cmp -s - $@ || echo '$(filtersdir)' > $@
$(B)/cli/kernel_path.o: $(B)/filtersdir
FORCE:

# Stop with one clear line when a library is missing.
pkgcheck:
	@$(PKG_CONFIG) --exists $(PKGS) 2>/dev/null || { \
	  echo "convfilter: missing build packages: pkg-config cannot find $(PKGS) (run 'make deps' or apt-get install pkg-config libpng-dev libjpeg-dev zlib1g-dev libtiff-dev libwebp-dev)" >&2; \
	  exit 1; }

check: check-layers $(BIN) $(UNIT_TESTS) $(TOOLS)
	@for t in $(UNIT_TESTS); do \
	  if $$t > $$t.log; then echo "$$t: $$(grep -c '^ok' $$t.log) passed"; \
	  else grep -v '^ok' $$t.log; echo "$$t: FAILED"; exit 1; fi; done
	CONVFILTER=$(CURDIR)/$(BIN) MKFIXTURE=$(CURDIR)/$(B)/mkfixture \
	  MKBAD=$(CURDIR)/$(B)/mkbad \
	  $(BATS) --formatter pretty tests/

# The include rule of src/README (tests/tools/check-layers.sh).
check-layers:
	@tests/tools/check-layers.sh src && echo "check-layers: the includes keep the layers"

demo: $(BIN)
	@mkdir -p demo
	./$(BIN) -k gaussian:2 samples/photo.jpg demo/photo-blur.jpg
	./$(BIN) --kernel sobel samples/photo.png demo/photo-sobel.png
	./$(BIN) -k sharpen samples/photo.png demo/photo-sharpen.png
	./$(BIN) -k box:5 -k sobel:x --abs samples/chart.png demo/chart-edges-x.png
	./$(BIN) -k emboss samples/chart.png demo/chart-emboss.png
	@echo "demo: wrote $$(ls demo | wc -l) images into demo/"

# Debian packages for building and testing; installed only when missing.
DEPS_PKGS = gcc make pkg-config libpng-dev libjpeg-dev zlib1g-dev bats mandoc parallel \
	libtiff-dev libwebp-dev libtiff-tools webp libvips-tools
# The peers tests/peers.bats checks against (skipped when absent).  All
# of them cost about 3 minutes of apt on a fresh machine, 900 MB, mostly
# python3-opencv's and python3-torch's closures: CI gets the cheap ones,
# `make deps PEERS=all` adds those two.
PEER_PKGS = imagemagick python3-numpy \
	$(if $(filter all,$(PEERS)),python3-opencv python3-torch)
deps:
	@missing=; for p in $(DEPS_PKGS) $(PEER_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "deps: all build and test packages are installed"; fi

SAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
sanitize:
	$(MAKE) B=build-san BIN=convfilter-san CC=clang \
	  CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" check

# libFuzzer targets (clang) for the image loaders and the kernel parser,
# built in build-fuzz with ASan + UBSan; seed corpora are generated from
# tests/ and filters/ into build-fuzz/seeds.  `make fuzz` builds them and
# the seeds; `make fuzz-smoke` runs each target FUZZ_TIME seconds and fails
# on any crash, leak, timeout or sanitizer report (the reproducer is left
# in build-fuzz/ as crash-*, leak-*, timeout-* or oom-*).
FUZZ_TARGETS = fuzz_img fuzz_kernel fuzz_tiff fuzz_webp
FUZZ_TIME ?= 15
FUZZ_SAN = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
FUZZ_OPTS = -max_total_time=$(FUZZ_TIME) -rss_limit_mb=2048 -timeout=10 \
	-print_final_stats=1
fuzz:
	$(MAKE) B=build-fuzz CC=clang \
	  CFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
	  LDFLAGS="$(FUZZ_SAN)" fuzz-build

fuzz-build: $(FUZZ_TARGETS:%=$(B)/%) $(B)/mkfixture $(B)/mkbad
	tests/fuzz/seeds.sh $(CURDIR)/$(B)/mkfixture $(CURDIR)/$(B)/mkbad \
	  $(B)/seeds

$(B)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_img.c $(LIB)
	$(CC) $(CF_CPPFLAGS) $(CF_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) \
	  -fsanitize=fuzzer -o $@ $< $(LIB) $(LIBS)

fuzz-smoke: fuzz
	@for t in $(FUZZ_TARGETS:fuzz_%=%); do \
	  echo "== fuzz_$$t for $(FUZZ_TIME) s"; \
	  rm -rf build-fuzz/corpus-$$t; mkdir -p build-fuzz/corpus-$$t; \
	  build-fuzz/fuzz_$$t $(FUZZ_OPTS) -artifact_prefix=build-fuzz/ \
	    build-fuzz/corpus-$$t build-fuzz/seeds/$$t \
	    > build-fuzz/fuzz_$$t.log 2>&1 || \
	    { tail -40 build-fuzz/fuzz_$$t.log; \
	      echo "fuzz_$$t: FAILED (see build-fuzz/fuzz_$$t.log)"; exit 1; }; \
	  grep -E '^(Done|stat::number_of_executed_units)' \
	    build-fuzz/fuzz_$$t.log; \
	done

# valgrind memcheck on a representative subset (tests/memcheck.sh).
memcheck: $(BIN) $(TOOLS)
	tests/memcheck.sh $(CURDIR)/$(BIN) $(CURDIR)/$(B)/mkfixture \
	  $(CURDIR)/$(B)/mkbad

# Timing against libvips, ImageMagick and OpenCV when installed (never
# asserted); inputs are generated into bench-data/.  See tests/bench/.
bench: $(BIN)
	tests/bench/bench.sh ./$(BIN)

lint:
	mandoc -Tlint -W warning man/convfilter.1 man/convfilter.5

install: $(BIN)
	$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1 \
	  $(DESTDIR)$(mandir)/man5 $(DESTDIR)$(filtersdir)
	$(INSTALL_PROGRAM) $(BIN) $(DESTDIR)$(bindir)/convfilter
	$(INSTALL_DATA) man/convfilter.1 $(DESTDIR)$(mandir)/man1/
	$(INSTALL_DATA) man/convfilter.5 $(DESTDIR)$(mandir)/man5/
	$(INSTALL_DATA) filters/*.kernel $(DESTDIR)$(filtersdir)/

uninstall:
	rm -f $(DESTDIR)$(bindir)/convfilter \
	  $(DESTDIR)$(mandir)/man1/convfilter.1 \
	  $(DESTDIR)$(mandir)/man5/convfilter.5
	rm -rf $(DESTDIR)$(filtersdir)

clean:
	rm -rf build build-san build-fuzz convfilter convfilter-san demo

.PHONY: all bench check check-layers demo deps sanitize lint install uninstall clean pkgcheck FORCE \
	fuzz fuzz-build fuzz-smoke memcheck

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(PORTABLE_OBJS:.o=.d)
