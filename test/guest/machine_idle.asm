; Machine test ROM: prints "idle" on the debug port and halts with
; interrupts off, so the VM idles until vmrun stops or resets it.  Each
; power-on prints the line again, which shows a reset happened.
bits 16
org 0
start:	mov dx, 0xe9
	mov al, 'i'
	out dx, al
	mov al, 'd'
	out dx, al
	mov al, 'l'
	out dx, al
	mov al, 'e'
	out dx, al
	mov al, 10
	out dx, al
	cli
.halt:	hlt
	jmp short .halt
times 0xfff0-($-$$) db 0xf4
	jmp 0xf000:start
times 0x10000-($-$$) db 0xf4
