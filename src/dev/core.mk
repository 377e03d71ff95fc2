# Device fragment: core
