# tsan-probe.sh — `make tsan` (tests/tsan.sh) fails, saying why, when
# ThreadSanitizer cannot run here, instead of passing without checking
# (issue 18). The probe's compiler is stood in for; nothing is built.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
mkdir -p "$T/bin" "$T/shim"
for t in tok-len hf-fetch; do printf '#!/bin/sh\necho ran >>"%s/ran"\n' "$T" >"$T/bin/$t"; chmod +x "$T/bin/$t"; done
# a cc whose -fsanitize=thread programs die as they do with too many mmap
# random bits
cat >"$T/shim/cc" <<'SH'
#!/bin/sh
out=
while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
printf '#!/bin/sh\necho "FATAL: ThreadSanitizer: unexpected memory mapping 0x7f0000000000" >&2\nexit 66\n' >"$out"
chmod +x "$out"
SH
chmod +x "$T/shim/cc"
t_status "make tsan fails when ThreadSanitizer cannot run" 1 env PATH="$T/shim:$PATH" SFTKIT_BIN="$T/bin" sh "$SFTKIT_ROOT/tests/tsan.sh"
t_grep "saying so" "ThreadSanitizer cannot run on this machine (FATAL: ThreadSanitizer: unexpected memory mapping" "$T/.err"
t_grep "and how to fix it" "sysctl vm.mmap_rnd_bits=28" "$T/.err"
t_ok "and runs no tool" test ! -e "$T/ran"
# a compiler without TSan at all is the same failure
printf '#!/bin/sh\necho "cc: error: unsupported option -fsanitize=thread" >&2\nexit 1\n' >"$T/shim/cc"
t_status "a compiler without ThreadSanitizer: fails too" 1 env PATH="$T/shim:$PATH" SFTKIT_BIN="$T/bin" sh "$SFTKIT_ROOT/tests/tsan.sh"
t_grep "naming the compiler's error" "unsupported option -fsanitize=thread" "$T/.err"
