# start.sh — source this: mockhub_start ROOT [server args...] starts the mock Hub
# on a free loopback port, sets HF_ENDPOINT and MOCKHUB_PID, and stops it at exit
# (the caller's EXIT trap should call mockhub_stop).
mockhub_start() {
	_root=$1; shift
	_pf=$(mktemp "${TMPDIR:-/tmp}/mockhub-port.XXXXXX"); rm -f "$_pf"
	python3 "$SFTKIT_ROOT/pipelines/mockhub/server.py" --root "$_root" --port-file "$_pf" "$@" &
	MOCKHUB_PID=$!
	_i=0
	while [ ! -s "$_pf" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
	[ -s "$_pf" ] || { echo "mockhub: did not start" >&2; return 1; }
	HF_ENDPOINT="http://127.0.0.1:$(cat "$_pf")"
	export HF_ENDPOINT
	rm -f "$_pf"
}
mockhub_stop() { [ -n "${MOCKHUB_PID:-}" ] && kill "$MOCKHUB_PID" 2>/dev/null; wait "$MOCKHUB_PID" 2>/dev/null; MOCKHUB_PID=; }
