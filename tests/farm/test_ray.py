"""``render --ray`` on a real Ray cluster of several nodes on this machine.

``ray.cluster_utils.Cluster`` starts a head (no CPUs, so it takes no chunk) and worker
nodes as real raylet processes; the render runs as a separate ``orbitlapse`` process that
connects to it, as a user's driver would. Everything is shut down by the fixture.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from ray.cluster_utils import Cluster

from tests.cli.conftest import REPO, orbitlapse_command, run
from tests.farm.test_chunks import tiny_scene
from tests.video_probe import decode_frames


@pytest.fixture(scope="module")
def cluster():
    # The nodes' workers import orbitlapse from this checkout (a user's have it installed).
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), saved) if p)
    c = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 0, "include_dashboard": False},
    )
    try:
        nodes = [c.add_node(num_cpus=1, num_gpus=1), c.add_node(num_cpus=1)]
        c.wait_for_nodes()
        yield c, nodes
    finally:
        c.shutdown()
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny scene's frames from one plain render on this machine."""
    folder = tmp_path_factory.mktemp("reference")
    scene = tiny_scene(folder)
    done = run("render", str(scene), "-o", str(folder / "one"), "--chunk-frames", "100")
    assert done.returncode == 0, done.stderr
    return decode_frames(folder / "one")


def test_ray_render_gives_the_frames_of_one_run(cluster, reference, tmp_path):
    c, _ = cluster
    scene = tiny_scene(tmp_path)
    done = run("render", str(scene), "-o", str(tmp_path / "ray"), "--chunk-frames", "5",
               "--ray", c.address)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ray [" in done.stderr and "workers busy" in done.stderr
    assert "Traceback" not in done.stderr
    assert np.array_equal(decode_frames(tmp_path / "ray"), reference)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ray", "s.toml"]


def test_a_chunk_that_asked_for_a_gpu_and_got_software_fails_with_one_line(cluster, tmp_path):
    c, _ = cluster
    scene = tiny_scene(tmp_path, codec="h264")
    done = run("render", str(scene), "--ray", c.address, "--gpus-per-chunk", "1",
               "--chunk-frames", "10")  # fmt: skip
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("orbitlapse: chunk 0:10") or last.startswith("orbitlapse: chunk 10:20")
    assert "asked for a GPU" in last and "llvmpipe" in last
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "s.mp4").exists()


def test_a_node_removed_mid_render_still_gives_a_complete_output(cluster, reference, tmp_path):
    c, nodes = cluster
    scene = tiny_scene(tmp_path)
    folder = tmp_path / ".ray.chunks"
    proc = subprocess.Popen(
        [
            *orbitlapse_command(),
            "render",
            str(scene),
            "-o",
            str(tmp_path / "ray"),
            "--chunk-frames",
            "2",
            "--ray",
            c.address,
        ],  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        deadline = time.monotonic() + 180
        while not (folder.is_dir() and any(not p.name.startswith(".") for p in folder.iterdir())):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no chunk was finished"
            time.sleep(0.1)
        c.remove_node(nodes[1])
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert np.array_equal(decode_frames(tmp_path / "ray"), reference)
    assert not folder.exists()


def test_ray_is_imported_only_for_ray_renders():
    code = (
        "import sys\n"
        "from renderer.cli import build_parser\n"
        "import renderer.output.chunks, renderer.output.join\n"
        "build_parser().parse_args(['render', 'x.toml'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ray'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
