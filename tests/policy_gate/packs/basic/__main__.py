"""A small, well-behaved pack: mandatory, advisory (with a config schema), waivable and stack policies.

It also logs through the engine address it was started with, as a pack may."""

import sys

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

THING = "test:index:Thing"


def thing_has_owner(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == THING and not args.props.get("owner"):
        report_violation(f"{args.name} has no owner.")


def thing_size(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    limit = args.get_config()["maxSize"]
    if args.resource_type == THING and args.props.get("size", 0) > limit:
        report_violation(f"size {args.props['size']} exceeds maxSize {limit}.")


def thing_scanned(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != THING or args.props.get("scanned"):
        return
    if args.get_config()["allowUnscanned"]:
        args.not_applicable("waived: allowUnscanned is set in the policy config")
    report_violation(f"{args.name} was never scanned.")


def stack_has_thing(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    if not any(r.resource_type == THING for r in args.resources):
        report_violation("The stack has no Thing.")


with grpc.insecure_channel(sys.argv[1]) as engine:
    engine_pb2_grpc.EngineStub(engine).Log(
        engine_pb2.LogRequest(severity=engine_pb2.INFO, message="basic pack loaded"), timeout=10
    )

PolicyPack(
    name="gate-test-basic",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name="thing-has-owner",
            description="Every Thing names its owner.",
            validate=thing_has_owner,
            remediation_steps="Set `owner` on the Thing.",
        ),
        ResourceValidationPolicy(
            name="thing-size",
            description="Things stay small.",
            validate=thing_size,
            enforcement_level=EnforcementLevel.ADVISORY,
            config_schema=PolicyConfigSchema(
                properties={"maxSize": {"type": "integer", "minimum": 1, "default": 10, "x-weakens": "higher"}}
            ),
        ),
        ResourceValidationPolicy(
            name="thing-scanned",
            description="Things are scanned.",
            validate=thing_scanned,
            config_schema=PolicyConfigSchema(
                properties={"allowUnscanned": {"type": "boolean", "default": False, "x-weakens": "true"}}
            ),
        ),
        StackValidationPolicy(
            name="stack-has-thing", description="A stack holds at least one Thing.", validate=stack_has_thing
        ),
    ],
)
