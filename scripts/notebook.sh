#!/bin/bash
# Starts Jupyter on the notebooks of this repository: on 127.0.0.1 only, with a random token,
# on the first free port from $PORT (default 8888), with the GoNB kernel installed by
# install-kernel.sh (which finds its tools whatever the PATH). Prints the URL to open, then
# runs the server in the foreground until Control-C. `make notebook` runs it.
#
# Environment: PORT (first port tried, default 8888), TOKEN (default: random),
# NOTEBOOK_DIR (default: the repository's notebooks/), URL_FILE (if set, the URL is also
# written there once the server answers; for tests).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${NOTEBOOK_DIR:-$root/notebooks}
port=${PORT:-8888}
token=${TOKEN:-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}
jupyter=$(command -v jupyter-notebook || true)
if [[ -z $jupyter ]]; then
	echo "notebook.sh: no jupyter-notebook command: run \`make setup\` first" >&2
	exit 1
fi
if ! jupyter kernelspec list 2>/dev/null | grep -q '^ *gonb '; then
	echo "notebook.sh: the GoNB kernel spec is not installed: run \`make setup\` first" >&2
	exit 1
fi
# The first free port on 127.0.0.1 from $port on.
free_port() {
	local p
	for ((p = $1; p < $1 + 100; p++)); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "notebook.sh: no free port in $1..$(($1 + 99))" >&2
	exit 1
}
port=$(free_port "$port")
url="http://127.0.0.1:$port/?token=$token"
args=(--no-browser --ip=127.0.0.1 --port="$port" --port-retries=0
	--NotebookApp.token="$token" --NotebookApp.open_browser=False
	--notebook-dir="$dir")
if [[ $(id -u) == 0 ]]; then
	args+=(--allow-root)
fi
if [[ -n ${URL_FILE:-} ]]; then
	# Tell the caller the URL once the server answers.
	(
		for _ in $(seq 600); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				echo "$url" >"$URL_FILE.tmp" && mv "$URL_FILE.tmp" "$URL_FILE"
				exit 0
			fi
			sleep 0.1
		done
	) &
fi
cat <<MSG

  Jupyter for surrogo's notebooks ($dir)
  Open this URL in a browser on this machine (or through an SSH tunnel to port $port):

      $url

  Stop the server with Control-C.

MSG
exec "$jupyter" "${args[@]}"
