#!/usr/bin/env bats
# The command line: options, output naming, exit statuses, safe output.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	pgm 3 3 0 10 20 30 40 50 60 70 80 > in.pgm
}

@test "--help lists every long option and exits 0" {
	run -0 cf --help
	for opt in abs bias dilation flip format help kernel list-kernels \
	    normalize pad-mode padding png-level print-kernel quality scale \
	    stride verbose version bias-file groups info json npy-dtype \
	    output-padding transpose lenient max-pixels max-scans max-side \
	    no-auto-orient strip max-memory \
	    alpha depth linear \
	    output-dir suffix from-list from-list0 progress quiet; do
		[[ $output == *"--$opt"* ]] || { echo "missing --$opt"; false; }
	done
}

@test "usage in --help matches the man page synopsis" {
	run -0 cf --help
	for word in '[-hVv]' '[-k spec]...' 'input output' '--list-kernels' \
	    '--print-kernel -k spec...' '{-o dir | --suffix suffix} input...'; do
		[[ $output == *"$word"* ]]
	done
	# the man page names the same options in its synopsis
	for flag in 'Fl k Ar spec' 'Fl d Ar dilation' 'Fl f Ar format' \
	    'Fl p Ar padding' 'Fl q Ar quality' 'Fl s Ar stride' \
	    'Fl \-pad-mode Ar mode' 'Fl \-png-level Ar level' \
	    'Brq Fl o Ar dir | Fl \-suffix Ar suffix' 'Fl \-from-list0 Ar file'; do
		grep -qF -- "$flag" "$TOP/man/convfilter.1" ||
		    { echo "man page lacks $flag"; false; }
	done
}

@test "--version prints the version" {
	run -0 cf --version
	[[ $output == "convfilter "[0-9]* ]]
}

@test "usage errors are one line each, never the synopsis" {
	run -2 cf --frobnicate in.pgm out.pgm
	assert_eq "$output" "convfilter: unknown option '--frobnicate' (see convfilter --help)"
	no_file out.pgm
	run -2 cf -x in.pgm out.pgm
	assert_eq "$output" "convfilter: unknown option '-x' (see convfilter --help)"
	run -2 cf in.pgm out.pgm --kernel
	assert_eq "$output" "convfilter: option '--kernel' needs a value (see convfilter --help)"
	run -2 cf in.pgm out.pgm -k
	assert_eq "$output" "convfilter: option '-k' needs a value (see convfilter --help)"
	run -2 cf --abs=1 in.pgm out.pgm
	assert_eq "$output" "convfilter: option '--abs' takes no value (see convfilter --help)"
	run -2 cf --no in.pgm out.pgm
	assert_eq "$output" "convfilter: option '--no' is ambiguous (see convfilter --help)"
	run -2 cf -k box in.pgm
	assert_eq "$output" "convfilter: missing output (see convfilter --help)"
	run -2 cf
	assert_eq "$output" "convfilter: missing input and output (see convfilter --help)"
	run -2 cf in.pgm out.pgm extra.pgm
	assert_eq "$output" "convfilter: 'extra.pgm': unexpected argument (see convfilter --help)"
}

@test "single-dash long words and ImageMagick habits name the right option" {
	run -2 cf -quality 85 in.pgm out.jpg
	assert_eq "$output" "convfilter: '-quality': did you mean '--quality'?"
	run -2 cf -strip in.pgm out.pgm
	assert_eq "$output" "convfilter: '-strip': did you mean '--strip'?"
	run -2 cf -kernel sobel in.pgm out.pgm
	assert_eq "$output" "convfilter: '-kernel': did you mean '--kernel'?"
	# a prefix: -o would silently take "ut" as the directory
	run -2 cf -out dir in.pgm
	assert_eq "$output" "convfilter: '-out': did you mean '--output-dir'?"
	run -2 cf -blur 0x2 in.pgm out.pgm
	assert_eq "$output" "convfilter: '-blur': an ImageMagick option; did you mean '-k gaussian:SIGMA'?"
	no_file out.pgm
	no_file ut
	# short clusters and option values stay what they are
	run -0 cf -kbox -j1 in.pgm a.pgm
	run -0 cf -k box --bias -5 in.pgm b.pgm
	run -0 cf -k box -- in.pgm -strip.pgm
	[ -f -strip.pgm ]
}

