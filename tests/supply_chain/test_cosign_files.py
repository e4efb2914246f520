"""Key files are written whole or not at all."""

from __future__ import annotations

import stat

import pytest

from companyos.support.files import atomic_write, atomic_write_all


def test_a_failed_second_write_leaves_the_first_file_untouched_and_no_temp_files(tmp_path):
    (tmp_path / "cosign.key").write_bytes(b"old key")
    with pytest.raises(FileNotFoundError):
        atomic_write_all(
            [(tmp_path / "cosign.key", b"new key", 0o600), (tmp_path / "missing-dir" / "cosign.pub", b"new pub", 0o644)]
        )
    assert [path.name for path in tmp_path.iterdir()] == ["cosign.key"]
    assert (tmp_path / "cosign.key").read_bytes() == b"old key"


def test_a_written_file_has_the_requested_mode_and_content(tmp_path):
    atomic_write(tmp_path / "cosign.key", b"secret", mode=0o600)
    assert stat.S_IMODE((tmp_path / "cosign.key").stat().st_mode) == 0o600
    assert (tmp_path / "cosign.key").read_bytes() == b"secret"
