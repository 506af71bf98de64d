# deps.sh — the three package lists (src/packages.txt, issue 18): `make` and
# `make sample` need and install only build and run packages, `make check`
# installs the test ones or goes on without them, saying so.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
cd "$SFTKIT_ROOT" || exit 1

# which lists each target asks for (make -n: nothing is built or installed)
kinds() { make -n -B "$1" 2>/dev/null | sed -n 's/^sh src\/deps\.sh \([a-z]*\)$/\1/p' | sort -u | tr '\n' ' '; }
t_eq "make asks for the build list only" "build " "$(kinds all)"
t_eq "make sample: build and run, not test" "build run " "$(kinds sample)"
t_eq "make check: build and test" "build test " "$(kinds check)"

testonly="jq parallel mandoc clang chromium nodejs"
build=" $(sh src/deps.sh --print build) "
bad=""
for p in $testonly; do case $build in *" $p "*) bad="$bad $p" ;; esac; done
t_eq "no test-only tool in the build list" "" "$bad"
t_eq "the Makefile's pkg-config modules are the build list's" "$(awk '$1 == "build" && $3 != "-" { gsub(",", " ", $3); print $3 }' src/packages.txt | tr '\n' ' ')" "$(sh src/deps.sh --modules | sed 's/ *$/ /')"

# A copy of deps.sh on a list of our own, with apt-get and id stood in for:
# nothing is installed here, whatever the user.
mkdir -p "$T/d" "$T/shim"
cp src/deps.sh "$T/d/"
cat >"$T/shim/apt-get" <<EOF
#!/bin/sh
echo "apt-get \$*" >>"$T/apt.log"
exit 100
EOF
printf '#!/bin/sh\necho "${FAKE_UID:-1000}"\n' >"$T/shim/id"
chmod +x "$T/shim/apt-get" "$T/shim/id"
run_deps() { # UID KIND: deps.sh on $T/d/packages.txt; stderr in $T/e
	FAKE_UID=$1 PATH="$T/shim:$PATH" sh "$T/d/deps.sh" "$2" 2>"$T/e"
}
{ sed -n '/^build/p' src/packages.txt; echo 'test sftkit-no-such-tool -'; } >"$T/d/packages.txt"
: >"$T/apt.log"
t_status "a missing test tool does not stop the build's check" 0 run_deps 1000 build
t_eq "and nothing is installed for it" "" "$(cat "$T/apt.log")"
t_status "make check without root: goes on" 0 run_deps 1000 test
t_grep "naming the package" "missing Debian packages (test): sftkit-no-such-tool" "$T/e"
t_grep "and the command to install it" "apt-get install -y sftkit-no-such-tool" "$T/e"
t_grep "and saying the tests that need it skip" "the tests that need them skip" "$T/e"
t_eq "without root nothing is run" "" "$(cat "$T/apt.log")"
t_status "as root an install that fails is not a failure of make check" 0 run_deps 0 test
t_grep "as root the missing test package is installed" "install -y -qq --no-install-recommends sftkit-no-such-tool" "$T/apt.log"
t_grep "and the failure said" "could not install them; the tests that need them will skip" "$T/e"

# a missing build library stops the build, named, as root or not
{ echo 'build libsftkit-no-such-dev sftkit-no-such-module'; } >"$T/d/packages.txt"
: >"$T/apt.log"
t_status "a missing build library stops the build" 1 run_deps 1000 build
t_grep "naming it" "missing Debian packages (build): libsftkit-no-such-dev" "$T/e"
t_status "as root too, when it cannot be installed" 1 run_deps 0 build
t_grep "after trying" "install -y -qq --no-install-recommends libsftkit-no-such-dev" "$T/apt.log"