@test "an output name whose format cannot be told is a usage error" {
	run -2 cf -k box in.pgm out.xyz
	[ "$output" = "convfilter: 'out.xyz': cannot tell the output format from the name (use -f png|jpeg|pnm|pam|npy|tiff|webp)" ]
	no_file out.xyz
}

@test "-f names the format when the extension cannot" {
	run -0 cf -k identity -f pnm in.pgm out.xyz
	assert_eq "$(head -c 2 out.xyz)" "P5"
	assert_eq "$(samples out.xyz)" "0 10 20 30 40 50 60 70 80"
}

@test "stdout defaults to PNG" {
	cf -k identity in.pgm - > out.png
	assert_eq "$(head -c 4 out.png | tail -c 3)" "PNG"
}

@test "stdin and stdout work in a pipeline" {
	cat in.pgm | cf -k identity -f pnm - - > out.pgm
	assert_eq "$(samples out.pgm)" "0 10 20 30 40 50 60 70 80"
}

@test "no kernel converts the format unchanged" {
	run -0 cf in.pgm out.png
	run -0 cf out.png out.pgm
	assert_eq "$(samples out.pgm)" "0 10 20 30 40 50 60 70 80"
}

@test "bad option values are usage errors naming the option" {
	run -2 cf -q 0 in.pgm out.jpg
	[ "$output" = "convfilter: --quality: '0' is not an integer from 1 to 100" ]
	run -2 cf --png-level 10 in.pgm out.png
	[ "$output" = "convfilter: --png-level: '10' is not an integer from 0 to 9" ]
	run -2 cf --stride 0 in.pgm out.png
	[ "$output" = "convfilter: --stride: '0' is not an integer from 1 to 1048576" ]
	run -2 cf --dilation 2x in.pgm out.png
	[ "$output" = "convfilter: --dilation: '' is not an integer from 1 to 1048576" ]
	run -2 cf --padding wide in.pgm out.png
	[ "$output" = "convfilter: --padding: 'wide' is not an integer from 0 to 1048576" ]
	run -2 cf --pad-mode mirror in.pgm out.png
	[ "$output" = "convfilter: --pad-mode: 'mirror' is not zero, constant=V, replicate, reflect, symmetric or circular" ]
	run -2 cf --scale nan in.pgm out.png
	[ "$output" = "convfilter: --scale: 'nan' is not a finite number" ]
	run -2 cf -f gif in.pgm out.png
	[ "$output" = "convfilter: --format: 'gif' is not png, jpeg, pnm, pam, npy, tiff or webp" ]
	no_file out.png
}

@test "an unknown kernel name suggests the closest" {
	run -2 cf -k sobl in.pgm out.pgm
	[ "$output" = "convfilter: 'sobl': unknown kernel; did you mean 'sobel'?" ]
	run -2 cf -k gausian:2 in.pgm out.pgm
	[ "$output" = "convfilter: 'gausian:2': unknown kernel; did you mean 'gaussian'?" ]
	run -2 cf -k zzzzzzzzzz in.pgm out.pgm
	[ "$output" = "convfilter: 'zzzzzzzzzz': unknown kernel (see --list-kernels)" ]
	no_file out.pgm
}

@test "a missing kernel file is exit 1" {
	run -1 cf -k ./nope.kernel in.pgm out.pgm
	[[ $output == "convfilter: './nope.kernel': "* ]]
	no_file out.pgm
}

@test "a missing input is exit 1 and leaves no output" {
	run -1 cf -k box nope.png out.png
	[ "$output" = "convfilter: 'nope.png': No such file or directory" ]
	no_file out.png
}

