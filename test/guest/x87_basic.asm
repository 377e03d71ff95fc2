; x87 results in real mode, run as the BIOS ROM: FNINIT state, integer and
; double loads/stores, arithmetic, FSQRT, constants, FCOMI into EFLAGS,
; FNSTSW AX, FNSTENV, #NM with CR0.TS and #MF with CR0.NE=1.
; Prints "x87 ok" on port 0xE9 and exits with 0 on port 0xF4, or with the
; number of the failing check.
	bits 16
	org 0
DATA	equ 0x600              ; scratch at 0000:0600
FLAG	equ 0x5F0              ; set by the #NM / #MF handlers

start:	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7000
	mov word [7*4], nm_handler
	mov word [7*4+2], 0xF000
	mov word [16*4], mf_handler
	mov word [16*4+2], 0xF000

	mov bl, 1                  ; FNINIT: SW 0, CW 0x37F, TW all empty
	fninit
	mov ax, 0xFFFF
	fnstsw ax
	test ax, ax
	jne fail
	fnstcw [DATA]
	cmp word [DATA], 0x037F
	jne fail
	fnstenv [DATA]
	cmp word [DATA+4], 0xFFFF  ; tag word (16-bit real-mode layout)
	jne fail

	mov bl, 2                  ; 1 + 1 = 2 through FISTP
	fld1
	fld1
	faddp st1, st0
	fistp word [DATA]
	cmp word [DATA], 2
	jne fail

	mov bl, 3                  ; sqrt(10) to a double
	fild dword [cs:ten]
	fsqrt
	fstp qword [DATA]
	mov si, DATA
	mov di, sqrt10
	mov cx, 8
	call cmp_cs
	jne fail

	mov bl, 4                  ; FLDPI as an 80-bit value
	fldpi
	fstp tword [DATA]
	mov si, DATA
	mov di, pi80
	mov cx, 10
	call cmp_cs
	jne fail

	mov bl, 5                  ; 7 / 2 = 3.5, 3.5 * 4 = 14, -14 with FCHS
	fild word [cs:seven]
	fidiv word [cs:two]
	fimul word [cs:four]
	fchs
	fistp dword [DATA]
	cmp dword [DATA], -14
	jne fail

	mov bl, 6                  ; FCOMI: 2 > 1 -> ZF=PF=CF=0; 1 < 2 -> CF=1
	fld1
	fild word [cs:two]
	stc
	fcomi st0, st1
	pushf
	pop ax
	test ax, 0x45
	jnz fail
	fxch st1
	fcomi st0, st1
	pushf
	pop ax
	and ax, 0x45
	cmp ax, 0x01
	jne fail
	fcomip st0, st0            ; equal: ZF=1, and one pop
	pushf
	pop ax
	and ax, 0x45
	cmp ax, 0x40
	jne fail
	fstp st0

	mov bl, 7                  ; FCOM + FNSTSW AX + SAHF: 3 < 5 -> C0
	fild word [cs:five]
	fild word [cs:three]
	fcompp
	fnstsw ax
	and ax, 0x4700
	cmp ax, 0x0100
	jne fail
	fnstsw ax                  ; TOP back to 0 after two pops
	test ax, 0x3800
	jnz fail

	mov bl, 8                  ; CR0.TS: FLD1 raises #NM, handler does CLTS
	mov byte [FLAG], 0
	mov eax, cr0
	or al, 8
	mov cr0, eax
	fld1
	cmp byte [FLAG], 1
	jne fail
	fistp word [DATA]
	cmp word [DATA], 1
	jne fail

	mov bl, 9                  ; CR0.NE=1, unmasked #Z: #MF at the next FWAIT
	mov eax, cr0
	or al, 0x20
	mov cr0, eax
	mov byte [FLAG], 0
	fnstcw [DATA]
	and word [DATA], ~4        ; unmask zero divide
	fldcw [DATA]
	fld1
	fldz
	fdivp st1, st0             ; records ZE+ES, no trap yet
	cmp byte [FLAG], 0
	jne fail
	fwait                      ; #MF here; the handler clears and we resume
	cmp byte [FLAG], 2
	jne fail
	fnstsw ax
	test ax, 0x80              ; ES clear again
	jnz fail
	fstp st0

	mov bl, 10                 ; FNSTENV records FOP and FIP of the last insn
				   ; (QEMU TCG leaves FOP 0 and fails here)
	fninit
fsq:	fld1
	fnstenv [DATA]
	mov ax, [DATA+8]           ; FOP bits 10..0 = D9 E8 -> 0x1E8
	and ax, 0x7FF
	cmp ax, 0x1E8
	jne fail
	mov ax, [DATA+6]           ; IP bits 15..0 of the 20-bit linear address
	cmp ax, 0x0000 + fsq
	jne fail
	mov ax, [DATA+8]
	shr ax, 12
	cmp ax, 0xF                ; bits 19..16: segment F000
	jne fail

	mov si, okmsg
.pr:	mov al, [cs:si]
	test al, al
	jz .done
	out 0xE9, al
	inc si
	jmp .pr
.done:	mov al, 0
	out 0xF4, al
	hlt

fail:	mov al, bl
	out 0xF4, al
	hlt

; Compares CX bytes at DS:SI with CS:DI; ZF set when equal.
cmp_cs:	mov al, [si]
	cmp al, [cs:di]
	jne .out
	inc si
	inc di
	loop cmp_cs
	cmp al, al
.out:	ret

nm_handler:
	clts
	mov byte [FLAG], 1
	iret

mf_handler:
	fnclex
	mov byte [FLAG], 2
	iret

ten:	dd 10
two:	dw 2
three:	dw 3
four:	dw 4
five:	dw 5
seven:	dw 7
sqrt10:	dq 3.16227766016837933199889354
pi80:	dq 0xC90FDAA22168C235
	dw 0x4000
okmsg:	db "x87 ok", 10, 0

times 0xfff0-($-$$) db 0xf4
	jmp 0xf000:start
times 0x10000-($-$$) db 0xf4
