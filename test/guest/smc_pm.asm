; Self-modifying code with paging: code copied to physical 0x10000 runs
; through its identity mapping while it is rewritten through a second
; linear alias (0x400000 -> 0x10000), so only physical-page tracking can
; notice; a routine patched with REP MOVSB through the alias; and code that
; ends at a page boundary and continues on the next page, rewritten on the
; second page.  Prints "smc pm ok" on port 0xE9, exits with 0 on port 0xF4,
; or with the number of the failing check.
BASE	equ 0xF0000
PD	equ 0x20000
PT0	equ 0x21000
PT1	equ 0x22000
CODE	equ 0x10000            ; physical and identity-mapped
ALIAS	equ 0x400000           ; second linear view of CODE's page
CROSS	equ 0x11F80            ; code running over the 0x12000 boundary
; Data addresses of payload labels where they run (C, X) and through the
; alias (A); relative jumps and calls inside a payload need none.
%define C(x) (CODE + (x) - pay)
%define A(x) (ALIAS + (x) - pay)
%define X(x) (CROSS + (x) - pay2)
	bits 16
	org 0
start16:
	cli
	mov ax, 0xF000
	mov ds, ax
	o32 lgdt [gdtr]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp dword 0x08:BASE+pm32

	align 8
gdt:	dq 0
	dq 0x00CF9A000000FFFF
	dq 0x00CF92000000FFFF
gdtr:	dw 23
	dd BASE+gdt

	bits 32
pm32:	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, 0x80000
	cld
	mov esi, BASE+pay
	mov edi, CODE
	mov ecx, pay_end - pay
	rep movsb
	mov esi, BASE+pay2
	mov edi, CROSS
	mov ecx, pay2_end - pay2
	rep movsb
	; paging: identity 0-4 MiB, and ALIAS -> CODE
	xor eax, eax
	mov edi, PD
	mov ecx, 3 * 1024
	rep stosd
	mov dword [PD], PT0 + 3
	mov dword [PD + 4], PT1 + 3
	mov dword [PT1], CODE + 3
	mov edi, PT0
	mov eax, 3
	mov ecx, 1024
.pte:	mov [edi], eax
	add eax, 0x1000
	add edi, 4
	loop .pte
	mov eax, PD
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	mov eax, CODE
	call eax
	mov eax, CROSS
	call eax
	mov esi, BASE+okmsg
.pr:	mov al, [esi]
	test al, al
	jz .done
	out 0xE9, al
	inc esi
	jmp .pr
.done:	mov al, 0
	out 0xF4, al
	hlt

; ---- runs at CODE, rewritten through ALIAS ---------------------------------
pay:
	mov bl, 1                  ; run, patch through the alias, run again
	call get
	cmp eax, 0x1111
	jne fail1
	mov dword [A(get) + 1], 0x2222
	call get
	cmp eax, 0x2222
	jne fail1

	mov bl, 2                  ; the next instruction, through the alias
	mov byte [A(nx) + 1], 0x33
nx:	mov al, 0x44
	cmp al, 0x33
	jne fail1

	mov bl, 3                  ; REP MOVSB through the alias replaces code
	mov esi, C(tmpl)
	mov edi, A(get)
	mov ecx, tmpl_end - tmpl
	rep movsb
	call get
	cmp eax, 0x5555
	jne fail1
	ret
fail1:	mov al, bl
	out 0xF4, al
	hlt

get:	mov eax, 0x1111
	ret
	nop
	nop
	nop
tmpl:	mov eax, 0x5555
	ret
tmpl_end:
pay_end:

; ---- runs at CROSS, over the 0x12000 page boundary -------------------------
pay2:
	mov bl, 4
	mov ecx, 2
.again:	call over
	cmp ecx, 2
	jne .second
	cmp edx, 0x0A0B0C0D
	jne fail2
	mov byte [X(over) + 5 + 4], 0x77   ; the second MOV's top byte
	loop .again
.second:
	cmp edx, 0x770B0C0D
	jne fail2
	ret
fail2:	mov al, bl
	out 0xF4, al
	hlt
	times (0x12000 - CROSS) - 5 - ($ - pay2) nop
over:	mov edx, 0x12345678         ; 5 bytes ending at the boundary
	mov edx, 0x0A0B0C0D         ; wholly on the next page
	ret
pay2_end:

okmsg:	db "smc pm ok", 10, 0

	bits 16
times 0xfff0-($-$$) db 0xf4
	jmp 0xf000:start16
times 0x10000-($-$$) db 0xf4
