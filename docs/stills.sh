#!/usr/bin/env bash
# Remake the README's stills with the current code.
set -euo pipefail
cd "$(dirname "$0")/.."
orbitlapse still scenes/progress-ms10.toml --at 25 -o docs/progress-ms10.png --width 640 --height 360 --force --quiet
orbitlapse still scenes/quick.toml --at 0 -o docs/quick.png --width 640 --height 360 --force --quiet
