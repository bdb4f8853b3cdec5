#!/bin/sh
# check-layers.sh [SRCDIR] - the include rule of src/README: a file in a
# layer includes only headers of its own layer or those below it
# (base <- io <- kernels <- engine <- cli), the engine never io, every
# include is path-qualified ("engine/conv.h"), and no header includes
# itself through others.  Prints one line per fault; exits 1 on any.
cd "${1:-src}" || exit 2
grep -H '^#[[:space:]]*include[[:space:]]*"' */*.c */*.h | awk '
function rank(l) {
	if (l == "base") return 0
	if (l == "io") return 1
	if (l == "kernels") return 2
	if (l == "engine") return 3
	if (l == "cli") return 4
	return -1
}
# depth-first search from node n; a node on the stack seen again is a cycle
function visit(n, path,    i, m) {
	state[n] = 1
	for (i = 1; i <= nout[n]; i++) {
		m = out[n, i]
		if (state[m] == 1) {
			print "check-layers: include cycle: " path " -> " m
			bad = 1
		} else if (!state[m])
			visit(m, path " -> " m)
	}
	state[n] = 2
}
{
	split($0, a, ":")
	file = a[1]
	inc = $0
	sub(/^[^"]*"/, "", inc)
	sub(/".*/, "", inc)
	from = file
	sub(/\/.*/, "", from)
	to = inc
	if (inc !~ /\//) {
		print "check-layers: " file ": \"" inc "\" is not path-qualified"
		bad = 1
		next
	}
	sub(/\/.*/, "", to)
	if (rank(from) < 0 || rank(to) < 0) {
		print "check-layers: " file ": \"" inc "\" is in no layer"
		bad = 1
	} else if (rank(to) > rank(from)) {
		print "check-layers: " file ": includes \"" inc "\", a layer above " from
		bad = 1
	} else if (from == "engine" && to == "io") {
		print "check-layers: " file ": includes \"" inc "\"; the engine never uses io"
		bad = 1
	}
	out[file, ++nout[file]] = inc
	node[file] = node[inc] = 1
}
END {
	for (n in node)
		if (!state[n])
			visit(n, n)
	exit bad
}'
