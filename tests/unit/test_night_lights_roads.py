"""The lit roads of the city-lights map: they join neighbouring towns and meander."""

from __future__ import annotations

import math

import numpy as np

from renderer.physics.night_lights import ROAD_MEANDER, road_points

R_EARTH_KM = 6371.0


def unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def test_roads_join_neighbouring_towns_and_meander():
    # A row of towns 100 km apart along the equator: each road runs from one to the
    # next, and strays to the side of the straight (great-circle) line by a few per
    # cent of its length, differently for each road, and comes back at the towns.
    step_deg = 100.0 / 111.195
    lon = np.arange(12) * step_deg
    lat = np.zeros_like(lon)
    pop = np.full(lon.shape, 50_000.0)
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
        assert inside.sum() > 20, k
        assert rlon[inside].min() < k * step_deg + 0.1
        assert rlon[inside].max() > (k + 1) * step_deg - 0.1
        peaks.append(np.max(np.abs(offsets_km[inside])))
    assert len(peaks) >= 10, "every neighbouring pair is joined"
    peaks = np.array(peaks)
    # Not straight: the typical road strays by kilometres (ROAD_MEANDER of its length
    # for the first half-wave), but not by more than a third of its length.
    assert np.median(peaks) > 0.3 * ROAD_MEANDER * 100.0
    assert peaks.max() < 33.0
    assert np.std(peaks) > 0.5, "each road meanders its own way"


def test_roads_only_between_towns_within_reach():
    # Two towns 300 km apart and a village: no road (beyond 120 km; under 2,000).
    lat = np.array([0.0, 0.0, 0.5])
    lon = np.array([0.0, 300.0 / 111.195, 0.5])
    pop = np.array([1e5, 1e5, 500.0])
    rlat, rlon, amt = road_points(lat, lon, pop, texel_km=4.9, rng=np.random.default_rng(2))
    assert rlat.size == 0 and rlon.size == 0 and amt.size == 0
    assert math.isclose(float(np.sum(amt)), 0.0)
