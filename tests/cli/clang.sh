# The fuzz targets are built with clang (make fuzz): every engine must compile
# with it too, warnings as errors. Syntax and semantics only, so it is quick.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
if ! command -v clang >/dev/null 2>&1; then
	t_skip "engines compile with clang" "clang is not installed"
	exit 0
fi
cd "$SFTKIT_ROOT"
for f in $(find src/lib tests/fuzz -name '*.c' | sort); do
	t_ok "clang: $f" clang -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -fsyntax-only -Isrc/lib -I/usr/include/x86_64-linux-gnu -DSFTKIT_VERSION='"x"' "$f"
done
