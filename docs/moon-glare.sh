#!/usr/bin/env bash
# Remake docs/moon-glare.jpg with the current code: the flagship at its full size
# (1920x1080) 30 s into its video, the 61 % Moon 2 deg above the airglow, cropped to
# the 640x360 around it at the video's own pixel scale (32 px per degree): the Moon's
# 0.52 deg disc 16 stops over the exposure, its glare from the measured lens PSF
# (renderer/passes/bloom.py), the sensor's grain.  Needs orbitlapse on PATH and Pillow
# in $PYTHON (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
orbitlapse still scenes/progress-ms10.toml --at 30 -o "$tmp/full.png" --width 1920 \
  --height 1080 --force --quiet
"$PYTHON" -c 'import sys; from PIL import Image
Image.open(sys.argv[1]).crop((466, 168, 1106, 528)).save(sys.argv[2], quality=90, subsampling=0)' \
  "$tmp/full.png" docs/moon-glare.jpg
