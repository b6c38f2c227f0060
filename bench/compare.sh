#!/usr/bin/env bash
# bench/compare.sh: surrogo (GoMLX, the $GOMLX_BACKEND backend) against PyTorch on the CPU, side by
# side, on the same networks (bench/peer.py builds pkg/models' networks in PyTorch and checks their
# parameter and FLOP counts against surrogo's). Every measurement runs in its own process, one after
# the other; the output is one Markdown table. See bench/README.md.
#
# Usage: bench/compare.sh [--quick] [--threads T] [--blas openblas|system] [--omp-wait passive|active]
#                         [--only REGEX] [--logs DIR] [--surrogo BIN]
#
#   --quick      1 warm-up and 3 timed steps everywhere (default: more, per configuration)
#   --threads T  torch.set_num_threads(T) and OpenBLAS threads of the PyTorch peer (default 2); the
#                Go side uses GOMAXPROCS (all cores unless set) and its backend's own settings
#   --blas B     openblas (default): run the peer on Debian's OpenBLAS (libopenblas0-pthread, taken
#                from its .deb into bin/openblas without installing it, unless the system already
#                uses it); system: whatever libblas.so.3 the system has (Debian's default is the
#                reference BLAS, which makes PyTorch's transposed convolutions several times slower)
#   --omp-wait P OMP_WAIT_POLICY of the peer: passive (default) or active. GNU OpenMP's default
#                (active, spinning) collapses PyTorch's speed up to 20x when another process takes
#                one of the cores, as on a shared machine; on a quiet machine active is a bit faster
#   --only RE    only the configurations whose label matches the extended regex RE
#   --logs DIR   keep every run's output in DIR (default: a temporary directory, printed)
#   --surrogo B  measure the surrogo binary B as it is (default: go build -o bin/surrogo-compare
#                ./cmd/surrogo first, a binary of its own so that other builds of bin/surrogo do not
#                interfere)
#
# Environment: GOMLX_BACKEND is passed through to surrogo (unset: surrogo's default backend).
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

QUICK=0
THREADS=2
BLAS=openblas
ONLY=
LOGS=
SURROGO=
BUILT=
OMPWAIT=passive
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--threads) THREADS=$2; shift ;;
	--threads=*) THREADS=${1#*=} ;;
	--blas) BLAS=$2; shift ;;
	--blas=*) BLAS=${1#*=} ;;
	--only) ONLY=$2; shift ;;
	--only=*) ONLY=${1#*=} ;;
	--logs) LOGS=$2; shift ;;
	--logs=*) LOGS=${1#*=} ;;
	--surrogo) SURROGO=$2; shift ;;
	--surrogo=*) SURROGO=${1#*=} ;;
	--omp-wait) OMPWAIT=$2; shift ;;
	--omp-wait=*) OMPWAIT=${1#*=} ;;
	-h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "compare.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case "$BLAS" in openblas | system) ;; *) echo "compare.sh: --blas: want openblas or system, got $BLAS" >&2; exit 2 ;; esac
case "$OMPWAIT" in passive | active) ;; *) echo "compare.sh: --omp-wait: want passive or active, got $OMPWAIT" >&2; exit 2 ;; esac
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --threads: want a positive integer, got $THREADS" >&2; exit 2; }

# PyTorch: the python3 on PATH if it has torch, else Debian's, installing python3-torch if needed.
PY=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import torch' 2>/dev/null; then PY=$(command -v "$p"); break; fi
done
if [ -z "$PY" ]; then
	echo "Installing python3-torch (Debian)..." >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q python3-torch >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null && apt-get install -y -q python3-torch >/dev/null; } ||
		{ echo "compare.sh: cannot install python3-torch" >&2; exit 1; }
	PY=/usr/bin/python3
	"$PY" -c 'import torch' || { echo "compare.sh: python3-torch installed but 'import torch' fails" >&2; exit 1; }
fi

# BLAS of the peer.
PEER_ENV=(OMP_NUM_THREADS="$THREADS" OPENBLAS_NUM_THREADS="$THREADS" OMP_WAIT_POLICY="$OMPWAIT")
if [ "$BLAS" = openblas ]; then
	sys=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
	if [[ "$sys" == *openblas* ]]; then
		: # The system's libblas.so.3 is already OpenBLAS.
	else
		dir=/usr/lib/x86_64-linux-gnu/openblas-pthread
		if [ ! -e "$dir/libblas.so.3" ]; then
			dir=$ROOT/bin/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread
			if [ ! -e "$dir/libblas.so.3" ]; then
				echo "Fetching Debian's libopenblas0-pthread into bin/openblas (not installed)..." >&2
				tmp=$(mktemp -d)
				if (cd "$tmp" && apt-get download libopenblas0-pthread >/dev/null 2>&1) &&
					mkdir -p "$ROOT/bin/openblas" && dpkg-deb -x "$tmp"/libopenblas0-pthread_*.deb "$ROOT/bin/openblas"; then
					:
				else
					echo "compare.sh: could not fetch libopenblas0-pthread; the peer uses the system BLAS" >&2
				fi
				rm -rf "$tmp"
			fi
		fi
		[ -e "$dir/libblas.so.3" ] && PEER_ENV+=(LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
	fi
fi

if [ -z "$SURROGO" ]; then
	echo "Building surrogo..." >&2
	SURROGO=$ROOT/bin/surrogo-compare
	BUILT=1
	go build -o "$SURROGO" ./cmd/surrogo || { echo "compare.sh: go build failed" >&2; exit 1; }
fi
[ -x "$SURROGO" ] || { echo "compare.sh: $SURROGO is not an executable" >&2; exit 1; }
"$SURROGO" bench infer --help >/dev/null 2>&1 || { echo "compare.sh: $SURROGO has no 'bench infer'" >&2; exit 1; }

if [ -z "$LOGS" ]; then LOGS=$(mktemp -d /tmp/surrogo-compare.XXXXXX); fi
mkdir -p "$LOGS"

# Configurations: label model size width train-batch infer-batch train-warmup train-steps infer-warmup infer-steps
CONFIGS=(
	"edcnn-N64-W8 edcnn 64 8 8 64 3 30 3 20"
	"edcnn-N128-W16 edcnn 128 16 8 64 2 10 2 5"
	"edcnn-N64-W64 edcnn 64 64 8 64 2 10 2 5"
	"dcnn-ae-N100-W64 dcnn-ae 100 64 8 25 1 3 1 3"
)

# value KEY FILE: the number after "KEY: " on the last line starting with it.
value() { grep -E "^$1: " "$2" 2>/dev/null | tail -1 | sed -E "s|^$1: ([^ ;]+).*|\\1|"; }
gflops() { grep -E '^conv GFLOP/s' "$1" 2>/dev/null | tail -1 | sed -E 's/.*: //'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.3g", a / b }'; }
or_fail() { if [ -n "$1" ]; then echo "$1"; else echo "FAIL"; fi; }

echo "# surrogo vs PyTorch, CPU"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
simd=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'avx2|fma|avx512f|avx512_bf16|amx_tile' | tr '\n' ' ')
echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //') (${simd% }; $(nproc) cores available; load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
if [ -n "$BUILT" ]; then
	built="built from commit $(git -C "$ROOT" log -1 --format=%h 2>/dev/null)$( [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -1)" ] && echo ' with uncommitted changes')"
