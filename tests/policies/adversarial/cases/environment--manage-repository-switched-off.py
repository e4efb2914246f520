"""The caller's environment turns manageRepository off: no repository, CI or branch protection would be
managed, and the pipeline rules would have nothing to judge."""
# expect-exit: 2
# expect-error: PULUMI_CONFIG_PAVED_ROAD_MANAGEREPOSITORY=false
# env: PULUMI_CONFIG_PAVED_ROAD_MANAGEREPOSITORY=false
