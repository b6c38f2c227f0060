#!/bin/bash
# Installs GoNB's Jupyter kernel spec ("gonb") so that the kernel finds its tools whatever the
# PATH of the Jupyter server: `gonb --install` writes the spec, then its argv is replaced by
# scripts/gonb-kernel, which puts this repository's bin/ and the directory of the `go` command
# found now on PATH before starting gonb. Idempotent; `make kernel` (and `make setup`) run it.
#
# Usage: scripts/install-kernel.sh      (after `make tools`)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/bin
for tool in gonb gopls goimports; do
	if [[ ! -x $bin/$tool ]]; then
		echo "install-kernel.sh: $bin/$tool is missing: run \`make tools\` first" >&2
		exit 1
	fi
done
go_cmd=$(command -v go || true)
if [[ -z $go_cmd ]]; then
	echo "install-kernel.sh: no \`go\` command on PATH: install Go (see go.mod for the version) first" >&2
	exit 1
fi
go_dir=$(cd "$(dirname "$(readlink -f "$go_cmd")")" && pwd)
if ! command -v jupyter >/dev/null; then
	echo "install-kernel.sh: no \`jupyter\` command: run \`make jupyter\` (Debian's jupyter-notebook) first" >&2
	exit 1
fi

# gonb --install checks that gopls and goimports are on PATH and writes
# <jupyter data dir>/kernels/gonb/kernel.json.
if ! out=$(PATH="$bin:$go_dir:$PATH" "$bin/gonb" --install 2>&1); then
	echo "$out" >&2
	echo "install-kernel.sh: gonb --install failed" >&2
	exit 1
fi
spec_dir=$(jupyter kernelspec list --json 2>/dev/null | /usr/bin/env python3 -c \
	'import json, sys; print(json.load(sys.stdin)["kernelspecs"].get("gonb", {}).get("resource_dir", ""))' 2>/dev/null || true)
if [[ -z $spec_dir ]]; then
	spec_dir=${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}/kernels/gonb
fi
if [[ ! -f $spec_dir/kernel.json ]]; then
	echo "install-kernel.sh: gonb --install wrote no $spec_dir/kernel.json" >&2
	exit 1
fi
# The kernel spec: JSON strings of the paths (they may hold spaces or quotes).
json_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
tmp=$spec_dir/kernel.json.tmp.$$
cat >"$tmp" <<JSON
{
 "argv": ["/bin/sh", $(json_str "$root/scripts/gonb-kernel"), "{connection_file}"],
 "display_name": "Go (gonb)",
 "language": "go",
 "interrupt_mode": "message",
 "env": {"SURROGO_GO_DIR": $(json_str "$go_dir")},
 "metadata": {"surrogo_root": $(json_str "$root")}
}
JSON
mv -f "$tmp" "$spec_dir/kernel.json"
echo "GoNB kernel spec: $spec_dir/kernel.json (tools from $bin, go from $go_dir)"
