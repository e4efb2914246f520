"""A new service from the template: render it, register its stanza, update it later with copier."""
