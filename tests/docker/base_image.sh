#!/usr/bin/env bash
# Builds a local python:3.11-slim for machines where base images cannot be pulled:
# a minimal Debian bookworm with Python 3.11, imported into podman under the same name.
set -euo pipefail
image=docker.io/library/python:3.11-slim
if podman image exists "$image"; then
  exit 0
fi
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
  | grep -E '^(URIs:|deb )' | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}
root=$(mktemp -d /var/tmp/py311-root.XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase \
  --include=python3,python3-pip,python3-venv,python-is-python3,ca-certificates \
  bookworm "$root" "$mirror" >/dev/null
chmod 755 "$root"  # mktemp made it 0700; it becomes the image's /
rm -f "$root"/usr/lib/python3.11/EXTERNALLY-MANAGED
# Registry TLS may pass through a local certificate authority: trust what the host trusts.
cp /etc/ssl/certs/ca-certificates.crt "$root"/etc/ssl/certs/ca-certificates.crt
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$image" >/dev/null
