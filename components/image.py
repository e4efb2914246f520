"""ServiceImage: the image a service runs, always as `repository@sha256:...`.

Normally the image comes from the release record CI wrote (built, SBOM'd, signed and scanned there); a
platform-built image (`pulumi_docker.Image`) is the alternative for services without their own CI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from companyos.contracts.release_record import DIGEST, ReleaseRecord


@dataclass(frozen=True)
class ImageBuildArgs:
    """Platform-side build with pulumi_docker; the pushed repo digest becomes the reference."""

    context: str
    image_name: str
    """Repository to push to, e.g. ghcr.io/acme/hello-prod (no tag: the digest pins it)."""
    dockerfile: str = "Dockerfile"
    build_args: Mapping[str, str] = field(default_factory=dict)
    platform: str = "linux/amd64"


@dataclass(frozen=True)
class ServiceImageArgs:
    release: ReleaseRecord | None = None
    build: ImageBuildArgs | None = None


class ImageReferenceError(ValueError):
    """The image cannot be pinned by digest; raised before any resource is registered."""


def pinned_reference(release: ReleaseRecord) -> str:
    if not DIGEST.match(release.image.digest):
        raise ImageReferenceError(
            f"release {release.version} of {release.service}: image '{release.image.repository}' has no sha256 digest "
            f"({release.image.digest!r}); a tag is not an immutable reference. Fix: record the digest the registry "
            "returned on push (the build job's `digest` output)."
        )
    return release.image.pinned


class ServiceImage(pulumi.ComponentResource):
    image_ref: pulumi.Output[str]
    """`repository@sha256:...`"""
    digest: pulumi.Output[str]
    built_image: pulumi.CustomResource | None
    """The platform-built `pulumi_docker.Image` (None for a released image). Typed by its base class: the SDK
    resolves these annotations at run time, and pulumi_docker is imported only where a build needs it."""

    def __init__(self, name: str, args: ServiceImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if (args.release is None) == (args.build is None):
            raise ImageReferenceError(f"{name}: give exactly one of a release record or a platform build")
        super().__init__("paved-road:index:ServiceImage", name, None, opts)
        self.built_image = None
        if args.release is not None:
            ref = pinned_reference(args.release)
            self.image_ref = pulumi.Output.from_input(ref)
            self.digest = pulumi.Output.from_input(args.release.image.digest)
        else:
            assert args.build is not None
            # Imported here: pulumi_docker costs a few hundred ms to import and only this rare path uses it.
            import pulumi_docker as docker

            built = docker.Image(
                name,
                image_name=args.build.image_name,
                build=docker.DockerBuildArgs(
                    context=args.build.context,
                    dockerfile=args.build.dockerfile,
                    args=dict(args.build.build_args),
                    platform=args.build.platform,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            # repo_digest is `repository@sha256:...` once pushed; unknown in preview, which the gate blocks.
            self.built_image = built
            self.image_ref = built.repo_digest
            self.digest = built.repo_digest.apply(lambda ref: ref.split("@", 1)[1] if ref and "@" in ref else "")
        self.register_outputs({"image_ref": self.image_ref, "digest": self.digest})
