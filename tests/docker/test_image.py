"""The Dockerfile, built and run for real with podman; its health endpoint probed on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_process import free_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
IMAGE = "localhost/nn-playground:test"


def podman_env() -> dict[str, str]:
    return {
        **os.environ,
        "CONTAINERS_CONF": str(HERE / "containers.conf"),
        "CONTAINERS_STORAGE_CONF": str(HERE / "storage.conf"),
    }


def podman(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args],
        env=podman_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def image() -> str:
    base = subprocess.run(
        ["bash", str(HERE / "base_image.sh")],
        env=podman_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert base.returncode == 0, base.stderr[-2000:]
    build = podman(
        "build",
        "--pull=never",
        "--isolation",
        "chroot",
        "--format",
        "docker",
        "-t",
        IMAGE,
        str(ROOT),
        timeout=900,
    )
    assert build.returncode == 0, (build.stdout + build.stderr)[-4000:]
    return IMAGE


@pytest.fixture()
def container(image: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    run = podman(
        "run", "-d", "--rm", "--init", "--network", "host", "--health-interval", "disable",
        "-e", "NNP_HOST=127.0.0.1", "-e", f"NNP_PORT={port}",
        image,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    container_id = run.stdout.strip()
    try:
        yield container_id, port
    finally:
        podman("stop", "-t", "5", container_id, timeout=60)


@pytest.mark.timeout(1200)
def test_container_serves_health_and_page_as_non_root(container: tuple[str, int]) -> None:
    container_id, port = container
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            status, body = get(f"{base}/api/health")
            break
        except OSError:
            if time.monotonic() > deadline:
                logs = podman("logs", container_id).stderr
                pytest.fail(f"health endpoint never answered; container log:\n{logs[-3000:]}")
            time.sleep(0.5)
    assert status == 200
    health = json.loads(body)
    assert health["status"] == "ok"
    assert health["version"]

    status, page = get(f"{base}/")
    assert status == 200
    assert b"<html" in page.lower()

    # The image's own HEALTHCHECK passes, and the service does not run as root.
    check = podman("healthcheck", "run", container_id, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    uid = podman("exec", container_id, "id", "-u")
    assert uid.stdout.strip() == "10001"

    inspect = podman("image", "inspect", IMAGE)
    config = json.loads(inspect.stdout)[0]["Config"]
    assert "8000/tcp" in config["ExposedPorts"]
