"""The land/water mask: a signed distance that resolves coasts below a texel, and the
Aral Sea as the day texture shows it."""

from __future__ import annotations

import numpy as np
from PIL import Image

from renderer.assets import asset_path
from renderer.physics.night_lights import (
    ARAL_BOX,
    aral_water_from_day,
    decode_water_sdf,
    water_sdf_codes,
)


def test_a_diagonal_coast_comes_back_straight_not_stepped():
    # Water below the line y = 0.4 x + 3 (texel centres at integers): the mask is a
    # staircase, but the zero crossing of the decoded distance, interpolated down
    # each column, follows a straight line of slope 0.4 to within a quarter texel.
    yy, xx = np.mgrid[:48, :96]
    line = 0.4 * xx[0] + 3.0
    water = yy > 0.4 * xx + 3.0
    d = decode_water_sdf(water_sdf_codes(water))
    crossings = []
    for x in range(8, 88):
        col = d[:, x]
        i = int(np.nonzero((col[:-1] < 0) & (col[1:] >= 0))[0][0])
        crossings.append(i + (-col[i]) / (col[i + 1] - col[i]))
    crossings = np.array(crossings)
    fit = np.polyfit(np.arange(8, 88), crossings, 1)
    assert abs(fit[0] - 0.4) < 0.02, fit
    resid = crossings - np.polyval(fit, np.arange(8, 88))
    assert np.abs(resid).max() < 0.25, np.abs(resid).max()
    # And it is where the staircase puts it: between the last land and first water
    # texel centres of each column (within half a texel of the line).
    assert np.abs(crossings - line[8:88]).max() < 0.75


def test_the_aral_sea_is_the_one_the_day_texture_shows():
    # Blue Marble (2004) shows the Aral shrunk to its western and eastern basins; the
    # pre-1990 sea bed between is dry.  Inside the basin's box, the mask's water and
    # the day texture's water (its colour) agree; the dry bed is land.
    lat0, lat1, lon0, lon1 = ARAL_BOX
    with Image.open(asset_path("water_mask.png")) as img:
        codes = np.asarray(img.convert("L"))
    with Image.open(asset_path("earth_day.jpg")) as img:
        day = np.asarray(img.convert("RGB"))
    h, w = codes.shape
    dh, dw = day.shape[:2]
    rows = np.arange(int((90 - lat1) / 180 * h) + 2, int((90 - lat0) / 180 * h) - 2)
    cols = np.arange(int((lon0 + 180) / 360 * w) + 2, int((lon1 + 180) / 360 * w) - 2)
    mask_water = codes[np.ix_(rows, cols)] >= 128
    ys = ((rows + 0.5) / h * dh).astype(int)
    xs = ((cols + 0.5) / w * dw).astype(int)
    day_water = aral_water_from_day(day[np.ix_(ys, xs)])
    # Where the mask says water, the texture shows water (the dry bed is not water).
    assert day_water[mask_water].mean() > 0.9, day_water[mask_water].mean()

    # A point of the dry bed (45.0 N 60.5 E, pale tan in the texture) is land; the
    # western basin (45.0 N 58.5 E, near-black) and the shallow eastern basin
    # (44.8 N 59.8 E, green) are water.
    def code_at(lat: float, lon: float) -> int:
        return int(codes[int((90 - lat) / 180 * h), int((lon + 180) / 360 * w)])

    assert code_at(45.0, 60.5) < 128
    assert code_at(45.0, 58.5) >= 128
    assert code_at(44.8, 59.8) >= 128
