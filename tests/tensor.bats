#!/usr/bin/env bats
# Tensors: .npy in and out, .npy filter banks, pooling, transposed
# convolution and --info.  Expected values were computed by hand and
# checked with torch 1.13; the python is quoted above each.  Fixtures are
# written with printf: an .npy header is plain text.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# npy DESCR SHAPE BYTE... : an .npy v1.0 file on stdout, data in decimal
# bytes (so uint8 arrays are written value by value).
npy() {
	local hdr="{'descr': '$1', 'fortran_order': False, 'shape': $2, }" b len
	shift 2
	len=$(( ${#hdr} + 1 ))
	printf '\223NUMPY\001\000'
	printf "\\$(printf %03o $((len & 255)))\\$(printf %03o $((len >> 8)))"
	printf '%s\n' "$hdr"
	for b in "$@"; do printf "\\$(printf '%03o' "$b")"; done
}

# npy_raw HEADER : an .npy v1.0 preamble with HEADER as its text (no data)
npy_raw() {
	local len=$(( ${#1} + 1 ))
	printf '\223NUMPY\001\000'
	printf "\\$(printf %03o $((len & 255)))\\$(printf %03o $((len >> 8)))"
	printf '%s\n' "$1"
}

# vals FILE : the float32 values of an .npy file, space separated
vals() {
	local h
	h=$(od -An -tu2 -j8 -N2 "$1" | tr -d ' ')
	od -An -v -tf4 -j$((10 + h)) "$1" | tr -s ' \n' ' ' |
	    sed 's/^ //; s/ $//'
}

# u8vals FILE : the uint8 values of an .npy file
u8vals() {
	local h
	h=$(od -An -tu2 -j8 -N2 "$1" | tr -d ' ')
	od -An -v -tu1 -j$((10 + h)) "$1" | tr -s ' \n' ' ' |
	    sed 's/^ //; s/ $//'
}

# descr FILE : the header text of an .npy file
header() {
	local h
	h=$(od -An -tu2 -j8 -N2 "$1" | tr -d ' ')
	head -c $((10 + h)) "$1" | tail -c "$h" | sed 's/ *$//'
}

@test "course notes: two input channels through a .npy bank give 56 72 104 120" {
	# X = [[0..8], [1..9]] as 3x3 channels, K = [[[0,1],[2,3]],
	# [[1,2],[3,4]]] as one [1, 2, 2, 2] bank (torch Conv2d.weight)
	npy '|u1' '(2, 3, 3)' 0 1 2 3 4 5 6 7 8 1 2 3 4 5 6 7 8 9 > x.npy
	npy '|u1' '(1, 2, 2, 2)' 0 1 2 3 1 2 3 4 > w.npy
	run -0 cf -k w.npy -p valid x.npy y.npy
	assert_eq "$(vals y.npy)" "56 72 104 120"
	assert_eq "$(header y.npy)" \
	    "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }"
}

@test "course notes: stride (3,2) with padding 1 gives 0 8 6 8 (.npy in and out)" {
	npy '|u1' '(3, 3)' 0 1 2 3 4 5 6 7 8 > x.npy
	npy '|u1' '(2, 2)' 0 1 2 3 > k.npy
	run -0 cf -k k.npy -s 3x2 -p 1 --pad-mode zero x.npy y.npy
	assert_eq "$(vals y.npy)" "0 8 6 8"
}

@test "a .npy bank with groups, dilation and a bias file" {
	# x = torch.arange(32.).reshape(1, 2, 4, 4)
	# w = torch.tensor([1.,0,2,1, 0,1,1,3]).reshape(2, 1, 2, 2)
	# F.conv2d(x, w, torch.tensor([1., 2]), dilation=2, groups=2)
	npy '|u1' '(2, 4, 4)' $(seq 0 31) > x.npy
	npy '|u1' '(2, 1, 2, 2)' 1 0 2 1 0 1 1 3 > w.npy
	npy '<u2' '(2,)' 1 0 2 0 > b.npy
	run -0 cf -k w.npy --groups 2 --bias-file b.npy -d 2 -p valid \
	    x.npy y.npy
	assert_eq "$(vals y.npy)" "27 31 43 47 122 127 142 147"
	# F.conv2d(x, w, b, stride=(1, 2), padding=1, dilation=(2, 1),
	#     groups=2)
	run -0 cf -k w.npy --groups 2 --bias-file b.npy -s 1x2 -p 1 -d 2x1 \
	    --pad-mode zero x.npy y.npy
	assert_eq "$(vals y.npy)" "5 17 15 9 30 26 13 46 38 1 10 12 62 89 25 90 123 29 106 143 33 26 28 2"
}

@test "--bias-file must match the bank's output channels" {
	npy '|u1' '(2, 1, 2, 2)' 1 0 2 1 0 1 1 3 > w.npy
	npy '|u1' '(3,)' 1 2 3 > b.npy
	npy '|u1' '(2, 3, 3)' $(seq 0 17) > x.npy
	run -1 cf -k w.npy --groups 2 --bias-file b.npy x.npy y.npy
	assert_eq "$output" "convfilter: 'b.npy': has 3 values, kernel 'w.npy' has 2 output channels"
	no_file y.npy
}

@test "--groups and --bias-file need a .npy kernel; --groups a 4-d bank" {
	npy '|u1' '(3, 3)' $(seq 0 8) > x.npy
	npy '|u1' '(1,)' 1 > b.npy
	run -2 cf -k box --bias-file b.npy x.npy y.npy
	assert_eq "$output" "convfilter: --bias-file: applies to .npy kernels; no -k names one"
	npy '|u1' '(2, 2)' 1 1 1 1 > k.npy
	run -2 cf -k k.npy --groups 2 x.npy y.npy
	assert_eq "$output" "convfilter: --groups: 'k.npy' is a 2-d depthwise kernel; groups apply to a 4-d bank"
}

@test "a 2-d .npy kernel filters each channel, with a 1-value bias" {
	ppm 2 1 10 20 30 40 50 60 > in.ppm
	npy '|u1' '(1, 1)' 2 > k.npy
	npy '|u1' '(1,)' 1 > b.npy
	run -0 cf -k k.npy --bias-file b.npy in.ppm out.ppm
	assert_eq "$(samples out.ppm)" "21 41 61 81 101 121"
}

@test "uint8 image -> .npy -> image is lossless" {
	"$MKFIXTURE" png rgba 8 7 5 in.png
	run -0 cf -k identity in.png mid.npy
	run -0 cf -k identity mid.npy back.pam
	run -0 cf -k identity in.png ref.pam
	cmp back.pam ref.pam
	# and with --npy-dtype uint8
	run -0 cf -k identity --npy-dtype uint8 in.png mid8.npy
	[[ $(header mid8.npy) == "{'descr': '|u1', "* ]]
	run -0 cf -k identity mid8.npy back8.pam
	cmp back8.pam ref.pam
}

@test ".npy output keeps signed values before rounding and clamping" {
	# sobel:x of a ramp 0 10 20 30 (replicate padding): 40 80 80 40 per
	# row; --scale -0.5 --bias 0.25 make them negative and fractional
	pgm 4 3 0 10 20 30 0 10 20 30 0 10 20 30 > ramp.pgm
	run -0 cf -k sobel:x --scale -0.5 --bias 0.25 ramp.pgm g.npy
	assert_eq "$(vals g.npy)" "-19.75 -39.75 -39.75 -19.75 -19.75 -39.75 -39.75 -19.75 -19.75 -39.75 -39.75 -19.75"
	run -0 cf -k sobel:x --scale -0.5 --bias 0.25 --npy-dtype uint8 \
	    ramp.pgm u.npy
	assert_eq "$(u8vals u.npy)" "0 0 0 0 0 0 0 0 0 0 0 0"
}

@test "-f npy writes .npy to stdout; --npy-dtype is checked" {
	pgm 2 1 7 9 > in.pgm
	cf -k identity -f npy in.pgm - > out.npy
	assert_eq "$(vals out.npy)" "7 9"
	run -2 cf -k identity --npy-dtype int8 in.pgm out.npy
	assert_eq "$output" "convfilter: --npy-dtype: 'int8' is not float32 or uint8"
}

@test "uint16, float32 and float64 .npy images are read as values" {
	npy '<u2' '(1, 2)' 0 1 255 255 > u16.npy
	run -0 cf -k identity u16.npy o.npy
	assert_eq "$(vals o.npy)" "256 65535"
	# 1.5 and -2 as float32 and float64 (little-endian bytes)
	npy '<f4' '(1, 2)' 0 0 192 63 0 0 0 192 > f4.npy
	run -0 cf -k identity f4.npy o.npy
	assert_eq "$(vals o.npy)" "1.5 -2"
	npy '<f8' '(1, 2)' 0 0 0 0 0 0 248 63 0 0 0 0 0 0 0 192 > f8.npy
	run -0 cf -k identity f8.npy o.npy
	assert_eq "$(vals o.npy)" "1.5 -2"
}

@test "--npy-layout hwc reads and writes [H, W, C]; an HWC-looking array needs it" {
	# [H=5, W=2, C=3] holding 0..29, as np.arange(30).reshape(5, 2, 3)
	npy '|u1' '(5, 2, 3)' $(seq 0 29) > hwc.npy
	run -1 cf -k identity hwc.npy o.npy
	assert_eq "$output" "convfilter: 'hwc.npy': npy: shape (5, 2, 3) looks like [H, W, C]: give --npy-layout hwc, or --npy-layout chw for 5 channels"
	no_file o.npy
	run -1 cf --info hwc.npy
	[[ $output == *"looks like [H, W, C]"* ]]
	# read as [H, W, C], written [C, H, W]: a.transpose(2, 0, 1)
	run -0 cf --npy-layout hwc,chw -k identity -f npy hwc.npy chw.npy
	[[ $(header chw.npy) == *"'shape': (3, 5, 2), }" ]]
	assert_eq "$(vals chw.npy)" "$(for c in 0 1 2; do for i in $(seq 0 9); do printf '%s ' $((i * 3 + c)); done; done | sed 's/ $//')"
	# and back: written [H, W, C] it is the input again, from a pipe too
	cat hwc.npy | cf --npy-layout hwc -k identity -f npy - - > back.npy
	[[ $(header back.npy) == *"'shape': (5, 2, 3), }" ]]
	assert_eq "$(vals back.npy)" "$(seq -s ' ' 0 29)"
	# --npy-layout chw takes it as 5 channels of 2x3
	run -0 cf --npy-layout chw -k identity hwc.npy five.npy
	[[ $(header five.npy) == *"'shape': (5, 2, 3), }" ]]
	assert_eq "$(vals five.npy)" "$(seq -s ' ' 0 29)"
	run -2 cf --npy-layout whc hwc.npy o.npy
	assert_eq "$output" "convfilter: --npy-layout: 'whc' is not chw, hwc or IN,OUT (e.g. hwc,chw)"
	run -2 cf --npy-layout hwc, hwc.npy o.npy
}

@test "float16 and a batch of one, [1, C, H, W], are read as values" {
	# np.array([1, -2.5, 2**-24, 65504], np.float16).reshape(1, 1, 1, 4)
	npy '<f2' '(1, 1, 1, 4)' 0 60 0 193 1 0 255 123 > h.npy
	run -0 cf -k identity h.npy o.npy
	[[ $(header o.npy) == *"'shape': (1, 1, 4), }" ]]
	assert_eq "$(vals o.npy)" "1 -2.5 5.9604645e-08 65504"
	# and half-precision weights, as torch's .half() saves them: [1 2]
	npy '<f2' '(1, 2)' 0 60 0 64 > k.npy
	npy '|u1' '(1, 3)' 1 2 3 > x.npy
	run -0 cf -k k.npy -p valid x.npy y.npy
	assert_eq "$(vals y.npy)" "5 8"
}

@test "a bank with more than 4 outputs writes .npy or PAM, not PNG" {
	npy '|u1' '(2, 2)' 1 2 3 4 > x.npy
	npy '|u1' '(6, 1, 1, 1)' 1 2 3 4 5 6 > w.npy
	run -0 cf -k w.npy x.npy y.npy
	[[ $(header y.npy) == *"'shape': (6, 2, 2), }" ]]
	run -1 cf -k w.npy x.npy y.png
	assert_eq "$output" "convfilter: 'y.png': the result has 6 channels; an image holds 1 to 4 (write .npy or .pam)"
	no_file y.png
	# PAM holds any depth (no TUPLTYPE past 4)
	run -0 cf -k w.npy x.npy y.pam
	assert_eq "$(head -5 y.pam | tr '\n' ' ')" "P7 WIDTH 2 HEIGHT 2 DEPTH 6 MAXVAL 255 "
	assert_eq "$(samples y.pam)" "1 2 3 4 5 6 2 4 6 8 10 12 3 6 9 12 15 18 4 8 12 16 20 24"
}

@test "malformed .npy files are rejected with clear messages" {
	npy_raw "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }" > fo.npy
	printf '\0\0\0\0' >> fo.npy
	run -1 cf -k identity fo.npy o.npy
	assert_eq "$output" "convfilter: 'fo.npy': npy: fortran_order arrays are not supported (save a C-order array: np.ascontiguousarray)"
	npy_raw "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 1), }" > be.npy
	run -1 cf -k identity be.npy o.npy
	assert_eq "$output" "convfilter: 'be.npy': npy: big-endian dtype '>f4' is not supported"
	npy_raw "{'descr': '<c8', 'fortran_order': False, 'shape': (1, 1), }" > c8.npy
	run -1 cf -k identity c8.npy o.npy
	assert_eq "$output" "convfilter: 'c8.npy': npy: dtype '<c8' is not supported (uint8, uint16, float16, float32 or float64, little-endian)"
	npy_raw "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'x': 1, }" > key.npy
	run -1 cf -k identity key.npy o.npy
	assert_eq "$output" "convfilter: 'key.npy': npy: unexpected key 'x' in header"
	npy_raw "__import__('os').system('false')" > evil.npy
	run -1 cf -k identity evil.npy o.npy
	assert_eq "$output" "convfilter: 'evil.npy': npy: malformed header dict"
	npy '|u1' '(2, 2)' 1 2 3 > short.npy
	run -1 cf -k identity short.npy o.npy
	assert_eq "$output" "convfilter: 'short.npy': npy: truncated data (3 of 4 bytes)"
	npy '|u1' '(2, 2)' 1 2 3 4 5 > long.npy
	run -1 cf -k identity long.npy o.npy
	assert_eq "$output" "convfilter: 'long.npy': npy: 1 bytes of data after the array"
	npy '|u1' '(2, 2, 2, 2)' $(seq 1 16) > four.npy
	run -1 cf -k identity four.npy o.npy
	assert_eq "$output" "convfilter: 'four.npy': npy: a batch of 2 arrays (convfilter reads one image: [1, C, H, W])"
	npy '|u1' '(2,)' 1 2 > one.npy
	run -1 cf -k identity one.npy o.npy
	assert_eq "$output" "convfilter: 'one.npy': npy: an image must be a 2-d [H, W], 3-d [C, H, W] or 4-d [1, C, H, W] array, not 1-d"
	npy '|u1' '(20000, 20000)' > huge.npy
	run -1 cf -k identity huge.npy o.npy
	assert_eq "$output" "convfilter: 'huge.npy': image is 20000x20000, over the 128000000-pixel limit (--max-pixels)"
	npy '|u1' '(100000, 100000)' > huger.npy
	run -1 cf -k identity huger.npy o.npy
	assert_eq "$output" "convfilter: 'huger.npy': npy: array has more than 2147483648 elements"
	printf '\223NUMPY\003\000\010\000\000\000' > v3.npy
	run -1 cf -k identity v3.npy o.npy
	assert_eq "$output" "convfilter: 'v3.npy': npy: format version 3.0 is not supported (1.0 or 2.0)"
	no_file o.npy
}

@test "a malformed .npy kernel is exit 1 naming the file" {
	pgm 2 2 1 2 3 4 > in.pgm
	npy '|u1' '(3,)' 1 2 3 > k1.npy
	run -1 cf -k k1.npy in.pgm o.pgm
	assert_eq "$output" "convfilter: 'k1.npy': npy: a kernel must be a 2-d [KH, KW] or 4-d [C_out, C_in/groups, KH, KW] array, not 1-d"
	npy '|u1' '(2, 2)' 1 2 > k2.npy
	run -1 cf -k k2.npy in.pgm o.pgm
	assert_eq "$output" "convfilter: 'k2.npy': npy: truncated data (2 of 4 bytes)"
	# NaN weights
	npy '<f4' '(1, 1)' 0 0 192 127 > nan.npy
	run -1 cf -k nan.npy in.pgm o.pgm
	assert_eq "$output" "convfilter: 'nan.npy': npy: weight 0 is not a finite number"
	# a missing .npy name is a missing file (exit 1), not an unknown preset
	run -1 cf -k nope.npy in.pgm o.pgm
	assert_eq "$output" "convfilter: 'nope.npy': cannot read: No such file or directory"
	no_file o.pgm
}

@test "maxpool and avgpool follow max_pool2d and avg_pool2d" {
	# x = torch.arange(16.).reshape(1, 1, 4, 4)
	npy '|u1' '(4, 4)' $(seq 0 15) > x.npy
	# F.max_pool2d(x, 2) -> 5 7 13 15
	run -0 cf -k maxpool:2 x.npy y.npy
	assert_eq "$(vals y.npy)" "5 7 13 15"
	# F.avg_pool2d(x, 2) -> 2.5 4.5 10.5 12.5
	run -0 cf -k avgpool:2 x.npy y.npy
	assert_eq "$(vals y.npy)" "2.5 4.5 10.5 12.5"
	# F.max_pool2d(x, 3, stride=1, padding=1): -inf padding
	run -0 cf -k maxpool:3,stride=1,pad=1 x.npy y.npy
	assert_eq "$(vals y.npy)" "5 6 7 7 9 10 11 11 13 14 15 15 13 14 15 15"
	# F.avg_pool2d(x, 2, stride=2, padding=1): count_include_pad
	run -0 cf -k avgpool:2,pad=1 x.npy y.npy
	assert_eq "$(vals y.npy)" "0 0.75 0.75 3 7.5 4.5 3 6.75 3.75"
	# floor mode: 5x5 -> 2x2 (global --stride and --padding are refused)
	npy '|u1' '(5, 5)' $(seq 0 24) > x5.npy
	run -0 cf -k maxpool:2 x5.npy y.npy
	assert_eq "$(vals y.npy)" "6 8 16 18"
}

@test "pooling chains with convolutions" {
	"$MKFIXTURE" png gray 8 8 6 in.png
	run -0 cf -v -k gaussian:1 -k maxpool:2 -k sobel in.png out.png
	[[ $output == *"'maxpool:2': 1x6x8 -> 1x3x4"* ]]
}

@test "bad pooling specs are usage errors" {
	pgm 2 2 1 2 3 4 > in.pgm
	run -2 cf -k maxpool:2,pad=2 in.pgm o.pgm
	assert_eq "$output" "convfilter: maxpool: pad must be at most half the size, got pad 2x2 for size 2x2"
	run -2 cf -k maxpool in.pgm o.pgm
	assert_eq "$output" "convfilter: maxpool: needs a size, as in maxpool:2"
	run -2 cf -k avgpool:0 in.pgm o.pgm
	assert_eq "$output" "convfilter: avgpool: size must be 1..1024 or KHxKW, got '0'"
	run -2 cf -k maxpool:2,step=1 in.pgm o.pgm
	assert_eq "$output" "convfilter: maxpool: unknown parameter 'step=1' (stride=S, pad=P)"
	run -1 cf -k maxpool:3 in.pgm o.pgm
	assert_eq "$output" "convfilter: 'maxpool:3': pooling window 3x3 does not fit the padded input 2x2"
}

@test "engine options with only pooling stages are a usage error naming the spec" {
	pgm 4 4 $(seq 0 15) > in.pgm
	run -2 cf -k maxpool:3,stride=2 --padding 1 in.pgm o.pgm
	assert_eq "$output" "convfilter: --padding: does not apply to pooling stages; use maxpool:3,stride=2,pad=1"
	no_file o.pgm
	run -2 cf -k avgpool:2 -s 1x2 in.pgm o.pgm
	assert_eq "$output" "convfilter: --stride: does not apply to pooling stages; use avgpool:2,stride=1x2,pad=0"
	# 'same' is (K-1)/2 on both sides; valid 0
	run -2 cf -k maxpool:3 -p same -s 1 in.pgm o.pgm
	assert_eq "$output" "convfilter: --stride: does not apply to pooling stages; use maxpool:3,stride=1,pad=1"
	run -2 cf -k maxpool:2x3,pad=1 -p valid in.pgm o.pgm
	assert_eq "$output" "convfilter: --padding: does not apply to pooling stages; use maxpool:2x3,stride=2x3,pad=0"
	for opt in "--dilation 2" --flip --transpose "--pad-mode zero" \
	    "--output-padding 1"; do
		run -2 cf -k maxpool:2 -k avgpool:2 $opt in.pgm o.pgm
		assert_eq "$output" "convfilter: ${opt% *}: does not apply to pooling stages ('maxpool:2')"
	done
	no_file o.pgm
	# the suggested spec does what was asked: 3x3 windows at stride 2
	# over the padded 6x6 give 2x2 maxima
	run -0 cf -k maxpool:3,stride=2,pad=1 in.pgm o.pgm
	assert_eq "$(samples o.pgm)" "5 7 13 15"
	# with a convolution stage in the chain they apply to it
	run -0 cf -k maxpool:2 -k box:1 -p valid -s 2 in.pgm o.pgm
	assert_eq "$(samples o.pgm)" "5"
}

@test "--transpose follows conv_transpose2d" {
	# X = K = [[0, 1], [2, 3]] (the course notes)
	npy '|u1' '(2, 2)' 0 1 2 3 > x.npy
	npy '|u1' '(2, 2)' 0 1 2 3 > k.npy
	# F.conv_transpose2d(X, K) -> [[0,0,1],[0,4,6],[4,12,9]]
	run -0 cf --transpose -k k.npy -p valid x.npy y.npy
	assert_eq "$(vals y.npy)" "0 0 1 0 4 6 4 12 9"
	# F.conv_transpose2d(X, K, stride=2): upsampling 2x2 -> 4x4
	run -0 cf --transpose -k k.npy -s 2 -p valid x.npy y.npy
	assert_eq "$(vals y.npy)" "0 0 0 1 0 0 2 3 0 2 0 3 4 6 6 9"
	# F.conv_transpose2d(X, K, stride=2, padding=1, output_padding=1)
	run -0 cf --transpose -k k.npy -s 2 -p 1 --output-padding 1 x.npy y.npy
	assert_eq "$(vals y.npy)" "0 2 3 2 0 3 6 6 9"
	# same at stride 1 keeps the size: crop before 0, after 1 of 3x3
	run -0 cf --transpose -k k.npy x.npy y.npy
	assert_eq "$(vals y.npy)" "0 0 0 4"
	run -1 cf --transpose -k k.npy -s 2 --output-padding 2 x.npy y.npy
	assert_eq "$output" "convfilter: 'k.npy': output padding 2 must be smaller than the stride (2) or the dilation (1)"
}

@test "--transpose reads a bank as [C_in, C_out/groups, KH, KW]" {
	# x = torch.arange(8.).reshape(1, 2, 2, 2)
	# w = torch.tensor([1.,0,0,1, 2,1,1,0]).reshape(2, 1, 2, 2)
	# F.conv_transpose2d(x, w) -> one 3x3 channel
	npy '|u1' '(2, 2, 2)' $(seq 0 7) > x.npy
	npy '|u1' '(2, 1, 2, 2)' 1 0 0 1 2 1 1 0 > w.npy
	run -0 cf --transpose -k w.npy -p valid x.npy y.npy
	assert_eq "$(vals y.npy)" "8 15 5 18 28 8 6 9 3"
	[[ $(header y.npy) == *"'shape': (1, 3, 3), }" ]]
}

@test "--transpose: a text bank's bias has C_out = shape[1] * groups values" {
	# the issue's layer: ConvTranspose2d(2, 1, 1) with weight [2, 1, 1, 1]
	# of ones and bias 5 sums the two channels of 0..7 and adds 5
	npy '|u1' '(2, 2, 2)' $(seq 0 7) > x.npy
	printf 'shape 2 1 1 1\nbias 5\n1\n1\n' > t.kernel
	run -0 cf --transpose -k ./t.kernel -p valid x.npy y.npy
	assert_eq "$(vals y.npy)" "9 11 13 15"
	# [1, 2, 1, 1]: one input, two outputs, each with its own bias
	npy '|u1' '(1, 2, 2)' 1 2 3 4 > x1.npy
	printf 'shape 1 2 1 1\nbias 5 7\n2 3\n' > t2.kernel
	run -0 cf --transpose -k ./t2.kernel -p valid x1.npy y.npy
	assert_eq "$(vals y.npy)" "7 9 11 13 10 13 16 19"
	printf 'shape 1 2 1 1\nbias 5\n1 1\n' > t3.kernel
	run -1 cf --transpose -k ./t3.kernel -p valid x1.npy y3.npy
	assert_eq "$output" "convfilter: ./t3.kernel:2:1: 'bias' has 1 values, expected 2 (one per output channel)"
	no_file y3.npy
	# groups 2 over [2, 3, 1, 1]: C_out 6, groups divide C_in
	printf 'shape 2 3 1 1\ngroups 2\nbias 1 2 3 4 5 6\n1 2 3\n4 5 6\n' \
	    > g.kernel
	run -0 cf --transpose -k ./g.kernel -p valid x.npy y.npy
	# channel 0 (0..3) feeds outputs 0-2, channel 1 (4..7) outputs 3-5
	assert_eq "$(vals y.npy)" "1 2 3 4 2 4 6 8 3 6 9 12 20 24 28 32 25 30 35 40 30 36 42 48"
	printf 'shape 3 2 1 1\ngroups 2\n1 1\n1 1\n1 1\n' > g3.kernel
	run -1 cf --transpose -k ./g3.kernel x.npy y.npy
	assert_eq "$output" "convfilter: ./g3.kernel:2:1: groups 2 does not divide the 3 input channels"
}

@test "--transpose: normalize makes each output channel's weights sum to 1" {
	# [2, 3, 1, 1]: output o sums w[0, o] x0 + w[1, o] x1; the sums over
	# the inputs are 4, 8, 8, so x0 = 8, x1 = 16 give 2+12, 2+12, 3+10
	npy '|u1' '(2, 1, 1)' 8 16 > x.npy
	printf 'shape 2 3 1 1\nnormalize\n1 2 3\n3 6 5\n' > n.kernel
	run -0 cf --transpose -k ./n.kernel -p valid x.npy y.npy
	assert_eq "$(vals y.npy)" "14 14 13"
	# a flat image stays flat inside a 3x3 transposed normalize
	npy '|u1' '(2, 3, 3)' $(for i in $(seq 18); do echo 4; done) > f.npy
	printf 'shape 2 2 3 3\nnormalize\n%s\n' "$(seq -s ' ' 1 36)" > b.kernel
	run -0 cf --transpose -k ./b.kernel -p valid --npy-dtype uint8 f.npy y.npy
	# the 5x5 output's centre sample (2, 2) sees every weight
	set -- $(u8vals y.npy)
	assert_eq "${13} ${38}" "4 4"
	# an output channel whose weights sum to 0 cannot be normalized
	printf 'shape 2 2 1 1\nnormalize\n1 1\n-1 2\n' > z.kernel
	run -1 cf --transpose -k ./z.kernel x.npy y.npy
	assert_eq "$output" "convfilter: ./z.kernel:2:1: cannot normalize: the weights of output channel 0 sum to 0"
}

@test "--transpose: a text bank agrees with the same .npy bank and --bias-file" {
	# [2, 2, 3, 3] in groups of 1, stride 2, padding 1, output padding 1
	npy '|u1' '(2, 3, 4)' $(seq 1 24) > x.npy
	w=$(seq -s ' ' 1 36)
	npy '|u1' '(2, 2, 3, 3)' $w > w.npy
	npy '|u1' '(2,)' 3 250 > b.npy
	printf 'shape 2 2 3 3\nbias 3 250\n%s\n' "$w" > w.kernel
	run -0 cf --transpose -k w.npy --bias-file b.npy -s 2 -p 1 \
	    --output-padding 1 x.npy a.npy
	run -0 cf --transpose -k ./w.kernel -s 2 -p 1 --output-padding 1 \
	    x.npy t.npy
	assert_eq "$(vals t.npy)" "$(vals a.npy)"
	[[ $(header t.npy) == *"'shape': (2, 6, 8), }" ]]
	# the bias of output channel 1 (250) reached it: its corner is
	# x[0,0,0]*w[0,1,1,1] + x[1,0,0]*w[1,1,1,1] + 250 = 14 + 13*32 + 250
	set -- $(vals t.npy)
	assert_eq "${49}" "680"
	# --print-kernel writes C_out bias values and reads back the same
	run -0 cf --transpose -k ./w.kernel --print-kernel
	printf '%s\n' "$output" > p.kernel
	[[ $output == *$'\nbias 3 250\n# input 0, output 0\n'* ]]
	run -0 cf --transpose -k ./p.kernel -s 2 -p 1 --output-padding 1 \
	    x.npy p.npy
	assert_eq "$(vals p.npy)" "$(vals a.npy)"
}

@test "--transpose: text banks match torch.nn.ConvTranspose2d" {
	py=/usr/bin/python3
	$py -c 'import torch' 2>/dev/null || skip "torch is not importable by $py"
	# random layers: channels, groups, stride, padding, dilation, bias
	# (not $i in the loop below: bats' run sets it)
	$py - <<'PY'
import struct, torch
torch.manual_seed(13)
def npy(path, t):
    t = t.detach().float().contiguous()
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (
        str(tuple(t.shape)))
    hdr += ' ' * (63 - len(hdr) % 64) + '\n'
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)))
        f.write(hdr.encode() + struct.pack('<%df' % t.numel(), *t.flatten().tolist()))
cases = [(2, 1, 1, 1, 1, 0, 1, 0), (1, 3, 1, 3, 2, 1, 1, 1),
         (4, 6, 2, 3, 2, 0, 2, 0), (3, 2, 1, 2, 1, 1, 1, 0),
         (4, 4, 4, 3, 3, 1, 1, 2)]
with open('cases', 'w') as c:
    for i, (cin, cout, g, k, s, p, d, op) in enumerate(cases):
        m = torch.nn.ConvTranspose2d(cin, cout, k, stride=s, padding=p,
            dilation=d, output_padding=op, groups=g)
        x = torch.rand(1, cin, 5, 4) * 255
        npy('x%d.npy' % i, x[0])
        npy('y%d.npy' % i, m(x)[0])
        w = m.weight
        with open('k%d.kernel' % i, 'w') as f:
            f.write('shape %d %d %d %d\n' % tuple(w.shape))
            if g > 1:
                f.write('groups %d\n' % g)
            f.write('bias ' + ' '.join('%.9g' % v for v in m.bias.tolist()) + '\n')
            f.write(' '.join('%.9g' % v for v in w.flatten().tolist()) + '\n')
        c.write('%d %d %d %d %d\n' % (i, s, p, d, op))
PY
	mapfile -t cases < cases
	[ "${#cases[@]}" = 5 ]
	for c in "${cases[@]}"; do
		read -r n s p d op <<< "$c"
		run -0 cf --transpose -k ./k$n.kernel -s $s -p $p -d $d \
		    --output-padding $op x$n.npy o$n.npy
		$py - "$n" <<'PY'
import struct, sys
def load(path):
    b = open(path, 'rb').read()
    h = struct.unpack('<H', b[8:10])[0]
    hdr = b[10:10 + h].decode()
    shape = eval(hdr)['shape']
    return shape, struct.unpack('<%df' % ((len(b) - 10 - h) // 4), b[10 + h:])
i = sys.argv[1]
(sa, a), (sb, b) = load('o%s.npy' % i), load('y%s.npy' % i)
assert sa == sb, (sa, sb)
err = max(abs(u - v) / max(1, abs(v)) for u, v in zip(a, b))
assert err < 1e-5, (i, err)
PY
	done
}

@test "--info prints shapes, costs and the receptive field, writes nothing" {
	pgm 64 48 $(for i in $(seq 1 3072); do echo 0; done) > in.pgm
	run -0 cf --info -k gaussian:1 -k maxpool:2 -k sobel in.pgm
	assert_eq "${lines[0]}" "input: 1x48x64 (C x H x W)"
	assert_eq "${lines[1]}" "1 gaussian:1 (conv): 1x48x64 -> 1x48x64, kernel [1, 1, 7, 7], stride 1x1, padding 3,3 x 3,3, dilation 1x1, groups 1, params 49, macs 150528, rf 7x7, jump 1x1"
	assert_eq "${lines[2]}" "2 maxpool:2 (maxpool): 1x48x64 -> 1x24x32, kernel [1, 1, 2, 2], stride 2x2, padding 0,0 x 0,0, dilation 1x1, groups 1, params 0, macs 3072, rf 8x8, jump 2x2"
	assert_eq "${lines[3]}" "3 sobel (magnitude): 1x24x32 -> 1x24x32, kernel [1, 1, 3, 3], stride 1x1, padding 1,1 x 1,1, dilation 1x1, groups 1, params 18, macs 13824, rf 12x12, jump 2x2"
	assert_eq "${lines[4]}" "total: 3 stages, 1x48x64 -> 1x24x32, params 67, macs 167424, rf 12x12, jump 2x2"
	[ "$(ls)" = in.pgm ]
}

@test "--info --json, with stride, dilation, a bank and --transpose" {
	npy '|u1' '(2, 9, 9)' > x.npy	# header only: --info reads no data
	npy '|u1' '(4, 2, 3, 3)' $(seq 1 72) > w.npy
	npy '|u1' '(4,)' 1 2 3 4 > b.npy
	run -0 cf --info --json -k box:3 -k w.npy --bias-file b.npy -s 2 -d 2 \
	    x.npy
	# box:3 d2 s2: k_eff 5, rf 1 + 4 = 5, jump 2; same padding 2,2;
	# 9 -> ceil(9/2) = 5; bank: rf 5 + 4*2 = 13, jump 4, 5 -> 3
	[[ $output == *'"name": "box:3", "op": "conv", "input": [2, 9, 9], "output": [2, 5, 5], "kernel": [2, 1, 3, 3], "stride": [2, 2], "padding": [2, 2, 2, 2], "dilation": [2, 2], "groups": 2, "params": 18, "macs": 450, "receptive_field": [5, 5], "jump": [2, 2]}'* ]]
	[[ $output == *'"total": {"stages": 2, "output": [4, 3, 3], "params": 94, "macs": 1098, "receptive_field": [13, 13], "jump": [4, 4]}}' ]]
	# transposed 3x3 stride 2: each output reads at most 2 inputs per
	# axis, so rf grows by 1 input step; the jump halves
	run -0 cf --info --json --transpose -k box:3 -s 2 -p 1 x.npy
	[[ $output == *'"op": "conv_transpose", "input": [2, 9, 9], "output": [2, 17, 17]'* ]]
	[[ $output == *'"receptive_field": [2, 2], "jump": [0.5, 0.5]}}' ]]
}

@test "--info reads only the header" {
	# a PNG whose pixel data is cut off: loading fails, --info works
	"$MKFIXTURE" png rgb 8 40 30 full.png
	head -c 60 full.png > cut.png
	run -1 cf -k box cut.png o.png
	run -0 cf --info -k box cut.png
	assert_eq "${lines[0]}" "input: 3x30x40 (C x H x W)"
	# a header claiming 20000x6000 with no pixels at all
	"$MKFIXTURE" png-header 20000 6000 big.png
	run -0 cf --info -k box big.png
	assert_eq "${lines[0]}" "input: 3x6000x20000 (C x H x W)"
	# palette with tRNS loads as RGBA; CMYK JPEG as RGB; PAM depth
	"$MKFIXTURE" png palette 8 --trns 5 3 pal.png
	run -0 cf --info pal.png
	assert_eq "${lines[0]}" "input: 4x3x5 (C x H x W)"
	"$MKFIXTURE" jpeg cmyk 16 8 c.jpg
	run -0 cf --info c.jpg
	assert_eq "${lines[0]}" "input: 3x8x16 (C x H x W)"
	printf 'P7\nWIDTH 3\nHEIGHT 2\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n' > a.pam
	run -0 cf --info a.pam
	assert_eq "${lines[0]}" "input: 2x2x3 (C x H x W)"
	run -2 cf --info -k box cut.png o.png
	assert_eq "$output" "convfilter: --info: takes one input and no output"
	run -2 cf --json -k box cut.png o.png
	assert_eq "$output" "convfilter: --json: only with --info"
}

@test "the receptive field of a chain matches a brute-force NaN probe" {
	# One NaN pixel in a zero 41x41 image: with zero padding and stride
	# 1, the outputs it reaches span exactly the receptive field per
	# axis (NaN * 0 is NaN, so zero weights do not hide it).
	{
		npy_raw "{'descr': '<f4', 'fortran_order': False, 'shape': (41, 41), }"
		head -c $(( (20 * 41 + 20) * 4 )) /dev/zero
		printf '\0\0\300\177'
		head -c $(( (41 * 41 - 20 * 41 - 21) * 4 )) /dev/zero
	} > nan.npy
	for chain in "-k box:3 -k gaussian:1 -k box:5" \
	    "-k box:3 -k gaussian:1 -k box:5 -d 2" \
	    "-k sobel -k box:2 -k laplacian -d 3x1"; do
		# shellcheck disable=SC2086
		run -0 cf --info --json $chain --pad-mode zero nan.npy
		want=$(sed -n 's/.*"total": .*"receptive_field": \[\([0-9]*\), \([0-9]*\)\].*/\1 \2/p' <<<"$output")
		# shellcheck disable=SC2086
		run -0 cf $chain --pad-mode zero nan.npy out.npy
		got=$(vals out.npy | tr ' ' '\n' | awk '
		    $1 == "nan" || $1 == "-nan" { i = NR - 1; r = int(i / 41);
		      c = i % 41; if (!n++) { r0 = r1 = r; c0 = c1 = c }
		      if (r < r0) r0 = r; if (r > r1) r1 = r;
		      if (c < c0) c0 = c; if (c > c1) c1 = c }
		    END { print r1 - r0 + 1, c1 - c0 + 1 }')
		assert_eq "$got" "$want"
	done
}
