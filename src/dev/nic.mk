# Device fragment: nic
