; Port I/O from ring 3 against the TSS I/O permission bitmap, end to end:
; flat protected mode with ring-0 and ring-3 segments, a 32-bit TSS whose
; bitmap allows only port 0xE9, IRET to ring 3 with IOPL 0, then from
; ring 3: OUT/OUTSB to 0xE9 (allowed), IN from 0x80 and a word OUT to
; 0xE9 (its second port 0xEA is denied) raising #GP(0), INT to a DPL 0
; gate raising #GP(vector*8+2), and INT 0x30 (DPL 3 gate) back to ring 0,
; which checks the counts and exits.  Prints "ring3 io ok" on port 0xE9,
; exits with 0 on port 0xF4, or with the number of the failing check.
BASE	equ 0xF0000
IDT	equ 0x1000
TSS	equ 0x2000             ; 0x68 bytes, then the 8 KiB bitmap and 0xFF
STK3	equ 0x70000
GPCNT	equ 0x600              ; #GP count
GPERR	equ 0x604              ; last #GP error code
SKIP	equ 0x608              ; bytes the #GP handler skips
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
	dq 0x00CF9A000000FFFF     ; 0x08 ring-0 code
	dq 0x00CF92000000FFFF     ; 0x10 ring-0 data
	dq 0x00CFFA000000FFFF     ; 0x1B ring-3 code
	dq 0x00CFF2000000FFFF     ; 0x23 ring-3 data
	dw 0x68 + 8192, TSS       ; 0x28 32-bit TSS, limit covers the terminator
	db 0, 0x89, 0, 0
gdtr:	dw 6*8-1
	dd BASE+gdt
idtr:	dw 0x31*8-1
	dd IDT

	bits 32
pm32:	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, 0x80000
	; IDT: #GP and INT 0x30 (DPL 3), INT 0x20 left with DPL 0
	mov eax, BASE+gp_handler
	mov ebx, 13
	mov ecx, 0x8E00
	call set_gate
	mov eax, BASE+sys_handler
	mov ebx, 0x30
	mov ecx, 0xEE00
	call set_gate
	mov eax, BASE+sys_handler
	mov ebx, 0x20
	mov ecx, 0x8E00
	call set_gate
	lidt [BASE+idtr]
	; TSS: SS0:ESP0, bitmap at 0x68 all ones but port 0xE9, terminator
	mov edi, TSS
	xor eax, eax
	mov ecx, 0x68 / 4
	rep stosd
	mov dword [TSS + 4], 0x80000
	mov dword [TSS + 8], 0x10
	mov word [TSS + 0x66], 0x68
	mov edi, TSS + 0x68
	mov al, 0xFF
	mov ecx, 8192 + 1
	rep stosb
	and byte [TSS + 0x68 + 0xE9 / 8], ~(1 << (0xE9 & 7))
	mov ax, 0x28
	ltr ax
	mov dword [GPCNT], 0
	; to ring 3, IOPL 0, interrupts off
	push dword 0x23
	push dword STK3
	push dword 0x002
	push dword 0x1B
	push dword BASE+ring3
	iret

set_gate:				; EAX handler, EBX vector, ECX type/DPL word
	mov [IDT + ebx*8], ax
	mov word [IDT + ebx*8 + 2], 0x08
	mov [IDT + ebx*8 + 4], cx
	shr eax, 16
	mov [IDT + ebx*8 + 6], ax
	ret

; #GP: count, keep the error code, skip [SKIP] bytes of the instruction.
gp_handler:
	push eax
	inc dword [GPCNT]
	mov eax, [esp + 4]
	mov [GPERR], eax
	mov eax, [SKIP]
	add [esp + 8], eax
	pop eax
	add esp, 4
	iret

; INT 0x30 from ring 3: BL holds the check that failed, or 0.
sys_handler:
	mov ax, 0x10
	mov ds, ax
	test bl, bl
	jnz fail
	mov bl, 20
	cmp dword [GPCNT], 3
	jne fail
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

fail:	mov ax, 0x10
	mov ds, ax
	mov al, bl
	out 0xF4, al
	hlt

ring3:
	mov ax, 0x23
	mov ds, ax
	mov es, ax
	mov bl, 1                  ; allowed port: no fault
	mov dx, 0xE9
	mov al, '['
	out dx, al
	cmp dword [GPCNT], 0
	jne .fail3
	mov bl, 2                  ; IN from a denied port: #GP(0), AL kept
	mov dword [SKIP], 2
	mov al, 0x5A
	in al, 0x80
	cmp al, 0x5A
	jne .fail3
	cmp dword [GPCNT], 1
	jne .fail3
	cmp dword [GPERR], 0
	jne .fail3
	mov bl, 3                  ; word OUT at 0xE9 also needs 0xEA: denied
	mov dword [SKIP], 3        ; 66 E7 E9
	mov ax, 0x2020
	out 0xE9, ax
	cmp dword [GPCNT], 2
	jne .fail3
	mov bl, 4                  ; REP OUTSB to the allowed port
	mov esi, BASE+r3msg
	mov ecx, 2
	mov dx, 0xE9
	rep outsb
	cmp dword [GPCNT], 2
	jne .fail3
	mov bl, 5                  ; INT through a DPL 0 gate: #GP(0x20*8+2)
	mov dword [SKIP], 2
	int 0x20
	cmp dword [GPCNT], 3
	jne .fail3
	cmp dword [GPERR], 0x20*8+2
	jne .fail3
	xor bl, bl
.fail3:	int 0x30
	jmp .fail3

r3msg:	db "]", 10
okmsg:	db "ring3 io ok", 10, 0

	bits 16
times 0xfff0-($-$$) db 0xf4
	jmp 0xf000:start16
times 0x10000-($-$$) db 0xf4
