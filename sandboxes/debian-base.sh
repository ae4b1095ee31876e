#!/usr/bin/env bash
# Make a Debian bookworm root filesystem with Python for the sandbox base, without any
# registry: debootstrap ROOTFS, then pack it into TARBALL for `docker import`.
# Usage: debian-base.sh ROOTFS TARBALL   (runs as root; needs debootstrap)
set -euo pipefail
rootfs=$1 tarball=$2
mirror=${ASSESS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
debootstrap --variant=minbase --include=python3,python3-venv,python3-pip \
    bookworm "$rootfs" "$mirror" >&2
# Package caches and lists only make the image larger.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar --numeric-owner -C "$rootfs" -cf "$tarball" .
