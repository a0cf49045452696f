#!/usr/bin/env bash
# in_chroot.sh ROOT CMD...: runs CMD inside the Swift root with /proc and /dev mounted in a private
# mount namespace (the mounts vanish with the command; nothing stays mounted on the host).
# Extra environment for CMD: pass it as `env NAME=value ...` in CMD.
set -euo pipefail
ROOT="$1"
shift
exec unshare --mount --fork -- bash -c '
  set -e
  root="$1"; shift
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs tmpfs "$root/tmp"
  exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "$@"
' in_chroot "$ROOT" "$@"
