; Machine test ROM: prints "boot" on the debug port and resets the machine
; through the i440FX reset control register (port 0xCF9: 0x02 then 0x06).
; With --no-reboot the VM ends with vmrun's guest-reset status; without it
; the machine reboots and prints "boot" again, forever.
bits 16
org 0
start:	mov dx, 0xe9
	mov al, 'b'
	out dx, al
	mov al, 'o'
	out dx, al
	out dx, al
	mov al, 't'
	out dx, al
	mov al, 10
	out dx, al
	mov dx, 0xcf9
	mov al, 0x02
	out dx, al
	mov al, 0x06
	out dx, al
	cli
.halt:	hlt
	jmp short .halt
times 0xfff0-($-$$) db 0xf4
	jmp 0xf000:start
times 0x10000-($-$$) db 0xf4