@test "a directory as input is exit 1" {
	mkdir d
	run -1 cf -k box d out.png
	[ "$output" = "convfilter: 'd': is a directory" ]
}

@test "a failing run never destroys an existing output" {
	echo precious > out.png
	printf 'P5\n3 3\n255\n\001' > short.pgm
	run -1 cf -k box short.pgm out.png
	[ "${#lines[@]}" -eq 1 ]
	assert_eq "$(cat out.png)" precious
	[ -z "$(ls -A | grep convfilter)" ]
}

@test "the output may overwrite the input" {
	run -0 cf -k box -f pnm in.pgm in.pgm
	assert_eq "$(samples in.pgm)" "$(cf -k box -f pnm <(pgm 3 3 0 10 20 30 40 50 60 70 80) - | tail -c 9 | od -An -v -tu1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')"
}

@test "the output file gets the usual permissions" {
	umask 022
	run -0 cf -k box in.pgm out.pgm
	assert_eq "$(stat -c %a out.pgm)" 644
}

@test "an unwritable directory is exit 3 with one line" {
	# root writes anywhere, except where the file system refuses
	if [ "$(id -u)" = 0 ]; then
		dir=/sys
	else
		mkdir ro && chmod 555 ro && dir=ro
	fi
	run -3 cf -k box in.pgm $dir/out.pgm
	[ "$output" = "convfilter: '$dir/out.pgm': cannot create a temporary file: Permission denied" ]
	no_file $dir/out.pgm
}

@test "a missing output directory is exit 3 with one line" {
	run -3 cf -k box in.pgm nodir/out.pgm
	[ "$output" = "convfilter: 'nodir/out.pgm': cannot create a temporary file: No such file or directory" ]
}

@test "a full device is exit 3 with one line" {
	[ -w /dev/full ] || skip "no /dev/full"
	run -3 cf -k box in.pgm -f pnm /dev/full
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == "convfilter: '/dev/full': "* ]]
}

@test "a full stdout is exit 3 with one line" {
	[ -w /dev/full ] || skip "no /dev/full"
	run -3 bash -c '"$CONVFILTER" -k box -f pnm in.pgm - > /dev/full'
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == "convfilter: '-': "* ]]
}

@test "--list-kernels lists presets and library kernels" {
	run -0 cf --list-kernels
	for k in identity box gaussian sobel prewitt scharr laplacian sharpen \
	    emboss unsharp binomial3; do
		[[ $output == *$'\n'"$k "* ]] || { echo "missing $k"; false; }
	done
}

@test "--print-kernel round-trips through a kernel file" {
	run -0 cf --print-kernel -k binomial3
	printf '%s\n' "$output" > k.kernel
	run -0 cf --print-kernel -k ./k.kernel
	assert_eq "$(grep -v '^#' k.kernel)" "$(printf '%s\n' "$output" | grep -v '^#')"
}

@test "--print-kernel needs a kernel and takes no images" {
	run -2 cf --print-kernel
	[ "$output" = "convfilter: --print-kernel: no kernel given (-k)" ]
	run -2 cf --print-kernel -k box in.pgm
	[ "$output" = "convfilter: 'in.pgm': --list-kernels and --print-kernel take no images" ]
}

@test "library kernels are found from any directory and via CONVFILTER_PATH" {
	mkdir -p lib && printf '0 0 0\n0 0 1\n0 0 0\n' > lib/shift.kernel
	CONVFILTER_PATH=$PWD/lib run -0 cf -k shift -p valid -f pnm in.pgm out.pgm
	assert_eq "$(samples out.pgm)" "50"
	run -0 cf -k binomial3 -f pnm in.pgm out.pgm
}

@test "a file named like a preset wins when it exists" {
	printf '2\n' > box
	run -0 cf -k box -f pnm in.pgm out.pgm
	assert_eq "$(samples out.pgm)" "0 20 40 60 80 100 120 140 160"
}

