#!/bin/sh
# deps.sh — make sure the Debian 12 packages sftkit builds, tests and runs with
# are installed. As root it installs what is missing with apt-get; otherwise it
# prints the exact command to run and fails.
#
#   sh src/deps.sh           check, install what is missing
#   sh src/deps.sh --print   print the package list and exit
set -eu

# build and run time
PKGS="build-essential pkg-config libjq-dev libcurl4-openssl-dev zlib1g-dev libxxhash-dev
libzstd-dev libsnappy-dev liblz4-dev libbrotli-dev libpcre2-dev libutf8proc-dev"
# test time: jq (peer and oracle), python3 (mock Hub), GNU parallel (scaling-out
# tests), mandoc (man page lint), clang + its runtime (fuzzing), chromium (report
# screenshot), nodejs/npm (oracles; tests skip when the registry is unreachable)
PKGS="$PKGS jq python3 parallel mandoc clang libclang-rt-14-dev bc zstd gzip bsdutils chromium"
[ "${SFTKIT_DEPS_EXTRA:-}" ] && PKGS="$PKGS $SFTKIT_DEPS_EXTRA"

if [ "${1:-}" = "--print" ]; then echo $PKGS; exit 0; fi

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0

echo "sftkit: missing Debian packages:$missing" >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "sftkit: installing them with apt-get" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || true
	apt-get install -y -qq --no-install-recommends $missing >&2
else
	echo "sftkit: run this, then try again:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
