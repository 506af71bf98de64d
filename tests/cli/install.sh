# make install: tools and man pages land under DESTDIR/PREFIX, and run from there.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
make -s -C "$SFTKIT_ROOT" install DESTDIR="$T/root" PREFIX=/usr/local SANITIZE="${SANITIZE:-}" >"$T/make.out" 2>&1
t_eq "make install exit 0" 0 $?
t_ok "jsonl-check installed" test -x "$T/root/usr/local/bin/jsonl-check"
t_ok "man page installed" test -f "$T/root/usr/local/share/man/man1/jsonl-check.1"
t_eq "installed tool runs" '{"a":1}' "$(echo '{"a":1}' | "$T/root/usr/local/bin/jsonl-check" -q)"
n_tools=$(ls "$SFTKIT_BIN" | wc -l)
t_eq "every built tool installed" "$n_tools" "$(ls "$T/root/usr/local/bin" | wc -l)"
