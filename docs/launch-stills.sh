#!/usr/bin/env bash
# Remake the README's launch stills (section "Launches") with the current code.
# The Progress MS-10 Soyuz tracked from the ISS (scenes/launch-track.toml), then the
# constructed twilight launch (scenes/launch-twilight.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
still() { orbitlapse still "$1" --utc "$2" -o "$3" --width 480 --height 270 --force --quiet; }
still scenes/launch-track.toml 2018-11-16T18:17:28Z docs/launch-1.png     # T+200 s
still scenes/launch-track.toml 2018-11-16T18:19:48Z docs/launch-2.png     # T+340 s
still scenes/launch-track.toml 2018-11-16T18:20:48Z docs/launch-3.png     # T+400 s
still scenes/launch-twilight.toml 2018-11-16T13:17:30Z docs/launch-twilight.png  # T+450 s
