; Machine test ROM: says hello on the debug port 0xE9 and ends the VM with
; status 42 through the exit port 0xF4 (hostvm.exitPort = "0xf4").
bits 16
org 0
start:	mov dx, 0xe9
	mov al, 'h'
	out dx, al
	mov al, 'e'
	out dx, al
	mov al, 'l'
	out dx, al
	out dx, al
	mov al, 'o'
	out dx, al
	mov al, 10
	out dx, al
	mov al, 0x42
	out 0x80, al		; a POST code, logged at debug level
	mov al, 42
	out 0xf4, al
	hlt
times 0xfff0-($-$$) db 0xf4
	jmp 0xf000:start
times 0x10000-($-$$) db 0xf4
