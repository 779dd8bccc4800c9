#!/usr/bin/env bash
# Remake the README's stills with the current code (orbitlapse still, 640x360).
set -euo pipefail
cd "$(dirname "$0")/.."
still() { orbitlapse still "scenes/$1.toml" --at "$2" -o "docs/$1.png" --width 640 --height 360 --force --quiet; }
still progress-ms10 25
still quick 0
still night-pass 0
still day-pass 0
still sunrise 0
