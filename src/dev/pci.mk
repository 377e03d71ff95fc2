# Device fragment: pci
