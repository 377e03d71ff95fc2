# SDL2 console window (built only with SDL2).
