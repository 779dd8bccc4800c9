"""The lit corridors of the city-lights map: only between close, large towns, and they meander."""

from __future__ import annotations

import math

import numpy as np

from renderer.physics.night_lights import (
    CORRIDOR_MAX_KM,
    CORRIDOR_MIN_POP,
    ROAD_MEANDER,
    road_points,
)

R_EARTH_KM = 6371.0


def unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def test_roads_join_neighbouring_towns_and_meander():
    # A row of cities 40 km apart along the equator: each corridor runs from one to
    # the next, and strays to the side of the straight (great-circle) line by a few
    # per cent of its length, differently for each, and comes back at the cities.
    step_deg = 40.0 / 111.195
    lon = np.arange(12) * step_deg
    lat = np.zeros_like(lon)
    pop = np.full(lon.shape, 100_000.0)
    rlat, rlon, amt = road_points(lat, lon, pop, texel_km=4.9, rng=np.random.default_rng(1))
    assert rlat.size > 0 and np.all(amt > 0)
    offsets_km = R_EARTH_KM * np.radians(rlat)  # sideways from the equator
    # Every town is reached: a road point on it.
    for town in lon[:-1]:
        near = np.abs(rlon - town) < 0.02
        assert near.any() and np.min(np.abs(offsets_km[near])) < 0.5, town
    # Between consecutive towns, one road spanning the gap.
    peaks = []
    for k in range(11):
        inside = (rlon > k * step_deg + 0.02) & (rlon < (k + 1) * step_deg - 0.02)
        assert inside.sum() > 10, k  # two points per 4.9 km texel
        assert rlon[inside].min() < k * step_deg + 0.1
        assert rlon[inside].max() > (k + 1) * step_deg - 0.1
        peaks.append(np.max(np.abs(offsets_km[inside])))
    assert len(peaks) >= 10, "every neighbouring pair is joined"
    peaks = np.array(peaks)
    # Not straight: the typical corridor strays by about a kilometre (ROAD_MEANDER of
    # its length for the first half-wave), but not by more than a third of its length.
    assert np.median(peaks) > 0.3 * ROAD_MEANDER * 40.0
    assert peaks.max() < 13.0
    assert np.std(peaks) > 0.2, "each corridor meanders its own way"


def test_no_lit_roads_across_empty_land():
    # Rural roads are not lit: two cities farther apart than CORRIDOR_MAX_KM (70 km),
    # and two close towns under CORRIDOR_MIN_POP (20 km apart, 20,000 people each),
    # are not joined.
    assert CORRIDOR_MAX_KM < 70.0 and CORRIDOR_MIN_POP > 20_000
    lat = np.array([0.0, 0.0, 10.0, 10.0])
    lon = np.array([0.0, 70.0 / 111.195, 0.0, 20.0 / 111.195])
    pop = np.array([1e6, 1e6, 2e4, 2e4])
    rlat, rlon, amt = road_points(lat, lon, pop, texel_km=4.9, rng=np.random.default_rng(2))
    assert rlat.size == 0 and rlon.size == 0 and amt.size == 0
    assert math.isclose(float(np.sum(amt)), 0.0)