else
	built="given with --surrogo"
fi
echo "- surrogo: $SURROGO ($built), GOMLX_BACKEND=${GOMLX_BACKEND:-(unset: the default)}, GOMAXPROCS=${GOMAXPROCS:-(unset)}"
echo "- PyTorch: $("$PY" -c 'import torch; print(torch.__version__)') ($PY), $THREADS threads, float32 NCHW; peer BLAS: $BLAS; OMP_WAIT_POLICY=$OMPWAIT"
if [ "$QUICK" = 1 ]; then echo "- --quick: 1 warm-up + 3 timed steps per measurement"; fi
echo "- logs: $LOGS"
echo

ROWS=()
BACKEND_LINE=
PEER_BLAS_LINE=
for cfg in "${CONFIGS[@]}"; do
	read -r label model size width tb ib tw ts iw is <<<"$cfg"
	if [ -n "$ONLY" ] && ! [[ "$label" =~ $ONLY ]]; then continue; fi
	if [ "$QUICK" = 1 ]; then tw=1; ts=3; iw=1; is=3; fi
	common=(--model "$model" --size "$size" --width "$width")
	for mode in train infer; do
		if [ $mode = train ]; then b=$tb w=$tw s=$ts; else b=$ib w=$iw s=$is; fi
		go_log=$LOGS/$label-$mode-surrogo.txt
		py_log=$LOGS/$label-$mode-pytorch.txt
		echo "[$label $mode] surrogo: batch $b, $w warm-up + $s timed steps" >&2
		"$SURROGO" bench "$mode" "${common[@]}" --batch "$b" --warmup "$w" --steps "$s" >"$go_log" 2>&1 ||
			echo "[$label $mode] surrogo failed, see $go_log" >&2
		[ -z "$BACKEND_LINE" ] && BACKEND_LINE=$(grep -m1 '^backend: ' "$go_log")
		expect=()
		p=$(value parameters "$go_log")
		f=$(value forward_flops "$go_log")
		[ -n "$p" ] && expect+=(--expect-params "$p")
		[ -n "$f" ] && expect+=(--expect-flops "$f")
		echo "[$label $mode] pytorch: batch $b, $w warm-up + $s timed steps" >&2
		env "${PEER_ENV[@]}" "$PY" bench/peer.py "${common[@]}" --mode "$mode" --batch "$b" --warmup "$w" --steps "$s" \
			--threads "$THREADS" "${expect[@]}" >"$py_log" 2>&1 ||
			echo "[$label $mode] pytorch failed, see $py_log" >&2
		[ -z "$PEER_BLAS_LINE" ] && PEER_BLAS_LINE=$(grep -m1 '^blas: ' "$py_log")
		gs=$(value samples/s "$go_log")
		ps=$(value samples/s "$py_log")
		gm=$(value peak_rss_mb "$go_log")
		pm=$(value peak_rss_mb "$py_log")
		ROWS+=("| $label | $mode | $b | $(or_fail "$gs") | $(or_fail "$ps") | $(ratio "$gs" "$ps") | $(or_fail "$(gflops "$go_log")") | $(or_fail "$(gflops "$py_log")") | $(or_fail "$gm") | $(or_fail "$pm") | $(ratio "$gm" "$pm") |")
	done
done

[ -n "$BACKEND_LINE" ] && echo "- surrogo $BACKEND_LINE"
[ -n "$PEER_BLAS_LINE" ] && echo "- PyTorch $PEER_BLAS_LINE"
echo "- load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| config | mode | batch | surrogo samples/s | PyTorch samples/s | ratio | surrogo GFLOP/s | PyTorch GFLOP/s | surrogo peak RSS MiB | PyTorch peak RSS MiB | RSS ratio |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for r in "${ROWS[@]}"; do echo "$r"; done
echo
echo "ratio = surrogo / PyTorch (above 1: surrogo faster; for RSS, above 1: surrogo uses more memory)."
echo "GFLOP/s: convolution FLOPs only, 2 per multiply-add; training counts 3 x the forward FLOPs."
