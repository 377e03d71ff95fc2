# Ready-to-run example configurations.
