; x87 in flat 32-bit protected mode: FNSAVE/FRSTOR round trips (32-bit
; layout across a page boundary, 16-bit layout with o16), the protected-mode
; FNSTENV pointers (FIP, FCS, FDP, FDS), transcendental results rounded to
; doubles, and #MF through the IDT with CR0.NE=1 (no error code, EIP of the
; waiting instruction).  Prints "x87 pm ok" on port 0xE9, exits with 0 on
; port 0xF4, or with the number of the failing check.
BASE	equ 0xF0000
IDT	equ 0x1000
SAVE	equ 0x1FFC0            ; 108-byte FNSAVE area crossing 0x20000
SAVE16	equ 0x30000
ENV	equ 0x31000
R	equ 0x32000            ; results
MFEIP	equ 0x600
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
idtr:	dw 17*8-1
	dd IDT

	bits 32
pm32:	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, 0x80000
	mov eax, BASE+mf_handler
	mov [IDT + 16*8], ax
	mov word [IDT + 16*8 + 2], 0x08
	mov word [IDT + 16*8 + 4], 0x8E00
	shr eax, 16
	mov [IDT + 16*8 + 6], ax
	lidt [BASE+idtr]

	mov bl, 1                  ; FNSAVE reinitialises; FRSTOR brings all back
	fninit
	fld qword [BASE+c_a]
	fldpi
	fld1
	fnsave [SAVE]
	fnstsw ax
	cmp ax, 0                  ; FNINIT state after FNSAVE
	jne fail
	cmp word [SAVE + 8], 0x03FF    ; tag word: R7, R6, R5 valid
	jne fail
	frstor [SAVE]
	fstp qword [R]
	fstp qword [R + 8]
	fstp qword [R + 16]
	cmp dword [R + 4], 0x3FF00000  ; 1.0
	jne fail
	cmp dword [R + 12], 0x400921FB ; pi
	jne fail
	mov eax, [BASE+c_a + 4]
	cmp [R + 20], eax
	jne fail

	mov bl, 2                  ; the 16-bit (o16) layout round trip
	fninit
	fld1
	fchs
	o16 fnsave [SAVE16]
	fld1
	o16 frstor [SAVE16]
	fnstsw ax
	and ax, 0x3800
	cmp ax, 7 << 11            ; TOP back to 7: the extra FLD1 is gone
	jne fail
	fstp qword [R]
	cmp dword [R + 4], 0xBFF00000  ; -1.0
	jne fail

	mov bl, 3                  ; FNSTENV pointers of the last FLD m64
	fninit
ld:	fld qword [BASE+c_a]
	fnstenv [ENV]
	cmp dword [ENV + 12], BASE+ld  ; FIP
	jne fail
	cmp word [ENV + 16], 0x08      ; FCS
	jne fail
	cmp dword [ENV + 20], BASE+c_a ; FDP
	jne fail
	cmp word [ENV + 24], 0x10      ; FDS
	jne fail
	fstp st0

	mov bl, 4                  ; log2(8) = 3; 2^0.5 - 1; atan(1/1) = pi/4
	fld1
	fild dword [BASE+c_8]
	fyl2x
	fistp dword [R]
	cmp dword [R], 3
	jne fail
	fld qword [BASE+c_half]
	f2xm1
	fstp qword [R]
	mov esi, R
	mov edi, BASE+c_sqrt2m1
	call cmp8
	jne fail
	fld1
	fld1
	fpatan
	fstp qword [R]
	mov esi, R
	mov edi, BASE+c_pi4
	call cmp8
	jne fail
	fldz
	fsin
	fstp qword [R]
	cmp dword [R + 4], 0
	jne fail
	fldz
	fcos
	fstp qword [R]
	cmp dword [R + 4], 0x3FF00000
	jne fail

	mov bl, 5                  ; #MF via the IDT at the FWAIT, NE=1
	mov eax, cr0
	or eax, 0x20
	mov cr0, eax
	mov dword [MFEIP], 0
	fnstcw [R]
	and word [R], ~1           ; unmask invalid operation
	fldcw [R]
	fldz
	fldz
	fdivp st1, st0             ; 0/0: IE, no trap yet
	cmp dword [MFEIP], 0
	jne fail
wt:	fwait
	cmp dword [MFEIP], BASE+wt
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

fail:	mov al, bl
	out 0xF4, al
	hlt

; ZF set when the 8 bytes at ESI and EDI are equal.
cmp8:	mov eax, [esi]
	cmp eax, [edi]
	jne .out
	mov eax, [esi + 4]
	cmp eax, [edi + 4]
.out:	ret

mf_handler:
	mov eax, [esp]             ; no error code: EIP on top
	mov [MFEIP], eax
	fninit
	iret

c_a:	dq 1234.5678
c_8:	dd 8
c_half:	dq 0.5
c_sqrt2m1: dq 0.41421356237309504880
c_pi4:	dq 0.78539816339744830962
okmsg:	db "x87 pm ok", 10, 0

	bits 16
times 0xfff0-($-$$) db 0xf4
	jmp 0xf000:start16
times 0x10000-($-$$) db 0xf4
