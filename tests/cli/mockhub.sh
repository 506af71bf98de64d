# The mock Hub's fidelity: the official client (npm @huggingface/hub) lists
# and downloads from it as from the real Hub. Skipped, saying so, when npm
# cannot install the client.
. "$SFTKIT_ROOT/tests/cli/lib.sh"
. "$SFTKIT_ROOT/pipelines/mockhub/start.sh"
trap 'mockhub_stop; rm -rf "$T"' EXIT
ORACLES=${ORACLES:-/tmp/oracles}
if [ ! -d "$ORACLES/node_modules/@huggingface/hub" ]; then
	ORACLES="${XDG_CACHE_HOME:-$HOME/.cache}/sftkit-oracles"
	if [ ! -d "$ORACLES/node_modules/@huggingface/hub" ] && command -v npm >/dev/null 2>&1; then
		mkdir -p "$ORACLES"
		(cd "$ORACLES" && [ -f package.json ] || npm init -y >/dev/null 2>&1
		 cd "$ORACLES" && timeout 180 npm install --no-audit --no-fund @huggingface/hub >/dev/null 2>&1) || true
	fi
fi
if [ ! -d "$ORACLES/node_modules/@huggingface/hub" ]; then
	t_skip "official client against the mock Hub" "npm could not install @huggingface/hub (offline?)"
	exit 0
fi
export ORACLES
H="$SFTKIT_ROOT/pipelines/sample/hub"
mockhub_start "$H" --log "$T/log" --page-size 2 || { echo "not ok - mock hub starts"; exit 0; }
node "$SFTKIT_ROOT/tests/cli/mockhub-client.mjs" allenai/Dolci-Instruct-SFT data/train-00001-of-00002.parquet >"$T/out" 2>"$T/err"
t_eq "the official client runs against the mock" 0 $?
t_grep "listFiles follows the mock's Link pages" "data/train-00000-of-00002.parquet file $(stat -c %s "$H/datasets/allenai/Dolci-Instruct-SFT/data/train-00000-of-00002.parquet")" "$T/out"
t_grep "listFiles sees directories" "data directory 0" "$T/out"
t_grep "downloadFile follows the LFS redirect and gets the bytes" \
	"sha256 $(sha256sum <"$H/datasets/allenai/Dolci-Instruct-SFT/data/train-00001-of-00002.parquet" | cut -d' ' -f1)" "$T/out"
t_grep "the listing was paginated" "tree/main?.*cursor=" "$T/log"
