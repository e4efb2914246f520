"""Entry point the Pulumi engine runs (`python -m pulumi.policy <engine> .` in this directory).

Thin on purpose: the rules live in paved_road_policies/. PolicyPack serves the Analyzer on 127.0.0.1 and
prints its port as the first line of stdout, so nothing here may print.
"""

from pulumi_policy import PolicyPack

from paved_road_policies.registry import pack_arguments

PolicyPack(**pack_arguments())
