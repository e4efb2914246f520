"""`companyos release`: the whole release of a service, stage by stage, ending in its evidence pack."""
