"""A pack stuck before PolicyPack(...) (e.g. waiting on the network at import): it never prints a port."""

import time

time.sleep(600)
