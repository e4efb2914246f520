"""`companyos verify-attestations RECORD --key KEY`: judge a release's attestations as the policy gate does.

Exit 0 verified, 1 rejected (each problem printed), 2 bad input. With --from-registry the envelopes are read from
the image's `.att` tag instead of the record, so a record that dropped an attestation is caught too.
"""

from __future__ import annotations

from pathlib import Path

import click

from companyos.commands import exit_with
from companyos.commands.output import STDOUT, json_option, say, write_json
from companyos.commands.verify import EXIT_REJECTED, read_public_key
from companyos.contracts.release_record import load_release_record
from companyos.supply_chain.record_attestations import judge_record, verdict_report


@click.command("verify-attestations")
@click.argument("record_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", "key_paths", multiple=True, required=True, help="Trusted cosign.pub (repeatable).")
@click.option("--from-registry", is_flag=True, help="Read the envelopes from the registry's .att tag.")
@json_option("The verdict")
def command(record_path: Path, key_paths: tuple[str, ...], from_registry: bool, json_out: str | None) -> None:
    """Check that RECORD's SBOM, scan and provenance are attested, signed by --key and bound to its image."""
    keys = [read_public_key(path) for path in key_paths]
    record = load_release_record(record_path)
    verdict = judge_record(record, keys, from_registry=from_registry)
    if json_out is not None:
        write_json(json_out, verdict_report(record, verdict))
    to_stdout = json_out == STDOUT
    if verdict.ok:
        say(f"attestations: verified for {record.image.pinned} ({verdict.summary()})", data_on_stdout=to_stdout)
        for why in verdict.ignored:
            say(f"  (left out, not the release's) {why}", data_on_stdout=to_stdout)
    else:
        say(f"attestations: REJECTED for {record.image.pinned}", data_on_stdout=to_stdout)
        for problem in verdict.problems:
            say(f"  - {problem}", data_on_stdout=to_stdout)
    if not verdict.ok:
        exit_with(EXIT_REJECTED)
