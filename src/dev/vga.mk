# Device fragment: vga
