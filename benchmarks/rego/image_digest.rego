# Comparator only (benchmarks/bench_gate.py), never the gate: the paved-road rule `image-pinned-by-digest`
# (policypacks/paved-road/paved_road_policies/supply_chain.py) in Rego. Every container image of a
# workload (init, regular and ephemeral containers) is `repository[:tag]@sha256:<64 hex>`, never tag-only,
# never the tag `latest`; a value unknown during preview is a violation.
#
# input: {"type": <type token>, "props": <the resource's inputs as the Analyzer receives them>}
# data.paved_road_facts: pod_spec_paths, container_lists, unknown_values (benchmarks/rego/comparator.py).
package paved_road.image_digest

import rego.v1

facts := data.paved_road_facts

unknown(value) if {
	is_string(value)
	value in facts.unknown_values
}

spec_path := facts.pod_spec_paths[input.type]

pod_spec := spec if {
	spec := object.get(input.props, spec_path, {})
	is_object(spec)
} else := {}

containers contains [list_name, index, entry] if {
	some list_name in facts.container_lists
	entries := object.get(pod_spec, list_name, [])
	is_array(entries)
	some index, entry in entries
}

violations contains {"unknown": array.slice(spec_path, 0, i + 1)} if {
	some i in numbers.range(0, count(spec_path) - 1)
	unknown(object.get(input.props, array.slice(spec_path, 0, i + 1), null))
}

violations contains {"unknown": list_name} if {
	some list_name in facts.container_lists
	unknown(object.get(pod_spec, list_name, null))
}

violations contains {"container": [list_name, index], "problem": "name is unknown during preview"} if {
	some [list_name, index, entry] in containers
	is_object(entry)
	unknown(object.get(entry, "name", null))
}

violations contains {"container": [list_name, index], "problem": "image is not pinned by digest"} if {
	some [list_name, index, entry] in containers
	not pinned(image_of(entry))
}

image_of(entry) := object.get(entry, "image", null) if is_object(entry)

else := null

pinned(image) if {
	is_string(image)
	not unknown(image)
	parts := split(image, "@")
	count(parts) == 2
	regex.match(`^sha256:[0-9a-f]{64}$`, parts[1])
	name_and_tag_ok(parts[0])
}

# No tag: a colon after the last slash would start one (a registry port sits before it).
name_and_tag_ok(rest) if {
	not regex.match(`:[^/]*$`, rest)
	repository_ok(rest)
}

name_and_tag_ok(rest) if {
	found := regex.find_all_string_submatch_n(`^(.*):([^:/]*)$`, rest, 1)[0]
	regex.match(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`, found[2])
	found[2] != "latest"
	repository_ok(found[1])
}

# The first component is a registry if it looks like a host (has . or :, or is localhost); the rest are
# lower-case path components (docker distribution's reference grammar).
repository_ok(repository) if {
	path := repository_path(split(repository, "/"))
	count(path) > 0
	every component in path {
		regex.match(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`, component)
	}
}

repository_path(parts) := array.slice(parts, 1, count(parts)) if {
	count(parts) > 1
	registry_like(parts[0])
} else := parts

registry_like(first) if contains(first, ".")

registry_like(first) if contains(first, ":")

registry_like("localhost")
