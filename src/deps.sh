#!/bin/sh
# deps.sh — make sure the Debian 12 packages of one kind (src/packages.txt)
# are there. As root it installs what is missing with apt-get; otherwise it
# prints the exact command to run.
#
#   sh src/deps.sh build     the -dev libraries `make` needs: missing ones
#                            stop the build (checked with pkg-config, so any
#                            system that has the libraries passes)
#   sh src/deps.sh run       what `make sample` calls besides sftkit (python3)
#   sh src/deps.sh test      what the test suite, fuzzers and benches call: as
#                            root, installed; otherwise named, and the tests
#                            that need them skip, saying so
#   sh src/deps.sh all       all three
#   sh src/deps.sh --print KIND   the Debian packages of KIND
#   sh src/deps.sh --modules      the pkg-config modules the build links
set -eu
here=$(dirname "$0")
list="$here/packages.txt"

pkgs() { awk -v k="$1" '$1 == k || (k == "all" && $1 ~ /^(build|run|test)$/) { print $2 }' "$list" | sort -u | tr '\n' ' '; }
modules() { awk '$1 == "build" && $3 != "-" { gsub(",", " ", $3); print $3 }' "$list" | tr '\n' ' '; }

case "${1:-}" in
--print) pkgs "${2:-all}"; echo; exit 0 ;;
--modules) modules; echo; exit 0 ;;
build|run|test|all) kind=$1 ;;
*) echo "usage: sh src/deps.sh build|run|test|all | --print KIND | --modules" >&2; exit 2 ;;
esac

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# The build is judged by what it uses, not by package names, so a system with
# the libraries from elsewhere (or another distribution) builds too.
build_ok() {
	command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1 &&
		command -v pkg-config >/dev/null 2>&1 &&
		# shellcheck disable=SC2046
		pkg-config --exists $(modules) && [ -f /usr/include/jq.h ]
}

missing=""
case $kind in
build) build_ok && exit 0 ;;
run) command -v python3 >/dev/null 2>&1 && exit 0 ;;
esac
for p in $(pkgs "$kind"); do
	installed "$p" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	[ "$kind" = build ] && ! build_ok && { echo "sftkit: the build libraries are installed but pkg-config cannot find them all: $(modules)" >&2; exit 1; }
	exit 0
fi

echo "sftkit: missing Debian packages ($kind):$missing" >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "sftkit: installing them with apt-get" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || true
	if apt-get install -y -qq --no-install-recommends $missing >&2; then exit 0; fi
	[ "$kind" = test ] || exit 1
	echo "sftkit: could not install them; the tests that need them will skip" >&2
	exit 0
fi
echo "sftkit: run this, then try again:" >&2
echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
if [ "$kind" = test ]; then
	echo "sftkit: going on without them: the tests that need them skip, saying so" >&2
	exit 0
fi
exit 1
