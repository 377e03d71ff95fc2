; Machine test ROM: the A20 gate.  The chipset ORs the i8042's A20 gate
; (output port bit 1, command 0xD1) and port 0x92's fast-A20 bit; with A20
; off, FFFF:0010 wraps to physical 0, with it on it is 0x100000.  Exit
; status 0 when every step agrees, else the number of the failing step.
bits 16
org 0
%macro kbc_a20 1		; 1 = gate on, 0 = off
	mov al, 0xd1
	out 0x64, al
	mov al, 0xdd | (%1 << 1)
	out 0x60, al
%endmacro
%macro fast_a20 1
	mov al, %1 << 1
	out 0x92, al
%endmacro
%macro expect 2			; step, 1 = wraps to 0, 0 = reaches 0x100000
	mov bl, %1
	mov byte [0], 0x11
	mov byte [es:0x10], 0x22
	cmp byte [0], 0x11 + %2 * 0x11
	jne fail
%endmacro
start:	xor ax, ax
	mov ds, ax
	mov ax, 0xffff
	mov es, ax
	expect 1, 0		; power-on: A20 on (the i8042 gate)
	fast_a20 0
	expect 2, 0		; fast off, i8042 gate still on
	kbc_a20 0
	expect 3, 1		; both off: wraps
	fast_a20 1
	expect 4, 0		; fast on alone
	fast_a20 0
	expect 5, 1
	kbc_a20 1
	expect 6, 0		; i8042 gate on alone
	fast_a20 1
	fast_a20 0
	expect 7, 0		; fast off again: the i8042 gate still holds A20 on
	xor bl, bl
fail:	mov al, bl
	out 0xf4, al
	hlt
times 0xfff0-($-$$) db 0xf4
	jmp 0xf000:start
times 0x10000-($-$$) db 0xf4
