"""Running the Pulumi program offline, the way the language host runs it, and the graph of what it registers."""
