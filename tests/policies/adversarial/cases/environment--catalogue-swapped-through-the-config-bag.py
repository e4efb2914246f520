"""The caller's environment points the program at another catalogue through the PULUMI_CONFIG bag."""
# expect-exit: 2
# expect-error: paved-road:catalog=/tmp/a-friendlier-catalogue.yaml
# env: PULUMI_CONFIG={"paved-road:catalog": "/tmp/a-friendlier-catalogue.yaml"}
