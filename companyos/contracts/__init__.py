"""Facts shared by the program, the policy pack, the CI workflow and the CLI: names, the release record, quantities, the user-error contract. No dependency beyond the standard library."""
