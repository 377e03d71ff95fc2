EXTRA_DIST += examples/debian-live.vmx
