; Real-mode smoke test: from the reset vector, far jump into the ROM, print
; "hi" on the debug port through both OUT forms, skip a HLT with a short
; jump and exit with status 0 on the exit port.
bits 16
org 0
start:	mov al, 'h'
	out 0xe9, al
	mov dx, 0xe9
	mov al, 'i'
	out dx, al
	mov al, 10
	out dx, al
	jmp short .over
	hlt
.over:	mov al, 0
	out 0xf4, al
times 0xfff0-($-$$) db 0xf4
	jmp 0xf000:start
times 0x10000-($-$$) db 0xf4