@test "-v reports shapes and clipping on stderr, nothing on stdout" {
	run -0 --separate-stderr cf -v -k sharpen -f pnm in.pgm -
	[[ $stderr == *"'sharpen': 1x3x3 -> 1x3x3"* ]]
	[[ $stderr == *"clipped values (low/high) per channel: 0:"* ]]
}

@test "JPEG output of an image with alpha drops alpha with a warning" {
	printf 'P7\nWIDTH 1\nHEIGHT 1\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n\200\377' > ga.pam
	run -0 --separate-stderr cf ga.pam out.jpg
	[ "$stderr" = "convfilter: warning: 'out.jpg': this format cannot store alpha; alpha dropped" ]
	run -0 cf out.jpg out.pgm
	[ "$(pnm_numel out.pgm)" = 1 ]
}

@test "a result with more than 4 channels cannot be an image" {
	printf 'shape 5 1 1 1\n1 1 1 1 1\n' > bank.kernel
	run -1 cf -k ./bank.kernel in.pgm out.png
	[ "$output" = "convfilter: 'out.png': the result has 5 channels; an image holds 1 to 4 (write .npy or .pam)" ]
	no_file out.png
}

@test "--max-pixels and --max-side refuse large images before reading them" {
	pgm 4 3 $(seq 1 12) > w.pgm
	run -1 cf --max-pixels 11 w.pgm out.pgm
	[ "$output" = "convfilter: 'w.pgm': image is 4x3, over the 11-pixel limit (--max-pixels)" ]
	run -1 cf --max-side 3 w.pgm out.pgm
	[ "$output" = "convfilter: 'w.pgm': image side 4 is over the 3 limit (--max-side)" ]
	run -0 cf --max-pixels 12 --max-side 4 w.pgm out.pgm
	# the result of a stage is limited too
	run -1 cf --max-pixels 20 -k identity -p 1 w.pgm out.pgm
	[ "$output" = "convfilter: 'identity': output would be 6x5, over the 20-pixel limit (--max-pixels)" ]
	run -2 cf --max-pixels 0 w.pgm out.pgm
	[ "$output" = "convfilter: --max-pixels: '0' is not an integer from 1 to 9223372036854775807" ]
}

@test "control bytes in names and header text are quoted, one line each" {
	printf 'P7\nWIDTH 1\n\033]0;owned\a\r\nENDHDR\n' > title.pam
	run -1 --separate-stderr cf title.pam out.pgm
	assert_eq "$stderr" "convfilter: 'title.pam': invalid PAM header line '\\033]0;owned\\a\\r'"
	run -1 --separate-stderr cf $'a\033[31m\nb\tc.pgm' out.pgm
	assert_eq "$stderr" "convfilter: 'a\\033[31m\\nb\\tc.pgm': No such file or directory"
	# invalid UTF-8 and C1 controls (U+009B is CSI) as \xNN; UTF-8 kept
	run -1 --separate-stderr cf $'\xff\xc2\x9b\xc3\xa9.pgm' out.pgm
	assert_eq "$stderr" "convfilter: '\\xFF\\xC2\\x9Bé.pgm': No such file or directory"
	no_file out.pgm
}

@test "a failed RGBA to JPEG run prints only its error, no alpha warning" {
	printf 'P7\nWIDTH 2\nHEIGHT 2\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n\1\2\3\4\1\2\3\4\1\2\3\4' > short.pam
	run -1 --separate-stderr cf -k box short.pam out.jpg
	assert_eq "$stderr" "convfilter: 'short.pam': truncated PNM data"
	no_file out.jpg
	# the warning stays for a run that succeeds
	printf '\1\2\3\4' >> short.pam
	run -0 --separate-stderr cf -k box short.pam out.jpg
	assert_eq "$stderr" "convfilter: warning: 'out.jpg': this format cannot store alpha; alpha dropped"
}
