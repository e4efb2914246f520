"""Pod Security Standards (restricted), one rule per control; each good fixture is a different workload kind,
found by shape, and each bad one breaks one control (init and ephemeral containers included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies.harness import Expect, check_fixture, fixtures

HERE = Path(__file__).parent
WEB = "::web"
EXPECTED = {
    "bad-pod-host-namespaces--daemonset-shares-node.json": Expect(
        WEB, "DaemonSet web/web: pod: spec.template.spec.hostPID is True"
    ),
    "bad-pod-host-process--windows-host-process.json": Expect(
        WEB, "Pod web/web: pod: spec.securityContext.windowsOptions.hostProcess is True"
    ),
    "bad-pod-volume-types--host-root.json": Expect(
        WEB,
        "ReplicationController web/web: volume `host`: spec.template.spec.volumes[0].hostPath is a `hostPath` volume",
    ),
    "bad-pod-volume-types--nfs.json": Expect(WEB, "volumes[0].nfs is a `nfs` volume"),
    "bad-container-privileged--init-container.json": Expect(
        WEB, "Job web/web: container `setup`: spec.template.spec.initContainers[0].securityContext.privileged is True"
    ),
    "bad-container-capabilities--net-admin.json": Expect(WEB, "capabilities.add adds NET_ADMIN"),
    "bad-container-capabilities--ephemeral-keeps-all.json": Expect(
        WEB, 'container `debug`: spec.ephemeralContainers[0].securityContext.capabilities.drop is [], without "ALL"'
    ),
    "bad-container-run-as-user--pod-root.json": Expect(
        WEB, "CronJob web/web: pod: spec.jobTemplate.spec.template.spec.securityContext.runAsUser is 0"
    ),
    "bad-pod-seccomp-profile--unconfined.json": Expect(
        WEB, "Rollout web/web: pod: spec.template.spec.securityContext.seccompProfile.type is 'Unconfined'"
    ),
    "bad-pod-seccomp-profile--unset.json": Expect(
        WEB, "seccompProfile.type is not set, nor is the pod's seccompProfile"
    ),
    "bad-pod-apparmor-profile--unconfined.json": Expect(WEB, "appArmorProfile.type is 'Unconfined'"),
    "bad-pod-selinux-options--spc-type.json": Expect(WEB, "seLinuxOptions.type is 'spc_t'"),
    "bad-container-proc-mount--unmasked.json": Expect(WEB, "procMount is 'Unmasked'"),
    "bad-pod-sysctls--kernel-unsafe.json": Expect(
        WEB, "Worker web/web: pod: spec.workers.podSpec.securityContext.sysctls[0] sets 'kernel.msgmax'"
    ),
    "bad-container-host-ports--host-port.json": Expect(
        WEB, "DeploymentPatch web/web: container `web`: spec.template.spec.containers[0].ports[0].hostPort is 8080"
    ),
}


@pytest.mark.parametrize("fixture", fixtures(HERE), ids=lambda p: p.name)
def test_each_pod_security_fixture_passes_or_fails_its_rule_as_its_name_says(fixture: Path) -> None:
    check_fixture(fixture, EXPECTED)
