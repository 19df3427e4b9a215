#!/usr/bin/env bash
# What running the other targets' binaries here needs (tests/binary/targets.test.ts),
# from Debian's packages, installed when missing (run as root; .ci/run calls it):
#   linux-arm64: qemu-user-static, the arm64 C and C++ runtime (libc6-arm64-cross,
#                libstdc++6-arm64-cross, libatomic1-arm64-cross), and qemu registered
#                with binfmt_misc, so the binary can spawn itself and its esbuild
#   win-x64:     wine64, and mingw-w64 to build a test-only DLL wine 8.0 lacks (with --wine;
#                only `npm run test:binaries` runs the .exe)
set -euo pipefail
want=(qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libatomic1-arm64-cross)
if [ "${1:-}" = "--wine" ]; then want+=(wine64 gcc-mingw-w64-x86-64-win32); fi
missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "# installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# binfmt_misc: mounted and qemu-aarch64 registered (F: the interpreter is opened now, so it works from any folder)
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount binfmt_misc -t binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || { echo "# binfmt_misc cannot be mounted: the arm64 tests will be skipped"; exit 0; }
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  # Debian's line (flags OPF: F opens the interpreter now, so it works from any folder)
  head -1 /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register || echo "# qemu-aarch64 could not be registered: the arm64 tests will be skipped"
fi
