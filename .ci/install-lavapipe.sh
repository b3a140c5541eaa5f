#!/usr/bin/env bash
# Installs a Mesa >= 25 lavapipe (software Vulkan) into DIR without changing the system's apt config,
# so that Dawn (npm `webgpu`) accepts it and tfjs-backend-webgpu can run on a machine with no GPU.
#
#   bash .ci/install-lavapipe.sh DIR            # prints the `export ...` lines to eval
#   eval "$(bash .ci/install-lavapipe.sh DIR)"  # or: source DIR/env.sh afterwards
#
# Why: Debian 12's own lavapipe (Mesa 22.3) lacks shaderSampledImageArrayDynamicIndexing and
# shaderStorageImageArrayDynamicIndexing, and Dawn refuses it ("Vulkan shaderUniform*ArrayDynamicIndexing required.").
# bookworm-backports ships Mesa 25.0, built against the same LLVM 15; it only needs a newer libdrm.
#
# What it does:
#   1. ensures the system has the Vulkan loader (libvulkan1) and the runtime libraries lavapipe links
#      (mesa-vulkan-drivers from Debian 12 pulls them in: libLLVM-15, libxcb*, libwayland*, ...);
#   2. `apt-get download`s mesa-vulkan-drivers + libdrm from bookworm-backports with a private sources.list,
#      private lists and cache (under DIR/apt), and `dpkg-deb -x`s them into DIR/root;
#   3. writes DIR/lvp_icd.json with an absolute library path, and DIR/env.sh with the variables below.
# It is idempotent: a second run with a complete DIR downloads nothing.
# All progress goes to stderr; stdout carries only the export lines.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
mkdir -p "$1"
DIR="$(cd "$1" && pwd)"
ROOT="$DIR/root"
ICD="$DIR/lvp_icd.json"
ENVSH="$DIR/env.sh"
PKGS=(mesa-vulkan-drivers libdrm2 libdrm-common libdrm-amdgpu1)
SUITE=bookworm-backports
MIN_MESA_MAJOR=25

log() { echo "install-lavapipe: $*" >&2; }

# --- 1. system side: the loader and lavapipe's shared-library dependencies -------------------------------
need_system=()
ldconfig -p | grep -q 'libvulkan\.so\.1 ' || need_system+=(libvulkan1)
dpkg-query -W -f='${Status}' mesa-vulkan-drivers 2>/dev/null | grep -q 'install ok installed' || need_system+=(mesa-vulkan-drivers)
if [ ${#need_system[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing system packages: ${need_system[*]} (run: sudo apt-get install -y ${need_system[*]})"
    exit 1
  fi
  log "installing system packages: ${need_system[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get -o DPkg::Lock::Timeout=900 install -y "${need_system[@]}" >&2; then
    apt-get -o DPkg::Lock::Timeout=900 update >&2
    apt-get -o DPkg::Lock::Timeout=900 install -y "${need_system[@]}" >&2
  fi
fi

find_lvp() { find "$ROOT" -name 'libvulkan_lvp.so' -print -quit 2>/dev/null || true; }

# --- 2. download + unpack (skipped when DIR is already complete) ----------------------------------------
LVP="$(find_lvp)"
if [ -z "$LVP" ] || [ ! -f "$DIR/.complete" ]; then
  APT="$DIR/apt"
  rm -rf "$ROOT" "$APT/debs"
  mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/debs" "$ROOT"
  KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
  echo "deb [signed-by=$KEYRING] http://deb.debian.org/debian $SUITE main" > "$APT/sources.list"
  A=(-o "Dir::Etc::SourceList=$APT/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
     -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" -o "APT::Sandbox::User=root")
  log "apt-get update ($SUITE, private lists in $APT)"
  apt-get "${A[@]}" update >&2
  log "downloading ${PKGS[*]} from $SUITE"
  (cd "$APT/debs" && apt-get "${A[@]}" download "${PKGS[@]/%//$SUITE}" >&2)
  for deb in "$APT/debs"/*.deb; do dpkg-deb -x "$deb" "$ROOT"; done
  MESA_DEB="$(ls "$APT/debs"/mesa-vulkan-drivers_*.deb)"
  MESA_VER="$(dpkg-deb -f "$MESA_DEB" Version)"
  major="${MESA_VER%%.*}"; major="${major#*:}"
  if [ "$major" -lt "$MIN_MESA_MAJOR" ]; then
    log "got Mesa $MESA_VER from $SUITE, need >= $MIN_MESA_MAJOR"
    exit 1
  fi
  echo "$MESA_VER" > "$DIR/mesa-version"
  rm -rf "$APT/debs" "$APT/cache"   # keep DIR small: the unpacked tree is all we need
  LVP="$(find_lvp)"
  [ -n "$LVP" ] || { log "libvulkan_lvp.so not found in the unpacked packages"; exit 1; }
  touch "$DIR/.complete"
fi
LIBDIR="$(dirname "$LVP")"

# Every dependency of the new lavapipe must resolve (newer libdrm from LIBDIR, the rest from the system).
missing="$(LD_LIBRARY_PATH="$LIBDIR" ldd "$LVP" | grep 'not found' || true)"
if [ -n "$missing" ]; then
  log "unresolved libraries for $LVP:"; echo "$missing" >&2
  exit 1
fi

# --- 3. ICD json (absolute path) and env.sh -------------------------------------------------------------
cat > "$ICD" <<EOF
{
    "ICD": {
        "api_version": "1.4.305",
        "library_path": "$LVP"
    },
    "file_format_version": "1.0.0"
}
EOF
# Use the packaged ICD's api_version when there is one.
SRC_ICD="$(find "$ROOT/usr/share/vulkan/icd.d" -name 'lvp_icd*.json' -print -quit 2>/dev/null || true)"
if [ -n "$SRC_ICD" ]; then
  api="$(sed -n 's/.*"api_version": *"\([^"]*\)".*/\1/p' "$SRC_ICD" | head -1)"
  [ -n "$api" ] && sed -i "s/\"api_version\": \"[^\"]*\"/\"api_version\": \"$api\"/" "$ICD"
fi

mkdir -p "$DIR/xdg" "$DIR/mesa_shader_cache"
chmod 700 "$DIR/xdg"
{
  echo "export VK_DRIVER_FILES=\"$ICD\""
  echo "export VK_ICD_FILENAMES=\"$ICD\""
  echo "export LD_LIBRARY_PATH=\"$LIBDIR\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}\""
  echo "export XDG_RUNTIME_DIR=\"\${XDG_RUNTIME_DIR:-$DIR/xdg}\""
  echo "export MESA_SHADER_CACHE_DIR=\"\${MESA_SHADER_CACHE_DIR:-$DIR/mesa_shader_cache}\""
  echo "export TSLAB_LIGHTNING_LAVAPIPE_DIR=\"$DIR\""
} > "$ENVSH"
log "lavapipe $(cat "$DIR/mesa-version" 2>/dev/null) ready in $DIR (source $ENVSH)"
cat "$ENVSH"
