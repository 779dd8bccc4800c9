#!/usr/bin/env bash
# Remake the README's gallery with the current code: one still of each scene below
# (orbitlapse still at 480x270, saved as JPEG, quality 85, no chroma subsampling, under
# docs/gallery/) and the animated preview of the flagship (docs/flagship-preview.webp: 61 frames at 320x180
# spread over its 90 s, rendered by orbitlapse render to PNG frames, one of them at
# the core-stage separation, T+286 s).  tests/cli/test_gallery.py re-renders
# every "still" line of this file and checks the JPEG is that image.
# Needs orbitlapse on PATH and Pillow in $PYTHON (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
W=480
H=270
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

to_jpeg() {  # PNG in, JPEG out
  "$PYTHON" -c 'import sys; from PIL import Image
Image.open(sys.argv[1]).convert("RGB").save(sys.argv[2], quality=85, subsampling=0, optimize=True)' "$1" "$2"
}

still() {  # scene name (scenes/NAME.toml), seconds of video
  orbitlapse still "scenes/$1.toml" --at "$2" -o "$tmp/$1.png" --width "$W" --height "$H" \
    --force --quiet
  to_jpeg "$tmp/$1.png" "docs/gallery/$1.jpg"
}

mkdir -p docs/gallery
still progress-ms10 19.13         # T+288 s: the core-stage separation's burst, 4 frames on
still himalaya-day 9              # the Himalaya at lower left, glint on the Bay of Bengal
still pacific-sunrise 17          # the Sun clearing the airglow height
still europe-nile-night 30        # the Nile delta, Cairo and the valley
still cape-twilight-launch 17     # T+400 s: the sunlit exhaust cloud

# The animation: the flagship as PNG frames 19/13 s of video apart (fps 13/19), so that
# frame 13 falls at 19.0 s of video, T+286 s, the core-stage separation.
sed -e 's/^codec = .*/codec = "png"/' -e 's/^path = .*/path = "frames"/' \
  scenes/progress-ms10.toml > "$tmp/flagship.toml"
orbitlapse render "$tmp/flagship.toml" -o "$tmp/frames" --width 320 --height 180 \
  --fps 0.68421053 --force --quiet
"$PYTHON" - "$tmp/frames" docs/flagship-preview.webp <<'PY'
import sys
from pathlib import Path

from PIL import Image

frames = [Image.open(p).convert("RGB") for p in sorted(Path(sys.argv[1]).glob("frame_*.png"))]
# 8 frames per second, a pause on the last one; lossy WebP keeps the file small.
durations = [125] * (len(frames) - 1) + [1500]
frames[0].save(sys.argv[2], save_all=True, append_images=frames[1:], duration=durations,
               loop=0, quality=80, method=6)
print(f"{sys.argv[2]}: {len(frames)} frames", file=sys.stderr)
PY
