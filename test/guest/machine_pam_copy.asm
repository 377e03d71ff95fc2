; Shadow RAM and self-modifying code: runs code in four pages of the
; E segment while it is still ROM (so the CPU holds translations of those
; pages), switches 0xC0000-0xEFFFF to RAM through the i440FX PAM registers
; (as SeaBIOS's make_bios_writable does), copies 16 KiB over the four pages
; with one REP MOVSB and jumps to code it copied.  Exit status 0 when every
; byte arrived and the copied code ran; otherwise the number of wrong bytes
; / 16 (at least 1), or 0xEE when stale code ran.  hostvm.exitPort = 0xf4.
bits 16
org 0
%macro stub 1
	mov al, %1
	jmp 0xf000:back-0x10000
%endmacro
times 0x0200-($-$$) db 0x90
	stub 1
times 0x1200-($-$$) db 0x90
	stub 2
times 0x2200-($-$$) db 0x90
	stub 3
times 0x3200-($-$$) db 0x90
	stub 4
times 0x10000-($-$$) db 0
start:	xor ax, ax
	mov ss, ax
	mov sp, 0x7000
	xor bp, bp
run_stubs:
	cmp bp, 4
	je flip
	mov bx, bp
	shl bx, 12
	add bx, 0x200
	push word 0xe000
	push bx
	retf
back:	inc bp
	jmp run_stubs
flip:	mov eax, 0x80000058	; PAM0-2: F segment stays ROM, C/D0000-C/DFFFF... RAM
	mov dx, 0xcf8
	out dx, eax
	mov dx, 0xcfc
	mov eax, 0x33330000
	out dx, eax
	mov eax, 0x8000005c	; PAM3-6: D0000-EFFFF read/write RAM
	mov dx, 0xcf8
	out dx, eax
	mov dx, 0xcfc
	mov eax, 0x33333333
	out dx, eax
	mov ax, 0xe000
	mov es, ax
	mov ax, 0xf000
	mov ds, ax
	mov si, image-0x10000
	xor di, di
	mov cx, 0x4000
	cld
	rep movsb
	mov si, image-0x10000	; compare what arrived with the source
	xor di, di
	mov cx, 0x4000
	xor bx, bx
compare:
	mov al, [si]
	cmp al, [es:di]
	je same
	inc bx
same:	inc si
	inc di
	loop compare
	test bx, bx
	jz run_copy
	shr bx, 4
	jnz report
	inc bx
report:	cmp bx, 0xff
	jbe .ok
	mov bx, 0xff
.ok:	mov al, bl
	out 0xf4, al
	hlt
run_copy:			; the copied stub in page 2 must say 0x42
	push word 0xe000
	push word 0x2200
	retf
back2:	cmp al, 0x42
	mov al, 0
	je .done
	mov al, 0xee
.done:	out 0xf4, al
	hlt

; The 16 KiB that replace the E segment: NOPs with new stubs.
%macro stub2 1
	mov al, %1
	jmp 0xf000:back2-0x10000
%endmacro
align 16
image:
times 0x0200 db 0x90
	stub2 0x40
times image+0x1200-$ db 0x90
	stub2 0x41
times image+0x2200-$ db 0x90
	stub2 0x42
times image+0x3200-$ db 0x90
	stub2 0x43
times image+0x4000-$ db 0x90

times 0x1fff0-($-$$) db 0xf4
	jmp 0xf000:start-0x10000
times 0x20000-($-$$) db 0xf4
