# Comparator only (benchmarks/bench_gate.py), never the gate: the paved-road rule
# `kubernetes-governance-labels` (policypacks/paved-road/paved_road_policies/labels.py) in Rego.
# Every Kubernetes object, and the pod template of every workload, carries the owner, risk and
# data-classification labels with allowed values; a value unknown during preview is a violation.
#
# input: {"type": <type token>, "props": <the resource's inputs as the Analyzer receives them>}
# data.paved_road_facts: the rule's config (risk_values, data_classification_values, owner_pattern) and
# the pack's facts (governance_labels, pod_spec_paths, unknown_values), written by benchmarks/rego/comparator.py.
package paved_road.labels

import rego.v1

facts := data.paved_road_facts

unknown(value) if {
	is_string(value)
	value in facts.unknown_values
}

object_or_empty(value) := value if is_object(value)

else := {}

kubernetes_object if {
	startswith(input.type, "kubernetes:")
	not contains(input.type, ":helm.sh/")
	not contains(input.type, ":yaml")
	not contains(input.type, ":kustomize")
}

# Where labels must be: [path to a metadata object] for the object itself and its pod template.
metadata_paths contains ["metadata"] if kubernetes_object

metadata_paths contains array.concat(array.slice(spec_path, 0, count(spec_path) - 1), ["metadata"]) if {
	kubernetes_object
	spec_path := facts.pod_spec_paths[input.type]
	count(spec_path) > 1
}

# An unknown anywhere on the way to a label blocks, as it does in the Python rule.
violations contains {"unknown": array.slice(path, 0, i + 1)} if {
	some path in metadata_paths
	some i in numbers.range(0, count(path) - 1)
	unknown(object.get(input.props, array.slice(path, 0, i + 1), null))
}

# A pod spec, or a container list in it, unknown during preview may hide a pod nobody can see yet: blocked,
# as the Python rule's pod walk blocks it (k8s.pod_specs).
violations contains {"unknown": array.slice(spec_path, 0, i + 1)} if {
	kubernetes_object
	spec_path := facts.pod_spec_paths[input.type]
	some i in numbers.range(0, count(spec_path) - 1)
	unknown(object.get(input.props, array.slice(spec_path, 0, i + 1), null))
}

violations contains {"unknown": array.concat(spec_path, [list_name])} if {
	kubernetes_object
	spec_path := facts.pod_spec_paths[input.type]
	pod_spec := object.get(input.props, spec_path, {})
	is_object(pod_spec)
	some list_name in facts.container_lists
	unknown(object.get(pod_spec, list_name, null))
}

violations contains {"unknown": array.concat(path, ["labels"])} if {
	some path in metadata_paths
	metadata := object_or_empty(object.get(input.props, path, {}))
	unknown(object.get(metadata, "labels", null))
}

violations contains {"place": path, "label": label, "problem": problem} if {
	some path in metadata_paths
	metadata := object_or_empty(object.get(input.props, path, {}))
	labels := object_or_empty(object.get(metadata, "labels", {}))
	some label in facts.governance_labels
	problem := label_problem(label, object.get(labels, label, null))
}

# One problem per label, first match wins (like the Python rule's checks, in the same order).
label_problem(label, value) := "is unknown during preview" if {
	unknown(value)
} else := "is missing" if {
	value in {null, ""}
} else := "is not a string" if {
	not is_string(value)
} else := "is not an allowed value" if {
	not allowed(label, value)
}

allowed("risk", value) if value in facts.risk_values

allowed("data-classification", value) if value in facts.data_classification_values

allowed("owner", value) if regex.match(facts.owner_pattern, value)
