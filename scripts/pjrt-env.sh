#!/bin/bash
# Points gopjrt (GoMLX's XLA backend) at the CUDA PJRT plugin and NVIDIA libraries of a Python
# environment with JAX's CUDA wheel, so that `GOMLX_BACKEND=stablehlo:cuda surrogo ...` runs on
# an NVIDIA GPU without installing anything system-wide. Use it in the shell that runs surrogo:
#
#   source scripts/pjrt-env.sh            # or: eval "$(scripts/pjrt-env.sh)"
#   bin/surrogo gpu                       # checks, and says what is still missing
#   GOMLX_BACKEND=stablehlo:cuda bin/surrogo bench train --model edcnn --size 512 --width 64 --batch 8
#
# Why: gopjrt loads pjrt_c_api_<name>_plugin.so from the directories of $PJRT_PLUGIN_LIBRARY_PATH
# (read once, at program start), and the CUDA plugin looks for the NVIDIA libraries (cuDNN,
# cuBLAS, ...) in a folder named nvidia/ one level above its own folder. JAX's wheel ships the
# plugin as site-packages/jax_plugins/xla_cuda<major>/xla_cuda_plugin.so, with the libraries in
# site-packages/nvidia/. This script links both into $PJRT_DIR (default
# /tmp/surrogo-pjrt-<uid>): $PJRT_DIR/lib/pjrt_c_api_cuda_plugin.so and $PJRT_DIR/nvidia, then
# exports PJRT_PLUGIN_LIBRARY_PATH, LD_LIBRARY_PATH (the NVIDIA library folders) and, unless set,
# GOMLX_BACKEND=stablehlo:cuda. Tested with JAX's CUDA 13 plugin and gopjrt v0.10.0.
#
# Environment: PYTHON (default python3) is the interpreter whose site-packages are searched;
# PJRT_SITE_PACKAGES (':'-separated) replaces them; PJRT_DIR is where the links go.

_pjrt_main() {
	local py=${PYTHON:-python3} sites=() site plugin="" nvidia="" dir libdirs
	if [[ -n ${PJRT_SITE_PACKAGES:-} ]]; then
		IFS=: read -r -a sites <<<"$PJRT_SITE_PACKAGES"
	elif command -v "$py" >/dev/null 2>&1; then
		mapfile -t sites < <("$py" -c 'import site
for d in site.getsitepackages() + [site.getusersitepackages()]: print(d)' 2>/dev/null)
	else
		echo "pjrt-env: no Python interpreter \"$py\" on PATH; set PYTHON to the python of the environment where JAX is installed (pip install -U \"jax[cuda13]\")" >&2
		return 1
	fi
	# The newest CUDA major version first (xla_cuda13 before xla_cuda12).
	for site in "${sites[@]}"; do
		[[ -n $site ]] || continue
		local found
		found=$(ls -d "$site"/jax_plugins/xla_cuda*/xla_cuda_plugin.so 2>/dev/null | sort -r | head -n 1)
		if [[ -n $found ]]; then
			plugin=$found
			[[ -d $site/nvidia ]] && nvidia=$site/nvidia
			break
		fi
	done
	if [[ -z $plugin ]]; then
		echo "pjrt-env: no JAX CUDA PJRT plugin (jax_plugins/xla_cuda*/xla_cuda_plugin.so) in the site-packages of $py: ${sites[*]:-(none)}" >&2
		echo "pjrt-env: install JAX with CUDA into that environment (pip install -U \"jax[cuda13]\"), or set PYTHON to the python that has it" >&2
		return 1
	fi
	if [[ -z $nvidia ]]; then
		echo "pjrt-env: found the plugin $plugin but no NVIDIA libraries beside it ($(dirname "$(dirname "$(dirname "$plugin")")")/nvidia): pip install -U \"jax[cuda13]\" installs them (nvidia-* wheels)" >&2
		return 1
	fi
	dir=${PJRT_DIR:-/tmp/surrogo-pjrt-$(id -u)}
	mkdir -p "$dir/lib" || return 1
	ln -sfn "$plugin" "$dir/lib/pjrt_c_api_cuda_plugin.so" || return 1
	ln -sfn "$nvidia" "$dir/nvidia" || return 1
	libdirs=$(find -L "$nvidia" -name 'lib*.so*' -printf '%h\n' 2>/dev/null | sort -u | tr '\n' ':')
	_pjrt_exports=(
		"PJRT_PLUGIN_LIBRARY_PATH=$dir/lib"
		"LD_LIBRARY_PATH=${libdirs}${LD_LIBRARY_PATH:-}"
		"GOMLX_BACKEND=${GOMLX_BACKEND:-stablehlo:cuda}"
	)
	echo "pjrt-env: $(basename "$(dirname "$plugin")") plugin $plugin linked into $dir; GOMLX_BACKEND=${GOMLX_BACKEND:-stablehlo:cuda}" >&2
	if ! ls /dev/nvidia[0-9]* >/dev/null 2>&1; then
		echo "pjrt-env: warning: no NVIDIA GPU device (/dev/nvidia0, ...) on this machine: the plugin will find no GPU" >&2
	fi
	return 0
}

if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
	# Sourced: export into the caller's shell.
	if _pjrt_main; then
		for _pjrt_kv in "${_pjrt_exports[@]}"; do export "${_pjrt_kv?}"; done
		unset _pjrt_kv _pjrt_exports
		unset -f _pjrt_main
	else
		unset -f _pjrt_main
		return 1
	fi
else
	# Executed: print the exports for eval "$(scripts/pjrt-env.sh)".
	set -uo pipefail
	_pjrt_main || exit 1
	for kv in "${_pjrt_exports[@]}"; do printf 'export %q\n' "$kv"; done
fi
