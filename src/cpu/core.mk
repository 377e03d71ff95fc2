# CPU core: decoder, translator, integer and system instructions.
