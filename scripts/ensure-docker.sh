#!/usr/bin/env bash
# Make sure a Docker engine answers. On Debian as root, install Debian's docker.io
# (and debootstrap, which the registry-less base image build needs) and start dockerd.
# Elsewhere, say what to install: we never guess at someone else's package manager.
set -euo pipefail

engine_answers() { docker info >/dev/null 2>&1; }

if engine_answers; then
    exit 0
fi

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    cat >&2 <<'MSG'
No Docker engine answers. Install and start one, then retry:
  Debian/Ubuntu (as root): apt-get install docker.io && dockerd &
  elsewhere: https://docs.docker.com/engine/install/ (and start the engine)
MSG
    exit 1
fi

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
    echo "ensure-docker: installing ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
    echo "ensure-docker: starting dockerd" >&2
    mkdir -p /var/log
    nohup dockerd >/var/log/assess-dockerd.log 2>&1 &
fi

for _ in $(seq 1 60); do
    if engine_answers; then
        exit 0
    fi
    sleep 1
done
echo "ensure-docker: dockerd did not answer within 60 s; see /var/log/assess-dockerd.log" >&2
exit 1
